//! The lab spec: the one source of truth for the lab's steps, what each step expects of the
//! cluster, and the hints a learner gets.
//!
//! Both halves of the project read it: the `checker` binary evaluates the expectations against a
//! cluster, and the book's `mdbook-lab` preprocessor renders the same expectations into the
//! verify boxes. Each lab's spec is YAML (`labs/<id>/lab.yaml` at the repository root), parsed
//! with `serde_yaml` into the typed structs below; unknown fields are rejected so that a typo
//! cannot silently drop a check. The book's labs, in its order, are a [`Labs`] ([`catalog`]):
//! built into the binaries, or read from a checkout's files.
//!
//! Adding a step whose expectations are of existing kinds needs no Rust: add it to its
//! `lab.yaml`; adding a lab needs none either (see `README.md`, "Write a lab").
//! The kinds and their pass/pending/fail rules are documented in `lab-spec/README.md`: the pod
//! kinds, and the kinds on objects of any kind (`object`, `absent`, `count`, `event`, `order`).

mod advice;
mod version;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub mod bounded;
pub mod catalog;
pub use advice::{CauseKind, ContainerWhen, ObservedHint, PHASES, When};
pub use version::MinorVersion;

pub use catalog::{Lab, Labs, Origin};

/// The name of a lab's spec file in its directory, `labs/<id>/lab.yaml`.
pub const SPEC_FILE: &str = "lab.yaml";

/// The spec format this crate understands. Bumped on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

/// The whole lab: its metadata, the goals of the original record and the steps.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LabSpec {
    /// Spec format version; must equal [`FORMAT_VERSION`].
    pub version: u32,
    /// Stable identifier of the lab, used in the progress file, `--lab` and the book's
    /// `{{#check LAB N}}`: lowercase letters, digits and `-`, the name of its directory.
    pub id: String,
    pub title: Text,
    /// The namespace the lab's manifests create and the checker looks in by default.
    pub namespace: String,
    /// The manifest (relative to the repository root) that grants the checker the read access
    /// this lab's checks need (a Role and its binding). Messages about a refused request name
    /// it; without it they only say which permission is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rbac: Option<String>,
    /// How to get a cluster on which every step can pass (a step's `min_server_version`), in
    /// the lab's words: named when the cluster is too old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_setup: Option<Text>,
    /// What the lab's manifests need of the cluster beyond its version (a default
    /// StorageClass for claims without a `storageClassName`): `checker doctor` checks it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<Requirement>,
    /// The record's goals, each achieved when all the steps it names have passed.
    pub goals: Vec<Goal>,
    pub steps: Vec<Step>,
    /// The tables `checker report` fills from the learner's cluster, besides the steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub report: Vec<ReportTable>,
}

/// A table of the learner's record (`checker report`) filled with the lab's pods as the checks
/// observed them: one pod per cell, shown as `kubectl get pods` and its phase show it
/// (`Init:Error · Failed · 0`). The columns are titles; each row a title and the pod of each
/// column, in order.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportTable {
    /// Unique in the lab.
    pub id: String,
    pub title: Text,
    pub columns: Vec<Text>,
    pub rows: Vec<ReportRow>,
}

/// A row of a [`ReportTable`]: its title and the pod of each column.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRow {
    pub title: Text,
    pub pods: Vec<String>,
}

/// A text in the book's two languages. Chinese is the lab's first language.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

/// The languages the lab is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    pub id: String,
    pub text: Text,
    /// Step numbers that must all have passed for this goal to count as achieved.
    pub steps: Vec<u32>,
}

/// One hands-on step of the lab.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The number a learner types: `checker step 1`.
    pub number: u32,
    /// A stable, short identifier (`deploy`, `logs`, ...), used in JSON output.
    pub id: String,
    pub title: Text,
    /// The manifest the learner applies for this step, relative to the repository root.
    #[serde(default)]
    pub manifest: Option<String>,
    /// What the step is waiting for while it is pending ("the pod is still initializing"); the
    /// checker and the book add how to check again.
    pub pending_hint: Text,
    /// The book's chapter of this step (a file under `src/`), linked when the step before passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chapter: Option<String>,
    /// The oldest Kubernetes minor version the step can pass on (`"1.29"` for native sidecars);
    /// `checker doctor` compares the API server's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_server_version: Option<MinorVersion>,
    /// The lab's own next action for a root cause, instead of the checker's generic one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub causes: BTreeMap<CauseKind, Text>,
    pub expectations: Vec<Expectation>,
}

/// One thing a step expects of the cluster, with the text shown when it does not hold.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Unique within its step; used in JSON output.
    pub id: String,
    /// What is expected, in words, as shown in the book's verify box and the report.
    pub description: Text,
    /// What to do when the expectation fails: usually the exact `kubectl` command to investigate.
    pub hint: Text,
    /// Hints for particular observations (a phase, a container's state), tried in order before
    /// `hint`: a running pod must not be told what to do if its phase were `Failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<ObservedHint>,
    /// What is checked: a [`Check`] with its `kind` and parameters.
    pub check: Check,
    /// Who makes the objects the check names, when it is not a manifest of this step or an
    /// earlier one (`checker lint` checks that the manifests create them otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<CreatedBy>,
}

/// Who makes an object that no manifest of the lab creates.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CreatedBy {
    /// The learner, with a command the book gives (`kubectl run`, `kubectl create`).
    Learner,
    /// A controller, from an object the manifests create (a Service's Endpoints, a
    /// StatefulSet's pods). A pod check on such a pod is pending while the pod does not exist
    /// or is being replaced: the controller is on its way, nothing is for the learner to do.
    Controller,
}

/// Something a lab's manifests need of the cluster, which `checker doctor` checks.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// A default StorageClass: the lab's claims (a StatefulSet's `volumeClaimTemplates`) name
    /// no `storageClassName`, so without one they stay `Pending`.
    DefaultStorageClass,
}

/// The kinds of expectation the checker knows how to evaluate.
///
/// Each kind distinguishes "not there yet" (pending) from "wrong" (fail); see `lab-spec/README.md`
/// and the checker's `evaluate` module for the exact rules.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// The pod exists (and is not being deleted).
    PodExists { pod: String },
    /// The pod's spec has exactly these init containers and containers, in this order.
    Containers { pod: String, init: Vec<String>, main: Vec<String> },
    /// Every image of the pod names an exact tag (not `latest`) or a digest.
    ImagesPinned { pod: String },
    /// The container ran to completion with exit code 0.
    Completed { pod: String, container: String },
    /// The container started at or after `after` finished (serial execution) or, with
    /// `after_event: started`, at or after `after` started (a regular init container after a
    /// sidecar, which never finishes).
    StartedAfter {
        pod: String,
        container: String,
        after: String,
        #[serde(default)]
        after_event: AfterEvent,
    },
    /// The container is running and ready.
    Ready { pod: String, container: String },
    /// The container failed with a non-zero exit code (now or in its last state) and was
    /// restarted at least `min_restarts` times.
    Failed { pod: String, container: String, min_restarts: u32 },
    /// The container has never started (it waits, e.g. with reason `PodInitializing`).
    NeverStarted { pod: String, container: String },
    /// The pod's phase is this one (`Pending`, `Running`, ...).
    Phase { pod: String, phase: String },
    /// The pod's condition of this type has this status (`True`/`False`) and, if given, this
    /// reason (`PodScheduled` `False` with reason `Unschedulable`, not `SchedulingGated`).
    Condition {
        pod: String,
        condition: String,
        status: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The pod's QoS class (`status.qosClass`, which the API server sets when it creates the
    /// pod, from the requests and limits of all its containers, init containers included).
    QosClass { pod: String, class: QosClass },
    /// The container's log contains one of these texts.
    LogContains { pod: String, container: String, any_of: Vec<String> },
    /// None of the lab's pods (every pod any step names) remain in the namespace.
    LabPodsGone,
    /// The page the pod serves at `path` (read through the API server's pod proxy, read-only)
    /// contains `contains`.
    ServesPage {
        pod: String,
        #[serde(default = "root_path")]
        path: String,
        contains: String,
    },
    /// The init container is a native sidecar (`restartPolicy: Always` kept in the stored spec)
    /// that has started and is running.
    Sidecar { pod: String, container: String },
    /// kubectl's READY column shows exactly this, e.g. `2/2` (sidecars count).
    ReadyColumn { pod: String, ready: String },
    /// An object of any kind, selected by name or labels, contains `match`: a partial object in
    /// the manner of chainsaw's `assert`. Maps match key by key, scalars by value, and an
    /// expected list matches when its elements match live elements in the same order (extra
    /// live elements are allowed); the full rules are in `lab-spec/README.md`. With labels, at
    /// least one selected object must match.
    Object {
        select: Select,
        #[serde(rename = "match")]
        expected: serde_json::Value,
        /// The objects are made or changed by a controller: a missing object is pending, not
        /// failed.
        #[serde(default, skip_serializing_if = "is_false")]
        converges: bool,
    },
    /// No object of this kind with this name (or these labels, or none at all when the selection
    /// names neither) exists. Objects being deleted (with a `deletionTimestamp`) are pending.
    Absent {
        select: Select,
        #[serde(default, skip_serializing_if = "is_false")]
        converges: bool,
    },
    /// How many objects of this kind (with these labels, if any) exist, compared with `op`.
    Count {
        select: Select,
        op: CountOp,
        value: u32,
        /// A controller is still creating or deleting them: a count not reached yet is pending.
        #[serde(default, skip_serializing_if = "is_false")]
        converges: bool,
    },
    /// An event with this `reason` about the object (core `involvedObject`, `events.k8s.io`
    /// `regarding`), optionally of this `type` and with a message matching the `message` regex.
    /// With `absent: true`, that no such event has come (the kubelet never backed off).
    Event {
        about: About,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
        event_type: Option<EventType>,
        #[serde(default, skip_serializing_if = "is_false")]
        absent: bool,
    },
    /// Each moment happened at or before the next one: e.g. `web-0` ready, then `web-1`
    /// created.
    Order { sequence: Vec<Moment> },
}

/// Which objects a generic check looks at: `apiVersion` and `kind`, and either a `name` or
/// `labels` (every label must be set to its value, as `matchLabels`). Namespaced kinds are read
/// in the lab's namespace, cluster-scoped ones (nodes, storage classes) in the whole cluster.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Select {
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl Select {
    /// Every core `v1` Event of the namespace, which [`Check::Event`] reads.
    pub fn events() -> Select {
        Select { api_version: "v1".into(), kind: "Event".into(), name: None, labels: BTreeMap::new() }
    }

    /// The API group: `""` for the core group (`v1`), `apps` for `apps/v1`.
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(group, _)| group)
    }

    /// The labels as a `labelSelector` query value: `a=b,c=d`.
    pub fn label_selector(&self) -> String {
        self.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
    }

    /// How the selection reads in a report: `StatefulSet web`, `Service app=web`.
    pub fn describe(&self) -> String {
        match &self.name {
            Some(name) => format!("{} {name}", self.kind),
            None if self.labels.is_empty() => self.kind.clone(),
            None => format!("{} {}", self.kind, self.label_selector()),
        }
    }
}

/// The comparison of a [`Check::Count`].
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
pub enum CountOp {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "==")]
    Exactly,
}

impl CountOp {
    pub fn holds(self, count: u32, value: u32) -> bool {
        match self {
            CountOp::AtLeast => count >= value,
            CountOp::AtMost => count <= value,
            CountOp::Exactly => count == value,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CountOp::AtLeast => "≥",
            CountOp::AtMost => "≤",
            CountOp::Exactly => "=",
        }
    }
}

/// The operator of a numeric comparison in an `object` check's `match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    AtLeast,
    Above,
    AtMost,
    Below,
}

impl CompareOp {
    /// The operators as written in a `match`, in the order they are shown.
    pub const ALL: [(&'static str, CompareOp); 4] = [
        (">=", CompareOp::AtLeast),
        (">", CompareOp::Above),
        ("<=", CompareOp::AtMost),
        ("<", CompareOp::Below),
    ];

    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CompareOp::AtLeast => ordering != Less,
            CompareOp::Above => ordering == Greater,
            CompareOp::AtMost => ordering != Greater,
            CompareOp::Below => ordering == Less,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::AtLeast => "≥",
            CompareOp::Above => ">",
            CompareOp::AtMost => "≤",
            CompareOp::Below => "<",
        }
    }
}

/// A numeric comparison written in place of a scalar in an `object` check's `match`: a mapping
/// whose keys are all operators, each with a number, `restartCount: {">=": 2}` or
/// `{">": 0, "<": 10}`. No Kubernetes field name is an operator, so such a mapping cannot mean
/// a part of the object.
///
/// `None` when `value` is no such mapping (it has no operator key); `Some(Err)` when it mixes
/// operators with other keys or compares with something other than a number.
pub fn comparison(value: &serde_json::Value) -> Option<Result<Vec<(CompareOp, serde_json::Number)>, String>> {
    let map = value.as_object()?;
    let op_of = |key: &str| CompareOp::ALL.iter().find(|(k, _)| *k == key).map(|(_, op)| *op);
    if map.is_empty() || !map.keys().any(|k| op_of(k).is_some()) {
        return None;
    }
    let mut ops = Vec::new();
    for (key, bound) in map {
        let Some(op) = op_of(key) else {
            return Some(Err(format!(
                "a comparison takes only the operators >=, >, <=, <, not `{key}` beside them"
            )));
        };
        match bound {
            serde_json::Value::Number(n) => ops.push((op, n.clone())),
            other => return Some(Err(format!("`{key}` compares with a number, not {other}"))),
        }
    }
    Some(Ok(ops))
}

/// Every comparison of a `match` is well formed (see [`comparison`]): the first error, with the
/// path where it is.
fn validate_comparisons(value: &serde_json::Value, path: &str) -> Result<(), String> {
    if let Some(found) = comparison(value) {
        return found.map(|_| ()).map_err(|why| format!("`match` at {path}: {why}"));
    }
    match value {
        serde_json::Value::Object(map) => {
            map.iter().try_for_each(|(key, child)| validate_comparisons(child, &format!("{path}.{key}")))
        }
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, child)| validate_comparisons(child, &format!("{path}[{i}]"))),
        _ => Ok(()),
    }
}

/// The object an [`Check::Event`] is about, in the lab's namespace.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct About {
    pub kind: String,
    pub name: String,
}

/// An event's `type`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// One moment of an [`Check::Order`]: an object (a pod unless `kind` says otherwise) and what
/// happened to it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Moment {
    #[serde(default = "core_v1")]
    pub api_version: String,
    #[serde(default = "pod_kind")]
    pub kind: String,
    pub name: String,
    #[serde(rename = "moment")]
    pub at: MomentKind,
    /// With `moment: started`: this container's start instead of the pod's `status.startTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

impl Moment {
    /// The object as a [`Select`] by name.
    pub fn select(&self) -> Select {
        Select {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            name: Some(self.name.clone()),
            labels: BTreeMap::new(),
        }
    }
}

/// What happened to an object at a [`Moment`].
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MomentKind {
    /// `metadata.creationTimestamp`.
    Created,
    /// `status.startTime` (a pod: when the kubelet took it on), or a container's `startedAt`.
    Started,
    /// The `lastTransitionTime` of the `Ready` condition, while it is `True`.
    Ready,
}

impl MomentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MomentKind::Created => "created",
            MomentKind::Started => "started",
            MomentKind::Ready => "ready",
        }
    }
}

fn core_v1() -> String {
    "v1".into()
}

fn pod_kind() -> String {
    "Pod".into()
}

fn is_false(value: &bool) -> bool {
    !value
}

/// A pod's quality of service class, as `status.qosClass` names it.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
pub enum QosClass {
    Guaranteed,
    Burstable,
    BestEffort,
}

impl QosClass {
    pub fn as_str(self) -> &'static str {
        match self {
            QosClass::Guaranteed => "Guaranteed",
            QosClass::Burstable => "Burstable",
            QosClass::BestEffort => "BestEffort",
        }
    }
}

/// Which moment of the other container a [`Check::StartedAfter`] compares with.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AfterEvent {
    #[default]
    Finished,
    Started,
}

fn root_path() -> String {
    "/".into()
}

impl Check {
    /// The pod this check looks at, if it looks at one.
    pub fn pod(&self) -> Option<&str> {
        match self {
            Check::PodExists { pod }
            | Check::Containers { pod, .. }
            | Check::ImagesPinned { pod }
            | Check::Completed { pod, .. }
            | Check::StartedAfter { pod, .. }
            | Check::Ready { pod, .. }
            | Check::Failed { pod, .. }
            | Check::NeverStarted { pod, .. }
            | Check::Phase { pod, .. }
            | Check::Condition { pod, .. }
            | Check::QosClass { pod, .. }
            | Check::LogContains { pod, .. }
            | Check::ServesPage { pod, .. }
            | Check::Sidecar { pod, .. }
            | Check::ReadyColumn { pod, .. } => Some(pod),
            Check::LabPodsGone
            | Check::Object { .. }
            | Check::Absent { .. }
            | Check::Count { .. }
            | Check::Event { .. }
            | Check::Order { .. } => None,
        }
    }

    /// The objects this check reads through the generic (discovery-based) path.
    pub fn selects(&self) -> Vec<Select> {
        match self {
            Check::Object { select, .. } | Check::Absent { select, .. } | Check::Count { select, .. } => {
                vec![select.clone()]
            }
            Check::Order { sequence } => sequence.iter().map(Moment::select).collect(),
            // Every event of the namespace, through the core API (which also shows the events
            // written through events.k8s.io/v1): the check picks those about its object.
            Check::Event { .. } => vec![Select::events()],
            _ => Vec::new(),
        }
    }
}

/// An object a check names: its kind (with the API group, when the check says it) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Named {
    /// `None` when the check gives the kind only (an event's `about`).
    pub group: Option<String>,
    pub kind: String,
    pub name: String,
}

impl Check {
    /// The objects this check names, by kind and name (labels name no object).
    pub fn named(&self) -> Vec<Named> {
        let by_select = |select: &Select| {
            select.name.as_ref().map(|name| Named {
                group: Some(select.group().to_string()),
                kind: select.kind.clone(),
                name: name.clone(),
            })
        };
        if let Some(pod) = self.pod() {
            return vec![Named { group: Some(String::new()), kind: "Pod".into(), name: pod.into() }];
        }
        match self {
            Check::Object { select, .. } | Check::Absent { select, .. } | Check::Count { select, .. } => {
                by_select(select).into_iter().collect()
            }
            Check::Order { sequence } => sequence.iter().filter_map(|m| by_select(&m.select())).collect(),
            Check::Event { about, .. } => {
                vec![Named { group: None, kind: about.kind.clone(), name: about.name.clone() }]
            }
            _ => Vec::new(),
        }
    }

    /// The container this check looks at, if it looks at one.
    pub fn container(&self) -> Option<&str> {
        match self {
            Check::Completed { container, .. }
            | Check::StartedAfter { container, .. }
            | Check::Ready { container, .. }
            | Check::Failed { container, .. }
            | Check::NeverStarted { container, .. }
            | Check::LogContains { container, .. }
            | Check::Sidecar { container, .. } => Some(container),
            _ => None,
        }
    }
}

impl Check {
    /// The pods this check names: the pod of a pod check, and the core `Pod`s a generic check
    /// selects by name, orders or reads the events of.
    pub fn pods(&self) -> Vec<&str> {
        let core_pod = |select: &Select| select.api_version == "v1" && select.kind == "Pod";
        match self {
            Check::Object { select, .. } | Check::Absent { select, .. } | Check::Count { select, .. } => {
                select.name.as_deref().filter(|_| core_pod(select)).into_iter().collect()
            }
            Check::Order { sequence } => sequence
                .iter()
                .filter(|m| m.api_version == "v1" && m.kind == "Pod")
                .map(|m| m.name.as_str())
                .collect(),
            Check::Event { about, .. } if about.kind == "Pod" => vec![about.name.as_str()],
            _ => self.pod().into_iter().collect(),
        }
    }
}

impl Step {
    /// The pods this step looks at, in the order they are first named: those of its pod checks
    /// and those its generic checks name (an `object` check on `Pod rp-never-exits-0`).
    pub fn pods(&self) -> Vec<&str> {
        let mut pods: Vec<&str> = Vec::new();
        for p in self.expectations.iter().flat_map(|e| e.check.pods()) {
            if !pods.contains(&p) {
                pods.push(p);
            }
        }
        pods
    }

    /// The containers whose logs this step reads, as `(pod, container)`.
    pub fn logs(&self) -> Vec<(&str, &str)> {
        self.expectations
            .iter()
            .filter_map(|e| match &e.check {
                Check::LogContains { pod, container, .. } => Some((pod.as_str(), container.as_str())),
                _ => None,
            })
            .collect()
    }
}

impl Step {
    /// The pages this step reads through the pod proxy, as `(pod, path)`.
    pub fn pages(&self) -> Vec<(&str, &str)> {
        self.expectations
            .iter()
            .filter_map(|e| match &e.check {
                Check::ServesPage { pod, path, .. } => Some((pod.as_str(), path.as_str())),
                _ => None,
            })
            .collect()
    }

    /// The objects this step's generic checks read, each selection once, in order.
    pub fn selects(&self) -> Vec<Select> {
        let mut selects: Vec<Select> = Vec::new();
        for select in self.expectations.iter().flat_map(|e| e.check.selects()) {
            if !selects.contains(&select) {
                selects.push(select);
            }
        }
        selects
    }

    /// Whether an expectation needs the API server's version (to explain a dropped field).
    pub fn needs_server_version(&self) -> bool {
        self.expectations.iter().any(|e| matches!(e.check, Check::Sidecar { .. }))
    }
}

impl LabSpec {
    /// The book's first lab (experiment 1.2) as embedded in this build.
    pub fn embedded() -> Result<LabSpec, SpecError> {
        Ok(Labs::embedded()?.first().spec.clone())
    }

    /// Reads and validates a spec file, within the bounds of [`bounded::read_spec_file`].
    pub fn load(path: &Path) -> Result<LabSpec, SpecError> {
        let shown = path.display().to_string();
        LabSpec::parse(&bounded::read_spec_file(path, &shown)?, &shown)
    }

    /// Parses and validates spec text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<LabSpec, SpecError> {
        let spec: LabSpec = serde_yaml::from_str(text).map_err(|e| SpecError {
            line: e.location().map(|l| l.line()),
            ..SpecError::new(file, e.to_string())
        })?;
        spec.validate().map_err(|reason| SpecError::new(file, reason))?;
        Ok(spec)
    }

    pub fn step(&self, number: u32) -> Option<&Step> {
        self.steps.iter().find(|s| s.number == number)
    }

    /// The step after this one, in the spec's order.
    pub fn next_step(&self, number: u32) -> Option<&Step> {
        let at = self.steps.iter().position(|s| s.number == number)?;
        self.steps.get(at + 1)
    }

    /// The first step that names this pod and has a manifest: the step that creates it.
    pub fn creating_step(&self, pod: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.manifest.is_some() && s.pods().contains(&pod))
    }

    /// Every pod any step or report table names, in order of first mention: the lab's pods.
    pub fn pods(&self) -> Vec<&str> {
        let mut pods: Vec<&str> = Vec::new();
        let tables = self.report.iter().flat_map(|t| &t.rows).flat_map(|r| r.pods.iter().map(String::as_str));
        for p in self.steps.iter().flat_map(Step::pods).chain(tables) {
            if !pods.contains(&p) {
                pods.push(p);
            }
        }
        pods
    }

    /// The objects any step's generic checks read, each selection once, in order.
    pub fn selects(&self) -> Vec<Select> {
        let mut selects: Vec<Select> = Vec::new();
        for select in self.steps.iter().flat_map(Step::selects) {
            if !selects.contains(&select) {
                selects.push(select);
            }
        }
        selects
    }

    /// The rules serde cannot express: versions, unique numbers and ids, references that resolve.
    fn validate(&self) -> Result<(), String> {
        if self.version != FORMAT_VERSION {
            return Err(format!(
                "unsupported spec version {} (this checker reads version {FORMAT_VERSION})",
                self.version
            ));
        }
        if !valid_lab_id(&self.id) {
            return Err(format!(
                "id `{}` is not a lab id: lowercase letters, digits and `-`, at most 63",
                self.id
            ));
        }
        if self.steps.is_empty() {
            return Err("the spec has no steps".into());
        }
        if self.rbac.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err("rbac is empty: name the RBAC manifest, or leave the field out".into());
        }
        if self.requires.iter().collect::<BTreeSet<_>>().len() != self.requires.len() {
            return Err("requires names the same requirement twice".into());
        }
        let mut numbers = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for step in &self.steps {
            if !numbers.insert(step.number) {
                return Err(format!("step number {} is used twice", step.number));
            }
            if !ids.insert(step.id.as_str()) {
                return Err(format!("step id `{}` is used twice", step.id));
            }
            if step.expectations.is_empty() {
                return Err(format!("step {} has no expectations", step.number));
            }
            let mut check_ids = BTreeSet::new();
            for e in &step.expectations {
                if !check_ids.insert(e.id.as_str()) {
                    return Err(format!("step {}: expectation id `{}` is used twice", step.number, e.id));
                }
                if let Check::ServesPage { path, .. } = &e.check
                    && !path.starts_with('/')
                {
                    return Err(format!(
                        "step {}: expectation `{}`: path must start with /",
                        step.number, e.id
                    ));
                }
                if let Check::LogContains { any_of, .. } = &e.check
                    && any_of.is_empty()
                {
                    return Err(format!("step {}: expectation `{}` has an empty any_of", step.number, e.id));
                }
                if let Check::Condition { reason: Some(reason), .. } = &e.check
                    && reason.trim().is_empty()
                {
                    return Err(format!(
                        "step {}: expectation `{}`: `reason` is empty: name the reason, or leave it out",
                        step.number, e.id
                    ));
                }
                validate_generic(&e.check)
                    .map_err(|why| format!("step {}: expectation `{}`: {why}", step.number, e.id))?;
                for hint in &e.hints {
                    validate_when(&hint.when, &e.check).map_err(|reason| {
                        format!("step {}: expectation `{}`: {reason}", step.number, e.id)
                    })?;
                }
                if matches!(e.check, Check::Sidecar { .. })
                    && step.min_server_version.is_none_or(|v| v < NATIVE_SIDECARS)
                {
                    return Err(format!(
                        "step {}: expectation `{}` checks a native sidecar, which needs Kubernetes {NATIVE_SIDECARS}: \
                         give the step `min_server_version: \"{NATIVE_SIDECARS}\"` or later",
                        step.number, e.id
                    ));
                }
            }
            if let Some(kind) = step.causes.keys().find(|k| !k.has_lab_words()) {
                return Err(format!(
                    "step {}: causes: `{}` takes no words of its own (see pending_hint and hints)",
                    step.number,
                    kind.as_str()
                ));
            }
            if step.chapter.as_deref().is_some_and(|c| c.trim().is_empty()) {
                return Err(format!("step {}: chapter is empty", step.number));
            }
        }
        for goal in &self.goals {
            if let Some(n) = goal.steps.iter().find(|n| !numbers.contains(n)) {
                return Err(format!("goal `{}` names step {n}, which does not exist", goal.id));
            }
        }
        let mut table_ids = BTreeSet::new();
        for table in &self.report {
            if !table_ids.insert(table.id.as_str()) {
                return Err(format!("report table id `{}` is used twice", table.id));
            }
            validate_table(table).map_err(|why| format!("report table `{}`: {why}", table.id))?;
        }
        Ok(())
    }
}

/// A report table has columns and rows, and each row names a pod for each column.
fn validate_table(table: &ReportTable) -> Result<(), String> {
    if table.columns.is_empty() {
        return Err("`columns` is empty".into());
    }
    if table.rows.is_empty() {
        return Err("`rows` is empty".into());
    }
    for (i, row) in table.rows.iter().enumerate() {
        if row.pods.len() != table.columns.len() {
            return Err(format!(
                "rows[{i}] names {} pods for {} columns: one pod per column",
                row.pods.len(),
                table.columns.len()
            ));
        }
        if let Some(name) = row.pods.iter().find(|p| !is_dns_subdomain(p)) {
            return Err(format!("rows[{i}]: `{name}` is not a pod name"));
        }
    }
    Ok(())
}

/// The rules of the generic kinds that serde cannot express.
fn validate_generic(check: &Check) -> Result<(), String> {
    match check {
        Check::Object { select, expected, .. } => {
            validate_select(select, Selection::NameOrLabels)?;
            match expected {
                serde_json::Value::Object(fields) if !fields.is_empty() && comparison(expected).is_none() => {
                    validate_comparisons(expected, "")
                }
                _ => Err("`match` must be a non-empty mapping (a part of the object)".into()),
            }
        }
        Check::Absent { select, .. } => validate_select(select, Selection::Any),
        Check::Count { select, .. } => validate_select(select, Selection::LabelsOrAll),
        Check::Event { about, reason, message, .. } => {
            validate_kind(&about.kind)?;
            if about.name.is_empty() {
                return Err("`about` needs a name".into());
            }
            if reason.is_empty() {
                return Err("`reason` must not be empty".into());
            }
            if let Some(pattern) = message {
                regex::Regex::new(pattern).map_err(|e| {
                    let first = e.to_string().lines().last().unwrap_or_default().trim().to_string();
                    format!("`message` is not a valid regex: {first}")
                })?;
            }
            Ok(())
        }
        Check::Order { sequence } => {
            if sequence.len() < 2 {
                return Err("`sequence` needs at least two moments".into());
            }
            for moment in sequence {
                validate_select(&moment.select(), Selection::NameOrLabels)?;
                if moment.container.is_some() && moment.at != MomentKind::Started {
                    return Err(format!(
                        "`container` is only for `moment: started`, not `{}`",
                        moment.at.as_str()
                    ));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// What a [`Select`] may name.
#[derive(PartialEq)]
enum Selection {
    /// Exactly one of a name or labels.
    NameOrLabels,
    /// Labels, or nothing (every object of the kind); never a name.
    LabelsOrAll,
    /// A name, labels, or nothing (every object of the kind).
    Any,
}

fn validate_select(select: &Select, selection: Selection) -> Result<(), String> {
    if !valid_api_version(&select.api_version) {
        return Err(format!(
            "invalid apiVersion `{}` (expected `v1` or `GROUP/VERSION`, e.g. `apps/v1`)",
            select.api_version
        ));
    }
    validate_kind(&select.kind)?;
    let has_labels = !select.labels.is_empty();
    match (&select.name, has_labels, selection) {
        (Some(_), true, _) => Err("`select` takes a name or labels, not both".into()),
        (Some(_), false, Selection::LabelsOrAll) => {
            Err("`count` selects by labels (or all objects of the kind), not by name".into())
        }
        (Some(name), false, Selection::NameOrLabels | Selection::Any) if name.is_empty() => {
            Err("`name` must not be empty".into())
        }
        (None, false, Selection::NameOrLabels) => Err("`select` needs a name or labels".into()),
        _ => {
            for (key, value) in &select.labels {
                if !valid_label_key(key) || !valid_label_value(value) {
                    return Err(format!("invalid label `{key}: {value}`"));
                }
            }
            Ok(())
        }
    }
}

fn validate_kind(kind: &str) -> Result<(), String> {
    let mut chars = kind.chars();
    match chars.next() {
        Some(first) if first.is_ascii_uppercase() && chars.all(|c| c.is_ascii_alphanumeric()) => Ok(()),
        _ => Err(format!("invalid kind `{kind}` (expected a Kubernetes kind such as `StatefulSet`)")),
    }
}

/// `v1`, `apps/v1`, `storage.k8s.io/v1beta1`: an optional DNS-subdomain group and a version.
fn valid_api_version(api_version: &str) -> bool {
    let (group, version) = match api_version.rsplit_once('/') {
        Some((group, version)) => (Some(group), version),
        None => (None, api_version),
    };
    let version_ok = version
        .strip_prefix('v')
        .map(|rest| {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            let (major, stage) = rest.split_at(digits);
            !major.is_empty()
                && !major.starts_with('0')
                && (stage.is_empty()
                    || ["alpha", "beta"].iter().any(|s| {
                        stage
                            .strip_prefix(s)
                            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                    }))
        })
        .unwrap_or(false);
    version_ok && group.is_none_or(is_dns_subdomain)
}

fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters.
fn valid_label_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    prefix.is_none_or(is_dns_subdomain) && !name.is_empty() && valid_label_value(name)
}

/// A label value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside.
fn valid_label_value(value: &str) -> bool {
    value.len() <= 63
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && value.chars().next().is_none_or(|c| c.is_ascii_alphanumeric())
        && value.chars().last().is_none_or(|c| c.is_ascii_alphanumeric())
}

/// A lab id: a DNS label (lowercase letters, digits and `-`, at most 63 characters), so that it
/// is a directory name, a word on the command line and a part of the progress key.
pub fn valid_lab_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 63
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// The Kubernetes version from which native sidecars (`restartPolicy: Always` on an init
/// container) are on by default (beta in 1.29, GA in 1.33).
pub const NATIVE_SIDECARS: MinorVersion = MinorVersion::new(1, 29);

/// A `when` must say something, and only what the check can be asked.
fn validate_when(when: &When, check: &Check) -> Result<(), String> {
    if when.phase.is_none() && when.container.is_none() {
        return Err("a hint's `when` names no condition".into());
    }
    if let Some(phase) = when.phase.as_deref().filter(|p| !PHASES.contains(p)) {
        return Err(format!("`{phase}` is not a pod phase ({})", PHASES.join(", ")));
    }
    if check.pod().is_none() {
        return Err("a hint's `when` is about a pod, but the check names no pod".into());
    }
    if when.container.is_some() && check.container().is_none() {
        return Err("a hint's `when` names a container state, but the check names no container".into());
    }
    Ok(())
}

/// A spec that could not be read: which file, which line if known, and why.
#[derive(Debug, Clone, thiserror::Error)]
pub struct SpecError {
    pub file: String,
    pub line: Option<usize>,
    /// Why, in English (serde's and the validation's words; for a refused file, `unreadable`'s).
    pub reason: String,
    /// Set when the file was refused unread (not a regular file, over its cap, not UTF-8, its
    /// YAML too large once expanded): why, said of the file in both languages.
    pub unreadable: Option<bounded::Unreadable>,
}

impl SpecError {
    pub fn new(file: &str, reason: String) -> SpecError {
        SpecError { file: file.to_string(), line: None, reason, unreadable: None }
    }

    /// `file` refused unread, for the reason `why`.
    pub fn unreadable(file: &str, why: bounded::Unreadable) -> SpecError {
        SpecError { unreadable: Some(why.clone()), ..SpecError::new(file, why.0.en) }
    }
}

impl fmt::Display for SpecError {
    /// `malformed lab spec FILE[:LINE]: REASON`, or `FILE REASON` for a file refused unread
    /// (`labs/a/lab.yaml is larger than the limit of 1 MiB`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.unreadable) {
            (_, Some(_)) => write!(f, "{} {}", self.file, self.reason),
            (Some(line), None) => write!(f, "malformed lab spec {}:{line}: {}", self.file, self.reason),
            (None, None) => write!(f, "malformed lab spec {}: {}", self.file, self.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of experiment 1.2's spec, as built in.
    fn real() -> &'static str {
        Labs::embedded_text("init-container").expect("the lab is built in")
    }

    #[test]
    fn embedded_spec_parses_and_names_the_records_steps() {
        let spec = LabSpec::embedded().expect("embedded spec");
        let numbers: Vec<u32> = spec.steps.iter().map(|s| s.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 7, 8, 6], "in the book's order: the cleanup comes last");
        assert_eq!(spec.namespace, "experiments");
        assert!(spec.pods().contains(&"init-demo"));
        assert!(spec.pods().contains(&"init-demo-fail"));
    }

    #[test]
    fn the_rbac_manifest_is_named_by_the_spec_and_exists() {
        let spec = LabSpec::embedded().unwrap();
        let rbac = spec.rbac.expect("the lab names its RBAC manifest");
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(&rbac);
        assert!(path.is_file(), "{} does not exist", path.display());
        let without = real().replacen(&format!("rbac: {rbac}\n"), "", 1);
        assert_eq!(LabSpec::parse(&without, "lab.yaml").unwrap().rbac, None, "rbac is optional");
        let empty = real().replacen(&format!("rbac: {rbac}"), "rbac: ''", 1);
        let err = LabSpec::parse(&empty, "lab.yaml").unwrap_err();
        assert!(err.reason.contains("rbac is empty"), "{err}");
    }

    #[test]
    fn unknown_field_is_reported_with_its_line() {
        let text = real().replacen("namespace: experiments", "namespace: experiments\nnamespaec: x", 1);
        let err = LabSpec::parse(&text, "lab.yaml").unwrap_err();
        assert!(err.line.is_some(), "{err}");
        assert!(err.to_string().contains("namespaec"), "{err}");
    }

    #[test]
    fn unknown_check_kind_is_rejected() {
        let text = real().replacen("kind: pod_exists", "kind: pod_exist", 1);
        let err = LabSpec::parse(&text, "lab.yaml").unwrap_err();
        assert!(err.to_string().contains("pod_exist"), "{err}");
        assert!(err.to_string().starts_with("malformed lab spec lab.yaml:"), "{err}");
    }

    #[test]
    fn duplicate_step_numbers_are_rejected() {
        let text = real().replacen("number: 2", "number: 1", 1);
        let err = LabSpec::parse(&text, "lab.yaml").unwrap_err();
        assert!(err.reason.contains("step number 1 is used twice"), "{err}");
    }

    /// A one-step spec around one expectation's `check:` (YAML flow or block, indented for it).
    fn with_check(check: &str) -> Result<LabSpec, SpecError> {
        let text = format!(
            "version: 1\nid: t\ntitle: {{zh: t, en: t}}\nnamespace: objects-lab\ngoals: []\nsteps:\n\
             - number: 1\n  id: s\n  title: {{zh: s, en: s}}\n  pending_hint: {{zh: p, en: p}}\n  expectations:\n\
             \x20 - id: e\n    description: {{zh: d, en: d}}\n    hint: {{zh: h, en: h}}\n    check:\n{check}"
        );
        LabSpec::parse(&text, "lab.yaml")
    }

    fn indent(yaml: &str) -> String {
        yaml.lines().map(|l| format!("      {l}\n")).collect()
    }

    #[test]
    fn generic_kinds_parse() {
        let spec = with_check(&indent(
            "kind: object\nselect: {apiVersion: apps/v1, kind: StatefulSet, name: web}\nmatch:\n  spec: {replicas: 2}\n  status: {readyReplicas: 2}",
        ))
        .unwrap();
        let check = &spec.steps[0].expectations[0].check;
        let Check::Object { select, expected, converges } = check else { panic!("{check:?}") };
        assert_eq!(select.group(), "apps");
        assert_eq!(select.describe(), "StatefulSet web");
        assert_eq!(expected["spec"]["replicas"], 2);
        assert!(!converges);
        assert_eq!(spec.steps[0].selects(), std::slice::from_ref(select));

        let spec = with_check(&indent(
            "kind: count\nselect: {apiVersion: v1, kind: Service, labels: {app.kubernetes.io/part-of: objects-lab}}\nop: \">=\"\nvalue: 2\nconverges: true",
        ))
        .unwrap();
        let Check::Count { select, op, value, converges } = &spec.steps[0].expectations[0].check else {
            panic!()
        };
        assert_eq!(
            (select.group(), select.label_selector().as_str()),
            ("", "app.kubernetes.io/part-of=objects-lab")
        );
        assert!(op.holds(3, *value) && !op.holds(1, *value) && *converges);

        let spec = with_check(&indent(
            "kind: event\nabout: {kind: Pod, name: web-2}\nreason: FailedScheduling\nmessage: 'Insufficient cpu'\ntype: Warning",
        ))
        .unwrap();
        assert_eq!(spec.steps[0].selects(), [Select::events()]);
        let Check::Event { absent, .. } = &spec.steps[0].expectations[0].check else { panic!() };
        assert!(!absent, "an event check expects the event unless it says `absent: true`");
        let spec = with_check(&indent(
            "kind: event\nabout: {kind: Pod, name: web-0}\nreason: BackOff\nabsent: true",
        ))
        .unwrap();
        assert!(matches!(&spec.steps[0].expectations[0].check, Check::Event { absent: true, .. }));

        let spec = with_check(&indent(
            "kind: order\nsequence:\n  - {name: web-0, moment: ready}\n  - {name: web-1, moment: created}\n  - {apiVersion: apps/v1, kind: StatefulSet, name: web, moment: created}",
        ))
        .unwrap();
        let Check::Order { sequence } = &spec.steps[0].expectations[0].check else { panic!() };
        assert_eq!((sequence[0].kind.as_str(), sequence[0].api_version.as_str()), ("Pod", "v1"));
        assert_eq!(sequence[1].at, MomentKind::Created);
        assert_eq!(spec.steps[0].selects().len(), 3);

        with_check(&indent("kind: absent\nselect: {apiVersion: v1, kind: Pod, labels: {app: web}}")).unwrap();
        // No object of the kind at all: neither a name nor labels.
        let spec = with_check(&indent("kind: absent\nselect: {apiVersion: v1, kind: Pod}")).unwrap();
        assert_eq!(spec.steps[0].selects()[0].describe(), "Pod");
        assert!(spec.steps[0].pods().is_empty());
    }

    #[test]
    fn a_step_looks_at_the_pods_its_generic_checks_name() {
        let pods = |check: &str| with_check(&indent(check)).unwrap().steps[0].pods().join(",");
        assert_eq!(pods("kind: object\nselect: {apiVersion: v1, kind: Pod, name: p}\nmatch: {a: 1}"), "p");
        assert_eq!(pods("kind: absent\nselect: {apiVersion: v1, kind: Pod, name: p}"), "p");
        assert_eq!(pods("kind: event\nabout: {kind: Pod, name: p}\nreason: BackOff"), "p");
        assert_eq!(
            pods(
                "kind: order\nsequence: [{name: a, moment: ready}, {apiVersion: apps/v1, kind: StatefulSet, name: s, moment: created}, {name: b, moment: created}]"
            ),
            "a,b"
        );
        // Not a pod, or no name: none.
        assert_eq!(
            pods("kind: object\nselect: {apiVersion: apps/v1, kind: StatefulSet, name: p}\nmatch: {a: 1}"),
            ""
        );
        assert_eq!(pods("kind: absent\nselect: {apiVersion: v1, kind: Pod, labels: {a: b}}"), "");
        assert_eq!(pods("kind: event\nabout: {kind: Node, name: n}\nreason: X"), "");
    }

    #[test]
    fn conditions_with_a_reason_and_qos_classes_parse_and_are_validated() {
        let spec = with_check(&indent(
            "kind: condition\npod: p\ncondition: PodScheduled\nstatus: 'False'\nreason: Unschedulable",
        ))
        .unwrap();
        let Check::Condition { reason, .. } = &spec.steps[0].expectations[0].check else { panic!() };
        assert_eq!(reason.as_deref(), Some("Unschedulable"));
        let spec = with_check(&indent("kind: condition\npod: p\ncondition: Ready\nstatus: 'True'")).unwrap();
        let Check::Condition { reason, .. } = &spec.steps[0].expectations[0].check else { panic!() };
        assert_eq!(*reason, None, "the reason is optional");
        let err =
            with_check(&indent("kind: condition\npod: p\ncondition: Ready\nstatus: 'True'\nreason: ' '"))
                .unwrap_err();
        assert!(err.reason.contains("`reason` is empty"), "{err}");

        let spec = with_check(&indent("kind: qos_class\npod: p\nclass: Burstable")).unwrap();
        let check = &spec.steps[0].expectations[0].check;
        assert_eq!(check, &Check::QosClass { pod: "p".into(), class: QosClass::Burstable });
        assert_eq!(check.pod(), Some("p"));
        let err = with_check(&indent("kind: qos_class\npod: p\nclass: burstable")).unwrap_err();
        assert!(err.to_string().contains("unknown variant `burstable`"), "{err}");
    }

    #[test]
    fn generic_kinds_are_validated() {
        let cases = [
            (
                "kind: object\nselect: {apiVersion: apps/v1, kind: StatefulSet}\nmatch: {spec: {}}",
                "needs a name or labels",
            ),
            (
                "kind: object\nselect: {apiVersion: apps/v1, kind: StatefulSet, name: web, labels: {a: b}}\nmatch: {spec: {}}",
                "not both",
            ),
            (
                "kind: object\nselect: {apiVersion: apps/v1, kind: StatefulSet, name: web}\nmatch: 3",
                "non-empty mapping",
            ),
            (
                "kind: object\nselect: {apiVersion: apps/v1, kind: StatefulSet, name: web}\nmatch: {}",
                "non-empty mapping",
            ),
            (
                "kind: absent\nselect: {apiVersion: apps, kind: StatefulSet, name: web}",
                "invalid apiVersion `apps`",
            ),
            (
                "kind: absent\nselect: {apiVersion: Apps/v1, kind: StatefulSet, name: web}",
                "invalid apiVersion",
            ),
            (
                "kind: absent\nselect: {apiVersion: apps/v01, kind: StatefulSet, name: web}",
                "invalid apiVersion",
            ),
            ("kind: absent\nselect: {apiVersion: apps/v1, kind: statefulset, name: web}", "invalid kind"),
            ("kind: absent\nselect: {apiVersion: v1, kind: Pod, labels: {'a b': c}}", "invalid label"),
            (
                "kind: count\nselect: {apiVersion: v1, kind: Service, name: web}\nop: '>='\nvalue: 1",
                "not by name",
            ),
            (
                "kind: count\nselect: {apiVersion: v1, kind: Service}\nop: '>'\nvalue: 1",
                "unknown variant `>`",
            ),
            ("kind: count\nselect: {apiVersion: v1, kind: Service}\nop: '>='\nvalue: -1", "value"),
            (
                "kind: event\nabout: {kind: Pod, name: web-2}\nreason: X\nmessage: 'Insufficient (cpu'",
                "not a valid regex",
            ),
            ("kind: event\nabout: {kind: Pod, name: web-2}\nreason: ''", "`reason` must not be empty"),
            (
                "kind: event\nabout: {kind: Pod, name: web-2}\nreason: X\ntype: Error",
                "unknown variant `Error`",
            ),
            ("kind: order\nsequence: [{name: web-0, moment: ready}]", "at least two"),
            (
                "kind: order\nsequence: [{name: a, moment: ready, container: c}, {name: b, moment: created}]",
                "only for `moment: started`",
            ),
            (
                "kind: order\nsequence: [{name: a, moment: scheduled}, {name: b, moment: created}]",
                "unknown variant `scheduled`",
            ),
            (
                "kind: object\nselect: {apiVersion: v1, kind: Pod, name: p}\nmatch: {a: 1}\nmatches: {}",
                "unknown field `matches`",
            ),
            (
                "kind: object\nselect: {apiVersion: v1, kind: Pod, name: p}\nmatch: {status: {containerStatuses: [{restartCount: {'>=': two}}]}}",
                "`match` at .status.containerStatuses[0].restartCount: `>=` compares with a number",
            ),
            (
                "kind: object\nselect: {apiVersion: v1, kind: Pod, name: p}\nmatch: {spec: {replicas: {'>': 1, name: x}}}",
                "only the operators >=, >, <=, <, not `name`",
            ),
            (
                "kind: object\nselect: {apiVersion: v1, kind: Pod, name: p}\nmatch: {'>=': 1}",
                "non-empty mapping",
            ),
        ];
        for (check, reason) in cases {
            let err = with_check(&indent(check)).expect_err(check);
            assert!(err.to_string().contains(reason), "{check}: {err}");
        }
        // Comparisons in place of scalars, alone or as a range.
        with_check(&indent(
            "kind: object\nselect: {apiVersion: v1, kind: Pod, name: p}\nmatch: {status: {containerStatuses: [{restartCount: {'>=': 2}}], x: {'>': 0, '<': 1.5}}}",
        ))
        .unwrap();
        let bounds = comparison(&serde_json::json!({">": 0, "<=": 3})).unwrap().unwrap();
        assert_eq!(bounds.iter().map(|(op, _)| op.symbol()).collect::<Vec<_>>(), ["≤", ">"]);
        assert!(comparison(&serde_json::json!({"name": "x"})).is_none());
        assert!(
            CompareOp::AtLeast.holds(std::cmp::Ordering::Equal)
                && !CompareOp::Below.holds(std::cmp::Ordering::Equal)
        );
        // A count of every Service, and a count of zero, are fine.
        with_check(&indent("kind: count\nselect: {apiVersion: v1, kind: Service}\nop: '=='\nvalue: 0"))
            .unwrap();
        for ok in ["v1", "apps/v1", "storage.k8s.io/v1", "events.k8s.io/v1beta1", "example.com/v2alpha1"] {
            assert!(valid_api_version(ok), "{ok}");
        }
        for bad in ["", "1", "v", "v1x", "/v1", "apps/", "apps/v1/x", "a_b/v1", "apps/v1beta"] {
            assert!(!valid_api_version(bad), "{bad}");
        }
    }

    #[test]
    fn a_sidecar_step_names_the_version_native_sidecars_need() {
        let spec = LabSpec::embedded().unwrap();
        assert_eq!(spec.step(5).unwrap().min_server_version, Some(NATIVE_SIDECARS));
        assert!(spec.steps.iter().filter(|s| s.number != 5).all(|s| s.min_server_version.is_none()));
        let without = real().replacen("    min_server_version: \"1.29\"\n", "", 1);
        let err = LabSpec::parse(&without, "lab.yaml").unwrap_err();
        assert!(err.reason.contains("native sidecar, which needs Kubernetes 1.29"), "{err}");
        let older = real().replacen("min_server_version: \"1.29\"", "min_server_version: \"1.28\"", 1);
        assert!(LabSpec::parse(&older, "lab.yaml").is_err());
        let unquoted = real().replacen("min_server_version: \"1.29\"", "min_server_version: 1.30", 1);
        let err = LabSpec::parse(&unquoted, "lab.yaml").unwrap_err();
        assert!(err.reason.contains("quote it"), "{err}");
    }

    #[test]
    fn next_steps_chapters_and_the_steps_that_create_pods() {
        let spec = LabSpec::embedded().unwrap();
        assert_eq!(spec.next_step(1).map(|s| s.number), Some(2));
        assert_eq!(spec.next_step(6).map(|s| s.number), None);
        assert_eq!(spec.creating_step("init-demo").map(|s| s.number), Some(1));
        assert_eq!(spec.creating_step("sidecar-demo").map(|s| s.number), Some(5));
        assert!(spec.steps.iter().all(|s| s.chapter.is_some()), "every step names its chapter");
    }

    #[test]
    fn causes_and_observed_hints_are_validated() {
        let spec = LabSpec::embedded().unwrap();
        let phase = &spec.step(3).unwrap().expectations.iter().find(|e| e.id == "phase-pending").unwrap();
        assert_eq!(phase.hints[0].when.phase.as_deref(), Some("Failed"));
        assert!(spec.step(1).unwrap().causes.contains_key(&CauseKind::ImagePull));

        let progressing =
            real().replacen("    causes:\n      image_pull:", "    causes:\n      progressing:", 1);
        let err = LabSpec::parse(&progressing, "lab.yaml").unwrap_err();
        assert!(err.reason.contains("`progressing` takes no words of its own"), "{err}");
        let unknown = real().replacen("      image_pull:", "      image_pul:", 1);
        assert!(LabSpec::parse(&unknown, "lab.yaml").unwrap_err().to_string().contains("image_pul"));
        let bad_phase = real().replacen("- when: { phase: Failed }", "- when: { phase: Crashed }", 1);
        let err = LabSpec::parse(&bad_phase, "lab.yaml").unwrap_err();
        assert!(err.reason.contains("`Crashed` is not a pod phase"), "{err}");
        let empty = real().replacen("- when: { phase: Failed }", "- when: {}", 1);
        assert!(LabSpec::parse(&empty, "lab.yaml").unwrap_err().reason.contains("names no condition"));
    }

    #[test]
    fn report_tables_parse_and_are_validated() {
        let spec = Labs::embedded().unwrap().get("restart-policy").unwrap().spec.clone();
        let table = &spec.report[0];
        assert_eq!((table.rows.len(), table.columns.len()), (3, 3));
        assert_eq!(table.rows[2].pods[1], "rp-always-exits-0");
        assert!(spec.pods().contains(&"rp-always-exits-0"), "a table's pods are the lab's");

        let with_table = |table: &str| {
            let text =
                format!("{}\nreport:\n  - {{id: t, title: {{zh: 表, en: t}}, {table}}}\n", real().trim_end());
            LabSpec::parse(&text, "lab.yaml")
        };
        let column = "{zh: 列, en: c}";
        with_table(&format!("columns: [{column}], rows: [{{title: {{zh: 行, en: r}}, pods: [init-demo]}}]"))
            .unwrap();
        for (table, reason) in [
            ("columns: [], rows: [{title: {zh: 行, en: r}, pods: []}]".to_string(), "`columns` is empty"),
            (format!("columns: [{column}], rows: []"), "`rows` is empty"),
            (
                format!("columns: [{column}], rows: [{{title: {{zh: 行, en: r}}, pods: [a, b]}}]"),
                "rows[0] names 2 pods for 1 columns",
            ),
            (
                format!("columns: [{column}], rows: [{{title: {{zh: 行, en: r}}, pods: [A_b]}}]"),
                "`A_b` is not a pod name",
            ),
            (
                format!("columns: [{column}], rows: [{{title: {{zh: 行, en: r}}, pods: [a]}}], colums: []"),
                "unknown field `colums`",
            ),
        ] {
            let err = with_table(&table).expect_err(&table);
            assert!(err.to_string().contains(reason), "{table}: {err}");
        }
    }

    #[test]
    fn requirements_parse_and_are_named_once() {
        let statefulset = Labs::embedded_text("statefulset").expect("the lab is built in");
        let spec = LabSpec::parse(statefulset, "lab.yaml").unwrap();
        assert_eq!(spec.requires, [Requirement::DefaultStorageClass]);
        assert!(LabSpec::embedded().unwrap().requires.is_empty(), "experiment 1.2 claims no volume");
        let twice = statefulset.replacen(
            "requires: [default_storage_class]",
            "requires: [default_storage_class, default_storage_class]",
            1,
        );
        let err = LabSpec::parse(&twice, "lab.yaml").unwrap_err();
        assert!(err.reason.contains("the same requirement twice"), "{err}");
        let unknown = statefulset.replacen("requires: [default_storage_class]", "requires: [ingress]", 1);
        let err = LabSpec::parse(&unknown, "lab.yaml").unwrap_err();
        assert!(err.to_string().contains("unknown variant `ingress`"), "{err}");
    }

    #[test]
    fn wrong_version_is_rejected() {
        let text = real().replacen("version: 1", "version: 99", 1);
        let err = LabSpec::parse(&text, "lab.yaml").unwrap_err();
        assert!(err.reason.contains("unsupported spec version 99"), "{err}");
    }
}
