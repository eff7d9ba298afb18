//! The generic kinds on the test lab (`tests/fixtures/labs/objects`) and its cluster's objects.

use lab_spec::LabSpec;
use serde_json::json;

use super::super::{CheckResult, StepReport, Verdict, evaluate as evaluate_step};
use crate::fixtures::{object as fixture, objects_lab};
use crate::observation::{Objects, Read};

use super::*;

/// The cluster after step 1: the StatefulSet, its Services, pods and claims.
fn deployed() -> Vec<Value> {
    [
        "statefulset-web",
        "service-web",
        "service-web-public",
        "pod-web-0",
        "pod-web-1",
        "pvc-data-web-0",
        "pvc-data-web-1",
    ]
    .map(fixture)
    .to_vec()
}

/// After step 2: `web-2` unschedulable, and the scheduler's event as the core API shows it.
fn scaled() -> Vec<Value> {
    let mut objects = deployed();
    objects[0]["spec"]["replicas"] = json!(3);
    objects.push(fixture("pod-web-2-unschedulable"));
    objects.push(fixture("event-web-2-failed-scheduling.core"));
    objects
}

/// An observation as the cluster edge makes it for `step` of the test lab: every selection read
/// (in the lab's namespace), finding those of `objects` it selects.
fn observe(spec: &LabSpec, step: u32, objects: Vec<Value>) -> Observation {
    let reads = spec.step(step).unwrap().selects().iter().map(|s| Read::of(s, Some("objects-lab"))).collect();
    Observation {
        namespace: "objects-lab".into(),
        namespace_exists: Some(true),
        pods: Vec::new(),
        logs: None,
        events: Vec::new(),
        pages: None,
        server_version: None,
        objects: Objects { reads, items: objects },
        at: "2026-11-20T10:05:00Z".parse().unwrap(),
    }
}

fn run(step: u32, objects: Vec<Value>) -> StepReport {
    let spec = objects_lab();
    let obs = observe(&spec, step, objects);
    evaluate_step(&spec, spec.step(step).unwrap(), &obs, Lang::En)
}

fn check<'a>(report: &'a StepReport, id: &str) -> &'a CheckResult {
    report.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}"))
}

/// Changes the first fixture object of this kind and name.
fn edit(objects: &mut [Value], kind: &str, name: &str, change: impl FnOnce(&mut Value)) {
    let found = objects
        .iter_mut()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .expect("in the fixtures");
    change(found);
}

fn without(objects: Vec<Value>, kind: &str, name: &str) -> Vec<Value> {
    objects.into_iter().filter(|o| !(o["kind"] == kind && o["metadata"]["name"] == name)).collect()
}

#[test]
fn step1_passes_on_the_deployed_cluster() {
    let report = run(1, deployed());
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
    assert_eq!(check(&report, "statefulset").observed, "web matches");
    assert_eq!(check(&report, "services").observed, "2 (web, web-public)");
    let ordered = check(&report, "ordered");
    assert_eq!(ordered.expected, "in this order: web-0 ready → web-1 created");
    assert_eq!(ordered.observed, "web-0 ready 2026-11-20T10:00:07Z, web-1 created 2026-11-20T10:00:07Z");
    assert!(report.checks.iter().all(|c| c.hint.is_empty()));
}

#[test]
fn object_status_still_converging_is_pending() {
    let mut objects = deployed();
    edit(&mut objects, "StatefulSet", "web", |sts| sts["status"]["readyReplicas"] = json!(1));
    let report = run(1, objects);
    let sts = check(&report, "statefulset");
    assert_eq!(sts.outcome, Outcome::Pending);
    assert_eq!(sts.observed, ".status.readyReplicas: expected 2, found 1");
    assert_eq!(report.verdict, Verdict::Pending);
}

#[test]
fn object_with_another_spec_fails_naming_the_path() {
    let mut objects = deployed();
    edit(&mut objects, "StatefulSet", "web", |sts| {
        sts["spec"]["template"]["spec"]["initContainers"][0]["image"] = json!("busybox:latest");
        sts["status"]["readyReplicas"] = json!(1);
    });
    let sts = check(&run(1, objects), "statefulset").clone();
    assert_eq!(sts.outcome, Outcome::Fail, "a spec mismatch is not waited for");
    assert_eq!(
        sts.observed,
        ".spec.template.spec.initContainers[0].image: expected \"busybox:1.36.1\", found \"busybox:latest\"; \
         .status.readyReplicas: expected 2, found 1"
    );
    assert!(sts.hint.contains("kubectl describe sts web"), "{}", sts.hint);

    let mut objects = deployed();
    edit(&mut objects, "StatefulSet", "web", |sts| {
        sts["spec"]["podManagementPolicy"] = json!("Parallel");
        sts["spec"]["template"]["spec"].as_object_mut().unwrap().remove("initContainers");
    });
    let sts = check(&run(1, objects), "statefulset").clone();
    assert_eq!(
        sts.observed,
        ".spec.podManagementPolicy: expected \"OrderedReady\", found \"Parallel\"; \
         .spec.template.spec.initContainers: expected [{\"image\":\"busybox:1.36.1\",\"name\":\"init-index\"}], missing"
    );
}

#[test]
fn a_missing_or_terminating_object_fails() {
    let sts = check(&run(1, without(deployed(), "StatefulSet", "web")), "statefulset").clone();
    assert_eq!(sts.outcome, Outcome::Fail);
    assert_eq!(sts.observed, "no StatefulSet web in namespace objects-lab");
    assert!(
        sts.hint.contains("kubectl apply -f tests/fixtures/labs/objects/manifests/web.yaml"),
        "{}",
        sts.hint
    );

    let mut objects = deployed();
    edit(&mut objects, "StatefulSet", "web", |sts| {
        sts["metadata"]["deletionTimestamp"] = json!("2026-11-20T10:04:00Z");
    });
    let sts = check(&run(1, objects), "statefulset").clone();
    assert_eq!((sts.outcome, sts.observed.as_str()), (Outcome::Fail, "web is being deleted"));
}

#[test]
fn a_missing_object_is_looked_for_where_it_would_be() {
    let spec = objects_lab();
    let mut obs = observe(&spec, 1, Vec::new());
    obs.namespace_exists = Some(false);
    let report = evaluate_step(&spec, spec.step(1).unwrap(), &obs, Lang::En);
    assert_eq!(check(&report, "statefulset").observed, "namespace objects-lab does not exist");

    let node = Select {
        api_version: "v1".into(),
        kind: "Node".into(),
        name: Some("worker".into()),
        labels: Default::default(),
    };
    obs.objects.reads.push(Read::of(&node, None));
    let found = evaluate(
        &Check::Object { select: node, expected: json!({"spec": {}}), converges: false },
        &obs,
        Lang::Zh,
    );
    assert_eq!((found.outcome, found.observed.as_str()), (Outcome::Fail, "集群中没有 Node worker"));
}

#[test]
fn with_converges_a_missing_object_is_pending() {
    let select = Select {
        api_version: "v1".into(),
        kind: "Pod".into(),
        name: Some("web-2".into()),
        labels: Default::default(),
    };
    let check = Check::Object {
        select: select.clone(),
        expected: json!({"spec": {"hostname": "web-2"}}),
        converges: true,
    };
    let mut obs = observe(&objects_lab(), 1, deployed());
    obs.objects.reads.push(Read::of(&select, Some("objects-lab")));
    let found = evaluate(&check, &obs, Lang::En);
    assert_eq!(found.outcome, Outcome::Pending);
    obs.objects.items.push(fixture("pod-web-2-unschedulable"));
    assert_eq!(evaluate(&check, &obs, Lang::En).outcome, Outcome::Pass);
}

#[test]
fn object_by_labels_needs_one_matching_object() {
    let select = Select {
        api_version: "v1".into(),
        kind: "Pod".into(),
        name: None,
        labels: [("app".to_string(), "web".to_string())].into(),
    };
    let mut obs = observe(&objects_lab(), 1, deployed());
    obs.objects.reads.push(Read::of(&select, Some("objects-lab")));
    let check = |expected: Value| Check::Object { select: select.clone(), expected, converges: false };
    let found = evaluate(&check(json!({"spec": {"hostname": "web-1"}})), &obs, Lang::En);
    assert_eq!((found.outcome, found.observed.as_str()), (Outcome::Pass, "web-1 matches"));
    let found = evaluate(&check(json!({"spec": {"hostname": "web-9", "subdomain": "web"}})), &obs, Lang::En);
    assert_eq!(found.outcome, Outcome::Fail);
    assert_eq!(found.observed, "web-0: .spec.hostname: expected \"web-9\", found \"web-0\"");
}

#[test]
fn count_compares_objects_not_being_deleted() {
    let report = run(1, without(deployed(), "Service", "web-public"));
    let services = check(&report, "services");
    assert_eq!((services.outcome, services.observed.as_str()), (Outcome::Fail, "1 (web)"));
    assert_eq!(services.expected, "number of Service app.kubernetes.io/part-of=objects-lab = 2");

    let mut objects = deployed();
    let mut extra = fixture("service-web-public");
    extra["metadata"]["name"] = json!("web-extra");
    objects.push(extra);
    assert_eq!(check(&run(1, objects.clone()), "services").outcome, Outcome::Fail, "3 is not 2");
    edit(&mut objects, "Service", "web-extra", |svc| {
        svc["metadata"]["deletionTimestamp"] = json!("2026-11-20T10:04:00Z")
    });
    let services = check(&run(1, objects), "services").clone();
    assert_eq!(services.outcome, Outcome::Pass);
    assert_eq!(services.observed, "2 (web, web-public); being deleted (not counted): web-extra");

    // Only the lab's Services count: another label, another namespace.
    let mut objects = deployed();
    let mut other = fixture("service-web-public");
    other["metadata"]["labels"] = json!({"app": "other"});
    other["metadata"]["name"] = json!("other");
    let mut elsewhere = fixture("service-web-public");
    elsewhere["metadata"]["namespace"] = json!("default");
    objects.extend([other, elsewhere]);
    assert_eq!(check(&run(1, objects), "services").outcome, Outcome::Pass);
}

#[test]
fn count_with_converges_waits_for_the_controller() {
    let report = run(2, deployed());
    let pods = check(&report, "third-pod");
    assert_eq!((pods.outcome, pods.observed.as_str()), (Outcome::Pending, "2 (web-0, web-1)"));
    assert_eq!(check(&run(2, scaled()), "third-pod").outcome, Outcome::Pass);
}

#[test]
fn the_failed_scheduling_event_passes_step2() {
    let report = run(2, scaled());
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
    let event = check(&report, "insufficient-cpu");
    assert_eq!(event.expected, "a Warning FailedScheduling event about Pod web-2 /Insufficient cpu/");
    assert_eq!(
        event.observed,
        "Warning FailedScheduling: 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are \
         available: 1 No preemption victims found for incoming pod. (×3)"
    );
}

#[test]
fn an_event_with_another_message_fails_and_none_yet_is_pending() {
    let mut objects = scaled();
    edit(&mut objects, "Event", "web-2.1879a6c2f4b3d210", |e| {
        e["message"] = json!(
            "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
        );
    });
    let event = check(&run(2, objects), "insufficient-cpu").clone();
    assert_eq!(event.outcome, Outcome::Fail);
    assert!(event.observed.contains("Insufficient memory"), "{}", event.observed);
    assert!(event.hint.contains("kubectl describe pod web-2"), "{}", event.hint);

    let mut objects = scaled();
    edit(&mut objects, "Event", "web-2.1879a6c2f4b3d210", |e| e["type"] = json!("Normal"));
    assert_eq!(check(&run(2, objects), "insufficient-cpu").outcome, Outcome::Fail, "a Warning is expected");

    let objects = without(scaled(), "Event", "web-2.1879a6c2f4b3d210");
    let event = check(&run(2, objects), "insufficient-cpu").clone();
    assert_eq!(
        (event.outcome, event.observed.as_str()),
        (Outcome::Pending, "no FailedScheduling event about Pod web-2 yet")
    );

    // Events about other objects do not count; the latest ones about it are named.
    let mut objects = scaled();
    edit(&mut objects, "Event", "web-2.1879a6c2f4b3d210", |e| e["involvedObject"]["name"] = json!("web-1"));
    let mut scheduled = fixture("event-web-2-failed-scheduling.core");
    scheduled["reason"] = json!("Scheduled");
    scheduled["type"] = json!("Normal");
    scheduled["metadata"]["name"] = json!("web-2.1879a6c2f4b3d211");
    objects.push(scheduled);
    let event = check(&run(2, objects), "insufficient-cpu").clone();
    assert_eq!(event.outcome, Outcome::Pending);
    assert_eq!(event.observed, "no FailedScheduling event yet; latest events: Scheduled");
}

/// An `event` check with `absent: true` on an observation of step 2 (which reads the events).
fn no_event(objects: Vec<Value>, reason: &str, message: Option<&str>) -> Finding {
    let spec = objects_lab();
    let check = Check::Event {
        about: About { kind: "Pod".into(), name: "web-2".into() },
        reason: reason.into(),
        message: message.map(str::to_string),
        event_type: Some(EventType::Warning),
        absent: true,
    };
    evaluate(&check, &observe(&spec, 2, objects), Lang::En)
}

#[test]
fn an_absent_event_passes_until_one_fits_and_is_never_pending() {
    let found = no_event(scaled(), "BackOff", None);
    assert_eq!(
        (found.outcome, found.expected.as_str(), found.observed.as_str()),
        (Outcome::Pass, "no Warning BackOff event about Pod web-2", "no such event about Pod web-2")
    );
    // Before any event came, too: an event that must not come is not on its way.
    assert_eq!(no_event(deployed(), "FailedScheduling", None).outcome, Outcome::Pass);
    // One that fits fails, and is shown.
    let found = no_event(scaled(), "FailedScheduling", Some("Insufficient cpu"));
    assert_eq!(found.outcome, Outcome::Fail);
    assert!(
        found.observed.starts_with("Warning FailedScheduling: 0/1 nodes are available"),
        "{}",
        found.observed
    );
    // One with the reason but another message does not fit: still none of those.
    assert_eq!(no_event(scaled(), "FailedScheduling", Some("Insufficient memory")).outcome, Outcome::Pass);
    // Events about another object do not count.
    let mut objects = scaled();
    edit(&mut objects, "Event", "web-2.1879a6c2f4b3d210", |e| e["involvedObject"]["name"] = json!("web-1"));
    assert_eq!(no_event(objects, "FailedScheduling", None).outcome, Outcome::Pass);
    // Events that were never read (a file without them) cannot be vouched for.
    let spec = objects_lab();
    let mut obs = observe(&spec, 2, scaled());
    obs.objects.reads.clear();
    let check = Check::Event {
        about: About { kind: "Pod".into(), name: "web-2".into() },
        reason: "BackOff".into(),
        message: None,
        event_type: None,
        absent: true,
    };
    assert_eq!(evaluate(&check, &obs, Lang::En).outcome, Outcome::Unverifiable);
}

#[test]
fn order_fails_when_the_second_pod_came_before_the_first_was_ready() {
    // podManagementPolicy: Parallel creates both pods at once.
    let mut objects = deployed();
    edit(&mut objects, "Pod", "web-1", |pod| {
        pod["metadata"]["creationTimestamp"] = json!("2026-11-20T10:00:00Z")
    });
    let ordered = check(&run(1, objects), "ordered").clone();
    assert_eq!(ordered.outcome, Outcome::Fail);
    assert_eq!(ordered.observed, "web-0 ready 2026-11-20T10:00:07Z, web-1 created 2026-11-20T10:00:00Z");
    assert!(ordered.hint.contains("OrderedReady"), "{}", ordered.hint);
}

#[test]
fn order_is_pending_until_the_later_moment_and_fails_without_the_earlier_one() {
    let ordered = check(&run(1, without(deployed(), "Pod", "web-1")), "ordered").clone();
    assert_eq!(ordered.outcome, Outcome::Pending);
    assert_eq!(ordered.observed, "web-0 ready 2026-11-20T10:00:07Z, web-1 created: not yet");

    // web-0 not ready yet, web-1 not created: pending.
    let mut objects = without(deployed(), "Pod", "web-1");
    edit(&mut objects, "Pod", "web-0", |pod| pod["status"]["conditions"][2]["status"] = json!("False"));
    assert_eq!(check(&run(1, objects), "ordered").outcome, Outcome::Pending);

    // web-1 exists while web-0 does not (or is not ready): the order is broken.
    let ordered = check(&run(1, without(deployed(), "Pod", "web-0")), "ordered").clone();
    assert_eq!(ordered.outcome, Outcome::Fail);
    assert_eq!(ordered.observed, "web-0 ready: not yet, web-1 created 2026-11-20T10:00:07Z");
}

#[test]
fn order_reads_start_times_of_pods_and_containers() {
    let sequence = [
        Moment {
            api_version: "v1".into(),
            kind: "Pod".into(),
            name: "web-0".into(),
            at: MomentKind::Started,
            container: None,
        },
        Moment {
            api_version: "v1".into(),
            kind: "Pod".into(),
            name: "web-0".into(),
            at: MomentKind::Started,
            container: Some("init-index".into()),
        },
        Moment {
            api_version: "v1".into(),
            kind: "Pod".into(),
            name: "web-0".into(),
            at: MomentKind::Started,
            container: Some("nginx".into()),
        },
        Moment {
            api_version: "apps/v1".into(),
            kind: "StatefulSet".into(),
            name: "web".into(),
            at: MomentKind::Created,
            container: None,
        },
    ];
    let mut obs = observe(&objects_lab(), 1, deployed());
    obs.objects.reads.extend(sequence.iter().map(|m| Read::of(&m.select(), Some("objects-lab"))));
    let found = evaluate(&Check::Order { sequence: sequence[..3].to_vec() }, &obs, Lang::En);
    assert_eq!(found.outcome, Outcome::Pass);
    assert_eq!(
        found.observed,
        "web-0 started 2026-11-20T10:00:02Z, web-0/init-index started 2026-11-20T10:00:04Z, web-0/nginx started 2026-11-20T10:00:05Z"
    );
    // The StatefulSet was created before its pod started, not after.
    let found =
        evaluate(&Check::Order { sequence: vec![sequence[2].clone(), sequence[3].clone()] }, &obs, Lang::En);
    assert_eq!(found.outcome, Outcome::Fail);
    assert!(found.observed.contains("StatefulSet web created 2026-11-20T10:00:00Z"), "{}", found.observed);
}

#[test]
fn absent_passes_when_gone_and_waits_for_deletion() {
    let report = run(3, Vec::new());
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);

    let report = run(3, deployed());
    let sts = check(&report, "statefulset-gone");
    assert_eq!((sts.outcome, sts.observed.as_str()), (Outcome::Fail, "still present: web"));
    let pods = check(&report, "pods-gone");
    assert_eq!(
        (pods.outcome, pods.observed.as_str()),
        (Outcome::Pending, "still present: web-0, web-1"),
        "converges"
    );
    assert_eq!(report.verdict, Verdict::Fail);

    let mut objects = without(deployed(), "StatefulSet", "web");
    for name in ["web-0", "web-1"] {
        edit(&mut objects, "Pod", name, |pod| {
            pod["metadata"]["deletionTimestamp"] = json!("2026-11-20T10:05:30Z")
        });
    }
    let report = run(3, objects);
    assert_eq!(check(&report, "pods-gone").observed, "being deleted: web-0, web-1");
    assert_eq!(report.verdict, Verdict::Pending);
}

#[test]
fn refused_and_unserved_reads_are_explained() {
    let spec = objects_lab();
    let mut obs = observe(&spec, 1, deployed());
    let message = "statefulsets.apps \"web\" is forbidden: User \"learner\" cannot get resource \"statefulsets\" in API group \"apps\" in the namespace \"objects-lab\"";
    obs.objects.reads[0].error = Some(ReadError::Forbidden(message.into()));
    let report = evaluate_step(&spec, spec.step(1).unwrap(), &obs, Lang::En);
    let sts = check(&report, "statefulset");
    assert_eq!(sts.outcome, Outcome::Fail);
    assert_eq!(sts.observed, format!("the API server refused the read: {message}"));
    assert!(
        sts.hint.contains("get and list on StatefulSet (apps/v1)") && sts.hint.contains("checker-rbac.yaml"),
        "{}",
        sts.hint
    );

    obs.objects.reads[0].error = Some(ReadError::NotServed);
    let report = evaluate_step(&spec, spec.step(1).unwrap(), &obs, Lang::Zh);
    let sts = check(&report, "statefulset");
    assert_eq!(sts.outcome, Outcome::Fail);
    assert_eq!(sts.observed, "集群不提供 apps/v1 的 StatefulSet");
    assert!(sts.hint.contains("CRD"), "{}", sts.hint);

    // A kind the cluster does not serve has no objects: `absent` holds.
    let mut obs = observe(&spec, 3, Vec::new());
    obs.objects.reads[0].error = Some(ReadError::NotServed);
    let report = evaluate_step(&spec, spec.step(3).unwrap(), &obs, Lang::En);
    assert_eq!(check(&report, "statefulset-gone").outcome, Outcome::Pass);
}

#[test]
fn unread_objects_are_not_verifiable() {
    let spec = objects_lab();
    let mut obs = observe(&spec, 1, deployed());
    obs.objects.reads.clear();
    let report = evaluate_step(&spec, spec.step(1).unwrap(), &obs, Lang::En);
    assert!(report.checks.iter().all(|c| c.outcome == Outcome::Unverifiable), "{:#?}", report.checks);
    assert_eq!(report.verdict, Verdict::Pending, "never a pass without the objects");
    assert_eq!(report.checks[0].observed, "not verifiable: the file has no StatefulSet web");
    assert!(report.checks[0].hint.contains("checker snapshot"), "{}", report.checks[0].hint);
}

#[test]
fn chinese_words() {
    let spec = objects_lab();
    let mut objects = deployed();
    edit(&mut objects, "StatefulSet", "web", |sts| sts["status"]["readyReplicas"] = json!(1));
    let obs = observe(&spec, 1, objects);
    let report = evaluate_step(&spec, spec.step(1).unwrap(), &obs, Lang::Zh);
    let sts = check(&report, "statefulset");
    assert_eq!(sts.observed, ".status.readyReplicas：期望 2，实际 1");
    assert!(sts.expected.starts_with("StatefulSet web 符合 {"), "{}", sts.expected);
    assert_eq!(
        check(&report, "services").expected,
        "Service app.kubernetes.io/part-of=objects-lab 的数量 = 2"
    );
    assert_eq!(check(&report, "ordered").expected, "按此顺序：web-0 就绪 → web-1 创建");
    let obs = observe(&spec, 2, deployed());
    let report = evaluate_step(&spec, spec.step(2).unwrap(), &obs, Lang::Zh);
    assert_eq!(check(&report, "insufficient-cpu").observed, "还没有关于 Pod web-2 的 FailedScheduling 事件");
}

#[test]
fn text_from_the_cluster_is_made_safe() {
    let mut objects = scaled();
    edit(&mut objects, "Event", "web-2.1879a6c2f4b3d210", |e| {
        e["message"] = json!("Insufficient cpu\u{1b}[2J\u{9b}31m")
    });
    let event = check(&run(2, objects), "insufficient-cpu").clone();
    assert_eq!(event.outcome, Outcome::Pass);
    assert!(!event.observed.chars().any(char::is_control), "{:?}", event.observed);
    assert!(event.observed.contains("\\u{1b}[2J"), "{}", event.observed);
}
