//! The fake cluster's state: objects by resource, a global resourceVersion, a bounded history of
//! changes for watches, container logs and proxy replies.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use serde_json::{Value, json};

pub(crate) use crate::resources::Resource;
use tokio::sync::{broadcast, watch};

/// The namespace of the generated kubeconfig's context; objects put without a namespace land here.
pub const DEFAULT_NAMESPACE: &str = "experiments";

/// How many changes are kept for watches that resume from a resourceVersion; older ones are
/// compacted away (a watch from before them gets `410 Gone`).
pub(crate) const HISTORY_LIMIT: usize = 512;
/// How far a watcher may fall behind before its stream is closed.
const BROADCAST_CAPACITY: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChangeType {
    Added,
    Modified,
    Deleted,
}

/// One write to the cluster, as a watch sees it.
#[derive(Debug)]
pub(crate) struct Change {
    pub rv: u64,
    pub resource: Resource,
    pub change: ChangeType,
    /// The object after the change (for `Deleted`: its last state, with the deletion's
    /// resourceVersion), with `kind` and `apiVersion`.
    pub object: Value,
    /// The object before a `Modified` change, to turn selector transitions into ADDED/DELETED.
    pub previous: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct LogKey {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub previous: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct ProxyReply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

type Key = (String, String);

pub(crate) struct Cluster {
    rv: u64,
    objects: BTreeMap<Resource, BTreeMap<Key, Value>>,
    logs: HashMap<LogKey, String>,
    proxies: HashMap<Key, ProxyReply>,
    history: VecDeque<Arc<Change>>,
    /// `history` holds every change with a resourceVersion above this one.
    compacted: u64,
    changes: broadcast::Sender<Arc<Change>>,
    /// Bumped on every write, logs included (followers of a log wait on it).
    revision: watch::Sender<u64>,
    uids: u64,
    hasher: RandomState,
}

impl Cluster {
    pub(crate) fn new() -> Self {
        Self {
            rv: 0,
            objects: BTreeMap::new(),
            logs: HashMap::new(),
            proxies: HashMap::new(),
            history: VecDeque::new(),
            compacted: 0,
            changes: broadcast::channel(BROADCAST_CAPACITY).0,
            revision: watch::channel(0).0,
            uids: 0,
            hasher: RandomState::new(),
        }
    }

    /// The resourceVersion of the latest write (a list's `metadata.resourceVersion`).
    pub(crate) fn resource_version(&self) -> u64 {
        self.rv
    }

    /// A stored object (without `kind`/`apiVersion`, in its storage's form: see
    /// [`Resource::convert`]). Cluster-scoped objects have namespace `""`.
    pub(crate) fn get(&self, resource: Resource, namespace: &str, name: &str) -> Option<&Value> {
        self.objects.get(&resource.storage())?.get(&(namespace.to_owned(), name.to_owned()))
    }

    /// Stored objects of `resource` in `namespace` (all namespaces for `None`), by name.
    pub(crate) fn list<'a>(
        &'a self,
        resource: Resource,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        self.objects
            .get(&resource.storage())
            .into_iter()
            .flat_map(|objects| objects.iter())
            .filter(move |((ns, _), _)| namespace.is_none_or(|wanted| ns == wanted))
            .map(|(_, object)| object)
    }

    /// Creates or replaces an object, filling in what the API server sets (namespace, uid,
    /// creationTimestamp, resourceVersion), creating its namespace if missing, and notifying
    /// watchers. `object` is in `resource`'s form (an `events.k8s.io/v1` Event is stored as the
    /// core Event it is). Returns the stored object as `resource` serves it, with type meta.
    pub(crate) fn put(&mut self, resource: Resource, object: Value) -> Value {
        assert!(object.is_object(), "a {} must be a JSON object, not {object}", resource.kind());
        if let Some(kind) = object.get("kind") {
            assert_eq!(
                kind.as_str(),
                Some(resource.kind()),
                "expected an object of kind {}",
                resource.kind()
            );
        }
        if let Some(api_version) = object.get("apiVersion") {
            assert_eq!(
                api_version.as_str(),
                Some(resource.api_version().as_str()),
                "expected a {} of apiVersion {}",
                resource.kind(),
                resource.api_version()
            );
        }
        let served = resource;
        let resource = resource.storage();
        let mut object = served.to_storage(object);
        let fields = object.as_object_mut().expect("checked above");
        let metadata = fields
            .entry("metadata")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("metadata must be an object");
        let name = metadata
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| panic!("a {} needs metadata.name", resource.kind()))
            .to_owned();
        let namespace = if resource.namespaced() {
            let ns = metadata
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or(DEFAULT_NAMESPACE)
                .to_owned();
            metadata.insert("namespace".into(), ns.clone().into());
            ns
        } else {
            metadata.remove("namespace");
            String::new()
        };
        if resource == Resource::Pods && object.pointer("/status/phase").is_none() {
            // The API server sets a new pod's phase; fixtures may leave status out.
            let fields = object.as_object_mut().expect("checked above");
            let status = fields.entry("status").or_insert_with(|| json!({}));
            if let Some(status) = status.as_object_mut() {
                status.insert("phase".into(), "Pending".into());
            }
        }
        if resource.namespaced() {
            self.add_namespace(&namespace);
        }
        let key = (namespace, name);
        let previous = self.objects.get(&resource).and_then(|o| o.get(&key)).cloned();
        let uid = previous
            .as_ref()
            .and_then(|p| p.pointer("/metadata/uid"))
            .cloned()
            .unwrap_or_else(|| self.new_uid().into());
        let created = previous
            .as_ref()
            .and_then(|p| p.pointer("/metadata/creationTimestamp"))
            .cloned()
            .unwrap_or_else(|| now_rfc3339().into());
        self.rv += 1;
        let metadata = object["metadata"].as_object_mut().expect("checked to be an object above");
        metadata.entry("uid").or_insert(uid);
        metadata.entry("creationTimestamp").or_insert(created);
        metadata.insert("resourceVersion".into(), self.rv.to_string().into());
        self.objects.entry(resource).or_default().insert(key, object.clone());
        let change = if previous.is_some() { ChangeType::Modified } else { ChangeType::Added };
        self.record(Change {
            rv: self.rv,
            resource,
            change,
            object: resource.with_type_meta(&object),
            previous: previous.map(|p| resource.with_type_meta(&p)),
        });
        served.with_type_meta(&object)
    }

    /// Deletes an object, notifying watchers; `false` if there was none. Deleting a pod also
    /// forgets its logs and proxy reply.
    pub(crate) fn delete(&mut self, resource: Resource, namespace: &str, name: &str) -> bool {
        let resource = resource.storage();
        let key = (namespace.to_owned(), name.to_owned());
        let Some(mut object) = self.objects.get_mut(&resource).and_then(|o| o.remove(&key)) else {
            return false;
        };
        if resource == Resource::Pods {
            self.logs.retain(|k, _| !(k.namespace == namespace && k.pod == name));
            self.proxies.remove(&key);
        }
        self.rv += 1;
        object["metadata"]["resourceVersion"] = self.rv.to_string().into();
        self.record(Change {
            rv: self.rv,
            resource,
            change: ChangeType::Deleted,
            object: resource.with_type_meta(&object),
            previous: None,
        });
        true
    }

    /// Creates an `Active` namespace unless it exists.
    pub(crate) fn add_namespace(&mut self, name: &str) {
        if self.get(Resource::Namespaces, "", name).is_none() {
            self.put(
                Resource::Namespaces,
                json!({
                    "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
                    "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": "Active"},
                }),
            );
        }
    }

    /// Deletes a namespace and, at once, everything in it (a real server takes a while).
    pub(crate) fn remove_namespace(&mut self, name: &str) -> bool {
        let namespaced = Resource::ALL.into_iter().filter(|r| r.namespaced() && r.storage() == *r);
        for resource in namespaced {
            let names: Vec<String> = self
                .list(resource, Some(name))
                .filter_map(|o| o.pointer("/metadata/name")?.as_str().map(str::to_owned))
                .collect();
            for object in names {
                self.delete(resource, name, &object);
            }
        }
        self.delete(Resource::Namespaces, "", name)
    }

    pub(crate) fn set_log(&mut self, key: LogKey, text: String) {
        self.logs.insert(key, text);
        self.bump_revision();
    }

    pub(crate) fn log(&self, key: &LogKey) -> Option<&str> {
        self.logs.get(key).map(String::as_str)
    }

    pub(crate) fn set_proxy(&mut self, namespace: &str, pod: &str, reply: ProxyReply) {
        self.proxies.insert((namespace.to_owned(), pod.to_owned()), reply);
    }

    pub(crate) fn proxy(&self, namespace: &str, pod: &str) -> Option<&ProxyReply> {
        self.proxies.get(&(namespace.to_owned(), pod.to_owned()))
    }

    /// Forgets the history: watches from any resourceVersion before now get `410 Gone`.
    pub(crate) fn compact(&mut self) {
        self.history.clear();
        self.compacted = self.rv;
    }

    /// The changes after `since` and a receiver of all later ones, taken atomically; `Err` with
    /// the oldest resourceVersion still known when `since` has been compacted away.
    #[allow(clippy::type_complexity)]
    pub(crate) fn watch_from(
        &self,
        since: u64,
    ) -> Result<(Vec<Arc<Change>>, broadcast::Receiver<Arc<Change>>), u64> {
        if since < self.compacted {
            return Err(self.compacted + 1);
        }
        let replay = self.history.iter().filter(|c| c.rv > since).cloned().collect();
        Ok((replay, self.changes.subscribe()))
    }

    /// A receiver of all later changes.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    /// A receiver that wakes on every write (logs included).
    pub(crate) fn subscribe_revision(&self) -> watch::Receiver<u64> {
        self.revision.subscribe()
    }

    fn record(&mut self, change: Change) {
        let change = Arc::new(change);
        self.history.push_back(Arc::clone(&change));
        while self.history.len() > HISTORY_LIMIT {
            if let Some(old) = self.history.pop_front() {
                self.compacted = old.rv;
            }
        }
        // No receivers is fine: nobody is watching.
        let _ = self.changes.send(change);
        self.bump_revision();
    }

    fn bump_revision(&mut self) {
        self.revision.send_modify(|r| *r += 1);
    }

    /// A random version-4-shaped UID.
    pub(crate) fn new_uid(&mut self) -> String {
        self.uids += 1;
        let word = |salt: u64| {
            let mut h = self.hasher.build_hasher();
            h.write_u64(self.uids);
            h.write_u64(salt);
            h.finish()
        };
        let (a, b) = (word(1), word(2));
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48 & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

/// Now, as a `metav1.Time` (RFC 3339, whole seconds, UTC).
pub(crate) fn now_rfc3339() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_fills_server_fields_and_history() {
        let mut c = Cluster::new();
        let pod = c.put(Resource::Pods, json!({"metadata": {"name": "p"}}));
        assert_eq!(pod["kind"], "Pod");
        assert_eq!(pod["metadata"]["namespace"], DEFAULT_NAMESPACE);
        // The namespace was created first (rv 1), then the pod (rv 2).
        assert_eq!(pod["metadata"]["resourceVersion"], "2");
        let uid = pod["metadata"]["uid"].clone();
        let again = c.put(Resource::Pods, json!({"kind": "Pod", "metadata": {"name": "p"}}));
        assert_eq!(again["metadata"]["uid"], uid);
        assert_eq!(again["metadata"]["resourceVersion"], "3");
        let (replay, _rx) = c.watch_from(1).unwrap();
        assert_eq!(replay.len(), 2);
        assert_eq!(replay[1].change, ChangeType::Modified);
        c.compact();
        assert_eq!(c.watch_from(1).unwrap_err(), 4);
        assert!(c.watch_from(3).is_ok());
        assert!(c.delete(Resource::Pods, DEFAULT_NAMESPACE, "p"));
        assert!(!c.delete(Resource::Pods, DEFAULT_NAMESPACE, "p"));
    }

    #[test]
    fn history_is_bounded() {
        let mut c = Cluster::new();
        for i in 0..(HISTORY_LIMIT + 10) {
            c.put(Resource::Pods, json!({"metadata": {"name": format!("p{i}")}}));
        }
        assert!(c.watch_from(0).is_err());
        assert_eq!(c.history.len(), HISTORY_LIMIT);
        assert!(c.watch_from(c.resource_version() - 5).is_ok());
    }
}
