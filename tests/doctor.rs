//! `checker doctor`, the book's environment check, against the fake API server: an old server
//! keeps step 5 from passing, a refused pod proxy keeps step 4 from passing, kubectl too far
//! from the server, and all set; each problem with the command that fixes it, every request a
//! GET.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use testkit::FakeApiServer;

/// One learner's machine: a kubeconfig for `server`, and a PATH whose only kubectl prints
/// `kubectl_version` (none when `None`).
struct Machine {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    bin: PathBuf,
}

impl Machine {
    fn new(server: &FakeApiServer, kubectl_version: Option<&str>) -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = server.write_kubeconfig(dir.path());
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        if let Some(version) = kubectl_version {
            fake_kubectl(&bin, version);
        }
        Machine { dir, kubeconfig, bin }
    }

    fn run(&self, args: &[&str], lang: &str) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_checker"))
            .args(args)
            .env_clear()
            .env("PATH", &self.bin)
            .env("HOME", self.dir.path())
            .env("KUBECONFIG", &self.kubeconfig)
            .env("CHECKER_STATE_DIR", self.dir.path().join("state"))
            .env("LANG", lang)
            .output()
            .unwrap();
        (
            out.status.code().expect("exited"),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    fn json(&self) -> (i32, Value) {
        let (code, stdout, stderr) = self.run(&["doctor", "-o", "json"], "en_US.UTF-8");
        let json =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}{stderr}"));
        (code, json)
    }
}

/// A kubectl that answers `version --client -o json` as kubectl does.
fn fake_kubectl(bin: &Path, version: &str) {
    use std::os::unix::fs::PermissionsExt;
    let minor = version.trim_start_matches('v').split('.').nth(1).unwrap();
    let script = format!(
        "#!/bin/sh\n[ \"$*\" = \"version --client -o json\" ] || exit 2\n\
         printf '%s\\n' '{{\"clientVersion\":{{\"major\":\"1\",\"minor\":\"{minor}\",\"gitVersion\":\"{version}\",\"platform\":\"linux/amd64\"}},\"kustomizeVersion\":\"v5.7.1\"}}'\n"
    );
    let path = bin.join("kubectl");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn server(version: &str) -> FakeApiServer {
    let server = FakeApiServer::start();
    server.add_namespace("experiments");
    server.set_server_version(version);
    server
}

fn item<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no {id}: {json:#}"))
}

fn problems(json: &Value) -> Vec<&str> {
    json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "problem")
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

fn assert_only_gets(server: &FakeApiServer) {
    let requests = server.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.method, "GET", "the checker never writes, not even an access review: {r:?}");
        assert!(!r.path.contains("selfsubjectaccessreviews"), "{r:?}");
    }
}

#[test]
fn all_set_on_a_new_enough_cluster() {
    let server = server("v1.34.0");
    let machine = Machine::new(&server, Some("v1.34.0"));
    let (code, json) = machine.json();
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["reachable"], true);
    assert_eq!(json["problems"], 0);
    assert_eq!(json["context"], "fake");
    assert_eq!(json["server_version"], "v1.34.0");
    for id in [
        "cluster",
        "server-version",
        "namespace",
        "pods",
        "pods-log",
        "events",
        "pods-proxy",
        "services",
        "nodes",
        "kubectl",
    ] {
        assert_eq!(item(&json, id)["status"], "ok", "{id}: {json:#}");
    }
    assert!(item(&json, "server-version")["text"].as_str().unwrap().contains("step 5 needs ≥ 1.29"));
    assert_eq!(item(&json, "pods-log")["steps"], serde_json::json!([2, 3, 8]), "from the spec's log checks");
    assert_eq!(item(&json, "services")["steps"], serde_json::json!([6, 8]), "from the spec's Service checks");
    assert_eq!(item(&json, "nodes")["status"], "ok", "the fake server lets the kubeconfig's user list nodes");
    assert_eq!(item(&json, "pods-proxy")["steps"], serde_json::json!([4]), "from the spec's page checks");
    // The fake server serves no storage classes: worth knowing, nothing to fix.
    assert_eq!(item(&json, "storage-class")["status"], "info");
    // The reads were asked with GETs on a pod that does not exist, and a one-second watch.
    let paths: Vec<String> = server.requests().iter().map(|r| format!("{}?{}", r.path, r.query)).collect();
    for wanted in [
        "/api/v1/namespaces/experiments/pods/checker-doctor-no-such-pod/log?",
        "/api/v1/namespaces/experiments/pods/checker-doctor-no-such-pod/proxy/?",
        "/api/v1/namespaces/experiments/pods?limit=1",
        "/api/v1/namespaces/experiments/events?limit=1",
    ] {
        assert!(paths.iter().any(|p| p == wanted), "{wanted} not in {paths:#?}");
    }
    assert!(server.requests().iter().any(|r| r.is_watch()));
    assert_only_gets(&server);

    let (code, stdout, _) = machine.run(&["doctor"], "zh_CN.UTF-8");
    assert_eq!(code, 0);
    assert!(stdout.starts_with("环境检查 · 上下文 fake（http://127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("✔ Kubernetes 版本：v1.34.0 满足每一步（步骤 5 需要 ≥ 1.29）"), "{stdout}");
    assert!(stdout.contains("结果：一切就绪，可以从步骤 1 开始"), "{stdout}");
}

#[test]
fn an_old_server_is_flagged_for_step_5_with_the_way_to_a_newer_cluster() {
    let server = server("v1.28.9");
    let machine = Machine::new(&server, Some("v1.29.0"));
    let (code, json) = machine.json();
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(problems(&json), ["server-version"]);
    let version = item(&json, "server-version");
    assert_eq!(version["steps"], serde_json::json!([5]));
    let text = version["text"].as_str().unwrap();
    assert!(
        text.contains("v1.28.9 is too old: step 5 (Init containers versus sidecar containers) needs ≥ 1.29"),
        "{text}"
    );
    let fix = version["fix"].as_str().unwrap();
    assert!(
        fix.contains("kind create cluster --name init-lab --image kindest/node:v1.34.0@sha256:"),
        "{fix}"
    );
    assert_eq!(item(&json, "kubectl")["status"], "ok", "1.29 is one minor from 1.28");

    let (_, stdout, _) = machine.run(&["doctor"], "zh_CN.UTF-8");
    assert!(
        stdout
            .contains("✘ Kubernetes 版本 v1.28.9 太旧：步骤 5「Init Container 与 Sidecar 容器」需要 ≥ 1.29"),
        "{stdout}"
    );
    assert!(stdout.contains("修复：按「实验准备」一章新建一个 Kubernetes v1.34 的集群"), "{stdout}");
    assert!(stdout.contains("结果：发现 1 个问题"), "{stdout}");
}

#[test]
fn a_refused_pod_proxy_is_flagged_for_step_4_with_the_rbac_fix() {
    let server = server("v1.34.0");
    server.forbid("", "pods/proxy");
    let machine = Machine::new(&server, Some("v1.33.2"));
    let (code, json) = machine.json();
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(problems(&json), ["pods-proxy"]);
    let proxy = item(&json, "pods-proxy");
    assert_eq!(proxy["steps"], serde_json::json!([4]));
    assert!(proxy["text"].as_str().unwrap().contains("refused (403 Forbidden, get)"), "{proxy}");
    let fix = proxy["fix"].as_str().unwrap();
    assert!(fix.contains("`kubectl apply -f manifests/checker-rbac.yaml`"), "{fix}");
    assert!(
        fix.contains("kubectl create rolebinding checker-reader -n experiments --role=checker-reader"),
        "{fix}"
    );
    // The rest is allowed: a 404 for the pod that does not exist is not a refusal.
    assert_eq!(item(&json, "pods-log")["status"], "ok");
    assert_only_gets(&server);
}

#[test]
fn refused_reads_of_pods_logs_and_events_are_each_flagged() {
    let server = server("v1.34.0");
    for resource in ["pods", "pods/log", "events"] {
        server.forbid("", resource);
    }
    let (code, json) = Machine::new(&server, Some("v1.34.0")).json();
    assert_eq!(code, 1);
    assert_eq!(problems(&json), ["pods", "pods-log", "events"]);
    assert!(item(&json, "pods")["text"].as_str().unwrap().contains("get, list, watch"), "{json:#}");
    assert_eq!(item(&json, "pods")["steps"], serde_json::json!([1, 2, 3, 4, 5, 6, 7, 8]));
}

#[test]
fn kubectl_too_far_from_the_server_or_missing() {
    let server = server("v1.34.0");
    let (code, json) = Machine::new(&server, Some("v1.31.4")).json();
    assert_eq!(code, 1);
    assert_eq!(problems(&json), ["kubectl"]);
    let kubectl = item(&json, "kubectl");
    assert!(
        kubectl["text"].as_str().unwrap().contains("3 minor versions from the cluster (1.34)"),
        "{kubectl}"
    );
    assert!(kubectl["fix"].as_str().unwrap().contains("e.g. v1.34"), "{kubectl}");

    let (code, json) = Machine::new(&server, None).json();
    assert_eq!(code, 1);
    assert_eq!(problems(&json), ["kubectl"]);
    assert!(item(&json, "kubectl")["text"].as_str().unwrap().contains("not found on PATH"));
}

#[test]
fn an_unreachable_cluster_exits_3_with_what_to_do() {
    let server = server("v1.34.0");
    let machine = Machine::new(&server, Some("v1.34.0"));
    server.stop();
    let (code, json) = machine.json();
    assert_eq!(code, 3, "{json:#}");
    assert_eq!(json["reachable"], false);
    let cluster = item(&json, "cluster");
    assert_eq!(cluster["status"], "problem");
    assert!(cluster["text"].as_str().unwrap().contains("Connection refused"), "{cluster}");
    assert!(cluster["fix"].as_str().unwrap().contains("kubectl cluster-info"), "{cluster}");
    let (code, stdout, _) = machine.run(&["doctor"], "zh_CN.UTF-8");
    assert_eq!(code, 3);
    assert!(stdout.contains("结果：连不上集群"), "{stdout}");
}

/// The book's setup chapter, `src/setup.md`.
fn setup_chapter() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../src/setup.md")).unwrap()
}

#[test]
fn the_setup_chapters_sample_is_what_doctor_prints_before_step_1() {
    let chapter = setup_chapter();
    let sample = chapter
        .split("```text\n环境检查")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .map(|rest| format!("环境检查{rest}\n"))
        .expect("a sample of `checker doctor` in src/setup.md");
    // A kind cluster of the chapter's version, before step 1: no namespace yet.
    let server = FakeApiServer::start();
    server.set_server_version("v1.34.0");
    let machine = Machine::new(&server, Some("v1.34.0"));
    let (code, printed, _) = machine.run(&["doctor"], "zh_CN.UTF-8");
    assert_eq!(code, 0, "{printed}");
    // What differs from kind: the context and address, and the storage classes (the fake
    // server serves none; kind has its default `standard`).
    let place = |text: &str| text.lines().next().unwrap().split(" · 上下文").next().unwrap().to_string();
    assert_eq!(place(&printed), place(&sample));
    let body = |text: &str| -> Vec<String> {
        text.lines().skip(1).filter(|l| !l.contains("StorageClass")).map(String::from).collect()
    };
    assert_eq!(body(&printed), body(&sample), "src/setup.md's sample differs from the output:\n{printed}");
    assert!(
        sample.contains("• 默认 StorageClass：standard（本实验不需要；后续的 2.1 StatefulSet 实验需要）")
    );
}

#[test]
fn the_setup_chapter_names_clusters_on_which_every_step_passes() {
    let chapter = setup_chapter();
    let spec = lab_spec::LabSpec::embedded().unwrap();
    let need = spec.steps.iter().filter_map(|s| s.min_server_version).max().expect("step 5 needs 1.29");
    let versions = |prefix: &str| -> Vec<lab_spec::MinorVersion> {
        chapter
            .split(prefix)
            .skip(1)
            .map(|rest| lab_spec::MinorVersion::parse(rest).unwrap_or_else(|| panic!("{prefix}{rest:.20}")))
            .collect()
    };
    for prefix in ["kindest/node:", "--kubernetes-version=", "rancher/k3s:"] {
        let found = versions(prefix);
        assert!(!found.is_empty(), "src/setup.md names no {prefix} version");
        for version in found {
            assert!(version >= need, "{prefix}{version} is older than step 5 needs ({need})");
        }
    }
    // The way to a newer cluster that the checker gives is the chapter's own command.
    let setup = spec.cluster_setup.expect("the lab says how to get a cluster");
    for text in [&setup.zh, &setup.en] {
        let create =
            text.split('`').find(|span| span.starts_with("kind create cluster")).expect("a kind command");
        assert!(chapter.contains(create), "src/setup.md lacks `{create}`");
    }
}

#[test]
fn a_lab_whose_claims_need_a_default_storage_class_is_told_when_there_is_none() {
    let server = server("v1.34.0");
    server.add_namespace("statefulset");
    let machine = Machine::new(&server, Some("v1.34.0"));
    let run = |machine: &Machine| {
        let (code, stdout, stderr) =
            machine.run(&["--lab", "statefulset", "doctor", "-o", "json"], "en_US.UTF-8");
        let json: Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}{stderr}"));
        (code, json)
    };
    // No StorageClass at all: experiment 2.1's claims would stay Pending.
    let (code, json) = run(&machine);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(problems(&json), ["storage-class"], "{json:#}");
    let storage = item(&json, "storage-class");
    assert!(storage["text"].as_str().unwrap().starts_with("no StorageClass: this lab's claims"), "{storage}");
    assert!(storage["fix"].as_str().unwrap().contains("local-path-provisioner"), "{storage}");
    assert_eq!(item(&json, "namespace")["status"], "ok");
    assert!(server.requests().iter().any(|r| r.path == "/apis/storage.k8s.io/v1/storageclasses"));

    // kind's default StorageClass: all set.
    server.put_object(serde_json::json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
    }));
    let (code, json) = run(&machine);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(item(&json, "storage-class")["status"], "ok");
    assert_only_gets(&server);
}

#[test]
fn the_statefulset_labs_sample_is_what_doctor_prints_before_its_step_1() {
    let chapter =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../src/statefulset/index.md"))
            .unwrap();
    let sample = chapter
        .split("```text\n环境检查")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .map(|rest| format!("环境检查{rest}\n"))
        .expect("a sample of `checker doctor` in src/statefulset/index.md");
    // The chapter's kind v1.31 cluster before step 1: no namespace yet, its default StorageClass.
    let server = FakeApiServer::start();
    server.set_server_version("v1.31.0");
    server.put_object(serde_json::json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
    }));
    let machine = Machine::new(&server, Some("v1.31.0"));
    let (code, printed, _) = machine.run(&["--lab", "statefulset", "doctor"], "zh_CN.UTF-8");
    assert_eq!(code, 0, "{printed}");
    // What differs from kind: the context and address.
    let place = |text: &str| text.lines().next().unwrap().split(" · 上下文").next().unwrap().to_string();
    assert_eq!(place(&printed), place(&sample));
    let body = |text: &str| -> Vec<String> { text.lines().skip(1).map(String::from).collect() };
    assert_eq!(
        body(&printed),
        body(&sample),
        "src/statefulset/index.md's sample differs from the output:\n{printed}"
    );
}
