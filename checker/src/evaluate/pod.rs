//! Checks on the pod as a whole: it exists, its images are pinned, its phase and conditions.

use k8s_openapi::api::core::v1::Pod;
use lab_spec::{CauseKind, Lang, QosClass};

use super::{Finding, Outcome, finding, not_yet};
use crate::i18n::tr;
use crate::inspect;
use crate::observation::Observation;

pub(super) fn pod_exists(name: &str, obs: &Observation, lang: Lang) -> Finding {
    let expected = tr(lang, &format!("Pod {name} 存在"), &format!("pod {name} exists"));
    match obs.pod(name) {
        Some(pod) if inspect::is_terminating(pod) => finding(
            Outcome::Fail,
            expected,
            tr(lang, "Pod 正在被删除（Terminating）", "the pod is being deleted (Terminating)"),
        )
        .because(CauseKind::Terminating),
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
            finding(Outcome::Fail, expected, observed).because(CauseKind::Missing)
        }
    }
}

pub(super) fn images_pinned(pod: &Pod, lang: Lang) -> Finding {
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

/// Pod phases in the order a pod can move through them.
fn phase_rank(phase: &str) -> u8 {
    match phase {
        "Pending" | "" => 0,
        "Running" => 1,
        _ => 2, // Succeeded, Failed, Unknown
    }
}

pub(super) fn expect_phase(pod: &Pod, phase: &str, lang: Lang) -> Finding {
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

pub(super) fn expect_condition(
    pod: &Pod,
    condition: &str,
    status: &str,
    reason: Option<&str>,
    lang: Lang,
) -> Finding {
    let expected = match reason {
        Some(reason) => format!("{condition}={status} ({reason})"),
        None => format!("{condition}={status}"),
    };
    let actual_reason = inspect::condition_reason(pod, condition);
    let observed = |actual: &str| match actual_reason {
        Some(r) if reason.is_some() => format!("{condition}={actual} ({r})"),
        _ => format!("{condition}={actual}"),
    };
    match inspect::condition(pod, condition) {
        Some(actual) if actual == status && reason.is_none_or(|r| actual_reason == Some(r)) => {
            finding(Outcome::Pass, expected, observed(actual))
        }
        // The right status for another reason (`SchedulingGated`, not `Unschedulable`).
        Some(actual) if actual == status => finding(Outcome::Fail, expected, observed(actual)),
        Some(actual) if status == "True" => not_yet(pod, lang, expected, observed(actual)),
        Some(actual) => finding(Outcome::Fail, expected, observed(actual)),
        None => not_yet(
            pod,
            lang,
            expected,
            tr(lang, &format!("还没有 {condition} 条件"), &format!("no {condition} condition yet")),
        ),
    }
}

/// The QoS class the API server stored, explained from the spec when it is not the expected one.
pub(super) fn expect_qos(pod: &Pod, class: QosClass, lang: Lang) -> Finding {
    let expected = class.as_str().to_string();
    let stored = pod.status.as_ref().and_then(|s| s.qos_class.as_deref());
    let why = crate::resources::qos_of(pod).map(|q| q.explain(lang));
    match stored {
        Some(actual) if actual == class.as_str() => finding(Outcome::Pass, expected, actual.to_string()),
        Some(actual) => {
            let because = why.map(|w| format!(": {w}")).unwrap_or_default();
            finding(Outcome::Fail, expected, format!("{actual}{because}"))
        }
        None => {
            finding(Outcome::Fail, expected, tr(lang, "状态中没有 qosClass", "the status has no qosClass"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{observe, run};
    use crate::evaluate::{Outcome, Verdict};

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
    fn step1_image_pull_backoff_fails_on_the_unpinned_image() {
        let report = run(1, &observe(&["init-demo-image-pull-backoff"], None));
        let pinned = report.checks.iter().find(|c| c.id == "images-pinned").unwrap();
        assert_eq!(pinned.outcome, Outcome::Fail);
        assert!(pinned.observed.contains("busybox:latest"), "{}", pinned.observed);
        let init1 = report.checks.iter().find(|c| c.id == "init-1-completed").unwrap();
        assert!(init1.observed.contains("ImagePullBackOff"), "{}", init1.observed);
        assert_eq!(report.pods[0].status, "Init:ImagePullBackOff");
    }
}
