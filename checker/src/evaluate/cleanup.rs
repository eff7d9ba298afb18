//! `lab_pods_gone`: the cleanup step, over all of the lab's pods.

use k8s_openapi::api::core::v1::Pod;
use lab_spec::{LabSpec, Lang};

use super::{Finding, Outcome, finding};
use crate::i18n::tr;
use crate::inspect;
use crate::observation::Observation;
use crate::status::pod_row;

pub(super) fn lab_pods_gone(spec: &LabSpec, obs: &Observation, lang: Lang) -> Finding {
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

#[cfg(test)]
mod tests {
    use super::super::tests::{observe, observe_step, run};
    use crate::evaluate::Verdict;

    #[test]
    fn step6_cleanup() {
        assert_eq!(run(6, &observe_step(6, &[], None, Vec::new())).verdict, Verdict::Pass);
        assert_eq!(run(6, &observe(&["init-demo-terminating"], None)).verdict, Verdict::Pending);
        let report = run(6, &observe(&["init-demo-running", "init-demo-fail-crashloop"], None));
        assert_eq!(report.verdict, Verdict::Fail);
        assert_eq!(report.pods.len(), 2);
        assert!(report.checks[0].observed.contains("init-demo (Running)"), "{}", report.checks[0].observed);
    }

    #[test]
    fn step6_covers_the_pods_of_steps_4_and_5() {
        let report = run(6, &observe(&["sidecar-demo-running", "init-demo-volume-running"], None));
        assert_eq!(report.verdict, Verdict::Fail);
        assert!(report.checks[0].observed.contains("sidecar-demo"));
        assert!(report.checks[0].hint.contains("sidecar-demo"), "{}", report.checks[0].hint);
    }
}
