//! Which proxy, if any, carries the connection to the API server, by client-go's rules:
//!
//! - The cluster's `proxy-url` in the kubeconfig (`http`, `https` or `socks5`) is used for every
//!   connection to that cluster, whatever the environment says.
//! - Else the environment, as Go's `http.ProxyFromEnvironment` reads it: `HTTPS_PROXY` for an
//!   `https` server, `HTTP_PROXY` for an `http` one (the upper-case name first, then the lower
//!   case; a value without a scheme means `http://`; a value that does not parse is ignored).
//!   `localhost` and loopback addresses never go through it, nor does a server that `NO_PROXY`
//!   matches: a comma-separated list of `*` (everything), IP addresses and CIDR ranges
//!   (`10.0.0.1`, `10.0.0.0/8`, `[::1]:6443`), and domains (`example.com` matches it and its
//!   subdomains, `.example.com` and `*.example.com` only the subdomains), each with an
//!   optional `:port`.
//!
//! A pure function of the server, the kubeconfig and the environment's values: kube-rs's own
//! choice (`HTTPS_PROXY` only, `NO_PROXY` matched against the proxy instead of the server,
//! no loopback exception, a parse error for an empty `NO_PROXY` entry) is not used.

use std::net::IpAddr;

use crate::i18n::Msg;
use crate::msg;

/// The proxy variables of the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    pub http_proxy: String,
    pub https_proxy: String,
    pub no_proxy: String,
    /// `REQUEST_METHOD` is set: a CGI environment, where Go refuses `HTTP_PROXY` (the request's
    /// `Proxy:` header would arrive there).
    pub cgi: bool,
}

impl ProxyEnv {
    /// The variables of this process.
    pub fn from_env() -> ProxyEnv {
        let any = |upper: &str, lower: &str| {
            [upper, lower]
                .iter()
                .filter_map(|name| std::env::var(name).ok())
                .find(|v| !v.is_empty())
                .unwrap_or_default()
        };
        ProxyEnv {
            http_proxy: any("HTTP_PROXY", "http_proxy"),
            https_proxy: any("HTTPS_PROXY", "https_proxy"),
            no_proxy: any("NO_PROXY", "no_proxy"),
            cgi: std::env::var_os("REQUEST_METHOD").is_some_and(|v| !v.is_empty()),
        }
    }
}

/// The proxy for connections to `server`: the kubeconfig's `proxy_url`, else the environment's.
/// An error for a `proxy-url` client-go refuses too.
pub fn proxy_for(
    server: &http::Uri,
    proxy_url: Option<&str>,
    env: &ProxyEnv,
) -> Result<Option<http::Uri>, Msg> {
    if let Some(url) = proxy_url.filter(|u| !u.is_empty()) {
        let parsed: Option<http::Uri> = url.parse().ok().filter(|u: &http::Uri| u.authority().is_some());
        return match parsed {
            Some(uri) if matches!(uri.scheme_str(), Some("http" | "https" | "socks5")) => {
                Ok(Some(with_port(uri)?))
            }
            Some(uri) => {
                let scheme = uri.scheme_str().unwrap_or_default().to_string();
                Err(msg!(
                    "kubeconfig 的 proxy-url \"{url}\" 的协议 \"{scheme}\" 不受支持：只能是 http、https 或 socks5",
                    "the kubeconfig's proxy-url \"{url}\" has the unsupported scheme \"{scheme}\": it must be http, https or socks5"
                ))
            }
            None => Err(msg!(
                "kubeconfig 的 proxy-url \"{url}\" 不是 URL（例如 http://proxy.example.com:3128）",
                "the kubeconfig's proxy-url \"{url}\" is not a URL (e.g. http://proxy.example.com:3128)"
            )),
        };
    }
    let value = match server.scheme_str() {
        Some("https") => &env.https_proxy,
        Some("http") => &env.http_proxy,
        _ => return Ok(None),
    };
    let Some(proxy) = parse_env_proxy(value) else {
        return Ok(None);
    };
    if server.scheme_str() == Some("http") && env.cgi {
        return Err(msg!(
            "在 CGI 环境（设置了 REQUEST_METHOD）中不使用 HTTP_PROXY",
            "refusing to use HTTP_PROXY in a CGI environment (REQUEST_METHOD is set)"
        ));
    }
    let host = server.host().unwrap_or_default();
    let port = server.port_u16().unwrap_or(if server.scheme_str() == Some("https") { 443 } else { 80 });
    if !use_proxy(host, port, &NoProxy::parse(&env.no_proxy)) {
        return Ok(None);
    }
    match proxy.scheme_str() {
        Some("http" | "https" | "socks5") => Ok(Some(with_port(proxy)?)),
        // Go's name for SOCKS5 with the proxy resolving names, which is what kube's SOCKS5 does.
        Some("socks5h") => {
            let rest = proxy.to_string();
            let rest = rest.trim_start_matches("socks5h");
            let uri = format!("socks5{rest}").parse().map_err(|_| bad_env_proxy(value))?;
            Ok(Some(with_port(uri)?))
        }
        _ => Err(bad_env_proxy(value)),
    }
}

fn bad_env_proxy(value: &str) -> Msg {
    msg!(
        "代理 \"{value}\"（来自 HTTPS_PROXY/HTTP_PROXY）的协议不受支持：只能是 http、https、socks5 或 socks5h",
        "the proxy \"{value}\" (from HTTPS_PROXY/HTTP_PROXY) has an unsupported scheme: it must be http, https, socks5 or socks5h"
    )
}

/// Go's `parseProxy`: a value without a scheme and host is tried again with `http://`; `None`
/// for an empty or unusable value (Go ignores it).
fn parse_env_proxy(value: &str) -> Option<http::Uri> {
    if value.is_empty() {
        return None;
    }
    let complete = |u: &http::Uri| u.scheme().is_some() && u.host().is_some_and(|h| !h.is_empty());
    match value.parse::<http::Uri>() {
        Ok(uri) if complete(&uri) && value.contains("://") => Some(uri),
        _ => format!("http://{value}").parse::<http::Uri>().ok().filter(complete),
    }
}

/// The proxy URL with its port spelled out (Go's defaults: 80, 443, 1080).
fn with_port(uri: http::Uri) -> Result<http::Uri, Msg> {
    if uri.port_u16().is_some() {
        return Ok(uri);
    }
    let port = match uri.scheme_str() {
        Some("https") => 443,
        Some("socks5") => 1080,
        _ => 80,
    };
    let shown = uri.to_string();
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or_default();
    format!("{}://{authority}:{port}{path}", uri.scheme_str().unwrap_or("http"))
        .parse()
        .map_err(|_| msg!("代理 \"{shown}\" 不是有效的 URL", "the proxy \"{shown}\" is not a valid URL"))
}

/// Whether a connection to `host:port` goes through the environment's proxy (Go's `useProxy`).
fn use_proxy(host: &str, port: u16, no_proxy: &NoProxy) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host == "localhost" {
        return false;
    }
    let ip = host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
    if ip.is_some_and(|ip| ip.is_loopback()) {
        return false;
    }
    let host = host.trim().to_ascii_lowercase();
    let port = port.to_string();
    !no_proxy.entries.iter().any(|entry| entry.matches(&host, &port, ip))
}

/// A parsed `NO_PROXY`.
#[derive(Debug, Default, PartialEq, Eq)]
struct NoProxy {
    entries: Vec<Entry>,
}

#[derive(Debug, PartialEq, Eq)]
enum Entry {
    All,
    Cidr {
        net: IpAddr,
        bits: u8,
    },
    Ip {
        ip: IpAddr,
        port: String,
    },
    /// `host` has a leading dot; `exact` also matches the name without it.
    Domain {
        host: String,
        port: String,
        exact: bool,
    },
}

impl NoProxy {
    /// Go's `httpproxy` parsing: entries that cannot be anything are skipped, never an error.
    fn parse(value: &str) -> NoProxy {
        let mut entries = Vec::new();
        for entry in value.split(',') {
            let entry = entry.trim().to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                return NoProxy { entries: vec![Entry::All] };
            }
            if let Some((net, bits)) = parse_cidr(&entry) {
                entries.push(Entry::Cidr { net, bits });
                continue;
            }
            let (host, port) = match split_host_port(&entry) {
                Some(("", _)) => continue,
                Some((host, port)) => (host.to_string(), port.to_string()),
                None => (entry.clone(), String::new()),
            };
            if let Ok(ip) = host.parse::<IpAddr>() {
                entries.push(Entry::Ip { ip: ip.to_canonical(), port });
                continue;
            }
            let host = host.strip_prefix('*').filter(|h| h.starts_with('.')).unwrap_or(&host);
            let (host, exact) = match host.starts_with('.') {
                true => (host.to_string(), false),
                false => (format!(".{host}"), true),
            };
            entries.push(Entry::Domain { host, port, exact });
        }
        NoProxy { entries }
    }
}

impl Entry {
    fn matches(&self, host: &str, port: &str, ip: Option<IpAddr>) -> bool {
        match self {
            Entry::All => true,
            Entry::Cidr { net, bits } => ip.is_some_and(|ip| cidr_contains(*net, *bits, ip)),
            Entry::Ip { ip: entry, port: entry_port } => {
                ip == Some(*entry) && (entry_port.is_empty() || entry_port == port)
            }
            Entry::Domain { host: suffix, port: entry_port, exact } => {
                ip.is_none()
                    && (host.ends_with(suffix.as_str()) || (*exact && host == &suffix[1..]))
                    && (entry_port.is_empty() || entry_port == port)
            }
        }
    }
}

/// `10.0.0.0/8`, `fd00::/8`: the network and its prefix length.
fn parse_cidr(value: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = value.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn cidr_contains(net: IpAddr, bits: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(net), IpAddr::V4(ip)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(net) & mask == u32::from(ip) & mask
        }
        (IpAddr::V6(net), IpAddr::V6(ip)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(net) & mask == u128::from(ip) & mask
        }
        _ => false,
    }
}

/// Go's `net.SplitHostPort`: `host:port` or `[v6]:port`; `None` without a port or with too many
/// colons.
fn split_host_port(value: &str) -> Option<(&str, &str)> {
    if let Some(rest) = value.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':')?;
        return Some((host, port));
    }
    let (host, port) = value.rsplit_once(':')?;
    (!host.contains(':')).then_some((host, port))
}

#[cfg(test)]
mod tests;
