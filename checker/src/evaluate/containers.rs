//! Checks on one container of a pod, from its status: completed, failed, never started, ready,
//! started after another, a native sidecar, and the READY column of the pod; and the containers
//! the pod declares.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use lab_spec::{CauseKind, Lang};

use super::{Finding, Outcome, finding, no_status, not_yet};
use crate::clock;
use crate::i18n::tr;
use crate::inspect;
use crate::observation::Observation;
use crate::status::pod_row;

pub(super) fn containers(pod: &Pod, init: &[String], main: &[String], lang: Lang) -> Finding {
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
    let found = describe(&have_init, &have_main);
    match have_init == want_init && have_main == want_main {
        true => finding(Outcome::Pass, describe(&want_init, &want_main), found),
        false => {
            finding(Outcome::Fail, describe(&want_init, &want_main), found).because(CauseKind::SpecMismatch)
        }
    }
}

pub(super) fn completed(pod: &Pod, container: &str, lang: Lang) -> Finding {
    let expected = tr(lang, "Terminated (Completed)，退出码 0", "Terminated (Completed), exit code 0");
    let Some(status) = inspect::container_status(pod, container) else {
        return not_yet(pod, lang, expected, no_status(lang));
    };
    let observed = inspect::describe_status(status, lang);
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

pub(super) fn started_after(pod: &Pod, container: &str, after: &str, lang: Lang) -> Finding {
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
            let (f, st) = (clock::time(finished), clock::time(started));
            let observed = tr(
                lang,
                &format!("{after} 于 {f} 结束，{container} 于 {st} 启动（{gap:+}s）"),
                &format!("{after} finished at {f}, {container} started at {st} ({gap:+}s)"),
            );
            let outcome = if started >= finished { Outcome::Pass } else { Outcome::Fail };
            finding(outcome, expected, observed)
        }
        (None, Some(started)) => {
            let st = clock::time(started);
            finding(
                Outcome::Fail,
                expected,
                tr(
                    lang,
                    &format!("{container} 于 {st} 启动，{after} 还没有结束"),
                    &format!("{container} started at {st}, {after} has not finished"),
                ),
            )
        }
        (_, None) => not_yet(
            pod,
            lang,
            expected,
            tr(lang, &format!("{container} 还没有启动"), &format!("{container} has not started yet")),
        ),
    }
}

pub(super) fn started_after_start(pod: &Pod, container: &str, after: &str, lang: Lang) -> Finding {
    let expected = tr(
        lang,
        &format!("{container} 的启动时间 ≥ {after} 的启动时间"),
        &format!("{container} started at or after {after} started"),
    );
    // The earliest starts known: a sidecar restarted since still started before `container`.
    let after_status = inspect::container_status(pod, after);
    let first = after_status.and_then(inspect::earliest_start);
    let then = inspect::container_status(pod, container).and_then(inspect::earliest_start).map(|s| s.at);
    let story = match after_status.and_then(|s| restarts_story(pod, after, s, lang)) {
        Some(story) => format!("; {story}"),
        None => String::new(),
    };
    match (first, then) {
        (Some(first), Some(then)) if then >= first.at => {
            finding(Outcome::Pass, expected, both_started(after, first.at, container, then, &story, lang))
        }
        // Restarted more often than the status remembers: its first start is lost, but the
        // kubelet started `container` only once `after` had started.
        (Some(first), Some(then))
            if !first.first && inspect::init_container_before(pod, after, container) =>
        {
            let (then, previous) = (clock::time(then), clock::time(first.at));
            let observed = tr(
                lang,
                &format!(
                    "{container} 于 {then} 启动；{after} 的状态只保留了上一次运行（{previous} 启动），它第一次启动的时间已不在状态里；kubelet 只在 {after} 启动之后才启动 {container}，所以顺序成立{story}"
                ),
                &format!(
                    "{container} started at {then}; the status of {after} keeps only its previous run (started at {previous}), not its first start; the kubelet starts {container} only once {after} has started, so the order held{story}"
                ),
            );
            finding(Outcome::Pass, expected, observed)
        }
        (Some(first), Some(then)) => {
            finding(Outcome::Fail, expected, both_started(after, first.at, container, then, &story, lang))
        }
        (None, Some(then)) => {
            let then = clock::time(then);
            finding(
                Outcome::Fail,
                expected,
                tr(
                    lang,
                    &format!("{container} 于 {then} 启动，{after} 还没有启动过"),
                    &format!("{container} started at {then}, {after} has not started"),
                ),
            )
        }
        (_, None) => not_yet(
            pod,
            lang,
            expected,
            tr(lang, &format!("{container} 还没有启动"), &format!("{container} has not started yet")),
        ),
    }
}

/// "a started at …, b started at … (+ns)", in local time.
fn both_started(
    first: &str,
    first_at: jiff::Timestamp,
    then: &str,
    then_at: jiff::Timestamp,
    story: &str,
    lang: Lang,
) -> String {
    let gap = then_at.as_second() - first_at.as_second();
    let (a, b) = (clock::time(first_at), clock::time(then_at));
    tr(
        lang,
        &format!("{first} 于 {a} 启动，{then} 于 {b} 启动（{gap:+}s）{story}"),
        &format!("{first} started at {a}, {then} started at {b} ({gap:+}s){story}"),
    )
}

pub(super) fn sidecar(pod: &Pod, container: &str, obs: &Observation, lang: Lang) -> Finding {
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
        // The next action (a newer cluster) is worded from the spec: see `cause::old_server_action`.
        return finding(Outcome::Fail, expected, observed).because(CauseKind::OldServer);
    }
    let Some(status) = inspect::container_status(pod, container) else {
        return not_yet(pod, lang, expected, no_status(lang));
    };
    let running = status.state.as_ref().is_some_and(|s| s.running.is_some());
    let started = status.started == Some(true);
    let story = restarts_story(pod, container, status, lang);
    let between_runs = !running && story.is_some();
    let observed = match (running && started, story) {
        (true, Some(story)) => {
            tr(lang, &format!("Running，已启动；{story}"), &format!("Running, started; {story}"))
        }
        // Between two runs: it started before, whatever `started: false` says now.
        (false, Some(story)) => story,
        (_, None) => {
            let mut observed = inspect::describe_status(status, lang);
            observed.push_str(&match started {
                true => tr(lang, "，已启动", ", started"),
                false => tr(lang, "，未启动", ", not started"),
            });
            observed
        }
    };
    match (running && started, between_runs) {
        (true, _) => finding(Outcome::Pass, expected, observed),
        (false, false) => not_yet(pod, lang, expected, observed),
        (false, true) => {
            let (pod_name, ns) = (
                pod.metadata.name.as_deref().unwrap_or_default(),
                pod.metadata.namespace.as_deref().unwrap_or("default"),
            );
            let logs = format!("kubectl logs {pod_name} -n {ns} -c {container} --previous");
            not_yet(pod, lang, expected, observed).with_hint(tr(
                lang,
                &format!("它运行过又退出了：用 `{logs}` 看上一次运行的日志。Sidecar 应当一直运行：它每次退出，kubelet 都会以递增的退避时间重启它，其间 Pod 不就绪"),
                &format!("It ran and exited: read its last run's log with `{logs}`. A sidecar must keep running: whenever it exits, the kubelet restarts it after a growing back-off, and the pod is not ready meanwhile"),
            ))
        }
    }
}

pub(super) fn ready_column(pod: &Pod, ready: &str, obs: &Observation, lang: Lang) -> Finding {
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

pub(super) fn ready(pod: &Pod, container: &str, lang: Lang) -> Finding {
    let expected = tr(lang, "Running，Ready 为 true", "Running and ready");
    let Some(status) = inspect::container_status(pod, container) else {
        return not_yet(pod, lang, expected, no_status(lang));
    };
    let mut observed = inspect::describe_status(status, lang);
    let running = status.state.as_ref().is_some_and(|s| s.running.is_some());
    if running {
        observed.push_str(&match status.ready {
            true => tr(lang, "，已就绪", ", ready"),
            false => tr(lang, "，未就绪", ", not ready"),
        });
    }
    match (running, status.ready) {
        (true, true) => finding(Outcome::Pass, expected, observed),
        _ => not_yet(pod, lang, expected, observed),
    }
}

pub(super) fn failed(pod: &Pod, container: &str, min_restarts: u32, lang: Lang) -> Finding {
    let expected = tr(
        lang,
        &format!("退出码非 0，重启次数 ≥ {min_restarts}"),
        &format!("non-zero exit code, restarts ≥ {min_restarts}"),
    );
    let Some(status) = inspect::container_status(pod, container) else {
        return not_yet(pod, lang, expected, no_status(lang));
    };
    let observed = inspect::describe_status(status, lang);
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

pub(super) fn never_started(pod: &Pod, container: &str, lang: Lang) -> Finding {
    let expected = tr(lang, "从未启动（Waiting）", "never started (Waiting)");
    match inspect::container_status(pod, container) {
        None => finding(Outcome::Pass, expected, no_status(lang)),
        Some(status) => {
            let observed = inspect::describe_status(status, lang);
            match inspect::has_started(status) {
                true => finding(Outcome::Fail, expected, observed),
                false => finding(Outcome::Pass, expected, observed),
            }
        }
    }
}

/// What a restarted container went through, if it was restarted or waits to be: it runs again,
/// or it started, exited and waits for the kubelet to start it again.
fn restarts_story(pod: &Pod, name: &str, status: &ContainerStatus, lang: Lang) -> Option<String> {
    let state = status.state.as_ref();
    let restarts = status.restart_count;
    let last_exit = inspect::exit_code(status.last_state.as_ref());
    if let (Some(waiting), Some(code)) = (state.and_then(|s| s.waiting.as_ref()), last_exit) {
        let reason = waiting.reason.as_deref().unwrap_or("Waiting");
        return Some(tr(
            lang,
            &format!("{name} 启动过，以退出码 {code} 退出，正在等待重启（{reason}，restarts: {restarts}）"),
            &format!(
                "{name} started, exited with exit code {code} and is waiting to be restarted ({reason}, restarts: {restarts})"
            ),
        ));
    }
    let running = state.is_some_and(|s| s.running.is_some());
    if restarts == 0 || !running {
        return None;
    }
    let (exit_zh, exit) = match last_exit {
        Some(code) => (format!("，上次退出码 {code}"), format!(", last exit code {code}")),
        None => Default::default(),
    };
    Some(match inspect::is_sidecar(pod, name) {
        true => tr(
            lang,
            &format!(
                "{name} 被重启过（restarts: {restarts}{exit_zh}），现在又在运行：Sidecar 每次退出都会被 kubelet 重启，这没有问题"
            ),
            &format!(
                "{name} was restarted (restarts: {restarts}{exit}) and runs again: the kubelet restarts a sidecar whenever it exits, which is fine"
            ),
        ),
        false => tr(
            lang,
            &format!("{name} 被重启过（restarts: {restarts}{exit_zh}），现在又在运行"),
            &format!("{name} was restarted (restarts: {restarts}{exit}) and runs again"),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{log, observe, outcome, run};
    use crate::clock;
    use crate::evaluate::{CheckResult, Outcome, StepReport, Verdict, evaluate};
    use crate::fixtures::pod as fixture;
    use crate::observation::{Logs, Observation};
    use lab_spec::{LabSpec, Lang};

    #[test]
    fn step1_changed_spec_names_what_it_found() {
        let report = run(1, &observe(&["init-demo-changed-spec"], None));
        let containers = report.checks.iter().find(|c| c.id == "containers").unwrap();
        assert_eq!(containers.outcome, Outcome::Fail);
        assert!(containers.observed.contains("[setup, init-2]"), "{}", containers.observed);
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
    fn step5_verdict_for_every_state_of_the_sidecar_pod() {
        let cases = [
            ("sidecar-demo-running", Verdict::Pass),
            ("sidecar-demo-initializing", Verdict::Pending),
            ("sidecar-demo-sidecar-crashloop", Verdict::Fail),
            ("sidecar-demo-old-cluster", Verdict::Fail),
            ("sidecar-demo-sidecar-restarted", Verdict::Pass),
            ("sidecar-demo-sidecar-exits", Verdict::Fail),
        ];
        for (fixture, verdict) in cases {
            let report = run(5, &observe(&[fixture], None));
            assert_eq!(report.verdict, verdict, "{fixture}: {:#?}", report.checks);
        }
        let report = run(5, &observe(&["sidecar-demo-running"], None));
        assert_eq!(report.pods[0].ready, "2/2");
        let after = report.checks.iter().find(|c| c.id == "after-the-sidecar").unwrap();
        assert!(after.observed.contains("log-shipper started at"), "{}", after.observed);
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

    fn check<'a>(report: &'a StepReport, id: &str) -> &'a CheckResult {
        report.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}"))
    }

    #[test]
    fn step5_a_sidecar_restarted_once_is_fine() {
        let report = run(5, &observe(&["sidecar-demo-sidecar-restarted"], None));
        assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
        assert_eq!((report.pods[0].ready.as_str(), report.pods[0].restarts), ("2/2", 1));
        // The order is judged on the first run, kept in lastState.
        let after = check(&report, "after-the-sidecar");
        let (first, then) =
            ("2026-11-20T10:03:02Z".parse().unwrap(), "2026-11-20T10:03:03Z".parse().unwrap());
        let expected = format!(
            "log-shipper started at {}, init-config started at {} (+1s)",
            clock::time(first),
            clock::time(then)
        );
        assert!(after.observed.starts_with(&expected), "{}", after.observed);
        assert!(after.observed.contains("restarts: 1, last exit code 137"), "{}", after.observed);
        let sidecar = check(&report, "sidecar-running");
        assert!(
            sidecar.observed.starts_with("Running, started; log-shipper was restarted"),
            "{}",
            sidecar.observed
        );
        assert!(sidecar.observed.contains("restarts: 1") && sidecar.observed.contains("which is fine"));

        let spec = LabSpec::embedded().unwrap();
        let obs = observe(&["sidecar-demo-sidecar-restarted"], None);
        let zh = evaluate(&spec, spec.step(5).unwrap(), &obs, Lang::Zh);
        assert!(check(&zh, "sidecar-running").observed.contains("restarts: 1，上次退出码 137"));
        assert!(check(&zh, "sidecar-running").observed.contains("这没有问题"));
    }

    #[test]
    fn step5_a_known_first_start_after_the_init_container_still_fails() {
        // The same pod, but init-config started before the sidecar's first (recorded) start.
        let mut pod = fixture("sidecar-demo-sidecar-restarted");
        let statuses = pod.status.as_mut().unwrap().init_container_statuses.as_mut().unwrap();
        let terminated = statuses[1].state.as_mut().unwrap().terminated.as_mut().unwrap();
        terminated.started_at = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            "2026-11-20T10:03:01Z".parse().unwrap(),
        ));
        let obs = Observation { pods: vec![pod], ..observe(&[], None) };
        let after = check(&run(5, &obs), "after-the-sidecar").clone();
        assert_eq!(after.outcome, Outcome::Fail, "{}", after.observed);
        assert!(after.observed.contains("(-1s)"), "{}", after.observed);
    }

    #[test]
    fn step5_a_sidecar_between_restarts_started_exited_and_waits() {
        let report = run(5, &observe(&["sidecar-demo-sidecar-exits"], None));
        assert_eq!(report.verdict, Verdict::Fail, "a sidecar must keep running: {:#?}", report.checks);
        let between = "log-shipper started, exited with exit code 0 and is waiting to be restarted (CrashLoopBackOff, restarts: 2)";
        let sidecar = check(&report, "sidecar-running");
        assert_eq!(sidecar.outcome, Outcome::Fail);
        assert!(sidecar.observed.starts_with(between), "{}", sidecar.observed);
        // The back-off is the step's cause, said once above the expectations.
        let cause = report.cause.as_ref().unwrap();
        assert!(sidecar.grouped && cause.summary.contains("back-off 20s"), "{}", cause.summary);
        assert!(!sidecar.observed.contains("not started"), "{}", sidecar.observed);
        assert!(
            sidecar.hint.contains("kubectl logs sidecar-demo -n experiments -c log-shipper --previous"),
            "{}",
            sidecar.hint
        );
        // Its first start is no longer in the status; the kubelet's order still held.
        let after = check(&report, "after-the-sidecar");
        assert_eq!(after.outcome, Outcome::Pass, "{}", after.observed);
        assert!(after.observed.contains("keeps only its previous run"), "{}", after.observed);
        assert!(after.observed.contains(between), "{}", after.observed);
        assert!(!after.observed.contains("has not started"), "{}", after.observed);
        assert_eq!(outcome(&report, "app-running"), Outcome::Pass);
        assert_eq!(report.pods[0].status, "Init:CrashLoopBackOff");

        let spec = LabSpec::embedded().unwrap();
        let obs = observe(&["sidecar-demo-sidecar-exits"], None);
        let zh = evaluate(&spec, spec.step(5).unwrap(), &obs, Lang::Zh);
        assert!(
            check(&zh, "sidecar-running")
                .observed
                .starts_with("log-shipper 启动过，以退出码 0 退出，正在等待重启"),
            "{}",
            check(&zh, "sidecar-running").observed
        );

        // The sidecar that crashes at once: the same words, and init-config has not started.
        let report = run(5, &observe(&["sidecar-demo-sidecar-crashloop"], None));
        let sidecar = check(&report, "sidecar-running");
        assert!(
            sidecar.observed.starts_with("log-shipper started, exited with exit code 1"),
            "{}",
            sidecar.observed
        );
        assert!(check(&report, "after-the-sidecar").observed.starts_with("init-config has not started yet"));
    }
}
