//! Hostile and unlucky input against the real binary: files that would blow up memory or block,
//! text from the cluster that would drive the terminal, names that would go into URL paths,
//! durations that would overflow, outputs that cannot be written, progress files that cannot be
//! read. Each class fails fast with one line and exit 2, or is shown safely; the cluster is the
//! fake API server where one is needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::{FakeApiServer, fixtures_dir};

#[path = "support/run.rs"]
mod run;
use run::Run;

/// A learner's machine: a home, a state directory, a kubeconfig for `server` (if any).
struct Learner {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Learner {
    fn new(server: Option<&FakeApiServer>) -> Learner {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = match server {
            Some(server) => server.write_kubeconfig(dir.path()),
            None => dir.path().join("no-kubeconfig"),
        };
        Learner { dir, kubeconfig }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_checker"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("KUBECONFIG", &self.kubeconfig)
            .env("CHECKER_STATE_DIR", self.path("state"))
            .env("LANG", "en_US.UTF-8")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    }
}

fn server_with(fixtures: &[&str]) -> FakeApiServer {
    let server = FakeApiServer::start();
    server.add_namespace("experiments");
    for f in fixtures {
        server.put_pod_fixture(f);
    }
    server
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixtures_dir().join("pods").join(format!("{name}.yaml"))).unwrap()
}

// ---- bounded input ----

/// "Billion laughs": nine levels of ten aliases each, a few hundred bytes.
fn alias_bomb() -> String {
    let mut bomb = String::from("kind: List\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = format!("*a{}", i - 1);
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", [p.as_str(); 10].join(", ")));
    }
    bomb.push_str("items: *a9\n");
    bomb
}

#[test]
fn files_that_would_blow_up_memory_are_refused_at_once() {
    let learner = Learner::new(None);
    let cases = [
        (
            "alias bomb",
            learner.write("bomb.yaml", alias_bomb()),
            "is too large to read: its aliases (*name) expand to more than",
        ),
        (
            "a list of {}",
            learner
                .write("empty.yaml", format!("kind: List\nitems: [{}]\n", vec!["{}"; 2_000_000].join(","))),
            "is too large to read: it has more than",
        ),
        (
            "deep nesting",
            learner.write("deep.yaml", format!("kind: Pod\nx: {}{}\n", "[".repeat(100), "]".repeat(100))),
            "nested more than 64 levels deep",
        ),
        (
            "deeper nesting",
            learner.write(
                "deeper.yaml",
                format!("kind: Pod\nx: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
            ),
            "recursion limit exceeded",
        ),
        (
            "larger than the cap",
            learner.write("big.yaml", "#".repeat(17 * 1024 * 1024)),
            "larger than the limit of 16 MiB",
        ),
        (
            "not UTF-8",
            learner.write("latin1.yaml", b"kind: Pod\nmetadata: {name: caf\xe9}\n"),
            "is not UTF-8 text (at byte",
        ),
        ("not YAML", learner.write("broken.yaml", "kind: Pod\nmetadata: {name: [\n"), "malformed file"),
        ("a device", "/dev/zero".to_string(), "is not a regular file"),
        ("a directory", learner.dir.path().to_str().unwrap().to_string(), "is not a regular file"),
    ];
    for (what, file, needle) in &cases {
        for command in [["step", "1", "--from", file], ["status", "--from", file, ""]] {
            let args: Vec<&str> = command.iter().copied().filter(|a| !a.is_empty()).collect();
            let started = Instant::now();
            let run = learner.run(&args);
            let took = started.elapsed();
            eprintln!("{what}: {args:?} refused in {took:?}");
            run.fails(2, needle);
            assert!(took < Duration::from_secs(20), "{what} took {took:?}");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let learner = Learner::new(None);
    let fifo = learner.path("fifo.yaml");
    if !Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let run = learner.run(&["step", "1", "--from", fifo.to_str().unwrap()]);
    run.fails(2, "is not a regular file");
}

#[test]
fn a_byte_order_mark_is_accepted_everywhere() {
    let learner = Learner::new(None);
    let file = learner.write("pod.yaml", format!("\u{feff}{}", fixture_text("init-demo-running")));
    let run = learner.run(&["step", "1", "--from", &file, "-o", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["verdict"], "pass");
    let spec = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../labs/init-container/lab.yaml"),
    )
    .unwrap();
    let spec = learner.write("lab.yaml", format!("\u{feff}{spec}"));
    let run = learner.run(&["--spec", &spec, "step", "1", "--from", &file]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn hostile_lab_specs_are_refused() {
    let learner = Learner::new(None);
    let bomb = learner.write("bomb-spec.yaml", alias_bomb().replace("kind: List\n", "version: 1\n"));
    learner.run(&["--spec", &bomb, "list"]).fails(2, "is too large to read");
    let big = learner.write("big-spec.yaml", "#".repeat(2 * 1024 * 1024));
    learner.run(&["--spec", &big, "list"]).fails(2, "larger than the limit of 1 MiB");
    learner.run(&["--spec", "/dev/zero", "list"]).fails(2, "is not a regular file");
}

/// The book's first lab spec with a wide alias bomb in an object check's `match` (which takes
/// any YAML): one anchored list of 60,000 scalars, aliased 60,000 times. serde_yaml's own limit
/// counts alias jumps, not the nodes they expand to, so only the checker's bound stops it.
fn spec_with_wide_alias_bomb() -> String {
    let spec = std::fs::read_to_string(repo_root().join("labs/init-container/lab.yaml")).unwrap();
    // Two more keys of the `match`, before its first one (at its indentation).
    let (width, at) = (60_000, "          match:\n            ");
    let bomb = format!(
        "{at}bomb: &bomb [{}]\n            copies: [{}]\n            ",
        vec!["x"; width].join(","),
        vec!["*bomb"; width].join(",")
    );
    assert!(spec.contains(at));
    spec.replacen(at, &bomb, 1)
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `checker` in `dir`, killed after `limit` (a test that fails, not one that hangs or eats
/// the machine's memory).
fn run_within(learner: &Learner, dir: &Path, args: &[&str], limit: Duration) -> Run {
    let mut child =
        learner.command(args).current_dir(dir).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("checker {args:?} still ran after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Run::from(child.wait_with_output().unwrap())
}

#[test]
fn lint_bounds_the_lab_files_it_reads() {
    let learner = Learner::new(None);
    let bomb = spec_with_wide_alias_bomb();
    // A spec file given on the command line...
    let file = learner.write("lab.yaml", &bomb);
    let limit = Duration::from_secs(20);
    let run = run_within(&learner, learner.dir.path(), &["lint", &file], limit);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.contains("its aliases (*name) expand to more than"), "{run:?}");
    // ...and the same file in a checkout.
    let checkout = learner.path("book");
    for id in ["init-container", "restart-policy", "statefulset"] {
        let dir = checkout.join("labs").join(id);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(repo_root().join("labs").join(id).join("lab.yaml"), dir.join("lab.yaml")).unwrap();
    }
    std::fs::copy(repo_root().join("labs/labs.yaml"), checkout.join("labs/labs.yaml")).unwrap();
    std::fs::copy(repo_root().join("book.toml"), checkout.join("book.toml")).unwrap();
    std::fs::write(checkout.join("labs/init-container/lab.yaml"), &bomb).unwrap();
    let run = run_within(&learner, &checkout, &["lint"], limit);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.contains("labs/init-container/lab.yaml"), "{run:?}");
    assert!(run.stdout.contains("its aliases (*name) expand to more than"), "{run:?}");

    // The manifests it names and the RBAC manifest are YAML it parses too.
    std::fs::copy(
        repo_root().join("labs/init-container/lab.yaml"),
        checkout.join("labs/init-container/lab.yaml"),
    )
    .unwrap();
    let manifest_bomb = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\ndata: {{}}\nbomb: &bomb [{}]\ncopies: [{}]\n",
        vec!["x"; 60_000].join(","),
        vec!["*bomb"; 60_000].join(",")
    );
    std::fs::create_dir_all(checkout.join("manifests")).unwrap();
    for manifest in ["init-container.yaml", "checker-rbac.yaml"] {
        std::fs::write(checkout.join("manifests").join(manifest), &manifest_bomb).unwrap();
    }
    let run = run_within(&learner, &checkout, &["lint", "--lab", "init-container"], limit);
    assert_eq!(run.code, 2, "{run:?}");
    for manifest in ["init-container.yaml", "checker-rbac.yaml"] {
        let said = run.stdout.lines().find(|l| l.contains(&format!("manifests/{manifest}: cannot be read")));
        assert!(said.is_some_and(|l| l.contains("expand to more than")), "{manifest}: {run:?}");
    }
}

#[test]
fn a_kubeconfig_alias_bomb_is_refused() {
    let learner = Learner::new(None);
    let bomb = learner.write(
        "kubeconfig",
        alias_bomb()
            .replace("kind: List\n", "apiVersion: v1\nkind: Config\n")
            .replace("items: *a9", "preferences: {extensions: [{name: x, extension: *a9}]}"),
    );
    learner.run(&["--kubeconfig", &bomb, "status"]).fails(2, "is too large to read");
}

// ---- terminal-safe text ----

#[test]
fn cluster_text_is_shown_safely_and_json_stays_exact() {
    let server = server_with(&[]);
    let hostile = "Back-off \u{1b}[2J\u{1b}]0;pwned\u{7}pulling\r\nResult: pass\u{9b}31m";
    let mut pod = testkit::pod_fixture("init-demo-image-pull-backoff");
    pod["status"]["initContainerStatuses"][0]["state"]["waiting"]["message"] = Value::String(hostile.into());
    server.put_pod(pod);
    let learner = Learner::new(Some(&server));

    let text = learner.run(&["step", "1"]);
    assert_eq!(text.code, 1, "{text:?}");
    for bad in ['\u{1b}', '\r', '\u{7}', '\u{9b}'] {
        assert!(!text.stdout.contains(bad), "{bad:?} reached the terminal: {:?}", text.stdout);
    }
    assert!(
        text.stdout.contains("\\x1b[2J\\x1b]0;pwned\\x07pulling\\r\\nResult: pass\\u{9b}31m"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.lines().any(|l| l.starts_with("Result: pass")), "a forged line: {}", text.stdout);

    let json = learner.run(&["step", "1", "-o", "json"]).json();
    // The waiting message is the step's cause, said once.
    let summary = json["cause"]["summary"].as_str().unwrap();
    assert!(summary.contains(hostile), "JSON keeps the exact text: {summary:?}");

    // The same through a saved state, in `status` and `report`.
    let snapshot = learner.run(&["snapshot"]);
    assert_eq!(snapshot.code, 0);
    let file = learner.write("snapshot.yaml", &snapshot.stdout);
    let status = learner.run(&["status", "--from", &file]);
    assert!(!status.stdout.contains('\u{1b}'), "{}", status.stdout);
    let report = learner.run(&["report"]);
    assert_eq!(report.code, 0, "{report:?}");
    assert!(!report.stdout.contains('\u{1b}') && !report.stdout.contains('\r'), "{}", report.stdout);
}

#[test]
fn a_pod_name_from_a_file_cannot_forge_table_lines() {
    let learner = Learner::new(None);
    let text = fixture_text("init-demo-running").replacen(
        "name: init-demo\n",
        "name: \"init-demo\\nNAME   READY\\u001b[31m\"\n",
        1,
    );
    let file = learner.write("pod.yaml", text);
    let run = learner.run(&["status", "--from", &file]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 2, "a header and one pod: {}", run.stdout);
    assert!(run.stdout.contains("init-demo\\nNAME   READY\\x1b[31m"), "{}", run.stdout);
}

// ---- validation ----

#[test]
fn namespaces_contexts_and_durations_are_validated_before_any_request() {
    let server = server_with(&["init-demo-running"]);
    let learner = Learner::new(Some(&server));
    server.clear_requests();
    for ns in ["a/b", "x?y=", "", "..", "Experiments", &"a".repeat(64)] {
        learner.run(&["step", "1", "-n", ns]).fails(2, "is not a valid name");
        learner.run(&["status", "--namespace", ns]).fails(2, "pass -n NAME");
    }
    learner.run(&["step", "1", "--context", ""]).fails(2, "is not a context name");
    learner.run(&["step", "1", "--context", "a\u{1b}b"]).fails(2, "is not a context name");
    for wait in ["300000000000y", "25h", "99999999999999999999999s"] {
        learner.run(&["step", "1", "--wait", wait]).fails(2, "--wait");
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    // The largest wait is fine (the step passes at once).
    assert_eq!(learner.run(&["step", "1", "--wait", "24h", "-o", "json"]).code, 0);
}

/// A label selector the API server cannot parse is the teacher's typo (exit 2), not the cluster's
/// failure; it goes into the query encoded, never into the path.
#[test]
fn a_class_selector_the_api_server_refuses_is_a_usage_error() {
    let server = server_with(&[]);
    let learner = Learner::new(Some(&server));
    for selector in ["=x", "a b", "x=1&watch=true?"] {
        server.clear_requests();
        let run = learner.run(&["class", "status", "--selector", selector]);
        run.fails(2, &format!("--selector \"{selector}\""));
        let requests = server.requests();
        assert!(requests.iter().all(|r| r.path == "/api/v1/namespaces"), "{requests:?}");
    }
}

// ---- output ----

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_error_and_a_closed_pipe_is_not() {
    let learner = Learner::new(None);
    let file = learner.write("pod.yaml", fixture_text("init-demo-running"));
    for args in [
        vec!["status", "--from", &file],
        vec!["step", "1", "--from", &file, "-o", "json"],
        vec!["list"],
        vec!["completions", "bash"],
    ] {
        let full = std::fs::File::create("/dev/full").unwrap();
        let run = Run::from(learner.command(&args).stdout(full).output().unwrap());
        run.fails(2, "cannot write to standard output: No space left on device");

        // A reader that stops at once, as `| head -c0` does: quiet, the usual exit code.
        let mut child = learner.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let run = Run::from(child.wait_with_output().unwrap());
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{args:?}");
    }
}

// ---- progress ----

#[test]
fn an_unreadable_progress_file_never_blocks_progress_list_or_report() {
    let server = server_with(&["init-demo-running"]);
    let learner = Learner::new(Some(&server));
    std::fs::create_dir_all(learner.path("state")).unwrap();
    for bytes in [&b"{\"version\": 1, \"labs\": {\"\xff\": {}}}"[..], b"\0\0\0", b"[]"] {
        std::fs::write(learner.path("state/progress.json"), bytes).unwrap();
        let run = learner.run(&["progress"]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stderr.contains("warning: progress file") && run.stderr.contains("was unreadable"),
            "{}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "reported once: {}", run.stderr);
        for args in [&["progress"][..], &["list"], &["report"]] {
            let again = learner.run(args);
            assert_eq!((again.code, again.stderr.as_str()), (0, ""), "{args:?}");
        }
    }
    let aside = std::fs::read_dir(learner.path("state"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".corrupt-"))
        .count();
    assert_eq!(aside, 3, "each unreadable file kept under its own name");
    assert_eq!(learner.run(&["step", "1"]).code, 0);
    assert_eq!(learner.run(&["progress", "-o", "json"]).json()["steps"]["1"]["verdict"], "pass");
}

#[test]
fn a_state_directory_that_cannot_be_made_still_shows_progress() {
    let server = server_with(&["init-demo-running"]);
    let learner = Learner::new(Some(&server));
    let run = Run::from(
        learner.command(&["progress"]).env("CHECKER_STATE_DIR", "/proc/no-such-dir/state").output().unwrap(),
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let run = Run::from(
        learner.command(&["step", "1"]).env("CHECKER_STATE_DIR", "/proc/no-such-dir/state").output().unwrap(),
    );
    assert_eq!(run.code, 0, "the verdict stands: {run:?}");
    assert!(run.stderr.contains("warning: progress not saved"), "{}", run.stderr);
}

#[test]
fn an_empty_checker_state_dir_means_unset() {
    let server = server_with(&["init-demo-running"]);
    let learner = Learner::new(Some(&server));
    let xdg = learner.path("xdg-state");
    let run = Run::from(
        learner
            .command(&["step", "1"])
            .env("CHECKER_STATE_DIR", "")
            .env("XDG_STATE_HOME", &xdg)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(xdg.join("k8s-init-lab/progress.json").is_file());
    assert!(!Path::new("progress.json").exists());
}

#[test]
fn a_saved_state_is_evaluated_but_never_recorded() {
    let server = server_with(&[]);
    let learner = Learner::new(Some(&server));
    let file = learner.write("pod.yaml", fixture_text("init-demo-running"));
    assert_eq!(learner.run(&["step", "1", "--from", &file]).code, 0);
    assert_eq!(learner.run(&["progress", "-o", "json"]).json()["steps"], serde_json::json!({}));
    let help = learner.run(&["step", "--help"]).stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("never recorded") && help.contains("not recorded as your progress"), "{help}");
}

#[test]
fn a_broken_book_toml_is_one_line() {
    let learner = Learner::new(None);
    std::fs::create_dir_all(learner.path("book/src")).unwrap();
    learner.write("book/book.toml", "[book\ntitle = 1\n");
    let book = learner.path("book");
    learner
        .run(&["serve", "--port", "0", "--book", book.to_str().unwrap()])
        .fails(2, "reading book.toml: Invalid configuration file: TOML parse error at line 1");
}
