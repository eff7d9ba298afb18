//! The pure heart of the checker: an observation and a step in, a verdict per expectation out.
//!
//! No I/O happens here, so every rule is tested on fixtures in real wire format. Each kind of
//! expectation tells three situations apart: it holds (pass), the cluster is still on its way to
//! it (pending: wait and check again), or it cannot come true without the learner changing
//! something (fail: the hint says what).
//!
//! This file holds the entry point ([`evaluate`]), the outcome and verdict types, the dispatch
//! from a check kind to its family and the rules every family shares ("not yet" is pending
//! unless the pod is blocked; a check on a missing pod is skipped, and its step fails, unless a
//! controller makes the pod (`created_by: controller`, a StatefulSet's replica): then a missing
//! or terminating pod is the controller on its way, and the check is pending). Each
//! family of checks has its own file, with its tests. `cause` finds the one root cause and next
//! action of a step that did not pass, and the next step of one that did.

mod cause;
mod cleanup;
mod containers;
mod logs;
mod matching;
mod objects;
mod pages;
mod pod;

use k8s_openapi::api::core::v1::Pod;
use lab_spec::{AfterEvent, CauseKind, Check, CreatedBy, Expectation, LabSpec, Lang, Step};
use serde::Serialize;

pub use cause::{Cause, NextStep};

use crate::i18n::tr;
use crate::inspect::{self, Blocker};
use crate::observation::Observation;
use crate::resources::{Nodes, PodResources, pod_resources};
use crate::status::{PodRow, pod_row};
use crate::timing::{PodTimings, pod_timings};
use cleanup::lab_pods_gone;
use containers::{
    completed, containers, failed, never_started, ready, ready_column, sidecar, started_after,
    started_after_start,
};
use logs::log_contains;
use pages::serves_page;
use pod::{expect_condition, expect_phase, expect_qos, images_pinned, pod_exists};

/// The outcome of one expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Pending,
    Fail,
    /// The source has no data to decide (logs in a plain pod list). Never counted as passed.
    Unverifiable,
    /// Not looked at because its pod is missing; the pod's own expectation fails instead.
    Skipped,
}

/// The verdict of a whole step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Pending,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Pending => "pending",
            Verdict::Fail => "fail",
        }
    }
}

/// One evaluated expectation, as reported (and serialized in `-o json`).
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub description: String,
    pub outcome: Outcome,
    pub passed: bool,
    pub expected: String,
    pub observed: String,
    /// What to do next; empty when the expectation passed.
    pub hint: String,
    /// Whether it is listed under the step's [`Cause`]: it does not hold because of that cause,
    /// whose action is what to do (its own hint is not shown).
    pub grouped: bool,
}

/// A whole evaluated step.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// The lab's id.
    pub lab: String,
    pub step: u32,
    pub id: String,
    pub title: String,
    pub verdict: Verdict,
    pub checks: Vec<CheckResult>,
    /// The step's pods as kubectl prints them.
    pub pods: Vec<PodRow>,
    /// The step's advice while pending, in the report's language.
    pub pending_hint: String,
    /// The timing table of each of the step's pods that has init containers.
    pub timings: Vec<PodTimings>,
    /// The latest Warning events about the step's pods (`kubectl describe`'s Events), newest last.
    pub warnings: Vec<String>,
    /// Why the step did not pass and the one thing to do about it; `None` when it passed.
    pub cause: Option<Cause>,
    /// The step after this one, once this one passed (`None` after the last step).
    pub next: Option<NextStep>,
    /// The resources of each of the step's pods that declares some: per container, the two
    /// phases, the effective request the scheduler reserves, and the QoS class.
    pub resources: Vec<PodResources>,
    /// The nodes' allocatable resources, next to the pods' effective requests (when any pod of
    /// the step declares resources and the nodes could be read).
    pub nodes: Nodes,
}

/// Evaluates every expectation of `step` against `obs`.
pub fn evaluate(spec: &LabSpec, step: &Step, obs: &Observation, lang: Lang) -> StepReport {
    let mut judged: Vec<Judged> =
        step.expectations.iter().map(|e| evaluate_one(spec, e, obs, lang)).collect();
    let outcomes: Vec<Outcome> = judged.iter().map(|j| j.result.outcome).collect();
    // A skipped check is one whose pod is missing: the learner has to create it.
    let verdict = if outcomes.iter().any(|o| matches!(o, Outcome::Fail | Outcome::Skipped)) {
        Verdict::Fail
    } else if outcomes.iter().all(|o| *o == Outcome::Pass) {
        Verdict::Pass
    } else {
        Verdict::Pending
    };
    let cause = cause::find(spec, step, obs, &mut judged, verdict, lang);
    let next = match verdict {
        Verdict::Pass => cause::next_step(spec, step, lang),
        _ => None,
    };
    let pod_names = match step.expectations.iter().any(|e| e.check == Check::LabPodsGone) {
        true => spec.pods(),
        false => step.pods(),
    };
    let step_pods: Vec<&Pod> = pod_names.iter().filter_map(|name| obs.pod(name)).collect();
    let pods = step_pods.iter().map(|pod| pod_row(pod, obs.at)).collect();
    let timings = step_pods.iter().filter_map(|pod| pod_timings(pod)).collect();
    let resources: Vec<PodResources> = step_pods.iter().filter_map(|pod| pod_resources(pod)).collect();
    let nodes = match resources.is_empty() {
        true => Nodes::Unknown,
        false => Nodes::of(&obs.objects),
    };
    StepReport {
        lab: spec.id.clone(),
        step: step.number,
        id: step.id.clone(),
        title: step.title.get(lang).to_string(),
        verdict,
        checks: judged.into_iter().map(|j| j.result).collect(),
        pods,
        pending_hint: step.pending_hint.get(lang).to_string(),
        timings,
        warnings: warnings(obs, &pod_names),
        cause,
        next,
        resources,
        nodes,
    }
}

/// How many Warning events a report shows.
const MAX_WARNINGS: usize = 3;

/// The latest Warning events about these pods, as `pod: Reason: message (×count)`.
fn warnings(obs: &Observation, pods: &[&str]) -> Vec<String> {
    let mut events: Vec<_> = obs
        .events
        .iter()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .filter(|e| pods.contains(&e.involved_object.name.as_deref().unwrap_or("")))
        .collect();
    let when = |e: &k8s_openapi::api::core::v1::Event| {
        e.last_timestamp.as_ref().map(|t| t.0).or(e.event_time.as_ref().map(|t| t.0))
    };
    events.sort_by_key(|e| when(e));
    let start = events.len().saturating_sub(MAX_WARNINGS);
    events[start..]
        .iter()
        .map(|e| {
            let pod = e.involved_object.name.as_deref().unwrap_or("");
            let reason = e.reason.as_deref().unwrap_or("");
            let message = e.message.as_deref().unwrap_or("").trim();
            match e.count.filter(|c| *c > 1) {
                Some(count) => format!("{pod}: {reason}: {message} (×{count})"),
                None => format!("{pod}: {reason}: {message}"),
            }
        })
        .collect()
}

/// A finding before the hint and texts are attached.
struct Finding {
    outcome: Outcome,
    expected: String,
    observed: String,
    /// Replaces the spec's hint when the situation needs a different next step (a missing
    /// permission, an old cluster).
    hint: Option<String>,
    /// The permission the API server refused: the hint then names the lab's RBAC manifest (the
    /// spec's `rbac`).
    denied: Option<Box<Denied>>,
    /// The root cause this finding shows by itself (a missing pod, a dropped sidecar field).
    cause: Option<CauseKind>,
    /// Why the pod cannot get there, when that made "not yet" a failure: said after the
    /// observation unless the check is listed under that cause.
    blocked: Option<String>,
}

/// A permission the API server refused.
struct Denied {
    /// What was read: `pods/proxy`, `StatefulSet (apps/v1)`.
    resource: String,
    /// Whether the check lists as well as gets.
    lists: bool,
}

fn finding(outcome: Outcome, expected: String, observed: impl Into<String>) -> Finding {
    Finding {
        outcome,
        expected,
        observed: observed.into(),
        hint: None,
        denied: None,
        cause: None,
        blocked: None,
    }
}

impl Finding {
    fn with_hint(self, hint: String) -> Finding {
        Finding { hint: Some(hint), ..self }
    }

    /// The API server refused `get` on `resource` (`pods/proxy`).
    fn denied(self, resource: &str) -> Finding {
        let denied = Denied { resource: resource.to_string(), lists: false };
        Finding { denied: Some(Box::new(denied)), cause: Some(CauseKind::AccessDenied), ..self }
    }

    /// The API server refused to read objects of `resource` (`StatefulSet (apps/v1)`), which
    /// the check gets and lists.
    fn denied_list(self, resource: String) -> Finding {
        let denied = Denied { resource, lists: true };
        Finding { denied: Some(Box::new(denied)), cause: Some(CauseKind::AccessDenied), ..self }
    }

    fn because(self, cause: CauseKind) -> Finding {
        Finding { cause: Some(cause), ..self }
    }
}

/// One evaluated expectation with what the step's cause is found from.
struct Judged<'a> {
    result: CheckResult,
    expectation: &'a Expectation,
    /// The observation without the blocker's words.
    plain_observed: String,
    cause: Option<CauseKind>,
    blocked: bool,
}

/// What to do about a permission the API server refused: have the lab's RBAC manifest applied.
fn access_hint(spec: &LabSpec, denied: &Denied, lang: Lang) -> String {
    let resource = &denied.resource;
    let (zh, en) = match denied.lists {
        true => ("get 和 list", "get and list"),
        false => ("get", "get"),
    };
    match &spec.rbac {
        Some(rbac) => tr(
            lang,
            &format!("检查需要 {resource} 的 {zh} 权限：让管理员应用 `{rbac}` 并绑定到你的用户"),
            &format!(
                "The check needs {en} on {resource}: ask an admin to apply `{rbac}` and bind it to your user"
            ),
        ),
        None => tr(
            lang,
            &format!("检查需要 {resource} 的 {zh} 权限：请管理员授予你的用户"),
            &format!("The check needs {en} on {resource}: ask an admin to grant it to your user"),
        ),
    }
}

fn evaluate_one<'a>(spec: &LabSpec, e: &'a Expectation, obs: &Observation, lang: Lang) -> Judged<'a> {
    // A pod a controller makes (a StatefulSet's replica) is not the learner's to create: while it
    // does not exist, or is being deleted and replaced, the controller is on its way.
    let on_its_way = match e.created_by {
        Some(CreatedBy::Controller) => e.check.pod().and_then(|name| controller_pod(name, obs, lang)),
        _ => None,
    };
    let found = match (on_its_way, &e.check, e.check.pod()) {
        (Some(pending), _, _) => pending,
        (None, Check::LabPodsGone, _) => lab_pods_gone(spec, obs, lang),
        (None, Check::PodExists { pod }, _) => pod_exists(pod, obs, lang),
        (None, check, Some(name)) => match obs.pod(name) {
            Some(pod) => on_pod(check, pod, obs, lang),
            None => finding(
                Outcome::Skipped,
                tr(lang, "Pod 存在", "the pod exists"),
                tr(
                    lang,
                    &format!("Pod {name} 不存在，未检查"),
                    &format!("not checked: pod {name} does not exist"),
                ),
            )
            .because(CauseKind::Missing),
        },
        (None, check, None) => objects::evaluate(check, obs, lang),
    };
    let passed = found.outcome == Outcome::Pass;
    let hint = match (found.outcome, &found.denied, found.cause, found.hint) {
        (Outcome::Pass, ..) => String::new(),
        (_, Some(denied), ..) => access_hint(spec, denied, lang),
        (_, None, Some(CauseKind::OldServer), _) => cause::old_server_action(spec, lang, None),
        (_, None, _, Some(hint)) => hint,
        (Outcome::Unverifiable, None, _, None) => tr(
            lang,
            "这个文件没有这项数据（日志或页面）。直接对集群运行检查，或用 `checker snapshot` 保存完整快照。",
            "This file lacks the data (logs or pages). Run the check against the cluster, or save a full snapshot with `checker snapshot`.",
        ),
        (_, None, _, None) => observed_hint(e, e.check.pod().and_then(|p| obs.pod(p))).get(lang).to_string(),
    };
    let observed = match &found.blocked {
        Some(blocker) => format!("{}; {blocker}", found.observed),
        None => found.observed.clone(),
    };
    Judged {
        result: CheckResult {
            id: e.id.clone(),
            description: e.description.get(lang).to_string(),
            outcome: found.outcome,
            passed,
            expected: found.expected,
            observed,
            hint,
            grouped: false,
        },
        expectation: e,
        plain_observed: found.observed,
        cause: found.cause,
        blocked: found.blocked.is_some(),
    }
}

/// The expectation's hint for what was observed on its pod: the first of its `hints` whose
/// `when` holds, else its `hint`.
fn observed_hint<'a>(e: &'a Expectation, pod: Option<&Pod>) -> &'a lab_spec::Text {
    let Some(pod) = pod else {
        return &e.hint;
    };
    e.hints
        .iter()
        .find(|h| cause::holds(&h.when, pod, e.check.container()))
        .map(|h| &h.hint)
        .unwrap_or(&e.hint)
}

/// A pod its controller makes, when it is not there to be looked at: pending while it does not
/// exist or is being deleted (the controller creates it, or its replacement). `None` when the
/// pod is there.
fn controller_pod(name: &str, obs: &Observation, lang: Lang) -> Option<Finding> {
    let expected = tr(lang, &format!("Pod {name} 存在"), &format!("pod {name} exists"));
    let observed = match obs.pod(name) {
        Some(pod) if inspect::is_terminating(pod) => tr(
            lang,
            &format!("Pod {name} 正在被删除（Terminating），等待它的控制器"),
            &format!("pod {name} is being deleted (Terminating), waiting for its controller"),
        ),
        Some(_) => return None,
        None => tr(
            lang,
            &format!("Pod {name} 还不存在：它由控制器创建"),
            &format!("pod {name} does not exist yet: its controller creates it"),
        ),
    };
    Some(finding(Outcome::Pending, expected, observed))
}

/// The checks that look at one existing pod.
fn on_pod(check: &Check, pod: &Pod, obs: &Observation, lang: Lang) -> Finding {
    match check {
        Check::Containers { init, main, .. } => containers(pod, init, main, lang),
        Check::ImagesPinned { .. } => images_pinned(pod, lang),
        Check::Completed { container, .. } => completed(pod, container, lang),
        Check::StartedAfter { container, after, after_event: AfterEvent::Finished, .. } => {
            started_after(pod, container, after, lang)
        }
        Check::StartedAfter { container, after, after_event: AfterEvent::Started, .. } => {
            started_after_start(pod, container, after, lang)
        }
        Check::ServesPage { path, contains, .. } => serves_page(pod, path, contains, obs, lang),
        Check::Sidecar { container, .. } => sidecar(pod, container, obs, lang),
        Check::ReadyColumn { ready, .. } => ready_column(pod, ready, obs, lang),
        Check::Ready { container, .. } => ready(pod, container, lang),
        Check::Failed { container, min_restarts, .. } => failed(pod, container, *min_restarts, lang),
        Check::NeverStarted { container, .. } => never_started(pod, container, lang),
        Check::Phase { phase, .. } => expect_phase(pod, phase, lang),
        Check::Condition { condition, status, reason, .. } => {
            expect_condition(pod, condition, status, reason.as_deref(), lang)
        }
        Check::QosClass { class, .. } => expect_qos(pod, *class, lang),
        Check::LogContains { container, any_of, .. } => log_contains(pod, container, any_of, obs, lang),
        Check::PodExists { .. }
        | Check::LabPodsGone
        | Check::Object { .. }
        | Check::Absent { .. }
        | Check::Count { .. }
        | Check::Event { .. }
        | Check::Order { .. } => unreachable!("handled by evaluate_one"),
    }
}

/// "Not there yet": pending while the pod can still get there, failed when it is blocked.
fn not_yet(pod: &Pod, lang: Lang, expected: String, observed: String) -> Finding {
    match inspect::blocker(pod) {
        Some(blocker) => {
            Finding { blocked: Some(blocked(&blocker, lang)), ..finding(Outcome::Fail, expected, observed) }
        }
        None => finding(Outcome::Pending, expected, observed),
    }
}

/// Why the pod is stuck, in the report's language.
fn blocked(blocker: &Blocker, lang: Lang) -> String {
    match blocker {
        Blocker::Waiting { container, reason, message } => {
            let message = message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
            tr(
                lang,
                &format!("{container} 卡在 {reason}{message}"),
                &format!("{container} is waiting with {reason}{message}"),
            )
        }
        Blocker::InitFailed { container, exit_code } => tr(
            lang,
            &format!("Init Container {container} 以退出码 {exit_code} 失败"),
            &format!("init container {container} failed with exit code {exit_code}"),
        ),
        Blocker::Terminal { phase } => tr(
            lang,
            &format!("Pod 阶段为 {phase}：不会再运行"),
            &format!("the pod's phase is {phase}: it will not run again"),
        ),
    }
}

fn no_status(lang: Lang) -> String {
    tr(lang, "还没有容器状态（尚未启动）", "no status yet (not started)")
}

#[cfg(test)]
mod tests;
