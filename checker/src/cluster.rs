//! The edge to the learner's cluster: the only module that talks to an API server.
//!
//! It reads (get, list, watch, logs) and never writes. Every call is bounded in time, and every
//! failure becomes one clear line naming the server and the context.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::Engine;
use futures::future::join_all;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod};
use kube::api::{DynamicObject, ListParams, LogParams, TypeMeta};
use kube::config::ExecAuthCluster;
use kube::core::gvk::GroupVersion;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use kube::{Api, Client, Config};
use lab_spec::Select;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::auth::{self, Plugin};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::input::{self, CREDENTIAL_FILE_LIMIT};
use crate::inspect;
use crate::kubeconfig::{self, Selected, Sources};
use crate::msg;
use crate::observation::{self, ContainerLog, Logs, Objects, Observation, Page, Pages, Read, ReadError};
use crate::proxy::{self, ProxyEnv};
use crate::resources;

mod class;
pub use class::{KindList, WatchStream, bad_selector};

/// How long a single API call may take before the cluster counts as unreachable.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// At most this much of a page is read through the pod proxy: the checker looks for a marker near
/// the top, and a learner's pod must not make it hold an unbounded body.
const MAX_PAGE_BYTES: usize = 1024 * 1024;
/// At most this many nodes are listed for the resource table (one page of the list): a
/// learner's cluster has a few; a company's may have thousands, of which the first show enough.
const NODE_LIMIT: u32 = 20;

/// Which cluster and namespace to look at, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: String,
    /// The lab's RBAC manifest (the spec's `rbac`), named when the server refuses a request.
    pub rbac: Option<String>,
}

/// A connection to one cluster context, and the namespace the lab lives in.
#[derive(Clone)]
pub struct Cluster {
    link: Arc<Link>,
    pub context: String,
    pub server: String,
    pub namespace: String,
    rbac: Option<String>,
    /// The resources of each apiVersion discovered so far (`apps/v1` → its kinds), so that a run
    /// (a wait, or `checker serve`) asks discovery once per apiVersion it needs.
    discovered: Arc<Mutex<Discovered>>,
}

/// The resources of each apiVersion discovered, by apiVersion.
type Discovered = BTreeMap<String, Vec<(ApiResource, ApiCapabilities)>>;

/// Where a selection's objects are served: its resource, and whether it is namespaced.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub resource: ApiResource,
    pub namespaced: bool,
}

/// What it takes to talk to the cluster: kube's configuration, and the credential plugin whose
/// credential completes it, if the kubeconfig's user has one.
struct Link {
    /// No read timeout of its own: every call is wrapped in [`REQUEST_TIMEOUT`] by
    /// [`Cluster::call`], while watch streams stay open for minutes (kube-runtime's watcher has
    /// its own idle timeout).
    config: Config,
    plugin: Option<Arc<Plugin>>,
    /// The client, with the generation of the plugin's credential it was built with (0 without a
    /// plugin); built at once without a plugin, on first use with one.
    client: tokio::sync::Mutex<Option<(u64, Client)>>,
    /// The proxy connections go through, for messages.
    proxy: Option<String>,
    /// The kubeconfig's server has no scheme (so it is http), for messages.
    schemeless: bool,
}

/// What to read for one observation.
#[derive(Debug, Clone, Default)]
pub struct Wanted<'a> {
    pub pods: Vec<&'a str>,
    /// `(pod, container)` pairs whose logs to read.
    pub logs: Vec<(&'a str, &'a str)>,
    /// `(pod, path)` pages to read through the pod proxy.
    pub pages: Vec<(&'a str, &'a str)>,
    /// Whether to ask the API server for its version.
    pub server_version: bool,
    /// The objects of any kind that the generic checks select.
    pub selects: Vec<Select>,
}

impl Cluster {
    /// Loads the kubeconfig as kubectl does (see [`kubeconfig`]) and prepares the connection;
    /// does not contact the server, nor run a credential plugin, yet.
    pub async fn connect(target: &Target) -> Result<Cluster> {
        let owned = target.clone();
        // Reading files is blocking work: off the async runtime.
        let prepared = tokio::task::spawn_blocking(move || prepare(&owned)).await.map_err(|e| {
            Error::Input(msg!("无法读取 kubeconfig：{e}", "cannot read the kubeconfig: {e}"))
        })??;
        let Prepared { context, server, config, plugin, proxy, schemeless } = prepared;
        let client = match plugin {
            Some(_) => None,
            None => Some((0, build_client(config.clone(), &context)?)),
        };
        let link = Link { config, plugin, client: tokio::sync::Mutex::new(client), proxy, schemeless };
        Ok(Cluster {
            link: Arc::new(link),
            context,
            server,
            namespace: target.namespace.clone(),
            rbac: target.rbac.clone(),
            discovered: Default::default(),
        })
    }

    /// The client, with the credential plugin's current credential (the plugin runs now if it
    /// has not run yet in this process, or its credential expired).
    pub async fn client(&self) -> Result<Client> {
        let mut current = self.link.client.lock().await;
        let Some(plugin) = &self.link.plugin else {
            return current.as_ref().map(|(_, c)| c.clone()).ok_or_else(|| self.no_client());
        };
        let credential = plugin.credential().await?;
        if let Some((generation, client)) = current.as_ref()
            && *generation == credential.generation
        {
            return Ok(client.clone());
        }
        let mut config = self.link.config.clone();
        credential.apply(&mut config.auth_info);
        let client = build_client(config, &self.context).map_err(|e| {
            let (name, user, reason) = (plugin.name(), plugin.user(), e.message());
            let (zh, en) = (&reason.zh, &reason.en);
            Error::Credentials(Msg::new(
                format!("凭据插件 \"{name}\"（kubeconfig 用户 \"{user}\"）给出的凭据无法使用：{zh}"),
                format!(
                    "the credentials of plugin \"{name}\" (kubeconfig user \"{user}\") cannot be used: {en}"
                ),
            ))
        })?;
        let client = client.with_valid_until(credential.expires.map(|e| e - auth::EXPIRY_MARGIN));
        *current = Some((credential.generation, client.clone()));
        Ok(client)
    }

    /// Whether `client` carries a credential that has expired: get a new one with
    /// [`Cluster::client`].
    pub fn is_stale(client: &Client) -> bool {
        client.valid_until().is_some_and(|until| Timestamp::now() >= until)
    }

    fn no_client(&self) -> Error {
        let context = &self.context;
        Error::Input(msg!("上下文 \"{context}\" 没有客户端", "no client for context \"{context}\""))
    }

    async fn namespaced<K>(&self) -> Result<Api<K>>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        Ok(Api::namespaced(self.client().await?, &self.namespace))
    }

    /// Reads the pods, their logs and events: one observation for the evaluation.
    pub async fn observe(&self, wanted: &Wanted<'_>) -> Result<Observation> {
        let pods_api: Api<Pod> = self.namespaced().await?;
        let found = join_all(wanted.pods.iter().map(|name| self.call(pods_api.get_opt(name)))).await;
        let mut pods = Vec::new();
        for pod in found {
            pods.extend(pod?);
        }
        let mut objects = self.objects(&wanted.selects).await?;
        if pods.iter().any(resources::declares) {
            self.add_nodes(&mut objects).await?;
        }
        // Whether the namespace exists is worth a request only to explain what is missing.
        let none_selected = |select: &Select| {
            let found = objects.select(select);
            matches!(found, observation::Selected::Found(found) if found.is_empty())
        };
        let namespace_exists =
            match pods.len() < wanted.pods.len() || wanted.selects.iter().any(none_selected) {
                true => self.namespace_exists().await?,
                false => Some(true),
            };
        let logs = self.logs(&pods, &wanted.logs).await?;
        let events = self.events(&wanted.pods).await?;
        let pages = self.pages(&pods, &wanted.pages).await?;
        let server_version = match wanted.server_version {
            true => Some(self.server_version().await?),
            false => None,
        };
        Ok(Observation {
            namespace: self.namespace.clone(),
            namespace_exists,
            pods,
            logs: Some(logs),
            events,
            pages: Some(pages),
            server_version,
            objects,
            at: Timestamp::now(),
        })
    }

    /// Reads the objects of the generic checks through kube's dynamic API: one discovery request
    /// per apiVersion named (`/apis/apps/v1`, not a discovery of every group), then a GET per
    /// selection by name and a LIST per selection by labels. A refusal (401/403) or a kind the
    /// cluster does not serve is recorded with the read, for the evaluation to explain.
    pub async fn objects(&self, selects: &[Select]) -> Result<Objects> {
        let mut objects = Objects::default();
        for select in selects {
            let found = match self.resolve(select).await? {
                Ok(resolved) => self.read(select, &resolved).await?.map(|items| (resolved.namespaced, items)),
                Err(error) => Err(error),
            };
            let namespace = match &found {
                Ok((namespaced, _)) if !namespaced => None,
                _ => Some(self.namespace.as_str()),
            };
            let mut read = Read::of(select, namespace);
            match found {
                Ok((_, items)) => items.into_iter().for_each(|item| objects.add(item)),
                Err(error) => read.error = Some(error),
            }
            objects.reads.push(read);
        }
        Ok(objects)
    }

    /// Adds the nodes' allocatable resources to `objects`, for the resource table next to a
    /// pod's effective request: one page of [`NODE_LIMIT`] nodes, each trimmed to its name,
    /// `spec.unschedulable` and `status.allocatable`. A refusal is recorded, not raised: nodes
    /// are cluster-scoped, and the lab's Role does not grant them.
    pub async fn add_nodes(&self, objects: &mut Objects) -> Result<()> {
        let select = resources::all_nodes();
        if objects.read_of(&select).is_some() {
            return Ok(());
        }
        let api: Api<Node> = Api::all(self.client().await?);
        let mut read = Read::of(&select, None);
        match self.timed(api.list(&ListParams::default().limit(NODE_LIMIT))).await? {
            Ok(list) => {
                read.more = list.metadata.continue_.as_deref().is_some_and(|c| !c.is_empty());
                for node in &list.items {
                    let value = serde_json::to_value(node).map_err(|e| {
                        let server = &self.server;
                        Error::Server(msg!(
                            "{server} 发来的 Node 无法读取：{e}",
                            "{server} sent a Node that cannot be read: {e}"
                        ))
                    })?;
                    objects.add(resources::trim_node(&value));
                }
            }
            Err(kube::Error::Api(status)) if status.code == 401 || status.code == 403 => {
                read.error = Some(ReadError::Forbidden(status.message));
            }
            Err(e) => return Err(self.explain(e)),
        }
        objects.reads.push(read);
        Ok(())
    }

    /// Where a selection's kind is served, from discovery of its apiVersion (asked once per run).
    pub async fn resolve(&self, select: &Select) -> Result<std::result::Result<Resolved, ReadError>> {
        let known = lock(&self.discovered).get(&select.api_version).cloned();
        let resources = match known {
            Some(resources) => resources,
            None => match self.discover(&select.api_version).await? {
                Ok(resources) => {
                    lock(&self.discovered).insert(select.api_version.clone(), resources.clone());
                    resources
                }
                Err(error) => return Ok(Err(error)),
            },
        };
        Ok(resources
            .into_iter()
            .find(|(resource, _)| resource.kind == select.kind)
            .map(|(resource, caps)| Resolved { resource, namespaced: caps.scope == Scope::Namespaced })
            .ok_or(ReadError::NotServed))
    }

    /// The resources of one apiVersion (`v1`, `apps/v1`); a group or version the cluster does
    /// not serve (404) is an answer for the checks, not an error of the run.
    async fn discover(
        &self,
        api_version: &str,
    ) -> Result<std::result::Result<Vec<(ApiResource, ApiCapabilities)>, ReadError>> {
        let gv: GroupVersion = api_version.parse().map_err(|e| {
            Error::Input(msg!("apiVersion {api_version} 无效：{e}", "invalid apiVersion {api_version}: {e}"))
        })?;
        let client = self.client().await?;
        match self.timed(kube::discovery::pinned_group(&client, &gv)).await? {
            Ok(group) => Ok(Ok(group.versioned_resources(&gv.version))),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(Err(ReadError::NotServed)),
            Err(kube::Error::Api(status)) if status.code == 401 || status.code == 403 => {
                Ok(Err(ReadError::Forbidden(status.message)))
            }
            Err(e) => Err(self.explain(e)),
        }
    }

    /// The dynamic API of a resolved kind, in the lab's namespace if it is namespaced.
    pub async fn dynamic_api(&self, resolved: &Resolved) -> Result<Api<DynamicObject>> {
        let client = self.client().await?;
        Ok(match resolved.namespaced {
            true => Api::namespaced_with(client, &self.namespace, &resolved.resource),
            false => Api::all_with(client, &resolved.resource),
        })
    }

    /// One selection's objects, with `apiVersion` and `kind`.
    async fn read(
        &self,
        select: &Select,
        resolved: &Resolved,
    ) -> Result<std::result::Result<Vec<serde_json::Value>, ReadError>> {
        let api = self.dynamic_api(resolved).await?;
        let answer = match &select.name {
            Some(name) => self.timed(api.get_opt(name)).await?.map(|found| found.into_iter().collect()),
            None => {
                let params = ListParams::default().labels(&select.label_selector());
                self.timed(api.list(&params)).await?.map(|list| list.items)
            }
        };
        let items: Vec<DynamicObject> = match answer {
            Ok(items) => items,
            Err(kube::Error::Api(status)) if status.code == 401 || status.code == 403 => {
                return Ok(Err(ReadError::Forbidden(status.message)));
            }
            Err(e) => return Err(self.explain(e)),
        };
        let items = items
            .into_iter()
            .map(|item| object_value(item, &resolved.resource))
            .collect::<serde_json::Result<Vec<_>>>()
            .map_err(|e| {
                let (server, kind) = (&self.server, &resolved.resource.kind);
                Error::Server(msg!(
                    "{server} 发来的 {kind} 无法读取：{e}",
                    "{server} sent a {kind} that cannot be read: {e}"
                ))
            })?;
        Ok(Ok(items))
    }

    /// The namespace's pods whose names are in `names`, with one list call.
    pub async fn list_pods(&self, names: &[&str]) -> Result<Vec<Pod>> {
        let api: Api<Pod> = self.namespaced().await?;
        let list = self.call(api.list(&ListParams::default())).await?;
        Ok(list
            .items
            .into_iter()
            .filter(|p| names.contains(&p.metadata.name.as_deref().unwrap_or("")))
            .collect())
    }

    /// The API server's version, e.g. `v1.30.2`.
    pub async fn server_version(&self) -> Result<String> {
        let client = self.client().await?;
        Ok(self.call(client.apiserver_version()).await?.git_version)
    }

    /// One GET judged by its answer, whatever its status (`checker doctor`): at most `limit`
    /// bytes of the body are read (none for 0). Only a failure to get an answer is an error.
    pub async fn probe(&self, path: &str, limit: usize) -> Result<RawAnswer> {
        let client = self.client().await?;
        self.call(raw_get(&client, path.to_string(), limit)).await
    }

    /// `Some(exists)`, or `None` when we may not ask (namespaces are cluster-scoped, and the
    /// least-privilege Role does not grant them).
    async fn namespace_exists(&self) -> Result<Option<bool>> {
        let api: Api<Namespace> = Api::all(self.client().await?);
        match self.call(api.get_opt(&self.namespace)).await {
            Ok(ns) => Ok(Some(ns.is_some())),
            Err(Error::AccessDenied(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Current and previous logs of the wanted containers that have started.
    pub async fn logs(&self, pods: &[Pod], wanted: &[(&str, &str)]) -> Result<Logs> {
        let api: Api<Pod> = self.namespaced().await?;
        let mut requests = Vec::new();
        for &(pod_name, container) in wanted {
            let Some(pod) = pods.iter().find(|p| p.metadata.name.as_deref() == Some(pod_name)) else {
                continue;
            };
            let Some(status) = inspect::container_status(pod, container).filter(|s| inspect::has_started(s))
            else {
                continue;
            };
            let restarted = status.restart_count > 0;
            let api = &api;
            requests.push(async move {
                let current = self.log(api, pod_name, container, false).await?;
                let previous = match restarted {
                    true => self.log(api, pod_name, container, true).await?,
                    false => None,
                };
                Ok::<_, Error>((pod_name, container, ContainerLog { current, previous }))
            });
        }
        let mut logs = Logs::new();
        for result in join_all(requests).await {
            let (pod, container, log) = result?;
            logs.entry(pod.to_string()).or_default().insert(container.to_string(), log);
        }
        Ok(logs)
    }

    /// One log; `None` when the server has none for it (400: not started, no previous instance).
    async fn log(
        &self,
        api: &Api<Pod>,
        pod: &str,
        container: &str,
        previous: bool,
    ) -> Result<Option<String>> {
        let params = LogParams { container: Some(container.to_string()), previous, ..Default::default() };
        match self.timed(api.logs(pod, &params)).await? {
            Ok(text) => Ok(Some(text)),
            Err(kube::Error::Api(status)) if status.code == 400 || status.code == 404 => Ok(None),
            Err(e) => Err(self.explain(e)),
        }
    }

    /// Pages of existing pods, read through the API server's pod proxy (a GET: no exec, no
    /// port-forward). A refusal or a failure is recorded, not raised: the evaluation explains it.
    pub async fn pages(&self, pods: &[Pod], wanted: &[(&str, &str)]) -> Result<Pages> {
        let mut pages = Pages::new();
        let client = self.client().await?;
        for &(pod, path) in wanted {
            if !pods.iter().any(|p| p.metadata.name.as_deref() == Some(pod)) {
                continue;
            }
            let url = format!("/api/v1/namespaces/{}/pods/{pod}/proxy{path}", self.namespace);
            let page = self.call(proxy_get(&client, url)).await?;
            pages.entry(pod.to_string()).or_default().insert(path.to_string(), page);
        }
        Ok(pages)
    }

    /// Events about the wanted pods; none when we may not read events.
    async fn events(&self, pods: &[&str]) -> Result<Vec<Event>> {
        let api: Api<Event> = self.namespaced().await?;
        match self.call(api.list(&ListParams::default())).await {
            Ok(list) => Ok(list
                .items
                .into_iter()
                .filter(|e| pods.contains(&e.involved_object.name.as_deref().unwrap_or("")))
                .collect()),
            Err(Error::AccessDenied(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Runs one API call within [`REQUEST_TIMEOUT`] and turns its failure into our error.
    pub async fn call<T>(&self, request: impl Future<Output = kube::Result<T>>) -> Result<T> {
        self.timed(request).await?.map_err(|e| self.explain(e))
    }

    /// Runs one API call within [`REQUEST_TIMEOUT`]; the caller handles the API's own errors.
    async fn timed<T>(&self, request: impl Future<Output = kube::Result<T>>) -> Result<kube::Result<T>> {
        tokio::time::timeout(REQUEST_TIMEOUT, request).await.map_err(|_| {
            let (server, context, secs) = (&self.server, &self.context, REQUEST_TIMEOUT.as_secs());
            Error::Unreachable(msg!(
                "{server}（上下文 \"{context}\"）在 {secs} 秒内没有应答",
                "{server} (context \"{context}\") did not answer within {secs}s"
            ))
        })
    }

    /// One line that names the server, the context and what went wrong.
    pub fn explain(&self, error: kube::Error) -> Error {
        let (server, context, ns) = (&self.server, &self.context, &self.namespace);
        match error {
            kube::Error::Api(status) if status.code == 401 => Error::AccessDenied(msg!(
                "{server}（上下文 \"{context}\"）回答 401 Unauthorized：kubeconfig 中的凭据被拒绝",
                "{server} (context \"{context}\") answered 401 Unauthorized: the credentials in your kubeconfig were rejected"
            )),
            kube::Error::Api(status) if status.code == 403 => {
                let message = &status.message;
                let (see_zh, see_en) = match &self.rbac {
                    Some(rbac) => (format!("（见 {rbac}）"), format!(" (see {rbac})")),
                    None => (String::new(), String::new()),
                };
                Error::AccessDenied(msg!(
                    "{server}（上下文 \"{context}\"）回答 403 Forbidden：{message}；checker 需要命名空间 {ns} 中 pods、pods/log 和 events 的 get、list、watch 权限{see_zh}",
                    "{server} (context \"{context}\") answered 403 Forbidden: {message}; the checker needs get, list and watch on pods, pods/log and events in namespace {ns}{see_en}"
                ))
            }
            kube::Error::Api(status) => {
                let (code, reason, message) = (status.code, &status.reason, &status.message);
                Error::Server(msg!(
                    "{server}（上下文 \"{context}\"）回答 {code} {reason}：{message}",
                    "{server} (context \"{context}\") answered {code} {reason}: {message}"
                ))
            }
            kube::Error::SerdeError(e) => Error::Server(msg!(
                "{server}（上下文 \"{context}\"）的应答不是 Kubernetes 对象：{e}",
                "{server} (context \"{context}\") sent a response that is not a Kubernetes object: {e}"
            )),
            kube::Error::Auth(e) => Error::AccessDenied(msg!(
                "无法向 {server}（上下文 \"{context}\"）认证：{e}",
                "cannot authenticate to {server} (context \"{context}\"): {e}"
            )),
            other => {
                let cause = root_cause(&other);
                let (hint_zh, hint_en) = match self.link.schemeless {
                    true => (
                        "；kubeconfig 的 server 没有写协议，所以像 kubectl 一样使用 http://：API 服务器使用 TLS 时请写 https://",
                        "; the kubeconfig's server has no scheme, so http:// is used, as kubectl does: write https:// if the API server speaks TLS",
                    ),
                    false => ("", ""),
                };
                match &self.link.proxy {
                    Some(proxy) => Error::Unreachable(msg!(
                        "无法经代理 {proxy} 连接 {server}（上下文 \"{context}\"）：{cause}{hint_zh}",
                        "cannot reach {server} (context \"{context}\") through the proxy {proxy}: {cause}{hint_en}"
                    )),
                    None => Error::Unreachable(msg!(
                        "无法连接 {server}（上下文 \"{context}\"）：{cause}{hint_zh}",
                        "cannot reach {server} (context \"{context}\"): {cause}{hint_en}"
                    )),
                }
            }
        }
    }
}

/// One GET through the pod proxy, read raw (at most [`MAX_PAGE_BYTES`]): kube's `request_text`
/// would turn the pod's own error page into an API error.
async fn proxy_get(client: &Client, url: String) -> kube::Result<Page> {
    let answer = raw_get(client, url, MAX_PAGE_BYTES).await?;
    Ok(page_from(answer.code, &answer.content_type, &answer.body))
}

/// An answer read raw: its status code, content type and at most the first bytes of its body.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub code: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// One GET, read raw: the status whatever it is, and at most `limit` bytes of the body (none
/// for 0, as for a watch, whose body stays open).
async fn raw_get(client: &Client, url: String, limit: usize) -> kube::Result<RawAnswer> {
    use http_body_util::BodyExt;
    let request = http::Request::get(url).body(kube::client::Body::empty()).expect("a valid request");
    let (parts, mut body) = client.send(request).await?.into_parts();
    let mut bytes = Vec::new();
    while bytes.len() < limit {
        let Some(frame) = body.frame().await else { break };
        if let Ok(data) = frame?.into_data() {
            let room = limit - bytes.len();
            bytes.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    let content_type =
        parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    Ok(RawAnswer { code: parts.status.as_u16(), content_type, body: bytes })
}

/// What one answer of the pod proxy means. The API server answers for itself with a `Status`
/// object in JSON: a refusal (401/403, reason `Forbidden` or `Unauthorized`), or a failure to
/// reach the pod. Anything else is the pod's own answer, passed on unchanged whatever its status.
fn page_from(code: u16, content_type: &str, body: &[u8]) -> Page {
    let text = || String::from_utf8_lossy(body).into_owned();
    if (200..300).contains(&code) {
        return Page::Served { body: text() };
    }
    match api_status(content_type, body) {
        Some(status)
            if matches!((code, status.reason.as_str()), (401, "Unauthorized") | (403, "Forbidden")) =>
        {
            Page::Forbidden { message: status.message }
        }
        Some(status) => Page::Failed { code, message: status.message },
        None => Page::PodAnswered { code, content_type: content_type.to_string(), body: text() },
    }
}

/// The part of a `Status` that tells the API server's own answers apart.
#[derive(serde::Deserialize)]
struct ApiStatus {
    kind: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
}

/// The API server's own `Status`, if this answer is one.
fn api_status(content_type: &str, body: &[u8]) -> Option<ApiStatus> {
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return None;
    }
    serde_json::from_slice::<ApiStatus>(body).ok().filter(|s| s.kind == "Status")
}

/// A dynamic object as JSON with its `apiVersion` and `kind` (a list's items come without them,
/// and the evaluation keys objects by them).
pub fn object_value(
    mut item: DynamicObject,
    resource: &ApiResource,
) -> serde_json::Result<serde_json::Value> {
    item.types = Some(TypeMeta { api_version: resource.api_version.clone(), kind: resource.kind.clone() });
    serde_json::to_value(item)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The innermost cause of an error: "Connection refused (os error 111)" rather than a chain;
/// its first line only (YAML errors append a snippet of the file).
pub(crate) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string().lines().next().unwrap_or_default().to_string()
}

/// A connection prepared from the kubeconfig, before any client.
struct Prepared {
    context: String,
    server: String,
    config: Config,
    plugin: Option<Arc<Plugin>>,
    proxy: Option<String>,
    schemeless: bool,
}

/// Reads the kubeconfig (and the files it names) and makes kube's configuration for the
/// context: the server's URL as client-go makes it, the CA, the proxy by client-go's rules, the
/// user's static credentials, and the credential plugin if any.
fn prepare(target: &Target) -> Result<Prepared> {
    let loaded = kubeconfig::load(&Sources::from_env(target.kubeconfig.as_deref()))?;
    let Selected { context, cluster_name, cluster, user_name, user } =
        kubeconfig::select(&loaded, target.context.as_deref())?;
    let in_cluster = |reason: Msg| {
        let Msg { zh, en } = reason;
        Error::Input(Msg::new(
            format!("kubeconfig 中上下文 \"{context}\" 的集群 \"{cluster_name}\" 有误：{zh}"),
            format!("broken kubeconfig: cluster \"{cluster_name}\" of context \"{context}\": {en}"),
        ))
    };
    let ca = certificate_authority(&cluster).map_err(in_cluster)?;
    let insecure = cluster.insecure_skip_tls_verify.unwrap_or(false);
    if insecure && ca.is_some() {
        return Err(in_cluster(msg!(
            "不能同时给出 certificate-authority 和 insecure-skip-tls-verify",
            "certificate-authority and insecure-skip-tls-verify cannot both be given"
        )));
    }
    let server = cluster.server.clone().unwrap_or_default();
    let url = kubeconfig::server_url(&server).map_err(in_cluster)?;
    let schemeless = !server.contains("://");
    let proxy_url =
        proxy::proxy_for(&url, cluster.proxy_url.as_deref(), &ProxyEnv::from_env()).map_err(in_cluster)?;

    let exec_cluster = ExecAuthCluster {
        server: cluster.server.clone(),
        insecure_skip_tls_verify: cluster.insecure_skip_tls_verify,
        certificate_authority_data: ca.clone(),
        proxy_url: cluster.proxy_url.clone(),
        tls_server_name: cluster.tls_server_name.clone(),
        config: cluster
            .extensions
            .iter()
            .flatten()
            .find(|e| e.name == "client.authentication.k8s.io/exec")
            .map(|e| e.extension.clone()),
    };
    // Over plain http kubectl sends no credentials (client-go reads them only for TLS), and
    // runs no plugin; only impersonation stays.
    let user = match url.scheme_str() {
        Some("https") => user,
        _ => kube::config::AuthInfo {
            impersonate: user.impersonate,
            impersonate_uid: user.impersonate_uid,
            impersonate_groups: user.impersonate_groups,
            impersonate_user_extra: user.impersonate_user_extra,
            ..Default::default()
        },
    };
    let user_auth = auth::resolve(&user_name, &user, exec_cluster)?;

    let mut config = Config::new(url);
    config.root_cert = ca.as_deref().map(der_certificates).transpose().map_err(in_cluster)?;
    config.accept_invalid_certs = insecure;
    config.tls_server_name = cluster.tls_server_name.clone().filter(|n| !n.is_empty());
    config.disable_compression = cluster.disable_compression.unwrap_or(false);
    config.proxy_url = proxy_url.clone();
    config.auth_info = user_auth.static_auth;
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = None;
    config.default_retry = false;
    let server = config.cluster_url.to_string().trim_end_matches('/').to_string();
    let proxy = proxy_url.map(|p| shown_proxy(&p));
    Ok(Prepared { context, server, config, plugin: user_auth.plugin, proxy, schemeless })
}

/// The proxy for messages, without a password it may carry.
fn shown_proxy(proxy: &http::Uri) -> String {
    let scheme = proxy.scheme_str().unwrap_or("http");
    let host = proxy.host().unwrap_or_default();
    match proxy.port_u16() {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    }
}

/// The cluster's CA bundle (PEM): `certificate-authority-data` (base64), else the
/// `certificate-authority` file (bounded).
fn certificate_authority(cluster: &kube::config::Cluster) -> Result<Option<Vec<u8>>, Msg> {
    if let Some(data) = cluster.certificate_authority_data.as_deref().filter(|d| !d.is_empty()) {
        let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        return base64::engine::general_purpose::STANDARD.decode(compact).map(Some).map_err(|e| {
            msg!(
                "certificate-authority-data 不是 base64：{e}",
                "certificate-authority-data is not base64: {e}"
            )
        });
    }
    match cluster.certificate_authority.as_deref().filter(|f| !f.is_empty()) {
        Some(file) => Ok(Some(
            input::read_text(std::path::Path::new(file), CREDENTIAL_FILE_LIMIT)
                .map_err(|e| e.message().clone())?
                .into_bytes(),
        )),
        None => Ok(None),
    }
}

/// The certificates of a PEM bundle, as DER.
fn der_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, Msg> {
    let certificates: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(pem)
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|e| msg!("CA 证书不是 PEM：{e}", "the CA certificate is not PEM: {e}"))?;
    match certificates.is_empty() {
        true => Err(msg!("CA 数据中没有 PEM 证书", "the CA data holds no PEM certificate")),
        false => Ok(certificates),
    }
}

/// kube's client for a configuration.
fn build_client(config: Config, context: &str) -> Result<Client> {
    Client::try_from(config).map_err(|e| {
        let cause = root_cause(&e);
        Error::Input(msg!(
            "无法为上下文 \"{context}\" 建立客户端：{cause}",
            "cannot set up a client for context \"{context}\": {cause}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NGINX_403: &str = "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n";
    const RBAC_403: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"init-demo-volume\" is forbidden: User \"learner\" cannot get resource \"pods/proxy\" in API group \"\" in the namespace \"experiments\"","reason":"Forbidden","details":{"name":"init-demo-volume","kind":"pods"},"code":403}"#;

    #[test]
    fn the_api_servers_refusal_is_told_from_the_pods_own_answer() {
        let Page::Forbidden { message } = page_from(403, "application/json", RBAC_403.as_bytes()) else {
            panic!("the authorizer's Status is a refusal");
        };
        assert!(message.contains("cannot get resource \"pods/proxy\""), "{message}");

        assert_eq!(
            page_from(403, "text/html", NGINX_403.as_bytes()),
            Page::PodAnswered { code: 403, content_type: "text/html".into(), body: NGINX_403.into() }
        );
        // A pod that answers JSON of its own is still the pod.
        let own_json = page_from(403, "application/json", br#"{"error":"forbidden"}"#);
        assert!(matches!(own_json, Page::PodAnswered { code: 403, .. }), "{own_json:?}");
        // A Status-looking body in HTML is the pod's, and so is a Status sent as text.
        let as_text = page_from(403, "text/plain", RBAC_403.as_bytes());
        assert!(matches!(as_text, Page::PodAnswered { .. }), "{as_text:?}");
    }

    #[test]
    fn the_api_servers_other_statuses_and_the_pages() {
        let unreachable = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"error trying to reach service: dial tcp 10.244.0.12:80: connect: connection refused","reason":"ServiceUnavailable","code":503}"#;
        assert_eq!(
            page_from(503, "application/json", unreachable.as_bytes()),
            Page::Failed {
                code: 503,
                message:
                    "error trying to reach service: dial tcp 10.244.0.12:80: connect: connection refused"
                        .into()
            }
        );
        assert_eq!(
            page_from(200, "text/html", b"<p>lab-marker: init-container-volume</p>"),
            Page::Served { body: "<p>lab-marker: init-container-volume</p>".into() }
        );
        let bad_gateway = page_from(502, "text/html; charset=utf-8", b"<title>502 Bad Gateway</title>");
        assert!(matches!(bad_gateway, Page::PodAnswered { code: 502, .. }), "{bad_gateway:?}");
    }
}
