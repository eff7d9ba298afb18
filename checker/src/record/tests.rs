use super::*;
use crate::evaluate::evaluate;
use crate::fixtures::pod as fixture;
use crate::observation::Observation;
use crate::progress::LabProgress;

fn observation(pods: &[&str], at: Timestamp) -> Observation {
    Observation {
        namespace: "experiments".into(),
        namespace_exists: Some(true),
        pods: pods.iter().map(|p| fixture(p)).collect(),
        logs: None,
        events: vec![],
        pages: None,
        server_version: None,
        objects: Default::default(),
        at,
    }
}

/// The live cluster as `entries` reads it: the verdict and observation of a step on `obs`.
fn live(spec: &LabSpec, obs: &Observation) -> impl FnMut(u32) -> Option<(Verdict, PassRecord)> {
    move |n| {
        let step = spec.step(n)?;
        Some((evaluate(spec, step, obs, Lang::En).verdict, PassRecord::new(spec, step, obs)))
    }
}

fn render(spec: &LabSpec, steps: &[StepEntry], lang: Lang, written_at: Timestamp) -> String {
    markdown(&RecordInput {
        spec,
        lang,
        context: "kind-kind",
        server: "https://127.0.0.1:6443",
        server_version: Some("v1.31.0"),
        written_at,
        steps,
        live_problem: None,
        quiz: None,
    })
}

#[test]
fn a_record_of_a_live_cluster_has_the_originals_sections() {
    let spec = LabSpec::embedded().unwrap();
    let at: Timestamp = "2026-11-20T10:05:00Z".parse().unwrap();
    let obs = observation(&["init-demo-running", "init-demo-fail-crashloop"], at);
    let steps = entries(&spec, &LabProgress::new(), live(&spec, &obs));
    let md = render(&spec, &steps, Lang::Zh, at);
    let init_1 = "2026-11-20T10:00:02Z".parse().unwrap();
    let app = "2026-11-20T10:00:12Z".parse().unwrap();
    for needle in [
        "# 实验记录：Init Container 初始化容器".to_string(),
        "`v1.31.0`".into(),
        "### 步骤 1: 部署带 Init Container 的 Pod — ✅ 通过（生成记录时".into(),
        "init-demo   1/1     Running".into(),
        "Init:CrashLoopBackOff".into(),
        "| init-2 执行时间 | 3s |".into(),
        "| 总初始化时间 |".into(),
        "| 启动准备 |".into(),
        "```mermaid\ngantt".into(),
        format!("init-1 :done, c0, {}", clock::gantt(init_1)),
        format!("app :active, c2, {}", clock::gantt(app)),
        "PodInitializing".into(),
        "已通过 ".into(),
    ] {
        assert!(md.contains(&needle), "missing {needle:?} in\n{md}");
    }
    assert!(!md.contains("Init:2/2"));
    // Step 2 has no logs in this observation, so the goals that need it are not reached.
    let md = render(&spec, &steps, Lang::En, at);
    assert!(md.contains("- [ ] Understand when and in which order init containers run"), "{md}");
}

/// The learner's progress after passing every step on `obs`es taken then, and checking step 1
/// again once the pods were gone.
fn progress_after_cleanup(spec: &LabSpec) -> LabProgress {
    let passed_at: Timestamp = "2026-11-20T10:05:00Z".parse().unwrap();
    let mut obs = observation(
        &[
            "init-demo-running",
            "init-demo-fail-crashloop",
            "init-demo-volume-running",
            "sidecar-demo-running",
        ],
        passed_at,
    );
    obs.server_version = Some("v1.31.0".into());
    let mut progress = LabProgress::new();
    for step in &spec.steps {
        let pass = PassRecord::new(spec, step, &obs);
        progress.insert(step.number, StepRecord::updated(None, Verdict::Pass, passed_at, Some(pass)));
    }
    let failed_at: Timestamp = "2026-11-20T11:00:00Z".parse().unwrap();
    let again = StepRecord::updated(progress.remove(&1), Verdict::Fail, failed_at, None);
    progress.insert(1, again);
    progress
}

#[test]
fn after_cleanup_the_record_is_written_from_the_recorded_passes() {
    let spec = LabSpec::embedded().unwrap();
    let progress = progress_after_cleanup(&spec);
    let written_at: Timestamp = "2026-11-20T12:00:00Z".parse().unwrap();
    let cleaned = observation(&[], written_at);
    let mut asked = Vec::new();
    let steps = entries(&spec, &progress, |n| {
        asked.push(n);
        live(&spec, &cleaned)(n)
    });
    assert!(asked.is_empty(), "every step has a recorded pass: the live cluster is not needed");
    let md = render(&spec, &steps, Lang::En, written_at);
    for needle in [
        "🎉 All 8 steps passed: the lab is complete.",
        "### Step 1: Deploy a pod with init containers — ✅ pass (",
        "The latest check since: ❌ fail (",
        "init-demo   1/1     Running",
        "| init-1 run time | 5s |",
        "- [x] Understand when and in which order init containers run",
        "- [x] Learn the typical uses of init containers",
        "### STATUS changes of `init-demo`",
        "### Timings of `sidecar-demo`",
        "| log-shipper (sidecar) | keeps running |",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
    assert!(!md.contains("❌ fail —"), "no step is shown as failed:\n{md}");
    // Each pod's sections once, though steps 1 and 2 both show init-demo.
    assert_eq!(md.matches("### Timings of `init-demo`").count(), 1);
}

#[test]
fn the_gantt_chart_ends_when_the_pod_became_ready_not_when_the_record_is_written() {
    let spec = LabSpec::embedded().unwrap();
    let progress = progress_after_cleanup(&spec);
    // Written a day later: the chart must not stretch to then.
    let written_at: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
    let steps = entries(&spec, &progress, |_| None);
    let md = render(&spec, &steps, Lang::En, written_at);
    let pod = fixture("init-demo-running");
    let t = crate::timing::pod_timings(&pod).unwrap();
    let ready = t.ready_at.unwrap();
    let app = t.containers[2].started_at.unwrap();
    let line = format!(
        "app :active, c2, {}, {}",
        clock::gantt(app),
        clock::gantt(ready.max(app + SignedDuration::from_secs(1)))
    );
    assert!(md.contains(&line), "missing {line:?} in\n{md}");
    let late = clock::gantt(written_at);
    assert!(md.lines().filter(|l| l.contains(" :")).all(|l| !l.contains(&late)), "{md}");
}

#[test]
fn a_step_never_passed_on_an_unreadable_cluster_has_no_data() {
    let spec = LabSpec::embedded().unwrap();
    let steps = entries(&spec, &LabProgress::new(), |_| None);
    let md = markdown(&RecordInput {
        spec: &spec,
        lang: Lang::Zh,
        context: "kind-kind",
        server: "https://127.0.0.1:6443",
        server_version: None,
        written_at: "2026-11-20T12:00:00Z".parse().unwrap(),
        steps: &steps,
        live_problem: Some("connection refused".into()),
        quiz: None,
    });
    assert!(md.contains("读取集群失败（connection refused）"), "{md}");
    assert!(md.contains("— ○ 未完成"), "{md}");
    assert!(md.contains("已通过 0/8 个步骤"), "{md}");
}

#[test]
fn the_record_of_step_7_keeps_its_resource_and_node_tables_after_cleanup() {
    let spec = LabSpec::embedded().unwrap();
    let at: Timestamp = "2026-11-20T10:05:00Z".parse().unwrap();
    let mut obs = observation(&["init-demo-resources-unschedulable", "init-demo-qos-running"], at);
    let nodes = crate::resources::all_nodes();
    obs.objects = crate::observation::Objects {
        reads: vec![crate::observation::Read::of(&nodes, None)],
        items: vec![crate::resources::trim_node(&crate::fixtures::cluster("node-kind-control-plane"))],
    };
    let pass = PassRecord::new(&spec, spec.step(7).unwrap(), &obs);
    // Through the progress file and back, as `checker report` reads it after cleanup.
    let pass: PassRecord = serde_json::from_str(&serde_json::to_string(&pass).unwrap()).unwrap();
    let mut progress = LabProgress::new();
    progress.insert(7, StepRecord::updated(None, Verdict::Pass, at, Some(pass)));
    let steps = entries(&spec, &progress, |_| None);
    let md = render(&spec, &steps, Lang::En, "2026-11-20T12:00:00Z".parse().unwrap());
    for needle in [
        "**`init-demo-resources` resources (computed from its spec)**:",
        "| container | role | cpu request | memory request | cpu limit | memory limit |",
        "| prepare | Init | 1000 | 16Mi | - | - |",
        "| = effective | larger | 1000 | 32Mi | - | - |",
        "No node can hold it: kind-control-plane (cpu: needs 1000, allocatable 8).",
        "| kind-control-plane | 8 | 16318588Ki | 110 |",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
}

#[test]
fn the_quiz_and_self_ratings_have_a_short_section_after_the_goals() {
    let spec = LabSpec::embedded().unwrap();
    let quiz = crate::progress::QuizRecord {
        total: 7,
        answers: (1..=7)
            .map(|n| {
                let answer = crate::progress::QuizAnswer { choice: "a".into(), right: n != 4 };
                (format!("quiz-{n}"), answer)
            })
            .collect(),
        ratings: [("knowledge".to_string(), 4)].into(),
        at: "2026-11-20T12:00:00Z".parse().unwrap(),
    };
    for (lang, heading, score) in [
        (Lang::Zh, "## 📝 小测验与自我评估", "答对 6/7 题；答错：第 4 题"),
        (Lang::En, "## 📝 Quiz and self-assessment", "6 of 7 right; wrong: 4"),
    ] {
        let summary = crate::quiz::QuizSummary::new(&quiz, lang);
        let md = markdown(&RecordInput {
            spec: &spec,
            lang,
            context: "kind-kind",
            server: "https://127.0.0.1:6443",
            server_version: None,
            written_at: "2026-11-20T12:00:00Z".parse().unwrap(),
            steps: &entries(&spec, &LabProgress::new(), |_| None),
            live_problem: None,
            quiz: Some(&summary),
        });
        let (goals, section) = (md.find("## 📊").unwrap(), md.find(heading).expect(heading));
        assert!(goals < section, "{md}");
        assert!(md[section..].contains(score), "{md}");
        assert!(md[section..].contains("★★★★☆ 4/5"), "{md}");
    }
}
