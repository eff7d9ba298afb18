//! Experiment 2.1 (a StatefulSet whose init container prepares each replica), end to end: the
//! real `checker` binary, run in the checkout with `--lab statefulset`, against the fake API server
//! holding the lab's StatefulSet, Service, EndpointSlice, claims and pods as a v1.31 kind cluster
//! holds them in each step's states, and the pages the replicas serve
//! (`tests/fixtures/labs/statefulset/`, timeline in its README). Each step passes on what the
//! controllers reach, is pending while they are on their way, and fails on what the learner has
//! to change.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::{FakeApiServer, fixtures_dir, kubectl};

#[path = "support/run.rs"]
mod run;
use run::Run;

#[path = "support/learner.rs"]
mod learner;
use learner::Learner;

const NAMESPACE: &str = "statefulset";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// An object of the lab's cluster (`tests/fixtures/labs/statefulset/cluster/{name}.yaml`).
fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(format!("labs/statefulset/cluster/{name}.yaml"));
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// What a replica serves at `/` (`tests/fixtures/labs/statefulset/pages/{name}.html`).
fn page(name: &str) -> String {
    std::fs::read_to_string(fixtures_dir().join(format!("labs/statefulset/pages/{name}.html"))).unwrap()
}

fn put(server: &FakeApiServer, names: &[&str]) {
    for name in names {
        server.put_object(fixture(name));
    }
}

/// The cluster after step 1: three replicas ready, one after the other, serving their pages.
fn started() -> FakeApiServer {
    let server = FakeApiServer::start();
    server.add_namespace(NAMESPACE);
    put(
        &server,
        &[
            "service-web",
            "statefulset-web",
            "endpointslice-web",
            "pvc-www-web-0",
            "pvc-www-web-1",
            "pvc-www-web-2",
            "pod-web-0",
            "pod-web-1",
            "pod-web-2",
        ],
    );
    for pod in ["web-0", "web-1", "web-2"] {
        server.set_proxy(NAMESPACE, pod, 200, &page(pod));
    }
    server
}

/// The cluster after step 3: `web-1` replaced on its claim, its page noting the second run.
fn replaced() -> FakeApiServer {
    let server = started();
    put(&server, &["pod-web-1-replaced"]);
    server.set_proxy(NAMESPACE, "web-1", 200, &page("web-1-replaced"));
    server
}

/// The cluster after step 4: scaled to 5 and back to 2, the five claims kept.
fn scaled_down() -> FakeApiServer {
    let server = replaced();
    put(&server, &["statefulset-web-scaled-down", "pvc-www-web-3", "pvc-www-web-4"]);
    assert!(server.delete_object("v1", "Pod", NAMESPACE, "web-2"));
    server
}

/// Changes an object as stored (a controller's or the learner's doing) and puts it back.
fn change(server: &FakeApiServer, api_version: &str, kind: &str, name: &str, edit: impl FnOnce(&mut Value)) {
    server.change(api_version, kind, NAMESPACE, name, edit);
}

/// A learner's machine working in the checkout (so that its `labs/` are the labs).
fn a_learner(server: &FakeApiServer) -> Learner {
    Learner::new(server).lab("statefulset").in_dir(&repo())
}

// --- Step 1: ordered start-up -----------------------------------------------------------------

#[test]
fn step1_passes_when_the_replicas_started_one_after_the_other() {
    let server = started();
    let run = a_learner(&server).step(1);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["lab"], "statefulset");
    assert_eq!(
        run.observed("ordered"),
        "web-0 ready 2025-01-16T08:00:05Z, web-1 created 2025-01-16T08:00:05Z, \
         web-1 ready 2025-01-16T08:00:10Z, web-2 created 2025-01-16T08:00:10Z, web-2 ready 2025-01-16T08:00:15Z"
    );
    // The report's pods are the replicas, as kubectl prints them, with their init timings.
    let pods: Vec<(String, String)> = run.json()["pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().into(), p["status"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        pods,
        [("web-0", "Running"), ("web-1", "Running"), ("web-2", "Running")].map(|(a, b)| (a.into(), b.into()))
    );
    assert_eq!(run.json()["timings"].as_array().unwrap().len(), 3);
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "the checker only reads: {requests:?}");
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    for path in [
        "/apis/apps/v1/namespaces/statefulset/statefulsets/web",
        "/api/v1/namespaces/statefulset/services/web",
        "/api/v1/namespaces/statefulset/pods/web-2",
    ] {
        assert!(paths.contains(&path), "{path} in {paths:?}");
    }
}

#[test]
fn step1_is_pending_while_the_next_replica_waits_for_the_previous() {
    let server = started();
    // 08:00:08: web-0 ready, web-1 running its init container, web-2 not created yet.
    assert!(server.delete_object("v1", "Pod", NAMESPACE, "web-2"));
    put(&server, &["pod-web-1-initializing", "statefulset-web-starting"]);
    let run = a_learner(&server).step(1);
    assert_eq!(run.code, 1);
    assert_eq!(run.verdict(), "pending", "{}", run.stdout);
    assert_eq!(
        run.outcomes(),
        [
            "statefulset=pending",
            "headless-service=pass",
            "ordered=pending",
            "web-0-init=pass",
            "web-1-init=pending",
            "web-2-init=pending"
        ]
    );
    assert_eq!(run.observed("statefulset"), ".status.readyReplicas: expected 3, found 1");
    // web-2 is the StatefulSet's to create (`created_by: controller`): pending, not missing.
    assert_eq!(run.observed("web-2-init"), "pod web-2 does not exist yet: its controller creates it");
    assert_eq!(run.json()["cause"]["kind"], "progressing", "{}", run.stdout);
    assert!(
        run.observed("ordered")
            .ends_with("web-1 ready: not yet, web-2 created: not yet, web-2 ready: not yet"),
        "{}",
        run.stdout
    );
    // The step's advice while pending names what a replica stuck in Pending usually lacks.
    let text = a_learner(&server).run(&["step", "1"]);
    assert!(text.stdout.contains("no default StorageClass"), "{}", text.stdout);
}

#[test]
fn step1_waits_for_the_last_replica_itself_not_only_for_the_statefulsets_count() {
    let server = started();
    // The StatefulSet's status already says 3 ready (its watch event came first), web-2's own
    // Ready condition has not arrived yet.
    change(&server, "v1", "Pod", "web-2", |pod| {
        let ready =
            pod["status"]["conditions"].as_array_mut().unwrap().iter_mut().find(|c| c["type"] == "Ready");
        ready.unwrap()["status"] = json!("False");
        pod["status"]["containerStatuses"][0]["ready"] = json!(false);
    });
    let run = a_learner(&server).step(1);
    assert_eq!(run.verdict(), "pending", "{}", run.stdout);
    assert_eq!(run.outcome("statefulset"), "pass");
    assert!(run.observed("ordered").ends_with("web-2 ready: not yet"), "{}", run.observed("ordered"));
}

#[test]
fn step1_fails_on_replicas_created_together_and_names_the_policy() {
    let server = started();
    change(&server, "apps/v1", "StatefulSet", "web", |sts| {
        sts["spec"]["podManagementPolicy"] = json!("Parallel")
    });
    for pod in ["web-1", "web-2"] {
        change(&server, "v1", "Pod", pod, |p| {
            p["metadata"]["creationTimestamp"] = json!("2025-01-16T08:00:00Z")
        });
    }
    let run = a_learner(&server).step(1);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(run.outcome("statefulset"), "fail");
    assert_eq!(
        run.observed("statefulset"),
        ".spec.podManagementPolicy: expected \"OrderedReady\", found \"Parallel\""
    );
    assert_eq!(run.outcome("ordered"), "fail");
    assert!(run.hint("ordered").contains("Parallel"), "{}", run.hint("ordered"));
}

#[test]
fn step1_fails_without_a_headless_service() {
    let server = started();
    change(&server, "v1", "Service", "web", |svc| {
        svc["spec"]["clusterIP"] = json!("10.96.12.34");
        svc["spec"]["clusterIPs"] = json!(["10.96.12.34"]);
    });
    let run = a_learner(&server).step(1);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(run.observed("headless-service"), ".spec.clusterIP: expected \"None\", found \"10.96.12.34\"");
    assert!(run.hint("headless-service").contains("kubectl delete svc web -n statefulset"));
}

#[test]
fn step1_wait_prints_each_replicas_status_timeline() {
    let server = started();
    assert!(server.delete_object("v1", "Pod", NAMESPACE, "web-2"));
    put(&server, &["pod-web-1-initializing", "statefulset-web-starting"]);
    let learner = a_learner(&server);
    let child = learner
        .command(&["step", "1", "--wait", "30s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    server.wait_for_request(Duration::from_secs(10), |r| r.is_watch()).expect("the checker watches");
    std::thread::sleep(Duration::from_millis(300));
    put(&server, &["pod-web-1"]);
    std::thread::sleep(Duration::from_millis(300));
    put(&server, &["pod-web-2", "statefulset-web"]);
    let started = Instant::now();
    let run = Run::from(child.wait_with_output().unwrap());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(started.elapsed() < Duration::from_secs(5), "reacted in {:?}", started.elapsed());
    let timeline =
        run.stdout.split("STATUS changes").nth(1).unwrap_or_else(|| panic!("no timeline: {}", run.stdout));
    let seen: Vec<(&str, &str)> = timeline
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?, words.nth(1)?))
        })
        .filter(|(pod, _)| pod.starts_with("web-"))
        .collect();
    assert!(seen.contains(&("web-1", "Init:0/1")), "{timeline}");
    assert!(seen.contains(&("web-1", "Running")), "{timeline}");
    assert!(seen.contains(&("web-2", "Running")), "{timeline}");
}

// --- Step 2: stable network identity -----------------------------------------------------------

#[test]
fn step2_reads_each_page_through_the_pod_proxy_and_each_hostname_in_the_endpoint_slice() {
    let server = started();
    let run = a_learner(&server).step(2);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.observed("web-1-page"), "ordinal: 1");
    assert_eq!(run.observed("web-2-dns"), "web-5xq7v matches");
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    for pod in ["web-0", "web-1", "web-2"] {
        let proxy = format!("/api/v1/namespaces/statefulset/pods/{pod}/proxy/");
        assert!(paths.contains(&proxy), "{proxy} in {paths:?}");
    }
    let slices = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/apis/discovery.k8s.io/v1/namespaces/statefulset/endpointslices")
        .expect("the EndpointSlices are listed");
    assert_eq!(slices.query_param("labelSelector").as_deref(), Some("kubernetes.io/service-name=web"));
}

#[test]
fn step2_fails_on_a_page_of_another_ordinal_and_on_a_missing_hostname() {
    let server = started();
    // A claim that was prepared for another replica serves that replica's page.
    server.set_proxy(NAMESPACE, "web-2", 200, &page("web-0"));
    // A pod whose subdomain is not the Service's name gets no hostname in the slice.
    change(&server, "discovery.k8s.io/v1", "EndpointSlice", "web-5xq7v", |slice| {
        slice["endpoints"][1].as_object_mut().unwrap().remove("hostname");
    });
    let run = a_learner(&server).step(2);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(
        run.outcomes(),
        [
            "web-0-page=pass",
            "web-1-page=pass",
            "web-2-page=fail",
            "web-0-dns=pass",
            "web-1-dns=fail",
            "web-2-dns=pass"
        ]
    );
    assert!(run.observed("web-2-page").contains("pod: web-0"), "{}", run.observed("web-2-page"));
    assert!(run.observed("web-1-dns").contains(".endpoints"), "{}", run.observed("web-1-dns"));
    assert!(run.hint("web-1-dns").contains("subdomain"));
}

#[test]
fn step2_is_pending_while_a_replica_is_not_ready_and_fails_its_dns_check_until_it_is() {
    let server = started();
    put(&server, &["pod-web-1-initializing"]);
    server.set_proxy(NAMESPACE, "web-1", 503, "");
    let run = a_learner(&server).step(2);
    assert_eq!(run.outcome("web-1-page"), "pending", "{}", run.stdout);
    assert_eq!(run.outcome("web-1-dns"), "pass", "the slice still lists the old endpoint");
    put(&server, &["endpointslice-web-1-unready"]);
    let run = a_learner(&server).step(2);
    assert_eq!(run.outcome("web-1-dns"), "fail");
    assert_eq!(
        run.observed("web-1-dns"),
        "web-5xq7v: .endpoints[2].conditions.ready: expected true, found false"
    );
}

#[test]
fn a_refused_endpoint_slice_read_names_the_labs_role() {
    let server = started();
    server.forbid("discovery.k8s.io", "endpointslices");
    let run = a_learner(&server).step(2);
    assert_eq!(run.code, 1, "a verdict, not a cluster error: {}", run.stderr);
    assert_eq!(run.outcome("web-0-page"), "pass");
    assert_eq!(run.outcome("web-0-dns"), "fail");
    assert!(run.observed("web-0-dns").starts_with("the API server refused the read: "), "{}", run.stdout);
    assert!(
        run.hint("web-0-dns").contains("manifests/statefulset/checker-rbac.yaml"),
        "{}",
        run.hint("web-0-dns")
    );
}

// --- Step 3: a replica replaced ----------------------------------------------------------------

#[test]
fn step3_fails_until_the_replica_is_replaced_then_passes_on_the_same_claim() {
    let server = started();
    let learner = a_learner(&server);
    let run = learner.step(3);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(
        run.outcomes(),
        ["replaced=fail", "same-claim=pass", "init-ran-again=pass", "second-run-on-the-claim=fail"]
    );
    assert!(run.hint("replaced").contains("kubectl delete pod web-1 -n statefulset"));

    // Deleted, not yet re-created: the controller is on its way.
    assert!(server.delete_object("v1", "Pod", NAMESPACE, "web-1"));
    let run = learner.step(3);
    assert_eq!(run.verdict(), "pending", "{}", run.stdout);
    assert_eq!(
        run.outcomes(),
        [
            "replaced=pending",
            "same-claim=pending",
            "init-ran-again=pending",
            "second-run-on-the-claim=pending"
        ]
    );

    put(&server, &["pod-web-1-replaced"]);
    server.set_proxy(NAMESPACE, "web-1", 200, &page("web-1-replaced"));
    let run = learner.step(3);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.observed("second-run-on-the-claim"),
        "run 2: 2025-01-16T08:05:02Z pod f8a6d0c2-6a7b-4d14-9f50-5b6c7d8e9f05"
    );
    assert_eq!(
        run.observed("replaced"),
        "web-2 ready 2025-01-16T08:00:15Z, web-1 created 2025-01-16T08:05:01Z"
    );
}

#[test]
fn step3_fails_when_the_claim_was_deleted_with_the_pod() {
    let server = started();
    // The learner deleted the claim too: the new web-1 starts on a new, empty claim.
    put(&server, &["pod-web-1-replaced"]);
    let fresh = page("web-1-replaced")
        .lines()
        .filter(|l| !l.starts_with("run 1:"))
        .map(|l| {
            l.replace("run 2:", "run 1:")
                .replace("first-init: 2025-01-16T08:00:08Z", "first-init: 2025-01-16T08:05:02Z")
        })
        .collect::<Vec<_>>()
        .join("\n");
    server.set_proxy(NAMESPACE, "web-1", 200, &fresh);
    let run = a_learner(&server).step(3);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(run.outcome("replaced"), "pass");
    assert_eq!(run.outcome("second-run-on-the-claim"), "fail");
    assert!(run.hint("second-run-on-the-claim").contains("kubectl get pvc www-web-1"));
}

#[test]
fn step3_wait_sees_the_replaced_pod_and_reads_its_new_page() {
    let server = started();
    let learner = a_learner(&server);
    let child = learner
        .command(&["step", "3", "--wait", "30s", "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    server
        .wait_for_request(Duration::from_secs(10), |r| r.is_watch() && r.path.ends_with("/pods"))
        .expect("watching pods");
    std::thread::sleep(Duration::from_millis(300));
    // kubectl delete pod web-1: terminating, then gone, then the controller's new web-1.
    put(&server, &["pod-web-1-terminating"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.delete_object("v1", "Pod", NAMESPACE, "web-1"));
    std::thread::sleep(Duration::from_millis(300));
    server.set_proxy(NAMESPACE, "web-1", 200, &page("web-1-replaced"));
    put(&server, &["pod-web-1-replaced"]);
    let run = Run::from(child.wait_with_output().unwrap());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.verdict(), "pass");
    let proxied = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/namespaces/statefulset/pods/web-1/proxy/")
        .count();
    assert!(proxied >= 2, "the page is read again for the new pod ({proxied} reads)");
}

// --- Step 4: scale to 5, then to 2 --------------------------------------------------------------

#[test]
fn step4_passes_with_two_replicas_and_all_five_claims() {
    let server = scaled_down();
    let run = a_learner(&server).step(4);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.observed("pods-left"), "2 (web-0, web-1)");
    assert_eq!(run.observed("claims-kept"), "5 (www-web-0, www-web-1, www-web-2, www-web-3, www-web-4)");
    let claims = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/namespaces/statefulset/persistentvolumeclaims")
        .expect("the claims are listed");
    assert_eq!(claims.query_param("labelSelector").as_deref(), Some("app=web"));
}

#[test]
fn step4_is_pending_while_scaling_down_one_replica_at_a_time() {
    let server = scaled_down();
    // 08:11:01: web-4 is gone, web-3 terminating; the status still counts it.
    let mut web3 = fixture("pod-web-2");
    web3["metadata"]["name"] = json!("web-3");
    web3["metadata"]["uid"] = json!("d6f4b8c0-4e5a-4b92-9d3e-3f4a5b6c7d83");
    web3["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] = json!("web-3");
    web3["metadata"]["labels"]["apps.kubernetes.io/pod-index"] = json!("3");
    web3["metadata"]["deletionTimestamp"] = json!("2025-01-16T08:11:31Z");
    web3["metadata"]["deletionGracePeriodSeconds"] = json!(30);
    server.put_object(web3);
    change(&server, "apps/v1", "StatefulSet", "web", |sts| sts["status"]["replicas"] = json!(3));
    let run = a_learner(&server).step(4);
    assert_eq!(run.verdict(), "pending", "{}", run.stdout);
    assert_eq!(run.observed("two-replicas"), ".status.replicas: expected 2, found 3");
    assert_eq!(run.observed("pods-left"), "2 (web-0, web-1); being deleted (not counted): web-3");
}

#[test]
fn step4_fails_when_the_claims_were_deleted_on_scale_down_or_never_made() {
    let server = scaled_down();
    change(&server, "apps/v1", "StatefulSet", "web", |sts| {
        sts["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"] = json!("Delete")
    });
    for claim in ["www-web-2", "www-web-3", "www-web-4"] {
        assert!(server.delete_object("v1", "PersistentVolumeClaim", NAMESPACE, claim));
    }
    let run = a_learner(&server).step(4);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(
        run.outcomes(),
        ["two-replicas=pass", "pods-left=pass", "claims-kept=fail", "retention-policy=fail"]
    );
    assert_eq!(run.observed("claims-kept"), "2 (www-web-0, www-web-1)");
    assert_eq!(
        run.observed("retention-policy"),
        ".spec.persistentVolumeClaimRetentionPolicy.whenScaled: expected \"Retain\", found \"Delete\""
    );
    assert!(
        run.hint("claims-kept").contains("--replicas=5") || run.hint("claims-kept").contains("scale up to 5")
    );
}

#[test]
fn step4_on_a_cluster_without_the_retention_policy_field_says_which_versions_have_it() {
    let server = scaled_down();
    change(&server, "apps/v1", "StatefulSet", "web", |sts| {
        sts["spec"].as_object_mut().unwrap().remove("persistentVolumeClaimRetentionPolicy");
    });
    let run = a_learner(&server).step(4);
    assert_eq!(run.outcome("retention-policy"), "fail");
    assert!(run.observed("retention-policy").contains("missing"), "{}", run.observed("retention-policy"));
    assert!(run.hint("retention-policy").contains("v1.27"));
}

// --- Step 5: cleanup, claims included -------------------------------------------------------------

#[test]
fn step5_fails_while_the_claims_outlive_the_statefulset_and_passes_once_they_are_gone() {
    let server = scaled_down();
    let learner = a_learner(&server);
    assert_eq!(learner.step(5).verdict(), "fail");

    // kubectl delete -f manifests/statefulset/web.yaml without the namespace: the StatefulSet
    // and Service go, the pods are garbage-collected, the claims stay.
    assert!(server.delete_object("apps/v1", "StatefulSet", NAMESPACE, "web"));
    assert!(server.delete_object("v1", "Service", NAMESPACE, "web"));
    for pod in ["web-0", "web-1"] {
        change(&server, "v1", "Pod", pod, |p| {
            p["metadata"]["deletionTimestamp"] = json!("2025-01-16T08:20:30Z")
        });
    }
    let run = learner.step(5);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(
        run.outcomes(),
        ["statefulsets-gone=pass", "pods-gone=pending", "claims-gone=fail", "services-gone=pass"]
    );
    assert_eq!(
        run.observed("claims-gone"),
        "still present: www-web-0, www-web-1, www-web-2, www-web-3, www-web-4"
    );
    assert!(run.hint("claims-gone").contains("kubectl delete pvc -n statefulset"));

    // kubectl delete pvc -l …: the claims of running pods wait for them (pvc-protection).
    for pod in ["web-0", "web-1"] {
        assert!(server.delete_object("v1", "Pod", NAMESPACE, pod));
    }
    for n in 0..5 {
        change(&server, "v1", "PersistentVolumeClaim", &format!("www-web-{n}"), |c| {
            c["metadata"]["deletionTimestamp"] = json!("2025-01-16T08:21:00Z")
        });
    }
    let run = learner.step(5);
    assert_eq!(run.verdict(), "pending", "{}", run.stdout);
    for n in 0..5 {
        assert!(server.delete_object("v1", "PersistentVolumeClaim", NAMESPACE, &format!("www-web-{n}")));
    }
    assert_eq!(learner.step(5).code, 0);
}

#[test]
fn step5_passes_once_the_namespace_is_gone() {
    let server = scaled_down();
    assert!(server.remove_namespace(NAMESPACE));
    let run = a_learner(&server).step(5);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

// --- The lab as a whole ----------------------------------------------------------------------------

#[test]
fn the_whole_lab_is_checked_step_by_step_and_its_goals_are_reached() {
    let server = started();
    let learner = a_learner(&server);
    assert_eq!(learner.step(1).code, 0);
    assert_eq!(learner.step(2).code, 0);
    put(&server, &["pod-web-1-replaced"]);
    server.set_proxy(NAMESPACE, "web-1", 200, &page("web-1-replaced"));
    assert_eq!(learner.step(3).code, 0);
    put(&server, &["statefulset-web-scaled-down", "pvc-www-web-3", "pvc-www-web-4"]);
    assert!(server.delete_object("v1", "Pod", NAMESPACE, "web-2"));
    assert_eq!(learner.step(4).code, 0);
    assert!(server.remove_namespace(NAMESPACE));
    assert_eq!(learner.step(5).code, 0);
    let progress = learner.run(&["progress", "-o", "json"]).json();
    assert_eq!(progress["lab"], "statefulset");
    let goals = progress["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 3);
    assert!(goals.iter().all(|g| g["achieved"] == true), "{progress}");
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

/// The lines of a chapter of this lab's part of the book, each trimmed.
fn chapter(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("src/statefulset").join(name)).unwrap();
    text.lines().map(|l| l.trim().to_string()).collect()
}

/// Whether `output`'s lines appear one after the other in the chapter (indentation aside).
fn shows(chapter: &[String], output: &str) -> bool {
    let wanted: Vec<&str> = output.lines().map(str::trim).collect();
    chapter.windows(wanted.len()).any(|w| w.iter().zip(&wanted).all(|(a, b)| a == b))
}

/// Whether every row of a table kubectl printed is in the chapter, but for its last column
/// (AGE, which depends on when the reader looks).
fn shows_table_but_age(chapter: &[String], output: &str) -> bool {
    let without_age = |line: &str| {
        let mut words: Vec<&str> = line.split_whitespace().collect();
        words.pop();
        words.join(" ")
    };
    let rows: Vec<String> = chapter.iter().map(|l| without_age(l)).collect();
    output.lines().all(|line| rows.contains(&without_age(line)))
}

struct Kubectl {
    kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl Kubectl {
    fn on(server: &FakeApiServer) -> Kubectl {
        let dir = tempfile::tempdir().unwrap();
        Kubectl { kubeconfig: server.write_kubeconfig(dir.path()), _dir: dir }
    }

    fn get(&self, args: &[&str]) -> String {
        let out = kubectl(&self.kubeconfig, args);
        assert!(out.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
}

const TIMES: &str = "jsonpath={range .items[*]}{.metadata.name}{\"\\t\"}{.metadata.creationTimestamp}{\"\\t\"}\
    {.status.conditions[?(@.type==\"PodScheduled\")].lastTransitionTime}{\"\\t\"}\
    {.status.conditions[?(@.type==\"Ready\")].lastTransitionTime}{\"\\n\"}{end}";

const CONTAINER_TIMES: &str = "jsonpath={range .items[*]}{.metadata.name}{\"\\t\"}\
    {.status.initContainerStatuses[0].state.terminated.startedAt}{\"\\t\"}\
    {.status.initContainerStatuses[0].state.terminated.finishedAt}{\"\\t\"}\
    {.status.containerStatuses[0].state.running.startedAt}{\"\\n\"}{end}";

#[test]
fn the_books_samples_are_what_kubectl_prints_for_the_fixtures() {
    let server = started();
    let k = Kubectl::on(&server);
    let pods = ["get", "pods", "-n", "statefulset", "-l", "app=web", "-o"];
    let times = k.get(&[&pods[..], &[TIMES]].concat());
    assert_eq!(times.lines().count(), 3, "{times}");
    assert!(shows(&chapter("step1-ordered.md"), &times), "step 1 lacks:\n{times}");
    assert!(shows(&chapter("results.md"), &times), "results lack:\n{times}");
    let container_times = k.get(&[&pods[..], &[CONTAINER_TIMES]].concat());
    assert!(shows(&chapter("results.md"), &container_times), "results lack:\n{container_times}");
    let identity = k.get(&[
        &pods[..],
        &["custom-columns=NAME:.metadata.name,HOSTNAME:.spec.hostname,SUBDOMAIN:.spec.subdomain,IP:.status.podIP"],
    ]
    .concat());
    assert!(shows(&chapter("step2-identity.md"), &identity), "step 2 lacks:\n{identity}");
    let hostnames = k.get(&[
        "get",
        "endpointslices",
        "-n",
        "statefulset",
        "-l",
        "kubernetes.io/service-name=web",
        "-o",
        "jsonpath={range .items[*].endpoints[*]}{.hostname}{\"\\t\"}{.addresses[0]}{\"\\t\"}{.conditions.ready}{\"\\n\"}{end}",
    ]);
    assert!(shows(&chapter("step2-identity.md"), &hostnames), "step 2 lacks:\n{hostnames}");
    let page = k.get(&["get", "--raw", "/api/v1/namespaces/statefulset/pods/web-1/proxy/"]);
    assert!(shows(&chapter("step2-identity.md"), &page), "step 2 lacks:\n{page}");
    let claims = k.get(&["get", "sts,svc,pvc", "-n", "statefulset"]);
    assert!(shows_table_but_age(&chapter("step1-ordered.md"), &claims), "step 1 lacks:\n{claims}");

    let server = replaced();
    let k = Kubectl::on(&server);
    let page = k.get(&["get", "--raw", "/api/v1/namespaces/statefulset/pods/web-1/proxy/"]);
    assert!(shows(&chapter("step3-replace.md"), &page), "step 3 lacks:\n{page}");
    let volume = k.get(&[
        "get",
        "pod",
        "web-1",
        "-n",
        "statefulset",
        "-o",
        "jsonpath={.metadata.uid}{\"\\t\"}{.spec.volumes[?(@.name==\"www\")].persistentVolumeClaim.claimName}{\"\\n\"}",
    ]);
    assert!(shows(&chapter("step3-replace.md"), &volume), "step 3 lacks:\n{volume}");

    let server = scaled_down();
    let k = Kubectl::on(&server);
    let claims = k.get(&["get", "pvc", "-n", "statefulset", "-l", "app=web"]);
    assert_eq!(claims.lines().count(), 6, "{claims}");
    assert!(shows_table_but_age(&chapter("step4-scale.md"), &claims), "step 4 lacks:\n{claims}");
    assert!(shows_table_but_age(&chapter("cleanup.md"), &claims), "cleanup lacks:\n{claims}");
    let policy = k.get(&[
        "get",
        "sts",
        "web",
        "-n",
        "statefulset",
        "-o",
        "jsonpath={.spec.persistentVolumeClaimRetentionPolicy}{\"\\n\"}",
    ]);
    assert_eq!(policy, "{\"whenDeleted\":\"Retain\",\"whenScaled\":\"Retain\"}\n");
    assert!(shows(&chapter("step4-scale.md"), &policy));
}
