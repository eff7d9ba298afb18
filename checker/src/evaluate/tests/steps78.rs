//! Steps 7 (resources and scheduling) and 8 (waiting for a dependency) of the real lab, on the pod
//! fixtures and the cluster fixtures of `tests/fixtures/cluster/`.

use serde_json::{Value, json};

use super::*;
use crate::fixtures::{cluster, cluster_text};
use crate::observation::ReadError;
use crate::resources::{Nodes, QosWhy};

fn check<'a>(report: &'a StepReport, id: &str) -> &'a CheckResult {
    report.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}"))
}

/// The node, and the scheduler's event as the core API shows it.
fn step7_cluster() -> Vec<Value> {
    vec![cluster("node-kind-control-plane"), cluster("event-init-demo-resources-failed-scheduling.core")]
}

const STEP7_PODS: [&str; 3] =
    ["init-demo-resources-unschedulable", "init-demo-qos-running", "init-demo-resources-fixed-running"];

#[test]
fn step7_passes_with_the_unschedulable_pod_the_qos_pod_and_the_fixed_pod() {
    let report = run(7, &observe_step(7, &STEP7_PODS, None, step7_cluster()));
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
    assert_eq!(check(&report, "unschedulable").observed, "PodScheduled=False (Unschedulable)");
    assert_eq!(check(&report, "qos-burstable").observed, "Burstable");
    let statuses: Vec<&str> = report.pods.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(statuses, ["Pending", "Running", "Running"]);
}

#[test]
fn step7_reports_each_pods_effective_request_next_to_the_node() {
    let report = run(7, &observe_step(7, &STEP7_PODS, None, step7_cluster()));
    let pods: Vec<&str> = report.resources.iter().map(|r| r.pod.as_str()).collect();
    assert_eq!(pods, ["init-demo-resources", "init-demo-qos", "init-demo-resources-fixed"]);
    let big = &report.resources[0];
    assert_eq!(big.effective.requests.get("cpu").unwrap().show("cpu"), "1000", "the API server stores 1k");
    assert_eq!(big.effective.requests.get("memory").unwrap().show("memory"), "32Mi", "the app's memory wins");
    assert_eq!(big.init_peak["cpu"], "prepare");
    let fixed = &report.resources[2];
    assert_eq!(fixed.effective.requests.get("cpu").unwrap().show("cpu"), "100m");
    let Nodes::Read { items, more } = &report.nodes else { panic!("{:?}", report.nodes) };
    assert!(!more);
    assert_eq!(items[0].name, "kind-control-plane");
    assert_eq!(report.resources[1].qos.status.as_deref(), Some("Burstable"));

    let text = crate::report::step_text(&report, Lang::En);
    let plain = text.replace("\u{1b}[1m", "").replace("\u{1b}[0m", "");
    for line in [
        "Resources of init-demo-resources (computed from its spec; the scheduler places it by the effective requests)",
        "No node can hold it: kind-control-plane (cpu: needs 1000, allocatable 8). The scheduler reports Insufficient.",
        "QoS class: Burstable, as in status.qosClass. Not Guaranteed: init container setup does not set both a cpu and a memory limit (init containers count too).",
        "What the nodes can allocate (status.allocatable)",
    ] {
        assert!(plain.contains(line), "{line}\n{plain}");
    }
    assert!(
        plain.lines().any(|l| l.starts_with("prepare") && l.contains("Init") && l.contains("1000")),
        "{plain}"
    );
    assert!(
        plain.lines().any(|l| l.starts_with("= effective") && l.contains("1000") && l.contains("32Mi")),
        "{plain}"
    );
    assert!(
        plain.lines().any(|l| l.starts_with("kind-control-plane") && l.contains("16318588Ki")),
        "{plain}"
    );
    assert_eq!(plain.matches("Every node can allocate its effective requests").count(), 2, "{plain}");

    let json = serde_json::to_value(crate::report::StepJson::new(&report)).unwrap();
    assert_eq!(json["resources"][0]["effective"]["requests"], json!({"cpu": "1000", "memory": "32Mi"}));
    assert_eq!(json["nodes"]["state"], "read");
    assert_eq!(json["nodes"]["items"][0]["allocatable"]["cpu"], "8");
}

#[test]
fn step7_without_permission_on_nodes_says_so_and_still_passes() {
    let mut obs = observe_step(7, &STEP7_PODS, None, step7_cluster());
    obs.objects.items.retain(|o| o["kind"] != "Node");
    let nodes = obs.objects.reads.iter_mut().find(|r| r.kind == "Node").unwrap();
    nodes.error = Some(ReadError::Forbidden(
        "nodes is forbidden: User \"learner\" cannot list resource \"nodes\"".into(),
    ));
    let report = run(7, &obs);
    assert_eq!(report.verdict, Verdict::Pass, "the nodes are not a check: {:#?}", report.checks);
    assert!(matches!(report.nodes, Nodes::Forbidden { .. }));
    let text = crate::report::step_text(&report, Lang::Zh);
    assert!(text.contains("没有读取节点的权限"), "{text}");
    assert!(!text.contains("放不下"), "{text}");
}

#[test]
fn step7_before_the_scheduler_and_the_fix_it_waits_then_names_the_fixed_manifest() {
    let mut unseen = fixture("init-demo-resources-unschedulable");
    unseen.status.as_mut().unwrap().conditions = None;
    let mut obs = observe_step(7, &[], None, vec![cluster("node-kind-control-plane")]);
    obs.pods = vec![unseen, fixture("init-demo-qos-running")];
    let report = run(7, &obs);
    assert_eq!(outcome(&report, "unschedulable"), Outcome::Pending);
    assert_eq!(outcome(&report, "insufficient-cpu"), Outcome::Pending);
    assert_eq!(outcome(&report, "fixed-exists"), Outcome::Fail);
    assert!(check(&report, "fixed-exists").hint.contains("manifests/init-container-resources-fixed.yaml"));
    assert_eq!(outcome(&report, "fixed-running"), Outcome::Skipped);
}

#[test]
fn step7_fails_when_the_pod_was_scheduled_or_gated_or_the_scheduler_ran_short_of_memory() {
    let mut scheduled = fixture("init-demo-resources-unschedulable");
    let condition = &mut scheduled.status.as_mut().unwrap().conditions.as_mut().unwrap()[0];
    condition.status = "True".into();
    condition.reason = None;
    condition.message = None;
    let mut obs = observe_step(7, &STEP7_PODS[1..], None, step7_cluster());
    obs.pods.insert(0, scheduled);
    let report = run(7, &obs);
    assert_eq!(outcome(&report, "unschedulable"), Outcome::Fail, "{:#?}", report.checks);

    let mut gated = fixture("init-demo-resources-unschedulable");
    gated.status.as_mut().unwrap().conditions.as_mut().unwrap()[0].reason = Some("SchedulingGated".into());
    obs.pods[0] = gated;
    let report = run(7, &obs);
    let unschedulable = check(&report, "unschedulable");
    assert_eq!(unschedulable.outcome, Outcome::Fail);
    assert_eq!(unschedulable.observed, "PodScheduled=False (SchedulingGated)");

    let mut event = cluster("event-init-demo-resources-failed-scheduling.core");
    event["message"] = json!(
        "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );
    let obs = observe_step(7, &STEP7_PODS, None, vec![cluster("node-kind-control-plane"), event]);
    let report = run(7, &obs);
    assert_eq!(outcome(&report, "insufficient-cpu"), Outcome::Fail);
}

#[test]
fn step7_accepts_the_v1_28_message_with_its_doubled_period() {
    let mut event = cluster("event-init-demo-resources-failed-scheduling.core");
    event["message"] = json!(
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.."
    );
    let obs = observe_step(7, &STEP7_PODS, None, vec![cluster("node-kind-control-plane"), event]);
    assert_eq!(outcome(&run(7, &obs), "insufficient-cpu"), Outcome::Pass);
}

#[test]
fn step7_a_guaranteed_qos_pod_fails_with_the_reason() {
    let mut qos = fixture("init-demo-qos-running");
    let spec = qos.spec.as_mut().unwrap();
    let app = spec.containers[0].resources.clone();
    spec.init_containers.as_mut().unwrap()[0].resources = app;
    qos.status.as_mut().unwrap().qos_class = Some("Guaranteed".into());
    let mut obs = observe_step(7, &[], None, step7_cluster());
    obs.pods = vec![fixture(STEP7_PODS[0]), qos, fixture(STEP7_PODS[2])];
    let report = run(7, &obs);
    let qos = check(&report, "qos-burstable");
    assert_eq!(qos.outcome, Outcome::Fail);
    assert!(
        qos.observed.starts_with("Guaranteed: Every container, init containers included"),
        "{}",
        qos.observed
    );
    assert!(qos.hint.contains("LimitRange"), "{}", qos.hint);
    assert_eq!(report.resources[1].qos.why, QosWhy::AllEqual);
}

fn waiting_log(lines: usize, resolved: bool) -> String {
    let mut log = "wait-for-db: waiting for lab-db\n".repeat(lines);
    if resolved {
        log.push_str("wait-for-db: lab-db resolves\n");
    }
    log
}

#[test]
fn step8_waits_for_the_service_while_the_pod_waits() {
    let logs = log("init-demo-wait", "wait-for-db", &waiting_log(39, false), None);
    // The generic check on the deadline pod reads it through the objects, too.
    let objects = vec![serde_json::to_value(fixture("init-demo-deadline-waiting")).unwrap()];
    let obs = observe_step(8, &["init-demo-wait-waiting", "init-demo-deadline-waiting"], Some(logs), objects);
    let report = run(8, &obs);
    assert_eq!(report.verdict, Verdict::Pending, "{:#?}", report.checks);
    assert_eq!(outcome(&report, "service"), Outcome::Pending);
    assert_eq!(outcome(&report, "waited"), Outcome::Pass);
    assert_eq!(outcome(&report, "wait-for-db-completed"), Outcome::Pending);
    assert_eq!(outcome(&report, "deadline-failed"), Outcome::Pending);
    assert_eq!(outcome(&report, "deadline-exceeded"), Outcome::Pending);
    assert!(
        report.pending_hint.contains("kubectl apply -f manifests/lab-db.yaml"),
        "{}",
        report.pending_hint
    );
    let statuses: Vec<&str> = report.pods.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(statuses, ["Init:0/1", "Init:0/1"]);
    assert!(report.resources.is_empty(), "no pod of step 8 declares resources");
    assert_eq!(report.nodes, Nodes::Unknown);
}

#[test]
fn step8_passes_once_the_service_resolved_and_the_deadline_ended_the_other_pod() {
    let logs =
        log("init-demo-wait", "wait-for-db", &cluster_text("log-init-demo-wait-wait-for-db.txt"), None);
    let objects = vec![
        cluster("service-lab-db"),
        serde_json::to_value(fixture("init-demo-deadline-exceeded")).unwrap(),
    ];
    let obs =
        observe_step(8, &["init-demo-wait-running", "init-demo-deadline-exceeded"], Some(logs), objects);
    let report = run(8, &obs);
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
    let statuses: Vec<&str> = report.pods.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(statuses, ["Running", "Init:Error"], "kubectl's STATUS is not DeadlineExceeded");
}

#[test]
fn step8_fails_without_a_wait_or_without_the_deadline() {
    // The Service existed before the pod: the name resolved on the first try.
    let logs = log("init-demo-wait", "wait-for-db", &waiting_log(0, true), None);
    let objects = vec![
        cluster("service-lab-db"),
        serde_json::to_value(fixture("init-demo-deadline-exceeded")).unwrap(),
    ];
    let obs =
        observe_step(8, &["init-demo-wait-running", "init-demo-deadline-exceeded"], Some(logs), objects);
    let report = run(8, &obs);
    assert_eq!(outcome(&report, "waited"), Outcome::Fail, "{:#?}", report.checks);
    assert!(check(&report, "waited").hint.contains("deploy the pod first"));

    // A headless Service: the check names the type, as the wait would never end.
    let mut headless = cluster("service-lab-db");
    headless["spec"]["clusterIP"] = json!("None");
    headless["spec"]["clusterIPs"] = json!(["None"]);
    let logs = log("init-demo-wait", "wait-for-db", &waiting_log(3, false), None);
    let mut deadline = serde_json::to_value(fixture("init-demo-deadline-exceeded")).unwrap();
    deadline["spec"].as_object_mut().unwrap().remove("activeDeadlineSeconds");
    let obs = observe_step(
        8,
        &["init-demo-wait-waiting", "init-demo-deadline-exceeded"],
        Some(logs),
        vec![headless, deadline],
    );
    let report = run(8, &obs);
    assert_eq!(outcome(&report, "service"), Outcome::Pass, "a headless Service is still of type ClusterIP");
    assert_eq!(outcome(&report, "deadline-exceeded"), Outcome::Fail);
    assert!(
        check(&report, "deadline-exceeded").observed.contains("activeDeadlineSeconds"),
        "{:#?}",
        report.checks
    );
}

#[test]
fn step6_covers_the_pods_and_the_service_of_steps_7_and_8() {
    let obs = observe_step(
        6,
        &["init-demo-qos-running", "init-demo-wait-running"],
        None,
        vec![cluster("service-lab-db")],
    );
    let report = run(6, &obs);
    assert_eq!(report.verdict, Verdict::Fail);
    let pods = check(&report, "pods-gone");
    assert!(
        pods.observed.contains("init-demo-qos (Running)")
            && pods.observed.contains("init-demo-wait (Running)")
    );
    assert!(pods.hint.contains("init-demo-deadline"), "{}", pods.hint);
    assert_eq!(outcome(&report, "service-gone"), Outcome::Fail);

    let report = run(6, &observe_step(6, &[], None, vec![]));
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
}
