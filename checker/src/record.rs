//! `checker report`: the learner's own experiment record, in Markdown, in the shape of the
//! original record: environment, each step with what was really observed, the logs, the lab's
//! report tables (its pods as the checks saw them: policy × case), the restarts with their
//! measured waits next to the kubelet's back-off, the STATUS timeline, the timing table and a
//! Mermaid gantt chart of the containers' real run times.
//!
//! The record is written from the learner's achievements: each step as observed when it last
//! passed ([`PassRecord`], kept in the progress file), so that it is complete after cleanup; only
//! a step that never passed is shown as the live cluster has it. Pure rendering from
//! [`RecordInput`]; renders in the book's Mermaid and on GitHub. Times are local.

use std::collections::BTreeSet;
use std::fmt::Write;

use jiff::{SignedDuration, Timestamp};
use lab_spec::{LabSpec, Lang};

use crate::clock;
use crate::evaluate::Verdict;
use crate::i18n::tr;
use crate::progress::{PassRecord, StepRecord};
use crate::report;
use crate::resources::{Amounts, Nodes};
use crate::restarts;
use crate::sanitize::line;
use crate::table::{self, cell};
use crate::timeline::Timeline;
use crate::timing::PodTimings;
use crate::words;

/// Everything the record is written from.
pub struct RecordInput<'a> {
    pub spec: &'a LabSpec,
    pub lang: Lang,
    pub context: &'a str,
    pub server: &'a str,
    pub server_version: Option<&'a str>,
    pub written_at: Timestamp,
    /// One entry per step of the spec, in order.
    pub steps: &'a [StepEntry],
    /// Why the live cluster could not be read for the steps that never passed, if it could not.
    pub live_problem: Option<String>,
    /// The book's quiz and self-ratings, shown in a short section when there are any.
    pub quiz: Option<&'a crate::quiz::QuizSummary>,
}

/// One step as the record shows it.
#[derive(Debug, Clone)]
pub struct StepEntry {
    pub number: u32,
    /// Its progress: the latest result and the last pass.
    pub progress: Option<StepRecord>,
    /// What the record shows: the last pass's observation, or the live cluster's.
    pub shown: Shown,
}

/// Where a step's data in the record comes from.
#[derive(Debug, Clone)]
pub enum Shown {
    /// As observed when it last passed.
    Pass(PassRecord),
    /// It passed, but the checker that recorded it kept no observation (format 1): the live
    /// cluster's, if there was one to read.
    PassWithoutObservation(Option<(Verdict, PassRecord)>),
    /// It never passed: the live cluster's verdict and observation now.
    Live(Verdict, PassRecord),
    /// It never passed and the live cluster could not be read.
    Nothing,
}

impl StepEntry {
    /// The step counts as done in the record.
    fn passed(&self) -> bool {
        match &self.shown {
            Shown::Pass(_) | Shown::PassWithoutObservation(_) => true,
            Shown::Live(verdict, _) => *verdict == Verdict::Pass,
            Shown::Nothing => false,
        }
    }

    fn observed(&self) -> Option<&PassRecord> {
        match &self.shown {
            Shown::Pass(record) | Shown::Live(_, record) => Some(record),
            Shown::PassWithoutObservation(live) => live.as_ref().map(|(_, record)| record),
            Shown::Nothing => None,
        }
    }
}

/// The step entries: the recorded passes, and for the steps without one, `live` (the live
/// cluster's verdict and observation per step, when it could be read).
pub fn entries(
    spec: &LabSpec,
    progress: &crate::progress::LabProgress,
    mut live: impl FnMut(u32) -> Option<(Verdict, PassRecord)>,
) -> Vec<StepEntry> {
    spec.steps
        .iter()
        .map(|step| {
            let recorded = progress.get(&step.number).cloned();
            let shown = match recorded.as_ref().filter(|r| r.ever_passed()).map(|r| r.pass.clone()) {
                Some(Some(pass)) => Shown::Pass(pass),
                Some(None) => Shown::PassWithoutObservation(live(step.number)),
                None => match live(step.number) {
                    Some((verdict, observed)) => Shown::Live(verdict, observed),
                    None => Shown::Nothing,
                },
            };
            StepEntry { number: step.number, progress: recorded, shown }
        })
        .collect()
}

/// Whether a step's live data is needed: it has no recorded pass with an observation.
pub fn needs_live(progress: &crate::progress::LabProgress, step: u32) -> bool {
    progress.get(&step).is_none_or(|r| r.pass.is_none())
}

pub fn markdown(input: &RecordInput) -> String {
    let lang = input.lang;
    let mut out = String::new();
    let title = tr(lang, "实验记录：", "Lab record: ") + input.spec.title.get(lang);
    let _ = writeln!(out, "# {title}\n");
    let written = clock::datetime(input.written_at, lang);
    let _ = writeln!(out, "**{}**: {written}  ", tr(lang, "记录时间", "Written at"));
    let _ = writeln!(out, "**{}**: `checker report`\n", tr(lang, "生成方式", "Written by"));
    let passed = input.steps.iter().filter(|s| s.passed()).count();
    let total = input.steps.len();
    let summary = match passed == total && total > 0 {
        true => tr(
            lang,
            &format!("🎉 全部 {total} 个步骤都已通过：实验完成。"),
            &format!("🎉 All {total} steps passed: the lab is complete."),
        ),
        false => tr(
            lang,
            &format!("已通过 {passed}/{total} 个步骤。"),
            &format!("{passed} of {total} steps passed."),
        ),
    };
    let _ = writeln!(out, "> {summary}\n");
    let _ = writeln!(
        out,
        "{}\n",
        tr(
            lang,
            "每一步记录的是它最近一次**通过时**观察到的状态（所以清理之后仍然完整）；从未通过的步骤记录的是生成本记录时集群的状态。时间为本地时间。",
            "Each step shows what was observed when it last **passed** (so the record stays complete after cleanup); a step that never passed shows the cluster as it was when this record was written. Times are local."
        )
    );

    let _ = writeln!(out, "## 📋 {}\n", tr(lang, "实验信息", "Environment"));
    let _ = writeln!(out, "- {}: `{}`", tr(lang, "集群上下文", "context"), line(input.context));
    let _ = writeln!(out, "- API server: `{}`", line(input.server));
    let version = line(input.server_version.unwrap_or("?"));
    let _ = writeln!(out, "- {}: `{version}`", tr(lang, "Kubernetes 版本", "Kubernetes version"));
    let _ = writeln!(out, "- {}: {}\n", tr(lang, "时区", "time zone"), clock::zone_name(input.written_at));
    if let Some(problem) = &input.live_problem {
        let _ = writeln!(
            out,
            "> {}\n",
            tr(
                lang,
                &format!("读取集群失败（{problem}）：从未通过的步骤没有数据。"),
                &format!("Could not read the cluster ({problem}): the steps that never passed have no data."),
            )
        );
    }

    let _ = writeln!(out, "## 🔬 {}\n", tr(lang, "实验步骤", "Steps"));
    for entry in input.steps {
        if let Some(step) = input.spec.step(entry.number) {
            step_section(&mut out, step, entry, input.written_at, lang);
        }
    }

    let _ = writeln!(out, "## 📊 {}\n", tr(lang, "实验结果", "Results"));
    let _ = writeln!(out, "### {}\n", tr(lang, "目标", "Goals"));
    for goal in &input.spec.goals {
        let done = goal.steps.iter().all(|n| input.steps.iter().any(|s| s.number == *n && s.passed()));
        let _ = writeln!(out, "- [{}] {}", if done { "x" } else { " " }, goal.text.get(lang));
    }
    out.push('\n');
    for table in &input.spec.report {
        report_table(&mut out, table, input.steps, lang);
    }
    restarts_section(&mut out, input.spec, input.steps, lang);
    out.push_str(&crate::quiz::markdown(input.quiz, lang));

    // Each pod with init containers once, from the first step that shows it.
    let mut seen = BTreeSet::new();
    for observed in input.steps.iter().filter_map(StepEntry::observed) {
        for timings in &observed.timings {
            if !seen.insert(timings.pod.clone()) {
                continue;
            }
            pod_section(&mut out, timings, observed, lang);
        }
    }
    out
}

/// A report table of the spec, each pod as the latest step that shows it saw it.
fn report_table(out: &mut String, table: &lab_spec::ReportTable, steps: &[StepEntry], lang: Lang) {
    let latest = |pod: &str| {
        steps.iter().rev().filter_map(StepEntry::observed).find_map(|o| o.pods.iter().find(|r| r.name == pod))
    };
    let _ = writeln!(out, "### {}\n", line(table.title.get(lang)));
    let _ = writeln!(
        out,
        "{}\n",
        tr(
            lang,
            "每格是这个 Pod 的 STATUS · 阶段（phase）· RESTARTS，取自检查它的最后一个步骤：该步骤通过时（从未通过则是生成记录时）的状态；—：没有步骤看到过它。",
            "Each cell is the pod's STATUS · phase · RESTARTS as the latest step that checks it saw it: when that step passed (or, if it never did, when this record was written); —: no step saw it.",
        )
    );
    let _ = writeln!(out, "{}", table::matrix(table, latest, lang).markdown());
}

/// Every restart measured at a pass or while `--wait` watched, by pod in the lab's order, next to
/// the kubelet's back-off.
fn restarts_section(out: &mut String, spec: &LabSpec, steps: &[StepEntry], lang: Lang) {
    let mut all = Vec::new();
    for observed in steps.iter().filter_map(StepEntry::observed) {
        restarts::merge(&mut all, observed.restarts.iter().cloned());
    }
    if all.is_empty() {
        return;
    }
    let pods = spec.pods();
    let rank = |pod: &str| pods.iter().position(|p| *p == pod).unwrap_or(usize::MAX);
    all.sort_by(|a, b| {
        (rank(&a.pod), &a.pod, !a.init, &a.container, a.restart).cmp(&(
            rank(&b.pod),
            &b.pod,
            !b.init,
            &b.container,
            b.restart,
        ))
    });
    let _ = writeln!(out, "### {}\n", tr(lang, "重启与退避", "Restarts and back-off"));
    let _ = writeln!(
        out,
        "{}\n",
        tr(
            lang,
            "每次重启前的等待取自容器状态：上一次运行的 finishedAt 到这一次的 startedAt，在步骤通过时或 `--wait` 观察期间测得。kubelet 的规则：第 1 次重启立即进行，第 n 次（n ≥ 2）在上一次运行结束后至少等待 10 × 2ⁿ⁻² 秒，最多 300 秒；实测还包含 kubelet 发现退出、重新检查 Pod 和创建容器的时间。",
            "Each wait comes from the container status, from the run before's finishedAt to this run's startedAt, measured when a step passed or while `--wait` watched. The kubelet's rule: the first restart is immediate, restart n (n ≥ 2) comes at least 10 × 2ⁿ⁻² s, at most 300 s, after the run before ended; a measured wait also holds the time the kubelet takes to notice the exit, look at the pod again and create the container.",
        )
    );
    let _ = writeln!(out, "{}", table::measured_restarts(&all, lang).markdown());
}

fn step_section(out: &mut String, step: &lab_spec::Step, entry: &StepEntry, now: Timestamp, lang: Lang) {
    let word = |verdict: Verdict| {
        format!("{} {}", words::emoji(words::outcome_of(verdict)), words::verdict(verdict, lang))
    };
    let passed_at = entry.progress.as_ref().and_then(|r| r.passed_at);
    let status = match (&entry.shown, passed_at) {
        (Shown::Pass(_) | Shown::PassWithoutObservation(_), Some(at)) => {
            let (pass, at) = (word(Verdict::Pass), clock::datetime(at, lang));
            tr(lang, &format!("{pass}（{at}）"), &format!("{pass} ({at})"))
        }
        (Shown::Live(verdict, _), _) => {
            let now = clock::datetime(now, lang);
            tr(
                lang,
                &format!("{}（生成记录时，{now}）", word(*verdict)),
                &format!("{} (when written, {now})", word(*verdict)),
            )
        }
        _ => tr(lang, "○ 未完成", "○ not done"),
    };
    let heading = tr(lang, "步骤", "Step");
    let _ = writeln!(out, "### {heading} {}: {} — {status}\n", step.number, line(step.title.get(lang)));

    // A later result that did not pass (after cleanup, say) does not undo the pass.
    if let (Some(record), Some(passed)) = (&entry.progress, passed_at)
        && record.verdict != Verdict::Pass
        && record.at > passed
    {
        let at = clock::datetime(record.at, lang);
        let verdict = word(record.verdict);
        let _ = writeln!(
            out,
            "> {}\n",
            tr(
                lang,
                &format!("之后最近一次检查：{verdict}（{at}）。这不改变上面这次通过的记录。"),
                &format!(
                    "The latest check since: {verdict} ({at}). It does not undo the pass recorded here."
                ),
            )
        );
    }
    if let Shown::PassWithoutObservation(live) = &entry.shown {
        let note = match live {
            Some(_) => tr(
                lang,
                "记录这次通过的 checker 版本没有保存观察数据：下面是生成记录时集群的状态。",
                "The checker that recorded this pass kept no observation: below is the cluster as it was when this record was written.",
            ),
            None => tr(
                lang,
                "记录这次通过的 checker 版本没有保存观察数据，集群中也读不到了。",
                "The checker that recorded this pass kept no observation, and the cluster no longer has it.",
            ),
        };
        let _ = writeln!(out, "> {note}\n");
    }
    if matches!(entry.shown, Shown::Nothing) {
        let _ = writeln!(out, "{}\n", tr(lang, "（没有数据）", "(no data)"));
        return;
    }
    let Some(observed) = entry.observed() else { return };
    let _ = writeln!(
        out,
        "| | {} | {} |\n|---|---|---|",
        tr(lang, "期望", "expectation"),
        tr(lang, "观察到的", "observed")
    );
    for expectation in &step.expectations {
        let Some(check) = observed.checks.iter().find(|c| c.id == expectation.id) else { continue };
        let mark = words::emoji(check.outcome);
        let description = expectation.description.get(lang);
        let _ = writeln!(out, "| {mark} | {} | {} |", cell(description), cell(check.observed.get(lang)));
    }
    out.push('\n');
    if !observed.pods.is_empty() {
        let _ = writeln!(out, "**{}**:\n", tr(lang, "实际结果", "Observed"));
        let _ = writeln!(out, "```\n{}```\n", table::pods(&observed.pods).columns());
    }
    resources_section(out, observed, lang);
}

/// The resources of the step's pods that declare some, and what the nodes could allocate.
fn resources_section(out: &mut String, observed: &PassRecord, lang: Lang) {
    for r in &observed.resources {
        let title = tr(lang, "的资源（由 Pod 规格计算）", "resources (computed from its spec)");
        let _ = writeln!(out, "**`{}` {title}**:\n", line(&r.pod));
        let _ = writeln!(out, "{}", table::resources(r, lang).markdown());
        let _ = writeln!(out, "{}\n", cell(&report::qos_line(r, lang)));
        if let Some(fit) = report::fit_line(r, &observed.nodes, lang) {
            let _ = writeln!(out, "{}\n", cell(&fit));
        }
    }
    if let (false, Nodes::Read { items, .. }) = (observed.resources.is_empty(), &observed.nodes)
        && !items.is_empty()
    {
        let requested: Vec<&Amounts> = observed.resources.iter().map(|r| &r.effective.requests).collect();
        let title = tr(lang, "节点可分配的资源", "What the nodes can allocate");
        let _ = writeln!(out, "**{title}** (`status.allocatable`):\n");
        let _ = writeln!(out, "{}", table::nodes(items, &Amounts::names(&requested), lang).markdown());
    }
}

fn pod_section(out: &mut String, t: &PodTimings, observed: &PassRecord, lang: Lang) {
    let timeline = Timeline {
        entries: observed.timeline.iter().filter(|e| e.pod == t.pod).cloned().collect(),
        restarts: Vec::new(),
    };
    if !timeline.entries.is_empty() {
        let _ = writeln!(out, "### {} `{}`\n", tr(lang, "状态变化", "STATUS changes of"), line(&t.pod));
        let _ = writeln!(
            out,
            "{}\n",
            tr(
                lang,
                "由容器的 startedAt / finishedAt 时间戳重建（AGE 为距 Pod 创建的时间）：",
                "Rebuilt from the containers' startedAt / finishedAt (AGE counts from the pod's creation):"
            )
        );
        let _ = writeln!(out, "```\n{}```\n", timeline.table());
    }
    let _ = writeln!(out, "### {} `{}`\n", tr(lang, "性能数据", "Timings of"), line(&t.pod));
    let _ = writeln!(out, "{}", table::timings(t, lang).markdown());
    gantt(out, t, lang);
}

/// A Mermaid gantt chart of the containers' real run times, in local time: the init containers
/// one after the other (a sidecar from its start on), then the main containers up to the moment
/// the pod became Ready, so that the init phase keeps its proportions however late the record
/// is written.
fn gantt(out: &mut String, t: &PodTimings, lang: Lang) {
    let runs: Vec<_> = t.containers.iter().filter(|c| c.started_at.is_some()).collect();
    if runs.is_empty() {
        return;
    }
    let second = SignedDuration::from_secs(1);
    // Where the bars of containers still running end: Ready, else one second after the last start.
    let last_start = runs.iter().filter_map(|c| c.started_at).max().expect("filtered");
    let view_end = t.ready_at.filter(|r| *r >= last_start).unwrap_or(last_start + second);
    let zone = clock::zone_abbreviation(runs[0].started_at.expect("filtered"));
    let pod = line(&t.pod);
    let _ = writeln!(out, "### {} `{pod}`\n", tr(lang, "容器运行时间", "Container run times of"));
    let _ = writeln!(out, "```mermaid\ngantt");
    let _ = writeln!(out, "    title {}", tr(lang, &format!("{pod}（{zone}）"), &format!("{pod} ({zone})")));
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
            None => ("active", view_end),
        };
        // Mermaid draws nothing for a zero-length task: give it at least one second.
        let end = if end.as_second() <= start.as_second() { start + second } else { end };
        let _ = writeln!(
            out,
            "    {} :{state}, c{i}, {}, {}",
            line(&c.name),
            clock::gantt(start),
            clock::gantt(end)
        );
    }
    let _ = writeln!(out, "```\n");
    if let Some(ready) = t.ready_at {
        let at = clock::time(ready);
        let _ = writeln!(
            out,
            "{}\n",
            tr(
                lang,
                &format!("仍在运行的容器画到 Pod 变为 Ready 的时刻（{at}）为止。"),
                &format!("Containers still running are drawn up to the moment the pod became Ready ({at})."),
            )
        );
    }
}

#[cfg(test)]
mod tests;
