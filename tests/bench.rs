//! Benchmarks. Print figures; assert nothing about speed (targets are judged by a reader, not by
//! a timed test).
//!
//! `cargo xtask bench [checker|class|book]` (or `cargo bench -p checker --bench bench -- [SECTION]`);
//! every section when none is named.
//!
//! `checker`: the checker next to `kubectl` against the fake API server (`BENCH_RUNS=N` to change
//! the number of runs):
//! 1. One-shot: `checker step 1` and `checker step 2` (pod and logs) versus
//!    `kubectl get pod init-demo -n experiments -o json` and kubectl fetching the same logs;
//!    medians, their ratio, the requests each made, the checker's peak memory.
//! 2. Reaction latency: from the server sending the passing state to `checker step 1 --wait`
//!    exiting 0, versus `kubectl wait --for=condition=Ready`.
//! 3. Hostile files: the peak memory and time of `checker step 1 --from FILE` for the worst
//!    files we could construct, refused and accepted (the bound: 256 MiB for any accepted file).
//!
//! `class`: `checker class status` on a generated class of 500 learner namespaces (3,000 pods),
//! against a loop of single `checker -n NS step N` runs (see `bench/class.rs`).
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

#[path = "bench/class.rs"]
mod class;

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

/// Runs `checker ARGS` and prints its exit code and peak memory (this binary runs itself with
/// `BENCH_PEAK_OF` for that, so that each figure is one process's own).
fn peak_of_child() -> Option<()> {
    let args: Vec<String> = serde_json::from_str(&std::env::var("BENCH_PEAK_OF").ok()?).ok()?;
    let status = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    println!("{} {}", status.code().unwrap_or(-1), children_max_rss_kib());
    Some(())
}

/// `(exit code, peak MiB, seconds)` of `checker ARGS` in a process of its own.
fn measured(args: &[&str]) -> (i32, f64, f64) {
    measured_with(args, &[])
}

/// [`measured`], with these variables set for the checker (`KUBECONFIG`, `CHECKER_STATE_DIR`).
fn measured_with(args: &[&str], env: &[(&str, &std::path::Path)]) -> (i32, f64, f64) {
    let started = Instant::now();
    let out = Command::new(std::env::current_exe().unwrap())
        .env("BENCH_PEAK_OF", serde_json::to_string(args).unwrap())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let took = started.elapsed().as_secs_f64();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut words = text.split_whitespace();
    let code = words.next().and_then(|w| w.parse().ok()).unwrap_or(-1);
    let kib: f64 = words.next().and_then(|w| w.parse().ok()).unwrap_or(0.0);
    (code, kib / 1024.0, took)
}

/// The worst files we could construct: each as large as the 16 MiB cap allows, or just inside
/// the YAML limits (`checker/src/input.rs`).
fn hostile_files(dir: &std::path::Path) -> Vec<(&'static str, std::path::PathBuf)> {
    let pod = std::fs::read_to_string(testkit::fixtures_dir().join("pods/init-demo-running.yaml")).unwrap();
    let mut files = Vec::new();
    let mut add = |name: &'static str, text: String| {
        let path = dir.join(format!("{}.yaml", files.len()));
        std::fs::write(&path, text).unwrap();
        files.push((name, path));
    };
    let mut bomb = String::from("kind: List\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = format!("*a{}", i - 1);
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", [p.as_str(); 10].join(", ")));
    }
    add("refused: alias bomb (10^10 nodes, 1 KiB)", bomb + "items: *a9\n");
    let braces = (16 * 1024 * 1024 - 64) / 3;
    add(
        "refused: 16 MiB list of {} (5.6 M pods)",
        format!("kind: List\nitems: [{}]\n", vec!["{}"; braces].join(",")),
    );
    add(
        "refused: 16 MiB of [ (deep nesting)",
        format!("kind: Pod\nx: {}", "[".repeat(16 * 1024 * 1024 - 20)),
    );
    add(
        "refused: 16 MiB of scalars (5.6 M nodes)",
        format!("kind: Pod\nx: [{}]\n", vec!["1"; braces].join(",")),
    );
    let mut aliases =
        String::from("kind: Pod\nmetadata:\n  name: init-demo\n  annotations:\n    a0: &big \"");
    aliases.push_str(&"x".repeat(1024 * 1024 - 64));
    aliases.push_str("\"\n");
    for i in 1..19 {
        aliases.push_str(&format!("    a{i}: *big\n"));
    }
    add("accepted: a 1 MiB scalar aliased 18 times (19 MiB of text)", aliases);
    add(
        "accepted: 16,000 volumes of {} (largest typed object, just inside the mapping limit)",
        format!(
            "kind: Pod\nmetadata: {{name: init-demo}}\nspec:\n  volumes: [{}]\n",
            vec!["{}"; 16_000].join(",")
        ),
    );
    add(
        "accepted: 16,000 pods of {} in a List",
        format!("kind: List\nitems: [{}]\n", vec!["{}"; 16_000].join(",")),
    );
    add(
        "accepted: 290,000 args (just inside the node limit)",
        format!(
            "kind: Pod\nmetadata: {{name: init-demo}}\nspec:\n  containers: [{{name: app, args: [{}]}}]\n",
            vec!["an-argument"; 290_000].join(",")
        ),
    );
    let mut worst = String::from("kind: Pod\nmetadata:\n  name: init-demo\n  annotations:\n    a0: &big \"");
    worst.push_str(&"x".repeat(1024 * 1024 - 64));
    worst.push_str("\"\n");
    for i in 1..17 {
        worst.push_str(&format!("    a{i}: *big\n"));
    }
    worst.push_str(&format!(
        "spec:\n  volumes: [{}]\n  containers: [{{name: app, args: [{}]}}]\n",
        vec!["{}"; 16_000].join(","),
        vec!["an-argument"; 250_000].join(",")
    ));
    add("accepted: all of the above at once (17 MiB of aliased text, 16,000 volumes, 250,000 args)", worst);
    let log = "x".repeat(15 * 1024 * 1024);
    add(
        "accepted: a snapshot with a 15 MiB log",
        format!(
            "apiVersion: checker.k8s-lab.dev/v1\nkind: Snapshot\nnamespace: experiments\ntakenAt: 2026-11-20T10:05:00Z\npods: []\nlogs: {{init-demo: {{init-1: {{current: \"{log}\"}}}}}}\n"
        ),
    );
    add("accepted: a real pod", pod);
    files
}

fn main() {
    if peak_of_child().is_some() {
        return;
    }
    // `cargo bench` passes `--bench`; the other words name sections.
    let sections: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    for s in &sections {
        assert!(
            ["checker", "class", "book"].contains(&s.as_str()),
            "unknown section `{s}`: the sections are checker, class and book"
        );
    }
    let wanted = |name: &str| sections.is_empty() || sections.iter().any(|s| s == name);
    if wanted("checker") {
        checker_vs_kubectl();
    }
    if wanted("class") {
        class::run();
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

    // Hostile files: each in a process of its own, its peak memory.
    println!("\n# hostile files: `checker step 1 --from FILE` (peak memory of the process)\n");
    println!("| file | size | exit | peak memory | time |");
    println!("|---|---|---|---|---|");
    for (name, path) in hostile_files(dir.path()) {
        let size = std::fs::metadata(&path).unwrap().len() as f64 / (1024.0 * 1024.0);
        let (code, peak, took) = measured(&["step", "1", "--from", path.to_str().unwrap(), "-o", "json"]);
        println!("| {name} | {size:.1} MiB | {code} | {peak:.1} MiB | {took:.2} s |");
    }
    println!("\nbound: 256 MiB for any accepted file (exit 0 or 1); refused files exit 2");
}
