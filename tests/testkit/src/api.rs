//! Routing of API requests to answers: the modes, discovery, get/list (JSON or Table), and the
//! hand-off to watches, logs and the pod proxy.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use http::{Method, Request, Response};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::cluster::Resource;
use crate::query::Query;
use crate::selector::{FieldSelector, Filter, LabelSelector};
use crate::server::{Mode, Shared, until_shutdown};
use crate::status::{self, Attributes};
use crate::{discovery, logs, table, watch};

pub(crate) type BodyError = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type Body = UnsyncBoxBody<Bytes, BodyError>;
/// The sending end of a streamed body; an `Err` cuts the connection.
pub(crate) type FrameSender = mpsc::Sender<Result<Frame<Bytes>, BodyError>>;

/// What a path names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Version,
    /// `/api`: the core group's versions.
    Api,
    /// `/apis`: the named groups.
    Apis,
    /// `/apis/{group}`: one named group.
    Group(String),
    /// `/api/v1` or `/apis/{group}/{version}`: the resources served there.
    GroupVersion {
        group: String,
        version: String,
    },
    Health,
    Collection {
        resource: Resource,
        namespace: Option<String>,
    },
    Object {
        resource: Resource,
        /// `None` for cluster-scoped objects (namespaces, nodes, …).
        namespace: Option<String>,
        name: String,
    },
    Log {
        namespace: String,
        pod: String,
    },
    Proxy {
        namespace: String,
        /// `name`, `name:port` or `scheme:name:port`.
        pod: String,
        path: String,
    },
    /// A resource path that is not served (another group, another resource).
    UnknownResource,
    /// A non-resource path that is not served.
    UnknownPath,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Route {
    pub target: Target,
    /// `/api/v1/watch/...`, the legacy form of `?watch=true`.
    pub watch_path: bool,
}

impl Route {
    pub(crate) fn parse(path: &str) -> Self {
        let plain = |target| Route { target, watch_path: false };
        match path {
            "/version" | "/version/" => return plain(Target::Version),
            "/api" | "/api/" => return plain(Target::Api),
            "/apis" | "/apis/" => return plain(Target::Apis),
            "/healthz" | "/livez" | "/readyz" => return plain(Target::Health),
            _ => {}
        }
        // `/api/{version}/...` (the core group) or `/apis/{group}/{version}/...`.
        let (group, rest) = if let Some(rest) = path.strip_prefix("/api/") {
            ("", rest)
        } else if let Some(rest) = path.strip_prefix("/apis/") {
            match rest.split_once('/') {
                Some((group, rest)) if !rest.is_empty() => (group, rest),
                _ => {
                    let group = rest.trim_end_matches('/');
                    let served = Resource::ALL.iter().any(|r| r.group() == group);
                    return plain(if served {
                        Target::Group(group.to_owned())
                    } else {
                        Target::UnknownResource
                    });
                }
            }
        } else {
            return plain(Target::UnknownPath);
        };
        let (version, rest) = rest.split_once('/').unwrap_or((rest, ""));
        if !Resource::serves_group_version(group, version) {
            return plain(Target::UnknownResource);
        }
        if rest.is_empty() {
            return plain(Target::GroupVersion { group: group.to_owned(), version: version.to_owned() });
        }
        let (watch_path, rest) = match rest.strip_prefix("watch/") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let raw: Vec<&str> = rest.split('/').collect();
        if let ("", ["namespaces", ns, "pods", pod, "proxy", tail @ ..]) = (group, raw.as_slice()) {
            return Route {
                target: Target::Proxy {
                    namespace: (*ns).to_owned(),
                    pod: (*pod).to_owned(),
                    path: format!("/{}", tail.join("/")),
                },
                watch_path,
            };
        }
        let segments: Vec<&str> = raw.into_iter().filter(|s| !s.is_empty()).collect();
        let resource = |plural: &str| Resource::from_path(group, version, plural);
        let collection = |plural: &str, namespace: Option<&str>| {
            resource(plural)
                .filter(|r| r.namespaced() || namespace.is_none())
                .map(|resource| Target::Collection { resource, namespace: namespace.map(str::to_owned) })
        };
        let object = |plural: &str, namespace: Option<&str>, name: &str, sub: Option<&str>| {
            resource(plural)
                .filter(|r| r.namespaced() == namespace.is_some())
                .filter(|r| sub.is_none_or(|sub| sub == "status" && r.has_status()))
                .map(|resource| Target::Object {
                    resource,
                    namespace: namespace.map(str::to_owned),
                    name: name.to_owned(),
                })
        };
        let target = match segments.as_slice() {
            [plural] => collection(plural, None),
            ["namespaces", ns, third] => {
                collection(third, Some(ns)).or_else(|| object("namespaces", None, ns, Some(third)))
            }
            ["namespaces", ns, "pods", pod, "log"] if group.is_empty() => {
                Some(Target::Log { namespace: (*ns).to_owned(), pod: (*pod).to_owned() })
            }
            ["namespaces", ns, plural, name] => object(plural, Some(ns), name, None),
            ["namespaces", ns, plural, name, sub] => object(plural, Some(ns), name, Some(sub)),
            [plural, name] => object(plural, None, name, None),
            [plural, name, sub] => object(plural, None, name, Some(sub)),
            _ => None,
        };
        Route { target: target.unwrap_or(Target::UnknownResource), watch_path }
    }

    /// Discovery and version requests, which every mode answers normally.
    pub(crate) fn is_discovery(&self) -> bool {
        matches!(
            self.target,
            Target::Version
                | Target::Api
                | Target::Apis
                | Target::Group(_)
                | Target::GroupVersion { .. }
                | Target::Health
        )
    }

    /// What an authorizer would be asked about this request.
    pub(crate) fn attributes(&self, method: &Method, watch: bool, path: &str) -> Attributes {
        let read = method == Method::GET || method == Method::HEAD;
        let verb = |named: bool| -> String {
            match *method {
                _ if read && named => "get".into(),
                _ if read && watch => "watch".into(),
                _ if read => "list".into(),
                Method::POST => "create".into(),
                Method::PUT => "update".into(),
                Method::PATCH => "patch".into(),
                Method::DELETE if named => "delete".into(),
                Method::DELETE => "deletecollection".into(),
                ref other => other.as_str().to_lowercase(),
            }
        };
        let resource_attrs = |verb: String, resource: Resource, sub: &str, ns: &str, name: &str| Attributes {
            verb,
            group: resource.group().to_owned(),
            resource: resource.plural().to_owned(),
            subresource: sub.to_owned(),
            namespace: ns.to_owned(),
            name: name.to_owned(),
            path: path.to_owned(),
        };
        match &self.target {
            Target::Collection { resource, namespace } => {
                resource_attrs(verb(false), *resource, "", namespace.as_deref().unwrap_or(""), "")
            }
            Target::Object { resource: Resource::Namespaces, name, .. } => {
                resource_attrs(verb(!watch), Resource::Namespaces, "", name, name)
            }
            Target::Object { resource, namespace, name } => {
                resource_attrs(verb(!watch), *resource, "", namespace.as_deref().unwrap_or(""), name)
            }
            Target::Log { namespace, pod } => {
                resource_attrs(verb(true), Resource::Pods, "log", namespace, pod)
            }
            Target::Proxy { namespace, pod, .. } => {
                let name = proxy_pod_name(pod);
                resource_attrs(verb(true), Resource::Pods, "proxy", namespace, name)
            }
            _ => Attributes {
                verb: method.as_str().to_lowercase(),
                path: path.to_owned(),
                ..Attributes::default()
            },
        }
    }
}

/// The pod's name in a proxy path's `name`, `name:port` or `scheme:name:port`.
fn proxy_pod_name(raw: &str) -> &str {
    let parts: Vec<&str> = raw.split(':').collect();
    match parts.as_slice() {
        [_scheme, name, _port] => name,
        [name, ..] => name,
        [] => raw,
    }
}

/// Answers one request.
pub(crate) async fn handle(request: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    let (parts, _body) = request.into_parts();
    shared.record(&parts);
    let path = parts.uri.path();
    let query = Query::parse(parts.uri.query().unwrap_or(""));
    let route = Route::parse(path);
    let watch = route.watch_path || query.flag("watch");

    if !route.is_discovery() {
        match shared.mode() {
            Mode::Normal | Mode::DropWatchAfter(_) => {}
            Mode::Unauthorized => return status_response(&status::unauthorized()),
            Mode::Forbidden => {
                let attrs = route.attributes(&parts.method, watch, path);
                return status_response(&status::forbidden(&attrs));
            }
            Mode::InternalError => {
                return status_response(&status::internal_error(
                    "fake apiserver: injected failure (Mode::InternalError)",
                ));
            }
            Mode::Garbage => {
                return response(
                    200,
                    "application/json",
                    full("<html><body>502 Bad Gateway: this is not JSON</body></html>\n"),
                );
            }
            Mode::Hang => {
                until_shutdown(shared.shutdown_signal()).await;
                return status_response(&status::service_unavailable("the server is stopping"));
            }
        }
    }

    if !route.is_discovery() {
        let attrs = route.attributes(&parts.method, watch, path);
        if shared.denies(&attrs.group, &attrs.resource, &attrs.subresource, &attrs.verb) {
            return status_response(&status::forbidden(&attrs));
        }
    }

    if parts.method != Method::GET {
        return status_response(&status::method_not_allowed());
    }

    let accept = parts.headers.get(ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let repr = Representation::from_accept(accept);

    match route.target {
        Target::Version => json_response(200, &discovery::version(&shared.server_version())),
        Target::Api => json_response(200, &discovery::api_versions(&shared.address.to_string())),
        Target::Apis => json_response(200, &discovery::api_group_list()),
        Target::Group(group) => json_response(200, &discovery::api_group(&group)),
        Target::GroupVersion { group, version } => {
            json_response(200, &discovery::api_resource_list(&group, &version))
        }
        Target::Health => response(200, "text/plain; charset=utf-8", full("ok")),
        Target::Object { resource, namespace, name } => {
            if watch {
                // `GET .../pods/NAME?watch=true`: a watch of that one object.
                let fields = FieldSelector::parse(&format!("metadata.name={name}"), resource.field_labels())
                    .expect("metadata.name is always supported");
                let filter = Filter { namespace, fields, labels: LabelSelector::default() };
                return watch::respond(&shared, resource, filter, &query, repr);
            }
            get_object(&shared, resource, namespace.as_deref(), &name, repr)
        }
        Target::Collection { resource, namespace } => {
            let fields =
                match FieldSelector::parse(query.get("fieldSelector").unwrap_or(""), resource.field_labels())
                {
                    Ok(fields) => fields,
                    Err(message) => return status_response(&status::bad_request(&message)),
                };
            let labels = match LabelSelector::parse(query.get("labelSelector").unwrap_or("")) {
                Ok(labels) => labels,
                Err(message) => return status_response(&status::bad_request(&message)),
            };
            let filter = Filter { namespace, fields, labels };
            if watch {
                return watch::respond(&shared, resource, filter, &query, repr);
            }
            let selected = query.get("labelSelector").is_some_and(|s| !s.is_empty())
                || query.get("fieldSelector").is_some_and(|s| !s.is_empty());
            let page = match Page::of(&query, selected) {
                Ok(page) => page,
                Err(message) => return status_response(&status::bad_request(&message)),
            };
            list(&shared, resource, &filter, repr, &page)
        }
        Target::Log { namespace, pod } => logs::respond(&shared, &namespace, &pod, &query),
        Target::Proxy { namespace, pod, path: _ } => proxy(&shared, &namespace, &pod),
        Target::UnknownResource => status_response(&status::no_such_path()),
        Target::UnknownPath => response(404, "text/plain; charset=utf-8", full("404 page not found\n")),
    }
}

/// How objects are sent, as the `Accept` header asks: whole, as a server-side printed `Table`
/// (`kubectl get`), or as `PartialObjectMetadata` (metadata-only clients).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Representation {
    Full,
    Table,
    Metadata,
}

impl Representation {
    fn from_accept(accept: &str) -> Self {
        // The first acceptable media type wins, as in the real server's negotiation.
        for media in accept.split(',') {
            if media.contains("as=Table") {
                return Self::Table;
            }
            if media.contains("as=PartialObjectMetadata") {
                return Self::Metadata;
            }
            if media.trim_start().starts_with("application/json") || media.trim() == "*/*" {
                return Self::Full;
            }
        }
        Self::Full
    }

    /// One object (stored form) as this representation sends it on its own.
    pub(crate) fn one(self, resource: Resource, object: &Value, resource_version: u64) -> Value {
        match self {
            Self::Full => resource.with_type_meta(object),
            Self::Table => table::table(resource, &[object], resource_version),
            Self::Metadata => partial_metadata(object),
        }
    }

    fn list(self, resource: Resource, items: &[&Value], resource_version: u64) -> Value {
        let metadata = json!({"resourceVersion": resource_version.to_string()});
        match self {
            // Items of a typed list carry no kind/apiVersion, as the real server sends them.
            Self::Full => json!({
                "kind": format!("{}List", resource.kind()),
                "apiVersion": resource.api_version(),
                "metadata": metadata,
                "items": items.iter().map(|o| resource.convert(o)).collect::<Vec<_>>(),
            }),
            Self::Table => table::table(resource, items, resource_version),
            Self::Metadata => json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": metadata,
                "items": items.iter().map(|o| partial_metadata(o)).collect::<Vec<_>>(),
            }),
        }
    }
}

fn partial_metadata(object: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}

fn get_object(
    shared: &Shared,
    resource: Resource,
    namespace: Option<&str>,
    name: &str,
    repr: Representation,
) -> Response<Body> {
    let cluster = shared.cluster();
    match cluster.get(resource, namespace.unwrap_or(""), name) {
        Some(object) => json_response(200, &repr.one(resource, object, cluster.resource_version())),
        None => status_response(&status::not_found(resource, name)),
    }
}

/// One page of a list, as `limit` and `continue` ask: the real server returns at most `limit`
/// objects, in key order (namespace, then name), and a `continue` token to fetch the rest from,
/// with `remainingItemCount` when no selector filters the list (kubectl lists in chunks of 500).
struct Page {
    limit: Option<usize>,
    /// The key to resume from: `namespace/name`, from a `continue` token.
    start: Option<String>,
    selected: bool,
}

impl Page {
    fn of(query: &Query, selected: bool) -> Result<Page, String> {
        let limit = query
            .number("limit")
            .map_err(|raw| format!("invalid limit {raw:?}"))?
            .filter(|n| *n > 0)
            .map(|n| n as usize);
        let start = match query.get("continue").filter(|c| !c.is_empty()) {
            Some(token) => Some(continue_start(token).ok_or_else(|| {
                "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
                    .to_string()
            })?),
            None => None,
        };
        Ok(Page { limit, start, selected })
    }
}

fn key_of(object: &Value) -> String {
    let text = |p: &str| object.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
    format!("{}/{}", text("/metadata/namespace"), text("/metadata/name"))
}

/// Keys compare as the store orders them: by namespace, then by name.
fn key_order(key: &str) -> (&str, &str) {
    key.split_once('/').unwrap_or(("", key))
}

/// The real server's token: base64 of `{"v":"meta.k8s.io/v1","rv":RV,"start":"KEY\u0000"}`.
fn continue_token(resource_version: u64, last: &str) -> String {
    use base64::Engine;
    let token = json!({"v": "meta.k8s.io/v1", "rv": resource_version, "start": format!("{last}\u{0}")});
    base64::engine::general_purpose::STANDARD.encode(token.to_string())
}

fn continue_start(token: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.decode(token).ok()?;
    let token: Value = serde_json::from_slice(&bytes).ok()?;
    (token["v"] == "meta.k8s.io/v1").then_some(())?;
    token["start"].as_str().map(String::from)
}

fn list(
    shared: &Shared,
    resource: Resource,
    filter: &Filter,
    repr: Representation,
    page: &Page,
) -> Response<Body> {
    let cluster = shared.cluster();
    let items: Vec<&Value> = cluster
        .list(resource, filter.namespace.as_deref())
        .filter(|o| filter.matches(&resource.convert(o)))
        .filter(|o| page.start.as_deref().is_none_or(|start| key_order(&key_of(o)) >= key_order(start)))
        .collect();
    let shown = page.limit.map_or(items.len(), |limit| limit.min(items.len()));
    let mut body = repr.list(resource, &items[..shown], cluster.resource_version());
    if shown < items.len() {
        body["metadata"]["continue"] =
            json!(continue_token(cluster.resource_version(), &key_of(items[shown - 1])));
        if !page.selected {
            body["metadata"]["remainingItemCount"] = json!(items.len() - shown);
        }
    }
    json_response(200, &body)
}

fn proxy(shared: &Shared, namespace: &str, raw_name: &str) -> Response<Body> {
    let name = proxy_pod_name(raw_name);
    let cluster = shared.cluster();
    let Some(pod) = cluster.get(Resource::Pods, namespace, name) else {
        return status_response(&status::not_found(Resource::Pods, name));
    };
    if let Some(reply) = cluster.proxy(namespace, name) {
        // The pod's answer, passed on unchanged: its status, its content type, its body.
        return response(reply.status, &reply.content_type, full(reply.body.clone()));
    }
    let port = raw_name
        .rsplit_once(':')
        .map(|(_, port)| port.to_owned())
        .or_else(|| pod.pointer("/spec/containers/0/ports/0/containerPort").map(Value::to_string))
        .unwrap_or_else(|| "80".to_owned());
    let ip = pod.pointer("/status/podIP").and_then(Value::as_str).unwrap_or("0.0.0.0");
    status_response(&status::service_unavailable(&format!(
        "error trying to reach service: dial tcp {ip}:{port}: connect: connection refused"
    )))
}

/// A whole body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed_unsync()
}

/// A body streamed from a channel: its sender is the returned [`FrameSender`].
pub(crate) fn streamed() -> (FrameSender, Body) {
    let (sender, mut receiver) = mpsc::channel(16);
    let stream = futures::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    (sender, StreamBody::new(stream).boxed_unsync())
}

pub(crate) fn response(code: u16, content_type: &str, body: Body) -> Response<Body> {
    Response::builder()
        .status(code)
        .header(CONTENT_TYPE, content_type)
        .header(CACHE_CONTROL, "no-cache, private")
        .body(body)
        .expect("a valid response")
}

pub(crate) fn json_response(code: u16, value: &Value) -> Response<Body> {
    let mut bytes = serde_json::to_vec(value).expect("JSON values serialize");
    bytes.push(b'\n');
    response(code, "application/json", full(bytes))
}

/// A `Status` failure, with its `code` as the HTTP status.
pub(crate) fn status_response(status: &Value) -> Response<Body> {
    let code = status.get("code").and_then(Value::as_u64).and_then(|c| u16::try_from(c).ok()).unwrap_or(500);
    json_response(code, status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let t = |p: &str| Route::parse(p).target;
        assert_eq!(t("/version"), Target::Version);
        assert_eq!(
            t("/api/v1/namespaces/experiments/pods"),
            Target::Collection { resource: Resource::Pods, namespace: Some("experiments".into()) }
        );
        assert_eq!(t("/api/v1/pods"), Target::Collection { resource: Resource::Pods, namespace: None });
        assert_eq!(
            t("/api/v1/namespaces/experiments"),
            Target::Object { resource: Resource::Namespaces, namespace: None, name: "experiments".into() }
        );
        assert_eq!(
            t("/api/v1/namespaces/e/pods/p/log"),
            Target::Log { namespace: "e".into(), pod: "p".into() }
        );
        assert_eq!(
            t("/api/v1/namespaces/e/pods/p:80/proxy/a/b"),
            Target::Proxy { namespace: "e".into(), pod: "p:80".into(), path: "/a/b".into() }
        );
        assert_eq!(
            t("/api/v1/namespaces/e/pods/p/proxy"),
            Target::Proxy { namespace: "e".into(), pod: "p".into(), path: "/".into() }
        );
        assert_eq!(
            t("/api/v1/namespaces/e/configmaps"),
            Target::Collection { resource: Resource::ConfigMaps, namespace: Some("e".into()) }
        );
        assert_eq!(
            t("/api/v1/namespaces/e/status"),
            Target::Object { resource: Resource::Namespaces, namespace: None, name: "e".into() }
        );
        assert_eq!(t("/api/v1/namespaces/e/namespaces"), Target::UnknownResource);
        assert_eq!(t("/api/v1/namespaces/e/secrets"), Target::UnknownResource);
        assert_eq!(
            t("/api/v1/nodes/n1"),
            Target::Object { resource: Resource::Nodes, namespace: None, name: "n1".into() }
        );
        assert_eq!(t("/api/v1/namespaces/e/nodes/n1"), Target::UnknownResource);
        assert_eq!(t("/api/v1/namespaces/e/pods/p/exec"), Target::UnknownResource);
        assert_eq!(t("/apis/apps/v1"), Target::GroupVersion { group: "apps".into(), version: "v1".into() });
        assert_eq!(t("/api/v1"), Target::GroupVersion { group: "".into(), version: "v1".into() });
        assert_eq!(t("/apis/apps"), Target::Group("apps".into()));
        assert_eq!(t("/apis/apps/v1beta1"), Target::UnknownResource);
        assert_eq!(t("/apis/batch/v1"), Target::UnknownResource);
        assert_eq!(t("/apis/batch"), Target::UnknownResource);
        assert_eq!(
            t("/apis/apps/v1/namespaces/e/statefulsets/web/status"),
            Target::Object {
                resource: Resource::StatefulSets,
                namespace: Some("e".into()),
                name: "web".into()
            }
        );
        assert_eq!(
            t("/apis/storage.k8s.io/v1/storageclasses"),
            Target::Collection { resource: Resource::StorageClasses, namespace: None }
        );
        assert_eq!(
            t("/apis/events.k8s.io/v1/namespaces/e/events"),
            Target::Collection { resource: Resource::EventsV1, namespace: Some("e".into()) }
        );
        assert_eq!(t("/apis/apps/v1/namespaces/e/pods"), Target::UnknownResource);
        assert_eq!(t("/openapi/v2"), Target::UnknownPath);
        assert!(Route::parse("/apis/apps/v1/watch/namespaces/e/statefulsets").watch_path);
        let watch = Route::parse("/api/v1/watch/namespaces/e/pods");
        assert!(watch.watch_path);
        assert_eq!(proxy_pod_name("http:p:80"), "p");
    }

    #[test]
    fn negotiation() {
        let kubectl_get = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(Representation::from_accept(kubectl_get), Representation::Table);
        assert_eq!(Representation::from_accept("application/json"), Representation::Full);
        assert_eq!(Representation::from_accept(""), Representation::Full);
        assert_eq!(
            Representation::from_accept("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"),
            Representation::Metadata
        );
        assert_eq!(
            Representation::from_accept("application/json, application/json;as=Table;g=meta.k8s.io;v=v1"),
            Representation::Full
        );
    }
}
