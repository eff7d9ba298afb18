//! The class view's reads: LISTs across every namespace (pods, events, each kind the lab reads),
//! the class's namespaces, and the cluster seen from one learner namespace for the few reads that
//! are per pod (logs, pages).
//!
//! A refusal here means the kubeconfig is not the teacher's: the message says so, and what a
//! learner runs instead.

use futures::StreamExt;
use futures::stream::BoxStream;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod};
use kube::Api;
use kube::api::{DynamicObject, ListParams};
use kube::runtime::{WatchStreamExt, watcher};
use lab_spec::Select;

use super::{Cluster, Resolved, object_value};
use crate::error::{Error, Result};
use crate::msg;
use crate::observation::ReadError;

/// One LIST across the class: a kind's objects in every namespace, or what refused them.
#[derive(Debug, Clone)]
pub struct KindList {
    pub api_version: String,
    pub kind: String,
    /// Whether the kind is namespaced (as discovery says).
    pub namespaced: bool,
    pub found: std::result::Result<Vec<serde_json::Value>, ReadError>,
}

impl Cluster {
    /// The same connection, looking at another namespace (no new client, no new discovery).
    pub fn in_namespace(&self, namespace: &str) -> Cluster {
        Cluster { namespace: namespace.to_string(), ..self.clone() }
    }

    /// The names of the namespaces a label selector picks (every namespace without one). A
    /// selector the API server cannot parse (400) is the teacher's `--selector`: a usage error.
    pub async fn list_namespaces(&self, selector: Option<&str>) -> Result<Vec<String>> {
        let api: Api<Namespace> = Api::all(self.client().await?);
        let params = ListParams::default().labels(selector.unwrap_or_default());
        let request = async {
            match api.list(&params).await {
                Err(kube::Error::Api(status)) if status.code == 400 && selector.is_some() => {
                    Ok(Err(bad_selector(selector.unwrap_or_default(), &status.message)))
                }
                answer => answer.map(Ok),
            }
        };
        let list = self.class_call(request, "namespaces").await??;
        Ok(list.items.into_iter().filter_map(|ns| ns.metadata.name).collect())
    }

    /// Every pod of the cluster, in one LIST.
    pub async fn list_all_pods(&self) -> Result<Vec<Pod>> {
        let api: Api<Pod> = Api::all(self.client().await?);
        Ok(self.class_call(api.list(&ListParams::default()), "pods").await?.items)
    }

    /// Every event, in one LIST (a learner's check lists its namespace's, and keeps those about
    /// its pods: so does the class view); `None` when events may not be read (a learner's check
    /// then sees none either).
    pub async fn list_all_events(&self) -> Result<Option<Vec<Event>>> {
        let api: Api<Event> = Api::all(self.client().await?);
        match self.class_call(api.list(&ListParams::default()), "events").await {
            Ok(list) => Ok(Some(list.items)),
            Err(Error::AccessDenied(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every object of a selection's kind, in one LIST across namespaces (after the discovery of
    /// its apiVersion); a refusal or a kind not served is an answer for the checks.
    pub async fn list_kind(&self, select: &Select) -> Result<KindList> {
        let mut list = KindList {
            api_version: select.api_version.clone(),
            kind: select.kind.clone(),
            namespaced: true,
            found: Err(ReadError::NotServed),
        };
        let resolved = match self.resolve(select).await? {
            Ok(resolved) => resolved,
            Err(error) => {
                list.found = Err(error);
                return Ok(list);
            }
        };
        list.namespaced = resolved.namespaced;
        let api: Api<DynamicObject> = Api::all_with(self.client().await?, &resolved.resource);
        let items = match self.timed(api.list(&ListParams::default())).await? {
            Ok(found) => found.items,
            Err(kube::Error::Api(status)) if status.code == 401 || status.code == 403 => {
                list.found = Err(ReadError::Forbidden(status.message));
                return Ok(list);
            }
            Err(e) => return Err(self.explain(e)),
        };
        let values = items.into_iter().map(|item| object_value(item, &resolved.resource));
        list.found = Ok(values.collect::<serde_json::Result<Vec<_>>>().map_err(|e| {
            let (server, kind) = (&self.server, &resolved.resource.kind);
            Error::Server(msg!(
                "{server} 发来的 {kind} 无法读取：{e}",
                "{server} sent a {kind} that cannot be read: {e}"
            ))
        })?);
        Ok(list)
    }

    /// One request of the class view: a 401 or 403 says whose kubeconfig this must be.
    async fn class_call<T>(
        &self,
        request: impl Future<Output = kube::Result<T>>,
        resource: &str,
    ) -> Result<T> {
        match self.timed(request).await? {
            Ok(answer) => Ok(answer),
            Err(kube::Error::Api(status)) if status.code == 403 => {
                Err(self.class_denied(resource, &status.message))
            }
            Err(e) => Err(self.explain(e)),
        }
    }

    /// The API server refused to list `resource` across namespaces: the kubeconfig is not the
    /// teacher's.
    pub fn class_denied(&self, resource: &str, message: &str) -> Error {
        let (server, context) = (&self.server, &self.context);
        Error::AccessDenied(msg!(
            "{server}（上下文 \"{context}\"）不允许列出所有命名空间的 {resource}：{message}。班级视图需要教师的只读权限（`checker class manifests` 生成的 ClusterRole）；学员的 kubeconfig 只能看到自己的命名空间，请用 `checker -n 你的命名空间 step N` 核对自己的步骤",
            "{server} (context \"{context}\") does not allow listing {resource} across namespaces: {message}. The class view needs the teacher's read-only access (the ClusterRole `checker class manifests` makes); a learner's kubeconfig sees only its own namespace: check your own steps with `checker -n YOUR-NAMESPACE step N`"
        ))
    }

    /// The watches of the class view, each across every namespace, with kube-runtime's back-off
    /// between attempts: the namespaces a label selector picks (every namespace without one),
    /// every pod, every event, and every object of a resolved kind.
    pub async fn watch_namespaces(&self, selector: Option<&str>) -> Result<WatchStream<Namespace>> {
        let api: Api<Namespace> = Api::all(self.client().await?);
        Ok(class_watcher(api, watcher::Config::default().labels(selector.unwrap_or_default())))
    }

    pub async fn watch_all_pods(&self) -> Result<WatchStream<Pod>> {
        Ok(class_watcher(Api::all(self.client().await?), watcher::Config::default()))
    }

    pub async fn watch_all_events(&self) -> Result<WatchStream<Event>> {
        Ok(class_watcher(Api::all(self.client().await?), watcher::Config::default()))
    }

    /// A kind's objects in every namespace, as JSON (`object_value`).
    pub async fn watch_kind(&self, resolved: &Resolved) -> Result<WatchStream<serde_json::Value>> {
        let api: Api<DynamicObject> = Api::all_with(self.client().await?, &resolved.resource);
        let resource = resolved.resource.clone();
        let config = watcher::Config::default().list_semantic(watcher::ListSemantic::MostRecent);
        let events = watcher(api, config).default_backoff().map(move |event| {
            event.map(|e| match e {
                watcher::Event::Apply(o) => watcher::Event::Apply(as_value(o, &resource)),
                watcher::Event::Delete(o) => watcher::Event::Delete(as_value(o, &resource)),
                watcher::Event::InitApply(o) => watcher::Event::InitApply(as_value(o, &resource)),
                watcher::Event::Init => watcher::Event::Init,
                watcher::Event::InitDone => watcher::Event::InitDone,
            })
        });
        Ok(events.boxed())
    }
}

impl Cluster {
    /// The API server lets `resource` be listed across namespaces but not watched: the live
    /// class view needs the `watch` verb too.
    pub fn class_watch_denied(&self, resource: &str, message: &str) -> Error {
        let (server, context) = (&self.server, &self.context);
        Error::AccessDenied(msg!(
            "{server}（上下文 \"{context}\"）允许列出但不允许 watch 所有命名空间的 {resource}：{message}。实时的班级视图（--watch、serve --class）还需要 watch 权限（`checker class manifests` 生成的 ClusterRole 有 get、list、watch）；不带 --watch 的 `checker class status` 只需要 list",
            "{server} (context \"{context}\") allows listing {resource} across namespaces but not watching them: {message}. The live class view (--watch, serve --class) needs the watch verb too (the ClusterRole `checker class manifests` makes has get, list and watch); `checker class status` without --watch needs only list"
        ))
    }
}

/// A `--selector` the API server cannot parse (400): the teacher's usage error.
pub fn bad_selector(selector: &str, message: &str) -> Error {
    let selector = crate::sanitize::line(selector);
    let message = crate::sanitize::line(message);
    Error::Usage(msg!(
        "--selector \"{selector}\" 不是 API server 能读的标签选择器：{message}",
        "--selector \"{selector}\" is not a label selector the API server can read: {message}"
    ))
}

/// A watcher for the class view: lists read the newest data, as `checker class status` reads
/// it (not the watch cache's possibly older copy), and each object is stored without its
/// `managedFields` (a few kB a pod that no check reads).
fn class_watcher<K>(api: Api<K>, config: watcher::Config) -> WatchStream<K>
where
    K: kube::Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
    K::DynamicType: Default + Eq + std::hash::Hash + Clone + Send,
{
    let config = config.list_semantic(watcher::ListSemantic::MostRecent);
    watcher(api, config).default_backoff().modify(|object| object.meta_mut().managed_fields = None).boxed()
}

/// One watch of the class view.
pub type WatchStream<K> = BoxStream<'static, watcher::Result<watcher::Event<K>>>;

/// A watched object as JSON; one that cannot be (never from a real API server) is its metadata.
fn as_value(object: DynamicObject, resource: &kube::discovery::ApiResource) -> serde_json::Value {
    let meta = serde_json::json!({"metadata": object.metadata});
    object_value(object, resource).unwrap_or(meta)
}
