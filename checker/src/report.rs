//! Rendering: a step report, the pods table, the step list and the progress, as text for a
//! terminal or as JSON for tools (the JSON shapes are documented in the README and stable).
//!
//! Pure string building; colour codes are written always and stripped by `anstream` when the
//! output is not a terminal or `NO_COLOR` is set. Every text that comes from the cluster, a file
//! or a spec goes through [`crate::sanitize`] in the text renderers; the JSON is exact.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};
use lab_spec::{CauseKind, LabSpec, Lang};
use serde::Serialize;

use crate::clock;
use crate::evaluate::{Cause, CheckResult, NextStep, Outcome, StepReport, Verdict};
use crate::i18n::tr;
use crate::progress::{LabProgress, StepRecord};
use crate::resources::{Amounts, Nodes, PodResources};
use crate::restarts::MeasuredRestart;
use crate::sanitize::{line, lines};
use crate::status::PodRow;
use crate::table;
use crate::timeline::{Timeline, TimelineEntry};
use crate::timing::PodTimings;
use crate::words;

const GREEN: Style = AnsiColor::Green.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// The colour of an outcome in the terminal.
fn style(outcome: Outcome) -> Style {
    match outcome {
        Outcome::Pass => GREEN,
        Outcome::Pending | Outcome::Unverifiable => YELLOW,
        Outcome::Fail => RED,
        Outcome::Skipped => DIM,
    }
}

/// A step's verdict in words ([`words::verdict`]), coloured.
pub fn verdict_word(verdict: Verdict, lang: Lang) -> String {
    paint(style(words::outcome_of(verdict)), &words::verdict(verdict, lang))
}

/// An expectation's mark ([`words::mark`]), coloured.
fn mark(outcome: Outcome) -> String {
    paint(style(outcome), words::mark(outcome))
}

/// A step report for the terminal: the heading, the cause and its next action with the
/// expectations it explains, the other expectations, the pods, the result and what comes next.
pub fn step_text(report: &StepReport, lang: Lang) -> String {
    let mut out = String::new();
    let heading = tr(lang, &format!("步骤 {}", report.step), &format!("Step {}", report.step));
    let _ = writeln!(out, "{} · {}", paint(BOLD, &heading), line(&report.title));
    if let Some(cause) = &report.cause {
        cause_text(&mut out, cause, report, lang);
    }
    for check in report.checks.iter().filter(|c| !c.grouped) {
        let _ = writeln!(out, "  {} {}", mark(check.outcome), line(&check.description));
        if check.outcome != Outcome::Pass && check.outcome != Outcome::Skipped {
            check_details(&mut out, check, lang);
        }
    }
    if !report.pods.is_empty() {
        out.push('\n');
        out.push_str(&pods_table(&report.pods));
    }
    if report.verdict != Verdict::Pass && !report.warnings.is_empty() {
        let _ = writeln!(out, "\n{}", paint(BOLD, &tr(lang, "最近的 Warning 事件", "Recent Warning events")));
        for w in &report.warnings {
            let _ = writeln!(out, "  {}", line(w));
        }
    }
    if !report.resources.is_empty() {
        out.push('\n');
        out.push_str(&resources_text(&report.resources, &report.nodes, lang));
    }
    for timings in &report.timings {
        out.push('\n');
        out.push_str(&timings_text(timings, lang));
    }
    out.push('\n');
    let _ = writeln!(out, "{}{}", tr(lang, "结果：", "Result: "), verdict_word(report.verdict, lang));
    if report.verdict == Verdict::Pass {
        let _ = writeln!(out, "{}", line(&next_text(report.next.as_ref(), lang)));
    }
    out
}

/// The cause at the top of a result that did not pass: what is wrong (or awaited), the one
/// next action, and the expectations it explains, each on one line.
fn cause_text(out: &mut String, cause: &Cause, report: &StepReport, lang: Lang) {
    let sep = if lang == Lang::Zh { "：" } else { ": " };
    let (label, style, under) = match cause.kind {
        CauseKind::Progressing => {
            (tr(lang, "进行中", "In progress"), YELLOW, tr(lang, "还在等的条目：", "Still to come:"))
        }
        CauseKind::Unverifiable => {
            (tr(lang, "无法判断", "Cannot tell"), YELLOW, tr(lang, "无法验证的条目：", "Not verifiable:"))
        }
        _ => (tr(lang, "原因", "Cause"), RED, tr(lang, "因此未满足的条目：", "Not met because of it:")),
    };
    out.push('\n');
    let _ = writeln!(out, "{}{sep}{}", paint(style, &label), line(&cause.summary));
    let _ = writeln!(out, "{}{sep}{}", paint(BOLD, &tr(lang, "下一步", "Next")), line(&cause.action));
    let grouped: Vec<&CheckResult> = report.checks.iter().filter(|c| c.grouped).collect();
    if !grouped.is_empty() {
        let _ = writeln!(out, "  {}", paint(DIM, &under));
        for check in grouped {
            let observed = match check.outcome {
                Outcome::Skipped => String::new(),
                _ => paint(DIM, &format!(" · {}", line(&check.observed))),
            };
            let _ = writeln!(out, "    {} {}{observed}", mark(check.outcome), line(&check.description));
        }
    }
    if report.checks.iter().any(|c| !c.grouped) {
        out.push('\n');
    }
}

/// What comes after a passed step.
fn next_text(next: Option<&NextStep>, lang: Lang) -> String {
    let Some(next) = next else {
        return tr(
            lang,
            "这是本实验的最后一步。`checker progress` 查看各步的结果，`checker report` 写出你的实验报告。",
            "This is the lab's last step. `checker progress` shows every step's result; `checker report` writes your experiment record.",
        );
    };
    let (n, title, command) = (next.step, &next.title, &next.command);
    let chapter = next.chapter.as_deref().map(|c| c.trim_end_matches(".md")).unwrap_or_default();
    match chapter.is_empty() {
        true => tr(
            lang,
            &format!("下一步：步骤 {n}「{title}」，完成后运行 `{command}`"),
            &format!("Next: step {n}, {title}; then run `{command}`"),
        ),
        false => tr(
            lang,
            &format!("下一步：步骤 {n}「{title}」（书中的 {chapter} 一章），完成后运行 `{command}`"),
            &format!("Next: step {n}, {title} (the chapter {chapter} of the book); then run `{command}`"),
        ),
    }
}

fn check_details(out: &mut String, check: &CheckResult, lang: Lang) {
    // What was observed is one line whatever the cluster sent; our own texts may span lines.
    let rows = [
        (tr(lang, "期望", "expected"), lines(&check.expected)),
        (tr(lang, "实际", "observed"), line(&check.observed)),
        (tr(lang, "提示", "hint"), lines(&check.hint)),
    ];
    for (label, value) in rows {
        if !value.is_empty() {
            let sep = if lang == Lang::Zh { "：" } else { ": " };
            let _ = writeln!(out, "      {}{sep}{value}", paint(DIM, &label));
        }
    }
}

/// The pods as `kubectl get pods` prints them (its tabwriter pads columns by three spaces).
pub fn pods_table(rows: &[PodRow]) -> String {
    table::pods(rows).columns()
}

/// The record's timing table ("性能数据"), measured from the pod's container timestamps.
pub fn timings_text(t: &PodTimings, lang: Lang) -> String {
    format!("{}\n{}", paint(BOLD, &timings_title(t, lang)), table::timings(t, lang).columns())
}

/// The title of a pod's timing table.
pub fn timings_title(t: &PodTimings, lang: Lang) -> String {
    let pod = line(&t.pod);
    tr(
        lang,
        &format!("{pod} 的耗时（来自容器时间戳）"),
        &format!("Timings of {pod} (from container timestamps)"),
    )
}

/// Each pod's resources ([`table::resources`]) with its QoS class and the nodes that cannot
/// hold it, then what the nodes can allocate ([`table::nodes`]).
pub fn resources_text(pods: &[PodResources], nodes: &Nodes, lang: Lang) -> String {
    let mut out = String::new();
    for (i, r) in pods.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let title = tr(
            lang,
            &format!("{} 的资源（由 Pod 规格计算；调度器按有效请求选节点）", line(&r.pod)),
            &format!(
                "Resources of {} (computed from its spec; the scheduler places it by the effective requests)",
                line(&r.pod)
            ),
        );
        let _ = writeln!(out, "{}", paint(BOLD, &title));
        out.push_str(&table::resources(r, lang).columns());
        let _ = writeln!(out, "{}", line(&qos_line(r, lang)));
        if let Some(fit) = fit_line(r, nodes, lang) {
            let _ = writeln!(out, "{}", line(&fit));
        }
    }
    out.push_str(&nodes_text(pods, nodes, lang));
    out
}

/// The nodes' allocatable resources, or why they are not shown.
fn nodes_text(pods: &[PodResources], nodes: &Nodes, lang: Lang) -> String {
    match nodes {
        Nodes::Read { items, more } if !items.is_empty() => {
            let requested: Vec<&Amounts> = pods.iter().map(|r| &r.effective.requests).collect();
            let also = Amounts::names(&requested);
            let title = tr(
                lang,
                "节点可分配的资源（status.allocatable）",
                "What the nodes can allocate (status.allocatable)",
            );
            let mut out =
                format!("\n{}\n{}", paint(BOLD, &title), table::nodes(items, &also, lang).columns());
            if *more {
                let _ = writeln!(out, "{}", tr(lang, "（只列出了前面的节点）", "(the first nodes only)"));
            }
            out
        }
        Nodes::Forbidden { .. } => format!(
            "\n{}\n",
            tr(
                lang,
                "（没有读取节点的权限，所以不能把有效请求和节点的可分配资源放在一起比较；`kubectl describe node` 的 Allocatable 一节有这些数字）",
                "(no permission to list nodes, so the effective requests are not compared with what the nodes can allocate; `kubectl describe node` shows it under Allocatable)"
            )
        ),
        _ => String::new(),
    }
}

/// The pod's QoS class, from its spec, and the class the API server stored.
pub fn qos_line(r: &PodResources, lang: Lang) -> String {
    let class = r.qos.class.as_str();
    let stored = match r.qos.status.as_deref() {
        Some(s) if s == class => tr(lang, "，与 status.qosClass 相同", ", as in status.qosClass"),
        Some(s) => {
            tr(lang, &format!("，但 status.qosClass 是 {s}"), &format!(", but status.qosClass is {s}"))
        }
        None => String::new(),
    };
    tr(
        lang,
        &format!("QoS 等级：{class}{stored}。{}", r.qos.explain(lang)),
        &format!("QoS class: {class}{stored}. {}", r.qos.explain(lang)),
    )
}

/// Which nodes cannot hold the pod at all, when the nodes were read.
pub fn fit_line(r: &PodResources, nodes: &Nodes, lang: Lang) -> Option<String> {
    let Nodes::Read { items, .. } = nodes else { return None };
    if items.is_empty() {
        return None;
    }
    let short: Vec<String> = items
        .iter()
        .filter_map(|node| {
            let (resource, wanted, has) = node.short_of(&r.effective.requests).into_iter().next()?;
            let (wanted, has) = (wanted.show(&resource), has.show(&resource));
            Some(tr(
                lang,
                &format!("{}（{resource}：需要 {wanted}，可分配 {has}）", node.name),
                &format!("{} ({resource}: needs {wanted}, allocatable {has})", node.name),
            ))
        })
        .collect();
    Some(match (short.len(), items.len()) {
        (0, _) => tr(
            lang,
            "每个节点的可分配资源都够它的有效请求（调度时还要减去节点上已有 Pod 的请求：`kubectl describe node`）。",
            "Every node can allocate its effective requests (the scheduler also takes off what the node's pods already request: `kubectl describe node`).",
        ),
        (n, all) if n == all => tr(
            lang,
            &format!("没有节点放得下它：{}。调度器会报告 Insufficient。", short.join("，")),
            &format!("No node can hold it: {}. The scheduler reports Insufficient.", short.join(", ")),
        ),
        _ => tr(
            lang,
            &format!("这些节点放不下它：{}。", short.join("，")),
            &format!("These nodes cannot hold it: {}.", short.join(", ")),
        ),
    })
}

/// The STATUS timeline recorded while waiting, in the shape of the record's "实际结果", and the
/// restarts seen meanwhile with their measured waits.
pub fn timeline_text(timeline: &Timeline, lang: Lang) -> String {
    let title = tr(lang, "STATUS 变化（观察到的时间线）", "STATUS changes (timeline as observed)");
    let mut out = format!("\n{}\n{}", paint(BOLD, &title), timeline.table());
    if !timeline.restarts.is_empty() {
        let title = tr(
            lang,
            "观察期间的重启：上一次运行结束到这次启动的等待，与 kubelet 的退避规则对照",
            "Restarts seen meanwhile: the wait from the end of the run before, next to the kubelet's back-off",
        );
        let _ = write!(
            out,
            "\n{}\n{}",
            paint(BOLD, &title),
            table::measured_restarts(&timeline.restarts, lang).columns()
        );
    }
    out
}

/// `checker list`: the steps with their titles, the mark of each one's latest result and, once
/// it has passed, when (even when a later check did not pass).
pub fn list_text(spec: &LabSpec, progress: &LabProgress, lang: Lang) -> String {
    let mut out = format!("{}\n", paint(BOLD, &line(spec.title.get(lang))));
    let rows: Vec<Vec<String>> = spec
        .steps
        .iter()
        .map(|step| {
            let record = progress.get(&step.number);
            let state = record.map_or(" ".into(), |r| mark(words::outcome_of(r.verdict)));
            let note = match record {
                Some(r) if r.verdict != Verdict::Pass && r.ever_passed() => {
                    format!("{}  {}", passed_at_text(r, lang), paint(DIM, &latest_text(r, lang)))
                }
                Some(r) if r.ever_passed() => passed_at_text(r, lang),
                Some(r) => paint(DIM, &latest_text(r, lang)),
                None => String::new(),
            };
            let (id, title) = (line(&step.id).into_owned(), line(step.title.get(lang)).into_owned());
            vec![state, step.number.to_string(), id, title, note]
        })
        .collect();
    out.push_str(&table::columns_with(&rows, 2, "  "));
    if complete(spec, progress) {
        let _ = writeln!(out, "\n{}", completion_text(spec, lang));
    }
    out
}

/// "passed at …" in the learner's time.
fn passed_at_text(r: &StepRecord, lang: Lang) -> String {
    match r.passed_at {
        Some(at) => {
            let at = clock::datetime(at, lang);
            tr(lang, &format!("通过于 {at}"), &format!("passed at {at}"))
        }
        None => String::new(),
    }
}

/// "latest: fail, at …": the latest result when it is not the pass.
fn latest_text(r: &StepRecord, lang: Lang) -> String {
    let (verdict, at) = (words::verdict(r.verdict, lang), clock::datetime(r.at, lang));
    tr(lang, &format!("最近一次：{verdict}（{at}）"), &format!("latest: {verdict} ({at})"))
}

/// `checker progress`: every step's latest result and last pass, the goals achieved, and the
/// completion of the lab once every step has passed.
pub fn progress_text(spec: &LabSpec, progress: &LabProgress, lang: Lang) -> String {
    let mut rows = vec![
        vec![
            tr(lang, "步骤", "step"),
            tr(lang, "标题", "title"),
            tr(lang, "最近结果", "latest result"),
            tr(lang, "通过于", "passed at"),
        ]
        .into_iter()
        .map(|h| paint(DIM, &h))
        .collect::<Vec<_>>(),
    ];
    for step in &spec.steps {
        let (latest, passed) = match progress.get(&step.number) {
            Some(r) => (
                format!("{} {}", verdict_word(r.verdict, lang), paint(DIM, &clock::datetime(r.at, lang))),
                r.passed_at.map_or(paint(DIM, "-"), |at| paint(GREEN, &clock::datetime(at, lang))),
            ),
            None => (paint(DIM, &tr(lang, "未运行", "not run")), paint(DIM, "-")),
        };
        rows.push(vec![step.number.to_string(), line(step.title.get(lang)).into_owned(), latest, passed]);
    }
    let mut out = table::columns_with(&rows, 2, "  ");
    let _ = writeln!(out, "\n{}", paint(BOLD, &tr(lang, "实验目标", "Goals")));
    for goal in &spec.goals {
        let achieved = goal_achieved(goal, progress);
        let m = if achieved { mark(Outcome::Pass) } else { paint(DIM, "○") };
        let _ = writeln!(out, "  {m} {}", line(goal.text.get(lang)));
    }
    let (passed, total) = (passed_count(spec, progress), spec.steps.len());
    out.push('\n');
    if complete(spec, progress) {
        let _ = writeln!(out, "{}", completion_text(spec, lang));
    } else {
        let _ = writeln!(
            out,
            "{}",
            tr(
                lang,
                &format!("已通过 {passed}/{total} 个步骤"),
                &format!("{passed} of {total} steps passed")
            )
        );
    }
    out
}

/// The words of a completed lab, with what to do with it.
pub fn completion_text(spec: &LabSpec, lang: Lang) -> String {
    let total = spec.steps.len();
    paint(
        GREEN,
        &tr(
            lang,
            &format!(
                "🎉 实验完成：全部 {total} 个步骤都通过过。用 `checker report --output record.md` 写下你的实验记录（清理之后也能生成）。"
            ),
            &format!(
                "🎉 Lab complete: all {total} steps have passed. Write your record with `checker report --output record.md` (it works after cleanup too)."
            ),
        ),
    )
}

/// Whether the step has passed at least once (its latest result may since have changed).
pub fn step_passed(progress: &LabProgress, step: u32) -> bool {
    progress.get(&step).is_some_and(StepRecord::ever_passed)
}

/// How many of the lab's steps have passed at least once.
pub fn passed_count(spec: &LabSpec, progress: &LabProgress) -> usize {
    spec.steps.iter().filter(|s| step_passed(progress, s.number)).count()
}

/// Whether every step of the lab has passed at least once.
pub fn complete(spec: &LabSpec, progress: &LabProgress) -> bool {
    !spec.steps.is_empty() && passed_count(spec, progress) == spec.steps.len()
}

pub fn goal_achieved(goal: &lab_spec::Goal, progress: &LabProgress) -> bool {
    goal.steps.iter().all(|s| step_passed(progress, *s))
}

/// The stable JSON of `checker step -o json`.
#[derive(Serialize)]
pub struct StepJson<'a> {
    /// The lab's id.
    pub lab: &'a str,
    pub step: u32,
    pub id: &'a str,
    pub verdict: Verdict,
    pub checks: Vec<CheckJson<'a>>,
    pub pods: Vec<PodJson<'a>>,
    /// Container run times in seconds, for pods with init containers.
    pub timings: &'a [PodTimings],
    /// The latest Warning events about the step's pods.
    pub warnings: &'a [String],
    /// The resources of the step's pods that declare some (effective requests and QoS class).
    pub resources: &'a [PodResources],
    /// The nodes' allocatable resources (`state`: `read`, `forbidden` or `unknown`).
    pub nodes: &'a Nodes,
    /// The STATUS changes seen while waiting (`--wait` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<&'a [TimelineEntry]>,
    /// Why the step did not pass and the one thing to do (`null` when it passed).
    pub cause: Option<&'a Cause>,
    /// The step after a passed one (`null` otherwise, and after the last step).
    pub next: Option<&'a NextStep>,
    /// The restarts seen while waiting, each with its measured wait and the kubelet's rule
    /// (`--wait` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restarts: Option<&'a [MeasuredRestart]>,
}

#[derive(Serialize)]
pub struct CheckJson<'a> {
    pub id: &'a str,
    pub description: &'a str,
    pub passed: bool,
    /// `pass`, `pending`, `fail`, `unverifiable` or `skipped`.
    pub outcome: Outcome,
    pub expected: &'a str,
    pub observed: &'a str,
    pub hint: &'a str,
    /// Listed under the step's `cause`: it does not hold because of it.
    pub grouped: bool,
}

#[derive(Serialize)]
pub struct PodJson<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub status: &'a str,
    pub ready: &'a str,
    pub restarts: u32,
}

impl<'a> PodJson<'a> {
    pub fn new(row: &'a PodRow) -> Self {
        PodJson {
            name: &row.name,
            namespace: &row.namespace,
            status: &row.status,
            ready: &row.ready,
            restarts: row.restarts,
        }
    }
}

impl<'a> StepJson<'a> {
    pub fn new(report: &'a StepReport) -> Self {
        StepJson {
            lab: &report.lab,
            step: report.step,
            id: &report.id,
            verdict: report.verdict,
            checks: report
                .checks
                .iter()
                .map(|c| CheckJson {
                    id: &c.id,
                    description: &c.description,
                    passed: c.passed,
                    outcome: c.outcome,
                    expected: &c.expected,
                    observed: &c.observed,
                    hint: &c.hint,
                    grouped: c.grouped,
                })
                .collect(),
            pods: report.pods.iter().map(PodJson::new).collect(),
            timings: &report.timings,
            warnings: &report.warnings,
            resources: &report.resources,
            nodes: &report.nodes,
            timeline: None,
            cause: report.cause.as_ref(),
            next: report.next.as_ref(),
            restarts: None,
        }
    }

    pub fn with_timeline(self, timeline: Option<&'a Timeline>) -> Self {
        StepJson {
            timeline: timeline.map(|t| t.entries.as_slice()),
            restarts: timeline.map(|t| t.restarts.as_slice()),
            ..self
        }
    }
}

pub fn to_json<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("report serializes");
    text.push('\n');
    text
}
