//! Experiment 1.3 (restart policies compared), end to end: the real `checker` binary on the
//! book's second lab (`--lab restart-policy`, as built in) against the fake API server, which holds
//! the nine pods and the kubelet's BackOff events as a v1.30 cluster shows them
//! (`tests/fixtures/labs/restart-policy/`). Each step passes on the states the kubelet reaches,
//! is pending while the pods are on their way, and fails on pods that are not the lab's. The
//! states that oscillate (Completed ↔ CrashLoopBackOff, Error ↔ CrashLoopBackOff, Init:Error ↔
//! Init:CrashLoopBackOff) pass on either side.

use serde_json::{Value, json};
use testkit::{FakeApiServer, fixtures_dir, kubectl};

#[path = "support/run.rs"]
mod run;
use run::Run;

#[path = "support/learner.rs"]
mod learner;
use learner::Learner;

const NAMESPACE: &str = "restart-policy";
const LAB: &str = "restart-policy";

/// An object of the lab's cluster (`tests/fixtures/labs/restart-policy/cluster/{name}.yaml`).
fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(format!("labs/restart-policy/cluster/{name}.yaml"));
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn server_with(fixtures: &[&str]) -> FakeApiServer {
    let server = FakeApiServer::start();
    for name in fixtures {
        server.put_object(fixture(name));
    }
    server
}

const NEVER: [&str; 3] = ["pod-rp-never-init-fails", "pod-rp-never-exits-0", "pod-rp-never-exits-1"];
const ONFAILURE: [&str; 4] = [
    "pod-rp-onfailure-init-fails",
    "pod-rp-onfailure-exits-0",
    "pod-rp-onfailure-exits-1",
    "event-rp-onfailure-exits-1-backoff",
];
const ALWAYS: [&str; 4] = [
    "pod-rp-always-init-fails",
    "pod-rp-always-exits-0",
    "pod-rp-always-exits-1",
    "event-rp-always-exits-0-backoff",
];

fn change(server: &FakeApiServer, name: &str, edit: impl FnOnce(&mut Value)) {
    server.change("v1", "Pod", NAMESPACE, name, edit);
}

/// A learner of this lab, outside the checkout: the lab as built in.
fn a_learner(server: &FakeApiServer) -> Learner {
    Learner::new(server).lab(LAB).at_home()
}

/// `checker step N --wait 30s` while `play` puts the pods' next states, a moment apart, once
/// the checker watches.
fn wait_while(learner: &Learner, server: &FakeApiServer, step: u32, play: Vec<Value>) -> Run {
    server.clear_requests();
    let child = learner
        .command(&["step", &step.to_string(), "--wait", "30s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !server.requests().iter().any(|r| r.is_watch()) {
        assert!(std::time::Instant::now() < deadline, "the checker never started a watch");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for pod in play {
        std::thread::sleep(std::time::Duration::from_millis(300));
        server.put_object(pod);
    }
    Run::from(child.wait_with_output().unwrap())
}

/// `kubectl get pods` through the fake server's printer (kubectl's own columns), as NAME → (READY,
/// STATUS, RESTARTS without the "(…ago)" part).
fn columns(learner: &Learner) -> std::collections::BTreeMap<String, (String, String, String)> {
    let out = kubectl(&learner.kubeconfig, &["get", "pods", "-n", NAMESPACE, "--no-headers"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            (f[0].to_string(), (f[1].to_string(), f[2].to_string(), f[3].to_string()))
        })
        .collect()
}

fn row(ready: &str, status: &str, restarts: &str) -> (String, String, String) {
    (ready.to_string(), status.to_string(), restarts.to_string())
}

fn assert_passes(run: &Run) {
    assert_eq!(run.code, 0, "{:?}\n{}{}", run.outcomes(), run.stdout, run.stderr);
    assert_eq!(run.verdict(), "pass");
}

#[test]
fn the_spec_parses_and_lists_five_steps() {
    let server = FakeApiServer::start();
    let run = a_learner(&server).run(&["list", "-o", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let text = run.stdout;
    for id in ["never", "onfailure", "always", "backoff", "cleanup"] {
        assert!(text.contains(&format!("\"{id}\"")), "{id}: {text}");
    }
}

#[test]
fn step1_never_passes_on_the_terminal_pods_and_reads_only() {
    let server = server_with(&NEVER);
    let learner = a_learner(&server);
    let run = learner.step(1);
    assert_passes(&run);
    assert_eq!(
        run.check("three-pods")["observed"],
        "3 (rp-never-exits-0, rp-never-exits-1, rp-never-init-fails)"
    );
    assert!(server.requests().iter().all(|r| r.method == "GET"), "the checker only reads");
    // The fixtures print as the chapter says: Init:Error, Completed, Error, no restarts.
    let columns = columns(&learner);
    assert_eq!(columns["rp-never-init-fails"], row("0/1", "Init:Error", "0"));
    assert_eq!(columns["rp-never-exits-0"], row("0/1", "Completed", "0"));
    assert_eq!(columns["rp-never-exits-1"], row("0/1", "Error", "0"));
}

#[test]
fn step1_is_pending_while_a_pod_runs_and_fails_on_another_policy() {
    let server = server_with(&NEVER);
    let learner = a_learner(&server);
    // rp-never-exits-1 is still in its 2-second run.
    change(&server, "rp-never-exits-1", |pod| {
        pod["status"]["phase"] = json!("Running");
        pod["status"]["containerStatuses"][0]["state"] =
            json!({"running": {"startedAt": "2026-11-20T10:00:02Z"}});
    });
    let run = learner.step(1);
    assert_eq!(run.verdict(), "pending", "{:?}", run.outcomes());
    assert_eq!(run.outcome("exits-1"), "pending");
    assert!(
        run.check("exits-1")["observed"]
            .as_str()
            .unwrap()
            .contains(".status.phase: expected \"Failed\", found \"Running\"")
    );

    // The same pod applied with restartPolicy OnFailure is not the lab's: fail, with the way out.
    change(&server, "rp-never-exits-1", |pod| pod["spec"]["restartPolicy"] = json!("OnFailure"));
    let run = learner.step(1);
    assert_eq!(run.verdict(), "fail");
    let check = run.check("exits-1");
    assert!(
        check["observed"]
            .as_str()
            .unwrap()
            .contains(".spec.restartPolicy: expected \"Never\", found \"OnFailure\""),
        "{check}"
    );
    assert!(check["hint"].as_str().unwrap().contains("manifests/restart-policy/never.yaml"), "{check}");

    // A missing pod: the count and the pod's checks fail.
    let server = server_with(&NEVER[..2]);
    let run = a_learner(&server).step(1);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(run.outcome("three-pods"), "fail");
    assert_eq!(run.outcome("exits-1"), "fail");
}

#[test]
fn step1_fails_when_the_init_container_was_retried_or_the_app_ran() {
    let server = server_with(&NEVER);
    let learner = a_learner(&server);
    change(&server, "rp-never-init-fails", |pod| {
        pod["status"]["containerStatuses"][0]["state"] =
            json!({"running": {"startedAt": "2026-11-20T10:00:03Z"}});
        pod["status"]["containerStatuses"][0]["started"] = json!(true);
    });
    let run = learner.step(1);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(run.outcome("init-fails-app-never-started"), "fail");
}

/// A kubelet `BackOff` event about `pod` (container `app`), as the core API serves it.
fn backoff_event(pod: &str) -> Value {
    let mut event = fixture("event-rp-always-exits-0-backoff");
    event["involvedObject"]["name"] = json!(pod);
    event["metadata"]["name"] = json!(format!("{pod}.a771edd5e39b84b6"));
    event["message"] = json!(format!(
        "Back-off restarting failed container app in pod {pod}_restart-policy(9c58cee0-d6ef-40a2-afeb-bd920371fdfe)"
    ));
    event
}

#[test]
fn step1_fails_on_a_backoff_event_under_never() {
    let server = server_with(&NEVER);
    let learner = a_learner(&server);
    let run = learner.step(1);
    assert_eq!(run.outcome("exits-1-no-backoff"), "pass");
    assert_eq!(run.check("init-fails-no-backoff")["observed"], "no such event about Pod rp-never-init-fails");
    // A BackOff event about the pod: it was restarted, so it did not run under Never (or an
    // earlier pod of that name did, whose events stay for an hour: the hint says so).
    server.put_object(backoff_event("rp-never-exits-1"));
    let run = learner.step(1);
    assert_eq!(run.verdict(), "fail");
    let check = run.check("exits-1-no-backoff");
    assert_eq!(check["outcome"], "fail");
    assert!(
        check["observed"].as_str().unwrap().starts_with(
            "Warning BackOff: Back-off restarting failed container app in pod rp-never-exits-1_"
        ),
        "{check}"
    );
    assert!(check["hint"].as_str().unwrap().contains("delete the namespace"), "{check}");
    assert_eq!(run.outcome("init-fails-no-backoff"), "pass", "events about other pods do not count");
}

#[test]
fn step2_onfailure_passes_once_the_failures_were_restarted_twice() {
    let server = server_with(&ONFAILURE);
    let learner = a_learner(&server);
    let run = learner.step(2);
    assert_passes(&run);
    let observed = run.check("exits-1-backoff")["observed"].as_str().unwrap().to_string();
    assert!(observed.starts_with("Warning BackOff: Back-off restarting failed container app in pod rp-onfailure-exits-1_restart-policy("), "{observed}");
    assert_eq!(run.outcome("exits-0-no-backoff"), "pass");
    let columns = columns(&learner);
    assert_eq!(columns["rp-onfailure-init-fails"], row("0/1", "Init:CrashLoopBackOff", "3"));
    assert_eq!(columns["rp-onfailure-exits-0"], row("0/1", "Completed", "0"));
    assert_eq!(columns["rp-onfailure-exits-1"], row("0/1", "CrashLoopBackOff", "3"));
}

#[test]
fn step2_is_pending_after_the_first_immediate_restart() {
    let server = server_with(&[
        "pod-rp-onfailure-init-fails-restarts-1",
        "pod-rp-onfailure-exits-0",
        "pod-rp-onfailure-exits-1-restarts-1",
    ]);
    let run = a_learner(&server).step(2);
    assert_eq!(run.code, 1);
    assert_eq!(run.verdict(), "pending", "{:?}", run.outcomes());
    assert_eq!(run.outcome("init-retried"), "pending");
    assert_eq!(run.outcome("exits-1-restarted"), "pending");
    assert_eq!(run.outcome("exits-1-backoff"), "pending");
    assert_eq!(run.outcome("exits-0"), "pass");
}

#[test]
fn step2_fails_when_exit_0_was_restarted_under_onfailure() {
    // A pod that restarts its completed container is not under OnFailure (a learner who applied
    // always.yaml's policy): its spec says so, and the check fails rather than waits.
    let server = server_with(&ONFAILURE);
    change(&server, "rp-onfailure-exits-0", |pod| {
        pod["spec"]["restartPolicy"] = json!("Always");
        pod["status"]["phase"] = json!("Running");
    });
    let learner = a_learner(&server);
    let run = learner.step(2);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(run.outcome("exits-0"), "fail");
    // Its restarts leave BackOff events behind, which OnFailure never records for an exit 0.
    server.put_object(backoff_event("rp-onfailure-exits-0"));
    assert_eq!(learner.step(2).outcome("exits-0-no-backoff"), "fail");
}

#[test]
fn step3_always_passes_on_either_side_of_the_oscillation() {
    let server = server_with(&ALWAYS);
    let learner = a_learner(&server);
    let run = learner.step(3);
    assert_passes(&run);
    let columns = columns(&learner);
    assert_eq!(columns["rp-always-init-fails"], row("0/1", "Init:Error", "3"));
    assert_eq!(columns["rp-always-exits-0"], row("0/1", "CrashLoopBackOff", "3"));
    assert_eq!(columns["rp-always-exits-1"], row("1/1", "Running", "3"));

    // The completing container during its next run, and the failing ones in back-off.
    server.put_object(fixture("pod-rp-always-exits-0-running"));
    change(&server, "rp-always-exits-1", |pod| {
        let status = &mut pod["status"]["containerStatuses"][0];
        status["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error",
            "startedAt": "2026-11-20T10:04:38Z", "finishedAt": "2026-11-20T10:04:40Z"}});
        status["state"] = json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container=app"}});
        status["ready"] = json!(false);
    });
    let run = learner.step(3);
    assert_passes(&run);
}

#[test]
fn step3_is_pending_after_the_first_completion_and_fails_on_another_policy() {
    let server = server_with(&[
        "pod-rp-always-init-fails",
        "pod-rp-always-exits-0-first-exit",
        "pod-rp-always-exits-1",
    ]);
    let learner = a_learner(&server);
    let run = learner.step(3);
    assert_eq!(run.verdict(), "pending", "{:?}", run.outcomes());
    assert_eq!(run.outcome("exits-0-restarted"), "pending");
    assert_eq!(run.outcome("exits-0-backoff"), "pending");
    assert_eq!(run.check("exits-0-backoff")["observed"], "no BackOff event about Pod rp-always-exits-0 yet");

    // After the immediate first restart: restarted once, its last run Completed, but not yet
    // restarted after a back-off.
    change(&server, "rp-always-exits-0", |pod| {
        let status = &mut pod["status"]["containerStatuses"][0];
        status["lastState"] = status["state"].clone();
        status["state"] = json!({"running": {"startedAt": "2026-11-20T10:04:05Z"}});
        status["restartCount"] = json!(1);
        status["ready"] = json!(true);
        status["started"] = json!(true);
    });
    let run = learner.step(3);
    assert_eq!(run.outcome("exits-0-restarted"), "pending", "{:?}", run.outcomes());
    assert_eq!(
        run.check("exits-0-restarted")["observed"],
        ".status.containerStatuses[0].restartCount: expected ≥ 2, found 1"
    );

    // Under OnFailure the completed container stays Completed: not the lab's pod.
    change(&server, "rp-always-exits-0", |pod| {
        pod["spec"]["restartPolicy"] = json!("OnFailure");
        pod["status"]["phase"] = json!("Succeeded");
    });
    let run = learner.step(3);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(run.outcome("exits-0-restarted"), "fail");

    // A BackOff event about another container of the pod does not count.
    server.put_object(fixture("pod-rp-always-exits-0"));
    let mut event = fixture("event-rp-always-exits-0-backoff");
    event["message"] = json!("Back-off pulling image \"busybox:1.36.1\"");
    server.put_object(event);
    let run = learner.step(3);
    assert_eq!(run.outcome("exits-0-backoff"), "fail", "{:?}", run.outcomes());
}

#[test]
fn step4_counts_five_restarts_and_checks_that_never_stayed_put() {
    let mut fixtures: Vec<&str> = NEVER.to_vec();
    fixtures.extend(ONFAILURE);
    fixtures.extend(ALWAYS);
    fixtures.push("event-rp-onfailure-init-fails-backoff");
    let server = server_with(&fixtures);
    let learner = a_learner(&server);
    let run = learner.step(4);
    assert_eq!(run.verdict(), "pending", "3 restarts so far: {:?}", run.outcomes());
    assert_eq!(run.outcome("always-exits-1-five-restarts"), "pending");
    assert_eq!(run.outcome("init-backoff-event"), "pass");

    server.put_object(fixture("pod-rp-always-exits-1-restarts-5"));
    server.put_object(fixture("pod-rp-onfailure-init-fails-restarts-5"));
    let run = learner.step(4);
    assert_passes(&run);
}

#[test]
fn step5_cleanup_waits_for_terminating_pods() {
    let server = server_with(&NEVER);
    let learner = a_learner(&server);
    let run = learner.step(5);
    assert_eq!(run.verdict(), "fail");
    for name in ["rp-never-init-fails", "rp-never-exits-0", "rp-never-exits-1"] {
        change(&server, name, |pod| pod["metadata"]["deletionTimestamp"] = json!("2026-11-20T10:20:00Z"));
    }
    assert_eq!(learner.step(5).verdict(), "pending");
    assert!(server.remove_namespace(NAMESPACE));
    assert_passes(&learner.step(5));

    // Any pod left in the namespace counts, not only the lab's nine: a pod of the Job variant.
    let mut job_pod = fixture("pod-rp-never-exits-1");
    job_pod["metadata"]["name"] = json!("rp-job-exits-1-x7k2p");
    job_pod["metadata"]["labels"] =
        json!({"job-name": "rp-job-exits-1", "batch.kubernetes.io/job-name": "rp-job-exits-1"});
    server.put_object(job_pod);
    let run = learner.step(5);
    assert_eq!(run.verdict(), "fail");
    assert_eq!(run.check("pods-gone")["observed"], "still present: rp-job-exits-1-x7k2p");
}

#[test]
fn status_lists_every_pod_the_checks_name() {
    let mut fixtures: Vec<&str> = NEVER.to_vec();
    fixtures.extend(ONFAILURE);
    fixtures.extend(ALWAYS);
    let server = server_with(&fixtures);
    let run = a_learner(&server).run(&["status", "-o", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let names: Vec<String> = run.json()["pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 9, "{names:?}");
    for policy in ["never", "onfailure", "always"] {
        for case in ["init-fails", "exits-0", "exits-1"] {
            assert!(names.contains(&format!("rp-{policy}-{case}")), "rp-{policy}-{case}: {names:?}");
        }
    }
}

/// Every pod of the lab as its fixtures show them, with the kubelet's events.
fn whole_lab() -> FakeApiServer {
    let mut fixtures: Vec<&str> = NEVER.to_vec();
    fixtures.extend(ONFAILURE);
    fixtures.extend(ALWAYS);
    fixtures.push("event-rp-onfailure-init-fails-backoff");
    server_with(&fixtures)
}

#[test]
fn report_fills_the_policy_by_case_table_from_the_live_cluster_before_any_pass() {
    let server = whole_lab();
    let learner = a_learner(&server);
    let run = learner.run(&["report", "--lang", "en"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let md = run.stdout;
    for needle in [
        "### Policy × case (your cluster)",
        "|  | Failing init (init-fails) | Main exits 0 (exits-0) | Main exits 1 (exits-1) |",
        "| Never | Init:Error · Failed · 0 | Completed · Succeeded · 0 | Error · Failed · 0 |",
        "| OnFailure | Init:CrashLoopBackOff · Pending · 3 | Completed · Succeeded · 0 | CrashLoopBackOff · Running · 3 |",
        "| Always | Init:Error · Pending · 3 | CrashLoopBackOff · Running · 3 | Running · Running · 3 |",
        "### Restarts and back-off",
        "| Pod | Container | Restart | Waited | Kubelet's rule |",
        // Its latest run started 20 s after the run before ended (10:04:18 → 10:04:38).
        "| rp-always-exits-1 | app | 3 | 20s | 20s |",
        "| rp-always-init-fails | init (init) | 3 | 20s | 20s |",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
    // Containers in back-off have nothing to measure; a pod never restarted has no restart.
    assert!(!md.contains("| rp-always-exits-0 | app |"), "{md}");
    assert!(!md.contains("| rp-never-exits-1 | app |"), "{md}");
    assert!(server.requests().iter().all(|r| r.method == "GET"), "the report only reads");
}

#[test]
fn after_cleanup_the_record_keeps_each_pods_state_at_its_pass_and_the_restarts_seen() {
    let server = whole_lab();
    let learner = a_learner(&server);
    for n in 1..=3 {
        assert_passes(&learner.step(n));
    }
    // Step 4 watched while rp-always-exits-1 restarted twice more.
    let run = wait_while(
        &learner,
        &server,
        4,
        vec![
            always_exits_1_running(4, "2026-11-20T10:04:40Z", "2026-11-20T10:05:20Z"),
            always_exits_1_running(5, "2026-11-20T10:05:22Z", "2026-11-20T10:06:42Z"),
            fixture("pod-rp-onfailure-init-fails-restarts-5"),
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(server.remove_namespace(NAMESPACE));
    assert_passes(&learner.step(5));

    let md = learner.run(&["report", "--lang", "zh"]).stdout;
    for needle in [
        "### 对照表：策略 × 情形（你的集群）",
        "| Never | Init:Error · Failed · 0 | Completed · Succeeded · 0 | Error · Failed · 0 |",
        // rp-onfailure-init-fails and rp-always-exits-1 as step 4 saw them, the others as step 2
        // and step 3 did.
        "| OnFailure | Init:CrashLoopBackOff · Pending · 5 | Completed · Succeeded · 0 | CrashLoopBackOff · Running · 3 |",
        "| Always | Init:Error · Pending · 3 | CrashLoopBackOff · Running · 3 | Running · Running · 5 |",
        "### 重启与退避",
        "| rp-always-init-fails | init（Init） | 3 | 20s | 20s |",
        "| rp-always-exits-1 | app | 3 | 20s | 20s |",
        "| rp-always-exits-1 | app | 4 | 40s | 40s |",
        "| rp-always-exits-1 | app | 5 | 80s | 80s |",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
    let order: Vec<usize> =
        ["| rp-always-init-fails |", "| rp-always-exits-1 | app | 3 |", "| rp-always-exits-1 | app | 5 |"]
            .iter()
            .map(|row| md.find(row).unwrap())
            .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "by pod in the lab's order, then restart:\n{md}");
}

/// `rp-always-exits-1` during run `restart + 1`: started at `started`, the run before finished
/// at `finished`.
fn always_exits_1_running(restart: u32, finished: &str, started: &str) -> Value {
    let mut pod = fixture("pod-rp-always-exits-1");
    let status = &mut pod["status"]["containerStatuses"][0];
    status["restartCount"] = json!(restart);
    status["state"] = json!({"running": {"startedAt": started}});
    status["lastState"]["terminated"]["startedAt"] = json!("2026-11-20T10:00:00Z");
    status["lastState"]["terminated"]["finishedAt"] = json!(finished);
    pod
}

#[test]
fn step4_wait_measures_each_restart_it_sees_against_the_kubelets_rule() {
    let server = whole_lab();
    let learner = a_learner(&server);
    // Restarts 4 and 5 of rp-always-exits-1 as the kubelet makes them (+80 s and +162 s), then
    // the five restarts the step waits for.
    let run = wait_while(
        &learner,
        &server,
        4,
        vec![
            always_exits_1_running(4, "2026-11-20T10:04:40Z", "2026-11-20T10:05:20Z"),
            always_exits_1_running(5, "2026-11-20T10:05:22Z", "2026-11-20T10:06:42Z"),
            fixture("pod-rp-always-exits-1-restarts-5"),
            fixture("pod-rp-onfailure-init-fails-restarts-5"),
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let table =
        run.stdout.split("Restarts seen meanwhile").nth(1).unwrap_or_else(|| panic!("{}", run.stdout));
    for row in [
        "rp-always-exits-1   app         3         20s      20s",
        "rp-always-exits-1   app         4         40s      40s",
        "rp-always-exits-1   app         5         80s      80s",
    ] {
        assert!(table.contains(row), "missing {row:?} in{table}");
    }
    assert_eq!(table.matches("rp-always-exits-1").count(), 3, "each restart once:{table}");
}

#[test]
fn hints_and_descriptions_follow_the_learners_language() {
    let server = server_with(&NEVER[..2]);
    let learner = a_learner(&server);
    let run = learner.run(&["step", "1", "--lang", "zh", "-o", "json"]);
    let check = run.check("three-pods");
    assert!(check["description"].as_str().unwrap().contains("命名空间"), "{check}");
    assert!(check["hint"].as_str().unwrap().contains("部署本步的清单"), "{check}");
}
