//! `checker report`: the learner's own experiment record, in Markdown, in the shape of the
//! original record: environment, each step with its real observed status, the logs, the STATUS
//! timeline, the timing table and a Mermaid gantt chart of the containers' real run times.
//!
//! Pure rendering from what `run` observed; renders in the book's Mermaid and on GitHub.

use std::fmt::Write;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use lab_spec::{LabSpec, Lang};

use crate::evaluate::{StepReport, Verdict};
use crate::i18n::tr;
use crate::progress::LabProgress;
use crate::sanitize::line;
use crate::table::{self, cell};
use crate::timeline::reconstruct;
use crate::timing::{PodTimings, pod_timings};
use crate::words;

/// Everything the record is written from.
pub struct RecordInput<'a> {
    pub spec: &'a LabSpec,
    pub lang: Lang,
    pub context: &'a str,
    pub server: &'a str,
    pub server_version: Option<&'a str>,
    pub taken_at: Timestamp,
    /// One report per step, evaluated on the same observation.
    pub reports: &'a [StepReport],
    pub pods: &'a [Pod],
    /// Earlier results, so that goals reached before cleanup still count.
    pub progress: &'a LabProgress,
}

/// A step's verdict with its emoji ([`words`]).
fn verdict_mark(verdict: Verdict, lang: Lang) -> String {
    format!("{} {}", words::emoji(words::outcome_of(verdict)), words::verdict(verdict, lang))
}

pub fn markdown(input: &RecordInput) -> String {
    let lang = input.lang;
    let mut out = String::new();
    let title = tr(lang, "实验记录：", "Lab record: ") + input.spec.title.get(lang);
    let _ = writeln!(out, "# {title}\n");
    let _ = writeln!(out, "**{}**: {}  ", tr(lang, "记录时间", "Recorded at"), input.taken_at);
    let _ = writeln!(out, "**{}**: `checker report`\n", tr(lang, "生成方式", "Written by"));

    let _ = writeln!(out, "## 📋 {}\n", tr(lang, "实验信息", "Environment"));
    let _ = writeln!(out, "- {}: `{}`", tr(lang, "集群上下文", "context"), line(input.context));
    let _ = writeln!(out, "- API server: `{}`", line(input.server));
    let version = line(input.server_version.unwrap_or("?"));
    let _ = writeln!(out, "- {}: `{version}`\n", tr(lang, "Kubernetes 版本", "Kubernetes version"));

    let _ = writeln!(out, "## 🔬 {}\n", tr(lang, "实验步骤", "Steps"));
    for report in input.reports {
        step_section(&mut out, report, lang);
    }

    let _ = writeln!(out, "## 📊 {}\n", tr(lang, "实验结果", "Results"));
    let _ = writeln!(out, "### {}\n", tr(lang, "目标", "Goals"));
    for goal in &input.spec.goals {
        let done = goal.steps.iter().all(|n| passed(input, *n));
        let _ = writeln!(out, "- [{}] {}", if done { "x" } else { " " }, goal.text.get(lang));
    }
    out.push('\n');

    for pod in input.pods {
        let Some(timings) = pod_timings(pod) else { continue };
        let _ = writeln!(out, "### {} `{}`\n", tr(lang, "状态变化", "STATUS changes of"), line(&timings.pod));
        let _ = writeln!(
            out,
            "{}\n",
            tr(
                lang,
                "由容器的 startedAt / finishedAt 时间戳重建（AGE 为距 Pod 创建的时间）：",
                "Rebuilt from the containers' startedAt / finishedAt (AGE counts from the pod's creation):"
            )
        );
        let _ = writeln!(out, "```\n{}```\n", reconstruct(pod).table());
        timing_table(&mut out, &timings, lang);
        gantt(&mut out, &timings, input.taken_at, lang);
    }
    out
}

fn passed(input: &RecordInput, step: u32) -> bool {
    input.reports.iter().any(|r| r.step == step && r.verdict == Verdict::Pass)
        || input.progress.get(&step).is_some_and(|r| r.verdict == Verdict::Pass)
}

fn step_section(out: &mut String, report: &StepReport, lang: Lang) {
    let step = tr(lang, "步骤", "Step");
    let _ = writeln!(
        out,
        "### {step} {}: {} — {}\n",
        report.step,
        line(&report.title),
        verdict_mark(report.verdict, lang)
    );
    let _ = writeln!(
        out,
        "| | {} | {} |\n|---|---|---|",
        tr(lang, "期望", "expectation"),
        tr(lang, "观察到的", "observed")
    );
    for check in &report.checks {
        let mark = words::emoji(check.outcome);
        let _ = writeln!(out, "| {mark} | {} | {} |", cell(&check.description), cell(&check.observed));
    }
    out.push('\n');
    if !report.pods.is_empty() {
        let _ = writeln!(out, "**{}**:\n", tr(lang, "实际结果", "Observed"));
        let _ = writeln!(out, "```\n{}```\n", table::pods(&report.pods).columns());
    }
}

fn timing_table(out: &mut String, t: &PodTimings, lang: Lang) {
    let _ = writeln!(out, "### {} `{}`\n", tr(lang, "性能数据", "Timings of"), line(&t.pod));
    let _ = writeln!(out, "{}", table::timings(t, lang).markdown());
}

/// A Mermaid gantt chart of the containers' real run times: init containers one after the
/// other, then the main container (still running: up to the time of the record).
fn gantt(out: &mut String, t: &PodTimings, now: Timestamp, lang: Lang) {
    let runs: Vec<_> = t.containers.iter().filter(|c| c.started_at.is_some()).collect();
    if runs.is_empty() {
        return;
    }
    let when = |ts: Timestamp| ts.strftime("%Y-%m-%d %H:%M:%S").to_string();
    let _ = writeln!(out, "### {} `{}`\n", tr(lang, "容器运行时间", "Container run times of"), line(&t.pod));
    let _ = writeln!(out, "```mermaid\ngantt");
    let _ = writeln!(out, "    title {} (UTC)", line(&t.pod));
    let _ = writeln!(out, "    dateFormat YYYY-MM-DD HH:mm:ss\n    axisFormat %H:%M:%S");
    let mut section = "";
    for (i, c) in runs.iter().enumerate() {
        let this = if c.init { "Init Containers" } else { "Containers" };
        if this != section {
            let _ = writeln!(out, "    section {this}");
            section = this;
        }
        let start = c.started_at.expect("filtered");
        let (state, end) = match c.finished_at {
            Some(end) => ("done", end),
            None => ("active", now),
        };
        // Mermaid draws nothing for a zero-length task: give it at least one second.
        let end = if end.as_second() <= start.as_second() {
            start.checked_add(jiff::SignedDuration::from_secs(1)).unwrap_or(start)
        } else {
            end
        };
        let _ = writeln!(out, "    {} :{state}, c{i}, {}, {}", line(&c.name), when(start), when(end));
    }
    let _ = writeln!(out, "```\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::evaluate;
    use crate::observation::Observation;

    use crate::fixtures::pod as fixture;

    fn sample(lang: Lang) -> String {
        let spec = LabSpec::embedded().unwrap();
        let pods = vec![fixture("init-demo-running"), fixture("init-demo-fail-crashloop")];
        let at: Timestamp = "2026-11-20T10:05:00Z".parse().unwrap();
        let obs = Observation {
            namespace: "experiments".into(),
            namespace_exists: Some(true),
            pods: pods.clone(),
            logs: None,
            events: vec![],
            pages: None,
            server_version: None,
            objects: Default::default(),
            at,
        };
        let reports: Vec<_> = spec.steps.iter().map(|s| evaluate(&spec, s, &obs, lang)).collect();
        markdown(&RecordInput {
            spec: &spec,
            lang,
            context: "kind-kind",
            server: "https://127.0.0.1:6443",
            server_version: Some("v1.31.0"),
            taken_at: at,
            reports: &reports,
            pods: &pods,
            progress: &LabProgress::new(),
        })
    }

    #[test]
    fn record_has_the_originals_sections_with_real_data() {
        let md = sample(Lang::Zh);
        for needle in [
            "# 实验记录：Init Container 初始化容器",
            "`v1.31.0`",
            "### 步骤 1: 部署带 Init Container 的 Pod — ✅ 通过",
            "init-demo   1/1     Running",
            "Init:CrashLoopBackOff",
            "| init-1 执行时间 | 5s | 10:00:02 → 10:00:07 |",
            "| init-2 执行时间 | 3s |",
            "```mermaid\ngantt",
            "init-1 :done, c0, 2026-11-20 10:00:02, 2026-11-20 10:00:07",
            "app :active, c2, 2026-11-20 10:00:12, 2026-11-20 10:05:00",
            "PodInitializing",
        ] {
            assert!(md.contains(needle), "missing {needle:?} in\n{md}");
        }
        assert!(!md.contains("Init:2/2"));
    }

    #[test]
    fn goals_need_their_steps() {
        let md = sample(Lang::En);
        // Step 2 has no logs in this observation, so the goals that need it are not reached.
        assert!(md.contains("- [ ] Understand when and in which order init containers run"), "{md}");
    }
}
