//! The one root cause of a step, on the fixtures of the states a learner meets.

use lab_spec::{CauseKind, LabSpec, Lang};

use super::super::tests::{log, observe, observe_step, outcome, run};
use crate::evaluate::{Outcome, StepReport, Verdict, evaluate};
use crate::fixtures::pod as fixture;
use crate::observation::Observation;

fn grouped(report: &StepReport) -> Vec<&str> {
    report.checks.iter().filter(|c| c.grouped).map(|c| c.id.as_str()).collect()
}

fn cause(report: &StepReport) -> &super::Cause {
    report.cause.as_ref().unwrap_or_else(|| panic!("no cause: {:#?}", report.checks))
}

#[test]
fn an_image_pull_back_off_is_one_cause_with_the_fix_and_five_dependent_expectations() {
    let report = run(1, &observe(&["init-demo-image-pull-backoff"], None));
    assert_eq!(report.verdict, Verdict::Fail);
    let cause = cause(&report);
    assert_eq!(cause.kind, CauseKind::ImagePull);
    assert_eq!((cause.pod.as_deref(), cause.container.as_deref()), (Some("init-demo"), Some("init-1")));
    assert!(
        cause.summary.contains("busybox:latest") && cause.summary.contains("ImagePullBackOff"),
        "{}",
        cause.summary
    );
    // The fix, in the lab's words: delete the pod, apply the pinned manifest.
    assert!(cause.action.contains("`kubectl delete pod init-demo -n experiments`"), "{}", cause.action);
    assert!(cause.action.contains("`kubectl apply -f manifests/init-container.yaml`"), "{}", cause.action);
    assert_eq!(
        grouped(&report),
        ["images-pinned", "init-1-completed", "init-2-completed", "serial", "app-ready", "pod-ready"]
    );
    assert_eq!(cause.checks, grouped(&report));
    // The expectations under it do not repeat it.
    for c in report.checks.iter().filter(|c| c.grouped && c.id != "images-pinned") {
        assert!(!c.observed.contains("Back-off pulling"), "{}: {}", c.id, c.observed);
    }
    assert_eq!(
        report.checks.iter().find(|c| c.id == "app-ready").unwrap().observed,
        "Waiting (PodInitializing)"
    );
    assert!(report.next.is_none());
}

#[test]
fn without_the_labs_words_an_unpinned_image_is_fixed_from_the_manifest() {
    let mut spec = LabSpec::embedded().unwrap();
    spec.steps[0].causes.clear();
    let obs = observe(&["init-demo-image-pull-backoff"], None);
    let report = evaluate(&spec, &spec.steps[0], &obs, Lang::En);
    let action = &cause(&report).action;
    assert!(action.starts_with("The image busybox:latest is not pinned"), "{action}");
    assert!(action.ends_with("`kubectl delete pod init-demo -n experiments`, then `kubectl apply -f manifests/init-container.yaml`"), "{action}");

    // A pinned image that cannot be pulled: the node's problem, told by the events.
    let mut pod = fixture("init-demo-image-pull-backoff");
    pod.spec.as_mut().unwrap().init_containers.as_mut().unwrap()[0].image = Some("busybox:1.36.1".into());
    let obs = Observation { pods: vec![pod], ..observe(&[], None) };
    let report = evaluate(&spec, &spec.steps[0], &obs, Lang::Zh);
    let action = &cause(&report).action;
    assert!(action.starts_with("节点拉不到镜像 busybox:1.36.1"), "{action}");
    assert!(action.contains("`kubectl describe pod init-demo -n experiments`"), "{action}");
}

#[test]
fn a_crash_loop_gets_the_previous_log_of_the_crashing_container() {
    let report = run(4, &observe(&["init-demo-volume-init-failed"], None));
    assert_eq!(report.verdict, Verdict::Fail);
    let cause = cause(&report);
    assert_eq!(cause.kind, CauseKind::CrashLoop);
    assert_eq!(cause.container.as_deref(), Some("write-page"));
    assert!(cause.summary.contains("2 restarts, last exit code 1"), "{}", cause.summary);
    assert!(
        cause.action.contains("`kubectl logs init-demo-volume -n experiments -c write-page --previous`"),
        "{}",
        cause.action
    );
    assert!(
        cause.action.contains("`kubectl apply -f manifests/init-container-volume.yaml`"),
        "{}",
        cause.action
    );
    assert!(grouped(&report).contains(&"write-page-completed") && grouped(&report).contains(&"app-ready"));

    let sidecar = run(5, &observe(&["sidecar-demo-sidecar-crashloop"], None));
    let cause = self::cause(&sidecar);
    assert_eq!((cause.kind, cause.container.as_deref()), (CauseKind::CrashLoop, Some("log-shipper")));
    assert!(cause.action.contains("-c log-shipper --previous"), "{}", cause.action);
}

#[test]
fn the_crash_loop_step_3_asks_for_is_no_cause() {
    let logs = log("init-demo-fail", "init-1", "Init 1: Failed!\n", Some("Init 1: Failed!\n"));
    let report = run(3, &observe(&["init-demo-fail-crashloop"], Some(logs)));
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
    assert!(report.cause.is_none());
    assert!(report.checks.iter().all(|c| !c.grouped));
}

#[test]
fn a_missing_pod_fails_at_once_and_says_which_step_creates_it() {
    // Step 2 has no expectation that the pod exists: its checks are skipped, and it fails.
    let report = run(2, &observe(&[], Some(Default::default())));
    assert_eq!(report.verdict, Verdict::Fail, "the learner must act: {:#?}", report.checks);
    let cause = cause(&report);
    assert_eq!(cause.kind, CauseKind::Missing);
    assert_eq!(cause.summary, "there is no pod init-demo in namespace experiments");
    assert_eq!(
        cause.action,
        "Step 1 (Deploy a pod with init containers) creates it. Deploy it first: `kubectl apply -f manifests/init-container.yaml`"
    );
    assert_eq!(grouped(&report), ["init-1-log", "init-2-log", "app-log"]);

    // Step 1 says it in its own words; the missing namespace is named.
    let mut obs = observe(&[], None);
    obs.namespace_exists = Some(false);
    let report = run(1, &obs);
    let cause = self::cause(&report);
    assert_eq!(cause.kind, CauseKind::Missing);
    assert!(cause.summary.starts_with("namespace experiments does not exist"), "{}", cause.summary);
    assert_eq!(cause.action, "Deploy it first: `kubectl apply -f manifests/init-container.yaml`");
    assert_eq!(grouped(&report).len(), report.checks.len(), "everything waits for the pod");
}

#[test]
fn a_pass_names_the_next_step_and_the_last_step_names_none() {
    let report = run(1, &observe(&["init-demo-running"], None));
    assert_eq!(report.verdict, Verdict::Pass);
    assert!(report.cause.is_none());
    let next = report.next.as_ref().expect("the next step");
    assert_eq!((next.step, next.id.as_str()), (2, "logs"));
    assert_eq!(next.title, "Read the init containers' logs");
    assert_eq!(next.command, "checker step 2");
    assert_eq!(next.chapter.as_deref(), Some("step2-logs.md"));

    // The cleanup comes last in the book's order: it has no next step.
    let last = run(6, &observe_step(6, &[], None, Vec::new()));
    assert_eq!(last.verdict, Verdict::Pass);
    assert!(last.next.is_none());
    let before_cleanup = run(8, &observe(&[], None));
    assert_eq!(before_cleanup.verdict, Verdict::Fail, "its pods are missing");
    let spec = LabSpec::embedded().unwrap();
    assert_eq!(spec.next_step(5).map(|s| s.number), Some(7));
    assert_eq!(spec.next_step(8).map(|s| s.number), Some(6));
}

#[test]
fn pending_waits_for_what_the_step_says_and_how_to_keep_watching() {
    let report = run(1, &observe(&["init-demo-init-1-of-2"], None));
    assert_eq!(report.verdict, Verdict::Pending);
    let cause = cause(&report);
    assert_eq!(cause.kind, CauseKind::Progressing);
    assert_eq!(cause.summary, report.pending_hint);
    assert!(cause.action.contains("`checker step 1 --wait`"), "{}", cause.action);
    assert_eq!(grouped(&report), ["init-2-completed", "app-ready", "pod-ready"]);
}

#[test]
fn hints_follow_what_was_observed() {
    // Step 3's pod made from the wrong manifest: it runs, and init-1 succeeded.
    let mut pod = fixture("init-demo-running");
    pod.metadata.name = Some("init-demo-fail".into());
    let obs = Observation { pods: vec![pod], ..observe(&[], None) };
    let report = run(3, &obs);
    assert_eq!(report.verdict, Verdict::Fail);
    let phase = report.checks.iter().find(|c| c.id == "phase-pending").unwrap();
    assert!(phase.hint.starts_with("The phase is Running"), "{}", phase.hint);
    assert!(!phase.hint.contains("If the phase is Failed"), "{}", phase.hint);
    let cause = cause(&report);
    assert_eq!(cause.kind, CauseKind::Expectation);
    assert!(cause.summary.contains("it should have failed"), "{}", cause.summary);
    assert!(
        cause.action.starts_with("`init-1` succeeded, and this step needs it to fail"),
        "{}",
        cause.action
    );
    assert!(
        cause.action.contains("`kubectl apply -f manifests/init-container-fail.yaml`"),
        "{}",
        cause.action
    );

    // restartPolicy Never: the failed init container is what step 3 wants; the final phase is
    // the cause, in the lab's words.
    let report = run(3, &observe(&["init-demo-fail-never"], None));
    let cause = self::cause(&report);
    assert_eq!(cause.kind, CauseKind::Terminal);
    assert!(cause.action.contains("`restartPolicy` is Never"), "{}", cause.action);
    assert!(grouped(&report).contains(&"phase-pending"));
    let phase = report.checks.iter().find(|c| c.id == "phase-pending").unwrap();
    assert!(phase.hint.starts_with("The phase is Failed"), "{}", phase.hint);
}

#[test]
fn a_pod_being_deleted_or_not_from_the_manifest_is_made_again() {
    let report = run(1, &observe(&["init-demo-terminating"], None));
    let cause = cause(&report);
    assert_eq!(cause.kind, CauseKind::Terminating);
    assert!(
        cause.action.contains("`kubectl wait --for=delete pod/init-demo -n experiments --timeout=60s`"),
        "{}",
        cause.action
    );

    let report = run(1, &observe(&["init-demo-changed-spec"], None));
    let cause = self::cause(&report);
    assert_eq!(cause.kind, CauseKind::SpecMismatch);
    assert!(cause.action.contains("`kubectl delete pod init-demo -n experiments`"), "{}", cause.action);
    assert!(grouped(&report).contains(&"containers"));
}

#[test]
fn an_old_server_is_the_cause_of_step_5_with_the_labs_way_to_a_newer_cluster() {
    let mut obs = observe(&["sidecar-demo-old-cluster"], None);
    obs.server_version = Some("v1.28.9".into());
    let report = run(5, &obs);
    let cause = cause(&report);
    assert_eq!(cause.kind, CauseKind::OldServer);
    assert!(cause.summary.contains("v1.28.9"), "{}", cause.summary);
    assert!(cause.action.contains("Native sidecars need Kubernetes 1.29"), "{}", cause.action);
    assert!(cause.action.contains("kindest/node:v1.34.0@sha256:"), "{}", cause.action);
    assert!(
        cause.action.ends_with(
            "`kubectl delete pod sidecar-demo -n experiments`, then `kubectl apply -f manifests/sidecar.yaml`"
        ),
        "{}",
        cause.action
    );
    for id in ["sidecar-running", "after-the-sidecar", "app-running", "ready-counts-the-sidecar"] {
        assert!(grouped(&report).contains(&id), "{id}: {:?}", grouped(&report));
    }
    assert_eq!(outcome(&report, "pod-exists"), Outcome::Pass);
}
