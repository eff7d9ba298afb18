//! The pure heart of the checker: an observation and a step in, a verdict per expectation out.
//!
//! No I/O happens here, so every rule is tested on fixtures in real wire format. Each kind of
//! expectation tells three situations apart: it holds (pass), the cluster is still on its way to
//! it (pending: wait and check again), or it cannot come true without the learner changing
//! something (fail: the hint says what).
//!
//! This file holds the entry point ([`evaluate`]), the outcome and verdict types, the dispatch
//! from a check kind to its family and the rules every family shares ("not yet" is pending
//! unless the pod is blocked; a check on a missing pod is skipped). Each family of checks has
//! its own file, with its tests.

mod cleanup;
mod containers;
mod logs;
mod pages;
mod pod;

use k8s_openapi::api::core::v1::Pod;
use lab_spec::{AfterEvent, Check, Expectation, LabSpec, Lang, Step};
use serde::Serialize;

use crate::i18n::tr;
use crate::inspect::{self, Blocker};
use crate::observation::Observation;
use crate::status::{PodRow, pod_row};
use crate::timing::{PodTimings, pod_timings};
use cleanup::lab_pods_gone;
use containers::{
    completed, containers, failed, never_started, ready, ready_column, sidecar, started_after,
    started_after_start,
};
use logs::log_contains;
use pages::serves_page;
use pod::{expect_condition, expect_phase, images_pinned, pod_exists};

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
}

/// A whole evaluated step.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
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
}

/// Evaluates every expectation of `step` against `obs`.
pub fn evaluate(spec: &LabSpec, step: &Step, obs: &Observation, lang: Lang) -> StepReport {
    let checks: Vec<CheckResult> =
        step.expectations.iter().map(|e| evaluate_one(spec, e, obs, lang)).collect();
    let verdict = if checks.iter().any(|c| c.outcome == Outcome::Fail) {
        Verdict::Fail
    } else if checks.iter().all(|c| c.outcome == Outcome::Pass) {
        Verdict::Pass
    } else {
        Verdict::Pending
    };
    let pod_names = match step.expectations.iter().any(|e| e.check == Check::LabPodsGone) {
        true => spec.pods(),
        false => step.pods(),
    };
    let step_pods: Vec<&Pod> = pod_names.iter().filter_map(|name| obs.pod(name)).collect();
    let pods = step_pods.iter().map(|pod| pod_row(pod, obs.at)).collect();
    let timings = step_pods.iter().filter_map(|pod| pod_timings(pod)).collect();
    StepReport {
        step: step.number,
        id: step.id.clone(),
        title: step.title.get(lang).to_string(),
        verdict,
        checks,
        pods,
        pending_hint: step.pending_hint.get(lang).to_string(),
        timings,
        warnings: warnings(obs, &pod_names),
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
    /// The permission the API server refused (`pods/proxy`): the hint then names the lab's RBAC
    /// manifest (the spec's `rbac`).
    denied: Option<&'static str>,
}

fn finding(outcome: Outcome, expected: String, observed: impl Into<String>) -> Finding {
    Finding { outcome, expected, observed: observed.into(), hint: None, denied: None }
}

impl Finding {
    fn with_hint(self, hint: String) -> Finding {
        Finding { hint: Some(hint), ..self }
    }

    fn denied(self, permission: &'static str) -> Finding {
        Finding { denied: Some(permission), ..self }
    }
}

/// What to do about a permission the API server refused: have the lab's RBAC manifest applied.
fn access_hint(spec: &LabSpec, permission: &str, lang: Lang) -> String {
    match &spec.rbac {
        Some(rbac) => tr(
            lang,
            &format!("检查需要 {permission} 的 get 权限：让管理员应用 `{rbac}` 并绑定到你的用户"),
            &format!(
                "The check needs get on {permission}: ask an admin to apply `{rbac}` and bind it to your user"
            ),
        ),
        None => tr(
            lang,
            &format!("检查需要 {permission} 的 get 权限：请管理员授予你的用户"),
            &format!("The check needs get on {permission}: ask an admin to grant it to your user"),
        ),
    }
}

fn evaluate_one(spec: &LabSpec, e: &Expectation, obs: &Observation, lang: Lang) -> CheckResult {
    let found = match (&e.check, e.check.pod()) {
        (Check::LabPodsGone, _) => lab_pods_gone(spec, obs, lang),
        (Check::PodExists { pod }, _) => pod_exists(pod, obs, lang),
        (check, Some(name)) => match obs.pod(name) {
            Some(pod) => on_pod(check, pod, obs, lang),
            None => finding(
                Outcome::Skipped,
                tr(lang, "Pod 存在", "the pod exists"),
                tr(
                    lang,
                    &format!("Pod {name} 不存在，未检查"),
                    &format!("not checked: pod {name} does not exist"),
                ),
            ),
        },
        (_, None) => unreachable!("every check but lab_pods_gone names a pod"),
    };
    let passed = found.outcome == Outcome::Pass;
    let hint = match (found.outcome, found.denied, found.hint) {
        (Outcome::Pass, _, _) => String::new(),
        (_, Some(permission), _) => access_hint(spec, permission, lang),
        (_, None, Some(hint)) => hint,
        (Outcome::Unverifiable, None, None) => tr(
            lang,
            "这个文件没有这项数据（日志或页面）。直接对集群运行检查，或用 `checker snapshot` 保存完整快照。",
            "This file lacks the data (logs or pages). Run the check against the cluster, or save a full snapshot with `checker snapshot`.",
        ),
        (_, None, None) => e.hint.get(lang).to_string(),
    };
    CheckResult {
        id: e.id.clone(),
        description: e.description.get(lang).to_string(),
        outcome: found.outcome,
        passed,
        expected: found.expected,
        observed: found.observed,
        hint,
    }
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
        Check::Condition { condition, status, .. } => expect_condition(pod, condition, status, lang),
        Check::LogContains { container, any_of, .. } => log_contains(pod, container, any_of, obs, lang),
        Check::PodExists { .. } | Check::LabPodsGone => unreachable!("handled by evaluate_one"),
    }
}

/// "Not there yet": pending while the pod can still get there, failed when it is blocked.
fn not_yet(pod: &Pod, lang: Lang, expected: String, observed: String) -> Finding {
    match inspect::blocker(pod) {
        Some(blocker) => {
            let why = blocked(&blocker, lang);
            finding(
                Outcome::Fail,
                expected,
                tr(lang, &format!("{observed}；{why}"), &format!("{observed}; {why}")),
            )
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
