//! Benchmarks. Print figures; assert nothing about speed (targets are judged by a reader, not by
//! a timed test).
//!
//! `cargo xtask bench [checker|book]` (or `cargo bench -p checker --bench bench -- [checker|book]`);
//! both sections when none is named.
//!
//! `checker`: the checker next to `kubectl` against the fake API server (`BENCH_RUNS=N` to change
//! the number of runs):
//! 1. One-shot: `checker step 1` and `checker step 2` (pod and logs) versus
//!    `kubectl get pod init-demo -n experiments -o json` and kubectl fetching the same logs;
//!    medians, their ratio, the requests each made, the checker's peak memory.
//! 2. Reaction latency: from the server sending the passing state to `checker step 1 --wait`
//!    exiting 0, versus `kubectl wait --for=condition=Ready`.
//!
//! `book`: every page of the built book, cold, in headless Chromium: bytes, requests, load and
//! diagram-drawing times (see `bench/book.rs`).

#[path = "support/book.rs"]
mod support;

#[path = "support/browser.rs"]
mod browser;

#[path = "support/webdriver.rs"]
mod webdriver;

#[path = "bench/book.rs"]
mod book;

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::{FakeApiServer, kubectl};

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Peak resident memory of the largest child process waited for so far, in KiB.
fn children_max_rss_kib() -> i64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage").max_rss()
}

fn with_creation_now(mut pod: Value) -> Value {
    pod["metadata"]["creationTimestamp"] =
        Value::String(jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    pod
}

fn main() {
    // `cargo bench` passes `--bench`; the other words name sections.
    let sections: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    for s in &sections {
        assert!(s == "checker" || s == "book", "unknown section `{s}`: the sections are checker and book");
    }
    let wanted = |name: &str| sections.is_empty() || sections.iter().any(|s| s == name);
    if wanted("checker") {
        checker_vs_kubectl();
    }
    if wanted("book") {
        book::run();
    }
}

fn checker_vs_kubectl() {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let server = FakeApiServer::start();
    server.add_namespace("experiments");
    server.put_pod_fixture("init-demo-running");
    for (c, text) in [
        ("init-1", "Init 1: Checking database...\n"),
        ("init-2", "Init 2: Loading config...\n"),
        ("app", "/docker-entrypoint.sh: Configuration complete; ready for start up\n"),
    ] {
        server.set_log("experiments", "init-demo", c, false, text);
    }
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path());
    let checker = |args: &[&str]| {
        let status = Command::new(env!("CARGO_BIN_EXE_checker"))
            .args(args)
            .env("KUBECONFIG", &kubeconfig)
            .env("CHECKER_STATE_DIR", dir.path().join("state"))
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "checker {args:?} did not pass");
    };
    let time = |f: &dyn Fn()| {
        let t = Instant::now();
        f();
        t.elapsed()
    };
    let requests_of = |f: &dyn Fn()| {
        server.clear_requests();
        f();
        server.requests().len()
    };

    println!("# checker vs kubectl against the fake API server ({runs} runs each, medians)\n");
    let step1 = || checker(&["step", "1"]);
    let step2 = || checker(&["step", "2"]);
    let get_pod = || {
        assert!(
            kubectl(&kubeconfig, &["get", "pod", "init-demo", "-n", "experiments", "-o", "json"])
                .status
                .success()
        )
    };
    let get_logs = || {
        get_pod();
        for c in ["init-1", "init-2", "app"] {
            assert!(
                kubectl(&kubeconfig, &["logs", "init-demo", "-n", "experiments", "-c", c]).status.success()
            );
        }
    };
    get_pod(); // warm kubectl's discovery cache, as a learner's would be
    step1();

    let mut rows = Vec::new();
    for (name, ours, theirs) in [
        ("pod (step 1 vs kubectl get pod -o json)", &step1 as &dyn Fn(), &get_pod as &dyn Fn()),
        ("pod + 3 logs (step 2 vs kubectl get + 3× kubectl logs)", &step2, &get_logs),
    ] {
        let c = median((0..runs).map(|_| time(ours)).collect());
        let k = median((0..runs).map(|_| time(theirs)).collect());
        rows.push((name, c, k, requests_of(ours), requests_of(theirs)));
    }
    let peak = children_max_rss_kib();
    println!("| what | checker | kubectl | checker/kubectl | requests checker | requests kubectl |");
    println!("|---|---|---|---|---|---|");
    for (name, c, k, rc, rk) in &rows {
        println!(
            "| {name} | {} | {} | {:.2} | {rc} | {rk} |",
            ms(*c),
            ms(*k),
            c.as_secs_f64() / k.as_secs_f64()
        );
    }
    println!("\nchecker peak memory (max RSS of the checker runs): {:.1} MiB", peak as f64 / 1024.0);
    println!("target: checker time ≤ 0.5 × kubectl time for the pod and its logs\n");

    // Reaction latency: the passing state arrives on the watch stream; how long until exit?
    let latency_runs = runs.min(10);
    let react = |use_kubectl: bool| -> Duration {
        server.put_pod(with_creation_now(testkit::pod_fixture("init-demo-pod-initializing")));
        server.clear_requests();
        let mut child = if use_kubectl {
            Command::new(testkit::KUBECTL)
                .args([
                    "wait",
                    "--for=condition=Ready",
                    "pod/init-demo",
                    "-n",
                    "experiments",
                    "--timeout=30s",
                ])
                .arg("--kubeconfig")
                .arg(&kubeconfig)
                .arg("--cache-dir")
                .arg(dir.path().join("kube-cache"))
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        } else {
            Command::new(env!("CARGO_BIN_EXE_checker"))
                .args(["step", "1", "--wait", "30s", "-o", "json"])
                .env("KUBECONFIG", &kubeconfig)
                .env("CHECKER_STATE_DIR", dir.path().join("state"))
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !server.requests().iter().any(|r| r.is_watch()) {
            assert!(Instant::now() < deadline, "no watch started");
            thread::sleep(Duration::from_millis(5));
        }
        thread::sleep(Duration::from_millis(100));
        server.put_pod(with_creation_now(testkit::pod_fixture("init-demo-running")));
        let sent = Instant::now();
        assert!(child.wait().unwrap().success());
        sent.elapsed()
    };
    let c = median((0..latency_runs).map(|_| react(false)).collect());
    let k = median((0..latency_runs).map(|_| react(true)).collect());
    println!("# reaction latency: passing state sent → process exits ({latency_runs} runs, medians)\n");
    println!("| checker step 1 --wait | kubectl wait --for=condition=Ready |");
    println!("|---|---|");
    println!("| {} | {} |", ms(c), ms(k));
    println!("\ntarget: checker under 100 ms, and faster than kubectl wait");
}
