//! The edge to the learner's cluster: the only module that talks to an API server.
//!
//! It reads (get, list, watch, logs) and never writes. Every call is bounded in time, and every
//! failure becomes one clear line naming the server and the context.

use std::path::PathBuf;
use std::time::Duration;

use futures::future::join_all;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod};
use kube::api::{ListParams, LogParams};
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Api, Client, Config};

use crate::error::{Error, Result};
use crate::inspect;
use crate::msg;
use crate::observation::{ContainerLog, Logs, Observation, Page, Pages};

/// How long a single API call may take before the cluster counts as unreachable.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Which cluster and namespace to look at, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: String,
}

/// A connection to one cluster context, and the namespace the lab lives in.
#[derive(Clone)]
pub struct Cluster {
    /// No read timeout of its own: every call is wrapped in [`REQUEST_TIMEOUT`] by
    /// [`Cluster::call`], while watch streams stay open for minutes (kube-runtime's watcher has
    /// its own idle timeout).
    client: Client,
    pub context: String,
    pub server: String,
    pub namespace: String,
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
}

impl Cluster {
    /// Loads the kubeconfig and builds a client; does not contact the server yet.
    pub async fn connect(target: &Target) -> Result<Cluster> {
        let kubeconfig = load_kubeconfig(target)?;
        let context =
            target.context.clone().or_else(|| kubeconfig.current_context.clone()).ok_or_else(|| {
                Error::Input(msg!(
                    "kubeconfig 没有当前上下文（current-context）：用 --context 指定一个",
                    "the kubeconfig has no current context: pass --context"
                ))
            })?;
        if !kubeconfig.contexts.iter().any(|c| c.name == context) {
            return Err(Error::Input(msg!(
                "kubeconfig 中没有上下文 \"{context}\"",
                "context \"{context}\" is not in the kubeconfig"
            )));
        }
        let options = KubeConfigOptions { context: Some(context.clone()), ..Default::default() };
        let mut config = Config::from_custom_kubeconfig(kubeconfig, &options).await.map_err(|e| {
            Error::Input(msg!(
                "kubeconfig 无法使用（上下文 \"{context}\"）：{e}",
                "unusable kubeconfig (context \"{context}\"): {e}"
            ))
        })?;
        config.connect_timeout = Some(CONNECT_TIMEOUT);
        config.read_timeout = None;
        config.default_retry = false;
        let server = config.cluster_url.to_string().trim_end_matches('/').to_string();
        let client = Client::try_from(config).map_err(|e| {
            Error::Input(msg!(
                "无法为上下文 \"{context}\" 建立客户端：{e}",
                "cannot set up a client for context \"{context}\": {e}"
            ))
        })?;
        Ok(Cluster { client, context, server, namespace: target.namespace.clone() })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Reads the pods, their logs and events: one observation for the evaluation.
    pub async fn observe(&self, wanted: &Wanted<'_>) -> Result<Observation> {
        let pods_api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        let found = join_all(wanted.pods.iter().map(|name| self.call(pods_api.get_opt(name)))).await;
        let mut pods = Vec::new();
        for pod in found {
            pods.extend(pod?);
        }
        let namespace_exists = match pods.len() < wanted.pods.len() {
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
            at: Timestamp::now(),
        })
    }

    /// The namespace's pods whose names are in `names`, with one list call.
    pub async fn list_pods(&self, names: &[&str]) -> Result<Vec<Pod>> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        let list = self.call(api.list(&ListParams::default())).await?;
        Ok(list
            .items
            .into_iter()
            .filter(|p| names.contains(&p.metadata.name.as_deref().unwrap_or("")))
            .collect())
    }

    /// The API server's version, e.g. `v1.30.2`.
    pub async fn server_version(&self) -> Result<String> {
        Ok(self.call(self.client.apiserver_version()).await?.git_version)
    }

    /// `Some(exists)`, or `None` when we may not ask (namespaces are cluster-scoped, and the
    /// least-privilege Role does not grant them).
    async fn namespace_exists(&self) -> Result<Option<bool>> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        match self.call(api.get_opt(&self.namespace)).await {
            Ok(ns) => Ok(Some(ns.is_some())),
            Err(Error::AccessDenied(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Current and previous logs of the wanted containers that have started.
    pub async fn logs(&self, pods: &[Pod], wanted: &[(&str, &str)]) -> Result<Logs> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
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
        for &(pod, path) in wanted {
            if !pods.iter().any(|p| p.metadata.name.as_deref() == Some(pod)) {
                continue;
            }
            let url = format!("/api/v1/namespaces/{}/pods/{pod}/proxy{path}", self.namespace);
            let request = http::Request::get(url).body(Vec::new()).expect("a valid request");
            let page = match self.timed(self.client.request_text(request)).await? {
                Ok(body) => Page::Served { body },
                Err(kube::Error::Api(status)) if status.code == 401 || status.code == 403 => {
                    Page::Forbidden { message: status.message }
                }
                Err(kube::Error::Api(status)) => Page::Failed { code: status.code, message: status.message },
                Err(e) => return Err(self.explain(e)),
            };
            pages.entry(pod.to_string()).or_default().insert(path.to_string(), page);
        }
        Ok(pages)
    }

    /// Events about the wanted pods; none when we may not read events.
    async fn events(&self, pods: &[&str]) -> Result<Vec<Event>> {
        let api: Api<Event> = Api::namespaced(self.client.clone(), &self.namespace);
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
                Error::AccessDenied(msg!(
                    "{server}（上下文 \"{context}\"）回答 403 Forbidden：{message}；checker 需要命名空间 {ns} 中 pods、pods/log 和 events 的 get、list、watch 权限（见 manifests/checker-rbac.yaml）",
                    "{server} (context \"{context}\") answered 403 Forbidden: {message}; the checker needs get, list and watch on pods, pods/log and events in namespace {ns} (see manifests/checker-rbac.yaml)"
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
                Error::Unreachable(msg!(
                    "无法连接 {server}（上下文 \"{context}\"）：{cause}",
                    "cannot reach {server} (context \"{context}\"): {cause}"
                ))
            }
        }
    }
}

/// The innermost cause of an error: "Connection refused (os error 111)" rather than a chain;
/// its first line only (YAML errors append a snippet of the file).
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string().lines().next().unwrap_or_default().to_string()
}

fn load_kubeconfig(target: &Target) -> Result<Kubeconfig> {
    let loaded = match &target.kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    };
    loaded.map_err(|e| match e {
        KubeconfigError::FindPath => Error::Input(msg!(
            "找不到 kubeconfig：设置 KUBECONFIG 或 --kubeconfig，或先创建一个集群（例如 `kind create cluster`）",
            "no kubeconfig found: set KUBECONFIG or --kubeconfig, or create a cluster (e.g. `kind create cluster`)"
        )),
        KubeconfigError::ReadConfig(io, path) if io.kind() == std::io::ErrorKind::NotFound => {
            let path = path.display();
            Error::Input(msg!(
                "kubeconfig {path} 不存在：先创建一个集群（例如 `kind create cluster`），或用 --kubeconfig 指定",
                "kubeconfig {path} does not exist: create a cluster (e.g. `kind create cluster`) or pass --kubeconfig"
            ))
        }
        other => {
            let cause = root_cause(&other);
            Error::Input(msg!("kubeconfig 有误：{cause}", "broken kubeconfig: {cause}"))
        }
    })
}
