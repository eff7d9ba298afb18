//! `class`: `checker class status` over a generated class on the fake API server: 500 learner
//! namespaces, 3,000 pods (the lab's pods in every state of every step, and pods of the
//! learners' own), an event per pod, the logs and pages the steps read. Prints the wall time,
//! the requests (LISTs, logs, others), the peak memory, and the ratio against a loop of single
//! `checker -n NS step N` runs and against the kubectl loop a teacher would script (`kubectl get
//! pods`, `get events`, `logs` per learner), each on a sample of namespaces, extrapolated to the
//! class. Then watch mode (`checker class status --watch -o json`): the time to the first board,
//! and how long a learner's pod change takes to show up (median and slowest of a series), with
//! the requests it made.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};
use testkit::{FakeApiServer, pod_fixture};

const LEARNERS: usize = 500;
const PODS_PER_LEARNER: usize = 6;
/// Namespaces whose steps are checked one `checker step` at a time, to extrapolate from.
const SAMPLE: usize = 10;

/// Each learner's lab pods, by how far they got: (fixture, logs, page).
fn lab_pods(i: usize) -> Vec<&'static str> {
    let states: [&[&str]; 8] = [
        &[],
        &["init-demo-init-1-of-2"],
        &["init-demo-running"],
        &["init-demo-running", "init-demo-fail-crashloop"],
        &["init-demo-running", "init-demo-fail-never", "init-demo-volume-initializing"],
        &["init-demo-running", "init-demo-fail-crashloop", "init-demo-volume-running"],
        &[
            "init-demo-running",
            "init-demo-fail-crashloop",
            "init-demo-volume-running",
            "sidecar-demo-running",
        ],
        &["sidecar-demo-sidecar-crashloop"],
    ];
    states[i % states.len()].to_vec()
}

fn generate(server: &FakeApiServer) -> usize {
    let mut pods = 0;
    for i in 0..LEARNERS {
        let ns = format!("lab-learner{i:03}");
        server.put_object(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"lab-checker/class": "bench"}},
        }));
        let lab = lab_pods(i);
        for fixture in &lab {
            let mut pod = pod_fixture(fixture);
            pod["metadata"]["namespace"] = json!(ns);
            let name = pod["metadata"]["name"].as_str().unwrap().to_string();
            server.put_pod(pod);
            server.add_event(json!({
                "involvedObject": {"kind": "Pod", "namespace": ns, "name": name},
                "reason": "Started", "type": "Normal", "message": "Started container",
            }));
        }
        for (c, text) in [
            ("init-1", "Init 1: Checking database...\n"),
            ("init-2", "Init 2: Loading config...\n"),
            ("app", "/docker-entrypoint.sh: Configuration complete; ready for start up\n"),
        ] {
            server.set_log(&ns, "init-demo", c, false, text);
        }
        server.set_log(&ns, "init-demo-fail", "init-1", false, "Init 1: Failed!\n");
        server.set_log(&ns, "init-demo-fail", "init-1", true, "Init 1: Failed!\n");
        server.set_proxy(&ns, "init-demo-volume", 200, "<p>lab-marker: init-container-volume</p>");
        // The learner's own pods, which the class view must skip.
        for k in lab.len()..PODS_PER_LEARNER {
            let mut pod = pod_fixture("init-demo-running");
            pod["metadata"]["namespace"] = json!(ns);
            pod["metadata"]["name"] = json!(format!("scratch-{k}"));
            server.put_pod(pod);
        }
        pods += PODS_PER_LEARNER;
    }
    pods
}

/// [`super::measured`] against this class's server, with its own state directory.
fn measured(args: &[&str], kubeconfig: &Path, state: &Path) -> (i32, f64, f64) {
    super::measured_with(args, &[("KUBECONFIG", kubeconfig), ("CHECKER_STATE_DIR", state)])
}

pub fn run() {
    let server = FakeApiServer::start();
    let started = Instant::now();
    let pods = generate(&server);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path());
    let state = dir.path().join("state");
    println!(
        "\n## class: {LEARNERS} learner namespaces, {pods} pods (generated in {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    // Warm the binary's pages once, then measure.
    measured(&["class", "status", "-o", "json"], &kubeconfig, &state);
    server.clear_requests();
    let (code, mib, secs) = measured(&["class", "status", "-o", "json"], &kubeconfig, &state);
    let requests = server.requests();
    let lists = requests.iter().filter(|r| !r.path.contains("/pods/") && r.path != "/version").count();
    let logs = requests.iter().filter(|r| r.path.ends_with("/log")).count();
    let proxy = requests.iter().filter(|r| r.path.contains("/proxy")).count();
    let other = requests.len() - lists - logs - proxy;
    println!(
        "checker class status -o json: exit {code}, {secs:.2} s wall, peak RSS {mib:.1} MiB; \
         {} requests: {lists} LIST (and discovery), {logs} logs, {proxy} pod-proxy pages, {other} other",
        requests.len()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(["class", "status", "-o", "json"])
        .env("KUBECONFIG", &kubeconfig)
        .env("CHECKER_STATE_DIR", &state)
        .output()
        .unwrap();
    let board: Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = board["steps"].as_array().map_or(0, Vec::len);
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    for learner in board["learners"].as_array().into_iter().flatten() {
        for s in learner["steps"].as_array().into_iter().flatten() {
            *tally.entry(s["verdict"].as_str().unwrap_or("?").to_string()).or_default() += 1;
        }
    }
    println!(
        "verdicts over {} learners × {steps} steps: {tally:?}",
        board["learners"].as_array().map_or(0, Vec::len)
    );

    // The loop a teacher would run without the class view, on a sample, extrapolated.
    server.clear_requests();
    let t = Instant::now();
    for i in 0..SAMPLE {
        let ns = format!("lab-learner{:03}", i * (LEARNERS / SAMPLE) + i % 8);
        for n in 1..=steps {
            Command::new(env!("CARGO_BIN_EXE_checker"))
                .args(["-n", &ns, "step", &n.to_string()])
                .env("KUBECONFIG", &kubeconfig)
                .env("CHECKER_STATE_DIR", &state)
                .output()
                .unwrap();
        }
    }
    let sample_secs = t.elapsed().as_secs_f64();
    let sample_requests = server.requests().len();
    let scale = LEARNERS as f64 / SAMPLE as f64;
    let loop_secs = sample_secs * scale;
    println!(
        "loop of `checker -n NS step N`: {} runs on {SAMPLE} namespaces took {sample_secs:.2} s, {sample_requests} requests; \
         extrapolated to {LEARNERS} namespaces: {:.0} runs, {loop_secs:.1} s, {:.0} requests",
        SAMPLE * steps,
        (LEARNERS * steps) as f64,
        sample_requests as f64 * scale
    );
    println!(
        "ratio (loop / class status): {:.0}× wall time, {:.0}× requests",
        loop_secs / secs,
        sample_requests as f64 * scale / requests.len() as f64
    );

    kubectl_loop(&server, &kubeconfig, secs);
    watch_mode(&server, &kubeconfig, &state);
}

/// The loop a teacher would script with kubectl, per learner: the pods, the events, and the
/// logs the lab's steps read (of the pods that exist), on a sample, extrapolated.
fn kubectl_loop(server: &FakeApiServer, kubeconfig: &Path, class_secs: f64) {
    if !Path::new(testkit::KUBECTL).exists() {
        println!("kubectl loop: skipped ({} not found)", testkit::KUBECTL);
        return;
    }
    let logs = [
        ("init-demo", "init-1", false),
        ("init-demo", "init-2", false),
        ("init-demo", "app", false),
        ("init-demo-fail", "init-1", false),
        ("init-demo-fail", "init-1", true),
    ];
    server.clear_requests();
    let t = Instant::now();
    let mut runs = 0;
    for i in 0..SAMPLE {
        let ns = format!("lab-learner{:03}", i * (LEARNERS / SAMPLE) + i % 8);
        for what in ["pods", "events"] {
            testkit::kubectl(kubeconfig, &["get", what, "-n", &ns, "-o", "json"]);
            runs += 1;
        }
        let present: Vec<String> = lab_pods(i * (LEARNERS / SAMPLE) + i % 8)
            .iter()
            .map(|f| pod_fixture(f)["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        for (pod, container, previous) in logs {
            if present.iter().any(|p| p == pod) {
                let mut args = vec!["logs", "-n", &ns, pod, "-c", container];
                if previous {
                    args.push("--previous");
                }
                testkit::kubectl(kubeconfig, &args);
                runs += 1;
            }
        }
    }
    let sample_secs = t.elapsed().as_secs_f64();
    let scale = LEARNERS as f64 / SAMPLE as f64;
    println!(
        "loop of kubectl (get pods, get events, logs) per learner: {runs} runs on {SAMPLE} namespaces took \
         {sample_secs:.2} s, {} requests; extrapolated to {LEARNERS} namespaces: {:.1} s; ratio (kubectl loop / \
         class status): {:.0}× wall time",
        server.requests().len(),
        sample_secs * scale,
        sample_secs * scale / class_secs
    );
}

/// `checker class status --watch -o json`: the first board, then a series of learners' pod
/// changes, each timed from the change in the API server to the line that shows it.
fn watch_mode(server: &FakeApiServer, kubeconfig: &Path, state: &Path) {
    use std::io::BufRead;
    const CHANGES: usize = 20;
    server.clear_requests();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(["class", "status", "--watch", "10m", "-o", "json"])
        .env("KUBECONFIG", kubeconfig)
        .env("CHECKER_STATE_DIR", state)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let board: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let first = started.elapsed().as_secs_f64();
    let learners = board["learners"].as_array().map_or(0, Vec::len);
    let setup_requests = server.requests().len();
    server.clear_requests();

    // Learners whose init containers are still running (state 1) finish them, one at a time.
    let mut took = Vec::new();
    for k in 0..CHANGES {
        let ns = format!("lab-learner{:03}", 1 + 8 * k);
        let mut pod = pod_fixture("init-demo-running");
        pod["metadata"]["namespace"] = json!(ns);
        let changed = Instant::now();
        server.put_pod(pod);
        loop {
            let line: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
            let rows = line["changed"].as_array().cloned().unwrap_or_default();
            if rows.iter().any(|r| r["namespace"] == json!(ns)) {
                took.push(changed.elapsed().as_secs_f64() * 1000.0);
                break;
            }
        }
    }
    // Peak memory of the follower after the class and the changes (Linux: VmHWM).
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let peak_kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    let _ = child.kill();
    let _ = child.wait();
    let requests = server.requests();
    let logs = requests.iter().filter(|r| r.path.ends_with("/log")).count();
    took.sort_by(f64::total_cmp);
    println!(
        "watch mode: first board of {learners} learners after {first:.2} s ({setup_requests} requests: one LIST and \
         one WATCH per kind, discovery, logs and pages); {CHANGES} pod changes shown after median {:.1} ms, \
         slowest {:.1} ms (target < 100 ms), with {} requests ({logs} logs of the changed pods); peak RSS {:.1} MiB",
        took[took.len() / 2],
        took[took.len() - 1],
        requests.len(),
        peak_kib / 1024.0
    );
}
