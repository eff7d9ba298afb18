//! The class board shown: a table of learners × steps for the teacher's terminal, JSON and CSV
//! for the course's own tools. One model ([`Board`]), three renderings.

use std::fmt::Write;

use lab_spec::Lang;
use serde::Serialize;

use super::board::{Board, LearnerRow};
use super::live::Update;
use crate::evaluate::Verdict;
use crate::i18n::tr;
use crate::status::human_duration;
use crate::{clock, table, words};

/// The board as a table: one row per learner, a mark per step, the steps passed, how long ago
/// the learner's pods last did something; a legend of the marks under it.
pub fn text(board: &Board, lang: Lang) -> String {
    let mut out = String::new();
    let (lab, count) = (&board.lab, board.learners.len());
    let _ = writeln!(
        out,
        "{}",
        tr(lang, &format!("实验 {lab} · {count} 名学员"), &format!("Lab {lab} · {count} learners"))
    );
    if board.learners.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            tr(
                lang,
                "没有找到班级的命名空间：用 --selector 或 --prefix 指定它们（`checker class manifests` 生成的命名空间带有 lab-checker/class 标签）。",
                "No namespaces of the class found: name them with --selector or --prefix (the namespaces `checker class manifests` makes carry the label lab-checker/class)."
            )
        );
        return out;
    }
    out.push_str(&table::columns(&rows(board, &board.learners, lang)));
    let legend: Vec<String> = [Verdict::Pass, Verdict::Pending, Verdict::Fail]
        .iter()
        .map(|v| format!("{} {}", words::mark(words::outcome_of(*v)), words::verdict(*v, lang)))
        .collect();
    let steps: Vec<String> =
        board.steps.iter().map(|s| format!("{} {}", s.number, table::cell(&s.title))).collect();
    let _ = writeln!(out, "\n{}", legend.join("   "));
    let _ = writeln!(out, "{}{}", tr(lang, "步骤：", "Steps: "), steps.join(" · "));
    out
}

/// The board's table: its header, then a row per learner given.
fn rows(board: &Board, learners: &[LearnerRow], lang: Lang) -> Vec<Vec<String>> {
    let mut header = vec![tr(lang, "命名空间", "NAMESPACE")];
    header.extend(board.steps.iter().map(|s| s.number.to_string()));
    header.push(tr(lang, "通过", "PASSED"));
    header.push(tr(lang, "最近活动", "LAST ACTIVITY"));
    let mut rows = vec![header];
    for learner in learners {
        let mut row = vec![learner.namespace.clone()];
        row.extend(learner.verdicts.iter().map(|v| words::mark(words::outcome_of(*v)).to_string()));
        row.push(format!("{}/{}", learner.passed, board.steps.len()));
        row.push(match learner.last_activity {
            Some(t) => human_duration(board.at.duration_since(t)),
            None => "-".to_string(),
        });
        rows.push(row);
    }
    rows
}

/// What changed, for `checker class status --watch`: the time, the rows of the learners whose
/// verdicts changed (in the board's columns), and who left the class.
pub fn changes_text(board: &Board, update: &Update, lang: Lang) -> String {
    let mut out = String::new();
    let at = update.at.map(clock::time).unwrap_or_default();
    let count = update.changed.len();
    let _ = writeln!(
        out,
        "\n{at}  {}",
        tr(lang, &format!("{count} 名学员有变化"), &format!("{count} learner(s) changed"))
    );
    if !update.changed.is_empty() {
        out.push_str(&table::columns(&rows(board, &update.changed, lang)));
    }
    for namespace in &update.left {
        let _ = writeln!(
            out,
            "{}",
            tr(lang, &format!("{namespace} 离开了班级"), &format!("{namespace} left the class"))
        );
    }
    out
}

/// What changed as one line of JSON (JSON Lines, after the board's own line): `{"at",
/// "changed": [learners as in the board], "left": [namespaces]}`.
pub fn changes_json(board: &Board, update: &Update) -> String {
    let changed: Vec<LearnerJson<'_>> = update.changed.iter().map(|l| learner_json(board, l)).collect();
    let at = update.at.map(|t| t.to_string());
    let mut line = serde_json::to_string(&ChangesJson { at, changed, left: &update.left }).expect("JSON");
    line.push('\n');
    line
}

/// The board as one line of JSON (the first line of `--watch -o json`).
pub fn json_line(board: &Board) -> String {
    let mut line = serde_json::to_string(&board_json(board)).expect("JSON");
    line.push('\n');
    line
}

/// What changed as CSV records in the board's columns (`--watch -o csv` appends them; a
/// learner who left is not written: CSV has no way to say it).
pub fn changes_csv(update: &Update) -> String {
    update.changed.iter().map(|l| csv_line(&csv_row(l))).collect()
}

#[derive(Serialize)]
struct ChangesJson<'a> {
    at: Option<String>,
    changed: Vec<LearnerJson<'a>>,
    left: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BoardJson<'a> {
    lab: &'a str,
    at: String,
    steps: Vec<StepJson<'a>>,
    learners: Vec<LearnerJson<'a>>,
}

#[derive(Serialize)]
struct StepJson<'a> {
    number: u32,
    id: &'a str,
    title: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LearnerJson<'a> {
    namespace: &'a str,
    passed: usize,
    last_activity: Option<String>,
    steps: Vec<VerdictJson<'a>>,
}

#[derive(Serialize)]
struct VerdictJson<'a> {
    step: u32,
    id: &'a str,
    verdict: Verdict,
}

/// The board as JSON: the lab's steps, then per learner the verdict of each step.
pub fn json(board: &Board) -> String {
    crate::report::to_json(&board_json(board))
}

fn board_json(board: &Board) -> BoardJson<'_> {
    let steps =
        board.steps.iter().map(|s| StepJson { number: s.number, id: &s.id, title: &s.title }).collect();
    let learners = board.learners.iter().map(|l| learner_json(board, l)).collect();
    BoardJson { lab: &board.lab, at: board.at.to_string(), steps, learners }
}

fn learner_json<'a>(board: &'a Board, l: &'a LearnerRow) -> LearnerJson<'a> {
    LearnerJson {
        namespace: &l.namespace,
        passed: l.passed,
        last_activity: l.last_activity.map(|t| t.to_string()),
        steps: board
            .steps
            .iter()
            .zip(&l.verdicts)
            .map(|(s, v)| VerdictJson { step: s.number, id: &s.id, verdict: *v })
            .collect(),
    }
}

/// The board as CSV (RFC 4180): `namespace`, a column per step (`step1_deploy`) holding `pass`,
/// `pending` or `fail`, `passed`, `last_activity` (RFC 3339, empty when nothing happened).
pub fn csv(board: &Board) -> String {
    let mut header = vec!["namespace".to_string()];
    header.extend(board.steps.iter().map(|s| format!("step{}_{}", s.number, s.id)));
    header.extend(["passed".to_string(), "last_activity".to_string()]);
    let mut out = csv_line(&header);
    for learner in &board.learners {
        out.push_str(&csv_line(&csv_row(learner)));
    }
    out
}

fn csv_row(learner: &LearnerRow) -> Vec<String> {
    let mut row = vec![learner.namespace.clone()];
    row.extend(learner.verdicts.iter().map(|v| v.as_str().to_string()));
    row.push(learner.passed.to_string());
    row.push(learner.last_activity.map(|t| t.to_string()).unwrap_or_default());
    row
}

/// One CSV record, fields quoted where RFC 4180 needs it, ended by CRLF.
fn csv_line(fields: &[String]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| match f.contains([',', '"', '\n', '\r']) {
            true => format!("\"{}\"", f.replace('"', "\"\"")),
            false => f.clone(),
        })
        .collect();
    format!("{}\r\n", quoted.join(","))
}
