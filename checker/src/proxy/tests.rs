use super::*;

fn env(https: &str, http: &str, no_proxy: &str) -> ProxyEnv {
    ProxyEnv { https_proxy: https.into(), http_proxy: http.into(), no_proxy: no_proxy.into(), cgi: false }
}

/// The proxy for `server` as a string, `-` for none.
fn via(server: &str, proxy_url: Option<&str>, env: &ProxyEnv) -> String {
    let server: http::Uri = server.parse().unwrap();
    match proxy_for(&server, proxy_url, env) {
        Ok(Some(proxy)) => proxy.to_string(),
        Ok(None) => "-".into(),
        Err(m) => format!("error: {}", m.en),
    }
}

const PROXY: &str = "http://proxy.corp:3128";

#[test]
fn https_servers_use_https_proxy_and_http_servers_http_proxy() {
    let both = env(PROXY, "http://plain.corp:8080", "");
    assert_eq!(via("https://cluster.example:6443", None, &both), "http://proxy.corp:3128/");
    assert_eq!(via("http://cluster.example:8080", None, &both), "http://plain.corp:8080/");
    // No fallback from one to the other.
    assert_eq!(via("https://cluster.example", None, &env("", PROXY, "")), "-");
    assert_eq!(via("http://cluster.example", None, &env(PROXY, "", "")), "-");
}

#[test]
fn loopback_and_localhost_never_go_through_the_environments_proxy() {
    let everything = env(PROXY, PROXY, "");
    for server in [
        "https://127.0.0.1:6443",
        "https://127.1.2.3:6443",
        "https://[::1]:6443",
        "https://[::ffff:127.0.0.1]:6443",
        "https://localhost:6443",
        "http://localhost",
    ] {
        assert_eq!(via(server, None, &everything), "-", "{server}");
    }
    assert_eq!(via("https://localhost.example:6443", None, &everything), "http://proxy.corp:3128/");
}

#[test]
fn no_proxy_matches_as_go_does() {
    let cases: &[(&str, &str, bool)] = &[
        // (NO_PROXY, server, goes direct)
        ("*", "https://anything.example", true),
        ("example.com", "https://example.com", true),
        ("example.com", "https://api.example.com", true),
        ("example.com", "https://notexample.com", false),
        (".example.com", "https://api.example.com", true),
        (".example.com", "https://example.com", false),
        ("*.example.com", "https://api.example.com", true),
        ("*.example.com", "https://example.com", false),
        ("EXAMPLE.com", "https://API.example.COM", true),
        ("example.com:6443", "https://example.com:6443", true),
        ("example.com:6443", "https://example.com:443", false),
        ("example.com:443", "https://example.com", true),
        ("10.0.0.0/8", "https://10.1.2.3:6443", true),
        ("10.0.0.0/8", "https://11.1.2.3:6443", false),
        ("10.1.2.3", "https://10.1.2.3:6443", true),
        ("10.1.2.3:6443", "https://10.1.2.3:6443", true),
        ("10.1.2.3:443", "https://10.1.2.3:6443", false),
        ("fd00::/8", "https://[fd00::1]:6443", true),
        ("[fd00::1]:6443", "https://[fd00::1]:6443", true),
        ("fd00::1", "https://[fd00::1]:6443", true),
        // A domain never matches an address, nor a CIDR a name.
        ("10.1.2.3.example", "https://10.1.2.3", false),
        ("10.0.0.0/8", "https://ten.example", false),
        // Spaces, empty entries and upper case are fine; the first matching entry wins.
        (" other.example , ,, .example.com ", "https://api.example.com", true),
        ("other.example,", "https://api.example.com", false),
        (":6443", "https://api.example.com:6443", false),
    ];
    for (no_proxy, server, direct) in cases {
        let expected = if *direct { "-" } else { "http://proxy.corp:3128/" };
        assert_eq!(via(server, None, &env(PROXY, "", no_proxy)), expected, "NO_PROXY={no_proxy:?} {server}");
    }
}

#[test]
fn the_kubeconfigs_proxy_url_wins_over_the_environment_and_loopback() {
    let env = env(PROXY, "", "*");
    assert_eq!(
        via("https://127.0.0.1:6443", Some("socks5://127.0.0.1:1080"), &env),
        "socks5://127.0.0.1:1080/"
    );
    assert_eq!(via("https://cluster.example", Some("https://proxy.corp"), &env), "https://proxy.corp:443/");
    assert_eq!(
        via("https://cluster.example", Some("socks5://proxy.corp"), &env),
        "socks5://proxy.corp:1080/"
    );
    assert_eq!(
        via("https://cluster.example", Some("ftp://proxy.corp"), &env),
        "error: the kubeconfig's proxy-url \"ftp://proxy.corp\" has the unsupported scheme \"ftp\": it must be http, https or socks5"
    );
    assert!(via("https://cluster.example", Some("proxy.corp:3128"), &env).starts_with("error: "));
    // An empty proxy-url is none.
    assert_eq!(via("https://cluster.example", Some(""), &env), "-");
}

#[test]
fn environment_values_are_read_as_go_reads_them() {
    let server = "https://cluster.example:6443";
    assert_eq!(via(server, None, &env("proxy.corp:3128", "", "")), "http://proxy.corp:3128/");
    assert_eq!(
        via(server, None, &env("http://user:pa%40ss@proxy.corp", "", "")),
        "http://user:pa%40ss@proxy.corp:80/"
    );
    assert_eq!(via(server, None, &env("socks5h://127.0.0.1:1080", "", "")), "socks5://127.0.0.1:1080/");
    assert_eq!(via(server, None, &env("https://proxy.corp", "", "")), "https://proxy.corp:443/");
    // What does not parse is ignored, as Go does.
    assert_eq!(via(server, None, &env("http://exa mple:1", "", "")), "-");
    assert!(
        via(server, None, &env("ftp://proxy.corp:21", "", ""))
            .starts_with("error: the proxy \"ftp://proxy.corp:21\"")
    );
    let cgi = ProxyEnv { cgi: true, ..env("", PROXY, "") };
    assert!(via("http://cluster.example", None, &cgi).starts_with("error: refusing to use HTTP_PROXY"));
}

#[test]
fn cidr_edges() {
    assert_eq!(parse_cidr("10.0.0.0/33"), None);
    assert_eq!(parse_cidr("10.0.0.0/+8"), None);
    assert!(cidr_contains("0.0.0.0".parse().unwrap(), 0, "203.0.113.9".parse().unwrap()));
    assert!(cidr_contains("203.0.113.9".parse().unwrap(), 32, "203.0.113.9".parse().unwrap()));
    assert!(!cidr_contains("203.0.113.9".parse().unwrap(), 32, "203.0.113.8".parse().unwrap()));
    assert!(!cidr_contains("::".parse().unwrap(), 0, "10.0.0.1".parse().unwrap()));
}
