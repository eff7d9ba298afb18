use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::runtime::watcher::Event;
use lab_spec::{LabSpec, Labs, Lang};

use super::{Change, LiveClass};
use crate::class::board::{ClassObservation, board};
use crate::class::observe::Members;
use crate::evaluate::Verdict;

fn spec() -> LabSpec {
    Labs::embedded().unwrap().get("init-container").unwrap().spec.clone()
}

fn namespace(name: &str) -> Namespace {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "resourceVersion": "1", "labels": {"lab-checker/class": "k8s"}},
    }))
    .unwrap()
}

/// A pod fixture placed in a learner's namespace, at a resourceVersion.
fn pod(fixture: &str, ns: &str, version: u32) -> Pod {
    let mut pod = crate::fixtures::pod(fixture);
    pod.metadata.namespace = Some(ns.to_string());
    pod.metadata.resource_version = Some(version.to_string());
    pod
}

fn now() -> Timestamp {
    "2026-11-30T12:00:00Z".parse().unwrap()
}

/// Every watch's first list: the namespaces and pods given, no events.
fn listed(class: &mut LiveClass, namespaces: &[&str], pods: Vec<Pod>) {
    class.apply(Change::Namespaces(Event::Init));
    for ns in namespaces {
        class.apply(Change::Namespaces(Event::InitApply(namespace(ns))));
    }
    class.apply(Change::Namespaces(Event::InitDone));
    class.apply(Change::Pods(Event::Init));
    for pod in pods {
        class.apply(Change::Pods(Event::InitApply(pod)));
    }
    class.apply(Change::Pods(Event::InitDone));
    class.apply(Change::Events(Event::Init));
    class.apply(Change::Events(Event::InitDone));
}

/// Every pod waiting to be read, taken.
fn unread(class: &mut LiveClass) -> Vec<(String, String)> {
    let none = std::collections::BTreeSet::new();
    std::iter::from_fn(|| class.next_unread(&none)).collect()
}

/// Reads every pod waiting to be read (no logs, no pages), then judges.
fn judge(class: &mut LiveClass) -> super::Update {
    let none = std::collections::BTreeSet::new();
    while let Some((ns, pod)) = class.next_unread(&none) {
        class.store_reads(&ns, &pod, Default::default(), Default::default());
    }
    class.update(now(), &none)
}

fn live(members: Members) -> LiveClass {
    LiveClass::new(&spec(), Lang::En, members, Vec::new(), true)
}

fn selector() -> Members {
    Members::Selector("lab-checker/class=k8s".into())
}

#[test]
fn the_board_waits_until_every_watch_has_listed() {
    let mut class = live(selector());
    class.apply(Change::Namespaces(Event::Init));
    class.apply(Change::Namespaces(Event::InitApply(namespace("lab-a"))));
    class.apply(Change::Namespaces(Event::InitDone));
    assert!(!class.ready());
    assert!(judge(&mut class).is_empty(), "no rows before the pods are listed");
    class.apply(Change::Pods(Event::Init));
    class.apply(Change::Pods(Event::InitDone));
    assert!(!class.ready(), "events not listed yet");
    class.apply(Change::Events(Event::Init));
    class.apply(Change::Events(Event::InitDone));
    assert!(class.ready());
    let update = judge(&mut class);
    assert_eq!(update.changed.len(), 1);
    assert_eq!(update.changed[0].namespace, "lab-a");
    assert_eq!(update.changed[0].passed, 0);
}

#[test]
fn a_pod_change_judges_only_its_learner_again() {
    let mut class = live(selector());
    listed(&mut class, &["lab-a", "lab-b"], vec![pod("init-demo-init-1-of-2", "lab-a", 10)]);
    let first = judge(&mut class);
    assert_eq!(first.changed.len(), 2);
    assert_eq!(class.board().learners[0].verdicts[0], Verdict::Pending);

    class.apply(Change::Pods(Event::Apply(pod("init-demo-running", "lab-a", 11))));
    let update = judge(&mut class);
    assert_eq!(update.changed.len(), 1, "{update:?}");
    assert_eq!(update.changed[0].namespace, "lab-a");
    assert_eq!(update.changed[0].verdicts[0], Verdict::Pass);

    // The same pod again changes no verdict: nothing to show.
    class.apply(Change::Pods(Event::Apply(pod("init-demo-running", "lab-a", 12))));
    assert!(judge(&mut class).is_empty());
}

#[test]
fn a_relist_without_a_pod_means_it_was_deleted() {
    let mut class = live(selector());
    listed(&mut class, &["lab-a"], vec![pod("init-demo-running", "lab-a", 10)]);
    assert_eq!(judge(&mut class).changed[0].verdicts[0], Verdict::Pass);
    class.apply(Change::Pods(Event::Init));
    class.apply(Change::Pods(Event::InitDone));
    let update = judge(&mut class);
    assert_eq!(update.changed.len(), 1);
    assert_ne!(update.changed[0].verdicts[0], Verdict::Pass);
}

#[test]
fn learners_join_and_leave_with_their_namespace() {
    let mut class = live(Members::Prefix("lab-".into()));
    listed(&mut class, &["lab-a", "kube-system"], vec![pod("init-demo-running", "lab-b", 10)]);
    let first = judge(&mut class);
    assert_eq!(first.changed.iter().map(|r| r.namespace.as_str()).collect::<Vec<_>>(), ["lab-a"]);

    // lab-b is created after its pod was seen: it joins with its pod's verdicts.
    class.apply(Change::Namespaces(Event::Apply(namespace("lab-b"))));
    let joined = judge(&mut class);
    assert_eq!(joined.changed.len(), 1);
    assert_eq!(joined.changed[0].namespace, "lab-b");
    assert_eq!(joined.changed[0].verdicts[0], Verdict::Pass);

    class.apply(Change::Namespaces(Event::Delete(namespace("lab-a"))));
    let left = judge(&mut class);
    assert_eq!(left.left, ["lab-a"]);
    assert_eq!(class.board().learners.len(), 1);
}

#[test]
fn only_learners_pods_whose_logs_the_lab_reads_are_read() {
    let mut class = live(selector());
    let mut scratch = pod("init-demo-running", "lab-a", 3);
    scratch.metadata.name = Some("scratch".into());
    listed(
        &mut class,
        &["lab-a"],
        vec![pod("init-demo-running", "lab-a", 1), pod("init-demo-running", "other", 2), scratch],
    );
    assert_eq!(unread(&mut class), [("lab-a".to_string(), "init-demo".to_string())]);
    assert!(unread(&mut class).is_empty(), "taken once");
    class.apply(Change::Pods(Event::Apply(pod("init-demo-running", "lab-a", 4))));
    assert_eq!(unread(&mut class).len(), 1);
}

/// After any sequence of changes, the live rows are those a fresh `checker class status` of the
/// same objects makes.
#[test]
fn live_rows_equal_a_fresh_class_status() {
    let mut class = live(selector());
    listed(
        &mut class,
        &["lab-a", "lab-b", "lab-c"],
        vec![pod("init-demo-init-1-of-2", "lab-a", 1), pod("init-demo-fail-crashloop", "lab-b", 2)],
    );
    judge(&mut class);
    let changes = [
        pod("init-demo-running", "lab-a", 3),
        pod("init-demo-fail-never", "lab-b", 4),
        pod("sidecar-demo-running", "lab-c", 5),
        pod("init-demo-volume-running", "lab-c", 6),
    ];
    for pod in changes.clone() {
        class.apply(Change::Pods(Event::Apply(pod)));
        judge(&mut class);
    }
    let spec = spec();
    let fresh = ClassObservation::assemble(
        &spec,
        now(),
        vec!["lab-a".into(), "lab-b".into(), "lab-c".into()],
        changes.to_vec(),
        Some(Vec::new()),
        Vec::new(),
    );
    assert_eq!(class.board().learners, board(&spec, &fresh, Lang::En).learners);
}

#[test]
fn a_resync_reads_again_only_running_pods_of_learners_not_done() {
    let mut class = live(selector());
    listed(
        &mut class,
        &["lab-a", "lab-b"],
        vec![pod("init-demo-running", "lab-a", 1), pod("init-demo-fail-crashloop", "lab-b", 2)],
    );
    judge(&mut class);
    class.resync();
    // init-demo's app runs; init-demo-fail never got past its init container.
    let none = std::collections::BTreeSet::new();
    assert_eq!(class.next_unread(&none), Some(("lab-a".to_string(), "init-demo".to_string())));
    assert_eq!(class.next_unread(&none), None);
    assert_eq!(judge(&mut class).changed.len(), 0, "judged again, nothing changed");
}

#[test]
fn a_learner_waits_for_the_logs_of_a_pod_that_changed() {
    let mut class = live(selector());
    listed(&mut class, &["lab-a", "lab-b"], vec![pod("init-demo-running", "lab-a", 1)]);
    let none = std::collections::BTreeSet::new();
    assert!(
        class.update(now(), &none).changed.iter().all(|r| r.namespace != "lab-a"),
        "lab-a's logs not read"
    );
    assert!(!class.settled());
    let (ns, pod) = class.next_unread(&none).unwrap();
    let reading = std::collections::BTreeSet::from([(ns.clone(), pod.clone())]);
    assert!(class.update(now(), &reading).is_empty(), "still being read");
    let mut logs = crate::observation::Logs::new();
    for (container, text) in [
        ("init-1", "Init 1: Checking database...\n"),
        ("init-2", "Init 2: Loading config...\n"),
        ("app", "Configuration complete; ready for start up\n"),
    ] {
        let log = crate::observation::ContainerLog { current: Some(text.into()), previous: None };
        logs.entry(pod.clone()).or_default().insert(container.into(), log);
    }
    class.store_reads(&ns, &pod, logs, Default::default());
    let update = class.update(now(), &none);
    assert_eq!(update.changed[0].namespace, "lab-a");
    assert_eq!(update.changed[0].verdicts[1], Verdict::Pass, "step 2 from the logs, in the first row shown");
    assert!(class.settled());
}

#[test]
fn a_namespace_edit_reads_nothing_again_and_unrelated_pods_are_not_kept() {
    let mut class = live(selector());
    let mut scratch = pod("init-demo-running", "lab-a", 3);
    scratch.metadata.name = Some("scratch".into());
    listed(&mut class, &["lab-a"], vec![pod("init-demo-running", "lab-a", 1), scratch]);
    judge(&mut class);
    assert_eq!(class.pods_in("lab-a").len(), 1, "only the lab's pod is kept");
    let mut edited = namespace("lab-a");
    edited.metadata.annotations = Some([("note".to_string(), "x".to_string())].into());
    class.apply(Change::Namespaces(Event::Apply(edited)));
    assert!(unread(&mut class).is_empty());
}
