//! `log_contains`: a line in a container's log (the current run or the one before).

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use lab_spec::Lang;

use super::{Finding, Outcome, finding, not_yet};
use crate::i18n::tr;
use crate::inspect;
use crate::observation::Observation;

/// How long a running container may go without printing an expected log line before that
/// counts as a failure rather than "not yet".
const LOG_GRACE_SECONDS: i64 = 10;

pub(super) fn log_contains(
    pod: &Pod,
    container: &str,
    any_of: &[String],
    obs: &Observation,
    lang: Lang,
) -> Finding {
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
    use super::super::tests::{log, observe, outcome, run};
    use crate::evaluate::{Outcome, Verdict};
    use crate::observation::{ContainerLog, Logs};

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
}
