//! The fake proxy against the real kubectl (client-go): the CONNECT and SOCKS5 requests it
//! sends are the ones the proxy understands, and client-go's own proxy rules as observed here
//! are the ones the checker follows (see checker/src/proxy.rs).

use std::process::Output;

use testkit::{FakeApiServer, FakeProxy, ProxyProtocol, REMOTE_HOST, kubectl_with_env};

/// The fake API server over TLS, addressed as `server` in a kubeconfig in `dir`, optionally with
/// a cluster `proxy-url`.
fn kubeconfig(
    api: &FakeApiServer,
    dir: &std::path::Path,
    server: &str,
    proxy_url: Option<&str>,
) -> std::path::PathBuf {
    let mut yaml = api.kubeconfig_yaml().replace(&api.url(), server);
    if let Some(proxy) = proxy_url {
        yaml = yaml.replace("    server: ", &format!("    proxy-url: {proxy}\n    server: "));
    }
    assert!(yaml.contains(server) && proxy_url.is_none_or(|p| yaml.contains(p)), "{yaml}");
    let path = dir.join("kubeconfig");
    std::fs::write(&path, yaml).unwrap();
    path
}

fn version(kubeconfig: &std::path::Path, env: &[(&str, &str)]) -> Output {
    // An empty NO_PROXY is unset: the machine's own must not interfere.
    let mut all =
        vec![("NO_PROXY", ""), ("no_proxy", ""), ("HTTP_PROXY", ""), ("http_proxy", ""), ("https_proxy", "")];
    all.extend_from_slice(env);
    kubectl_with_env(kubeconfig, &["get", "--raw", "/version"], &all)
}

fn assert_ok(out: &Output) {
    assert!(out.status.success(), "kubectl failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("gitVersion"));
}

#[test]
fn kubectl_reaches_a_remote_name_through_connect() {
    let api = FakeApiServer::start_tls();
    let proxy = FakeProxy::start();
    let target = format!("{REMOTE_HOST}:6443");
    proxy.route(&target, api.address());
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(&api, dir.path(), &format!("https://{target}"), None);
    assert_ok(&version(&config, &[("HTTPS_PROXY", &proxy.url())]));
    let requests = proxy.requests();
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r.protocol == ProxyProtocol::Connect && r.target == target && r.tunnelled)
    );
}

#[test]
fn kubectl_reaches_a_remote_name_through_socks5_and_the_proxy_url_beats_the_environment() {
    let api = FakeApiServer::start_tls();
    let socks = FakeProxy::start();
    let other = FakeProxy::start();
    let target = format!("{REMOTE_HOST}:6443");
    socks.route(&target, api.address());
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(&api, dir.path(), &format!("https://{target}"), Some(&socks.socks5_url()));
    assert_ok(&version(&config, &[("HTTPS_PROXY", &other.url())]));
    // client-go hands the name to the SOCKS5 proxy: no DNS lookup on this side.
    assert!(socks.requests().iter().all(|r| r.protocol == ProxyProtocol::Socks5 && r.target == target));
    assert!(!socks.requests().is_empty());
    assert!(other.requests().is_empty());
}

#[test]
fn kubectl_goes_direct_to_loopback_despite_https_proxy_but_not_despite_a_proxy_url() {
    let api = FakeApiServer::start_tls();
    let proxy = FakeProxy::start();
    let dir = tempfile::tempdir().unwrap();
    let direct = kubeconfig(&api, dir.path(), &api.url(), None);
    assert_ok(&version(&direct, &[("HTTPS_PROXY", &proxy.url())]));
    let localhost = api.url().replace("127.0.0.1", "localhost");
    let direct = kubeconfig(&api, dir.path(), &localhost, None);
    assert_ok(&version(&direct, &[("HTTPS_PROXY", &proxy.url())]));
    assert_eq!(proxy.targets(), Vec::<String>::new());

    let proxied = kubeconfig(&api, dir.path(), &api.url(), Some(&proxy.url()));
    assert_ok(&version(&proxied, &[]));
    assert!(proxy.targets().contains(&api.address().to_string()), "{:?}", proxy.targets());
}

#[test]
fn a_name_the_proxy_does_not_know_is_refused_without_a_lookup() {
    let api = FakeApiServer::start_tls();
    let proxy = FakeProxy::start();
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(&api, dir.path(), "https://unknown.lab.invalid:6443", None);
    let out = version(&config, &[("HTTPS_PROXY", &proxy.url()), ("NO_PROXY", "")]);
    assert!(!out.status.success());
    let requests = proxy.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| r.target == "unknown.lab.invalid:6443" && !r.tunnelled));
}
