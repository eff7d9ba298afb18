//! The evaluator's tests on whole steps of the real lab, and the helpers the families' tests share.

use super::*;
use crate::observation::{ContainerLog, Logs};

use crate::fixtures::pod as fixture;

/// An observation of these pods a few minutes after the fixtures' timeline, with logs.
pub(super) fn observe(pods: &[&str], logs: Option<Logs>) -> Observation {
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

pub(super) fn log(pod: &str, container: &str, current: &str, previous: Option<&str>) -> Logs {
    let mut logs = Logs::new();
    let entry = ContainerLog { current: Some(current.into()), previous: previous.map(String::from) };
    logs.entry(pod.into()).or_default().insert(container.into(), entry);
    logs
}

pub(super) fn run(step: u32, obs: &Observation) -> StepReport {
    let spec = LabSpec::embedded().unwrap();
    evaluate(&spec, spec.step(step).unwrap(), obs, Lang::En)
}

pub(super) fn outcome(report: &StepReport, id: &str) -> Outcome {
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
fn step1_pending_states_say_what_they_wait_for() {
    let report = run(1, &observe(&["init-demo-init-1-of-2"], None));
    assert_eq!(outcome(&report, "init-1-completed"), Outcome::Pass);
    assert_eq!(outcome(&report, "init-2-completed"), Outcome::Pending);
    assert_eq!(outcome(&report, "app-ready"), Outcome::Pending);
    assert_eq!(report.pods[0].status, "Init:1/2");
    assert!(report.pending_hint.contains("checker step 1"));
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
fn chinese_texts_come_from_the_spec() {
    let spec = LabSpec::embedded().unwrap();
    let report = evaluate(&spec, spec.step(1).unwrap(), &observe(&[], None), Lang::Zh);
    assert_eq!(report.title, "部署带 Init Container 的 Pod");
    assert!(report.checks[0].observed.contains("命名空间"));
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
