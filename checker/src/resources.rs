//! What a pod asks of a node, computed from its spec as the scheduler computes it, its QoS class
//! as the API server computes it, and what the nodes can allocate.
//!
//! The scheduler does not add up every container. Init containers run one at a time before the
//! app containers, so a pod needs, per resource, the larger of:
//!
//! - the init phase's peak: the largest "use" of an init container, which is its own request
//!   plus those of the sidecars (init containers with `restartPolicy: Always`) started before it
//!   (a sidecar's own use is the sum of the sidecars up to and including it);
//! - the app phase: the sum of the app containers and of every sidecar.
//!
//! Pod-level `spec.resources` (the `PodLevelResources` feature) replace the containers' total
//! for cpu, memory and huge pages; `spec.overhead` (set from a RuntimeClass) is added on top.
//! Limits are aggregated the same way, the overhead added only to limits that are set. This is
//! `PodRequests`/`PodLimits` of kubernetes/kubernetes `staging/src/k8s.io/component-helpers/
//! resource/helpers.go` (before v1.31, `pkg/api/v1/resource/helpers.go`), reading the spec only
//! (the pod-resize status fields are ignored).
//!
//! The QoS class follows `ComputePodQOS` of `pkg/apis/core/helper/qos/qos.go`: every container,
//! init containers included, must set cpu and memory limits, and the summed requests must equal
//! the summed limits, for `Guaranteed`; no cpu or memory request or limit anywhere is
//! `BestEffort`; anything else is `Burstable`.
//!
//! Pure: a Pod (or a Node as JSON) in, numbers out. Quantities are exact ([`Amount`]).

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::{Container, Pod, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use lab_spec::{Lang, Select};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::i18n::tr;
use crate::observation::{Objects, ReadError, Selected};

/// An exact quantity in billionths of its unit: `resource.Quantity` keeps nine decimal places
/// and rounds anything finer up, and so does [`Amount::parse`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(i128);

/// Nanos per unit.
const NANO: i128 = 1_000_000_000;
/// At most this many characters are read as a quantity (the API server's are far shorter).
const MAX_QUANTITY_LEN: usize = 64;

impl Amount {
    pub const ZERO: Amount = Amount(0);

    /// Parses a Kubernetes quantity: `100m`, `1`, `1.5`, `64Mi`, `2G`, `1e3`, `+5`. `None` for
    /// anything else (the API server stores only valid ones).
    pub fn parse(text: &str) -> Option<Amount> {
        if text.is_empty() || text.len() > MAX_QUANTITY_LEN {
            return None;
        }
        let (negative, rest) = match text.as_bytes()[0] {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let number_len = rest.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(number_len);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
            return None;
        }
        let digits: i128 = format!("{whole}{fraction}").parse().ok()?;
        let scale = fraction.len() as i32;
        let nanos = match binary_power(suffix) {
            Some(power) => scaled(digits.checked_mul(1i128.checked_shl(power)?)?, 9 - scale)?,
            None => scaled(digits, decimal_exponent(suffix)? + 9 - scale)?,
        };
        Some(Amount(if negative { -nanos } else { nanos }))
    }

    /// The value in thousandths, rounded up (`MilliValue`): what the scheduler compares for cpu.
    pub fn millis(self) -> i128 {
        ceil_div(self.0, 1_000_000)
    }

    /// The value in units, rounded up (`Value`): bytes for memory.
    pub fn units(self) -> i128 {
        ceil_div(self.0, NANO)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    fn add(self, other: Amount) -> Amount {
        Amount(self.0.saturating_add(other.0))
    }

    /// How the amount reads for a resource: cpu in cores or millicores (`2`, `250m`), memory
    /// and storage with a binary or decimal suffix when exact (`64Mi`, `1G`), counts as numbers.
    pub fn show(self, resource: &str) -> String {
        if resource == "cpu" {
            let millis = self.millis();
            return match millis % 1000 {
                0 => (millis / 1000).to_string(),
                _ => format!("{millis}m"),
            };
        }
        if self.0 % NANO != 0 {
            return match self.0 % 1_000_000 {
                0 => format!("{}m", self.millis()),
                _ => format!("{}n", self.0),
            };
        }
        let value = self.0 / NANO;
        if !is_bytes(resource) || value == 0 {
            return value.to_string();
        }
        for (suffix, power) in BINARY.iter().rev() {
            let unit = 1i128 << power;
            if value % unit == 0 {
                return format!("{}{suffix}", value / unit);
            }
        }
        for (suffix, exponent) in DECIMAL.iter().rev().filter(|(_, e)| *e >= 3) {
            let unit = 10i128.pow(*exponent as u32);
            if value % unit == 0 {
                return format!("{}{suffix}", value / unit);
            }
        }
        value.to_string()
    }
}

const BINARY: [(&str, u32); 6] = [("Ki", 10), ("Mi", 20), ("Gi", 30), ("Ti", 40), ("Pi", 50), ("Ei", 60)];
const DECIMAL: [(&str, i32); 9] =
    [("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15)];

fn binary_power(suffix: &str) -> Option<u32> {
    BINARY.iter().find(|(s, _)| *s == suffix).map(|(_, p)| *p)
}

/// The power of ten of a decimal suffix: an SI prefix (`E` is exa), or `e`/`E` and an integer.
fn decimal_exponent(suffix: &str) -> Option<i32> {
    if suffix == "E" {
        return Some(18);
    }
    if let Some((_, exponent)) = DECIMAL.iter().find(|(s, _)| *s == suffix) {
        return Some(*exponent);
    }
    let exponent = suffix.strip_prefix(['e', 'E'])?;
    let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    if digits.is_empty() || digits.len() > 3 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    exponent.parse().ok()
}

/// `value × 10^exponent`, rounded up when the exponent is negative; `None` on overflow.
fn scaled(value: i128, exponent: i32) -> Option<i128> {
    if exponent >= 0 {
        value.checked_mul(10i128.checked_pow(exponent as u32)?)
    } else {
        match 10i128.checked_pow(exponent.unsigned_abs()) {
            Some(divisor) => Some(ceil_div(value, divisor)),
            None => Some(i128::from(value > 0)),
        }
    }
}

fn ceil_div(value: i128, divisor: i128) -> i128 {
    let quotient = value / divisor;
    if value % divisor > 0 { quotient + 1 } else { quotient }
}

/// Resources counted in bytes.
fn is_bytes(resource: &str) -> bool {
    matches!(resource, "memory" | "ephemeral-storage" | "storage") || resource.starts_with("hugepages-")
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.show(""))
    }
}

/// Amounts by resource name (`cpu`, `memory`, `nvidia.com/gpu`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amounts(pub BTreeMap<String, Amount>);

impl Amounts {
    /// A spec's resource list; quantities that do not parse are left out.
    pub fn of(list: Option<&BTreeMap<String, Quantity>>) -> Amounts {
        Amounts(
            list.into_iter()
                .flatten()
                .filter_map(|(name, q)| Amount::parse(&q.0).map(|a| (name.clone(), a)))
                .collect(),
        )
    }

    pub fn get(&self, resource: &str) -> Option<Amount> {
        self.0.get(resource).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `addResourceList`.
    fn add(&mut self, other: &Amounts) {
        for (name, amount) in &other.0 {
            let sum = self.0.get(name).copied().unwrap_or_default().add(*amount);
            self.0.insert(name.clone(), sum);
        }
    }

    /// `maxResourceList`: the larger of the two, for every resource of `other`.
    fn max(&mut self, other: &Amounts) {
        for (name, amount) in &other.0 {
            if self.0.get(name).is_none_or(|current| amount > current) {
                self.0.insert(name.clone(), *amount);
            }
        }
    }

    /// The resources in reading order: cpu, memory, then the others by name.
    pub fn names(lists: &[&Amounts]) -> Vec<String> {
        let mut names: Vec<String> = lists.iter().flat_map(|l| l.0.keys().cloned()).collect();
        names.sort_by_key(|n| (rank(n), n.clone()));
        names.dedup();
        names
    }
}

fn rank(resource: &str) -> u8 {
    match resource {
        "cpu" => 0,
        "memory" => 1,
        _ => 2,
    }
}

impl Serialize for Amounts {
    /// As the API shows quantities: `{"cpu": "250m", "memory": "64Mi"}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, amount)| (name, amount.show(name))))
    }
}

impl<'de> Deserialize<'de> for Amounts {
    /// The quantities as [`Serialize`] writes them (a record in the progress file).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Amounts, D::Error> {
        let shown = BTreeMap::<String, String>::deserialize(deserializer)?;
        let mut amounts = BTreeMap::new();
        for (name, text) in shown {
            let amount = Amount::parse(&text)
                .ok_or_else(|| serde::de::Error::custom(format!("{name}: not a quantity: {text:?}")))?;
            amounts.insert(name, amount);
        }
        Ok(Amounts(amounts))
    }
}

/// What a container runs as, for the resource rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A regular init container: runs to completion before the next one starts.
    Init,
    /// An init container with `restartPolicy: Always`: keeps running beside the app.
    Sidecar,
    /// An app container (`spec.containers`).
    App,
}

/// One container's requests and limits, as its spec says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerResources {
    pub name: String,
    pub role: Role,
    pub requests: Amounts,
    pub limits: Amounts,
}

/// Requests and limits side by side.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub requests: Amounts,
    pub limits: Amounts,
}

/// The QoS class and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Qos {
    /// The class computed from the spec.
    pub class: String,
    /// `status.qosClass`, as the API server set it when it created the pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub why: QosWhy,
}

/// Why a pod has its QoS class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum QosWhy {
    /// No container sets a cpu or memory request or limit.
    NothingSet,
    /// These containers do not set both a cpu and a memory limit (init containers count).
    LimitsMissing { containers: Vec<ContainerRef> },
    /// Every container sets both limits, but the requests of this resource (summed over the
    /// containers) differ from its limits.
    RequestsBelowLimits { resource: String },
    /// Every container sets cpu and memory limits equal to its requests.
    AllEqual,
    /// The pod sets pod-level resources, which decide (the `PodLevelResources` feature).
    PodLevel,
}

/// A container by name and role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerRef {
    pub name: String,
    pub role: Role,
}

/// A pod's resources: each container's, the two phases, and what the scheduler reserves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodResources {
    pub pod: String,
    pub containers: Vec<ContainerResources>,
    /// The init phase's peak, per resource: the largest use of an init container (its own
    /// plus the sidecars before it).
    pub init: Totals,
    /// The init container whose use is the init phase's peak, per resource (of the requests).
    pub init_peak: BTreeMap<String, String>,
    /// The app phase: the app containers and every sidecar, summed.
    pub app: Totals,
    /// `spec.resources`, when the pod sets pod-level resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_level: Option<Totals>,
    /// `spec.overhead` (from a RuntimeClass), added to the requests and the limits set.
    #[serde(default, skip_serializing_if = "Amounts::is_empty")]
    pub overhead: Amounts,
    /// What the scheduler reserves (requests) and the pod's limits.
    pub effective: Totals,
    pub qos: Qos,
}

/// Whether the pod's spec sets any request, limit or overhead: a pod worth the resource table.
pub fn declares(pod: &Pod) -> bool {
    let Some(spec) = pod.spec.as_ref() else { return false };
    let set = |r: Option<&ResourceRequirements>| {
        r.is_some_and(|r| {
            r.requests.as_ref().is_some_and(|m| !m.is_empty())
                || r.limits.as_ref().is_some_and(|m| !m.is_empty())
        })
    };
    spec.containers.iter().chain(spec.init_containers.iter().flatten()).any(|c| set(c.resources.as_ref()))
        || set(spec.resources.as_ref())
        || spec.overhead.as_ref().is_some_and(|o| !o.is_empty())
}

fn is_sidecar(container: &Container) -> bool {
    container.restart_policy.as_deref() == Some("Always")
}

fn container(c: &Container, role: Role) -> ContainerResources {
    let resources = c.resources.as_ref();
    ContainerResources {
        name: c.name.clone(),
        role,
        requests: Amounts::of(resources.and_then(|r| r.requests.as_ref())),
        limits: Amounts::of(resources.and_then(|r| r.limits.as_ref())),
    }
}

/// The resources the pod's spec asks for; `None` for a pod that declares none ([`declares`]).
pub fn pod_resources(pod: &Pod) -> Option<PodResources> {
    if !declares(pod) {
        return None;
    }
    let spec = pod.spec.as_ref()?;
    let mut containers: Vec<ContainerResources> = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| container(c, if is_sidecar(c) { Role::Sidecar } else { Role::Init }))
        .collect();
    containers.extend(spec.containers.iter().map(|c| container(c, Role::App)));

    let (app_requests, init_requests, init_peak) = aggregate(&containers, |c| &c.requests);
    let (app_limits, init_limits, _) = aggregate(&containers, |c| &c.limits);
    let app = Totals { requests: app_requests, limits: app_limits };
    let init = Totals { requests: init_requests, limits: init_limits };

    let mut effective = app.clone();
    effective.requests.max(&init.requests);
    effective.limits.max(&init.limits);

    let level = spec.resources.as_ref();
    let pod_level = Totals {
        requests: pod_level_only(Amounts::of(level.and_then(|r| r.requests.as_ref()))),
        limits: pod_level_only(Amounts::of(level.and_then(|r| r.limits.as_ref()))),
    };
    let pod_level = (!pod_level.requests.is_empty() || !pod_level.limits.is_empty()).then_some(pod_level);
    if let Some(level) = &pod_level {
        effective.requests.0.extend(level.requests.0.clone());
        effective.limits.0.extend(level.limits.0.clone());
    }

    let overhead = Amounts::of(spec.overhead.as_ref());
    effective.requests.add(&overhead);
    for (name, extra) in &overhead.0 {
        if let Some(limit) = effective.limits.0.get_mut(name).filter(|l| l.is_positive()) {
            *limit = limit.add(*extra);
        }
    }

    let status = pod.status.as_ref().and_then(|s| s.qos_class.clone());
    let qos = qos(&containers, pod_level.as_ref(), status);
    Some(PodResources {
        pod: pod.metadata.name.clone().unwrap_or_default(),
        containers,
        init,
        init_peak,
        app,
        pod_level,
        overhead,
        effective,
        qos,
    })
}

/// The QoS class of any pod with a spec: one that declares no resources is `BestEffort`.
pub fn qos_of(pod: &Pod) -> Option<Qos> {
    match pod_resources(pod) {
        Some(resources) => Some(resources.qos),
        None => pod.spec.as_ref().map(|_| Qos {
            class: "BestEffort".into(),
            status: pod.status.as_ref().and_then(|s| s.qos_class.clone()),
            why: QosWhy::NothingSet,
        }),
    }
}

/// Pod-level resources cover cpu, memory and huge pages only.
fn pod_level_only(amounts: Amounts) -> Amounts {
    Amounts(
        amounts
            .0
            .into_iter()
            .filter(|(name, _)| matches!(name.as_str(), "cpu" | "memory") || name.starts_with("hugepages-"))
            .collect(),
    )
}

/// The app phase (app containers and sidecars summed), the init phase's peak, and which init
/// container makes the peak of each resource: `aggregateContainerResourcesByFn`.
fn aggregate(
    containers: &[ContainerResources],
    list: impl Fn(&ContainerResources) -> &Amounts,
) -> (Amounts, Amounts, BTreeMap<String, String>) {
    let mut app = Amounts::default();
    for c in containers.iter().filter(|c| c.role == Role::App) {
        app.add(list(c));
    }
    let mut sidecars = Amounts::default();
    let mut peak = Amounts::default();
    let mut peak_of = BTreeMap::new();
    for c in containers.iter().filter(|c| c.role != Role::App) {
        let using = match c.role {
            Role::Sidecar => {
                app.add(list(c));
                sidecars.add(list(c));
                sidecars.clone()
            }
            _ => {
                let mut using = list(c).clone();
                using.add(&sidecars);
                using
            }
        };
        for (name, amount) in &using.0 {
            if peak.get(name).is_none_or(|current| *amount > current) {
                peak_of.insert(name.clone(), c.name.clone());
            }
        }
        peak.max(&using);
    }
    (app, peak, peak_of)
}

/// `ComputePodQOS`, with the reason.
fn qos(containers: &[ContainerResources], pod_level: Option<&Totals>, status: Option<String>) -> Qos {
    const QOS: [&str; 2] = ["cpu", "memory"];
    let positive = |list: &Amounts| -> Amounts {
        Amounts(
            list.0
                .iter()
                .filter(|(n, a)| QOS.contains(&n.as_str()) && a.is_positive())
                .map(|(n, a)| (n.clone(), *a))
                .collect(),
        )
    };
    let mut requests = Amounts::default();
    let mut limits = Amounts::default();
    let mut missing: Vec<ContainerRef> = Vec::new();
    match pod_level {
        Some(level) => {
            requests.add(&positive(&level.requests));
            limits.add(&positive(&level.limits));
            if !level.limits.is_empty() && QOS.iter().any(|r| limits.get(r).is_none()) {
                missing.push(ContainerRef { name: String::new(), role: Role::App });
            }
        }
        None => {
            // As the API server: the app containers, then the init containers.
            let in_order = containers
                .iter()
                .filter(|c| c.role == Role::App)
                .chain(containers.iter().filter(|c| c.role != Role::App));
            for c in in_order {
                requests.add(&positive(&c.requests));
                let own = positive(&c.limits);
                limits.add(&own);
                if QOS.iter().any(|r| own.get(r).is_none()) {
                    missing.push(ContainerRef { name: c.name.clone(), role: c.role });
                }
            }
        }
    }
    let unequal =
        requests.0.iter().find(|(name, req)| limits.get(name) != Some(**req)).map(|(n, _)| n.clone());
    let (class, why) = if requests.is_empty() && limits.is_empty() {
        ("BestEffort", QosWhy::NothingSet)
    } else if !missing.is_empty() {
        let why = match pod_level {
            Some(_) => QosWhy::PodLevel,
            None => QosWhy::LimitsMissing { containers: missing },
        };
        ("Burstable", why)
    } else if let Some(resource) = unequal {
        (
            "Burstable",
            if pod_level.is_some() { QosWhy::PodLevel } else { QosWhy::RequestsBelowLimits { resource } },
        )
    } else if requests.0.len() != limits.0.len() {
        // Limits without requests cannot be stored (requests default to limits); kept for
        // files written by hand.
        let resource = limits.0.keys().find(|n| requests.get(n).is_none()).cloned().unwrap_or_default();
        ("Burstable", QosWhy::RequestsBelowLimits { resource })
    } else {
        ("Guaranteed", if pod_level.is_some() { QosWhy::PodLevel } else { QosWhy::AllEqual })
    };
    Qos { class: class.to_string(), status, why }
}

impl Qos {
    /// Why the pod has its class, in words.
    pub fn explain(&self, lang: Lang) -> String {
        match &self.why {
            QosWhy::NothingSet => tr(
                lang,
                "没有任何容器设置 cpu 或 memory 的请求和上限。",
                "No container sets a cpu or memory request or limit.",
            ),
            QosWhy::LimitsMissing { containers } => {
                let names = containers
                    .iter()
                    .map(|c| match c.role {
                        Role::App => tr(lang, &format!("容器 {}", c.name), &format!("container {}", c.name)),
                        Role::Init => tr(
                            lang,
                            &format!("Init Container {}", c.name),
                            &format!("init container {}", c.name),
                        ),
                        Role::Sidecar => {
                            tr(lang, &format!("Sidecar {}", c.name), &format!("sidecar {}", c.name))
                        }
                    })
                    .collect::<Vec<_>>();
                let english = match names.split_last() {
                    Some((last, [])) => last.clone(),
                    Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                    None => String::new(),
                };
                let does = if names.len() > 1 { "do" } else { "does" };
                tr(
                    lang,
                    &format!(
                        "不是 Guaranteed：{} 没有同时设置 cpu 和 memory 上限（Init Container 也算在内）。",
                        names.join("、")
                    ),
                    &format!(
                        "Not Guaranteed: {english} {does} not set both a cpu and a memory limit (init containers count too)."
                    ),
                )
            }
            QosWhy::RequestsBelowLimits { resource } => tr(
                lang,
                &format!("每个容器都设置了上限，但 {resource} 的请求之和不等于上限之和。"),
                &format!(
                    "Every container sets limits, but the {resource} requests do not add up to the limits."
                ),
            ),
            QosWhy::AllEqual => tr(
                lang,
                "每个容器（含 Init Container）都设置了 cpu 和 memory 上限，且与请求相等。",
                "Every container, init containers included, sets cpu and memory limits equal to its requests.",
            ),
            QosWhy::PodLevel => {
                tr(lang, "由 Pod 级的 spec.resources 决定。", "The pod-level spec.resources decide it.")
            }
        }
    }
}

/// What a node can give pods: its `status.allocatable`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeAllocatable {
    pub name: String,
    pub allocatable: Amounts,
    /// Cordoned (`spec.unschedulable`): the scheduler places no new pod on it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unschedulable: bool,
}

impl NodeAllocatable {
    /// A Node object as the API serves it; `None` without a name.
    pub fn from_object(node: &Value) -> Option<NodeAllocatable> {
        let name = node.pointer("/metadata/name")?.as_str()?.to_string();
        let allocatable = node
            .pointer("/status/allocatable")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, q)| Some((name.clone(), Amount::parse(q.as_str()?)?)))
            .collect();
        let unschedulable = node.pointer("/spec/unschedulable").and_then(Value::as_bool).unwrap_or(false);
        Some(NodeAllocatable { name, allocatable: Amounts(allocatable), unschedulable })
    }

    /// The resources the pod requests more of than the node can allocate at all, as
    /// `(resource, requested, allocatable)`: the scheduler's `Insufficient <resource>` on an
    /// empty node (on a real one, what its pods already request is taken off first).
    pub fn short_of(&self, requests: &Amounts) -> Vec<(String, Amount, Amount)> {
        requests
            .0
            .iter()
            .filter(|(_, wanted)| wanted.is_positive())
            .filter_map(|(name, wanted)| {
                let has = self.allocatable.get(name).unwrap_or_default();
                (*wanted > has).then(|| (name.clone(), *wanted, has))
            })
            .collect()
    }
}

/// What was learnt of the nodes, for the resource table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Nodes {
    /// Read: these nodes (the first ones only, when `more`).
    Read { items: Vec<NodeAllocatable>, more: bool },
    /// The API server refused the list: nodes are cluster-scoped, and the lab's Role does not
    /// grant them.
    Forbidden { message: String },
    /// Not read: a file without nodes, or no pod of the step declares resources.
    #[default]
    Unknown,
}

impl Nodes {
    pub fn is_unknown(&self) -> bool {
        *self == Nodes::Unknown
    }
}

/// The selection of every node.
pub fn all_nodes() -> Select {
    Select { api_version: "v1".into(), kind: "Node".into(), name: None, labels: BTreeMap::new() }
}

impl Nodes {
    /// The nodes among the observed objects.
    pub fn of(objects: &Objects) -> Nodes {
        let select = all_nodes();
        match objects.select(&select) {
            Selected::Found(found) => Nodes::Read {
                items: found.into_iter().filter_map(NodeAllocatable::from_object).collect(),
                more: objects.read_of(&select).is_some_and(|r| r.more),
            },
            Selected::Failed(ReadError::Forbidden(message)) => Nodes::Forbidden { message: message.clone() },
            Selected::Failed(ReadError::NotServed) | Selected::NotRead => Nodes::Unknown,
        }
    }
}

/// The fields of a Node the resource table needs: what a snapshot keeps of it.
pub fn trim_node(node: &Value) -> Value {
    let mut trimmed = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": { "name": node.pointer("/metadata/name").cloned().unwrap_or(Value::Null) },
        "status": { "allocatable": node.pointer("/status/allocatable").cloned().unwrap_or_else(|| serde_json::json!({})) },
    });
    if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        trimmed["spec"] = serde_json::json!({ "unschedulable": true });
    }
    trimmed
}

#[cfg(test)]
mod tests;
