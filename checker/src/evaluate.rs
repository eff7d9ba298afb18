//! The pure heart of the checker: an observation and a step in, a verdict per expectation out.
//!
//! No I/O happens here, so every rule is tested on fixtures in real wire format. Each kind of
//! expectation tells three situations apart: it holds (pass), the cluster is still on its way to
//! it (pending: wait and check again), or it cannot come true without the learner changing
//! something (fail: the hint says what).

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use lab_spec::{Check, Expectation, LabSpec, Lang, Step};
use serde::Serialize;

use crate::i18n::tr;
use crate::inspect;
use crate::observation::Observation;
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
    }
}

/// A finding before the hint and texts are attached.
struct Finding {
    outcome: Outcome,
    expected: String,
    observed: String,
}

fn finding(outcome: Outcome, expected: String, observed: impl Into<String>) -> Finding {
    Finding { outcome, expected, observed: observed.into() }
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
    let hint = match found.outcome {
        Outcome::Pass => String::new(),
        Outcome::Unverifiable => tr(
            lang,
            "这个文件没有日志。直接对集群运行检查，或用 `checker snapshot` 保存包含日志的快照。",
            "This file has no logs. Run the check against the cluster, or save a snapshot with logs using `checker snapshot`.",
        ),
        _ => e.hint.get(lang).to_string(),
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
        Check::StartedAfter { container, after, .. } => started_after(pod, container, after, lang),
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
fn not_yet(pod: &Pod, expected: String, observed: String) -> Finding {
    match inspect::blocker(pod) {
        Some(blocker) => finding(Outcome::Fail, expected, format!("{observed}; {blocker}")),
        None => finding(Outcome::Pending, expected, observed),
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
        return not_yet(pod, expected, no_status(lang));
    };
    let observed = inspect::describe_status(status);
    match inspect::exit_code(status.state.as_ref()) {
        Some(0) => finding(Outcome::Pass, expected, observed),
        Some(_) => finding(Outcome::Fail, expected, observed),
        None if has_failed_before(status) => finding(Outcome::Fail, expected, observed),
        None => not_yet(pod, expected, observed),
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
            expected,
            tr(lang, &format!("{container} 还没有启动"), &format!("{container} has not started yet")),
        ),
    }
}

fn ready(pod: &Pod, container: &str, lang: Lang) -> Finding {
    let expected = tr(lang, "Running，Ready 为 true", "Running and ready");
    let Some(status) = inspect::container_status(pod, container) else {
        return not_yet(pod, expected, no_status(lang));
    };
    let mut observed = inspect::describe_status(status);
    let running = status.state.as_ref().is_some_and(|s| s.running.is_some());
    if running {
        observed.push_str(if status.ready { ", ready" } else { ", not ready" });
    }
    match (running, status.ready) {
        (true, true) => finding(Outcome::Pass, expected, observed),
        _ => not_yet(pod, expected, observed),
    }
}

fn failed(pod: &Pod, container: &str, min_restarts: u32, lang: Lang) -> Finding {
    let expected = tr(
        lang,
        &format!("退出码非 0，重启次数 ≥ {min_restarts}"),
        &format!("non-zero exit code, restarts ≥ {min_restarts}"),
    );
    let Some(status) = inspect::container_status(pod, container) else {
        return not_yet(pod, expected, no_status(lang));
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
        not_yet(pod, expected, observed)
    } else {
        finding(Outcome::Fail, expected, observed)
    }
}

fn expect_condition(pod: &Pod, condition: &str, status: &str, lang: Lang) -> Finding {
    let expected = format!("{condition}={status}");
    match inspect::condition(pod, condition) {
        Some(actual) if actual == status => finding(Outcome::Pass, expected, format!("{condition}={actual}")),
        Some(actual) if status == "True" => not_yet(pod, expected, format!("{condition}={actual}")),
        Some(actual) => finding(Outcome::Fail, expected, format!("{condition}={actual}")),
        None => not_yet(
            pod,
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

    fn fixture(name: &str) -> Pod {
        let path = format!("{}/../tests/fixtures/pods/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
        serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    /// An observation of these pods a few minutes after the fixtures' timeline, with logs.
    fn observe(pods: &[&str], logs: Option<Logs>) -> Observation {
        Observation {
            namespace: "experiments".into(),
            namespace_exists: Some(true),
            pods: pods.iter().map(|p| fixture(p)).collect(),
            logs,
            events: Vec::new(),
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
}
