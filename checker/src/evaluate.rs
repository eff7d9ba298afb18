//! The pure heart of the checker: an observation and a step in, a verdict per expectation out.
//!
//! No I/O happens here, so every rule is tested on fixtures in real wire format. Each kind of
//! expectation tells three situations apart: it holds (pass), the cluster is still on its way to
//! it (pending: wait and check again), or it cannot come true without the learner changing
//! something (fail: the hint says what).

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use lab_spec::{AfterEvent, Check, Expectation, LabSpec, Lang, Step};
use serde::Serialize;

use crate::i18n::tr;
use crate::inspect::{self, Blocker};
use crate::observation::{Observation, Page};
use crate::status::{PodRow, pod_row};
use crate::timing::{PodTimings, pod_timings};

/// How long a running container may go without printing an expected log line before that
/// counts as a failure rather than "not yet".
const LOG_GRACE_SECONDS: i64 = 10;

/// The outcome of one expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

fn finding(outcome: Outcome, expected: String, observed: impl Into<String>) -> Finding {
    Finding { outcome, expected, observed: observed.into(), hint: None }
}

impl Finding {
    fn with_hint(self, hint: String) -> Finding {
        Finding { hint: Some(hint), ..self }
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
    let hint = match (found.outcome, found.hint) {
        (Outcome::Pass, _) => String::new(),
        (_, Some(hint)) => hint,
        (Outcome::Unverifiable, None) => tr(
            lang,
            "这个文件没有这项数据（日志或页面）。直接对集群运行检查，或用 `checker snapshot` 保存完整快照。",
            "This file lacks the data (logs or pages). Run the check against the cluster, or save a full snapshot with `checker snapshot`.",
        ),
        (_, None) => e.hint.get(lang).to_string(),
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

fn pod_exists(name: &str, obs: &Observation, lang: Lang) -> Finding {
    let expected = tr(lang, &format!("Pod {name} 存在"), &format!("pod {name} exists"));
    match obs.pod(name) {
        Some(pod) if inspect::is_terminating(pod) => finding(
            Outcome::Fail,
            expected,
            tr(lang, "Pod 正在被删除（Terminating）", "the pod is being deleted (Terminating)"),
        ),
        Some(_) => finding(Outcome::Pass, expected, tr(lang, "存在", "exists")),
        None => {
            let observed = match obs.namespace_exists {
                Some(false) => tr(
                    lang,
                    &format!("命名空间 {} 不存在", obs.namespace),
                    &format!("namespace {} does not exist", obs.namespace),
                ),
                _ => tr(
                    lang,
                    &format!("命名空间 {} 中没有这个 Pod", obs.namespace),
                    &format!("no such pod in namespace {}", obs.namespace),
                ),
            };
            finding(Outcome::Fail, expected, observed)
        }
    }
}

fn lab_pods_gone(spec: &LabSpec, obs: &Observation, lang: Lang) -> Finding {
    let expected = tr(lang, "没有本实验的 Pod", "none of the lab's pods");
    let remaining: Vec<&Pod> = spec.pods().iter().filter_map(|name| obs.pod(name)).collect();
    if remaining.is_empty() {
        return finding(Outcome::Pass, expected, tr(lang, "已全部删除", "all deleted"));
    }
    let names = remaining
        .iter()
        .map(|p| pod_row(p, obs.at))
        .map(|row| format!("{} ({})", row.name, row.status))
        .collect::<Vec<_>>()
        .join(", ");
    let outcome = match remaining.iter().all(|p| inspect::is_terminating(p)) {
        true => Outcome::Pending,
        false => Outcome::Fail,
    };
    finding(outcome, expected, tr(lang, &format!("仍然存在：{names}"), &format!("still present: {names}")))
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
        Some(blocker) => finding(Outcome::Fail, expected, format!("{observed}; {}", blocked(&blocker, lang))),
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

fn containers(pod: &Pod, init: &[String], main: &[String], lang: Lang) -> Finding {
    let show = |names: &[&str]| format!("[{}]", names.join(", "));
    let (have_init, have_main) = inspect::container_names(pod);
    let want_init: Vec<&str> = init.iter().map(String::as_str).collect();
    let want_main: Vec<&str> = main.iter().map(String::as_str).collect();
    let describe = |i: &[&str], m: &[&str]| {
        tr(
            lang,
            &format!("Init Container {}，容器 {}", show(i), show(m)),
            &format!("init containers {}, containers {}", show(i), show(m)),
        )
    };
    let outcome = match have_init == want_init && have_main == want_main {
        true => Outcome::Pass,
        false => Outcome::Fail,
    };
    finding(outcome, describe(&want_init, &want_main), describe(&have_init, &have_main))
}

fn images_pinned(pod: &Pod, lang: Lang) -> Finding {
    let expected = tr(lang, "每个镜像都有具体标签或摘要", "every image has an exact tag or digest");
    let unpinned: Vec<String> = inspect::images(pod)
        .into_iter()
        .filter(|(_, image)| !inspect::image_is_pinned(image))
        .map(|(name, image)| format!("{name}: {image}"))
        .collect();
    if unpinned.is_empty() {
        let all = inspect::images(pod).into_iter().map(|(_, i)| i).collect::<Vec<_>>().join(", ");
        return finding(Outcome::Pass, expected, all);
    }
    finding(
        Outcome::Fail,
        expected,
        tr(
            lang,
            &format!("未固定版本：{}", unpinned.join(", ")),
            &format!("not pinned: {}", unpinned.join(", ")),
        ),
    )
}

fn completed(pod: &Pod, container: &str, lang: Lang) -> Finding {
    let expected = tr(lang, "Terminated (Completed)，退出码 0", "Terminated (Completed), exit code 0");
    let Some(status) = inspect::container_status(pod, container) else {
        return not_yet(pod, lang, expected, no_status(lang));
    };
    let observed = inspect::describe_status(status);
    match inspect::exit_code(status.state.as_ref()) {
        Some(0) => finding(Outcome::Pass, expected, observed),
        Some(_) => finding(Outcome::Fail, expected, observed),
        None if has_failed_before(status) => finding(Outcome::Fail, expected, observed),
        None => not_yet(pod, lang, expected, observed),
    }
}

fn has_failed_before(status: &ContainerStatus) -> bool {
    inspect::exit_code(status.last_state.as_ref()).is_some_and(|code| code != 0)
}

fn started_after(pod: &Pod, container: &str, after: &str, lang: Lang) -> Finding {
    let expected = tr(
        lang,
        &format!("{container} 的启动时间 ≥ {after} 的结束时间"),
        &format!("{container} started at or after {after} finished"),
    );
    let finished = inspect::container_status(pod, after).and_then(inspect::finished_at);
    let started = inspect::container_status(pod, container).and_then(inspect::started_at);
    match (finished, started) {
        (Some(finished), Some(started)) => {
            let gap = started.as_second() - finished.as_second();
            let observed =
                format!("{after} finishedAt {finished}, {container} startedAt {started} ({gap:+}s)");
            let outcome = if started >= finished { Outcome::Pass } else { Outcome::Fail };
            finding(outcome, expected, observed)
        }
        (None, Some(started)) => finding(
            Outcome::Fail,
            expected,
            format!("{container} startedAt {started}, {after} has not finished"),
        ),
        (_, None) => not_yet(
            pod,
            lang,
            expected,
            tr(lang, &format!("{container} 还没有启动"), &format!("{container} has not started yet")),
        ),
    }
}

fn started_after_start(pod: &Pod, container: &str, after: &str, lang: Lang) -> Finding {
    let expected = tr(
        lang,
        &format!("{container} 的启动时间 ≥ {after} 的启动时间"),
        &format!("{container} started at or after {after} started"),
    );
    let first = inspect::container_status(pod, after).and_then(inspect::started_at);
    let then = inspect::container_status(pod, container).and_then(inspect::started_at);
    match (first, then) {
        (Some(first), Some(then)) => {
            let gap = then.as_second() - first.as_second();
            let observed = format!("{after} startedAt {first}, {container} startedAt {then} ({gap:+}s)");
            let outcome = if then >= first { Outcome::Pass } else { Outcome::Fail };
            finding(outcome, expected, observed)
        }
        (None, Some(then)) => {
            finding(Outcome::Fail, expected, format!("{container} startedAt {then}, {after} has not started"))
        }
        (_, None) => not_yet(
            pod,
            lang,
            expected,
            tr(lang, &format!("{container} 还没有启动"), &format!("{container} has not started yet")),
        ),
    }
}

fn serves_page(pod: &Pod, path: &str, contains: &str, obs: &Observation, lang: Lang) -> Finding {
    let expected = tr(
        lang,
        &format!("{path} 的页面包含 \"{contains}\""),
        &format!("the page at {path} contains \"{contains}\""),
    );
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let Some(page) = obs.pages.as_ref().and_then(|p| p.get(name)).and_then(|p| p.get(path)) else {
        return finding(
            Outcome::Unverifiable,
            expected,
            tr(lang, "无法验证：没有读取页面", "not verifiable: no page was read"),
        );
    };
    let serving = inspect::condition(pod, "Ready") == Some("True");
    match page {
        Page::Served { body } => match body.lines().find(|l| l.contains(contains)) {
            Some(line) => finding(Outcome::Pass, expected, line.trim().to_string()),
            None if !serving => not_yet(pod, lang, expected, tr(lang, "页面还没有标记", "the page has no marker yet")),
            None => {
                let start: String = body.trim().chars().take(120).collect();
                finding(Outcome::Fail, expected, tr(lang, &format!("页面不含标记：{start}"), &format!("the page lacks the marker: {start}")))
            }
        },
        Page::Forbidden { message } => finding(
            Outcome::Fail,
            expected,
            tr(lang, &format!("API server 拒绝了 pod proxy：{message}"), &format!("the API server refused the pod proxy: {message}")),
        )
        .with_hint(tr(
            lang,
            "检查需要 pods/proxy 的 get 权限：让管理员应用 `manifests/checker-rbac.yaml` 并绑定到你的用户",
            "The check needs get on pods/proxy: ask an admin to apply `manifests/checker-rbac.yaml` and bind it to your user",
        )),
        Page::Failed { code, message } if !serving => not_yet(pod, lang, expected, format!("proxy {code}: {message}")),
        Page::Failed { code, message } => finding(Outcome::Fail, expected, format!("proxy {code}: {message}")),
    }
}

fn sidecar(pod: &Pod, container: &str, obs: &Observation, lang: Lang) -> Finding {
    let expected =
        tr(lang, "restartPolicy: Always，已启动并运行", "restartPolicy: Always, started and running");
    let spec = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .and_then(|c| c.iter().find(|c| c.name == container));
    let Some(spec) = spec else {
        return finding(
            Outcome::Fail,
            expected,
            tr(
                lang,
                &format!("没有名为 {container} 的 Init Container"),
                &format!("no init container named {container}"),
            ),
        );
    };
    if spec.restart_policy.as_deref() != Some("Always") {
        let version = obs.server_version.as_deref().unwrap_or("?");
        let observed = tr(
            lang,
            &format!(
                "存储的规格中 {container} 没有 restartPolicy：API server（{version}）丢弃了它，{container} 成了普通 Init Container"
            ),
            &format!(
                "the stored spec of {container} has no restartPolicy: the API server ({version}) dropped it, so {container} is a plain init container"
            ),
        );
        let hint = tr(
            lang,
            "原生 Sidecar 需要 Kubernetes 1.29 及以上（或开启 SidecarContainers 特性门控）。换用较新的集群，例如 `kind create cluster --image kindest/node:v1.31.0`，再删除并重新部署 `manifests/sidecar.yaml`",
            "Native sidecars need Kubernetes 1.29 or later (or the SidecarContainers feature gate). Use a newer cluster, e.g. `kind create cluster --image kindest/node:v1.31.0`, then delete and re-apply `manifests/sidecar.yaml`",
        );
        return finding(Outcome::Fail, expected, observed).with_hint(hint);
    }
    let Some(status) = inspect::container_status(pod, container) else {
        return not_yet(pod, lang, expected, no_status(lang));
    };
    let running = status.state.as_ref().is_some_and(|s| s.running.is_some());
    let mut observed = inspect::describe_status(status);
    observed.push_str(if status.started == Some(true) { ", started" } else { ", not started" });
    match running && status.started == Some(true) {
        true => finding(Outcome::Pass, expected, observed),
        false => not_yet(pod, lang, expected, observed),
    }
}

fn ready_column(pod: &Pod, ready: &str, obs: &Observation, lang: Lang) -> Finding {
    let row = pod_row(pod, obs.at);
    let expected = format!("READY {ready}");
    let observed = tr(
        lang,
        &format!("READY {}（STATUS {}）", row.ready, row.status),
        &format!("READY {} (STATUS {})", row.ready, row.status),
    );
    if row.ready == ready {
        return finding(Outcome::Pass, expected, observed);
    }
    // A different total means other containers than the lab's (or a dropped sidecar field).
    let wanted_total = ready.split('/').nth(1).and_then(|t| t.parse::<u32>().ok());
    match wanted_total == Some(row.total) {
        true => not_yet(pod, lang, expected, observed),
        false => finding(Outcome::Fail, expected, observed),
    }
}

fn ready(pod: &Pod, container: &str, lang: Lang) -> Finding {
    let expected = tr(lang, "Running，Ready 为 true", "Running and ready");
    let Some(status) = inspect::container_status(pod, container) else {
        return not_yet(pod, lang, expected, no_status(lang));
    };
    let mut observed = inspect::describe_status(status);
    let running = status.state.as_ref().is_some_and(|s| s.running.is_some());
    if running {
        observed.push_str(if status.ready { ", ready" } else { ", not ready" });
    }
    match (running, status.ready) {
        (true, true) => finding(Outcome::Pass, expected, observed),
        _ => not_yet(pod, lang, expected, observed),
    }
}

fn failed(pod: &Pod, container: &str, min_restarts: u32, lang: Lang) -> Finding {
    let expected = tr(
        lang,
        &format!("退出码非 0，重启次数 ≥ {min_restarts}"),
        &format!("non-zero exit code, restarts ≥ {min_restarts}"),
    );
    let Some(status) = inspect::container_status(pod, container) else {
        return not_yet(pod, lang, expected, no_status(lang));
    };
    let observed = inspect::describe_status(status);
    let failed_now = inspect::exit_code(status.state.as_ref()).is_some_and(|c| c != 0);
    let failed = failed_now || has_failed_before(status);
    let restarts = u32::try_from(status.restart_count).unwrap_or(0);

    if failed && inspect::restart_policy(pod) == "Never" {
        let why = tr(
            lang,
            &format!("{observed}；restartPolicy 为 Never：不会重试，Pod 阶段 {}", inspect::phase(pod)),
            &format!("{observed}; restartPolicy is Never: no retries, pod phase {}", inspect::phase(pod)),
        );
        return finding(Outcome::Fail, expected, why);
    }
    if inspect::exit_code(status.state.as_ref()) == Some(0) {
        let why = tr(lang, &format!("{observed}：它本应失败"), &format!("{observed}: it should have failed"));
        return finding(Outcome::Fail, expected, why);
    }
    if let Some(reason) = inspect::waiting_reason(status)
        && reason != "CrashLoopBackOff"
        && inspect::BROKEN_WAITING_REASONS.contains(&reason)
    {
        return finding(Outcome::Fail, expected, observed);
    }
    match (failed, restarts >= min_restarts) {
        (true, true) => finding(Outcome::Pass, expected, observed),
        (true, false) => finding(
            Outcome::Pending,
            expected,
            tr(
                lang,
                &format!("{observed}：已失败，尚未重启"),
                &format!("{observed}: failed, not restarted yet"),
            ),
        ),
        (false, _) => finding(Outcome::Pending, expected, observed),
    }
}

fn never_started(pod: &Pod, container: &str, lang: Lang) -> Finding {
    let expected = tr(lang, "从未启动（Waiting）", "never started (Waiting)");
    match inspect::container_status(pod, container) {
        None => finding(Outcome::Pass, expected, no_status(lang)),
        Some(status) => {
            let observed = inspect::describe_status(status);
            match inspect::has_started(status) {
                true => finding(Outcome::Fail, expected, observed),
                false => finding(Outcome::Pass, expected, observed),
            }
        }
    }
}

/// Pod phases in the order a pod can move through them.
fn phase_rank(phase: &str) -> u8 {
    match phase {
        "Pending" | "" => 0,
        "Running" => 1,
        _ => 2, // Succeeded, Failed, Unknown
    }
}

fn expect_phase(pod: &Pod, phase: &str, lang: Lang) -> Finding {
    let actual = inspect::phase(pod);
    let expected = phase.to_string();
    let observed = match actual {
        "" => tr(lang, "未报告", "not reported"),
        p => p.to_string(),
    };
    if actual == phase {
        finding(Outcome::Pass, expected, observed)
    } else if phase_rank(actual) < phase_rank(phase) {
        not_yet(pod, lang, expected, observed)
    } else {
        finding(Outcome::Fail, expected, observed)
    }
}

fn expect_condition(pod: &Pod, condition: &str, status: &str, lang: Lang) -> Finding {
    let expected = format!("{condition}={status}");
    match inspect::condition(pod, condition) {
        Some(actual) if actual == status => finding(Outcome::Pass, expected, format!("{condition}={actual}")),
        Some(actual) if status == "True" => not_yet(pod, lang, expected, format!("{condition}={actual}")),
        Some(actual) => finding(Outcome::Fail, expected, format!("{condition}={actual}")),
        None => not_yet(
            pod,
            lang,
            expected,
            tr(lang, &format!("还没有 {condition} 条件"), &format!("no {condition} condition yet")),
        ),
    }
}

fn log_contains(pod: &Pod, container: &str, any_of: &[String], obs: &Observation, lang: Lang) -> Finding {
    let expected =
        any_of.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(tr(lang, " 或 ", " or ").as_str());
    let Some(logs) = &obs.logs else {
        return finding(
            Outcome::Unverifiable,
            expected,
            tr(lang, "无法验证：文件中没有日志", "not verifiable: the file has no logs"),
        );
    };
    let Some(status) = inspect::container_status(pod, container).filter(|s| inspect::has_started(s)) else {
        return not_yet(
            pod,
            lang,
            expected,
            tr(
                lang,
                &format!("{container} 还没有启动，没有日志"),
                &format!("{container} has not started: no log yet"),
            ),
        );
    };
    let pod_name = pod.metadata.name.as_deref().unwrap_or_default();
    let text = logs.get(pod_name).and_then(|c| c.get(container)).map(|l| l.text()).unwrap_or_default();
    if let Some(line) = text.lines().find(|line| any_of.iter().any(|t| line.contains(t.as_str()))) {
        return finding(Outcome::Pass, expected, line.trim().to_string());
    }
    let observed = match last_lines(&text, 3) {
        tail if tail.is_empty() => tr(lang, "日志为空", "the log is empty"),
        tail => tr(lang, &format!("日志末尾：{tail}"), &format!("log ends with: {tail}")),
    };
    if still_starting(status, obs.at) {
        finding(Outcome::Pending, expected, observed)
    } else {
        finding(Outcome::Fail, expected, observed)
    }
}

/// A container that runs and started only moments ago may not have printed its lines yet.
fn still_starting(status: &ContainerStatus, now: Timestamp) -> bool {
    let running_since =
        status.state.as_ref().and_then(|s| s.running.as_ref()).and_then(|r| r.started_at.as_ref());
    running_since.is_some_and(|t| now.as_second() - t.0.as_second() < LOG_GRACE_SECONDS)
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::{ContainerLog, Logs};

    use crate::fixtures::pod as fixture;

    /// An observation of these pods a few minutes after the fixtures' timeline, with logs.
    fn observe(pods: &[&str], logs: Option<Logs>) -> Observation {
        Observation {
            namespace: "experiments".into(),
            namespace_exists: Some(true),
            pods: pods.iter().map(|p| fixture(p)).collect(),
            logs,
            events: Vec::new(),
            pages: None,
            server_version: None,
            at: "2026-11-20T10:05:00Z".parse().unwrap(),
        }
    }

    fn log(pod: &str, container: &str, current: &str, previous: Option<&str>) -> Logs {
        let mut logs = Logs::new();
        let entry = ContainerLog { current: Some(current.into()), previous: previous.map(String::from) };
        logs.entry(pod.into()).or_default().insert(container.into(), entry);
        logs
    }

    fn run(step: u32, obs: &Observation) -> StepReport {
        let spec = LabSpec::embedded().unwrap();
        evaluate(&spec, spec.step(step).unwrap(), obs, Lang::En)
    }

    fn outcome(report: &StepReport, id: &str) -> Outcome {
        report.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}")).outcome
    }

    #[test]
    fn step1_verdict_for_every_state_of_init_demo() {
        let cases = [
            ("init-demo-pending", Verdict::Pending),
            ("init-demo-init-0-of-2", Verdict::Pending),
            ("init-demo-init-1-of-2", Verdict::Pending),
            ("init-demo-pod-initializing", Verdict::Pending),
            ("init-demo-running", Verdict::Pass),
            ("init-demo-image-pull-backoff", Verdict::Fail),
            ("init-demo-changed-spec", Verdict::Fail),
            ("init-demo-terminating", Verdict::Fail),
        ];
        for (fixture, verdict) in cases {
            let report = run(1, &observe(&[fixture], None));
            assert_eq!(report.verdict, verdict, "{fixture}: {:#?}", report.checks);
        }
    }

    #[test]
    fn step1_missing_pod_fails_with_the_apply_hint_and_skips_the_rest() {
        let report = run(1, &observe(&[], None));
        assert_eq!(report.verdict, Verdict::Fail);
        let exists = &report.checks[0];
        assert_eq!(exists.outcome, Outcome::Fail);
        assert!(exists.hint.contains("kubectl apply -f manifests/init-container.yaml"), "{}", exists.hint);
        assert!(report.checks[1..].iter().all(|c| c.outcome == Outcome::Skipped));
        assert!(report.pods.is_empty());
    }

    #[test]
    fn step1_missing_namespace_is_named() {
        let mut obs = observe(&[], None);
        obs.namespace_exists = Some(false);
        let report = run(1, &obs);
        assert!(report.checks[0].observed.contains("namespace experiments does not exist"));
    }

    #[test]
    fn step1_pending_states_say_what_they_wait_for() {
        let report = run(1, &observe(&["init-demo-init-1-of-2"], None));
        assert_eq!(outcome(&report, "init-1-completed"), Outcome::Pass);
        assert_eq!(outcome(&report, "init-2-completed"), Outcome::Pending);
        assert_eq!(outcome(&report, "app-ready"), Outcome::Pending);
        assert_eq!(report.pods[0].status, "Init:1/2");
        assert!(report.pending_hint.contains("checker step 1"));
    }

    #[test]
    fn step1_image_pull_backoff_fails_on_the_unpinned_image() {
        let report = run(1, &observe(&["init-demo-image-pull-backoff"], None));
        let pinned = report.checks.iter().find(|c| c.id == "images-pinned").unwrap();
        assert_eq!(pinned.outcome, Outcome::Fail);
        assert!(pinned.observed.contains("busybox:latest"), "{}", pinned.observed);
        let init1 = report.checks.iter().find(|c| c.id == "init-1-completed").unwrap();
        assert!(init1.observed.contains("ImagePullBackOff"), "{}", init1.observed);
        assert_eq!(report.pods[0].status, "Init:ImagePullBackOff");
    }

    #[test]
    fn step1_changed_spec_names_what_it_found() {
        let report = run(1, &observe(&["init-demo-changed-spec"], None));
        let containers = report.checks.iter().find(|c| c.id == "containers").unwrap();
        assert_eq!(containers.outcome, Outcome::Fail);
        assert!(containers.observed.contains("[setup, init-2]"), "{}", containers.observed);
    }

    #[test]
    fn step1_timings_come_from_container_timestamps() {
        let report = run(1, &observe(&["init-demo-running"], None));
        let t = &report.timings[0];
        assert_eq!(t.containers[0].seconds, Some(5));
        assert_eq!(t.containers[1].seconds, Some(3));
        let serial = report.checks.iter().find(|c| c.id == "serial").unwrap();
        assert_eq!(serial.outcome, Outcome::Pass);
        assert!(serial.observed.contains("+1s"), "{}", serial.observed);
    }

    #[test]
    fn step2_needs_logs_and_says_so_without_them() {
        let report = run(2, &observe(&["init-demo-running"], None));
        assert!(report.checks.iter().all(|c| c.outcome == Outcome::Unverifiable));
        assert_eq!(report.verdict, Verdict::Pending, "never a pass without logs");
    }

    #[test]
    fn step2_passes_on_the_real_log_lines() {
        let mut logs = log("init-demo", "init-1", "Init 1: Checking database...\n", None);
        logs.get_mut("init-demo").unwrap().insert(
            "init-2".into(),
            ContainerLog { current: Some("Init 2: Loading config...\n".into()), previous: None },
        );
        logs.get_mut("init-demo").unwrap().insert(
            "app".into(),
            ContainerLog {
                current: Some(
                    "/docker-entrypoint.sh: Configuration complete; ready for start up\n\
                     2026/11/20 10:00:12 [notice] 1#1: start worker processes\n"
                        .into(),
                ),
                previous: None,
            },
        );
        let report = run(2, &observe(&["init-demo-running"], Some(logs.clone())));
        assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);

        logs.get_mut("init-demo").unwrap().get_mut("init-1").unwrap().current =
            Some("something else\n".into());
        let report = run(2, &observe(&["init-demo-running"], Some(logs)));
        assert_eq!(outcome(&report, "init-1-log"), Outcome::Fail, "a finished container's log is final");
        let check = report.checks.iter().find(|c| c.id == "init-1-log").unwrap();
        assert!(check.observed.contains("something else"));
    }

    #[test]
    fn step2_before_the_containers_ran_is_pending() {
        // Three seconds after init-1 started: it has not printed yet, and nothing else ran.
        let mut obs = observe(&["init-demo-init-0-of-2"], Some(Logs::new()));
        obs.at = "2026-11-20T10:00:05Z".parse().unwrap();
        let report = run(2, &obs);
        assert_eq!(outcome(&report, "init-1-log"), Outcome::Pending);
        assert_eq!(outcome(&report, "init-2-log"), Outcome::Pending);
        assert_eq!(outcome(&report, "app-log"), Outcome::Pending);
        assert_eq!(report.verdict, Verdict::Pending);
    }

    #[test]
    fn step3_verdict_for_every_state_of_init_demo_fail() {
        let logs = || Some(log("init-demo-fail", "init-1", "Init 1: Failed!\n", Some("Init 1: Failed!\n")));
        let cases = [
            ("init-demo-fail-init-error", Verdict::Pending),
            ("init-demo-fail-crashloop", Verdict::Pass),
            ("init-demo-fail-running-restarting", Verdict::Pass),
            ("init-demo-fail-never", Verdict::Fail),
        ];
        for (fixture, verdict) in cases {
            let report = run(3, &observe(&[fixture], logs()));
            assert_eq!(report.verdict, verdict, "{fixture}: {:#?}", report.checks);
        }
    }

    #[test]
    fn step3_first_failure_is_pending_until_the_restart() {
        let report = run(3, &observe(&["init-demo-fail-init-error"], None));
        assert_eq!(outcome(&report, "init-1-failed"), Outcome::Pending);
        assert_eq!(report.pods[0].status, "Init:Error");
    }

    #[test]
    fn step3_restart_policy_never_fails_and_explains() {
        let report = run(3, &observe(&["init-demo-fail-never"], None));
        let failed = report.checks.iter().find(|c| c.id == "init-1-failed").unwrap();
        assert_eq!(failed.outcome, Outcome::Fail);
        assert!(failed.observed.contains("restartPolicy is Never"), "{}", failed.observed);
        assert_eq!(outcome(&report, "phase-pending"), Outcome::Fail);
    }

    #[test]
    fn step3_on_the_succeeding_pod_fails() {
        // The learner applied the wrong manifest under the failing pod's name.
        let mut pod = fixture("init-demo-running");
        pod.metadata.name = Some("init-demo-fail".into());
        let obs = Observation { pods: vec![pod], ..observe(&[], Some(Logs::new())) };
        let report = run(3, &obs);
        assert_eq!(outcome(&report, "init-1-failed"), Outcome::Fail);
        assert_eq!(outcome(&report, "app-never-started"), Outcome::Fail);
        assert_eq!(report.verdict, Verdict::Fail);
    }

    #[test]
    fn step6_cleanup() {
        assert_eq!(run(6, &observe(&[], None)).verdict, Verdict::Pass);
        assert_eq!(run(6, &observe(&["init-demo-terminating"], None)).verdict, Verdict::Pending);
        let report = run(6, &observe(&["init-demo-running", "init-demo-fail-crashloop"], None));
        assert_eq!(report.verdict, Verdict::Fail);
        assert_eq!(report.pods.len(), 2);
        assert!(report.checks[0].observed.contains("init-demo (Running)"), "{}", report.checks[0].observed);
    }

    #[test]
    fn chinese_texts_come_from_the_spec() {
        let spec = LabSpec::embedded().unwrap();
        let report = evaluate(&spec, spec.step(1).unwrap(), &observe(&[], None), Lang::Zh);
        assert_eq!(report.title, "部署带 Init Container 的 Pod");
        assert!(report.checks[0].observed.contains("命名空间"));
    }

    fn with_page(mut obs: Observation, pod: &str, page: Page) -> Observation {
        let mut pages = crate::observation::Pages::new();
        pages.entry(pod.into()).or_default().insert("/".into(), page);
        obs.pages = Some(pages);
        obs
    }

    const MARKER_PAGE: &str =
        "<h1>Prepared by an init container</h1>\n<p>lab-marker: init-container-volume</p>\n";

    #[test]
    fn step4_passes_only_when_the_served_page_has_the_marker() {
        let served = |body: &str| Page::Served { body: body.into() };
        let obs =
            with_page(observe(&["init-demo-volume-running"], None), "init-demo-volume", served(MARKER_PAGE));
        let report = run(4, &obs);
        assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
        let page = report.checks.iter().find(|c| c.id == "serves-the-page").unwrap();
        assert_eq!(page.observed, "<p>lab-marker: init-container-volume</p>");

        let welcome = served("<title>Welcome to nginx!</title>");
        let obs = with_page(observe(&["init-demo-volume-running"], None), "init-demo-volume", welcome);
        let report = run(4, &obs);
        assert_eq!(outcome(&report, "serves-the-page"), Outcome::Fail);
        assert!(report.checks.iter().any(|c| c.observed.contains("Welcome to nginx")));
    }

    #[test]
    fn step4_pending_until_nginx_is_ready_and_failing_init_container_fails() {
        let refused = Page::Failed { code: 503, message: "connection refused".into() };
        let obs = with_page(observe(&["init-demo-volume-initializing"], None), "init-demo-volume", refused);
        assert_eq!(run(4, &obs).verdict, Verdict::Pending);
        let obs = observe(&["init-demo-volume-init-failed"], None);
        assert_eq!(run(4, &obs).verdict, Verdict::Fail);
    }

    #[test]
    fn step4_forbidden_proxy_says_which_permission() {
        let forbidden = Page::Forbidden {
            message:
                "pods \"init-demo-volume\" is forbidden: User \"learner\" cannot get resource \"pods/proxy\""
                    .into(),
        };
        let obs = with_page(observe(&["init-demo-volume-running"], None), "init-demo-volume", forbidden);
        let report = run(4, &obs);
        let page = report.checks.iter().find(|c| c.id == "serves-the-page").unwrap();
        assert_eq!(page.outcome, Outcome::Fail);
        assert!(page.observed.contains("refused the pod proxy"), "{}", page.observed);
        assert!(page.hint.contains("pods/proxy") && page.hint.contains("checker-rbac.yaml"), "{}", page.hint);
    }

    #[test]
    fn step4_from_a_file_without_pages_is_not_verifiable() {
        let report = run(4, &observe(&["init-demo-volume-running"], None));
        assert_eq!(outcome(&report, "serves-the-page"), Outcome::Unverifiable);
        assert_eq!(report.verdict, Verdict::Pending);
    }

    #[test]
    fn step5_verdict_for_every_state_of_the_sidecar_pod() {
        let cases = [
            ("sidecar-demo-running", Verdict::Pass),
            ("sidecar-demo-initializing", Verdict::Pending),
            ("sidecar-demo-sidecar-crashloop", Verdict::Fail),
            ("sidecar-demo-old-cluster", Verdict::Fail),
        ];
        for (fixture, verdict) in cases {
            let report = run(5, &observe(&[fixture], None));
            assert_eq!(report.verdict, verdict, "{fixture}: {:#?}", report.checks);
        }
        let report = run(5, &observe(&["sidecar-demo-running"], None));
        assert_eq!(report.pods[0].ready, "2/2");
        let after = report.checks.iter().find(|c| c.id == "after-the-sidecar").unwrap();
        assert!(after.observed.contains("log-shipper startedAt"), "{}", after.observed);
    }

    #[test]
    fn step5_on_an_old_cluster_explains_the_dropped_field() {
        let mut obs = observe(&["sidecar-demo-old-cluster"], None);
        obs.server_version = Some("v1.28.9".into());
        let report = run(5, &obs);
        let sidecar = report.checks.iter().find(|c| c.id == "sidecar-running").unwrap();
        assert_eq!(sidecar.outcome, Outcome::Fail);
        assert!(
            sidecar.observed.contains("dropped it") && sidecar.observed.contains("v1.28.9"),
            "{}",
            sidecar.observed
        );
        assert!(sidecar.hint.contains("1.29"), "{}", sidecar.hint);
        assert_eq!(outcome(&report, "ready-counts-the-sidecar"), Outcome::Fail, "0/1 can never become 2/2");
    }

    #[test]
    fn step6_covers_the_pods_of_steps_4_and_5() {
        let report = run(6, &observe(&["sidecar-demo-running", "init-demo-volume-running"], None));
        assert_eq!(report.verdict, Verdict::Fail);
        assert!(report.checks[0].observed.contains("sidecar-demo"));
        assert!(report.checks[0].hint.contains("sidecar-demo"), "{}", report.checks[0].hint);
    }

    #[test]
    fn warning_events_of_the_steps_pods_are_reported_newest_last() {
        let event = |pod: &str, type_: &str, reason: &str, at: &str| {
            serde_json::from_value::<k8s_openapi::api::core::v1::Event>(serde_json::json!({
                "metadata": {"name": format!("{pod}.1"), "namespace": "experiments"},
                "involvedObject": {"kind": "Pod", "name": pod, "namespace": "experiments"},
                "type": type_, "reason": reason, "message": format!("{reason} happened"),
                "lastTimestamp": at, "count": 2
            }))
            .unwrap()
        };
        let mut obs = observe(&["init-demo-image-pull-backoff"], None);
        obs.events = vec![
            event("init-demo", "Warning", "Failed", "2026-11-20T10:00:05Z"),
            event("init-demo", "Normal", "Pulling", "2026-11-20T10:00:06Z"),
            event("init-demo", "Warning", "BackOff", "2026-11-20T10:00:09Z"),
            event("init-demo-fail", "Warning", "BackOff", "2026-11-20T10:00:10Z"),
        ];
        let report = run(1, &obs);
        assert_eq!(
            report.warnings,
            ["init-demo: Failed: Failed happened (×2)", "init-demo: BackOff: BackOff happened (×2)"]
        );
    }
}
