//! Reaching the cluster as kubectl does, with the real binary against the fake API server: one
//! test per class of kubeconfig (lists, scheme-less servers), credential plugin (working,
//! hung, garbage, failing, interactive modes), proxy (CONNECT to a name only the proxy can
//! reach, SOCKS5, loopback bypass) and an API server that vanishes during `--wait`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::{FakeApiServer, FakeProxy, KUBECTL, ProxyProtocol, REMOTE_HOST};

#[path = "support/run.rs"]
mod run;
use run::Run;

/// The documented bounds (checker/src/auth.rs, checker/src/watch.rs, README).
const PLUGIN_TIMEOUT: Duration = Duration::from_secs(30);
const RECONNECT_BUDGET: Duration = Duration::from_secs(30);

/// One learner's machine: a home with a state directory, and nothing of this machine's
/// environment but `PATH` (no proxy variables unless a test sets them).
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn new() -> Machine {
        Machine { dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// A shell script, executable.
    fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.write(name, &format!("#!/bin/sh\n{body}"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn command(&self, kubeconfig: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_checker"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("KUBECONFIG", kubeconfig)
            .env("CHECKER_STATE_DIR", self.path("state"))
            .env("LANG", "en_US.UTF-8")
            .envs(env.iter().copied())
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, kubeconfig: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        let child = self
            .command(kubeconfig, args, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        finish(child)
    }
}

/// A command that has not ended after this long has hung: the test fails instead of hanging.
const HARD_LIMIT: Duration = Duration::from_secs(90);

/// Waits for the checker (killing it after [`HARD_LIMIT`]) and collects what it printed.
fn finish(mut child: std::process::Child) -> Run {
    let deadline = Instant::now() + HARD_LIMIT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("the checker hung; it printed {:?}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Run::from(child.wait_with_output().unwrap())
}

/// The fake API server with `init-demo` running.
fn running(tls: bool) -> FakeApiServer {
    let server = if tls { FakeApiServer::start_tls() } else { FakeApiServer::start() };
    server.add_namespace("experiments");
    server.put_pod_fixture("init-demo-running");
    server
}

/// The server's kubeconfig as JSON, to change before writing it.
fn kubeconfig_json(server: &FakeApiServer) -> Value {
    serde_yaml::from_str(&server.kubeconfig_yaml()).unwrap()
}

fn write_json(machine: &Machine, name: &str, config: &Value) -> String {
    machine.write(name, &serde_yaml::to_string(config).unwrap()).to_str().unwrap().to_string()
}

// ---------------------------------------------------------------------------------------------
// Kubeconfig files.

#[test]
fn a_kubeconfig_list_is_merged_as_kubectl_merges_it() {
    let server = running(true);
    let machine = Machine::new();
    // The first file: the real cluster, but no current context.
    let mut first = kubeconfig_json(&server);
    first["current-context"] = json!("");
    let first = write_json(&machine, "first", &first);
    // The second: a cluster of the same name elsewhere (ignored: the first file's wins), another
    // context, and the current context.
    let second = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": "https://127.0.0.1:1"}}],
        "contexts": [{"name": "other", "context": {"cluster": "fake"}}],
    });
    let second = write_json(&machine, "second", &second);
    let missing = machine.path("missing").to_str().unwrap().to_string();
    let list = format!("{missing}::{first}:{second}:");

    let run = machine.run(&list, &["step", "1", "-o", "json"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["verdict"], "pass");
    let progress = machine.run(&list, &["progress", "-o", "json"], &[]);
    assert_eq!(progress.json()["context"], "fake", "{progress:?}");

    // kubectl reads the same list the same way.
    let kubectl = Command::new(KUBECTL)
        .args([
            "config",
            "view",
            "--minify",
            "-o",
            "jsonpath={.current-context} {.clusters[0].cluster.server}",
        ])
        .env_clear()
        .env("HOME", machine.dir.path())
        .env("KUBECONFIG", &list)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&kubectl.stdout), format!("fake {}", server.url()), "{kubectl:?}");
}

#[test]
fn kubeconfigs_kubectl_refuses_exit_2_with_one_line() {
    let machine = Machine::new();
    let server = running(true);
    let good = server.write_kubeconfig(machine.dir.path());
    let good = good.to_str().unwrap();
    let missing = machine.path("missing");
    let missing = missing.to_str().unwrap();

    let run = machine.run(good, &["step", "1", "--kubeconfig", missing], &[]);
    run.assert_error(2, &["does not exist (given with --kubeconfig)"]);
    let run = machine.run(&format!("{missing}:{missing}2"), &["step", "1"], &[]);
    run.assert_error(2, &["none of the files KUBECONFIG lists exists", missing]);

    let broken = machine.write("broken", "clusters: [\n");
    let run = machine.run(&format!("{good}:{}", broken.display()), &["step", "1"], &[]);
    run.assert_error(2, &["broken kubeconfig", &broken.display().to_string()]);

    let twice = machine.write(
        "twice",
        "contexts:\n- {name: a, context: {cluster: c}}\n- {name: a, context: {cluster: d}}\n",
    );
    let run = machine.run(twice.to_str().unwrap(), &["step", "1"], &[]);
    run.assert_error(2, &["\"a\" is defined twice in contexts"]);

    let fifo = machine.path("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let started = Instant::now();
    let run = machine.run(fifo.to_str().unwrap(), &["step", "1"], &[]);
    run.assert_error(2, &["not a regular file"]);
    assert!(started.elapsed() < Duration::from_secs(5), "at once: {:?}", started.elapsed());

    let mut path_server = kubeconfig_json(&server);
    path_server["clusters"][0]["cluster"]["server"] = json!("example.com/api");
    let run = machine.run(&write_json(&machine, "path", &path_server), &["step", "1"], &[]);
    run.assert_error(2, &["server \"example.com/api\" is neither a URL nor a host:port pair"]);
}

#[test]
fn a_server_without_a_scheme_is_plain_http_as_for_kubectl_which_sends_no_credentials() {
    let machine = Machine::new();
    // Against a TLS server both fail; the checker says why, on one line.
    let tls = running(true);
    let mut config = kubeconfig_json(&tls);
    config["clusters"][0]["cluster"]["server"] = json!(tls.address().to_string());
    let kubeconfig = write_json(&machine, "tls", &config);
    let run = machine.run(&kubeconfig, &["step", "1"], &[]);
    run.assert_error(
        3,
        &[&format!("cannot reach http://{}", tls.address()), "write https:// if the API server speaks TLS"],
    );
    let kubectl = testkit::kubectl(Path::new(&kubeconfig), &["get", "--raw", "/version"]);
    assert!(!kubectl.status.success(), "{kubectl:?}");

    // Against a plain server both work, without credentials: no token, no credential plugin.
    let plain = running(false);
    let count = machine.path("count");
    let plugin = machine.script("plugin", &format!("echo run >> \"$COUNT\"\necho '{CREDENTIAL}'\n"));
    let mut config = kubeconfig_json(&plain);
    config["clusters"][0]["cluster"]["server"] = json!(plain.address().to_string());
    config["users"][0]["user"] = json!({"exec": exec_section(&plugin, "Never", &[("COUNT", &count)])});
    let kubeconfig = write_json(&machine, "plain", &config);
    let run = machine.run(&kubeconfig, &["step", "1", "-o", "json"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(lines(&count), 0);
    assert!(plain.requests().iter().all(|r| r.authorization().is_none()));
    let kubectl = testkit::kubectl(Path::new(&kubeconfig), &["get", "--raw", "/version"]);
    assert!(kubectl.status.success(), "{kubectl:?}");
    assert_eq!(lines(&count), 0, "kubectl did not run it either");
}

#[test]
fn files_the_kubeconfig_names_are_found_next_to_it() {
    let server = running(true);
    let machine = Machine::new();
    std::fs::create_dir(machine.path("kube")).unwrap();
    machine.write("kube/ca.crt", server.ca_pem().unwrap());
    machine.write("kube/token", "fake-token\n");
    let mut config = kubeconfig_json(&server);
    let cluster = &mut config["clusters"][0]["cluster"];
    cluster.as_object_mut().unwrap().remove("certificate-authority-data");
    cluster["certificate-authority"] = json!("ca.crt");
    config["users"][0]["user"] = json!({"tokenFile": "token"});
    let kubeconfig = write_json(&machine, "kube/config", &config);
    let run = machine.run(&kubeconfig, &["step", "1"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let bearer = server.requests().iter().filter_map(|r| r.authorization().map(str::to_string)).next();
    assert_eq!(bearer.as_deref(), Some("Bearer fake-token"));
}

// ---------------------------------------------------------------------------------------------
// Credential plugins.

/// The server's kubeconfig with its user's credentials replaced by this `exec` section.
fn with_exec(machine: &Machine, server: &FakeApiServer, exec: Value) -> String {
    let mut config = kubeconfig_json(server);
    config["users"][0]["user"] = json!({ "exec": exec });
    write_json(machine, "kubeconfig", &config)
}

fn exec_section(command: &Path, mode: &str, env: &[(&str, &Path)]) -> Value {
    let env: Vec<Value> = env.iter().map(|(n, v)| json!({"name": n, "value": v.to_str().unwrap()})).collect();
    json!({
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": command.to_str().unwrap(),
        "args": ["--cluster", "lab"],
        "env": env,
        "interactiveMode": mode,
        "installHint": "Install it with: brew install lab-auth",
    })
}

const CREDENTIAL: &str = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"from-plugin","expirationTimestamp":"2099-01-01T00:00:00Z"}}"#;

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map(|t| t.lines().count()).unwrap_or(0)
}

#[test]
fn a_plugin_runs_once_per_command_while_its_credential_is_valid() {
    let server = running(true);
    let machine = Machine::new();
    let (count, info, stdin) = (machine.path("count"), machine.path("info"), machine.path("stdin"));
    let plugin = machine.script(
        "plugin",
        &format!(
            "echo \"$*\" >> \"$COUNT\"\nprintf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$INFO\"\n\
             if read -r line; then echo \"$line\" >> \"$STDIN\"; fi\necho '{CREDENTIAL}'\n"
        ),
    );
    let env = [("COUNT", count.as_path()), ("INFO", &info), ("STDIN", &stdin)];
    let kubeconfig = with_exec(&machine, &server, exec_section(&plugin, "IfAvailable", &env));

    // `list` and `progress` read the kubeconfig, not the cluster: no plugin.
    assert_eq!(machine.run(&kubeconfig, &["list"], &[]).code, 0);
    assert_eq!(machine.run(&kubeconfig, &["progress"], &[]).code, 0);
    assert_eq!(lines(&count), 0);

    // A step makes several requests (pod, events, logs...) with one run; stdin is not a terminal,
    // so the plugin does not get it even though it is open (IfAvailable).
    let mut child = machine
        .command(&kubeconfig, &["step", "1"], &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"typed by the learner\n").unwrap();
    let run = finish(child);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(lines(&count), 1);
    assert_eq!(std::fs::read_to_string(&count).unwrap(), "--cluster lab\n");
    assert_eq!(lines(&stdin), 0, "the plugin read standard input");
    let requests = server.requests();
    assert!(requests.len() >= 2, "{requests:?}");
    assert!(requests.iter().all(|r| r.authorization() == Some("Bearer from-plugin")), "{requests:?}");
    let info: Value = serde_json::from_str(&std::fs::read_to_string(&info).unwrap()).unwrap();
    assert_eq!(
        info,
        json!({"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1", "spec": {"interactive": false}})
    );

    // The next command runs it again (nothing is kept on disk), once.
    assert_eq!(machine.run(&kubeconfig, &["snapshot"], &[]).code, 0);
    assert_eq!(lines(&count), 2);
}

#[test]
fn an_expiring_credential_is_run_for_again_during_a_long_wait_not_per_request() {
    let server = FakeApiServer::start_tls();
    server.add_namespace("experiments");
    server.put_pod_fixture("init-demo-init-1-of-2");
    let machine = Machine::new();
    let count = machine.path("count");
    // Each run's token is valid for 10 s (9 s and a fraction: the time is in seconds): fresh for
    // 4 to 5 s with the 5 s margin.
    let plugin = machine.script(
        "plugin",
        r#"echo run >> "$COUNT"
n=$(wc -l < "$COUNT" | tr -d ' ')
until=$(date -u -d '+10 seconds' +%Y-%m-%dT%H:%M:%SZ)
printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"token-%s","expirationTimestamp":"%s"}}\n' "$n" "$until"
"#,
    );
    let kubeconfig = with_exec(&machine, &server, exec_section(&plugin, "Never", &[("COUNT", &count)]));
    let child = machine
        .command(&kubeconfig, &["step", "1", "--wait", "30s", "-o", "json"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(8));
    server.put_pod_fixture("init-demo-running");
    let run = finish(child);
    assert_eq!(run.code, 0, "{run:?}");
    let runs = lines(&count);
    let requests = server.requests();
    // A new credential (and a new watch with it) every 4 to 5 s, not one per request.
    assert!((2..=5).contains(&runs), "{runs} runs for {} requests", requests.len());
    assert!(requests.len() > runs, "{runs} runs for {} requests", requests.len());
    let watched_with_a_new_token =
        requests.iter().any(|r| r.is_watch() && r.authorization().is_some_and(|a| a != "Bearer token-1"));
    assert!(watched_with_a_new_token, "{requests:?}");
}

#[test]
fn a_hung_plugin_is_stopped_with_what_it_started_within_the_bound() {
    let server = running(true);
    let machine = Machine::new();
    let pid = machine.path("pid");
    let plugin = machine.script("hangs", "sleep 600 &\necho $! > \"$PID\"\nwait\n");
    let kubeconfig = with_exec(&machine, &server, exec_section(&plugin, "Never", &[("PID", &pid)]));
    let started = Instant::now();
    let run = machine.run(&kubeconfig, &["step", "1"], &[]);
    let took = started.elapsed();
    run.assert_error(
        3,
        &[&format!("credential plugin \"{}\"", plugin.display()), "did not finish within 30s"],
    );
    assert!(took >= PLUGIN_TIMEOUT && took < PLUGIN_TIMEOUT + Duration::from_secs(10), "{took:?}");
    // The `sleep` it started is gone too.
    assert!(is_gone(&pid), "the plugin's child still runs");
    assert!(server.requests().is_empty());
}

/// Whether the process of the pid in `file` is gone (or a zombie waiting for an init to reap it).
fn is_gone(file: &Path) -> bool {
    let pid = std::fs::read_to_string(file).unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    let state = stat.rsplit(')').next().unwrap_or_default().split_whitespace().next().unwrap_or("gone");
    matches!(state, "gone" | "Z" | "X")
}

/// `checker doctor` asks the kubectl on PATH for its version. Google Cloud's kubectl is a
/// dispatcher that first asks the cluster for its version, and so runs the kubeconfig's
/// credential plugin: when that hangs, doctor stops kubectl after its bound, and what kubectl
/// started with it.
#[test]
fn doctor_stops_a_hung_kubectl_with_what_it_started() {
    let server = running(true);
    let machine = Machine::new();
    let pid = machine.path("pid");
    std::fs::create_dir(machine.path("bin")).unwrap();
    machine.script("bin/kubectl", "sleep 600 &\necho $! > \"$PID\"\nwait\n");
    let path = format!("{}:{}", machine.path("bin").display(), std::env::var("PATH").unwrap_or_default());
    let kubeconfig = server.write_kubeconfig(machine.dir.path());
    let run = machine.run(
        kubeconfig.to_str().unwrap(),
        &["doctor"],
        &[("PATH", &path), ("PID", pid.to_str().unwrap())],
    );
    assert!(run.stdout.contains("kubectl: cannot tell its version (it did not finish within 5s)"), "{run:?}");
    assert!(is_gone(&pid), "kubectl's child still runs");
}

#[test]
fn a_plugin_that_prints_garbage_or_fails_is_one_line_with_what_it_said() {
    let server = running(true);
    let machine = Machine::new();
    let garbage = machine.script("garbage", "echo '<html><body>502 Bad Gateway</body></html>'\n");
    let kubeconfig = with_exec(&machine, &server, exec_section(&garbage, "Never", &[]));
    machine
        .run(&kubeconfig, &["step", "1"], &[])
        .assert_error(3, &["garbage\"", "printed something that is not an ExecCredential"]);

    let fails = machine.script(
        "fails",
        "echo 'error: the SSO session has expired;' >&2\necho '  run: aws sso login' >&2\nexit 1\n",
    );
    let kubeconfig = with_exec(&machine, &server, exec_section(&fails, "Never", &[]));
    let run = machine.run(&kubeconfig, &["step", "1"], &[]);
    run.assert_error(3, &["failed (exit code 1): error: the SSO session has expired; run: aws sso login"]);

    let kubeconfig = with_exec(&machine, &server, exec_section(&machine.path("not-installed"), "Never", &[]));
    let run = machine.run(&kubeconfig, &["step", "1"], &[]);
    run.assert_error(3, &["was not found (is it on PATH?): Install it with: brew install lab-auth"]);

    let run = machine.run(&kubeconfig, &["--lang", "zh", "step", "1"], &[]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.starts_with("错误：凭据插件"), "{run:?}");
    assert!(server.requests().is_empty());
}

#[test]
fn interactive_mode_always_needs_a_terminal_and_never_gets_no_input() {
    let server = running(true);
    let machine = Machine::new();
    let (count, stdin) = (machine.path("count"), machine.path("stdin"));
    let plugin = machine.script(
        "plugin",
        &format!("echo run >> \"$COUNT\"\nif read -r line; then echo \"$line\" >> \"$STDIN\"; fi\necho '{CREDENTIAL}'\n"),
    );
    let env = [("COUNT", count.as_path()), ("STDIN", &stdin)];
    let always = with_exec(&machine, &server, exec_section(&plugin, "Always", &env));
    let run = machine.run(&always, &["step", "1"], &[]);
    run.assert_error(3, &["(interactiveMode: Always), but standard input is not a terminal"]);
    assert_eq!(lines(&count), 0);

    let never = with_exec(&machine, &server, exec_section(&plugin, "Never", &env));
    let mut child = machine
        .command(&never, &["step", "1"], &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"typed by the learner\n").unwrap();
    let run = finish(child);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!((lines(&count), lines(&stdin)), (1, 0));

    // v1 requires interactiveMode: a kubeconfig error.
    let mut section = exec_section(&plugin, "Never", &env);
    section.as_object_mut().unwrap().remove("interactiveMode");
    let run = machine.run(&with_exec(&machine, &server, section), &["step", "1"], &[]);
    run.assert_error(2, &["interactiveMode must be given with apiVersion v1"]);
}

// ---------------------------------------------------------------------------------------------
// Proxies.

/// A kubeconfig for the TLS server at `https://cluster.lab.invalid:6443`, a name only `proxy`
/// can reach.
fn remote(machine: &Machine, server: &FakeApiServer, proxy: &FakeProxy, proxy_url: Option<&str>) -> String {
    let target = format!("{REMOTE_HOST}:6443");
    proxy.route(&target, server.address());
    let mut config = kubeconfig_json(server);
    config["clusters"][0]["cluster"]["server"] = json!(format!("https://{target}"));
    if let Some(url) = proxy_url {
        config["clusters"][0]["cluster"]["proxy-url"] = json!(url);
    }
    write_json(machine, "remote", &config)
}

#[test]
fn a_remote_cluster_is_reached_through_https_proxy_with_connect() {
    let server = running(true);
    let proxy = FakeProxy::start();
    let machine = Machine::new();
    let kubeconfig = remote(&machine, &server, &proxy, None);
    let target = format!("{REMOTE_HOST}:6443");
    // Upper or lower case, and a NO_PROXY that does not match this server.
    let no_proxy = ".example.com,10.0.0.0/8,cluster.lab.invalid:443,,lab.invalid.example";
    for variable in ["HTTPS_PROXY", "https_proxy"] {
        let run = machine.run(
            &kubeconfig,
            &["step", "1", "-o", "json"],
            &[(variable, &proxy.url()), ("NO_PROXY", no_proxy)],
        );
        assert_eq!(run.code, 0, "{variable}: {run:?}");
    }
    let requests = proxy.requests();
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r.protocol == ProxyProtocol::Connect && r.target == target && r.tunnelled),
        "{requests:?}"
    );

    // HTTP_PROXY is for http servers only.
    let run = machine.run(&kubeconfig, &["step", "1"], &[("HTTP_PROXY", &proxy.url())]);
    run.assert_error(3, &[&format!("cannot reach https://{target}")]);
}

#[test]
fn loopback_never_goes_through_the_environments_proxy() {
    let server = running(true);
    let machine = Machine::new();
    let proxy = FakeProxy::start();
    let loopback = server.write_kubeconfig(machine.dir.path());
    let mut config = kubeconfig_json(&server);
    config["clusters"][0]["cluster"]["server"] = json!(server.url().replace("127.0.0.1", "localhost"));
    let localhost = write_json(&machine, "localhost", &config);
    for kubeconfig in [loopback.to_str().unwrap(), &localhost] {
        for env in [[("HTTPS_PROXY", proxy.url())], [("HTTPS_PROXY", "http://127.0.0.1:1".to_string())]] {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let run = machine.run(kubeconfig, &["step", "1"], &env);
            assert_eq!(run.code, 0, "{kubeconfig} {env:?}: {run:?}");
        }
    }
    assert!(proxy.requests().is_empty());
}

#[test]
fn the_kubeconfigs_proxy_url_wins_socks5_included() {
    let server = running(true);
    let machine = Machine::new();
    let socks = FakeProxy::start();
    let environment = FakeProxy::start();
    let kubeconfig = remote(&machine, &server, &socks, Some(&socks.socks5_url()));
    let run =
        machine.run(&kubeconfig, &["step", "1"], &[("HTTPS_PROXY", &environment.url()), ("NO_PROXY", "*")]);
    assert_eq!(run.code, 0, "{run:?}");
    let requests = socks.requests();
    assert!(!requests.is_empty());
    assert!(
        requests
            .iter()
            .all(|r| r.protocol == ProxyProtocol::Socks5 && r.target == format!("{REMOTE_HOST}:6443"))
    );
    assert!(environment.requests().is_empty());

    // An http proxy-url applies to loopback too, as in client-go.
    let mut config = kubeconfig_json(&server);
    config["clusters"][0]["cluster"]["proxy-url"] = json!(environment.url());
    let run = machine.run(&write_json(&machine, "loopback", &config), &["step", "1"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(environment.targets().first(), Some(&server.address().to_string()));

    let mut config = kubeconfig_json(&server);
    config["clusters"][0]["cluster"]["proxy-url"] = json!("ftp://127.0.0.1:21");
    let run = machine.run(&write_json(&machine, "ftp", &config), &["step", "1"], &[]);
    run.assert_error(2, &["unsupported scheme \"ftp\": it must be http, https or socks5"]);
}

#[test]
fn a_proxy_that_refuses_is_one_line_naming_it() {
    let server = running(true);
    let machine = Machine::new();
    let proxy = FakeProxy::start();
    let mut config = kubeconfig_json(&server);
    config["clusters"][0]["cluster"]["server"] = json!("https://unknown.lab.invalid:6443");
    let kubeconfig = write_json(&machine, "unknown", &config);
    let run = machine.run(&kubeconfig, &["step", "1"], &[("HTTPS_PROXY", &proxy.url())]);
    let through = format!("through the proxy {}", proxy.url());
    run.assert_error(3, &["cannot reach https://unknown.lab.invalid:6443 (context \"fake\")", &through]);
    assert!(proxy.requests().iter().all(|r| !r.tunnelled));
}

// ---------------------------------------------------------------------------------------------
// The API server vanishing.

#[test]
fn the_api_server_vanishing_during_wait_ends_with_exit_3_and_nothing_recorded() {
    let server = FakeApiServer::start();
    server.add_namespace("experiments");
    server.put_pod_fixture("init-demo-init-1-of-2");
    let machine = Machine::new();
    let kubeconfig = server.write_kubeconfig(machine.dir.path());
    let kubeconfig = kubeconfig.to_str().unwrap();
    let child = machine
        .command(kubeconfig, &["step", "1", "--wait", "5m"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.requests().iter().any(|r| r.is_watch()) {
        assert!(Instant::now() < deadline, "the checker never started a watch");
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = server.url();
    server.stop();
    let stopped = Instant::now();
    let run = finish(child);
    let took = stopped.elapsed();
    assert_eq!(run.code, 3, "{run:?}");
    assert!(took >= RECONNECT_BUDGET && took < RECONNECT_BUDGET + Duration::from_secs(10), "{took:?}");
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with(&format!("error: lost {url} (context \"fake\") for 3")), "{run:?}");
    assert!(last.ends_with("no result recorded"), "{run:?}");
    assert!(run.stdout.is_empty(), "no stale report: {run:?}");
    let progress = machine.run(kubeconfig, &["progress", "-o", "json"], &[]);
    assert_eq!(progress.json()["steps"], json!({}), "{progress:?}");
}
