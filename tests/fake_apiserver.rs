//! The fake API server's own tests, which double as its specification: the real `kubectl`
//! (and, for watches and refused methods, a raw HTTP/1.1 client) against `testkit::FakeApiServer`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::{FakeApiServer, Mode, TOKEN, fixtures_dir, kubectl, kubectl_at, pod_fixture};

// ---------------------------------------------------------------------------------------------
// Pods of our own (the shared fixtures in tests/fixtures/pods are tested separately below).

fn base_pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "init-demo",
            "namespace": "experiments",
            "labels": {"app.kubernetes.io/part-of": "init-container-lab"},
        },
        "spec": {
            "nodeName": "kind-control-plane",
            "restartPolicy": "Always",
            "initContainers": [
                {"name": "init-1", "image": "busybox:1.36.1", "command": ["sh", "-c", "echo 'Init 1: Checking database...' && sleep 5"]},
                {"name": "init-2", "image": "busybox:1.36.1", "command": ["sh", "-c", "echo 'Init 2: Loading config...' && sleep 3"]},
            ],
            "containers": [
                {"name": "app", "image": "nginx:1.27.3", "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            ],
        },
    })
}

fn completed(exit_code: i64) -> Value {
    json!({"terminated": {"exitCode": exit_code, "reason": if exit_code == 0 { "Completed" } else { "Error" },
        "startedAt": "2024-05-01T10:00:01Z", "finishedAt": "2024-05-01T10:00:06Z"}})
}

/// `init-1` done, `init-2` running: `kubectl get pods` shows `Init:1/2`.
fn pod_init_1_of_2() -> Value {
    let mut pod = base_pod();
    pod["status"] = json!({
        "phase": "Pending",
        "podIP": "10.244.0.12",
        "podIPs": [{"ip": "10.244.0.12"}],
        "conditions": [
            {"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized"},
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
            {"type": "PodScheduled", "status": "True"},
        ],
        "initContainerStatuses": [
            {"name": "init-1", "ready": true, "restartCount": 0, "image": "busybox:1.36.1", "state": completed(0)},
            {"name": "init-2", "ready": false, "restartCount": 0, "image": "busybox:1.36.1",
             "state": {"running": {"startedAt": "2024-05-01T10:00:07Z"}}},
        ],
        "containerStatuses": [
            {"name": "app", "ready": false, "restartCount": 0, "image": "nginx:1.27.3",
             "state": {"waiting": {"reason": "PodInitializing"}}},
        ],
    });
    pod
}

/// Both init containers done, `app` running and ready.
fn pod_running() -> Value {
    let mut pod = base_pod();
    pod["status"] = json!({
        "phase": "Running",
        "podIP": "10.244.0.12",
        "podIPs": [{"ip": "10.244.0.12"}],
        "conditions": [
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": "True"},
            {"type": "ContainersReady", "status": "True"},
            {"type": "PodScheduled", "status": "True"},
        ],
        "initContainerStatuses": [
            {"name": "init-1", "ready": true, "restartCount": 0, "state": completed(0)},
            {"name": "init-2", "ready": true, "restartCount": 0, "state": completed(0)},
        ],
        "containerStatuses": [
            {"name": "app", "ready": true, "started": true, "restartCount": 0,
             "state": {"running": {"startedAt": "2024-05-01T10:00:11Z"}}},
        ],
    });
    pod
}

// ---------------------------------------------------------------------------------------------
// Helpers.

struct Setup {
    server: FakeApiServer,
    kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

fn setup(server: FakeApiServer) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path());
    Setup { server, kubeconfig, _dir: dir }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "kubectl failed ({}): {}{}",
        output.status,
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

#[track_caller]
fn fails_with(output: Output, expected: &str) {
    assert!(!output.status.success(), "kubectl succeeded: {}", stdout(&output));
    assert!(
        stderr(&output).contains(expected),
        "expected {expected:?} in kubectl's stderr:\n{}",
        stderr(&output)
    );
}

/// The whitespace-separated cells of each line of kubectl's table output.
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines().map(|l| l.split_whitespace().map(str::to_owned).collect()).collect()
}

/// The value of a top-level `Key:   value` line of `kubectl describe`.
fn described<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix(':')).map(str::trim)
}

/// A minimal HTTP/1.1 client over a TcpStream: a request, then the status, headers and a body
/// that can be read chunk by chunk.
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    reader: BufReader<TcpStream>,
}

fn raw_request(address: SocketAddr, method: &str, target: &str) -> RawResponse {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\nAccept: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status = status_line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.to_lowercase(), value.trim().to_owned()));
    }
    RawResponse { status, headers, reader }
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The next chunk of a chunked body: `Ok(None)` at the final chunk, `Err` when the
    /// connection ends (or times out) before it.
    fn chunk(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut size_line = String::new();
        if self.reader.read_line(&mut size_line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let size = usize::from_str_radix(size_line.trim(), 16)
            .map_err(|_| std::io::Error::other(format!("bad chunk size {size_line:?}")))?;
        let mut data = vec![0; size + 2];
        self.reader.read_exact(&mut data)?;
        data.truncate(size);
        Ok((size > 0).then_some(data))
    }

    /// The next watch event (one JSON line; the server sends one event per chunk).
    fn event(&mut self) -> std::io::Result<Option<Value>> {
        Ok(self.chunk()?.map(|data| serde_json::from_slice(&data).expect("a watch event is JSON")))
    }

    /// The whole body (chunked or with a length) as JSON.
    fn json(mut self) -> Value {
        let mut body = Vec::new();
        if self.header("transfer-encoding") == Some("chunked") {
            while let Some(chunk) = self.chunk().unwrap() {
                body.extend(chunk);
            }
        } else {
            let length: usize = self.header("content-length").unwrap().parse().unwrap();
            body.resize(length, 0);
            self.reader.read_exact(&mut body).unwrap();
        }
        serde_json::from_slice(&body).unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// kubectl against the fake server.

#[test]
fn kubectl_gets_the_pod_as_json() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod(pod_running());
    let out = ok(kubectl(&s.kubeconfig, &["get", "pod", "init-demo", "-n", "experiments", "-o", "json"]));
    let pod: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(pod["kind"], "Pod");
    assert_eq!(pod["apiVersion"], "v1");
    assert_eq!(pod["metadata"]["name"], "init-demo");
    assert_eq!(pod["metadata"]["namespace"], "experiments");
    assert!(pod["metadata"]["uid"].as_str().is_some_and(|u| u.len() == 36));
    assert!(pod["metadata"]["resourceVersion"].as_str().is_some());
    assert!(pod["metadata"]["creationTimestamp"].as_str().is_some());
    assert_eq!(pod["status"]["phase"], "Running");
    assert_eq!(pod["spec"]["initContainers"][1]["name"], "init-2");

    // The context's namespace (experiments) is the default one.
    let out = ok(kubectl(
        &s.kubeconfig,
        &[
            "get",
            "pod",
            "init-demo",
            "-o",
            "jsonpath={.status.initContainerStatuses[0].state.terminated.exitCode}",
        ],
    ));
    assert_eq!(out, "0");
}

#[test]
fn kubectl_lists_pods_with_the_right_columns() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod(pod_init_1_of_2());
    let out = ok(kubectl(&s.kubeconfig, &["get", "pods", "-n", "experiments"]));
    let table = rows(&out);
    assert_eq!(table[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], "{out}");
    assert_eq!(table[1][..4], ["init-demo", "0/1", "Init:1/2", "0"], "{out}");
    assert!(table[1][4].ends_with('s'), "AGE of a new pod: {out}");
    assert_eq!(table.len(), 2, "{out}");

    let out = ok(kubectl(&s.kubeconfig, &["get", "pods", "-o", "wide"]));
    let table = rows(&out);
    assert_eq!(
        table[0],
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED",
            "NODE",
            "READINESS",
            "GATES"
        ],
        "{out}"
    );
    assert_eq!(table[1][5..], ["10.244.0.12", "kind-control-plane", "<none>", "<none>"], "{out}");

    s.server.put_pod(pod_running());
    let out = ok(kubectl(&s.kubeconfig, &["get", "pods", "--all-namespaces"]));
    let table = rows(&out);
    assert_eq!(table[0][..2], ["NAMESPACE", "NAME"], "{out}");
    assert_eq!(table[1][..4], ["experiments", "init-demo", "1/1", "Running"], "{out}");

    // A crash-looping init container.
    let mut crashing = base_pod();
    crashing["metadata"]["name"] = "init-demo-fail".into();
    crashing["status"] = json!({
        "phase": "Pending",
        "initContainerStatuses": [
            {"name": "init-1", "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": completed(1)},
            {"name": "init-2", "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}},
        ],
    });
    s.server.put_pod(crashing);
    let out =
        ok(kubectl(&s.kubeconfig, &["get", "pods", "-l", "app.kubernetes.io/part-of=init-container-lab"]));
    let table = rows(&out);
    assert_eq!(table.len(), 3, "{out}");
    assert_eq!(table[2][..4], ["init-demo-fail", "0/1", "Init:CrashLoopBackOff", "4"], "{out}");
    assert!(table[2][4].starts_with('(') && table[2][5] == "ago)", "{out}");

    let out = ok(kubectl(
        &s.kubeconfig,
        &["get", "pods", "--field-selector", "metadata.name=init-demo", "-o", "name"],
    ));
    assert_eq!(out, "pod/init-demo\n");
    let out = ok(kubectl(&s.kubeconfig, &["get", "pods", "-l", "app=other"]));
    assert_eq!(out, "");
}

#[test]
fn kubectl_logs_returns_the_set_text() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod(pod_running());
    s.server.set_log("experiments", "init-demo", "init-1", false, "Init 1: Checking database...\n");
    s.server.set_log("experiments", "init-demo", "app", false, "line 1\nline 2\nline 3\n");
    let out = ok(kubectl(&s.kubeconfig, &["logs", "init-demo", "-c", "init-1", "-n", "experiments"]));
    assert_eq!(out, "Init 1: Checking database...\n");
    // Without -c kubectl picks the first container (app) and says so.
    let out = ok(kubectl(&s.kubeconfig, &["logs", "init-demo", "--tail=2"]));
    assert_eq!(out, "line 2\nline 3\n");
    // init-2 ran, without a log set: empty.
    let out = ok(kubectl(&s.kubeconfig, &["logs", "init-demo", "-c", "init-2"]));
    assert_eq!(out, "");
    fails_with(
        kubectl(&s.kubeconfig, &["logs", "init-demo", "-c", "init-1", "--previous"]),
        "Error from server (BadRequest): previous terminated container \"init-1\" in pod \"init-demo\" not found",
    );
    // kubectl checks the container name itself, with the server's wording.
    fails_with(
        kubectl(&s.kubeconfig, &["logs", "init-demo", "-c", "nope"]),
        "container nope is not valid for pod init-demo",
    );
    let response = raw_request(
        s.server.address(),
        "GET",
        "/api/v1/namespaces/experiments/pods/init-demo/log?container=nope",
    );
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["message"], "container nope is not valid for pod init-demo");
    // Without a container, the server picks the pod's only (non-init) container.
    let mut response =
        raw_request(s.server.address(), "GET", "/api/v1/namespaces/experiments/pods/init-demo/log");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("text/plain"));
    let mut body = String::new();
    response.reader.read_to_string(&mut body).ok();
    assert!(body.starts_with("line 1\n"), "{body:?}");

    // Deleting the pod forgets its logs; a container that never started has none.
    assert!(s.server.delete_pod("experiments", "init-demo"));
    s.server.put_pod(pod_init_1_of_2());
    fails_with(
        kubectl(&s.kubeconfig, &["logs", "init-demo", "-c", "app"]),
        "Error from server (BadRequest): container \"app\" in pod \"init-demo\" is waiting to start: PodInitializing",
    );
    s.server.set_log("experiments", "init-demo", "init-1", true, "the run before\n");
    let out = ok(kubectl(&s.kubeconfig, &["logs", "init-demo", "-c", "init-1", "-p"]));
    assert_eq!(out, "the run before\n");

    fails_with(kubectl(&s.kubeconfig, &["logs", "missing", "-c", "app"]), "pods \"missing\" not found");
}

#[test]
fn a_missing_pod_is_kubectls_not_found() {
    let s = setup(FakeApiServer::start());
    s.server.add_namespace("experiments");
    let out = kubectl(&s.kubeconfig, &["get", "pod", "x", "-n", "experiments"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).trim(), "Error from server (NotFound): pods \"x\" not found");
    let out = ok(kubectl(&s.kubeconfig, &["get", "pods"]));
    assert_eq!(out, "");
    fails_with(
        kubectl(&s.kubeconfig, &["get", "namespace", "nope"]),
        "Error from server (NotFound): namespaces \"nope\" not found",
    );
    let out = ok(kubectl(&s.kubeconfig, &["get", "namespace", "experiments"]));
    assert_eq!(rows(&out)[1][..2], ["experiments", "Active"]);
    assert!(s.server.remove_namespace("experiments"));
    fails_with(kubectl(&s.kubeconfig, &["get", "ns", "experiments"]), "namespaces \"experiments\" not found");
}

#[test]
fn kubectl_trusts_the_generated_ca() {
    let s = setup(FakeApiServer::start_tls());
    assert!(s.server.url().starts_with("https://127.0.0.1:"));
    let config = std::fs::read_to_string(&s.kubeconfig).unwrap();
    assert!(config.contains("certificate-authority-data:"), "{config}");
    s.server.put_pod(pod_running());
    let out = ok(kubectl(&s.kubeconfig, &["get", "pod", "init-demo", "-o", "name"]));
    assert_eq!(out, "pod/init-demo\n");
    let out = ok(kubectl(&s.kubeconfig, &["version", "-o", "json"]));
    let version: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(version["serverVersion"]["gitVersion"], testkit::DEFAULT_SERVER_VERSION);

    // Another server's CA is not trusted: the chain is really verified.
    let other = FakeApiServer::start_tls();
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("kubeconfig");
    let yaml = other.kubeconfig_yaml().replace(&other.url(), &s.server.url());
    std::fs::write(&foreign, yaml).unwrap();
    fails_with(kubectl(&foreign, &["get", "pods"]), "certificate signed by unknown authority");
}

#[test]
fn kubectl_sends_the_bearer_token_over_tls_only() {
    let s = setup(FakeApiServer::start_tls());
    ok(kubectl(&s.kubeconfig, &["get", "pods"]));
    let requests = s.server.requests();
    assert!(requests.iter().any(|r| r.path == "/api/v1/namespaces/experiments/pods"));
    let expected = format!("Bearer {TOKEN}");
    assert!(requests.iter().all(|r| r.authorization() == Some(expected.as_str())), "{requests:#?}");
    assert!(requests.iter().all(|r| r.method == "GET"));
    s.server.clear_requests();
    assert!(s.server.requests().is_empty());

    // client-go sends credentials only over TLS: over plain HTTP kubectl sends no token.
    let s = setup(FakeApiServer::start());
    ok(kubectl(&s.kubeconfig, &["get", "pods"]));
    assert!(s.server.requests().iter().all(|r| r.authorization().is_none()));
}

#[test]
fn events_and_describe() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod(pod_init_1_of_2());
    s.server.add_event(json!({
        "involvedObject": {"kind": "Pod", "namespace": "experiments", "name": "init-demo", "fieldPath": "spec.initContainers{init-1}"},
        "reason": "Pulled",
        "message": "Container image \"busybox:1.36.1\" already present on machine",
        "type": "Normal",
        "source": {"component": "kubelet", "host": "kind-control-plane"},
    }));
    s.server.add_event(json!({
        "metadata": {"name": "other.1", "namespace": "experiments"},
        "involvedObject": {"kind": "Pod", "namespace": "experiments", "name": "other"},
        "reason": "BackOff", "message": "Back-off restarting failed container", "type": "Warning",
    }));
    let out = ok(kubectl(&s.kubeconfig, &["get", "events"]));
    let table = rows(&out);
    assert_eq!(table[0], ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], "{out}");
    assert!(out.contains("Normal    Pulled    pod/init-demo"), "{out}");
    assert_eq!(table.len(), 3);
    let out = ok(kubectl(
        &s.kubeconfig,
        &["get", "events", "--field-selector", "involvedObject.name=init-demo", "-o", "json"],
    ));
    let list: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["reason"], "Pulled");

    let out = ok(kubectl(&s.kubeconfig, &["describe", "pod", "init-demo"]));
    assert_eq!(described(&out, "Status"), Some("Pending"), "{out}");
    assert!(out.contains("Normal  Pulled"), "describe finds the pod's events: {out}");
    assert!(!out.contains("BackOff"), "{out}");
}

#[test]
fn the_pod_proxy() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod(pod_running());
    fails_with(
        kubectl(&s.kubeconfig, &["get", "--raw", "/api/v1/namespaces/experiments/pods/init-demo/proxy/"]),
        "Error from server (ServiceUnavailable): error trying to reach service: dial tcp 10.244.0.12:80: connect: connection refused",
    );
    s.server.set_proxy("experiments", "init-demo", 200, "<h1>Welcome to nginx!</h1>");
    let out = ok(kubectl(
        &s.kubeconfig,
        &["get", "--raw", "/api/v1/namespaces/experiments/pods/init-demo:80/proxy/index.html"],
    ));
    assert_eq!(out, "<h1>Welcome to nginx!</h1>");
    fails_with(
        kubectl(&s.kubeconfig, &["get", "--raw", "/api/v1/namespaces/experiments/pods/nope/proxy/"]),
        "Error from server (NotFound)",
    );

    // The pod's own error page is passed on as it is: kubectl shows the HTML.
    let nginx_403 = "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n";
    s.server.set_proxy("experiments", "init-demo", 403, nginx_403);
    let raw = ["get", "--raw", "/api/v1/namespaces/experiments/pods/init-demo/proxy/"];
    fails_with(kubectl(&s.kubeconfig, &raw), "<head><title>403 Forbidden</title></head>");
    // The authorizer's refusal is a Status: kubectl prints its message.
    s.server.forbid("", "pods/proxy");
    fails_with(
        kubectl(&s.kubeconfig, &raw),
        "Error from server (Forbidden): pods \"init-demo\" is forbidden: User \"learner\" cannot get resource \"pods/proxy\" in API group \"\" in the namespace \"experiments\"",
    );
}

#[test]
fn kubectl_get_watch_prints_changes() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod(pod_init_1_of_2());
    let out = std::thread::scope(|scope| {
        let watching = scope
            .spawn(|| kubectl(&s.kubeconfig, &["get", "pod", "init-demo", "-w", "--request-timeout=3s"]));
        s.server.wait_for_request(Duration::from_secs(10), |r| r.is_watch()).expect("kubectl watches");
        s.server.put_pod(pod_running());
        watching.join().unwrap()
    });
    let out = ok(out);
    let table = rows(&out);
    assert_eq!(table[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], "{out}");
    assert_eq!(table[1][..3], ["init-demo", "0/1", "Init:1/2"], "{out}");
    assert_eq!(table[2][..3], ["init-demo", "1/1", "Running"], "{out}");
}

#[test]
fn kubectl_logs_follow_gets_appended_text_until_the_container_stops() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod(pod_init_1_of_2());
    s.server.set_log("experiments", "init-demo", "init-2", false, "Init 2: Loading config...\n");
    let out = std::thread::scope(|scope| {
        let following = scope.spawn(|| kubectl(&s.kubeconfig, &["logs", "-f", "init-demo", "-c", "init-2"]));
        s.server
            .wait_for_request(Duration::from_secs(10), |r| r.query_param("follow").as_deref() == Some("true"))
            .expect("kubectl follows");
        s.server.set_log("experiments", "init-demo", "init-2", false, "Init 2: Loading config...\ndone\n");
        std::thread::sleep(Duration::from_millis(200));
        s.server.put_pod(pod_running());
        following.join().unwrap()
    });
    assert_eq!(ok(out), "Init 2: Loading config...\ndone\n");
}

// ---------------------------------------------------------------------------------------------
// Modes.

#[test]
fn hang_mode_makes_kubectl_time_out() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod(pod_running());
    s.server.set_mode(Mode::Hang);
    let started = Instant::now();
    let out = kubectl(&s.kubeconfig, &["get", "pod", "init-demo", "--request-timeout=1s"]);
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
    let err = stderr(&out);
    assert!(
        err.contains("Timeout") || err.contains("deadline exceeded") || err.contains("timed out"),
        "{err}"
    );
    // The server still answers discovery meanwhile, and stops promptly despite the hung request.
    assert!(s.server.requests().iter().any(|r| r.path.ends_with("/pods/init-demo")));
    let stopping = Instant::now();
    drop(s);
    assert!(stopping.elapsed() < Duration::from_secs(5), "{:?}", stopping.elapsed());
}

#[test]
fn error_modes_answer_like_the_real_server() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod(pod_running());
    let get = ["get", "pod", "init-demo"];

    s.server.set_mode(Mode::Unauthorized);
    fails_with(kubectl(&s.kubeconfig, &get), "error: You must be logged in to the server (Unauthorized)");
    s.server.set_mode(Mode::Forbidden);
    fails_with(
        kubectl(&s.kubeconfig, &get),
        "Error from server (Forbidden): pods \"init-demo\" is forbidden: User \"learner\" cannot get resource \"pods\" in API group \"\" in the namespace \"experiments\"",
    );
    fails_with(
        kubectl(&s.kubeconfig, &["get", "pods"]),
        "Error from server (Forbidden): pods is forbidden: User \"learner\" cannot list resource \"pods\" in API group \"\" in the namespace \"experiments\"",
    );
    fails_with(kubectl(&s.kubeconfig, &["logs", "init-demo", "-c", "app"]), "Error from server (Forbidden)");
    s.server.set_mode(Mode::InternalError);
    fails_with(kubectl(&s.kubeconfig, &get), "Error from server (InternalError): Internal error occurred: ");
    s.server.set_mode(Mode::Garbage);
    let out = kubectl(&s.kubeconfig, &["get", "pod", "init-demo", "-o", "json"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    s.server.set_mode(Mode::Normal);
    ok(kubectl(&s.kubeconfig, &get));
}

#[test]
fn other_methods_are_refused_and_recorded() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod(pod_running());
    let response = raw_request(s.server.address(), "POST", "/api/v1/namespaces/experiments/pods");
    assert_eq!(response.status, 405);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let status = response.json();
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["reason"], "MethodNotAllowed");
    assert_eq!(status["code"], 405);

    fails_with(
        kubectl(&s.kubeconfig, &["delete", "pod", "init-demo"]),
        "Error from server (MethodNotAllowed)",
    );
    let methods: Vec<String> =
        s.server.requests().iter().filter(|r| r.method != "GET").map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["POST", "DELETE"]);
    assert!(s.server.pod("experiments", "init-demo").is_some(), "nothing was deleted");
    assert!(!s.server.requests().iter().all(|r| r.method == "GET"));
}

// ---------------------------------------------------------------------------------------------
// Watches, with a raw HTTP client.

#[test]
fn watch_streams_an_event_after_put_pod() {
    let server = FakeApiServer::start();
    server.put_pod(pod_init_1_of_2());
    let rv = server.resource_version();
    let mut watch = raw_request(
        server.address(),
        "GET",
        &format!(
            "/api/v1/namespaces/experiments/pods?watch=true&resourceVersion={rv}&fieldSelector=metadata.name%3Dinit-demo&timeoutSeconds=30&allowWatchBookmarks=true"
        ),
    );
    assert_eq!(watch.status, 200);
    assert_eq!(watch.header("transfer-encoding"), Some("chunked"));
    assert_eq!(watch.header("content-type"), Some("application/json"));
    server.wait_for_request(Duration::from_secs(5), |r| r.is_watch()).expect("the watch arrived");

    let mut other = base_pod();
    other["metadata"]["name"] = "unrelated".into();
    server.put_pod(other);
    server.put_pod(pod_running());
    let event = watch.event().unwrap().unwrap();
    assert_eq!(event["type"], "MODIFIED", "{event}");
    assert_eq!(event["object"]["kind"], "Pod");
    assert_eq!(event["object"]["apiVersion"], "v1");
    assert_eq!(event["object"]["metadata"]["name"], "init-demo");
    assert_eq!(event["object"]["status"]["phase"], "Running");
    assert_eq!(event["object"]["metadata"]["resourceVersion"], server.resource_version().to_string());

    assert!(server.delete_pod("experiments", "init-demo"));
    let event = watch.event().unwrap().unwrap();
    assert_eq!(event["type"], "DELETED");
    assert_eq!(event["object"]["metadata"]["name"], "init-demo");

    // A mode change ends the stream cleanly.
    server.set_mode(Mode::Normal);
    assert!(watch.event().unwrap().is_none());
}

#[test]
fn watch_replays_history_sends_initial_state_and_expires() {
    let server = FakeApiServer::start();
    server.put_pod(pod_init_1_of_2());
    let rv = server.resource_version();
    server.put_pod(pod_running());

    // From an older resourceVersion: the changes since, then the stream goes on.
    let mut watch = raw_request(
        server.address(),
        "GET",
        &format!("/api/v1/namespaces/experiments/pods?watch=1&resourceVersion={rv}"),
    );
    let event = watch.event().unwrap().unwrap();
    assert_eq!(event["type"], "MODIFIED");
    assert_eq!(event["object"]["status"]["phase"], "Running");

    // Without a resourceVersion: ADDED for what exists.
    let mut watch = raw_request(server.address(), "GET", "/api/v1/pods?watch=true");
    let event = watch.event().unwrap().unwrap();
    assert_eq!(event["type"], "ADDED");
    assert_eq!(event["object"]["metadata"]["name"], "init-demo");

    // sendInitialEvents: ADDED, then the bookmark that ends the initial events.
    let mut watch = raw_request(
        server.address(),
        "GET",
        "/api/v1/namespaces/experiments/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
    );
    assert_eq!(watch.event().unwrap().unwrap()["type"], "ADDED");
    let bookmark = watch.event().unwrap().unwrap();
    assert_eq!(bookmark["type"], "BOOKMARK");
    assert_eq!(bookmark["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");

    // A label selector turns leaving the selection into DELETED.
    let mut watch = raw_request(
        server.address(),
        "GET",
        &format!(
            "/api/v1/namespaces/experiments/pods?watch=true&resourceVersion={}&labelSelector=app.kubernetes.io%2Fpart-of%3Dinit-container-lab",
            server.resource_version()
        ),
    );
    server.wait_for_request(Duration::from_secs(5), |r| r.query_param("labelSelector").is_some());
    let mut relabelled = pod_running();
    relabelled["metadata"]["labels"] = json!({"app": "other"});
    server.put_pod(relabelled);
    assert_eq!(watch.event().unwrap().unwrap()["type"], "DELETED");

    // Compacted history: 410 Gone as an ERROR event, then the end of the stream.
    server.compact();
    let mut watch = raw_request(
        server.address(),
        "GET",
        &format!("/api/v1/namespaces/experiments/pods?watch=true&resourceVersion={rv}"),
    );
    let error = watch.event().unwrap().unwrap();
    assert_eq!(error["type"], "ERROR");
    assert_eq!(error["object"]["kind"], "Status");
    assert_eq!(error["object"]["code"], 410);
    assert_eq!(error["object"]["reason"], "Expired");
    assert!(watch.event().unwrap().is_none());

    // timeoutSeconds ends the stream cleanly.
    let started = Instant::now();
    let mut watch = raw_request(
        server.address(),
        "GET",
        &format!(
            "/api/v1/namespaces/experiments/pods?watch=true&resourceVersion={}&timeoutSeconds=1",
            server.resource_version()
        ),
    );
    assert!(watch.event().unwrap().is_none());
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[test]
fn drop_watch_after_cuts_the_stream() {
    let server = FakeApiServer::start();
    server.put_pod(pod_init_1_of_2());
    let mut other = base_pod();
    other["metadata"]["name"] = "second".into();
    server.put_pod(other);
    server.set_mode(Mode::DropWatchAfter(1));
    let mut watch = raw_request(server.address(), "GET", "/api/v1/namespaces/experiments/pods?watch=true");
    assert_eq!(watch.status, 200);
    assert_eq!(watch.event().unwrap().unwrap()["type"], "ADDED");
    // The second ADDED never comes: the connection ends without the final chunk.
    assert!(watch.event().is_err());
    // Lists are still served.
    let list = raw_request(server.address(), "GET", "/api/v1/namespaces/experiments/pods").json();
    assert_eq!(list["kind"], "PodList");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(list["items"][0].get("kind").is_none(), "list items have no kind");
}

#[tokio::test]
async fn works_from_async_tests() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = FakeApiServer::start();
    server.put_pod(pod_running());
    let mut stream = tokio::net::TcpStream::connect(server.address()).await.unwrap();
    stream
        .write_all(b"GET /api/v1/namespaces/experiments/pods/init-demo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).await.unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(text.contains("\"name\":\"init-demo\""), "{text}");
    drop(server);
    assert!(tokio::net::TcpStream::connect("127.0.0.1:1").await.is_err());
}

#[test]
fn stop_releases_the_port() {
    let server = FakeApiServer::start();
    server.set_server_version("v1.30.99-stop-test");
    let address = server.address();
    let version = raw_request(address, "GET", "/version").json();
    assert_eq!(version["gitVersion"], "v1.30.99-stop-test");
    assert_eq!(version["minor"], "30");
    server.stop();
    server.stop();
    // Refused; or, if a parallel test's server got the port meanwhile, that is another server.
    if let Ok(mut stream) = TcpStream::connect(address) {
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = stream.write_all(b"GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(!answer.contains("stop-test"), "{answer}");
    }
}

// ---------------------------------------------------------------------------------------------
// The lab's manifest, the shared fixtures, every installed kubectl.

#[test]
fn serves_the_labs_manifest() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod_file(fixtures_dir().join("../../manifests/init-container.yaml"));
    let out = ok(kubectl(&s.kubeconfig, &["get", "pods"]));
    assert_eq!(rows(&out)[1][..3], ["init-demo", "0/1", "Pending"], "{out}");
}

/// READY, STATUS and the RESTARTS count that `kubectl get pods` prints for each shared fixture,
/// as the table of tests/fixtures/pods/README.md gives them (one entry per pod of the file, in
/// name order; AGE and "(25s ago)" depend on the clock).
fn readme_columns() -> Vec<(String, Vec<[String; 3]>)> {
    let readme = std::fs::read_to_string(fixtures_dir().join("pods/README.md")).unwrap_or_default();
    let clean = |cell: &str| cell.trim().replace('`', "");
    readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.strip_prefix('|')?.split('|').collect();
            let file = clean(cells.first()?);
            let name = file.strip_suffix(".yaml")?.to_owned();
            let ready: Vec<String> = cells.get(2)?.split(',').map(clean).collect();
            let status: Vec<String> = cells.get(3)?.split(',').map(clean).collect();
            // "`3 (25s ago)` (3)": the count is the first word.
            let restarts: Vec<String> = cells
                .get(4)?
                .split(',')
                .map(|c| clean(c).split_whitespace().next().unwrap_or("").to_owned())
                .collect();
            let pods: Option<Vec<[String; 3]>> = (0..ready.len())
                .map(|i| Some([ready[i].clone(), status.get(i)?.clone(), restarts.get(i)?.clone()]))
                .collect();
            Some((name, pods?))
        })
        .collect()
}

#[test]
fn every_pod_fixture_is_served_and_printed_like_kubectl() {
    let dir = fixtures_dir().join("pods");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("no {} yet: nothing to check", dir.display());
        return;
    };
    let columns = readme_columns();
    let mut checked = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let s = setup(FakeApiServer::start());
        let stored = s.server.put_pod_fixture(&name);
        assert!(!stored.is_empty(), "{name}");
        for pod in &stored {
            let pod_name = pod["metadata"]["name"].as_str().unwrap();
            let namespace = pod["metadata"]["namespace"].as_str().unwrap();
            let out = ok(kubectl(&s.kubeconfig, &["get", "pod", pod_name, "-n", namespace, "-o", "json"]));
            let served: Value = serde_json::from_str(&out).unwrap();
            assert_eq!(&served, pod, "fixture {name}");
            // Everything but the resourceVersion is the fixture's.
            let mut original = pod_fixture(&name);
            if original["kind"] == "List" {
                original = original["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|i| i["metadata"]["name"] == pod_name)
                    .unwrap()
                    .clone();
            }
            original["metadata"]["resourceVersion"] = served["metadata"]["resourceVersion"].clone();
            assert_eq!(served, original, "fixture {name}");
        }
        let out = ok(kubectl(&s.kubeconfig, &["get", "pods", "-n", "experiments"]));
        let Some((_, expected)) = columns.iter().find(|(n, _)| *n == name) else {
            eprintln!("fixture {name} is not in the README's table: its columns are not checked");
            continue;
        };
        let printed: Vec<[String; 3]> =
            rows(&out).iter().skip(1).map(|r| [r[1].clone(), r[2].clone(), r[3].clone()]).collect();
        assert_eq!(&printed, expected, "fixture {name}: {out}");
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} fixtures were checked against the README");
}

/// The versioned kubectl binaries behind /usr/bin/kubectl's dispatcher, if installed.
fn installed_kubectls() -> Vec<PathBuf> {
    let target = std::fs::canonicalize(testkit::KUBECTL).unwrap_or_default();
    let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("kubectl.1."))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

#[test]
fn every_installed_kubectl_version_works() {
    let s = setup(FakeApiServer::start());
    s.server.put_pod(pod_init_1_of_2());
    s.server.set_log("experiments", "init-demo", "init-1", false, "Init 1: Checking database...\n");
    let binaries = installed_kubectls();
    if binaries.is_empty() {
        eprintln!("no versioned kubectl binaries found; checked {} only", testkit::KUBECTL);
    }
    for binary in binaries.iter().map(PathBuf::as_path).chain([Path::new(testkit::KUBECTL)]) {
        let run = |args: &[&str]| kubectl_at(binary, &s.kubeconfig, args);
        let what = binary.display();
        let out = run(&["get", "pods"]);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        let table = rows(&stdout(&out));
        assert_eq!(table[1][..3], ["init-demo", "0/1", "Init:1/2"], "{what}");
        let out = run(&["get", "pod", "init-demo", "-o", "json"]);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        let pod: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(pod["metadata"]["name"], "init-demo", "{what}");
        let out = run(&["logs", "init-demo", "-c", "init-1"]);
        assert_eq!(stdout(&out), "Init 1: Checking database...\n", "{what}: {}", stderr(&out));
        let out = run(&["get", "pod", "x"]);
        assert!(
            stderr(&out).contains("Error from server (NotFound): pods \"x\" not found"),
            "{what}: {}",
            stderr(&out)
        );
        let out = run(&["describe", "pod", "init-demo"]);
        assert_eq!(described(&stdout(&out), "Name"), Some("init-demo"), "{what}: {}", stderr(&out));
    }
}

// ---------------------------------------------------------------------------------------------
// Objects of other kinds: the test lab's StatefulSet, Services, claims and the scheduler's
// events.k8s.io/v1 event (tests/fixtures/labs/objects/cluster), nodes and storage classes.

fn lab_object(name: &str) -> Value {
    let path = fixtures_dir().join(format!("labs/objects/cluster/{name}.yaml"));
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A server holding the test lab's cluster after its step 2.
fn lab_cluster() -> Setup {
    let s = setup(FakeApiServer::start());
    for name in [
        "statefulset-web",
        "service-web",
        "service-web-public",
        "pod-web-0",
        "pod-web-1",
        "pod-web-2-unschedulable",
        "pvc-data-web-0",
        "pvc-data-web-1",
        "event-web-2-failed-scheduling",
    ] {
        s.server.put_object(lab_object(name));
    }
    s
}

#[test]
fn kubectl_gets_statefulsets_services_and_claims_with_the_real_columns() {
    let s = lab_cluster();
    let get = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["-n", "objects-lab"]);
        ok(kubectl(&s.kubeconfig, &all))
    };
    let table = rows(&get(&["get", "statefulsets"]));
    assert_eq!(table[0], ["NAME", "READY", "AGE"]);
    assert_eq!(table[1][..2], ["web", "2/2"]);
    let table = rows(&get(&["get", "sts", "-o", "wide"]));
    assert_eq!(table[0], ["NAME", "READY", "AGE", "CONTAINERS", "IMAGES"]);
    assert_eq!(table[1][3..], ["nginx", "nginx:1.27.3"]);

    let table = rows(&get(&["get", "svc"]));
    assert_eq!(table[0], ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
    assert_eq!(table[1][..5], ["web", "ClusterIP", "None", "<none>", "80/TCP"]);
    assert_eq!(table[2][..5], ["web-public", "ClusterIP", "10.96.148.21", "<none>", "80/TCP"]);
    assert_eq!(rows(&get(&["get", "services", "-o", "wide"]))[1][6], "app=web");

    let table = rows(&get(&["get", "pvc"]));
    assert_eq!(
        table[0],
        [
            "NAME",
            "STATUS",
            "VOLUME",
            "CAPACITY",
            "ACCESS",
            "MODES",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "AGE"
        ]
    );
    assert_eq!(
        table[1][..7],
        [
            "data-web-0",
            "Bound",
            "pvc-9c4d2e1f-6a7b-4c8d-9e0f-1a2b3c4d5e60",
            "64Mi",
            "RWO",
            "standard",
            "<unset>"
        ]
    );

    let sts: Value = serde_json::from_str(&get(&["get", "statefulset", "web", "-o", "json"])).unwrap();
    assert_eq!((sts["apiVersion"].as_str(), sts["kind"].as_str()), (Some("apps/v1"), Some("StatefulSet")));
    assert_eq!(sts["status"]["readyReplicas"], 2);
    assert_eq!(get(&["get", "pods", "-l", "app=web", "-o", "name"]), "pod/web-0\npod/web-1\npod/web-2\n");
    assert_eq!(
        get(&["get", "pods", "--field-selector", "status.phase=Pending", "-o", "name"]),
        "pod/web-2\n"
    );
    // `all` is the category the real server gives pods, services and workloads.
    let all = get(&["get", "all", "-o", "name"]);
    for name in ["pod/web-0", "service/web-public", "statefulset.apps/web"] {
        assert!(all.lines().any(|l| l == name), "{name} in {all}");
    }
    fails_with(
        kubectl(&s.kubeconfig, &["get", "sts", "db", "-n", "objects-lab"]),
        "Error from server (NotFound): statefulsets.apps \"db\" not found",
    );
    fails_with(
        kubectl(&s.kubeconfig, &["get", "cronjobs", "-n", "objects-lab"]),
        "the server doesn't have a resource type \"cronjobs\"",
    );
}

#[test]
fn events_written_through_events_k8s_io_are_read_through_both_apis() {
    let s = lab_cluster();
    let table = rows(&ok(kubectl(&s.kubeconfig, &["get", "events", "-n", "objects-lab"])));
    assert_eq!(table[1][1..4], ["Warning", "FailedScheduling", "pod/web-2"], "{table:?}");
    let core: Value = serde_json::from_str(&ok(kubectl(
        &s.kubeconfig,
        &["get", "events", "-n", "objects-lab", "--field-selector", "reason=FailedScheduling", "-o", "json"],
    )))
    .unwrap();
    let mut expected = lab_object("event-web-2-failed-scheduling.core");
    let mut found = core["items"][0].clone();
    for event in [&mut expected, &mut found] {
        event["metadata"].as_object_mut().unwrap().remove("resourceVersion");
    }
    assert_eq!(found, expected, "the core view of the scheduler's event");

    let v1: Value = serde_json::from_str(&ok(kubectl(
        &s.kubeconfig,
        &[
            "get",
            "events.v1.events.k8s.io",
            "-n",
            "objects-lab",
            "--field-selector",
            "regarding.name=web-2",
            "-o",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(v1["apiVersion"], "v1", "kubectl wraps what it gets in a v1 List");
    assert_eq!(v1["items"][0]["note"], lab_object("event-web-2-failed-scheduling")["note"]);
    assert_eq!(v1["items"][0]["series"]["count"], 3);
    fails_with(
        kubectl(
            &s.kubeconfig,
            &[
                "get",
                "events.events.k8s.io",
                "-n",
                "objects-lab",
                "--field-selector",
                "involvedObject.name=web-2",
            ],
        ),
        "field label not supported: involvedObject.name",
    );
}

#[test]
fn cluster_scoped_nodes_and_storage_classes() {
    let s = setup(FakeApiServer::start());
    s.server.put_object(json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "kind-control-plane", "labels": {"node-role.kubernetes.io/control-plane": ""}},
        "status": {"conditions": [{"type": "Ready", "status": "True"}],
                   "nodeInfo": {"kubeletVersion": "v1.30.6"}},
    }));
    s.server.put_object(json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
    }));
    let table = rows(&ok(kubectl(&s.kubeconfig, &["get", "nodes"])));
    assert_eq!(table[0], ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    assert_eq!(table[1][..3], ["kind-control-plane", "Ready", "control-plane"]);
    assert_eq!(table[1][4], "v1.30.6");
    let table = rows(&ok(kubectl(&s.kubeconfig, &["get", "storageclass"])));
    assert_eq!(
        table[0],
        ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"]
    );
    assert_eq!(
        table[1][..6],
        ["standard", "(default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", "false"]
    );
    let node: Value =
        serde_json::from_str(&ok(kubectl(&s.kubeconfig, &["get", "no", "kind-control-plane", "-o", "json"])))
            .unwrap();
    assert!(node["metadata"].get("namespace").is_none(), "cluster-scoped: {node}");
    // The kubeconfig's namespace does not apply to cluster-scoped kinds.
    assert!(s.server.requests().iter().any(|r| r.path == "/api/v1/nodes/kind-control-plane"));
}

#[test]
fn kubectl_gets_endpoint_slices_by_their_service() {
    let s = setup(FakeApiServer::start());
    let path = fixtures_dir().join("labs/statefulset/cluster/endpointslice-web.yaml");
    let slice: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    s.server.put_object(slice.clone());
    let get = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["-n", "statefulset"]);
        ok(kubectl(&s.kubeconfig, &all))
    };
    let table = rows(&get(&["get", "endpointslices"]));
    assert_eq!(table[0], ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]);
    assert_eq!(table[1][..4], ["web-5xq7v", "IPv4", "80", "10.244.0.7,10.244.0.8,10.244.0.9"]);
    let listed: Value = serde_json::from_str(&get(&[
        "get",
        "endpointslices.discovery.k8s.io",
        "-l",
        "kubernetes.io/service-name=web",
        "-o",
        "json",
    ]))
    .unwrap();
    let hostnames: Vec<&str> = listed["items"][0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["hostname"].as_str().unwrap())
        .collect();
    assert_eq!(hostnames, ["web-0", "web-1", "web-2"]);
    assert_eq!(listed["items"][0]["apiVersion"], "discovery.k8s.io/v1");
    assert_eq!(get(&["get", "endpointslices", "-l", "kubernetes.io/service-name=db", "-o", "name"]), "");
    s.server.forbid("discovery.k8s.io", "endpointslices");
    fails_with(
        kubectl(&s.kubeconfig, &["get", "endpointslices", "-n", "statefulset"]),
        "endpointslices.discovery.k8s.io is forbidden: User \"learner\" cannot list resource \"endpointslices\" in API group \"discovery.k8s.io\" in the namespace \"statefulset\"",
    );
}

#[test]
fn a_denied_resource_gets_the_rbac_authorizers_403_and_the_rest_is_served() {
    let s = lab_cluster();
    s.server.forbid("apps", "statefulsets");
    fails_with(
        kubectl(&s.kubeconfig, &["get", "sts", "-n", "objects-lab"]),
        "Error from server (Forbidden): statefulsets.apps is forbidden: User \"learner\" cannot list resource \"statefulsets\" in API group \"apps\" in the namespace \"objects-lab\"",
    );
    fails_with(
        kubectl(&s.kubeconfig, &["get", "sts", "web", "-n", "objects-lab"]),
        "statefulsets.apps \"web\" is forbidden: User \"learner\" cannot get resource \"statefulsets\" in API group \"apps\"",
    );
    assert_eq!(
        ok(kubectl(&s.kubeconfig, &["get", "svc", "web", "-n", "objects-lab", "-o", "name"])),
        "service/web\n"
    );
    s.server.allow_all();
    ok(kubectl(&s.kubeconfig, &["get", "sts", "-n", "objects-lab"]));
}

#[test]
fn kubectl_watches_a_statefulset() {
    let s = lab_cluster();
    let out = std::thread::scope(|scope| {
        let watching = scope.spawn(|| {
            kubectl(&s.kubeconfig, &["get", "sts", "web", "-n", "objects-lab", "-w", "--request-timeout=3s"])
        });
        s.server
            .wait_for_request(Duration::from_secs(10), |r| r.is_watch() && r.path.contains("statefulsets"))
            .expect("kubectl watches");
        let mut sts = s.server.object("apps/v1", "StatefulSet", "objects-lab", "web").unwrap();
        sts["spec"]["replicas"] = json!(3);
        s.server.put_object(sts);
        watching.join().unwrap()
    });
    let table = rows(&ok(out));
    assert_eq!(table[1][..2], ["web", "2/2"]);
    assert_eq!(table[2][..2], ["web", "2/3"]);
}

#[test]
fn every_installed_kubectl_version_gets_other_kinds() {
    let s = lab_cluster();
    for binary in installed_kubectls().iter().map(PathBuf::as_path).chain([Path::new(testkit::KUBECTL)]) {
        let what = binary.display();
        for (kind, first) in
            [("statefulsets", "web"), ("svc", "web"), ("pvc", "data-web-0"), ("events.events.k8s.io", "")]
        {
            let out = kubectl_at(binary, &s.kubeconfig, &["get", kind, "-n", "objects-lab"]);
            assert!(out.status.success(), "{what} get {kind}: {}", stderr(&out));
            let table = rows(&stdout(&out));
            assert!(table.len() >= 2, "{what} get {kind}: {}", stdout(&out));
            if !first.is_empty() {
                assert_eq!(table[1][0], first, "{what} get {kind}");
            }
        }
    }
}

#[test]
fn watches_of_other_kinds_resume_from_a_resource_version_and_expire() {
    let s = lab_cluster();
    let rv = s.server.resource_version();
    // Changes to pods and to the StatefulSet share one history; a StatefulSet watch sees its own.
    s.server.put_object(lab_object("pod-web-0"));
    let mut sts = s.server.object("apps/v1", "StatefulSet", "objects-lab", "web").unwrap();
    sts["status"]["readyReplicas"] = json!(1);
    s.server.put_object(sts);
    let mut watch = raw_request(
        s.server.address(),
        "GET",
        &format!("/apis/apps/v1/namespaces/objects-lab/statefulsets?watch=1&resourceVersion={rv}"),
    );
    let event = watch.event().unwrap().unwrap();
    assert_eq!(event["type"], "MODIFIED");
    assert_eq!(
        (event["object"]["apiVersion"].as_str(), event["object"]["kind"].as_str()),
        (Some("apps/v1"), Some("StatefulSet"))
    );
    assert_eq!(event["object"]["status"]["readyReplicas"], 1);

    // events.k8s.io/v1 watches see core events in their own form.
    let mut watch = raw_request(
        s.server.address(),
        "GET",
        "/apis/events.k8s.io/v1/namespaces/objects-lab/events?watch=true",
    );
    let event = watch.event().unwrap().unwrap();
    assert_eq!(event["type"], "ADDED");
    assert_eq!(event["object"]["apiVersion"], "events.k8s.io/v1");
    assert_eq!(event["object"]["regarding"]["name"], "web-2");

    // A list's resourceVersion, then 410 Gone once the history is compacted.
    let list = raw_request(s.server.address(), "GET", "/api/v1/namespaces/objects-lab/services");
    assert_eq!(list.status, 200);
    s.server.compact();
    let mut watch = raw_request(
        s.server.address(),
        "GET",
        &format!("/api/v1/namespaces/objects-lab/services?watch=true&resourceVersion={rv}"),
    );
    let error = watch.event().unwrap().unwrap();
    assert_eq!((error["type"].as_str(), error["object"]["code"].as_u64()), (Some("ERROR"), Some(410)));
}

#[test]
fn lists_come_in_pages_as_limit_and_continue_ask() {
    let s = setup(FakeApiServer::start());
    for name in ["a", "b", "c", "d", "e"] {
        let mut pod = base_pod();
        pod["metadata"]["name"] = json!(name);
        s.server.put_pod(pod);
    }
    let get = |target: &str| raw_request(s.server.address(), "GET", target);
    let names = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = get("/api/v1/namespaces/experiments/pods?limit=2").json();
    assert_eq!(names(&first), ["a", "b"]);
    assert_eq!(first["metadata"]["remainingItemCount"], 3);
    let token = first["metadata"]["continue"].as_str().unwrap().to_owned();
    let second = get(&format!("/api/v1/namespaces/experiments/pods?limit=2&continue={token}")).json();
    assert_eq!(names(&second), ["c", "d"]);
    let token = second["metadata"]["continue"].as_str().unwrap().to_owned();
    let last = get(&format!("/api/v1/namespaces/experiments/pods?limit=2&continue={token}")).json();
    assert_eq!(names(&last), ["e"]);
    assert!(
        last["metadata"].get("continue").is_none() && last["metadata"].get("remainingItemCount").is_none()
    );

    // A selector makes the number of the rest unknown: no remainingItemCount.
    let selected =
        get("/api/v1/namespaces/experiments/pods?limit=1&labelSelector=app.kubernetes.io%2Fpart-of%3Dinit-container-lab")
            .json();
    assert_eq!(names(&selected), ["a"]);
    assert!(selected["metadata"]["continue"].is_string());
    assert!(selected["metadata"].get("remainingItemCount").is_none());

    let refused = get("/api/v1/namespaces/experiments/pods?limit=2&continue=not-a-token");
    assert_eq!(refused.status, 400);
    assert!(refused.json()["message"].as_str().unwrap().contains("continue key is not valid"));

    // kubectl lists in chunks and follows the tokens.
    let table = rows(&ok(kubectl(&s.kubeconfig, &["get", "pods", "-n", "experiments", "--chunk-size=2"])));
    let listed: Vec<&str> = table[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(listed, ["a", "b", "c", "d", "e"]);
    let limits: Vec<String> = s.server.requests().iter().filter_map(|r| r.query_param("limit")).collect();
    assert!(
        limits.iter().filter(|l| l.as_str() == "2").count() >= 3 + 3,
        "kubectl asked page by page: {limits:?}"
    );
}
