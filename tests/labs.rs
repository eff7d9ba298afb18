//! Several labs in one book and one binary, end to end: `checker labs`, `--lab` and
//! `CHECKER_LAB`, the lab checked last as the default, the checkout's files winning over the
//! built-in ones, the lab named in every JSON output, the progress file of an older checker, and
//! `checker lint` on the book's labs and on a lab broken in each way it knows.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use testkit::FakeApiServer;

#[path = "support/run.rs"]
mod run;
use run::Run;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A learner's machine: a kubeconfig for the server (context `fake`), a state directory, and
/// the directory the checker runs in.
struct Learner {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    cwd: PathBuf,
}

impl Learner {
    /// Running outside any checkout: the built-in labs.
    fn new(server: &FakeApiServer) -> Learner {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = server.write_kubeconfig(dir.path());
        let cwd = dir.path().join("home");
        std::fs::create_dir(&cwd).unwrap();
        Learner { dir, kubeconfig, cwd }
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_checker"))
            .args(args)
            .current_dir(&self.cwd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("KUBECONFIG", &self.kubeconfig)
            .env("CHECKER_STATE_DIR", self.state())
            .env("LANG", "en_US.UTF-8")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        Run {
            code: output.status.code().expect("exited"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }
}

/// A checkout of a book of two labs: experiment 1.2 (its title edited, to tell the local file
/// from the built-in one) and the objects test lab.
fn two_lab_checkout(root: &Path) {
    let copy = |from: &str, to: &str| {
        let target = root.join(to);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(repo().join(from), target).unwrap();
    };
    std::fs::create_dir_all(root.join("labs")).unwrap();
    std::fs::write(root.join("book.toml"), "[book]\ntitle = \"Two labs\"\n").unwrap();
    std::fs::write(root.join("labs/labs.yaml"), "version: 1\nlabs: [init-container, objects]\n").unwrap();
    copy("labs/init-container/lab.yaml", "labs/init-container/lab.yaml");
    copy("tests/fixtures/labs/objects/lab.yaml", "labs/objects/lab.yaml");
    let spec = root.join("labs/init-container/lab.yaml");
    let text = std::fs::read_to_string(&spec).unwrap().replacen(
        "en: Init containers",
        "en: Init containers (local)",
        1,
    );
    std::fs::write(spec, text).unwrap();
}

fn server() -> FakeApiServer {
    let server = FakeApiServer::start();
    server.add_namespace("experiments");
    server.put_pod_fixture("init-demo-running");
    server
}

#[test]
fn outside_a_checkout_the_built_in_labs_are_listed() {
    let server = server();
    let learner = Learner::new(&server);
    let run = learner.run(&["labs", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["lab"], "init-container");
    assert_eq!(json["source"], "embedded");
    assert_eq!(json["context"], "fake");
    assert_eq!(json["labs"][0]["lab"], "init-container");
    assert_eq!(json["labs"][0]["title"], "Init containers");
    assert_eq!(
        (json["labs"][0]["passed"].as_u64(), json["labs"][0]["current"].as_bool()),
        (Some(0), Some(true))
    );

    let run = learner.run(&["labs"]);
    let line = run.stdout.lines().find(|l| l.contains("init-container")).unwrap();
    assert!(line.starts_with('*') && line.contains("0/8"), "{}", run.stdout);
    assert!(run.stdout.starts_with("CURRENT"), "{}", run.stdout);
}

#[test]
fn in_a_checkout_its_labs_win_and_the_lab_checked_last_is_the_default() {
    let server = server();
    let mut learner = Learner::new(&server);
    learner.cwd = learner.dir.path().join("book");
    two_lab_checkout(&learner.cwd);

    let labs = learner.run(&["labs", "-o", "json"]).json();
    let ids: Vec<&str> =
        labs["labs"].as_array().unwrap().iter().map(|l| l["lab"].as_str().unwrap()).collect();
    assert_eq!(ids, ["init-container", "objects"]);
    assert_eq!(labs["labs"][0]["title"], "Init containers (local)", "the checkout's file wins");
    assert_eq!(labs["labs"][1]["namespace"], "objects-lab");
    assert_eq!(labs["source"], learner.cwd.display().to_string());

    // The book's first lab until another is checked.
    let list = learner.run(&["list", "-o", "json"]).json();
    assert_eq!(
        (list["lab"].as_str(), list["steps"][0]["id"].as_str()),
        (Some("init-container"), Some("deploy"))
    );
    let step = learner.run(&["step", "1", "-o", "json"]);
    assert_eq!((step.code, step.json()["lab"].as_str()), (0, Some("init-container")), "{}", step.stderr);

    // Checking the other lab makes it the default of the next commands.
    let other = learner.run(&["--lab", "objects", "step", "1", "-o", "json"]);
    assert_eq!(other.json()["lab"], "objects", "{}", other.stderr);
    assert_eq!(learner.run(&["list", "-o", "json"]).json()["lab"], "objects");
    let status = learner.run(&["status", "-o", "json"]).json();
    assert_eq!(
        (status["lab"].as_str(), status["namespace"].as_str()),
        (Some("objects"), Some("objects-lab"))
    );
    let progress = learner.run(&["progress", "-o", "json"]).json();
    assert_eq!(
        (progress["lab"].as_str(), progress["namespace"].as_str()),
        (Some("objects"), Some("objects-lab"))
    );
    let text = learner.run(&["labs"]).stdout;
    let current: Vec<&str> = text.lines().filter(|l| l.starts_with('*')).collect();
    assert_eq!(current.len(), 1, "{text}");
    assert!(current[0].contains("objects"), "{text}");
    let first = text.lines().find(|l| l.contains("init-container")).unwrap();
    assert!(first.contains("1/8"), "step 1 passed on the deployed pod: {text}");

    // CHECKER_LAB and --lab pick a lab; an unknown one is a usage error naming the labs.
    let run = learner.run_env(&["list", "-o", "json"], &[("CHECKER_LAB", "init-container")]);
    assert_eq!(run.json()["lab"], "init-container");
    let run = learner.run(&["--lab", "nope", "list"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        "error: unknown lab nope: the book's labs are init-container, objects (see `checker labs`)"
    );
    let run = learner.run_env(&["--lang", "zh", "--lab", "nope", "list"], &[]);
    assert!(run.stderr.contains("没有实验 nope"), "{}", run.stderr);
}

#[test]
fn a_broken_local_lab_is_a_one_line_error() {
    let server = server();
    let mut learner = Learner::new(&server);
    learner.cwd = learner.dir.path().join("book");
    two_lab_checkout(&learner.cwd);
    std::fs::write(learner.cwd.join("labs/objects/lab.yaml"), "version: 1\nid: objects\nbogus: [\n").unwrap();
    let run = learner.run(&["list"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("error: malformed lab spec labs/objects/lab.yaml:"), "{}", run.stderr);
}

/// The progress file of checker 0.1 (format version 1), with results in two namespaces.
const VERSION_1: &str = r#"{
  "version": 1,
  "labs": {
    "init-container/fake/experiments": {
      "2": { "verdict": "pass", "at": "2026-11-20T10:03:00Z" },
      "3": { "verdict": "fail", "at": "2026-11-20T10:09:00Z" }
    },
    "init-container/fake/other": {
      "1": { "verdict": "pending", "at": "2026-11-20T10:05:00Z" }
    }
  }
}"#;

#[test]
fn an_older_progress_file_migrates_without_loss() {
    let server = server();
    let learner = Learner::new(&server);
    std::fs::create_dir_all(learner.state()).unwrap();
    let file = learner.state().join("progress.json");
    std::fs::write(&file, VERSION_1).unwrap();

    let progress = learner.run(&["progress", "-o", "json"]);
    assert!(progress.stderr.is_empty(), "no warning: {}", progress.stderr);
    let json = progress.json();
    assert_eq!(json["steps"]["2"]["verdict"], "pass");
    assert_eq!(json["steps"]["3"]["verdict"], "fail");

    assert_eq!(learner.run(&["step", "1"]).code, 0);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written["version"], 3);
    assert_eq!(written["last_lab"], "init-container");
    let old: Value = serde_json::from_str(VERSION_1).unwrap();
    let mut kept = old["labs"]["init-container/fake/experiments"].clone();
    kept["1"] = written["labs"]["init-container/fake/experiments"]["1"].clone();
    assert_eq!(kept["1"]["verdict"], "pass");
    // Format 1 knew only the latest result: a latest pass is also the last pass.
    kept["2"]["passed_at"] = kept["2"]["at"].clone();
    assert_eq!(written["labs"]["init-container/fake/experiments"], kept, "the old results are all kept");
    assert_eq!(written["labs"]["init-container/fake/other"], old["labs"]["init-container/fake/other"]);
    assert!(
        std::fs::read_dir(learner.state()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("corrupt"))
    );
}

fn lint(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_checker"))
        .arg("lint")
        .args(args)
        .current_dir(repo())
        .env("LANG", "en_US.UTF-8")
        .env_remove("CHECKER_LAB")
        .output()
        .unwrap();
    Run {
        code: output.status.code().expect("exited"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn lint_passes_on_the_books_labs() {
    let run = lint(&[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("ok: "), "{}", run.stdout);
    let json = lint(&["--all", "-o", "json"]).json();
    assert_eq!(json["ok"], true);
    assert!(json["labs"].as_array().unwrap().contains(&"init-container".into()));
    let run = lint(&["--lab", "init-container"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("(init-container)"), "{}", run.stdout);
    assert_eq!(lint(&["tests/fixtures/labs/objects/lab.yaml"]).code, 0);
    assert_eq!(lint(&["tests/fixtures/labs/lint-ok"]).code, 0);
}

#[test]
fn lint_fails_with_one_line_on_a_lab_broken_in_each_way() {
    for (fixture, line) in [
        ("broken-schema", "labs/demo/lab.yaml:24: schema: steps[0]: unknown field `manifests`"),
        ("broken-text", "labs/demo/lab.yaml: text: goal `order`: the Chinese (zh) has no Chinese in it"),
        ("broken-text-empty", "labs/demo/lab.yaml: text: step 2 pending_hint: the English (en) is empty"),
        (
            "broken-manifest-missing",
            "labs/demo/lab.yaml: manifest: step 1's manifest manifests/demo-pod.yaml: does not exist",
        ),
        (
            "broken-manifest-parse",
            "labs/demo/lab.yaml: manifest: step 1's manifest manifests/demo.yaml: document 2 has no kind",
        ),
        (
            "broken-created",
            "labs/demo/lab.yaml: created: step 1, expectation `said-hello`: Pod demo-0 is created by no manifest",
        ),
        ("broken-box-missing", "labs/demo/lab.yaml: box: step 2 (cleanup) has no verify box"),
        (
            "broken-box-twice",
            "labs/demo/lab.yaml: box: step 1 (deploy) is boxed 2 times, at src/demo.md:5, src/demo.md:9",
        ),
        (
            "broken-image",
            "manifests/demo.yaml: image: Pod demo, container app: image busybox:latest is not pinned",
        ),
        ("broken-rbac", "manifests/checker-rbac.yaml: rbac: does not grant `get pods/log`"),
    ] {
        let path = format!("tests/fixtures/labs/{fixture}");
        let run = lint(&[&path]);
        assert_eq!(run.code, 2, "{fixture}: {}", run.stdout);
        assert_eq!(run.stdout.lines().count(), 1, "{fixture}: {}", run.stdout);
        assert!(run.stdout.starts_with(line), "{fixture}:\n{}\nwanted: {line}", run.stdout);
        assert_eq!(run.stderr, "lint: 1 problem\n", "{fixture}");
        let json = lint(&[&path, "-o", "json"]).json();
        assert_eq!(json["ok"], false);
        let rule = line.split(": ").nth(1).unwrap();
        assert_eq!(json["problems"][0]["rule"], rule, "{fixture}: {json}");
        if fixture != "broken-schema" {
            assert_eq!(json["problems"][0]["lab"], "demo", "{fixture}: {json}");
        }
    }
}
