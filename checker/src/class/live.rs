//! The class followed live (`checker class status --watch`, the dashboard of `checker serve
//! --class`), pure: the events of one watch per kind go in ([`Change`]), and after each batch
//! the board rows that changed come out ([`Update`]). Only the learners whose namespace changed
//! are judged again, on a [`ClassObservation`] put together exactly as `checker class status`
//! puts it together, so a row is the same whichever way it was made.
//!
//! Each watch lists, then streams changes; after a dropped stream it lists again
//! (kube-runtime's watcher: `Init`, `InitApply`…, `InitDone`), and what the new list lacks was
//! deleted meanwhile. The board is ready once every watch has listed once. The I/O (the watches,
//! the logs and pages the lab reads) is in [`super::follow`].

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use k8s_openapi::Metadata;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::runtime::watcher;
use lab_spec::{LabSpec, Lang};
use serde_json::Value;

use super::board::{Board, ClassObservation, LearnerRow, learner_row, step_heads};
use super::observe::Members;
use crate::cluster::KindList;
use crate::observation::{Logs, Pages, ReadError};

/// One event of one of the class's watches.
// Each is applied as it comes, never stored: no need to box the large ones.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Change {
    Namespaces(watcher::Event<Namespace>),
    Pods(watcher::Event<Pod>),
    Events(watcher::Event<Event>),
    /// An event of the watch of the lab's `index`-th other kind ([`LiveClass::kinds`]), its
    /// objects as JSON.
    Objects(usize, watcher::Event<Value>),
}

/// The rows of the board that changed in a batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update {
    pub at: Option<Timestamp>,
    /// New or changed learners' rows, by namespace.
    pub changed: Vec<LearnerRow>,
    /// Namespaces that left the class (deleted, or no longer selected).
    pub left: Vec<String>,
}

impl Update {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.left.is_empty()
    }
}

/// A kind the lab selects, other than pods and events, as its watch has seen it.
#[derive(Debug, Clone)]
pub struct LiveKind {
    pub api_version: String,
    pub kind: String,
    pub namespaced: bool,
    /// Its objects, or why they cannot be read (not served, forbidden): then it has no watch.
    pub found: std::result::Result<Store<Value>, ReadError>,
}

/// A typed object's namespace and name, as a watch store keys it.
fn meta_key<T: Metadata<Ty = ObjectMeta>>(object: &T) -> (String, String) {
    let meta = object.metadata();
    (meta.namespace.clone().unwrap_or_default(), meta.name.clone().unwrap_or_default())
}

fn meta_version<T: Metadata<Ty = ObjectMeta>>(object: &T) -> Option<String> {
    object.metadata().resource_version.clone()
}

/// What one watch has seen: objects by namespace and name.
#[derive(Debug, Clone)]
pub struct Store<T> {
    seen: BTreeMap<(String, String), T>,
    /// A list in progress (after `Init`).
    relisting: Option<BTreeMap<(String, String), T>>,
    /// Whether a list has completed once.
    pub listed: bool,
}

impl<T> Default for Store<T> {
    fn default() -> Self {
        Store { seen: BTreeMap::new(), relisting: None, listed: false }
    }
}

impl<T: Clone> Store<T> {
    /// Applies one watch event; returns the keys of the objects that changed (added, modified or
    /// deleted), for the namespaces to judge again.
    fn apply(
        &mut self,
        event: watcher::Event<T>,
        key: impl Fn(&T) -> (String, String),
        version: impl Fn(&T) -> Option<String>,
    ) -> Vec<(String, String)> {
        match event {
            watcher::Event::Init => {
                self.relisting = Some(BTreeMap::new());
                Vec::new()
            }
            watcher::Event::InitApply(object) => {
                self.relisting.get_or_insert_with(BTreeMap::new).insert(key(&object), object);
                Vec::new()
            }
            watcher::Event::InitDone => {
                let fresh = self.relisting.take().unwrap_or_default();
                let old = std::mem::replace(&mut self.seen, fresh);
                self.listed = true;
                let mut touched: Vec<(String, String)> = old
                    .iter()
                    .filter(|(k, o)| self.seen.get(*k).is_none_or(|n| version(n) != version(o)))
                    .map(|(k, _)| k.clone())
                    .collect();
                touched.extend(self.seen.keys().filter(|k| !old.contains_key(*k)).cloned());
                touched
            }
            watcher::Event::Apply(object) => {
                let k = key(&object);
                self.seen.insert(k.clone(), object);
                vec![k]
            }
            watcher::Event::Delete(object) => {
                let k = key(&object);
                self.seen.remove(&k);
                vec![k]
            }
        }
    }

    /// The objects of one namespace.
    fn in_namespace<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a T> + 'a {
        self.seen
            .range((namespace.to_string(), String::new())..)
            .take_while(move |((ns, _), _)| ns == namespace)
            .map(|(_, o)| o)
    }
}

/// A watch event with the objects `keep` refuses left out: one listed is not stored, one that
/// changed so that it is no longer kept (a label removed) is deleted.
fn kept<T>(event: watcher::Event<T>, keep: impl Fn(&T) -> bool) -> Option<watcher::Event<T>> {
    match event {
        watcher::Event::InitApply(object) if !keep(&object) => None,
        watcher::Event::Apply(object) if !keep(&object) => Some(watcher::Event::Delete(object)),
        other => Some(other),
    }
}

fn value_key(object: &Value) -> (String, String) {
    let text = |p: &str| object.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
    (text("/metadata/namespace"), text("/metadata/name"))
}

fn value_version(object: &Value) -> Option<String> {
    object.pointer("/metadata/resourceVersion").and_then(Value::as_str).map(str::to_string)
}

/// The class as its watches have seen it, and the board judged from it.
#[derive(Debug, Clone)]
pub struct LiveClass {
    spec: LabSpec,
    lang: Lang,
    members: Members,
    namespaces: Store<Namespace>,
    pods: Store<Pod>,
    /// `None` when events may not be read (a learner's check then sees none either).
    events: Option<Store<Event>>,
    pub kinds: Vec<LiveKind>,
    logs: BTreeMap<String, Logs>,
    pages: BTreeMap<String, Pages>,
    pub server_version: Option<String>,
    /// The lab's pods whose logs or pages the lab reads.
    read_from: BTreeSet<String>,
    /// The lab's pods, and the selections of core pods and events of its checks: the pods and
    /// events kept are those `checker class status` keeps.
    lab_pods: BTreeSet<String>,
    core_selects: Vec<lab_spec::Select>,
    /// Per step (in the spec's order), the pods whose logs or pages it reads.
    step_reads: Vec<BTreeSet<String>>,
    /// Namespaces to judge again.
    dirty: BTreeSet<String>,
    /// Pods (namespace, name) whose logs and pages are to be read again.
    unread: BTreeSet<(String, String)>,
    /// Pods whose reading failed: read again at the next resync.
    later: BTreeSet<(String, String)>,
    /// Pods read again because time passed ([`LiveClass::resync`]): after those that changed,
    /// and their learners' rows are not held back for them.
    stale: BTreeSet<(String, String)>,
    /// The board's rows as last judged, by namespace.
    rows: BTreeMap<String, LearnerRow>,
    at: Timestamp,
}

impl LiveClass {
    /// A class not yet listed. `kinds` are the lab's other kinds (as [`super::follow`] resolved
    /// them); `events_readable` false when events may not be read.
    pub fn new(
        spec: &LabSpec,
        lang: Lang,
        members: Members,
        kinds: Vec<LiveKind>,
        events_readable: bool,
    ) -> Self {
        let wanted = crate::context::wanted_lab(spec);
        let read_from = wanted
            .logs
            .iter()
            .map(|(p, _)| p.to_string())
            .chain(wanted.pages.iter().map(|(p, _)| p.to_string()));
        let step_reads = spec
            .steps
            .iter()
            .map(|step| {
                let logs = step.logs().into_iter().map(|(p, _)| p);
                logs.chain(step.pages().into_iter().map(|(p, _)| p)).map(str::to_string).collect()
            })
            .collect();
        let core_selects =
            wanted.selects.iter().filter(|s| s.api_version == "v1" && (s.kind == "Pod" || s.kind == "Event"));
        LiveClass {
            lab_pods: spec.pods().into_iter().map(str::to_string).collect(),
            core_selects: core_selects.cloned().collect(),
            step_reads,
            later: BTreeSet::new(),
            stale: BTreeSet::new(),
            spec: spec.clone(),
            lang,
            members,
            namespaces: Store::default(),
            pods: Store::default(),
            events: events_readable.then(Store::default),
            kinds,
            logs: BTreeMap::new(),
            pages: BTreeMap::new(),
            server_version: None,
            read_from: read_from.collect(),
            dirty: BTreeSet::new(),
            unread: BTreeSet::new(),
            rows: BTreeMap::new(),
            at: Timestamp::UNIX_EPOCH,
        }
    }

    /// Whether every watch has listed once: the board can be shown.
    pub fn ready(&self) -> bool {
        self.namespaces.listed
            && self.pods.listed
            && self.events.as_ref().is_none_or(|e| e.listed)
            && self.kinds.iter().all(|k| k.found.as_ref().map_or(true, |s| s.listed))
    }

    /// Applies one watch event. Only what `checker class status` keeps is stored: the lab's
    /// pods and those a check selects, the events about the lab's pods (every event when a
    /// check reads events), and with a prefix only what is in a namespace it starts.
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Namespaces(event) => {
                let Some(event) = kept(event, |n| self.in_prefix(n.metadata.name.as_deref())) else { return };
                let before: BTreeSet<String> = self.namespaces.seen.keys().map(|(_, n)| n.clone()).collect();
                for (_, name) in self.namespaces.apply(event, meta_key, meta_version) {
                    // A learner who joins has their pods read; one who leaves is forgotten.
                    let now = self.namespaces.seen.contains_key(&(String::new(), name.clone()));
                    if now && !before.contains(&name) {
                        let read: Vec<(String, String)> = self
                            .pods
                            .in_namespace(&name)
                            .map(meta_key)
                            .filter(|(_, pod)| self.read_from.contains(pod))
                            .collect();
                        self.unread.extend(read);
                    }
                    self.dirty.insert(name);
                }
            }
            Change::Pods(event) => {
                let Some(event) = kept(event, |p| self.keeps_pod(p)) else { return };
                for (namespace, name) in self.pods.apply(event, meta_key, meta_version) {
                    if self.read_from.contains(&name) {
                        self.unread.insert((namespace.clone(), name));
                    }
                    self.dirty.insert(namespace);
                }
            }
            Change::Events(event) => {
                let Some(event) = kept(event, |e| self.keeps_event(e)) else { return };
                if let Some(events) = &mut self.events {
                    for (namespace, _) in events.apply(event, meta_key, meta_version) {
                        self.dirty.insert(namespace);
                    }
                }
            }
            Change::Objects(index, event) => {
                let Some(kind) = self.kinds.get_mut(index) else { return };
                let namespaced = kind.namespaced;
                let Ok(store) = &mut kind.found else { return };
                let touched = store.apply(event, value_key, value_version);
                if !namespaced && !touched.is_empty() {
                    // A cluster-scoped object (a StorageClass) may matter to every learner.
                    self.dirty.extend(self.rows.keys().cloned());
                }
                self.dirty.extend(touched.into_iter().map(|(ns, _)| ns));
            }
        }
    }

    /// Whether a namespace may be the class's: with a prefix, only those it starts.
    fn in_prefix(&self, namespace: Option<&str>) -> bool {
        match &self.members {
            Members::Prefix(prefix) => namespace.is_some_and(|ns| ns.starts_with(prefix.as_str())),
            Members::Selector(_) => true,
        }
    }

    /// Whether a selection of core `kind` of the lab's checks picks this object.
    fn selected(&self, kind: &str, meta: &ObjectMeta) -> bool {
        self.core_selects.iter().filter(|s| s.kind == kind).any(|s| {
            s.name.as_ref().is_none_or(|name| meta.name.as_ref() == Some(name))
                && s.labels.iter().all(|(k, v)| meta.labels.as_ref().and_then(|l| l.get(k)) == Some(v))
        })
    }

    fn keeps_pod(&self, pod: &Pod) -> bool {
        let meta = &pod.metadata;
        self.in_prefix(meta.namespace.as_deref())
            && (meta.name.as_ref().is_some_and(|n| self.lab_pods.contains(n)) || self.selected("Pod", meta))
    }

    fn keeps_event(&self, event: &Event) -> bool {
        let about = event.involved_object.name.as_ref();
        self.in_prefix(event.metadata.namespace.as_deref())
            && (about.is_some_and(|n| self.lab_pods.contains(n)) || self.selected("Event", &event.metadata))
    }

    /// Events may not be read: a learner's check sees none either, and a lab's event checks
    /// record the refusal (as `checker class status` does).
    pub fn forbid_events(&mut self, message: &str) {
        self.events = None;
        let selects_events = self.spec.selects().iter().any(|s| s.api_version == "v1" && s.kind == "Event");
        if selects_events && !self.kinds.iter().any(|k| k.api_version == "v1" && k.kind == "Event") {
            self.kinds.push(LiveKind {
                api_version: "v1".into(),
                kind: "Event".into(),
                namespaced: true,
                found: Err(ReadError::Forbidden(message.to_string())),
            });
        }
        self.dirty.extend(self.members());
    }

    /// A kind the lab reads may not be read: its checks record the refusal.
    pub fn forbid_kind(&mut self, index: usize, message: &str) {
        if let Some(kind) = self.kinds.get_mut(index) {
            kind.found = Err(ReadError::Forbidden(message.to_string()));
        }
        self.dirty.extend(self.members());
    }

    /// A pod whose logs or pages could not be read: read them again at the next resync.
    pub fn requeue(&mut self, namespace: String, pod: String) {
        self.later.insert((namespace, pod));
    }

    /// The class's namespaces, as the namespace watch sees them, sorted.
    pub fn members(&self) -> Vec<String> {
        let names = self.namespaces.seen.keys().map(|(_, name)| name);
        match &self.members {
            Members::Selector(_) => names.cloned().collect(),
            Members::Prefix(prefix) => names.filter(|n| n.starts_with(prefix.as_str())).cloned().collect(),
        }
    }

    /// The next pod whose logs and pages are to be read (of a learner of the class), not among
    /// those being read now; it is taken out.
    pub fn next_unread(&mut self, reading: &BTreeSet<(String, String)>) -> Option<(String, String)> {
        let members = &self.namespaces.seen;
        let wanted = |key: &&(String, String)| {
            members.contains_key(&(String::new(), key.0.clone())) && !reading.contains(*key)
        };
        let next = match self.unread.iter().find(wanted) {
            Some(changed) => changed.clone(),
            None => self.stale.iter().find(wanted)?.clone(),
        };
        self.unread.remove(&next);
        self.stale.remove(&next);
        Some(next)
    }

    /// How the class's namespaces are picked.
    pub fn class_members(&self) -> &Members {
        &self.members
    }

    /// The pods of a namespace (for reading their logs and pages).
    pub fn pods_in(&self, namespace: &str) -> Vec<Pod> {
        self.pods.in_namespace(namespace).cloned().collect()
    }

    /// Marks every learner to be judged again, and for their steps not passed the pods those
    /// steps read to be read again where a container runs (time passes: a log line written
    /// after the pod's last change, a page that changed; a finished container's log does not
    /// change). Reads that failed are tried again now.
    pub fn resync(&mut self) {
        self.stale.append(&mut self.later);
        for namespace in self.members() {
            let open: BTreeSet<&String> = match self.rows.get(&namespace) {
                Some(row) => row
                    .verdicts
                    .iter()
                    .zip(&self.step_reads)
                    .filter(|(verdict, _)| **verdict != crate::evaluate::Verdict::Pass)
                    .flat_map(|(_, pods)| pods)
                    .collect(),
                None => self.step_reads.iter().flatten().collect(),
            };
            let running = |pod: &&Pod| {
                let statuses = pod.status.as_ref().and_then(|s| s.container_statuses.as_ref());
                statuses.into_iter().flatten().any(|c| c.state.as_ref().is_some_and(|s| s.running.is_some()))
            };
            let pods: Vec<(String, String)> = self
                .pods
                .in_namespace(&namespace)
                .filter(|p| p.metadata.name.as_ref().is_some_and(|n| open.contains(n)))
                .filter(running)
                .map(meta_key)
                .collect();
            self.stale.extend(pods);
            self.dirty.insert(namespace);
        }
    }

    /// What was read of one pod: its logs and pages replace those read before.
    pub fn store_reads(&mut self, namespace: &str, pod: &str, logs: Logs, pages: Pages) {
        let known = self.pods.seen.contains_key(&(namespace.to_string(), pod.to_string()));
        let all_logs = self.logs.entry(namespace.to_string()).or_default();
        all_logs.remove(pod);
        let all_pages = self.pages.entry(namespace.to_string()).or_default();
        all_pages.remove(pod);
        if known {
            all_logs.extend(logs);
            all_pages.extend(pages);
        }
        self.dirty.insert(namespace.to_string());
    }

    /// Judges again the learners whose namespace changed, at `at`; returns the rows that
    /// changed. A learner whose pods' logs or pages are still to be read (or being read:
    /// `reading`) waits for them, so that a row never shows a verdict its logs would change a
    /// moment later. Nothing before the board is ready.
    pub fn update(&mut self, at: Timestamp, reading: &BTreeSet<(String, String)>) -> Update {
        if !self.ready() {
            return Update::default();
        }
        self.at = at;
        let members = self.members();
        let left: Vec<String> =
            self.rows.keys().filter(|ns| members.binary_search(ns).is_err()).cloned().collect();
        for namespace in &left {
            self.rows.remove(namespace);
            self.logs.remove(namespace);
            self.pages.remove(namespace);
        }
        let settling: BTreeSet<&String> = self.unread.iter().chain(reading).map(|(ns, _)| ns).collect();
        let judge: Vec<String> = members
            .into_iter()
            .filter(|ns| self.dirty.contains(ns) || !self.rows.contains_key(ns))
            .filter(|ns| !settling.contains(ns))
            .collect();
        for namespace in &judge {
            self.dirty.remove(namespace);
        }
        let class = self.observation(&judge, at);
        let mut changed = Vec::new();
        for namespace in &judge {
            let row = learner_row(&self.spec, &class, namespace, self.lang);
            if self.rows.get(namespace) != Some(&row) {
                self.rows.insert(namespace.clone(), row.clone());
                changed.push(row);
            }
        }
        Update { at: Some(at), changed, left }
    }

    /// Whether every learner has been judged with their logs and pages read: the board can be
    /// shown whole.
    pub fn settled(&self) -> bool {
        self.ready() && self.members().iter().all(|ns| self.rows.contains_key(ns))
    }

    /// The whole board as last judged.
    pub fn board(&self) -> Board {
        Board {
            lab: self.spec.id.clone(),
            at: self.at,
            steps: step_heads(&self.spec, self.lang),
            learners: self.rows.values().cloned().collect(),
        }
    }

    /// What `checker class status` would have read of `namespaces`, from what the watches saw.
    pub fn observation(&self, namespaces: &[String], at: Timestamp) -> ClassObservation {
        let pods: Vec<Pod> = namespaces.iter().flat_map(|ns| self.pods.in_namespace(ns)).cloned().collect();
        let events = self
            .events
            .as_ref()
            .map(|store| namespaces.iter().flat_map(|ns| store.in_namespace(ns)).cloned().collect());
        let lists = self
            .kinds
            .iter()
            .map(|k| KindList {
                api_version: k.api_version.clone(),
                kind: k.kind.clone(),
                namespaced: k.namespaced,
                found: match &k.found {
                    Ok(store) if k.namespaced => {
                        Ok(namespaces.iter().flat_map(|ns| store.in_namespace(ns)).cloned().collect())
                    }
                    Ok(store) => Ok(store.seen.values().cloned().collect()),
                    Err(error) => Err(error.clone()),
                },
            })
            .collect();
        let mut class = ClassObservation::assemble(&self.spec, at, namespaces.to_vec(), pods, events, lists);
        class.server_version = self.server_version.clone();
        for namespace in namespaces {
            if let Some(logs) = self.logs.get(namespace) {
                class.logs.insert(namespace.clone(), logs.clone());
            }
            if let Some(pages) = self.pages.get(namespace) {
                class.pages.insert(namespace.clone(), pages.clone());
            }
        }
        class
    }
}

#[cfg(test)]
#[path = "live/tests.rs"]
mod tests;
