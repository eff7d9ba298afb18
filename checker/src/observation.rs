//! What the checker saw of the lab's namespace: pods, container logs, events, and the objects of
//! any kind that the generic checks select.
//!
//! An [`Observation`] is the only input of the pure evaluation. It comes from the cluster (the
//! `cluster` module) or from a file (`--from FILE`): a Pod, a `v1 List`/`PodList` exactly as
//! `kubectl get pods -o yaml` (or `kubectl get sts,svc,pods -o yaml`) prints it, or a
//! [`Snapshot`] written by `checker snapshot`.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Pod};
use lab_spec::Select;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::{input, msg};

/// Everything the evaluation may look at.
#[derive(Debug, Clone)]
pub struct Observation {
    pub namespace: String,
    /// Whether the namespace exists; `None` when unknown (a file, or no permission to ask).
    pub namespace_exists: Option<bool>,
    /// The pods found (only the lab's pods, or all pods of a file).
    pub pods: Vec<Pod>,
    /// Container logs; `None` when the source has no logs at all (a plain pod list), so that log
    /// expectations are reported as not verifiable instead of failed.
    pub logs: Option<Logs>,
    pub events: Vec<Event>,
    /// Pages read through the pod proxy, by pod; `None` when the source has none (a file).
    pub pages: Option<Pages>,
    /// The API server's version (`v1.31.0`), when a check needs it.
    pub server_version: Option<String>,
    /// The objects of any kind read for the generic checks, and what each read answered.
    pub objects: Objects,
    /// When the observation was made: the reference for ages and "running for N seconds".
    pub at: Timestamp,
}

impl Observation {
    pub fn pod(&self, name: &str) -> Option<&Pod> {
        self.pods.iter().find(|p| p.metadata.name.as_deref() == Some(name))
    }
}

/// The objects read for the generic checks (`object`, `absent`, `count`, `order`): each read
/// (what was asked, and whether the API server refused it) and every object found, in wire
/// format with `apiVersion` and `kind`.
///
/// The reads tell "read and not there" (an object check fails, an absent check passes) from
/// "not read" (a file without such objects: not verifiable).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Objects {
    #[serde(default)]
    pub reads: Vec<Read>,
    #[serde(default)]
    pub items: Vec<Value>,
}

/// One read of objects: by apiVersion and kind, in a namespace (none for cluster-scoped kinds),
/// by name, by labels, or all of the kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Read {
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Why nothing was read, if the API server did not answer with objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ReadError>,
    /// The list was cut at a limit: the objects are the first ones only (the nodes of a large
    /// cluster).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
}

/// Why a read gave no objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReadError {
    /// 401/403: a permission to grant; the message is the API server's.
    Forbidden(String),
    /// The cluster does not serve this apiVersion and kind (no such group, version or kind in
    /// discovery: an older cluster, or a CRD not installed).
    NotServed,
}

/// What [`Objects::select`] found for a selection.
#[derive(Debug, Clone, PartialEq)]
pub enum Selected<'a> {
    /// Read: these objects, possibly none.
    Found(Vec<&'a Value>),
    /// The read failed.
    Failed(&'a ReadError),
    /// Never read (a file without these objects).
    NotRead,
}

impl Read {
    /// A read of exactly this selection.
    pub fn of(select: &Select, namespace: Option<&str>) -> Read {
        Read {
            api_version: select.api_version.clone(),
            kind: select.kind.clone(),
            namespace: namespace.map(str::to_string),
            name: select.name.clone(),
            labels: select.labels.clone(),
            error: None,
            more: false,
        }
    }

    /// Whether this read saw every object the selection can match.
    fn covers(&self, select: &Select) -> bool {
        self.api_version == select.api_version
            && self.kind == select.kind
            && ((self.name.is_none() && self.labels.is_empty())
                || (self.name == select.name && self.labels == select.labels))
    }
}

impl Objects {
    /// The read that saw a selection's objects, if any.
    pub fn read_of(&self, select: &Select) -> Option<&Read> {
        self.reads.iter().find(|r| r.covers(select))
    }

    /// The objects of a selection, as the reads found them.
    pub fn select(&self, select: &Select) -> Selected<'_> {
        let Some(read) = self.read_of(select) else {
            return Selected::NotRead;
        };
        if let Some(error) = &read.error {
            return Selected::Failed(error);
        }
        let text =
            |object: &Value, pointer: &str| object.pointer(pointer).and_then(Value::as_str).map(String::from);
        let found = self
            .items
            .iter()
            .filter(|o| text(o, "/apiVersion").as_deref() == Some(select.api_version.as_str()))
            .filter(|o| text(o, "/kind").as_deref() == Some(select.kind.as_str()))
            .filter(|o| read.namespace.is_none() || text(o, "/metadata/namespace") == read.namespace)
            .filter(|o| select.name.is_none() || text(o, "/metadata/name") == select.name)
            .filter(|o| {
                select.labels.iter().all(|(k, v)| {
                    o.pointer("/metadata/labels").and_then(|l| l.get(k)).and_then(Value::as_str) == Some(v)
                })
            })
            .collect();
        Selected::Found(found)
    }

    /// Adds an object unless one with the same apiVersion, kind, namespace and name is there.
    pub fn add(&mut self, object: Value) {
        let key = |o: &Value| {
            ["/apiVersion", "/kind", "/metadata/namespace", "/metadata/name"]
                .map(|p| o.pointer(p).and_then(Value::as_str).unwrap_or("").to_string())
        };
        let new = key(&object);
        if !self.items.iter().any(|o| key(o) == new) {
            self.items.push(object);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.reads.is_empty() && self.items.is_empty()
    }
}

/// Logs by pod, then by container.
pub type Logs = BTreeMap<String, BTreeMap<String, ContainerLog>>;

/// Pages by pod, then by path.
pub type Pages = BTreeMap<String, BTreeMap<String, Page>>;

/// What the API server's pod proxy answered for a page.
///
/// The API server speaks for itself with a `Status` object in JSON; whatever else comes back is
/// the pod's own answer, which the proxy passes on unchanged (status code, content type, body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "result")]
pub enum Page {
    /// 2xx: the page the pod serves.
    Served { body: String },
    /// The API server refused us the proxy (its own 401/403 `Status`): a permission to grant.
    Forbidden { message: String },
    /// The pod itself answered with another status than 2xx, e.g. nginx's own `403 Forbidden`
    /// page for a directory without `index.html`, or a 404.
    PodAnswered {
        code: u16,
        #[serde(rename = "contentType", default)]
        content_type: String,
        body: String,
    },
    /// The API server could not get an answer from the pod (its own `Status`, e.g. 503 "error
    /// trying to reach service: ... connection refused" while nothing listens).
    Failed { code: u16, message: String },
}

/// A container's log: of its current instance and, after a restart, of the previous one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerLog {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

impl ContainerLog {
    /// Both logs, previous first, as one text to search.
    pub fn text(&self) -> String {
        [self.previous.as_deref(), self.current.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n")
    }
}

pub const SNAPSHOT_API_VERSION: &str = "checker.k8s-lab.dev/v1";
pub const SNAPSHOT_KIND: &str = "Snapshot";

/// The file `checker snapshot` writes: one observation of the lab's namespace, to evaluate later
/// with `--from` (or to attach to a question in a forum).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Snapshot {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub taken_at: Timestamp,
    /// The kube context it was taken from, for the reader.
    #[serde(default)]
    pub context: Option<String>,
    pub pods: Vec<Pod>,
    #[serde(default)]
    pub logs: Logs,
    #[serde(default)]
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Pages::is_empty")]
    pub pages: Pages,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// The objects of the generic checks (absent from snapshots of older checkers).
    #[serde(default, skip_serializing_if = "Objects::is_empty")]
    pub objects: Objects,
}

impl Snapshot {
    pub fn new(observation: &Observation, context: Option<String>) -> Snapshot {
        Snapshot {
            api_version: SNAPSHOT_API_VERSION.into(),
            kind: SNAPSHOT_KIND.into(),
            namespace: observation.namespace.clone(),
            taken_at: observation.at,
            context,
            pods: observation.pods.clone(),
            logs: observation.logs.clone().unwrap_or_default(),
            events: observation.events.clone(),
            pages: observation.pages.clone().unwrap_or_default(),
            server_version: observation.server_version.clone(),
            objects: observation.objects.clone(),
        }
    }
}

/// Reads a saved state: a Pod, a `List`/`PodList` of pods, or a checker snapshot, in YAML or JSON.
///
/// `namespace` is the namespace asked for on the command line; pods of other namespaces in the
/// file are left out, as the cluster would. The file is read with [`input::read_text`] and its
/// YAML checked against [`input::SAVED_STATE_YAML`] first.
pub fn load_file(path: &Path, namespace: &str, now: Timestamp) -> Result<Observation> {
    let text = input::read_text(path, input::SAVED_STATE_LIMIT)?;
    parse(text, path, namespace, now)
}

/// A saved state's text, as read by [`load_file`] (`path` names it in errors).
pub fn parse(text: String, path: &Path, namespace: &str, now: Timestamp) -> Result<Observation> {
    let shown = path.display();
    input::check_saved_state(&text, path)?;
    let value: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| {
        let at = e.location().map(|l| format!(":{}", l.line())).unwrap_or_default();
        let e = e.to_string();
        let e = e.lines().next().unwrap_or_default();
        Error::Input(msg!("文件格式有误 {shown}{at}：{e}", "malformed file {shown}{at}: {e}"))
    })?;
    drop(text);
    let kind = value.get("kind").and_then(|k| k.as_str()).unwrap_or("").to_string();
    let kind = kind.as_str();
    let invalid = |what: &str, e: serde_yaml::Error| {
        Error::Input(msg!("{shown} 中的 {what} 格式有误：{e}", "malformed {what} in {shown}: {e}"))
    };

    let mut pages = None;
    let mut server_version = None;
    let objects;
    let (pods, logs, events, at, file_namespace) = match kind {
        "Pod" => {
            objects = file_objects(&[&value], namespace, true);
            let pod: Pod = serde_yaml::from_value(value).map_err(|e| invalid("Pod", e))?;
            (vec![pod], None, Vec::new(), now, None)
        }
        "List" | "PodList" => {
            let items = match value {
                serde_yaml::Value::Mapping(mut map) => map.remove("items"),
                _ => None,
            };
            let serde_yaml::Value::Sequence(mut items) = items.unwrap_or(serde_yaml::Value::Sequence(vec![]))
            else {
                return Err(Error::Input(msg!(
                    "{shown} 中的 {kind} 格式有误：items 不是列表",
                    "malformed {kind} in {shown}: items is not a list"
                )));
            };
            // In a PodList the items carry no kind; in a v1 List every item says what it is.
            if kind == "PodList" {
                for item in &mut items {
                    if let serde_yaml::Value::Mapping(fields) = item {
                        fields.entry("apiVersion".into()).or_insert("v1".into());
                        fields.entry("kind".into()).or_insert("Pod".into());
                    }
                }
            }
            objects = file_objects(&items.iter().collect::<Vec<_>>(), namespace, false);
            let mut pods = Vec::new();
            for item in items {
                let item_kind = item.get("kind").and_then(|k| k.as_str()).unwrap_or("Pod");
                let item_version = item.get("apiVersion").and_then(|k| k.as_str()).unwrap_or("v1");
                if item_kind != "Pod" || item_version != "v1" {
                    continue;
                }
                pods.push(serde_yaml::from_value(item).map_err(|e| invalid("Pod", e))?);
            }
            (pods, None, Vec::new(), now, None)
        }
        SNAPSHOT_KIND => {
            let snapshot: Snapshot = serde_yaml::from_value(value).map_err(|e| invalid("snapshot", e))?;
            if snapshot.api_version != SNAPSHOT_API_VERSION {
                let found = &snapshot.api_version;
                return Err(Error::Input(msg!(
                    "{shown}：不支持的快照 apiVersion {found}（应为 {SNAPSHOT_API_VERSION}）",
                    "{shown}: unsupported snapshot apiVersion {found} (expected {SNAPSHOT_API_VERSION})"
                )));
            }
            let ns = Some(snapshot.namespace);
            pages = Some(snapshot.pages);
            server_version = snapshot.server_version;
            objects = snapshot.objects;
            (snapshot.pods, Some(snapshot.logs), snapshot.events, snapshot.taken_at, ns)
        }
        "" => {
            return Err(Error::Input(msg!(
                "{shown} 没有 `kind`：应为 Pod、Pod 的 List 或 checker 快照",
                "{shown} has no `kind`: expected a Pod, a List of pods or a checker snapshot"
            )));
        }
        other => {
            return Err(Error::Input(msg!(
                "{shown} 中是 {other}：应为 Pod、Pod 的 List 或 checker 快照",
                "{shown} holds a {other}: expected a Pod, a List of pods or a checker snapshot"
            )));
        }
    };

    let in_namespace = |pod: &Pod| pod.metadata.namespace.as_deref().is_none_or(|ns| ns == namespace);
    let pods: Vec<Pod> = pods.into_iter().filter(in_namespace).collect();
    let namespace_exists = match file_namespace {
        Some(ns) if ns == namespace => Some(true),
        _ => None,
    };
    Ok(Observation {
        namespace: namespace.to_string(),
        namespace_exists,
        pods,
        logs,
        events,
        pages,
        server_version,
        objects,
        at,
    })
}

/// The objects of a file (`kubectl get … -o yaml`) for the generic checks: those in `namespace`
/// or cluster-scoped, and a read of every apiVersion and kind present (of the one object, for a
/// file holding one), so that an object the file lacks counts as absent only when the file
/// holds others of its kind.
fn file_objects(items: &[&serde_yaml::Value], namespace: &str, single: bool) -> Objects {
    let mut objects = Objects::default();
    for item in items {
        let Ok(object) = serde_json::to_value(item) else { continue };
        let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).map(String::from);
        let (Some(api_version), Some(kind)) = (text("/apiVersion"), text("/kind")) else { continue };
        if text("/metadata/namespace").is_some_and(|ns| ns != namespace) {
            continue;
        }
        let name = if single { text("/metadata/name") } else { None };
        let read = Read {
            api_version,
            kind,
            namespace: None,
            name,
            labels: BTreeMap::new(),
            error: None,
            more: false,
        };
        if !objects.reads.contains(&read) {
            objects.reads.push(read);
        }
        objects.add(object);
    }
    objects
}

/// Property tests of the file-input path: whatever the bytes, `--from` ends in an observation or
/// one error line, within the limits, and what it yields renders without a panic or a raw control
/// character. Bounded to run in CI in seconds; `fuzz/` runs the same path for hours.
#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    fn now() -> Timestamp {
        "2026-11-20T10:05:00Z".parse().unwrap()
    }

    /// Every step of the lab evaluated and rendered, as `step N` and `status` would.
    fn render_everything(obs: &Observation) {
        let spec = lab_spec::LabSpec::embedded().unwrap();
        for step in &spec.steps {
            for lang in [lab_spec::Lang::Zh, lab_spec::Lang::En] {
                let report = crate::evaluate::evaluate(&spec, step, obs, lang);
                let text = crate::report::step_text(&report, lang);
                let plain: String = strip_our_colours(&text);
                assert!(!plain.contains('\u{1b}') && !plain.contains('\r'), "{plain:?}");
                crate::report::to_json(&crate::report::StepJson::new(&report));
            }
        }
        let rows: Vec<_> = obs.pods.iter().map(|p| crate::status::pod_row(p, obs.at)).collect();
        crate::report::pods_table(&rows);
    }

    /// The text without the colour codes the renderer writes itself (`ESC[…m`).
    fn strip_our_colours(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("\u{1b}[") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            match after.find('m') {
                Some(end) if after[..end].chars().all(|c| c.is_ascii_digit() || c == ';') => {
                    rest = &after[end + 1..]
                }
                _ => {
                    out.push('\u{1b}');
                    rest = &rest[i + 1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn load(text: String) -> Result<Observation> {
        parse(text, Path::new("state.yaml"), "experiments", now())
    }

    /// YAML made of the lab's own words, nested, with anchors and aliases.
    fn yaml_node() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("~".to_string()),
            Just("Pod".to_string()),
            Just("init-demo".to_string()),
            Just("\"\\e[2J\\r\\nforged\"".to_string()),
            Just("2026-11-20T10:00:02Z".to_string()),
            Just("*a".to_string()),
            "-?[0-9]{1,20}",
            "[a-zA-Z:-]{0,12}",
        ];
        let keys = prop_oneof![
            Just("kind"),
            Just("metadata"),
            Just("name"),
            Just("namespace"),
            Just("status"),
            Just("spec"),
            Just("containers"),
            Just("initContainers"),
            Just("containerStatuses"),
            Just("initContainerStatuses"),
            Just("state"),
            Just("waiting"),
            Just("terminated"),
            Just("running"),
            Just("reason"),
            Just("message"),
            Just("startedAt"),
            Just("finishedAt"),
            Just("exitCode"),
            Just("restartCount"),
            Just("items"),
            Just("phase"),
            Just("conditions"),
            Just("type"),
            Just("image"),
            Just("creationTimestamp"),
        ];
        leaf.prop_recursive(6, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|items| format!("[{}]", items.join(", "))),
                prop::collection::vec((keys.clone(), inner.clone()), 0..6).prop_map(|pairs| {
                    let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    format!("{{{}}}", body.join(", "))
                }),
                inner.prop_map(|v| format!("&a {v}")),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if let Ok(obs) = load(text) {
                render_everything(&obs);
            }
        }

        #[test]
        fn generated_documents_never_panic(kind in prop_oneof![Just("Pod"), Just("List"), Just("PodList"), Just("Snapshot")],
                                            body in prop::collection::vec(yaml_node(), 0..4)) {
            let mut text = format!("kind: {kind}\napiVersion: {SNAPSHOT_API_VERSION}\nnamespace: experiments\ntakenAt: 2026-11-20T10:05:00Z\n");
            let keys = ["metadata", "spec", "status", "items", "pods"];
            for (key, value) in keys.iter().zip(&body) {
                text.push_str(&format!("{key}: {value}\n"));
            }
            match load(text) {
                Ok(obs) => render_everything(&obs),
                Err(e) => prop_assert!(!e.text(lab_spec::Lang::En).contains('\n')),
            }
        }

        #[test]
        fn real_pods_with_hostile_strings_render_safely(message in "\\PC{0,40}[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}]\\PC{0,40}") {
            let fixture = crate::fixtures::pod("init-demo-image-pull-backoff");
            let mut value = serde_json::to_value(&fixture).unwrap();
            value["status"]["initContainerStatuses"][0]["state"]["waiting"]["message"] = serde_json::Value::String(message);
            value["metadata"]["name"] = serde_json::Value::String("init-demo".into());
            // As `checker snapshot` writes it: YAML escapes what YAML may not hold raw.
            let obs = load(serde_yaml::to_string(&value).unwrap()).unwrap();
            render_everything(&obs);
        }
    }
}
