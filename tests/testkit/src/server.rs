//! The server: a handle for tests (synchronous), and the thread with its own Tokio runtime that
//! accepts connections (plain HTTP/1.1, or HTTPS with ALPN `http/1.1`) and serves them with hyper.

use std::collections::{BTreeSet, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_rustls::TlsAcceptor;

use crate::cluster::{Cluster, LogKey, ProxyReply, Resource};
use crate::discovery::DEFAULT_SERVER_VERSION;
use crate::query;
use crate::tls::TlsMaterial;
use crate::{api, kubeconfig};

/// At most this many connections are served at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 256;
/// At most this many requests are remembered; older ones are forgotten first.
const MAX_RECORDED_REQUESTS: usize = 10_000;
/// A TLS handshake that takes longer than this is given up.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How the server answers API requests. Whatever the mode, `/version`, `/healthz`-style probes and
/// the discovery documents (`/api`, `/apis`, `/api/v1`) are answered normally, so that clients get
/// past discovery and meet the failure on the request that matters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Serve the fake cluster.
    #[default]
    Normal,
    /// `401` with the `Unauthorized` Status (a bad or expired token).
    Unauthorized,
    /// `403` with the RBAC authorizer's Status, e.g. `pods "init-demo" is forbidden: User
    /// "learner" cannot get resource "pods" in API group "" in the namespace "experiments"`.
    Forbidden,
    /// `500` with an `InternalError` Status.
    InternalError,
    /// `200`, `Content-Type: application/json`, and a body that is not JSON.
    Garbage,
    /// Read the request and never answer (until the server stops); the connection stays open.
    Hang,
    /// Like `Normal`, except that every watch stream is cut (the connection closed without the
    /// final chunk) right after it has sent this many events (of any type).
    DropWatchAfter(usize),
}

/// A request as the server received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, e.g. `/api/v1/namespaces/experiments/pods/init-demo`.
    pub path: String,
    /// The raw query string (without `?`), `""` when there was none.
    pub query: String,
    /// All headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `Authorization` header, if any (e.g. `Bearer fake-token`).
    pub fn authorization(&self) -> Option<&str> {
        self.header("authorization")
    }

    /// The decoded value of a query parameter, e.g. `query_param("fieldSelector")`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        query::Query::parse(&self.query).get(name).map(str::to_owned)
    }

    /// Whether this is a watch (`?watch=true|1` or a legacy `/watch/` path).
    pub fn is_watch(&self) -> bool {
        query::Query::parse(&self.query).flag("watch") || self.path.starts_with("/api/v1/watch/")
    }
}

/// What the server's tasks share with the test's handle.
pub(crate) struct Shared {
    cluster: Mutex<Cluster>,
    mode: watch::Sender<Mode>,
    shutdown: watch::Sender<bool>,
    requests: Mutex<VecDeque<RecordedRequest>>,
    version: Mutex<String>,
    /// `(group, resource)` pairs the authorizer denies whatever the verb, the resource with its
    /// subresource if any (`("", "pods/proxy")`), see [`FakeApiServer::forbid`].
    denied: Mutex<BTreeSet<(String, String)>>,
    /// (group, resource, verb) denied for one verb only ([`FakeApiServer::forbid_verb`]).
    denied_verbs: Mutex<BTreeSet<(String, String, String)>>,
    pub(crate) address: SocketAddr,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn cluster(&self) -> MutexGuard<'_, Cluster> {
        lock(&self.cluster)
    }

    pub(crate) fn mode(&self) -> Mode {
        *self.mode.borrow()
    }

    /// A receiver whose `changed()` fires on the next `set_mode`.
    pub(crate) fn mode_changes(&self) -> watch::Receiver<Mode> {
        self.mode.subscribe()
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub(crate) fn server_version(&self) -> String {
        lock(&self.version).clone()
    }

    /// Whether the authorizer denies this resource (`("apps", "statefulsets", "")`) or
    /// subresource (`("", "pods", "proxy")`). As with RBAC, a resource and each of its
    /// subresources are separate: denying `pods` leaves `pods/log` alone, and the other way round.
    /// A verb denied alone ([`FakeApiServer::forbid_verb`]) is denied for that verb only.
    pub(crate) fn denies(&self, group: &str, resource: &str, subresource: &str, verb: &str) -> bool {
        let full = match subresource {
            "" => resource.to_owned(),
            sub => format!("{resource}/{sub}"),
        };
        !resource.is_empty()
            && (lock(&self.denied).contains(&(group.to_owned(), full.clone()))
                || lock(&self.denied_verbs).contains(&(group.to_owned(), full, verb.to_owned())))
    }

    pub(crate) fn record(&self, parts: &http::request::Parts) {
        let request = RecordedRequest {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().unwrap_or("").to_owned(),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
        };
        let mut requests = lock(&self.requests);
        if requests.len() >= MAX_RECORDED_REQUESTS {
            requests.pop_front();
        }
        requests.push_back(request);
    }
}

/// Resolves when the server is stopping (or its handle is gone).
pub(crate) async fn until_shutdown(mut signal: watch::Receiver<bool>) {
    let _ = signal.wait_for(|stopping| *stopping).await;
}

/// A fake Kubernetes API server on `127.0.0.1`, for the end-to-end tests.
///
/// It serves real wire-format objects at the real API paths: `/version`, discovery, namespaces,
/// pods (get, list, watch, `log`, `proxy`) and events, with the real server's `Status` errors and
/// server-side `Table`s for `kubectl get`. Only `GET` is served: every other method is answered
/// `405` and recorded. Runs on its own thread with its own Tokio runtime; stops on drop.
pub struct FakeApiServer {
    shared: Arc<Shared>,
    address: SocketAddr,
    ca_pem: Option<String>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl FakeApiServer {
    /// Starts a plain-HTTP server on a free port of 127.0.0.1.
    pub fn start() -> Self {
        Self::launch(None)
    }

    /// Starts an HTTPS server whose certificate (for `127.0.0.1`, `::1` and `localhost`) is signed
    /// by a freshly generated CA; [`Self::write_kubeconfig`] trusts that CA.
    pub fn start_tls() -> Self {
        Self::launch(Some(TlsMaterial::generate()))
    }

    fn launch(tls: Option<TlsMaterial>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("fake apiserver: cannot bind a port on 127.0.0.1");
        listener.set_nonblocking(true).expect("fake apiserver: cannot make the listener non-blocking");
        let address = listener.local_addr().expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            cluster: Mutex::new(Cluster::new()),
            mode: watch::channel(Mode::Normal).0,
            shutdown: watch::channel(false).0,
            requests: Mutex::new(VecDeque::new()),
            version: Mutex::new(DEFAULT_SERVER_VERSION.to_owned()),
            denied: Mutex::new(BTreeSet::new()),
            denied_verbs: Mutex::new(BTreeSet::new()),
            address,
        });
        let (acceptor, ca_pem) = match tls {
            Some(tls) => (Some(tls.acceptor), Some(tls.ca_pem)),
            None => (None, None),
        };
        let thread = std::thread::Builder::new()
            .name(format!("fake-apiserver-{}", address.port()))
            .spawn({
                let shared = Arc::clone(&shared);
                move || run(listener, shared, acceptor)
            })
            .expect("fake apiserver: cannot spawn its thread");
        Self { shared, address, ca_pem, thread: Mutex::new(Some(thread)) }
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.address)
    }

    /// The socket address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The PEM of the CA that signed the server's certificate (TLS servers only).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The kubeconfig of [`Self::write_kubeconfig`], as YAML text.
    pub fn kubeconfig_yaml(&self) -> String {
        kubeconfig::render(&self.url(), self.ca_pem.as_deref())
    }

    /// Writes `dir/kubeconfig`: cluster `fake` (this server; its CA for TLS), user `learner` with
    /// the bearer token [`crate::TOKEN`], context `fake` with namespace `experiments`, which is
    /// the current context. Returns its path. (kubectl, like all of client-go, sends the token
    /// only over TLS: use [`Self::start_tls`] to see it in [`Self::requests`].)
    pub fn write_kubeconfig(&self, dir: &Path) -> PathBuf {
        let path = dir.join("kubeconfig");
        std::fs::write(&path, self.kubeconfig_yaml())
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// Sets how API requests are answered from now on; open watch streams end (cleanly), so
    /// that their clients come back and meet the new mode.
    pub fn set_mode(&self, mode: Mode) {
        self.shared.mode.send_replace(mode);
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.shared.mode()
    }

    /// Sets the `gitVersion` that `/version` reports (default [`crate::DEFAULT_SERVER_VERSION`]).
    pub fn set_server_version(&self, git_version: &str) {
        *lock(&self.shared.version) = git_version.to_owned();
    }

    /// Creates a namespace (`Active`) unless it exists.
    pub fn add_namespace(&self, name: &str) {
        self.shared.cluster().add_namespace(name);
    }

    /// Deletes a namespace and everything in it at once; `false` if it did not exist.
    pub fn remove_namespace(&self, name: &str) -> bool {
        self.shared.cluster().remove_namespace(name)
    }

    /// Creates or replaces a pod (by `metadata.namespace`, default `experiments`, and
    /// `metadata.name`), creating its namespace if needed. Fills in `uid` (kept on replace),
    /// `creationTimestamp` and a new `resourceVersion`; watchers get ADDED or MODIFIED. Returns
    /// the stored pod as the server serves it.
    pub fn put_pod(&self, pod: Value) -> Value {
        self.shared.cluster().put(Resource::Pods, pod)
    }

    /// Puts an object of any kind the server serves, by its `apiVersion` and `kind` (a `Pod`
    /// also when both are missing), or every item of a `List` (as `kubectl get -o yaml` prints
    /// several). Pods and core Events get the defaults of [`Self::put_pod`] and
    /// [`Self::add_event`]. Returns what was stored, one value per object.
    pub fn apply(&self, object: Value) -> Vec<Value> {
        match object.get("kind").and_then(Value::as_str) {
            _ if object.is_null() => Vec::new(),
            Some(kind) if kind.ends_with("List") && object.get("items").is_some() => object
                .get("items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .flat_map(|item| self.apply(item.clone()))
                .collect(),
            _ => vec![self.put_object(object)],
        }
    }

    /// Creates or replaces an object of any kind the server serves, by its `apiVersion` and
    /// `kind` (a `Pod` when both are missing), `metadata.namespace` (default `experiments`, for
    /// namespaced kinds) and `metadata.name`, as the API server would store it: `uid` (kept on
    /// replace), `creationTimestamp` (unless given) and a new `resourceVersion` are filled in,
    /// its namespace is created if needed, and watchers get ADDED or MODIFIED. An
    /// `events.k8s.io/v1` Event is stored as the core Event it is (both APIs serve it). Returns
    /// the stored object as its API serves it.
    ///
    /// Panics, naming the kinds served, on a kind the server does not serve.
    pub fn put_object(&self, object: Value) -> Value {
        let resource = resource_of(&object);
        match resource {
            Resource::Pods => self.put_pod(object),
            Resource::Events => self.add_event(object),
            Resource::Namespaces => {
                // What the API server adds to a new namespace, where the object lacks it.
                let mut object = object;
                let name = object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_owned();
                let labels = object["metadata"]["labels"].as_object_mut();
                if let Some(labels) = labels {
                    labels.entry("kubernetes.io/metadata.name").or_insert(name.into());
                } else {
                    object["metadata"]["labels"] = json!({"kubernetes.io/metadata.name": name});
                }
                if object.pointer("/spec/finalizers").is_none() {
                    object["spec"] = json!({"finalizers": ["kubernetes"]});
                }
                if object.pointer("/status/phase").is_none() {
                    object["status"] = json!({"phase": "Active"});
                }
                self.shared.cluster().put(Resource::Namespaces, object)
            }
            other => self.shared.cluster().put(other, object),
        }
    }

    /// [`Self::put_object`] of each document of YAML text (`---`-separated; `List`s are
    /// unpacked). Returns what was stored.
    pub fn put_yaml(&self, yaml: &str) -> Vec<Value> {
        self.put_pod_yaml(yaml)
    }

    /// An object as its API serves it, by `apiVersion`, `kind`, namespace (`""` for
    /// cluster-scoped kinds) and name.
    pub fn object(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        let resource = served(api_version, kind);
        let cluster = self.shared.cluster();
        let namespace = if resource.namespaced() { namespace } else { "" };
        cluster.get(resource, namespace, name).map(|o| resource.with_type_meta(o))
    }

    /// Deletes an object of any served kind (watchers get DELETED); `false` if there was none.
    pub fn delete_object(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> bool {
        let resource = served(api_version, kind);
        let namespace = if resource.namespaced() { namespace } else { "" };
        self.shared.cluster().delete(resource, namespace, name)
    }

    /// Changes an object as stored (a controller's or the learner's doing) with `edit` and puts
    /// it back, as [`Self::put_object`] does; panics when there is no such object.
    pub fn change(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
        edit: impl FnOnce(&mut Value),
    ) {
        let mut object = self
            .object(api_version, kind, namespace, name)
            .unwrap_or_else(|| panic!("no {kind} {namespace}/{name} to change"));
        edit(&mut object);
        self.put_object(object);
    }

    /// Makes the authorizer deny every request on a resource (by API group, `""` for the core
    /// group, and plural, e.g. `("apps", "statefulsets")`) or on a subresource (`("",
    /// "pods/proxy")`, `("", "pods/log")`) with the RBAC authorizer's 403, as for a user whose
    /// Role does not grant it. A resource and its subresources are denied separately, as RBAC
    /// grants them. Discovery stays readable, as for every authenticated user.
    pub fn forbid(&self, group: &str, resource: &str) {
        lock(&self.shared.denied).insert((group.to_owned(), resource.to_owned()));
    }

    /// Denies one verb on a resource (`("", "events", "watch")`), as a Role that grants `get`
    /// and `list` but not `watch` does.
    pub fn forbid_verb(&self, group: &str, resource: &str, verb: &str) {
        lock(&self.shared.denied_verbs).insert((group.to_owned(), resource.to_owned(), verb.to_owned()));
    }

    /// Lifts every [`Self::forbid`] and [`Self::forbid_verb`].
    pub fn allow_all(&self) {
        lock(&self.shared.denied).clear();
        lock(&self.shared.denied_verbs).clear();
    }

    /// Applies YAML text (see [`Self::apply`]): one document or several (`---`), so that a lab
    /// manifest such as `manifests/init-container.yaml` (a Namespace and a Pod) can be put as is.
    pub fn put_pod_yaml(&self, yaml: &str) -> Vec<Value> {
        let mut stored = Vec::new();
        for document in serde_yaml::Deserializer::from_str(yaml) {
            let object: Value =
                serde::Deserialize::deserialize(document).unwrap_or_else(|e| panic!("invalid YAML: {e}"));
            stored.extend(self.apply(object));
        }
        stored
    }

    /// [`Self::put_pod_yaml`] with the text of a file.
    pub fn put_pod_file(&self, path: impl AsRef<Path>) -> Vec<Value> {
        let path = path.as_ref();
        let yaml =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        self.put_pod_yaml(&yaml)
    }

    /// Puts `tests/fixtures/pods/{name}.yaml` (see [`crate::pod_fixture`]); for a `List` fixture
    /// (`list-all`) every item. Returns what was stored.
    pub fn put_pod_fixture(&self, name: &str) -> Vec<Value> {
        self.apply(crate::fixtures::pod_fixture(name))
    }

    /// The pod as stored (with `kind`/`apiVersion`), if any.
    pub fn pod(&self, namespace: &str, name: &str) -> Option<Value> {
        let cluster = self.shared.cluster();
        let pod = cluster.get(Resource::Pods, namespace, name)?;
        Some(Resource::Pods.with_type_meta(pod))
    }

    /// Deletes a pod (watchers get DELETED) with its logs and proxy reply; `false` if none.
    pub fn delete_pod(&self, namespace: &str, name: &str) -> bool {
        self.shared.cluster().delete(Resource::Pods, namespace, name)
    }

    /// Sets the log of a container (its current instance, or with `previous` the one before);
    /// a follower (`follow=true`) of that log gets what was appended.
    pub fn set_log(&self, namespace: &str, pod: &str, container: &str, previous: bool, text: &str) {
        let key = LogKey {
            namespace: namespace.to_owned(),
            pod: pod.to_owned(),
            container: container.to_owned(),
            previous,
        };
        self.shared.cluster().set_log(key, text.to_owned());
    }

    /// Adds (or replaces, by namespace and name) a core/v1 Event. Fills in what the server would:
    /// `metadata.name` (`<involved>.<hex>`), `metadata.namespace` (from `involvedObject`),
    /// `involvedObject.uid` (from the object it names, if that exists, so that `kubectl describe`
    /// finds it), `uid`, `resourceVersion`, and for an event of the old API (no `eventTime`)
    /// `firstTimestamp`/`lastTimestamp` (now) and `count` (1). An event of the new API (with
    /// `eventTime`, as `events.k8s.io/v1` writers such as the scheduler make them) keeps its
    /// `series` and null timestamps. Returns the stored event.
    pub fn add_event(&self, event: Value) -> Value {
        let mut cluster = self.shared.cluster();
        let mut event = event;
        let fields = event.as_object_mut().expect("an Event must be a JSON object");
        let involved = fields.get("involvedObject").cloned().unwrap_or_else(|| json!({}));
        let involved_name = involved.get("name").and_then(Value::as_str).unwrap_or("");
        let namespace = fields
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .or_else(|| involved.get("namespace").and_then(Value::as_str))
            .unwrap_or(crate::DEFAULT_NAMESPACE)
            .to_owned();
        let uid_hint = cluster.new_uid();
        let metadata = fields
            .entry("metadata")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("metadata must be an object");
        metadata.insert("namespace".into(), namespace.clone().into());
        if metadata.get("name").and_then(Value::as_str).is_none() {
            let suffix: String = uid_hint.chars().filter(char::is_ascii_hexdigit).take(16).collect();
            let base = if involved_name.is_empty() { "event" } else { involved_name };
            metadata.insert("name".into(), format!("{base}.{suffix}").into());
        }
        if involved.get("uid").is_none() {
            let kind = involved.get("kind").and_then(Value::as_str).unwrap_or("");
            let ns = involved.get("namespace").and_then(Value::as_str).unwrap_or(&namespace);
            let target = match kind {
                "Pod" => cluster.get(Resource::Pods, ns, involved_name),
                "Namespace" => cluster.get(Resource::Namespaces, "", involved_name),
                _ => None,
            };
            if let Some(uid) = target.and_then(|t| t.pointer("/metadata/uid")).cloned() {
                fields
                    .entry("involvedObject")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("involvedObject must be an object")
                    .insert("uid".into(), uid);
            }
        }
        if !fields.contains_key("eventTime") || fields["eventTime"].is_null() {
            let now = crate::cluster::now_rfc3339();
            let first = fields
                .get("firstTimestamp")
                .filter(|t| !t.is_null())
                .cloned()
                .unwrap_or_else(|| now.clone().into());
            fields.insert("firstTimestamp".into(), first.clone());
            if fields.get("lastTimestamp").is_none_or(Value::is_null) {
                fields.insert("lastTimestamp".into(), first);
            }
            fields.entry("count").or_insert(1.into());
        }
        cluster.put(Resource::Events, event)
    }

    /// Sets what the pod answers to `GET .../pods/{pod}/proxy/...` (any path below it), e.g.
    /// `set_proxy("experiments", "init-demo", 200, "<html>…")`, with `Content-Type: text/html`
    /// for a body that starts with `<` and `text/plain` otherwise (see [`Self::set_proxy_typed`]).
    /// As the real API server's proxy does, the pod's answer is passed on unchanged whatever its
    /// status: nginx's own `403 Forbidden` page reaches the client as a 403 with that HTML, not
    /// as a `Status`. Without it the proxy answers the API server's `503` `Status` ("error trying
    /// to reach service: ... connection refused"), like a pod that does not listen.
    pub fn set_proxy(&self, namespace: &str, pod: &str, status: u16, body: &str) {
        let content_type = match body.trim_start().starts_with('<') {
            true => "text/html",
            false => "text/plain; charset=utf-8",
        };
        self.set_proxy_typed(namespace, pod, status, content_type, body);
    }

    /// [`Self::set_proxy`] with the pod's own `Content-Type`, e.g. `application/json` for a pod
    /// that answers JSON.
    pub fn set_proxy_typed(&self, namespace: &str, pod: &str, status: u16, content_type: &str, body: &str) {
        let reply = ProxyReply { status, content_type: content_type.to_owned(), body: body.to_owned() };
        self.shared.cluster().set_proxy(namespace, pod, reply);
    }

    /// Forgets the watch history: a watch from an older resourceVersion now gets `410 Gone`.
    pub fn compact(&self) {
        self.shared.cluster().compact();
    }

    /// The current resourceVersion (of the latest write).
    pub fn resource_version(&self) -> u64 {
        self.shared.cluster().resource_version()
    }

    /// The requests received so far (the latest 10,000), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).iter().cloned().collect()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Waits until a request that satisfies `predicate` has been received (it may have been
    /// received before the call), polling; `None` after `timeout`.
    pub fn wait_for_request(
        &self,
        timeout: Duration,
        predicate: impl Fn(&RecordedRequest) -> bool,
    ) -> Option<RecordedRequest> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = lock(&self.shared.requests).iter().find(|r| predicate(r)) {
                return Some(found.clone());
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the server: open connections (hung requests and watches included) are closed, the
    /// port is released. Idempotent; also done on drop.
    pub fn stop(&self) {
        self.shared.shutdown.send_replace(true);
        let thread = lock(&self.thread).take();
        if let Some(thread) = thread {
            // A panic on the server thread has already been printed; the test goes on.
            let _ = thread.join();
        }
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for FakeApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeApiServer")
            .field("url", &self.url())
            .field("mode", &self.mode())
            .finish_non_exhaustive()
    }
}

/// The served resource an object is of, by its `apiVersion` and `kind` (a Pod without either).
fn resource_of(object: &Value) -> Resource {
    assert!(object.is_object(), "an object must be a JSON object, not {object}");
    let kind = object.get("kind").and_then(Value::as_str);
    let api_version = object.get("apiVersion").and_then(Value::as_str);
    match (api_version, kind) {
        (None, None | Some("Pod")) => Resource::Pods,
        (None, Some(kind)) => panic!("the {kind} needs an apiVersion"),
        (Some(api_version), kind) => served(api_version, kind.unwrap_or("")),
    }
}

fn served(api_version: &str, kind: &str) -> Resource {
    Resource::from_type(api_version, kind).unwrap_or_else(|| {
        let served: Vec<String> =
            Resource::ALL.iter().map(|r| format!("{} {}", r.api_version(), r.kind())).collect();
        panic!("the fake apiserver does not serve {api_version} {kind}; it serves {}", served.join(", "))
    })
}

fn run(listener: std::net::TcpListener, shared: Arc<Shared>, tls: Option<TlsAcceptor>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("fake apiserver: cannot build its Tokio runtime");
    runtime.block_on(accept_loop(listener, Arc::clone(&shared), tls));
    // Dropping the runtime cancels what is left (connections, watches, hung requests).
    runtime.shutdown_timeout(Duration::from_secs(1));
}

async fn accept_loop(listener: std::net::TcpListener, shared: Arc<Shared>, tls: Option<TlsAcceptor>) {
    let listener = TcpListener::from_std(listener).expect("fake apiserver: cannot use listener");
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            () = until_shutdown(shared.shutdown_signal()) => return,
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        let stream = tokio::select! {
            () = until_shutdown(shared.shutdown_signal()) => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // E.g. out of file descriptors: back off rather than spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(stream, Arc::clone(&shared), tls.clone(), permit));
    }
}

async fn serve_connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    _permit: OwnedSemaphorePermit,
) {
    let stop = until_shutdown(shared.shutdown_signal());
    tokio::pin!(stop);
    match tls {
        None => {
            tokio::select! {
                () = &mut stop => {}
                () = serve_http(TokioIo::new(stream), shared) => {}
            }
        }
        Some(acceptor) => {
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
            let stream = tokio::select! {
                () = &mut stop => return,
                done = handshake => match done {
                    Ok(Ok(stream)) => stream,
                    _ => return,
                },
            };
            tokio::select! {
                () = &mut stop => {}
                () = serve_http(TokioIo::new(stream), shared) => {}
            }
        }
    }
}

async fn serve_http<I>(io: I, shared: Arc<Shared>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(api::handle(request, shared).await) }
    });
    // Errors are the client's business (it went away, sent garbage, or a watch was cut).
    let _ = http1::Builder::new().timer(TokioTimer::new()).serve_connection(io, service).await;
}
