//! Following the objects of the generic checks while waiting: one kube-runtime watcher per
//! selection that was read (by name through a `metadata.name` field selector, by labels through
//! a label selector), merged into one stream whose changes update the observation's objects.

use std::collections::BTreeMap;

use futures::stream::{BoxStream, SelectAll, StreamExt};
use kube::api::DynamicObject;
use kube::discovery::ApiResource;
use kube::runtime::{WatchStreamExt, watcher};
use lab_spec::Select;
use serde_json::Value;

use crate::cluster::{Cluster, object_value};
use crate::error::Result;
use crate::observation::{Objects, Observation, Selected};

/// A watcher's event, with the index of its selection.
pub type Change = (usize, std::result::Result<watcher::Event<DynamicObject>, watcher::Error>);

/// Objects by namespace and name.
type Seen = BTreeMap<(String, String), Value>;

/// The watchers of a wait, and what each has listed.
pub struct ObjectWatch {
    selects: Vec<Select>,
    resources: Vec<Option<ApiResource>>,
    streams: SelectAll<BoxStream<'static, Change>>,
    /// The objects each watcher has seen; `None` until its first list is complete.
    seen: Vec<Option<Seen>>,
    /// A (re)list in progress, per watcher.
    relisting: Vec<Option<Seen>>,
    /// The objects first read, which stand for a selection until its watcher has listed.
    first: Objects,
}

impl ObjectWatch {
    /// Starts a watcher for each selection of `selects` that the observation read without error.
    pub async fn start(cluster: &Cluster, selects: &[Select], obs: &Observation) -> Result<ObjectWatch> {
        let mut streams = SelectAll::new();
        let mut resources = vec![None; selects.len()];
        for (index, select) in selects.iter().enumerate() {
            if !matches!(obs.objects.select(select), Selected::Found(_)) {
                continue;
            }
            let Ok(resolved) = cluster.resolve(select).await? else {
                continue;
            };
            let config = match (&select.name, select.labels.is_empty()) {
                (Some(name), _) => watcher::Config::default().fields(&format!("metadata.name={name}")),
                (None, false) => watcher::Config::default().labels(&select.label_selector()),
                (None, true) => watcher::Config::default(),
            };
            let stream = watcher(cluster.dynamic_api(&resolved).await?, config).default_backoff();
            streams.push(stream.map(move |event| (index, event)).boxed());
            resources[index] = Some(resolved.resource);
        }
        Ok(ObjectWatch {
            selects: selects.to_vec(),
            resources,
            streams,
            seen: vec![None; selects.len()],
            relisting: vec![None; selects.len()],
            first: obs.objects.clone(),
        })
    }

    /// The next event of any watcher; pending forever when there are none.
    pub async fn next(&mut self) -> Change {
        match self.streams.next().await {
            Some(change) => change,
            None => std::future::pending().await,
        }
    }

    /// Applies one watcher event to what its watcher has seen, and all that is seen to `obs`.
    pub fn apply(&mut self, index: usize, event: watcher::Event<DynamicObject>, obs: &mut Observation) {
        let Some(resource) = &self.resources[index] else { return };
        let entry = |object: DynamicObject| {
            let key = (
                object.metadata.namespace.clone().unwrap_or_default(),
                object.metadata.name.clone().unwrap_or_default(),
            );
            object_value(object, resource).ok().map(|value| (key, value))
        };
        match event {
            watcher::Event::Init => self.relisting[index] = Some(Seen::new()),
            watcher::Event::InitApply(object) => {
                if let (Some(list), Some((key, value))) = (self.relisting[index].as_mut(), entry(object)) {
                    list.insert(key, value);
                }
            }
            watcher::Event::InitDone => {
                self.seen[index] = Some(self.relisting[index].take().unwrap_or_default())
            }
            watcher::Event::Apply(object) => {
                if let Some((key, value)) = entry(object) {
                    self.seen[index].get_or_insert_with(Seen::new).insert(key, value);
                }
            }
            watcher::Event::Delete(object) => {
                if let (Some(seen), Some((key, _))) = (self.seen[index].as_mut(), entry(object)) {
                    seen.remove(&key);
                }
            }
        }
        let mut all = Objects::default();
        for (i, select) in self.selects.iter().enumerate() {
            match (&self.seen[i], self.first.select(select)) {
                (Some(seen), _) => seen.values().for_each(|o| all.add(o.clone())),
                (None, Selected::Found(first)) => first.into_iter().for_each(|o| all.add(o.clone())),
                (None, _) => {}
            }
        }
        // Objects of other reads (the nodes of the resource table) are not watched: kept.
        let watched = |o: &serde_json::Value| {
            let text = |p: &str| o.pointer(p).and_then(serde_json::Value::as_str).unwrap_or_default();
            self.selects.iter().any(|s| s.api_version == text("/apiVersion") && s.kind == text("/kind"))
        };
        for other in obs.objects.items.iter().filter(|o| !watched(o)) {
            all.add(other.clone());
        }
        obs.objects.items = all.items;
    }
}
