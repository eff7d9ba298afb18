//! The checks on objects of any kind, end to end: the real `checker` binary with the test lab
//! (`--spec tests/fixtures/labs/objects/lab.yaml`) against the fake API server, which serves the
//! lab's StatefulSet, Services, Pods and the scheduler's `events.k8s.io/v1` event as a real one
//! does (discovery, get, list with selectors, watch, RBAC denials).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use testkit::{FakeApiServer, fixtures_dir, kubectl};

#[path = "support/run.rs"]
mod run;
use run::Run;

#[path = "support/learner.rs"]
mod learner;
use learner::Learner;

const NAMESPACE: &str = "objects-lab";

fn lab() -> PathBuf {
    fixtures_dir().join("labs/objects/lab.yaml")
}

/// An object of the test lab's cluster (`tests/fixtures/labs/objects/cluster/{name}.yaml`).
fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(format!("labs/objects/cluster/{name}.yaml"));
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The cluster after step 1: the StatefulSet, its two Services, its pods and claims.
fn deployed() -> FakeApiServer {
    let server = FakeApiServer::start();
    for name in [
        "statefulset-web",
        "service-web",
        "service-web-public",
        "pod-web-0",
        "pod-web-1",
        "pvc-data-web-0",
        "pvc-data-web-1",
    ] {
        server.put_object(fixture(name));
    }
    server
}

/// Changes an object as stored (e.g. a controller updating a status) and puts it back.
fn change(server: &FakeApiServer, api_version: &str, kind: &str, name: &str, edit: impl FnOnce(&mut Value)) {
    server.change(api_version, kind, NAMESPACE, name, edit);
}

/// A learner's machine with a kubeconfig pointing at the server, running the test lab.
fn a_learner(server: &FakeApiServer) -> Learner {
    Learner::new(server).spec(&lab())
}

fn outcomes(run: &Run) -> Vec<(String, String)> {
    run.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["outcome"].as_str().unwrap().to_string()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn step1_passes_reading_each_object_once_after_one_discovery_per_api_version() {
    let server = deployed();
    let learner = a_learner(&server);
    let run = learner.run(&["step", "1", "-o", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(outcomes(&run), pairs(&[("statefulset", "pass"), ("services", "pass"), ("ordered", "pass")]));
    assert_eq!(run.check("services")["observed"], "2 (web, web-public)");

    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "the checker only reads: {requests:?}");
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths.iter().filter(|p| **p == "/apis/apps/v1").count(), 1, "{paths:?}");
    assert_eq!(paths.iter().filter(|p| **p == "/api/v1").count(), 1, "{paths:?}");
    assert!(!paths.contains(&"/apis"), "no discovery of every group: {paths:?}");
    assert!(paths.contains(&"/apis/apps/v1/namespaces/objects-lab/statefulsets/web"), "{paths:?}");
    assert!(paths.contains(&"/api/v1/namespaces/objects-lab/pods/web-0"), "{paths:?}");
    let services =
        requests.iter().find(|r| r.path == "/api/v1/namespaces/objects-lab/services").expect("a list");
    assert_eq!(
        services.query_param("labelSelector").as_deref(),
        Some("app.kubernetes.io/part-of=objects-lab")
    );
}

#[test]
fn step1_pending_while_the_statefulset_converges_then_failing_on_another_spec() {
    let server = deployed();
    let learner = a_learner(&server);
    change(&server, "apps/v1", "StatefulSet", "web", |sts| sts["status"]["readyReplicas"] = json!(1));
    let run = learner.run(&["step", "1", "-o", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["verdict"], "pending");
    assert_eq!(run.check("statefulset")["observed"], ".status.readyReplicas: expected 2, found 1");

    change(&server, "apps/v1", "StatefulSet", "web", |sts| {
        sts["spec"]["template"]["spec"]["initContainers"][0]["image"] = json!("busybox:latest");
    });
    let run = learner.run(&["step", "1"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(
            ".spec.template.spec.initContainers[0].image: expected \"busybox:1.36.1\", found \"busybox:latest\""
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Result: fail"), "{}", run.stdout);
}

#[test]
fn step1_fails_without_a_service_and_with_pods_created_in_parallel() {
    let server = deployed();
    let learner = a_learner(&server);
    assert!(server.delete_object("v1", "Service", NAMESPACE, "web-public"));
    change(&server, "v1", "Pod", "web-1", |pod| {
        pod["metadata"]["creationTimestamp"] = json!("2026-11-20T10:00:00Z")
    });
    let run = learner.run(&["step", "1", "-o", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["verdict"], "fail");
    assert_eq!(outcomes(&run), pairs(&[("statefulset", "pass"), ("services", "fail"), ("ordered", "fail")]));
    assert_eq!(run.check("services")["observed"], "1 (web)");
    assert_eq!(
        run.check("ordered")["observed"],
        "web-0 ready 2026-11-20T10:00:07Z, web-1 created 2026-11-20T10:00:00Z"
    );
    assert!(run.check("ordered")["hint"].as_str().unwrap().contains("OrderedReady"));
}

#[test]
fn a_missing_namespace_is_named() {
    let server = deployed();
    assert!(server.remove_namespace(NAMESPACE));
    let run = a_learner(&server).run(&["step", "1", "-o", "json"]);
    assert_eq!(run.json()["verdict"], "fail");
    assert_eq!(run.check("statefulset")["observed"], "namespace objects-lab does not exist");
    assert_eq!(run.check("ordered")["outcome"], "pending", "nothing has happened yet");
}

#[test]
fn step2_reads_the_schedulers_event_written_through_events_k8s_io() {
    let server = deployed();
    let learner = a_learner(&server);
    change(&server, "apps/v1", "StatefulSet", "web", |sts| sts["spec"]["replicas"] = json!(3));
    server.put_object(fixture("pod-web-2-unschedulable"));
    let run = learner.run(&["step", "2", "-o", "json"]);
    assert_eq!(run.json()["verdict"], "pending", "no event yet: {}", run.stdout);
    assert_eq!(run.check("insufficient-cpu")["observed"], "no FailedScheduling event about Pod web-2 yet");

    server.put_object(fixture("event-web-2-failed-scheduling"));
    let run = learner.run(&["step", "2", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let observed = run.check("insufficient-cpu")["observed"].as_str().unwrap().to_string();
    assert!(
        observed.starts_with("Warning FailedScheduling: 0/1 nodes are available: 1 Insufficient cpu."),
        "{observed}"
    );
    assert!(observed.ends_with("(×3)"), "{observed}");

    let mut memory = fixture("event-web-2-failed-scheduling");
    memory["note"] = json!(
        "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );
    server.put_object(memory);
    let run = learner.run(&["step", "2", "-o", "json"]);
    assert_eq!(run.json()["verdict"], "fail");
    assert!(run.check("insufficient-cpu")["observed"].as_str().unwrap().contains("Insufficient memory"));
}

#[test]
fn step3_passes_once_everything_is_gone() {
    let server = deployed();
    let learner = a_learner(&server);
    let run = learner.run(&["step", "3", "-o", "json"]);
    assert_eq!(outcomes(&run), pairs(&[("statefulset-gone", "fail"), ("pods-gone", "pending")]));
    assert!(server.delete_object("apps/v1", "StatefulSet", NAMESPACE, "web"));
    for pod in ["web-0", "web-1"] {
        change(&server, "v1", "Pod", pod, |p| {
            p["metadata"]["deletionTimestamp"] = json!("2026-11-20T10:06:00Z")
        });
    }
    let run = learner.run(&["step", "3", "-o", "json"]);
    assert_eq!(run.json()["verdict"], "pending");
    assert_eq!(run.check("pods-gone")["observed"], "being deleted: web-0, web-1");
    for pod in ["web-0", "web-1"] {
        server.delete_object("v1", "Pod", NAMESPACE, pod);
    }
    let run = learner.run(&["step", "3", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn a_refused_read_fails_its_check_with_the_rbac_hint_and_the_others_go_on() {
    let server = deployed();
    server.forbid("apps", "statefulsets");
    let run = a_learner(&server).run(&["step", "1", "-o", "json"]);
    assert_eq!(run.code, 1, "a verdict, not a cluster error: {}", run.stderr);
    assert_eq!(outcomes(&run), pairs(&[("statefulset", "fail"), ("services", "pass"), ("ordered", "pass")]));
    let sts = run.check("statefulset");
    assert_eq!(
        sts["observed"],
        "the API server refused the read: statefulsets.apps \"web\" is forbidden: User \"learner\" cannot get \
         resource \"statefulsets\" in API group \"apps\" in the namespace \"objects-lab\""
    );
    assert!(sts["hint"].as_str().unwrap().contains("manifests/checker-rbac.yaml"), "{sts}");
}

#[test]
fn a_kind_the_cluster_does_not_serve_is_named() {
    let server = deployed();
    let learner = a_learner(&server);
    let text = std::fs::read_to_string(lab()).unwrap();
    let spec = learner.dir.path().join("lab.yaml");
    // apps/v1beta2 was removed in Kubernetes 1.16; a Service has no v2.
    let text = text
        .replace(
            "apiVersion: apps/v1, kind: StatefulSet, name: web }",
            "apiVersion: apps/v1beta2, kind: StatefulSet, name: web }",
        )
        .replace("apiVersion: v1, kind: Service,", "apiVersion: v1, kind: Servic,");
    std::fs::write(&spec, text).unwrap();
    let run = learner.run_with_spec(&spec, &["step", "1", "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.check("statefulset")["observed"],
        "the cluster does not serve StatefulSet in apps/v1beta2"
    );
    assert_eq!(run.check("services")["observed"], "the cluster does not serve Servic in v1");
    let run = learner.run_with_spec(&spec, &["step", "3", "-o", "json"]);
    assert_eq!(run.check("statefulset-gone")["outcome"], "pass", "no such kind, so none exists");
}

#[test]
fn snapshots_and_kubectl_lists_work_offline() {
    let server = deployed();
    let learner = a_learner(&server);
    let file = learner.dir.path().join("snapshot.yaml");
    let run = learner.run(&["snapshot", "--file", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snapshot: Value = serde_yaml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(!snapshot["objects"]["items"].as_array().unwrap().is_empty(), "{snapshot}");

    // What kubectl prints is a file the checker reads too.
    let listed =
        kubectl(&learner.kubeconfig, &["get", "statefulsets,services,pods", "-n", NAMESPACE, "-o", "yaml"]);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let list = learner.dir.path().join("list.yaml");
    std::fs::write(&list, &listed.stdout).unwrap();
    server.stop();

    let run = learner.run(&["step", "1", "--from", file.to_str().unwrap(), "-o", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = learner.run(&["step", "1", "--from", list.to_str().unwrap(), "-o", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // A list without events cannot show the scheduler's: not verifiable, so never a pass.
    let run = learner.run(&["step", "2", "--from", list.to_str().unwrap(), "-o", "json"]);
    assert_eq!(run.check("insufficient-cpu")["outcome"], "unverifiable");

    // A snapshot of an older checker has no objects: not verifiable either.
    let mut old = snapshot.clone();
    old.as_object_mut().unwrap().remove("objects");
    let old_file = learner.dir.path().join("old.yaml");
    std::fs::write(&old_file, serde_yaml::to_string(&old).unwrap()).unwrap();
    let run = learner.run(&["step", "1", "--from", old_file.to_str().unwrap(), "-o", "json"]);
    assert_eq!(run.code, 1);
    assert!(outcomes(&run).iter().all(|(_, o)| o == "unverifiable"), "{}", run.stdout);
}

#[test]
fn wait_follows_the_objects_until_the_step_passes() {
    let server = deployed();
    change(&server, "apps/v1", "StatefulSet", "web", |sts| sts["status"]["readyReplicas"] = json!(1));
    server.delete_object("v1", "Pod", NAMESPACE, "web-1");
    let learner = a_learner(&server);
    let child = std::thread::scope(|scope| {
        let waiting = scope.spawn(|| learner.run(&["step", "1", "--wait", "30s", "-o", "json"]));
        // The checker has read the objects and watches them.
        let watching = server.wait_for_request(Duration::from_secs(20), |r| {
            r.path == "/apis/apps/v1/namespaces/objects-lab/statefulsets" && r.is_watch()
        });
        assert!(watching.is_some(), "no watch on statefulsets: {:?}", server.requests());
        server.put_object(fixture("pod-web-1"));
        change(&server, "apps/v1", "StatefulSet", "web", |sts| sts["status"]["readyReplicas"] = json!(2));
        waiting.join().unwrap()
    });
    assert_eq!(child.code, 0, "{}{}", child.stdout, child.stderr);
    assert_eq!(child.json()["verdict"], "pass");
}
