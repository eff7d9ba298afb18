//! The tables a learner reads, each built once and rendered wherever it is shown: as the padded
//! columns of `kubectl get pods` in the terminal ([`Table::columns`]) and as a Markdown table in
//! the record ([`Table::markdown`]).
//!
//! - [`pods`]: NAME, READY, STATUS, RESTARTS, AGE, as kubectl prints them;
//! - [`timings`]: the record's timing table ("性能数据"), from the containers' timestamps;
//! - [`labs`]: CURRENT, LAB, PASSED, TITLE, as `checker labs` lists the book's labs.

use lab_spec::Lang;
use unicode_width::UnicodeWidthStr;

use crate::i18n::tr;
use crate::status::PodRow;
use crate::timing::PodTimings;

/// A header row and the rows under it, all cells text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<const N: usize>(header: [&str; N]) -> Table {
        Table { header: header.map(String::from).to_vec(), rows: Vec::new() }
    }

    /// Left-aligned columns as kubectl's tabwriter prints them.
    pub fn columns(&self) -> String {
        let mut all = Vec::with_capacity(self.rows.len() + 1);
        all.push(self.header.clone());
        all.extend(self.rows.iter().cloned());
        columns(&all)
    }

    /// A Markdown table: pipes in cells escaped, line breaks flattened.
    pub fn markdown(&self) -> String {
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|c| cell(c)).collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let mut out = line(&self.header);
        out.push_str(&format!("|{}\n", "---|".repeat(self.header.len())));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

/// Text for a Markdown table cell: pipes escaped, line breaks flattened to spaces, every other
/// control character shown as an escape ([`crate::sanitize::line`]).
pub fn cell(text: &str) -> String {
    crate::sanitize::line(&text.replace('\n', " ")).replace('|', "\\|")
}

/// Left-aligned columns separated by at least three spaces (kubectl's tabwriter); the last
/// column is not padded. Every cell is one line, its control characters shown as escapes
/// ([`crate::sanitize::line`]): a name or a status from the cluster cannot forge a row.
pub fn columns(table: &[Vec<String>]) -> String {
    let table: Vec<Vec<String>> =
        table.iter().map(|row| row.iter().map(|c| crate::sanitize::line(c).into_owned()).collect()).collect();
    let table = table.as_slice();
    let width = |i: usize| table.iter().map(|r| r.get(i).map_or(0, |c| c.width())).max().unwrap_or(0);
    let widths: Vec<usize> = (0..table.first().map_or(0, Vec::len)).map(width).collect();
    let mut out = String::new();
    for row in table {
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                out.push_str(cell);
            } else {
                let pad = widths[i] + 3 - cell.width();
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
    }
    out
}

/// The pods as `kubectl get pods` shows them.
pub fn pods(rows: &[PodRow]) -> Table {
    let mut table = Table::new(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    for row in rows {
        table.rows.push(vec![
            row.name.clone(),
            row.ready.clone(),
            row.status.clone(),
            row.restarts_column.clone(),
            row.age.clone(),
        ]);
    }
    table
}

/// One lab as `checker labs` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabRow {
    /// The lab commands work on.
    pub current: bool,
    pub id: String,
    /// Steps passed, and steps in all.
    pub passed: usize,
    pub total: usize,
    pub title: String,
}

/// The labs, marked like `kubectl config get-contexts` marks the current context.
pub fn labs(rows: &[LabRow]) -> Table {
    let mut table = Table::new(["CURRENT", "LAB", "PASSED", "TITLE"]);
    for row in rows {
        let current = if row.current { "*" } else { "" };
        let passed = format!("{}/{}", row.passed, row.total);
        let title = crate::sanitize::line(&row.title).into_owned();
        table.rows.push(vec![current.into(), row.id.clone(), passed, title]);
    }
    table
}

/// The record's timing table ("性能数据"), measured from the pod's container timestamps: each
/// init container's run time, the gaps between them, the total and the main container's delay.
pub fn timings(t: &PodTimings, lang: Lang) -> Table {
    let secs = |s: Option<i64>| s.map_or("-".to_string(), |s| format!("{s}s"));
    let mut table = Table {
        header: vec![tr(lang, "指标", "measure"), tr(lang, "值", "value"), tr(lang, "备注", "note")],
        rows: Vec::new(),
    };
    for c in t.containers.iter().filter(|c| c.init) {
        let note = match (c.started_at, c.finished_at) {
            (Some(s), Some(f)) => format!("{} → {}", clock(s), clock(f)),
            (Some(s), None) => {
                tr(lang, &format!("{} 起运行中", clock(s)), &format!("running since {}", clock(s)))
            }
            _ => tr(lang, "未启动", "not started"),
        };
        table.rows.push(vec![
            tr(lang, &format!("{} 执行时间", c.name), &format!("{} run time", c.name)),
            secs(c.seconds),
            note,
        ]);
    }
    for g in &t.gaps {
        table.rows.push(vec![
            tr(lang, &format!("{} → {} 间隔", g.from, g.to), &format!("gap {} → {}", g.from, g.to)),
            format!("{}s", g.seconds),
            tr(lang, "串行：前一个结束后才启动", "serial: starts after the previous one ended"),
        ]);
    }
    table.rows.push(vec![
        tr(lang, "总初始化时间", "total initialization"),
        secs(t.total_init_seconds),
        tr(lang, "第一个 Init Container 启动到最后一个结束", "first init container start to last end"),
    ]);
    table.rows.push(vec![
        tr(lang, "主容器启动延迟", "main container start delay"),
        secs(t.main_start_delay_seconds),
        tr(
            lang,
            "最后一个 Init Container 结束到主容器启动",
            "last init container end to main container start",
        ),
    ]);
    table
}

/// A timestamp's time of day in UTC, as `kubectl describe` shows it in its Started/Finished lines.
pub fn clock(t: jiff::Timestamp) -> String {
    t.strftime("%H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_text_cannot_forge_rows() {
        let table = vec![
            vec!["NAME".to_string(), "STATUS".into()],
            vec!["evil\u{1b}[2J".to_string(), "Err\nforged line".into()],
        ];
        let out = columns(&table);
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(out.contains("evil\\x1b[2J   Err\\nforged line"), "{out}");
        assert_eq!(cell("a|b\r\nc\u{1b}[2J"), "a\\|b\\r c\\x1b[2J");
    }

    #[test]
    fn columns_pad_like_kubectl() {
        let table = vec![
            vec!["NAME".to_string(), "READY".into(), "AGE".into()],
            vec!["init-demo".to_string(), "1/1".into(), "5m".into()],
        ];
        assert_eq!(columns(&table), "NAME        READY   AGE\ninit-demo   1/1     5m\n");
    }

    #[test]
    fn one_table_two_renderings() {
        let mut table = Table::new(["NAME", "NOTE"]);
        table.rows.push(vec!["a|b".into(), "one\ntwo".into()]);
        assert_eq!(table.columns(), "NAME   NOTE\na|b    one\\ntwo\n");
        assert_eq!(table.markdown(), "| NAME | NOTE |\n|---|---|\n| a\\|b | one two |\n");
    }

    #[test]
    fn the_timing_table_of_the_records_pod() {
        let pod = crate::timing::pod_timings(&crate::fixtures::pod("init-demo-running")).unwrap();
        let table = timings(&pod, Lang::Zh);
        assert_eq!(table.rows[0], ["init-1 执行时间", "5s", "10:00:02 → 10:00:07"]);
        assert_eq!(table.rows.last().unwrap()[0], "主容器启动延迟");
        assert_eq!(table.columns().lines().count(), table.rows.len() + 1);
    }
}
