//! Keeps other web sites out of the checker's server.
//!
//! The server runs checks against the learner's cluster with the learner's credentials, so a
//! page from elsewhere must not be able to use it, even though every check is read-only:
//!
//! - DNS rebinding: a site whose name resolves to 127.0.0.1 would be same-origin with us, so a
//!   request whose `Host` is not the served loopback name (`127.0.0.1:PORT`, `localhost:PORT`,
//!   or the `--address` given) is refused with 403;
//! - cross-site requests: an API request or a non-GET request whose `Origin` is present and not
//!   ours, or that the browser marks `Sec-Fetch-Site: cross-site`, is refused with 403;
//! - a POST to the API must say `Content-Type: application/json`, which no HTML form can send
//!   and which makes a browser ask first (a CORS preflight that we never grant): 415 otherwise.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::i18n::tr;

use super::AppState;

/// The names the server may be reached by.
#[derive(Debug, Clone)]
pub(crate) struct Hosts {
    port: u16,
    /// `host:port` authorities, lower case.
    names: Vec<String>,
    /// Bound to a wildcard address: any IP literal with our port is fine (a DNS name is not).
    any_ip: bool,
}

impl Hosts {
    pub fn new(address: IpAddr, port: u16) -> Hosts {
        let mut names = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")];
        let any_ip = address.is_unspecified();
        if !any_ip {
            let own = SocketAddr::new(address, port).to_string();
            if !names.contains(&own) {
                names.push(own);
            }
        }
        if port == 80 {
            // Browsers leave the default port out of Host and Origin.
            let bare: Vec<String> =
                names.iter().filter_map(|n| n.strip_suffix(":80")).map(str::to_string).collect();
            names.extend(bare);
        }
        Hosts { port, names, any_ip }
    }

    /// Whether a `Host` header (an authority, `name:port`) names this server.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        if self.names.contains(&host) {
            return true;
        }
        self.any_ip && host.parse::<SocketAddr>().is_ok_and(|a| a.port() == self.port)
    }

    /// Whether an `Origin` header is one of ours (`http://` and an allowed authority).
    pub fn allows_origin(&self, origin: &str) -> bool {
        origin.strip_prefix("http://").is_some_and(|authority| self.allows(authority))
    }
}

/// The middleware in front of every route.
pub(crate) async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    if !host.is_some_and(|h| state.guard.allows(h)) {
        return refuse(
            api,
            StatusCode::FORBIDDEN,
            "forbidden_host",
            &tr(
                state.ctx.lang,
                "这个服务器只响应它自己的地址（http://127.0.0.1:端口 或 http://localhost:端口）",
                "this server answers only to its own address (http://127.0.0.1:PORT or http://localhost:PORT)",
            ),
        );
    }
    let safe_method = matches!(*request.method(), Method::GET | Method::HEAD);
    if api || !safe_method {
        if let Some(origin) = headers.get(header::ORIGIN)
            && !origin.to_str().is_ok_and(|o| state.guard.allows_origin(o))
        {
            return refuse(
                api,
                StatusCode::FORBIDDEN,
                "forbidden_origin",
                &tr(state.ctx.lang, "拒绝跨源请求", "cross-origin requests are refused"),
            );
        }
        if headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site") {
            let message = tr(state.ctx.lang, "拒绝跨站请求", "cross-site requests are refused");
            return refuse(api, StatusCode::FORBIDDEN, "forbidden_origin", &message);
        }
    }
    if api && request.method() == Method::POST && !is_json(headers) {
        return refuse(
            api,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type",
            &tr(
                state.ctx.lang,
                "对 API 的 POST 请求必须带 Content-Type: application/json",
                "a POST to the API must have Content-Type: application/json",
            ),
        );
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    if api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

fn refuse(api: bool, status: StatusCode, kind: &str, message: &str) -> Response {
    match api {
        true => (status, axum::Json(json!({ "error": message, "kind": kind }))).into_response(),
        false => (status, format!("{message}\n")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_with_our_port_only() {
        let h = Hosts::new("127.0.0.1".parse().unwrap(), 4000);
        assert!(h.allows("127.0.0.1:4000"));
        assert!(h.allows("LOCALHOST:4000"));
        assert!(!h.allows("127.0.0.1:4001"));
        assert!(!h.allows("127.0.0.1"));
        assert!(!h.allows("localhost"));
        assert!(!h.allows("evil.example:4000"));
        assert!(!h.allows("localhost.:4000"));
        assert!(!h.allows("[::1]:4000"));
        assert!(h.allows_origin("http://localhost:4000"));
        assert!(!h.allows_origin("https://localhost:4000"));
        assert!(!h.allows_origin("null"));
        assert!(!h.allows_origin("http://evil.example:4000"));
    }

    #[test]
    fn an_explicit_address_is_allowed_too() {
        let h = Hosts::new("::1".parse().unwrap(), 4000);
        assert!(h.allows("[::1]:4000"));
        let h = Hosts::new("192.0.2.7".parse().unwrap(), 4000);
        assert!(h.allows("192.0.2.7:4000"));
        assert!(!h.allows("192.0.2.8:4000"));
    }

    #[test]
    fn a_wildcard_address_allows_ip_literals_but_no_names() {
        let h = Hosts::new("0.0.0.0".parse().unwrap(), 4000);
        assert!(h.allows("192.0.2.8:4000"));
        assert!(h.allows("[2001:db8::1]:4000"));
        assert!(!h.allows("192.0.2.8:4001"));
        assert!(!h.allows("rebind.example:4000"));
    }

    #[test]
    fn port_80_may_be_left_out() {
        let h = Hosts::new("127.0.0.1".parse().unwrap(), 80);
        assert!(h.allows("localhost"));
        assert!(h.allows("127.0.0.1:80"));
        assert!(h.allows_origin("http://127.0.0.1"));
    }
}
