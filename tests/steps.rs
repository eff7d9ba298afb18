//! The `checker` binary end to end against the fake API server: each step's verdict and exit
//! code, the JSON schema, progress, and every error a learner can meet.

use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::{FakeApiServer, Mode, fixtures_dir};

#[path = "support/run.rs"]
mod run;
use run::Run;

#[path = "support/learner.rs"]
mod learner;
use learner::Learner;

/// One learner's machine. A learner in China: times are shown in their zone (a POSIX rule: no
/// zone database needed).
fn a_learner(server: &FakeApiServer) -> Learner {
    Learner::new(server).env("TZ", "CST-8")
}

fn server_with(fixtures: &[&str]) -> FakeApiServer {
    let server = FakeApiServer::start();
    server.add_namespace("experiments");
    for f in fixtures {
        server.put_pod_fixture(f);
    }
    server
}

fn check<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no {id}"))
}

fn assert_only_reads(server: &FakeApiServer) {
    let requests = server.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.method, "GET", "the checker must only read: {r:?}");
    }
}

#[test]
fn step1_passes_on_the_running_pod_with_the_documented_json() {
    let server = server_with(&["init-demo-running"]);
    let learner = a_learner(&server);
    let run = learner.run(&["step", "1", "-o", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(json["step"], 1);
    assert_eq!(json["id"], "deploy");
    assert_eq!(json["verdict"], "pass");
    for c in json["checks"].as_array().unwrap() {
        for key in ["id", "description", "passed", "expected", "observed", "hint"] {
            assert!(c.get(key).is_some(), "check lacks {key}: {c}");
        }
        assert_eq!(c["passed"], true);
    }
    let pod = &json["pods"][0];
    assert_eq!(pod["name"], "init-demo");
    assert_eq!(pod["namespace"], "experiments");
    assert_eq!(pod["status"], "Running");
    assert_eq!(pod["ready"], "1/1");
    assert_eq!(pod["restarts"], 0);
    assert_eq!(json["timings"][0]["containers"][0]["seconds"], 5);
    assert_only_reads(&server);
}

#[test]
fn step1_pending_while_initializing() {
    let server = server_with(&["init-demo-init-1-of-2"]);
    let run = a_learner(&server).run(&["step", "1", "-o", "json"]);
    assert_eq!(run.code, 1);
    let json = run.json();
    assert_eq!(json["verdict"], "pending");
    assert_eq!(json["pods"][0]["status"], "Init:1/2");
}

#[test]
fn step1_fails_on_image_pull_backoff_with_a_hint() {
    let server = server_with(&["init-demo-image-pull-backoff"]);
    server.add_event(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "init-demo.180a1", "namespace": "experiments"},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "init-demo", "namespace": "experiments",
                           "fieldPath": "spec.initContainers{init-1}"},
        "reason": "Failed",
        "message": "Failed to pull image \"busybox:latest\": failed to resolve reference \"docker.io/library/busybox:latest\"",
        "type": "Warning",
        "count": 4,
        "firstTimestamp": "2026-11-20T10:00:02Z",
        "lastTimestamp": "2026-11-20T10:01:30Z",
        "source": {"component": "kubelet", "host": "kind-control-plane"}
    }));
    let run = a_learner(&server).run(&["step", "1"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("Recent Warning events"), "{}", run.stdout);
    assert!(
        run.stdout.contains("init-demo: Failed: Failed to pull image \"busybox:latest\""),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("busybox:latest"), "{}", run.stdout);
    assert!(run.stdout.contains("Init:ImagePullBackOff"), "{}", run.stdout);
    assert!(run.stdout.contains("Result: fail"), "{}", run.stdout);
    // One cause at the top, with the fix; the five expectations that follow from it under it,
    // not each with a generic hint.
    let cause_at = run.stdout.find("Cause: init-1 cannot pull its image busybox:latest (ImagePullBackOff)");
    let first_check = run.stdout.find("✔ Pod `init-demo` exists");
    assert!(cause_at.is_some() && cause_at < first_check, "{}", run.stdout);
    assert!(
        run.stdout.contains("Next: Delete this pod and create it again from the lab's manifest"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Not met because of it:"), "{}", run.stdout);
    assert!(!run.stdout.contains("hint: Look at"), "no generic hint repeated: {}", run.stdout);

    let json = a_learner(&server).run(&["step", "1", "-o", "json"]).json();
    assert_eq!(json["cause"]["kind"], "image_pull");
    assert_eq!(json["cause"]["pod"], "init-demo");
    assert_eq!(json["cause"]["container"], "init-1");
    assert!(
        json["cause"]["action"]
            .as_str()
            .unwrap()
            .contains("`kubectl apply -f manifests/init-container.yaml`")
    );
    let grouped: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["grouped"] == true)
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        grouped,
        ["images-pinned", "init-1-completed", "init-2-completed", "serial", "app-ready", "pod-ready"]
    );
    assert_eq!(json["cause"]["checks"], serde_json::json!(grouped));
    assert!(json["next"].is_null());
}

#[test]
fn step2_without_its_pod_fails_at_once_and_says_step_1_creates_it() {
    let server = server_with(&[]);
    let learner = a_learner(&server);
    let run = learner.run(&["step", "2", "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let json = run.json();
    assert_eq!(json["verdict"], "fail", "not pending: the learner must act");
    assert_eq!(json["cause"]["kind"], "missing");
    assert_eq!(json["cause"]["pod"], "init-demo");
    let action = json["cause"]["action"].as_str().unwrap();
    assert!(action.starts_with("Step 1 (Deploy a pod with init containers) creates it."), "{action}");
    assert!(action.contains("`kubectl apply -f manifests/init-container.yaml`"), "{action}");
    // No log was asked for a pod that does not exist.
    assert!(!server.requests().iter().any(|r| r.path.ends_with("/log")));

    let run = learner.run(&["--lang", "zh", "step", "2"]);
    assert!(run.stdout.contains("原因：命名空间 experiments 中没有 Pod init-demo"), "{}", run.stdout);
    assert!(
        run.stdout.contains("下一步：它由步骤 1「部署带 Init Container 的 Pod」创建。"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("结果：未通过"), "{}", run.stdout);
}

#[test]
fn a_pass_names_the_next_step_and_the_last_says_so() {
    let server = server_with(&["init-demo-running"]);
    let learner = a_learner(&server);
    let json = learner.run(&["step", "1", "-o", "json"]).json();
    assert!(json["cause"].is_null());
    assert_eq!(json["next"]["step"], 2);
    assert_eq!(json["next"]["title"], "Read the init containers' logs");
    assert_eq!(json["next"]["command"], "checker step 2");
    assert_eq!(json["next"]["chapter"], "step2-logs.md");
    let run = learner.run(&["--lang", "zh", "step", "1"]);
    assert!(
        run.stdout.contains("下一步：步骤 2「查看 Init Container 日志」（书中的 step2-logs 一章），完成后运行 `checker step 2`"),
        "{}",
        run.stdout
    );

    server.delete_pod("experiments", "init-demo");
    let run = learner.run(&["step", "6"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("This is the lab's last step."), "{}", run.stdout);
}

#[test]
fn step4_a_crash_looping_init_container_gets_its_previous_log() {
    let server = server_with(&["init-demo-volume-init-failed"]);
    let json = a_learner(&server).run(&["step", "4", "-o", "json"]).json();
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["cause"]["kind"], "crash_loop");
    assert_eq!(json["cause"]["container"], "write-page");
    let action = json["cause"]["action"].as_str().unwrap();
    assert!(
        action.contains("`kubectl logs init-demo-volume -n experiments -c write-page --previous`"),
        "{action}"
    );
    let write_page = check(&json, "write-page-completed");
    assert_eq!(write_page["grouped"], true);
}

#[test]
fn step1_missing_pod_and_missing_namespace() {
    let server = server_with(&[]);
    let learner = a_learner(&server);
    let run = learner.run(&["step", "1", "-o", "json"]);
    assert_eq!(run.code, 1);
    let exists = check(&run.json(), "pod-exists").clone();
    assert_eq!(exists["passed"], false);
    assert!(exists["hint"].as_str().unwrap().contains("kubectl apply -f manifests/init-container.yaml"));

    server.remove_namespace("experiments");
    let run = learner.run(&["step", "1", "-o", "json"]);
    assert_eq!(run.code, 1);
    let observed = check(&run.json(), "pod-exists")["observed"].as_str().unwrap().to_string();
    assert!(observed.contains("namespace experiments does not exist"), "{observed}");
}

#[test]
fn step2_reads_the_logs_of_every_container() {
    let server = server_with(&["init-demo-running"]);
    server.set_log("experiments", "init-demo", "init-1", false, "Init 1: Checking database...\n");
    server.set_log("experiments", "init-demo", "init-2", false, "Init 2: Loading config...\n");
    server.set_log(
        "experiments",
        "init-demo",
        "app",
        false,
        "/docker-entrypoint.sh: Configuration complete; ready for start up\n",
    );
    let run = a_learner(&server).run(&["step", "2", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let logs: Vec<_> = server.requests().into_iter().filter(|r| r.path.ends_with("/log")).collect();
    assert_eq!(logs.len(), 3, "one log request per container: {logs:?}");
    assert_only_reads(&server);
}

#[test]
fn step3_passes_on_crash_loop_reading_the_previous_log() {
    let server = server_with(&["init-demo-fail-crashloop"]);
    server.set_log("experiments", "init-demo-fail", "init-1", true, "Init 1: Failed!\n");
    let run = a_learner(&server).run(&["step", "3", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["pods"][0]["status"], "Init:CrashLoopBackOff");
    assert!(server.requests().iter().any(|r| r.query_param("previous").as_deref() == Some("true")));
}

#[test]
fn step3_fails_with_restart_policy_never() {
    let server = server_with(&["init-demo-fail-never"]);
    server.set_log("experiments", "init-demo-fail", "init-1", false, "Init 1: Failed!\n");
    let run = a_learner(&server).run(&["step", "3"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("restartPolicy is Never"), "{}", run.stdout);
}

#[test]
fn step6_cleanup() {
    let server = server_with(&["init-demo-running"]);
    let learner = a_learner(&server);
    assert_eq!(learner.run(&["step", "6"]).code, 1);
    server.delete_pod("experiments", "init-demo");
    let run = learner.run(&["step", "6", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["verdict"], "pass");
}

#[test]
fn progress_and_list_remember_results_per_context() {
    let server = server_with(&["init-demo-running"]);
    let learner = a_learner(&server);
    assert_eq!(learner.run(&["step", "1"]).code, 0);
    assert_eq!(learner.run(&["step", "3"]).code, 1);
    let progress = learner.run(&["progress", "-o", "json"]);
    assert_eq!(progress.code, 0, "{}", progress.stderr);
    let json = progress.json();
    assert_eq!(json["context"], "fake");
    assert_eq!(json["steps"]["1"]["verdict"], "pass");
    assert_eq!(json["steps"]["3"]["verdict"], "fail");
    assert!(json["goals"].as_array().unwrap().iter().all(|g| g["achieved"] == false));
    let list = learner.run(&["list"]);
    assert!(list.stdout.contains("✔  1"), "{}", list.stdout);
    assert!(list.stdout.contains("✘  3"), "{}", list.stdout);
}

#[test]
fn a_pass_lasts_after_a_failed_recheck() {
    let server = server_with(&["init-demo-running"]);
    let learner = a_learner(&server);
    assert_eq!(learner.run(&["step", "1"]).code, 0);
    // Cleaned up too early: the check fails now, the pass stays.
    server.delete_pod("experiments", "init-demo");
    assert_eq!(learner.run(&["step", "1"]).code, 1);

    let json = learner.run(&["progress", "-o", "json"]).json();
    assert_eq!((json["passed"].as_u64(), json["total"].as_u64()), (Some(1), Some(8)), "{json:#}");
    assert_eq!(json["complete"], false);
    let step1 = &json["steps"]["1"];
    assert_eq!(step1["verdict"], "fail", "the latest result: {json:#}");
    let (at, passed_at) = (step1["at"].as_str().unwrap(), step1["passed_at"].as_str().unwrap());
    assert!(passed_at.ends_with('Z') && passed_at < at, "RFC 3339 UTC, the pass before the failure: {step1}");
    assert_eq!(json["steps"]["2"], Value::Null);

    // The terminal: the latest result and the pass, in local time to the second.
    let text = learner.run(&["progress"]).stdout;
    let row = text.lines().find(|l| l.trim_start().starts_with("1 ")).unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains("fail"), "{row}");
    assert_eq!(row.matches(" CST").count(), 2, "the latest result's time and the pass's: {row}");
    assert!(!text.contains(passed_at) && !text.contains(at), "no RFC 3339 in text: {text}");
    let list = learner.run(&["list"]).stdout;
    let row = list.lines().find(|l| l.contains("deploy")).unwrap();
    assert!(row.contains("passed at ") && row.contains("latest: fail ("), "{row}");
    let zh = learner.run(&["list", "--lang", "zh"]).stdout;
    assert!(zh.contains("通过于 ") && zh.contains("最近一次：未通过"), "{zh}");
}

#[test]
fn a_progress_file_of_format_1_is_read_without_loss() {
    let server = server_with(&[]);
    let learner = a_learner(&server);
    let state = learner.dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let v1 = r#"{"version": 1, "labs": {"init-container/fake/experiments": {
        "1": {"verdict": "pass", "at": "2026-11-20T10:05:00Z"},
        "3": {"verdict": "fail", "at": "2026-11-20T10:09:00Z"}}}}"#;
    std::fs::write(state.join("progress.json"), v1).unwrap();
    let run = learner.run(&["progress", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "not corrupt: {}", run.stderr);
    let json = run.json();
    assert_eq!(json["steps"]["1"]["passed_at"], "2026-11-20T10:05:00Z");
    assert_eq!(json["steps"]["3"]["passed_at"], Value::Null);
    assert_eq!(json["passed"], 1);
}

#[test]
fn errors_and_help_follow_the_language() {
    let server = server_with(&[]);
    let learner = a_learner(&server);
    let url = server.url();
    server.stop();
    drop(server);
    let run = Run::from(learner.command(&["step", "1"]).env("LANG", "zh_CN.UTF-8").output().unwrap());
    assert_eq!(run.code, 3);
    assert!(run.stderr.starts_with(&format!("错误：无法连接 {url}")), "{}", run.stderr);
    // --lang is read before the command line is parsed: clap's own texts follow it.
    let help = learner.run(&["step", "--help", "--lang", "zh"]);
    assert_eq!(help.code, 0);
    assert!(
        help.stdout.contains("用法：checker step [选项] <NUMBER>") && !help.stdout.contains("Usage:"),
        "{}",
        help.stdout
    );
    let typo = learner.run(&["stpe", "1", "--lang=zh"]);
    assert_eq!(typo.code, 2);
    assert!(typo.stderr.starts_with("错误：没有命令 “stpe”（是不是想用 “step”？）"), "{}", typo.stderr);
    let typo = learner.run(&["stpe", "1"]);
    assert!(typo.stderr.starts_with("error: unrecognized subcommand 'stpe'"), "{}", typo.stderr);
}

#[test]
fn status_prints_the_kubectl_columns() {
    let server = server_with(&["init-demo-running", "init-demo-fail-crashloop"]);
    let run = a_learner(&server).run(&["status"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("NAME             READY   STATUS                  RESTARTS"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("init-demo-fail   0/1     Init:CrashLoopBackOff   3 ("), "{}", run.stdout);
}

#[test]
fn snapshot_then_from_gives_the_same_verdict_offline() {
    let server = server_with(&["init-demo-fail-crashloop"]);
    server.set_log("experiments", "init-demo-fail", "init-1", true, "Init 1: Failed!\n");
    let learner = a_learner(&server);
    let file = learner.dir.path().join("snap.yaml");
    let run = learner.run(&["snapshot", "--file", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    server.stop();
    let run = learner.run(&["step", "3", "--from", file.to_str().unwrap(), "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // A plain pod list has no logs: the log check is not verifiable, so the step cannot pass.
    let list = fixtures_dir().join("pods/list-all.yaml");
    let run = learner.run(&["step", "3", "--from", list.to_str().unwrap(), "-o", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(check(&run.json(), "init-1-log")["outcome"], "unverifiable");
}

#[test]
fn tls_with_a_generated_ca() {
    let server = FakeApiServer::start_tls();
    server.add_namespace("experiments");
    server.put_pod_fixture("init-demo-running");
    let run = a_learner(&server).run(&["step", "1"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(server.requests().iter().all(|r| r.authorization().is_some()), "the token is sent over TLS");
}

// --- errors: one line, a distinct exit code, no panic ---

fn assert_one_line_error(run: &Run, code: i32, needle: &str) {
    assert_eq!(run.code, code, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "one line: {}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains(needle), "expected {needle:?} in {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn unknown_step_is_a_usage_error() {
    let server = server_with(&[]);
    let run = a_learner(&server).run(&["step", "9"]);
    assert_one_line_error(&run, 2, "unknown step 9: the lab has steps 1, 2, 3, 4, 5, 6, 7, 8");
    assert!(server.requests().is_empty(), "no request for a usage error");
}

#[test]
fn connection_refused_names_server_and_context() {
    let server = server_with(&[]);
    let learner = a_learner(&server);
    let url = server.url();
    server.stop();
    drop(server);
    let run = learner.run(&["step", "1"]);
    assert_one_line_error(&run, 3, &format!("cannot reach {url} (context \"fake\")"));
}

#[test]
fn unauthorized_and_forbidden() {
    let server = server_with(&["init-demo-running"]);
    let learner = a_learner(&server);
    server.set_mode(Mode::Unauthorized);
    assert_one_line_error(&learner.run(&["step", "1"]), 3, "401 Unauthorized");
    server.set_mode(Mode::Forbidden);
    let run = learner.run(&["step", "1"]);
    assert_one_line_error(&run, 3, "403 Forbidden");
    assert!(run.stderr.contains("manifests/checker-rbac.yaml"), "{}", run.stderr);
}

#[test]
fn server_errors_and_garbage() {
    let server = server_with(&["init-demo-running"]);
    let learner = a_learner(&server);
    server.set_mode(Mode::InternalError);
    assert_one_line_error(&learner.run(&["step", "1"]), 3, "answered 500");
    server.set_mode(Mode::Garbage);
    assert_one_line_error(&learner.run(&["step", "1"]), 3, "not a Kubernetes object");
}

#[test]
fn a_server_that_never_answers_ends_in_bounded_time() {
    let server = server_with(&["init-demo-running"]);
    server.set_mode(Mode::Hang);
    let started = Instant::now();
    let run = a_learner(&server).run(&["step", "1"]);
    assert_one_line_error(&run, 3, "did not answer within 5s");
    assert!(started.elapsed() < Duration::from_secs(15), "took {:?}", started.elapsed());
}

#[test]
fn missing_and_broken_kubeconfig() {
    let server = server_with(&[]);
    let learner = a_learner(&server);
    let missing = learner.dir.path().join("nope");
    let run = learner.run(&["step", "1", "--kubeconfig", missing.to_str().unwrap()]);
    assert_one_line_error(&run, 2, "does not exist");
    let broken = learner.dir.path().join("broken");
    std::fs::write(&broken, "clusters: [ {").unwrap();
    let run = learner.run(&["step", "1", "--kubeconfig", broken.to_str().unwrap()]);
    assert_one_line_error(&run, 2, "broken kubeconfig");
    let run = learner.run(&["step", "1", "--context", "nowhere"]);
    assert_one_line_error(&run, 2, "context \"nowhere\" is not in the kubeconfig; its contexts are \"fake\"");
}

#[test]
fn malformed_spec_and_snapshot_files() {
    let server = server_with(&[]);
    let learner = a_learner(&server);
    let spec = learner.dir.path().join("lab.yaml");
    std::fs::write(&spec, "version: 1\nid: x\nbogus: true\n").unwrap();
    let run = learner.run(&["--spec", spec.to_str().unwrap(), "list"]);
    assert_one_line_error(&run, 2, &format!("malformed lab spec {}:", spec.display()));

    let file = learner.dir.path().join("state.yaml");
    std::fs::write(&file, "kind: Pod\nmetadata: [1, 2\n").unwrap();
    let run = learner.run(&["step", "1", "--from", file.to_str().unwrap()]);
    assert_one_line_error(&run, 2, "malformed file");
    std::fs::write(&file, "kind: Deployment\n").unwrap();
    let run = learner.run(&["step", "1", "--from", file.to_str().unwrap()]);
    assert_one_line_error(&run, 2, "holds a Deployment");
}

#[test]
fn step4_reads_the_page_through_the_pod_proxy() {
    let server = server_with(&["init-demo-volume-running"]);
    let learner = a_learner(&server);
    let page = "<h1>Prepared by an init container</h1>\n<p>lab-marker: init-container-volume</p>\n";
    server.set_proxy("experiments", "init-demo-volume", 200, page);
    let run = learner.run(&["step", "4", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let proxied: Vec<_> = server.requests().into_iter().filter(|r| r.path.contains("/proxy")).collect();
    assert_eq!(proxied.len(), 1);
    assert_eq!(proxied[0].path, "/api/v1/namespaces/experiments/pods/init-demo-volume/proxy/");
    assert_only_reads(&server);

    server.set_proxy("experiments", "init-demo-volume", 200, "<title>Welcome to nginx!</title>");
    let run = learner.run(&["step", "4", "-o", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(check(&run.json(), "serves-the-page")["outcome"], "fail");

    // A Role without pods/proxy: the API server refuses with its own Status.
    server.forbid("", "pods/proxy");
    let run = learner.run(&["step", "4", "-o", "json"]);
    assert_eq!(run.code, 1, "a refused proxy is a failed expectation, not a cluster error");
    let page = check(&run.json(), "serves-the-page").clone();
    assert!(page["observed"].as_str().unwrap().contains("cannot get resource \"pods/proxy\""), "{page}");
    assert!(page["hint"].as_str().unwrap().contains("checker-rbac.yaml"), "{page}");
}

#[test]
fn step5_sidecar_and_an_old_cluster() {
    let server = server_with(&["sidecar-demo-running"]);
    let learner = a_learner(&server);
    let run = learner.run(&["step", "5", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["pods"][0]["ready"], "2/2");

    server.put_pod_fixture("sidecar-demo-old-cluster");
    server.set_server_version("v1.28.9");
    let run = learner.run(&["step", "5", "-o", "json"]);
    assert_eq!(run.code, 1);
    let json = run.json();
    let sidecar = check(&json, "sidecar-running").clone();
    assert!(sidecar["observed"].as_str().unwrap().contains("v1.28.9"), "{sidecar}");
    assert!(sidecar["hint"].as_str().unwrap().contains("1.29"), "{sidecar}");
    assert_eq!(json["cause"]["kind"], "old_server");
    assert!(json["cause"]["action"].as_str().unwrap().contains("checker doctor"), "{}", json["cause"]);
}

/// nginx's own page for a directory without an index file, as the pod proxy passes it on.
const NGINX_403: &str = "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n";

#[test]
fn step4_nginxs_own_403_for_an_empty_volume_gets_the_steps_hint_not_rbac() {
    let server = server_with(&["init-demo-volume-empty-page"]);
    server.set_proxy("experiments", "init-demo-volume", 403, NGINX_403);
    server.add_event(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "init-demo-volume.1879a2c4d5e6f701", "namespace": "experiments"},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "init-demo-volume", "namespace": "experiments",
                           "fieldPath": "spec.containers{app}"},
        "reason": "Unhealthy",
        "message": "Readiness probe failed: HTTP probe failed with statuscode: 403",
        "type": "Warning",
        "count": 87,
        "firstTimestamp": "2026-11-20T10:02:05Z",
        "lastTimestamp": "2026-11-20T10:04:59Z",
        "source": {"component": "kubelet", "host": "kind-control-plane"}
    }));
    let learner = a_learner(&server);
    let run = learner.run(&["step", "4", "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let json = run.json();
    assert_eq!(json["verdict"], "pending", "not ready yet: {json}");
    assert_eq!(json["pods"][0]["ready"], "0/1");
    let page = check(&json, "serves-the-page").clone();
    assert_eq!(page["outcome"], "pending");
    let observed = page["observed"].as_str().unwrap();
    assert!(observed.starts_with("the pod itself answered 403 Forbidden"), "{observed}");
    assert!(observed.contains("the page says \"403 Forbidden\""), "{observed}");
    assert!(observed.contains("readiness probe"), "{observed}");
    let hint = page["hint"].as_str().unwrap();
    assert!(hint.contains("same emptyDir volume") && !hint.contains("checker-rbac"), "{hint}");

    let text = learner.run(&["step", "4"]);
    assert!(
        text.stdout.contains("Readiness probe failed: HTTP probe failed with statuscode: 403"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("refused the pod proxy"), "{}", text.stdout);

    // The same answer from a pod that is ready is final.
    server.put_pod_fixture("init-demo-volume-running");
    let run = learner.run(&["step", "4", "-o", "json"]);
    assert_eq!(run.code, 1);
    let page = check(&run.json(), "serves-the-page").clone();
    assert_eq!(page["outcome"], "fail", "{page}");
    assert!(page["hint"].as_str().unwrap().contains("same emptyDir volume"), "{page}");

    // Chinese.
    let zh = learner.command(&["step", "4", "-o", "json"]).env("LANG", "zh_CN.UTF-8").output().unwrap();
    let json: Value = serde_json::from_slice(&zh.stdout).unwrap();
    let page = check(&json, "serves-the-page");
    assert!(page["observed"].as_str().unwrap().starts_with("Pod 自己回答了 403 Forbidden"), "{page}");
    assert_only_reads(&server);
}

#[test]
fn step4_reads_at_most_one_mib_of_a_page() {
    let server = server_with(&["init-demo-volume-running"]);
    let mut page = String::from("<p>lab-marker: init-container-volume</p>\n");
    page.push_str(&"<p>padding</p>\n".repeat(300_000)); // about 4.5 MB
    server.set_proxy("experiments", "init-demo-volume", 200, &page);
    let learner = a_learner(&server);
    let run = learner.run(&["step", "4", "-o", "json"]);
    assert_eq!(run.code, 0, "the marker is in the first MiB: {}", run.stdout);

    // Only the first MiB is read: a marker after it is not seen.
    let mut page = "<p>padding</p>
"
    .repeat(100_000); // 1.5 MB
    page.push_str(
        "<p>lab-marker: init-container-volume</p>
",
    );
    server.set_proxy("experiments", "init-demo-volume", 200, &page);
    let run = learner.run(&["step", "4", "-o", "json"]);
    assert_eq!(check(&run.json(), "serves-the-page")["outcome"], "fail", "{}", run.stdout);
}

#[test]
fn step5_passes_after_a_sidecar_restart_and_says_what_a_sidecar_between_restarts_did() {
    let server = server_with(&["sidecar-demo-sidecar-restarted"]);
    let learner = a_learner(&server);
    let run = learner.run(&["step", "5", "-o", "json"]);
    assert_eq!(run.code, 0, "Running 2/2 with one sidecar restart is healthy: {}", run.stdout);
    let json = run.json();
    assert_eq!(
        (json["pods"][0]["ready"].as_str(), json["pods"][0]["restarts"].as_u64()),
        (Some("2/2"), Some(1))
    );
    let after = check(&json, "after-the-sidecar")["observed"].as_str().unwrap().to_string();
    // 10:03:02Z in the learner's zone.
    assert!(after.starts_with("log-shipper started at 18:03:02"), "the first run: {after}");
    assert!(after.contains("restarts: 1"), "{after}");
    let sidecar = check(&json, "sidecar-running")["observed"].as_str().unwrap().to_string();
    assert!(sidecar.contains("restarts: 1") && sidecar.contains("which is fine"), "{sidecar}");

    server.put_pod_fixture("sidecar-demo-sidecar-exits");
    let run = learner.run(&["step", "5"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "log-shipper started, exited with exit code 0 and is waiting to be restarted (CrashLoopBackOff, restarts: 2)"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("has not started"), "{}", run.stdout);
    assert!(!run.stdout.contains("not started"), "{}", run.stdout);
    assert!(run.stdout.contains("-c log-shipper --previous"), "{}", run.stdout);
    let json = learner.run(&["step", "5", "-o", "json"]).json();
    assert_eq!(check(&json, "after-the-sidecar")["outcome"], "pass");
    assert_eq!(check(&json, "sidecar-running")["outcome"], "fail");
    assert_only_reads(&server);
}

// Steps 7 and 8: resources and scheduling, waiting for a dependency. The cluster's objects other
// than pods are in tests/fixtures/cluster (README there).

/// An object of `tests/fixtures/cluster/`.
fn cluster_object(name: &str) -> Value {
    let path = fixtures_dir().join(format!("cluster/{name}.yaml"));
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Step 7's cluster: the three pods, the node, and the scheduler's event as it writes it
/// (`events.k8s.io/v1`), which the fake server also serves through the core API.
fn step7_server() -> FakeApiServer {
    let server = server_with(&[
        "init-demo-resources-unschedulable",
        "init-demo-qos-running",
        "init-demo-resources-fixed-running",
    ]);
    server.put_object(cluster_object("node-kind-control-plane"));
    server.put_object(cluster_object("event-init-demo-resources-failed-scheduling"));
    server
}

#[test]
fn the_schedulers_event_is_served_in_both_api_forms() {
    let server = step7_server();
    let learner = a_learner(&server);
    let get = |args: &[&str]| -> Value {
        let output = testkit::kubectl(&learner.kubeconfig, args);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let without_version = |mut event: Value| {
        event["metadata"].as_object_mut().unwrap().remove("resourceVersion");
        event
    };
    let core = get(&["get", "events", "-n", "experiments", "-o", "json"]);
    assert_eq!(
        without_version(core["items"][0].clone()),
        without_version(cluster_object("event-init-demo-resources-failed-scheduling.core")),
        "the core view of the scheduler's event"
    );
    let v1 = get(&["get", "events.v1.events.k8s.io", "-n", "experiments", "-o", "json"]);
    assert_eq!(
        without_version(v1["items"][0].clone()),
        without_version(cluster_object("event-init-demo-resources-failed-scheduling"))
    );
}

#[test]
fn step7_passes_and_shows_each_pods_effective_request_next_to_the_node() {
    let server = step7_server();
    let learner = a_learner(&server);
    let run = learner.run(&["step", "7", "-o", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(json["verdict"], "pass");
    assert_eq!(json["resources"][0]["pod"], "init-demo-resources");
    assert_eq!(
        json["resources"][0]["effective"]["requests"],
        serde_json::json!({"cpu": "1000", "memory": "32Mi"})
    );
    assert_eq!(
        json["resources"][0]["containers"][0]["requests"]["cpu"], "1000",
        "stored as 1k, shown in cores"
    );
    assert_eq!(json["resources"][1]["qos"]["class"], "Burstable");
    assert_eq!(json["resources"][1]["qos"]["why"]["containers"][0]["name"], "setup");
    assert_eq!(json["resources"][2]["effective"]["requests"]["cpu"], "100m");
    assert_eq!(json["nodes"]["state"], "read");
    assert_eq!(json["nodes"]["items"][0]["allocatable"]["memory"], "16318588Ki");
    assert_only_reads(&server);
    let nodes: Vec<_> = server.requests().into_iter().filter(|r| r.path == "/api/v1/nodes").collect();
    assert_eq!(nodes.len(), 1, "one list of nodes");
    assert_eq!(nodes[0].query_param("limit").as_deref(), Some("20"), "one page");

    let run = learner.run(&["step", "7"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for line in [
        "Resources of init-demo-resources (computed from its spec; the scheduler places it by the effective requests)",
        "No node can hold it: kind-control-plane (cpu: needs 1000, allocatable 8). The scheduler reports Insufficient.",
        "What the nodes can allocate (status.allocatable)",
    ] {
        assert!(run.stdout.contains(line), "{line}\n{}", run.stdout);
    }
    let zh = learner.run(&["step", "7", "--lang", "zh"]);
    assert!(
        zh.stdout.contains("没有节点放得下它：kind-control-plane（cpu：需要 1000，可分配 8）"),
        "{}",
        zh.stdout
    );
    assert!(zh.stdout.contains("= 有效值"), "{}", zh.stdout);
}

#[test]
fn step7_without_the_permission_to_list_nodes_still_passes_and_says_why_the_nodes_are_missing() {
    let server = step7_server();
    server.forbid("", "nodes");
    let learner = a_learner(&server);
    let run = learner.run(&["step", "7", "-o", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["nodes"]["state"], "forbidden");
    let run = learner.run(&["step", "7"]);
    assert!(run.stdout.contains("no permission to list nodes"), "{}", run.stdout);
    assert!(!run.stdout.contains("No node can hold it"), "{}", run.stdout);
}

#[test]
fn step7_on_a_large_cluster_shows_the_first_nodes_only() {
    let server = step7_server();
    let node = cluster_object("node-kind-control-plane");
    for i in 0..25 {
        let mut worker = node.clone();
        worker["metadata"]["name"] = Value::String(format!("worker-{i:02}"));
        worker["metadata"].as_object_mut().unwrap().remove("uid");
        server.put_object(worker);
    }
    let run = a_learner(&server).run(&["step", "7", "-o", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(json["nodes"]["items"].as_array().unwrap().len(), 20);
    assert_eq!(json["nodes"]["more"], true);
}

#[test]
fn step7_before_the_fix_names_the_fixed_manifest() {
    let server = server_with(&["init-demo-resources-unschedulable", "init-demo-qos-running"]);
    server.put_object(cluster_object("node-kind-control-plane"));
    server.put_object(cluster_object("event-init-demo-resources-failed-scheduling"));
    let run = a_learner(&server).run(&["step", "7", "-o", "json"]);
    assert_eq!(run.code, 1);
    let json = run.json();
    assert_eq!(check(&json, "unschedulable")["outcome"], "pass");
    assert_eq!(check(&json, "insufficient-cpu")["outcome"], "pass");
    let fixed = check(&json, "fixed-exists");
    assert_eq!(fixed["outcome"], "fail");
    assert!(
        fixed["hint"]
            .as_str()
            .unwrap()
            .contains("kubectl apply -f manifests/init-container-resources-fixed.yaml")
    );
}

/// Step 8's pods while `wait-for-db` loops, with its log so far.
fn step8_waiting_server() -> FakeApiServer {
    let server = server_with(&["init-demo-wait-waiting", "init-demo-deadline-waiting"]);
    server.set_log(
        "experiments",
        "init-demo-wait",
        "wait-for-db",
        false,
        &"wait-for-db: waiting for lab-db\n".repeat(5),
    );
    server
}

#[test]
fn step8_is_pending_while_the_pod_waits_and_says_to_create_the_service() {
    let server = step8_waiting_server();
    let run = a_learner(&server).run(&["step", "8"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("Result: pending"), "{}", run.stdout);
    assert!(run.stdout.contains("kubectl apply -f manifests/lab-db.yaml"), "{}", run.stdout);
    assert!(run.stdout.contains("init-demo-wait       0/1     Init:0/1"), "{}", run.stdout);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.iter().any(|p| p == "/api/v1/namespaces/experiments/services/lab-db"), "{paths:?}");
    assert!(!paths.iter().any(|p| p == "/api/v1/nodes"), "no pod of step 8 declares resources: {paths:?}");
}

#[test]
fn step8_passes_once_the_service_exists_and_the_deadline_ended_the_other_pod() {
    let server = server_with(&["init-demo-wait-running", "init-demo-deadline-exceeded"]);
    server.put_object(cluster_object("service-lab-db"));
    let log =
        std::fs::read_to_string(fixtures_dir().join("cluster/log-init-demo-wait-wait-for-db.txt")).unwrap();
    server.set_log("experiments", "init-demo-wait", "wait-for-db", false, &log);
    let run = a_learner(&server).run(&["step", "8", "-o", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(json["verdict"], "pass");
    let statuses: Vec<&str> =
        json["pods"].as_array().unwrap().iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["Running", "Init:Error"]);
    assert_only_reads(&server);
}

#[test]
fn step6_then_needs_the_service_gone_too() {
    let server = server_with(&[]);
    server.put_object(cluster_object("service-lab-db"));
    let learner = a_learner(&server);
    let run = learner.run(&["step", "6", "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(check(&run.json(), "service-gone")["outcome"], "fail");
    server.delete_object("v1", "Service", "experiments", "lab-db");
    let run = learner.run(&["step", "6", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}
