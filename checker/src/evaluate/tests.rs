//! The evaluator's tests on whole steps of the real lab, and the helpers the families' tests share.

use super::*;
use crate::observation::{ContainerLog, Logs, Objects, Read};
use crate::resources::all_nodes;

use crate::fixtures::pod as fixture;

mod steps78;

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
        objects: Default::default(),
        at: "2026-11-20T10:05:00Z".parse().unwrap(),
    }
}

/// An observation as the cluster edge makes it for `step`: every selection of the step read in
/// the lab's namespace, and the nodes (cluster-wide), finding those of `objects`.
pub(super) fn observe_step(
    step: u32,
    pods: &[&str],
    logs: Option<Logs>,
    objects: Vec<serde_json::Value>,
) -> Observation {
    let spec = LabSpec::embedded().unwrap();
    let mut obs = observe(pods, logs);
    let mut reads: Vec<Read> =
        spec.step(step).unwrap().selects().iter().map(|s| Read::of(s, Some("experiments"))).collect();
    reads.push(Read::of(&all_nodes(), None));
    obs.objects = Objects { reads, items: objects };
    obs
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
    assert!(report.pending_hint.contains("about 8 seconds"), "{}", report.pending_hint);
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

// The generic rules, on the small test lab of tests/fixtures/labs/mini (its own texts, no RBAC
// manifest), so that they hold for any lab and not only for the real one.

fn mini() -> LabSpec {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/labs/mini/lab.yaml");
    LabSpec::load(std::path::Path::new(path)).expect("the mini lab loads")
}

fn run_mini(step: u32, obs: &Observation) -> StepReport {
    let spec = mini();
    evaluate(&spec, spec.step(step).unwrap(), obs, Lang::En)
}

#[test]
fn mini_a_step_passes_when_every_expectation_holds() {
    let report = run_mini(1, &observe(&["init-demo-running"], None));
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
    assert!(report.checks.iter().all(|c| c.passed && c.hint.is_empty()));
    assert_eq!(report.title, "Start");
}

#[test]
fn mini_on_its_way_is_pending_and_blocked_is_fail() {
    let on_its_way = run_mini(1, &observe(&["init-demo-init-0-of-2"], None));
    assert_eq!(on_its_way.verdict, Verdict::Pending, "{:#?}", on_its_way.checks);
    assert_eq!(outcome(&on_its_way, "first-done"), Outcome::Pending);
    assert_eq!(on_its_way.pending_hint, "wait and check again");

    let blocked = run_mini(1, &observe(&["init-demo-image-pull-backoff"], None));
    assert_eq!(blocked.verdict, Verdict::Fail, "{:#?}", blocked.checks);
    let first = blocked.checks.iter().find(|c| c.id == "first-done").unwrap();
    assert_eq!(first.outcome, Outcome::Fail);
    assert!(first.observed.contains("ImagePullBackOff"), "{}", first.observed);
    assert_eq!(first.hint, "read the log of init-1", "the hint comes from the lab's spec");
}

#[test]
fn mini_checks_on_a_missing_pod_are_skipped_and_the_existence_check_fails() {
    let report = run_mini(1, &observe(&[], None));
    assert_eq!(report.verdict, Verdict::Fail);
    assert_eq!(outcome(&report, "exists"), Outcome::Fail);
    assert_eq!(report.checks[0].hint, "create the pod first");
    assert_eq!(outcome(&report, "first-done"), Outcome::Skipped);
    assert_eq!(outcome(&report, "app-ready"), Outcome::Skipped);
    assert!(report.checks.iter().filter(|c| c.outcome == Outcome::Skipped).all(|c| !c.passed));
}

#[test]
fn mini_without_logs_is_unverifiable_never_a_pass() {
    let report = run_mini(2, &observe(&["init-demo-running"], None));
    assert_eq!(outcome(&report, "said-hello"), Outcome::Unverifiable);
    assert_eq!(report.verdict, Verdict::Pending);
    assert!(report.checks[0].hint.contains("checker snapshot"), "{}", report.checks[0].hint);

    let logs = log("init-demo", "init-1", "Init 1: Checking database...\n", None);
    let report = run_mini(2, &observe(&["init-demo-running"], Some(logs)));
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
}

#[test]
fn mini_a_refused_permission_names_no_rbac_file_when_the_lab_has_none() {
    let mut obs = observe(&["init-demo-volume-running"], None);
    let mut pages = crate::observation::Pages::new();
    let refused = crate::observation::Page::Forbidden { message: "pods \"x\" is forbidden".into() };
    pages.entry("init-demo-volume".into()).or_default().insert("/".into(), refused);
    obs.pages = Some(pages);
    let report = run_mini(3, &obs);
    let page = &report.checks[0];
    assert_eq!(page.outcome, Outcome::Fail);
    assert!(page.hint.contains("pods/proxy") && page.hint.contains("grant"), "{}", page.hint);
    assert!(!page.hint.contains(".yaml"), "{}", page.hint);

    // The real lab names its manifest, from its spec.
    let real = LabSpec::embedded().unwrap();
    let report = evaluate(&real, real.step(4).unwrap(), &obs, Lang::En);
    let rbac = real.rbac.as_deref().unwrap();
    assert!(report.checks.iter().any(|c| c.hint.contains(rbac)), "{:#?}", report.checks);
}

/// Experiment 2.1's step `n` on these objects of its cluster (`tests/fixtures/labs/statefulset`),
/// every selection of the step read.
fn statefulset_step(n: u32, names: &[&str]) -> StepReport {
    use crate::observation::{Objects, Read};
    let labs = lab_spec::Labs::embedded().unwrap();
    let spec = labs.get("statefulset").expect("the lab is built in").spec.clone();
    let items: Vec<serde_json::Value> =
        names.iter().map(|p| crate::fixtures::statefulset_object(p)).collect();
    let pods =
        items.iter().filter(|o| o["kind"] == "Pod").map(|o| serde_json::from_value(o.clone()).unwrap());
    let reads = spec.step(n).unwrap().selects().iter().map(|s| Read::of(s, Some("statefulset"))).collect();
    let obs = Observation {
        namespace: "statefulset".into(),
        pods: pods.collect(),
        objects: Objects { reads, items },
        ..observe(&[], None)
    };
    evaluate(&spec, spec.step(n).unwrap(), &obs, Lang::En)
}

#[test]
fn a_pod_its_controller_makes_is_pending_while_missing_not_skipped() {
    // web-0 ready, web-1 initializing, web-2 not created yet: the StatefulSet is on its way.
    let report = statefulset_step(
        1,
        &["service-web", "statefulset-web-starting", "pod-web-0", "pod-web-1-initializing"],
    );
    assert_eq!(report.verdict, Verdict::Pending, "{:#?}", report.checks);
    assert_eq!(outcome(&report, "web-2-init"), Outcome::Pending);
    let web2 = report.checks.iter().find(|c| c.id == "web-2-init").unwrap();
    assert_eq!(web2.observed, "pod web-2 does not exist yet: its controller creates it");
    assert_eq!(report.cause.as_ref().map(|c| c.kind), Some(CauseKind::Progressing));
}

#[test]
fn a_pod_its_controller_replaces_is_pending_while_terminating() {
    // Step 3 right after `kubectl delete pod web-1`: the old pod's finished init container
    // must not count for the new one.
    let report = statefulset_step(3, &["pod-web-0", "pod-web-1-terminating", "pod-web-2"]);
    assert_eq!(outcome(&report, "same-claim"), Outcome::Pending, "an object being deleted, which converges");
    assert_eq!(outcome(&report, "init-ran-again"), Outcome::Pending, "{:#?}", report.checks);
    let check = report.checks.iter().find(|c| c.id == "init-ran-again").unwrap();
    assert!(check.observed.contains("being deleted (Terminating)"), "{}", check.observed);
    assert_eq!(report.verdict, Verdict::Fail, "`replaced` fails until the new pod is created");
    // The same pod without `created_by: controller` is the learner's: missing fails the step.
    let report = run(1, &observe(&[], None));
    assert_eq!(report.verdict, Verdict::Fail);
    assert_eq!(outcome(&report, "init-1-completed"), Outcome::Skipped);
}
