//! `checker step N --wait` against the fake API server playing a pod's life on the watch stream,
//! as a kubelet would produce it.

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::{FakeApiServer, Mode, pod_fixture};

/// The kubelet's sequence for `init-demo`, as kubectl shows it: no `Init:2/2`.
const COMING_UP: &[&str] = &[
    "init-demo-pending",
    "init-demo-init-0-of-2",
    "init-demo-init-1-of-2",
    "init-demo-pod-initializing",
    "init-demo-running",
];

/// A fixture as the pod it would be if it had been created at `created`.
fn pod_created_at(fixture: &str, created: &str) -> Value {
    let mut pod = pod_fixture(fixture);
    pod["metadata"]["creationTimestamp"] = Value::String(created.to_string());
    pod
}

fn now_rfc3339() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

struct Wait {
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

fn start_wait(server: &FakeApiServer, args: &[&str]) -> Wait {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path());
    let child = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(args)
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", dir.path())
        .env("CHECKER_STATE_DIR", dir.path().join("state"))
        .env("LANG", "en_US.UTF-8")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    Wait { child, _dir: dir }
}

impl Wait {
    fn finish(self) -> (i32, String, String) {
        let out = self.child.wait_with_output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

/// Plays `states` one after the other, `gap` apart; returns when the last was put.
fn play(server: &FakeApiServer, states: &[&str], created: &str, gap: Duration) -> Instant {
    for state in states {
        thread::sleep(gap);
        server.put_pod(pod_created_at(state, created));
    }
    Instant::now()
}

fn server() -> FakeApiServer {
    let server = FakeApiServer::start();
    server.add_namespace("experiments");
    server
}

/// Waits until the checker has started watching, so that what follows is seen on the stream.
fn until_watching(server: &FakeApiServer) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.requests().iter().any(|r| r.is_watch()) {
        assert!(Instant::now() < deadline, "the checker never started a watch");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn passes_when_the_pod_is_running_and_prints_the_timeline() {
    let server = server();
    let created = now_rfc3339();
    server.put_pod(pod_created_at(COMING_UP[0], &created));
    let wait = start_wait(&server, &["step", "1", "--wait", "30s"]);
    until_watching(&server);
    let last_put = play(&server, &COMING_UP[1..], &created, Duration::from_millis(400));
    let (code, stdout, stderr) = wait.finish();
    let reacted = last_put.elapsed();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(reacted < Duration::from_secs(3), "passed {reacted:?} after the running state");
    let timeline = stdout.split("STATUS changes").nth(1).unwrap_or_else(|| panic!("no timeline: {stdout}"));
    let statuses: Vec<&str> = timeline.lines().skip(2).filter_map(|l| l.split_whitespace().nth(2)).collect();
    assert_eq!(statuses, ["Pending", "Init:0/2", "Init:1/2", "PodInitializing", "Running"], "{stdout}");
    assert!(!stdout.contains("Init:2/2"));
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn survives_a_dropped_watch_stream() {
    let server = server();
    server.set_mode(Mode::DropWatchAfter(1));
    let created = now_rfc3339();
    server.put_pod(pod_created_at(COMING_UP[0], &created));
    let wait = start_wait(&server, &["step", "1", "--wait", "30s", "-o", "json"]);
    until_watching(&server);
    play(&server, &COMING_UP[1..], &created, Duration::from_millis(600));
    let (code, stdout, stderr) = wait.finish();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["verdict"], "pass");
    assert!(json["timeline"].as_array().unwrap().iter().any(|e| e["status"] == "Running"));
    let watches = server.requests().iter().filter(|r| r.is_watch()).count();
    assert!(watches >= 2, "the watch was started again after the drop ({watches})");
}

#[test]
fn follows_a_deleted_and_recreated_pod() {
    let server = server();
    let created = now_rfc3339();
    server.put_pod(pod_created_at("init-demo-image-pull-backoff", &created));
    let wait = start_wait(&server, &["step", "1", "--wait", "30s"]);
    until_watching(&server);
    thread::sleep(Duration::from_millis(300));
    server.delete_pod("experiments", "init-demo");
    let created = now_rfc3339();
    play(&server, &["init-demo-init-1-of-2", "init-demo-running"], &created, Duration::from_millis(400));
    let (code, stdout, stderr) = wait.finish();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("(deleted)"), "{stdout}");
    assert!(stdout.contains("Init:ImagePullBackOff"), "{stdout}");
}

#[test]
fn times_out_pending_with_exit_code_1() {
    let server = server();
    server.put_pod(pod_created_at("init-demo-init-1-of-2", &now_rfc3339()));
    let started = Instant::now();
    let (code, stdout, stderr) = start_wait(&server, &["step", "1", "--wait", "2s", "-o", "json"]).finish();
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["verdict"], "pending");
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert!(stderr.is_empty(), "nothing extra with -o json: {stderr}");
}

#[test]
fn ctrl_c_ends_cleanly_with_the_last_report() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let server = server();
    server.put_pod(pod_created_at("init-demo-init-1-of-2", &now_rfc3339()));
    let wait = start_wait(&server, &["step", "1", "--wait", "60s"]);
    until_watching(&server);
    thread::sleep(Duration::from_millis(200));
    kill(Pid::from_raw(wait.child.id() as i32), Signal::SIGINT).unwrap();
    let started = Instant::now();
    let (code, stdout, stderr) = wait.finish();
    assert!(started.elapsed() < Duration::from_secs(5), "ended promptly");
    assert_eq!(code, 1, "not passed: {stdout}\n{stderr}");
    assert!(stdout.contains("Result: pending"), "the last report is printed: {stdout}");
    assert!(stdout.contains("Init:1/2"), "{stdout}");
    assert!(stderr.contains("Interrupted."), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_missing_pod_ends_the_wait_at_once_with_the_failure() {
    let server = server();
    let started = Instant::now();
    let (code, stdout, stderr) = start_wait(&server, &["step", "2", "--wait", "2m"]).finish();
    assert!(started.elapsed() < Duration::from_secs(10), "waited {:?} for nothing", started.elapsed());
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("Cause: there is no pod init-demo in namespace experiments"), "{stdout}");
    assert!(stdout.contains("Result: fail"), "{stdout}");
    assert!(stderr.contains("Not waiting: the step's pod does not exist"), "{stderr}");
    assert!(!server.requests().iter().any(|r| r.is_watch()), "no watch was started");

    let (code, stdout, _) = start_wait(&server, &["step", "1", "--wait", "-o", "json"]).finish();
    assert_eq!(code, 1);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["cause"]["kind"], "missing");
}

/// Step 8 as a learner lives it: the pod waits for the Service (`Init:0/1`), the deadline ends
/// the other pod, the learner creates the Service, the wait ends and the app runs.
#[test]
fn step8_waits_through_the_dependency_and_the_deadline() {
    let server = server();
    let created = now_rfc3339();
    server.put_pod(pod_created_at("init-demo-wait-waiting", &created));
    server.put_pod(pod_created_at("init-demo-deadline-waiting", &created));
    server.set_log(
        "experiments",
        "init-demo-wait",
        "wait-for-db",
        false,
        "wait-for-db: waiting for lab-db\n",
    );
    let wait = start_wait(&server, &["step", "8", "--wait", "30s", "-o", "json"]);
    until_watching(&server);
    thread::sleep(Duration::from_millis(400));
    server.put_pod(pod_created_at("init-demo-deadline-exceeded", &created));
    thread::sleep(Duration::from_millis(400));
    let service: Value = serde_yaml::from_str(
        &std::fs::read_to_string(testkit::fixtures_dir().join("cluster/service-lab-db.yaml")).unwrap(),
    )
    .unwrap();
    server.put_object(service);
    let log =
        std::fs::read_to_string(testkit::fixtures_dir().join("cluster/log-init-demo-wait-wait-for-db.txt"))
            .unwrap();
    server.set_log("experiments", "init-demo-wait", "wait-for-db", false, &log);
    thread::sleep(Duration::from_millis(400));
    server.put_pod(pod_created_at("init-demo-wait-running", &created));
    let (code, stdout, stderr) = wait.finish();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["verdict"], "pass");
    let seen = |pod: &str| -> Vec<String> {
        json["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["pod"] == pod)
            .map(|e| e["status"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(seen("init-demo-wait"), ["Init:0/1", "Running"], "{stdout}");
    assert_eq!(seen("init-demo-deadline"), ["Init:0/1", "Init:Error"], "{stdout}");
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}
