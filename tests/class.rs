//! `checker class` end to end against the fake API server: the manifests a teacher applies, and
//! the class status from a few LISTs, whose verdicts are those of each learner's own
//! `checker -n NS step N`.

use std::path::Path;

use serde_json::{Value, json};
use testkit::{FakeApiServer, pod_fixture};

#[path = "support/run.rs"]
mod run;

#[path = "support/learner.rs"]
mod learner;
/// The teacher's machine: a kubeconfig that may read the whole class.
use learner::Learner as Teacher;

fn learner_namespace(server: &FakeApiServer, name: &str) {
    server.put_object(json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"lab-checker/class": "k8s"}},
    }));
}

fn pod_in(server: &FakeApiServer, fixture: &str, namespace: &str) {
    let mut pod = pod_fixture(fixture);
    pod["metadata"]["namespace"] = json!(namespace);
    server.put_pod(pod);
}

/// Alice is through step 2, Bob's init container is crash-looping (step 3 passes, step 1 does
/// not), Carol has not started; `experiments` is not the class's.
fn class_server() -> FakeApiServer {
    let server = FakeApiServer::start();
    for ns in ["lab-alice", "lab-bob", "lab-carol"] {
        learner_namespace(&server, ns);
    }
    server.add_namespace("experiments");
    pod_in(&server, "init-demo-running", "lab-alice");
    server.set_log("lab-alice", "init-demo", "init-1", false, "Init 1: Checking database...\n");
    server.set_log("lab-alice", "init-demo", "init-2", false, "Init 2: Loading config...\n");
    server.set_log("lab-alice", "init-demo", "app", false, "Configuration complete; ready for start up\n");
    pod_in(&server, "init-demo-fail-crashloop", "lab-bob");
    server.set_log("lab-bob", "init-demo-fail", "init-1", false, "Init 1: Failed!\n");
    server.set_log("lab-bob", "init-demo-fail", "init-1", true, "Init 1: Failed!\n");
    pod_in(&server, "init-demo-running", "experiments");
    server
}

fn verdicts(learner: &Value) -> Vec<String> {
    learner["steps"].as_array().unwrap().iter().map(|s| s["verdict"].as_str().unwrap().to_string()).collect()
}

#[test]
fn every_learner_in_every_state_with_the_verdicts_of_their_own_checks() {
    let server = class_server();
    let teacher = Teacher::new(&server);
    server.clear_requests();
    let run = teacher.run(&["class", "status", "-o", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let learners = json["learners"].as_array().unwrap();
    let names: Vec<&str> = learners.iter().map(|l| l["namespace"].as_str().unwrap()).collect();
    assert_eq!(names, ["lab-alice", "lab-bob", "lab-carol"], "experiments is not in the class");

    // The requests: only GETs, one LIST per kind, and logs only of the pods that exist.
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    let lists: Vec<&str> = requests
        .iter()
        .filter(|r| {
            r.path.ends_with("/pods") || r.path.ends_with("/events") || r.path.ends_with("/namespaces")
        })
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(lists, ["/api/v1/namespaces", "/api/v1/pods", "/api/v1/events"]);
    let logs: Vec<String> = requests
        .iter()
        .filter(|r| r.path.ends_with("/log"))
        .map(|r| format!("{}?{}", r.path, r.query))
        .collect();
    assert!(logs.iter().all(|l| !l.contains("lab-carol") && !l.contains("experiments")), "{logs:?}");
    assert!(logs.iter().any(|l| l.contains("lab-bob") && l.contains("previous=true")), "{logs:?}");
    let other: Vec<&str> = requests
        .iter()
        .filter(|r| !r.path.ends_with("/log") && !lists.contains(&r.path.as_str()))
        .map(|r| r.path.as_str())
        .collect();
    // Besides: the version, and the one LIST across namespaces of the other kind the lab selects
    // (step 8's Service) after the discovery of its group; its Pods and Events come from the
    // LISTs above.
    let mut other = other;
    other.sort();
    assert_eq!(other, ["/api/v1", "/api/v1/services", "/version"], "nothing per learner but logs");

    // Each learner's verdicts are those of their own `checker -n NS step N`.
    for learner in learners {
        let ns = learner["namespace"].as_str().unwrap();
        // In the board's order, the book's (the cleanup, step 6, last).
        let own: Vec<String> = learner["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|step| {
                let n = step["step"].as_u64().unwrap();
                let run = teacher.run(&["-n", ns, "step", &n.to_string(), "-o", "json"]);
                let json: Value =
                    serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{}", run.stderr));
                json["verdict"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(verdicts(learner), own, "{ns}");
    }
    let alice = verdicts(&learners[0]);
    assert_eq!(alice[..2], ["pass", "pass"]);
    let bob = verdicts(&learners[1]);
    assert_eq!(
        (bob[0].as_str(), bob[2].as_str()),
        ("fail", "pass"),
        "step 3 asks for the failing init container"
    );
    assert_eq!(verdicts(&learners[2])[0], "fail", "no pods: create them");
    assert!(learners[2]["lastActivity"].is_null() && learners[0]["lastActivity"].is_string());
}

#[test]
fn csv_text_and_the_prefix() {
    let server = class_server();
    let teacher = Teacher::new(&server);
    let run = teacher.run(&["class", "status", "--prefix", "lab-", "-o", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(lines[0].starts_with("namespace,step1_deploy,") && lines[0].ends_with(",passed,last_activity"));
    assert!(lines[3].starts_with("lab-carol,fail,"), "{}", lines[3]);
    let run = teacher.run(&["--lang", "zh", "class", "status", "--selector", "lab-checker/class=k8s"]);
    assert!(run.stdout.contains("命名空间") && run.stdout.contains("lab-bob"), "{}", run.stdout);
    let run = teacher.run(&["class", "status", "--selector", "lab-checker/class=other"]);
    assert!(run.stdout.contains("No namespaces of the class found"), "{}", run.stdout);
    let run = teacher.run(&["class", "status", "--prefix", "Lab_"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn a_learners_kubeconfig_is_told_the_class_view_is_the_teachers() {
    let server = class_server();
    server.forbid("", "pods");
    let teacher = Teacher::new(&server);
    for (lang, words) in [("en", "class view needs the teacher's"), ("zh", "班级视图需要教师的只读权限")]
    {
        let run = teacher.run(&["--lang", lang, "class", "status"]);
        assert_eq!(run.code, 3, "{}", run.stderr);
        assert!(run.stderr.contains(words) && run.stderr.lines().count() == 1, "{}", run.stderr);
    }
}

#[test]
fn manifests_are_printed_and_a_bad_class_file_refused() {
    let server = FakeApiServer::start();
    let teacher = Teacher::new(&server);
    let file = teacher.dir.path().join("class.yaml");
    std::fs::write(
        &file,
        "version: 1\nclass: k8s\nteacher: {group: teachers}\nlearners:\n  - {name: alice, user: alice}\n",
    )
    .unwrap();
    let run = teacher.run(&["class", "manifests", "--learners", path(&file)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("kind: ClusterRoleBinding") && run.stdout.contains("name: lab-alice"));
    assert!(server.requests().is_empty(), "manifests are printed, never sent");
    std::fs::write(&file, "version: 1\nclass: k8s\n").unwrap();
    let run = teacher.run(&["class", "manifests", "--learners", path(&file)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("error: bad class file") && run.stderr.lines().count() == 1,
        "{}",
        run.stderr
    );
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A running `checker class status --watch`, its output read line by line on a thread.
struct Watching {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Watching {
    fn start(teacher: &Teacher, args: &[&str]) -> Watching {
        let mut child = teacher
            .command(&[&["class", "status", "--watch", "5m"], args].concat())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Watching { child, lines }
    }

    /// The next line printed, within 20 s.
    fn line(&self) -> String {
        self.lines.recv_timeout(std::time::Duration::from_secs(20)).expect("a line within 20 s")
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.line()).unwrap()
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_prints_the_board_then_only_what_changes_from_one_watch_per_kind() {
    let server = class_server();
    let teacher = Teacher::new(&server);
    let watching = Watching::start(&teacher, &["-o", "json"]);
    let board = watching.json();
    let learners = board["learners"].as_array().unwrap();
    assert_eq!(learners.len(), 3, "{board}");
    assert_eq!(verdicts(&learners[2])[0], "fail", "carol has no pod: {board}");

    // Carol deploys: only her row comes, with step 1 passed.
    pod_in(&server, "init-demo-running", "lab-carol");
    let change = watching.json();
    let changed = change["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{change}");
    assert_eq!(changed[0]["namespace"], "lab-carol");
    assert_eq!(verdicts(&changed[0])[0], "pass", "{change}");

    // A learner who joins, and one who leaves.
    learner_namespace(&server, "lab-dave");
    let joined = watching.json();
    assert_eq!(joined["changed"][0]["namespace"], "lab-dave", "{joined}");
    // Deleting a namespace deletes its pods first: Bob's row may change before he leaves.
    server.remove_namespace("lab-bob");
    let mut left = watching.json();
    if left["left"] == json!([]) {
        assert_eq!(left["changed"][0]["namespace"], "lab-bob", "{left}");
        left = watching.json();
    }
    assert_eq!(left["left"], json!(["lab-bob"]), "{left}");

    // The class was read with one LIST and one WATCH per kind, and nothing but GETs.
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    for collection in ["/api/v1/namespaces", "/api/v1/pods", "/api/v1/events"] {
        let of = |watch: bool| {
            requests
                .iter()
                .filter(|r| r.path == collection && r.query.contains("watch=true") == watch)
                .count()
        };
        assert_eq!((of(false), of(true)), (1, 1), "LISTs and WATCHes of {collection}: {requests:?}");
    }
    let per_namespace = requests.iter().filter(|r| r.path.starts_with("/api/v1/namespaces/lab-")).count();
    assert!(per_namespace <= 8, "only logs of the pods that changed: {per_namespace} requests");
}

#[test]
fn watch_as_text_reprints_only_the_learners_who_changed() {
    let server = class_server();
    let teacher = Teacher::new(&server);
    let watching = Watching::start(&teacher, &[]);
    let mut first = Vec::new();
    while !first.last().is_some_and(|l: &String| l.starts_with("Steps: ")) {
        first.push(watching.line());
    }
    assert!(first.iter().any(|l| l.starts_with("lab-alice ")), "{first:#?}");
    pod_in(&server, "init-demo-running", "lab-carol");
    let mut block = Vec::new();
    while block.len() < 4 {
        block.push(watching.line());
    }
    assert!(block[1].ends_with("1 learner(s) changed"), "{block:#?}");
    assert!(block[2].starts_with("NAMESPACE"), "{block:#?}");
    assert!(block[3].starts_with("lab-carol ") && block[3].contains("✔"), "{block:#?}");
}

#[test]
fn a_learners_kubeconfig_cannot_watch_the_class() {
    let server = class_server();
    server.forbid("", "pods");
    let teacher = Teacher::new(&server);
    let run = teacher.run(&["class", "status", "--watch", "1m"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("does not allow listing pods across namespaces"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
}

/// The board a `--watch -o json` has printed so far: its first line with every later change
/// applied, learners by namespace.
fn board_of(lines: &[Value]) -> std::collections::BTreeMap<String, Value> {
    let mut board: std::collections::BTreeMap<String, Value> = lines[0]["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["namespace"].as_str().unwrap().to_string(), l.clone()))
        .collect();
    for change in &lines[1..] {
        for row in change["changed"].as_array().unwrap() {
            board.insert(row["namespace"].as_str().unwrap().to_string(), row.clone());
        }
        for gone in change["left"].as_array().unwrap() {
            board.remove(gone.as_str().unwrap());
        }
    }
    board
}

/// What `checker class status -o json` prints now, learners by namespace.
fn status_board(teacher: &Teacher) -> std::collections::BTreeMap<String, Value> {
    let run = teacher.run(&["class", "status", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let board: Value = serde_json::from_str(&run.stdout).unwrap();
    board["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["namespace"].as_str().unwrap().to_string(), l.clone()))
        .collect()
}

/// Reads the watch's lines until its board is `expected` (the logs of a changed pod are read
/// after the pod's own change is shown).
fn watch_until(
    watching: &Watching,
    lines: &mut Vec<Value>,
    expected: &std::collections::BTreeMap<String, Value>,
) {
    while board_of(lines) != *expected {
        lines.push(watching.json());
    }
}

#[test]
fn the_live_board_is_the_one_class_status_prints_after_every_change() {
    let server = class_server();
    let teacher = Teacher::new(&server);
    let watching = Watching::start(&teacher, &["-o", "json"]);
    let mut lines = vec![watching.json()];
    assert_eq!(board_of(&lines), status_board(&teacher));

    // Carol deploys and her init containers log (step 2 reads the logs); Bob fixes his pod;
    // Alice's namespace loses the class label.
    server.set_log("lab-carol", "init-demo", "init-1", false, "Init 1: Checking database...\n");
    server.set_log("lab-carol", "init-demo", "init-2", false, "Init 2: Loading config...\n");
    server.set_log("lab-carol", "init-demo", "app", false, "Configuration complete; ready for start up\n");
    pod_in(&server, "init-demo-running", "lab-carol");
    pod_in(&server, "init-demo-fail-never", "lab-bob");
    server.put_object(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab-alice"}}));
    let expected = status_board(&teacher);
    assert!(!expected.contains_key("lab-alice"), "{expected:?}");
    assert_eq!(verdicts(&expected["lab-carol"])[1], "pass", "step 2 from the logs: {expected:?}");
    watch_until(&watching, &mut lines, &expected);
}

#[test]
fn events_that_may_not_be_read_give_the_board_class_status_gives() {
    let server = class_server();
    server.forbid("", "events");
    let teacher = Teacher::new(&server);
    let watching = Watching::start(&teacher, &["-o", "json"]);
    let lines = vec![watching.json()];
    let events = server.requests().iter().filter(|r| r.path == "/api/v1/events").count();
    assert_eq!(events, 1, "the watch's LIST was refused: that watch stops");
    assert_eq!(board_of(&lines), status_board(&teacher));
}

#[test]
fn a_role_that_may_list_but_not_watch_is_told_the_verb() {
    let server = class_server();
    server.forbid_verb("", "pods", "watch");
    let teacher = Teacher::new(&server);
    let run = teacher.run(&["class", "status", "--watch", "1m"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("allows listing pods across namespaces but not watching them"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    // Without --watch, listing is enough.
    assert_eq!(teacher.run(&["class", "status"]).code, 0);
}

#[test]
fn the_api_server_vanishing_ends_the_watch_with_exit_3_after_the_reconnect_budget() {
    let server = class_server();
    let teacher = Teacher::new(&server);
    let mut child = teacher
        .command(&["class", "status", "--watch", "5m", "-o", "json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while server.requests().iter().filter(|r| r.is_watch()).count() < 3 {
        assert!(std::time::Instant::now() < deadline, "the checker never started its watches");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    server.stop();
    let stopped = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if stopped.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("still following a minute after the API server went away");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let took = stopped.elapsed();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(took >= std::time::Duration::from_secs(30), "{took:?}");
    assert!(stderr.trim().starts_with("error: lost "), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
