//! `checker report` end to end: the learner's record from the fake cluster, and its Mermaid gantt
//! chart drawn by the book's own Mermaid in headless Chromium.

#[path = "support/book.rs"]
mod support;

#[path = "support/browser.rs"]
mod browser;

use std::process::Command;

use browser::{Options, StaticServer, attr, dump_dom, open_tags};
use support::repo_root;
use testkit::FakeApiServer;

fn write_report(server: &FakeApiServer, lang: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path());
    let file = dir.path().join("record.md");
    let out = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(["report", "--lang", lang, "--output"])
        .arg(&file)
        .env("KUBECONFIG", &kubeconfig)
        .env("CHECKER_STATE_DIR", dir.path().join("state"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(file).unwrap()
}

fn lab_server() -> FakeApiServer {
    let server = FakeApiServer::start();
    server.add_namespace("experiments");
    server.put_pod_fixture("init-demo-running");
    server.put_pod_fixture("init-demo-fail-crashloop");
    server.set_log("experiments", "init-demo", "init-1", false, "Init 1: Checking database...\n");
    server.set_log("experiments", "init-demo", "init-2", false, "Init 2: Loading config...\n");
    server.set_log("experiments", "init-demo", "app", false, "Configuration complete; ready for start up\n");
    server.set_log("experiments", "init-demo-fail", "init-1", true, "Init 1: Failed!\n");
    server
}

#[test]
fn report_has_steps_timeline_timings_and_goals() {
    let server = lab_server();
    let md = write_report(&server, "zh");
    for needle in [
        "# 实验记录：Init Container 初始化容器",
        "- Kubernetes 版本: `v1.",
        "### 步骤 1: 部署带 Init Container 的 Pod — ✅ 通过",
        "### 步骤 2: 查看 Init Container 日志 — ✅ 通过",
        "### 步骤 3: 测试 Init Container 失败场景 — ✅ 通过",
        "Init 1: Checking database...",
        "init-demo   0/1     Init:1/2",
        "| init-1 执行时间 | 5s |",
        "- [x] 理解 Init Container 的执行顺序和时机",
        "```mermaid\ngantt",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

/// The learner's whole journey on the fake cluster: steps 1 to 5, 7 and 8 pass, the pods and
/// the Service are deleted, step 6 passes, step 1 is checked once more (it fails: its pod is gone), and only then the
/// record is written.
#[test]
fn the_record_written_after_cleanup_has_every_recorded_pass() {
    let server = lab_server();
    server.put_pod_fixture("init-demo-volume-running");
    server.set_proxy(
        "experiments",
        "init-demo-volume",
        200,
        "<h1>Prepared by an init container</h1>\n<p>lab-marker: init-container-volume</p>\n",
    );
    server.put_pod_fixture("sidecar-demo-running");
    // Steps 7 and 8: their pods, the scheduler's event, the node, the Service and the wait's log.
    let object = |name: &str| -> serde_json::Value {
        let path = testkit::fixtures_dir().join(format!("cluster/{name}.yaml"));
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    for pod in [
        "init-demo-resources-unschedulable",
        "init-demo-qos-running",
        "init-demo-resources-fixed-running",
        "init-demo-wait-running",
        "init-demo-deadline-exceeded",
    ] {
        server.put_pod_fixture(pod);
    }
    for name in ["node-kind-control-plane", "event-init-demo-resources-failed-scheduling", "service-lab-db"] {
        server.put_object(object(name));
    }
    let log =
        std::fs::read_to_string(testkit::fixtures_dir().join("cluster/log-init-demo-wait-wait-for-db.txt"));
    server.set_log("experiments", "init-demo-wait", "wait-for-db", false, &log.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path());
    let checker = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_checker"))
            .args(args)
            .env("KUBECONFIG", &kubeconfig)
            .env("CHECKER_STATE_DIR", dir.path().join("state"))
            .env("LANG", "zh_CN.UTF-8")
            .env("TZ", "CST-8")
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    for step in ["1", "2", "3", "4", "5", "7", "8"] {
        let (code, out, err) = checker(&["step", step]);
        assert_eq!(code, 0, "step {step}: {out}{err}");
    }
    for pod in [
        "init-demo",
        "init-demo-fail",
        "init-demo-volume",
        "sidecar-demo",
        "init-demo-resources",
        "init-demo-qos",
        "init-demo-resources-fixed",
        "init-demo-wait",
        "init-demo-deadline",
    ] {
        assert!(server.delete_pod("experiments", pod));
    }
    assert!(server.delete_object("v1", "Service", "experiments", "lab-db"));
    assert_eq!(checker(&["step", "6"]).0, 0);
    assert_eq!(checker(&["step", "1"]).0, 1, "the pod is gone");

    // The quiz, as the served book keeps it (POST /api/quiz): question 4 wrong, two ratings.
    let quiz = checker::progress::QuizRecord {
        total: 7,
        answers: (1..=7)
            .map(|n| {
                let answer = checker::progress::QuizAnswer { choice: "a".into(), right: n != 4 };
                (format!("quiz-{n}"), answer)
            })
            .collect(),
        ratings: [("knowledge".to_string(), 4), ("recommend".to_string(), 5)].into(),
        at: "2026-11-20T10:30:00Z".parse().unwrap(),
    };
    checker::progress::ProgressStore::in_dir(dir.path().join("state"))
        .record_quiz("init-container", quiz)
        .unwrap();

    server.clear_requests();
    let file = dir.path().join("record.md");
    let (code, _, err) = checker(&["report", "--output", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let md = std::fs::read_to_string(&file).unwrap();
    for needle in [
        "> 🎉 全部 8 个步骤都已通过：实验完成。",
        "### 步骤 1: 部署带 Init Container 的 Pod — ✅ 通过（",
        "> 之后最近一次检查：❌ 未通过（",
        "init-demo   1/1     Running",
        "Init 1: Checking database...",
        "| init-1 执行时间 | 5s | 18:00:02 → 18:00:07 |",
        "| 总初始化时间 | ",
        "### 步骤 3: 测试 Init Container 失败场景 — ✅ 通过（",
        "Init:CrashLoopBackOff",
        "### 步骤 5: Init Container 与 Sidecar 容器 — ✅ 通过（",
        "| log-shipper（Sidecar） | 持续运行 |",
        "- [x] 学习 Init Container 的典型应用场景",
        "```mermaid\ngantt",
        "init-1 :done, c0, 2026-11-20 18:00:02, 2026-11-20 18:00:07",
        "- 时区: UTC+08:00",
        "## 📝 小测验与自我评估",
        "- 小测验（按第一次作答计分）: 答对 6/7 题；答错：第 4 题",
        "- 知识掌握程度: ★★★★☆ 4/5",
        "### 步骤 7: 资源与调度 — ✅ 通过（",
        "**`init-demo-resources` 的资源（由 Pod 规格计算）**:",
        "| = 有效值 | 较大者 | 1000 | 32Mi | - | - |",
        "没有节点放得下它：kind-control-plane（cpu：需要 1000，可分配 8）。",
        "### 步骤 8: 等待依赖服务 — ✅ 通过（",
        "- [x] 掌握 Init Container 与主容器的区别",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
    assert!(!md.contains("— ❌") && !md.contains("— ○"), "no step lost its pass:\n{md}");
    // Every step had a recorded pass: the record did not look at the (empty) namespace.
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert!(paths.iter().all(|p| !p.contains("/pods")), "{paths:?}");

    // The progress lasts, and says the lab is complete.
    let (_, progress, _) = checker(&["progress"]);
    assert!(progress.contains("🎉 实验完成：全部 8 个步骤都通过过"), "{progress}");
    let (_, json, _) = checker(&["progress", "-o", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!((json["passed"].as_u64(), json["complete"].as_bool()), (Some(8), Some(true)), "{json:#}");
    assert_eq!(json["steps"]["1"]["verdict"], "fail");
    // With the quiz and the self-ratings.
    assert!(
        progress.contains(
            "小测验：答对 6/7 题；答错：第 4 题\n自我评估：知识掌握程度：4/5 · 推荐给其他学习者：5/5"
        ),
        "{progress}"
    );
    assert_eq!(
        (json["quiz"]["right"].as_u64(), json["quiz"]["finished"].as_bool()),
        (Some(6), Some(true)),
        "{json:#}"
    );
    assert_eq!(json["quiz"]["wrong"], serde_json::json!(["4"]), "{json:#}");
    assert_eq!(json["quiz"]["ratings"][0]["name"], "知识掌握程度", "{json:#}");
}

#[test]
fn gantt_chart_renders_in_chromium_without_error() {
    let server = lab_server();
    let md = write_report(&server, "en");
    let charts: Vec<&str> =
        md.split("```mermaid\n").skip(1).map(|rest| rest.split("```").next().unwrap()).collect();
    assert_eq!(charts.len(), 2, "one gantt chart per pod with init containers");

    // The book's Mermaid and its loader, as a page of the book has them.
    let mermaid = repo_root().join("src/mermaid.min.js");
    assert!(mermaid.is_file(), "{} is missing: run `cargo xtask setup`", mermaid.display());
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&mermaid, dir.path().join("mermaid.min.js")).unwrap();
    std::fs::copy(repo_root().join("theme/mermaid-loader.js"), dir.path().join("mermaid-loader.js")).unwrap();
    let blocks: String = charts.iter().map(|c| format!("<pre class=\"mermaid\">{c}</pre>\n")).collect();
    let page = format!(
        "<!DOCTYPE html><html><body>{blocks}<script src=\"mermaid-loader.js\"></script></body></html>"
    );
    std::fs::write(dir.path().join("index.html"), page).unwrap();
    let site = StaticServer::start(dir.path()).unwrap();
    let dom = dump_dom(&site.url("index.html"), Options::default()).unwrap().stdout;
    let roles: Vec<String> = open_tags(&dom, "svg")
        .into_iter()
        .filter_map(|tag| attr(tag, "aria-roledescription").map(str::to_string))
        .collect();
    assert_eq!(roles, ["gantt", "gantt"], "rendered diagrams: {roles:?}");
    for task in ["init-1", "init-2", "app"] {
        assert!(dom.contains(&format!("-text\">{task}")), "the chart has a bar labelled {task}");
    }
}
