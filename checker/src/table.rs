//! The tables a learner reads, each built once and rendered wherever it is shown: as the padded
//! columns of `kubectl get pods` in the terminal ([`Table::columns`]) and as a Markdown table in
//! the record ([`Table::markdown`]).
//!
//! - [`pods`]: NAME, READY, STATUS, RESTARTS, AGE, as kubectl prints them;
//! - [`timings`]: the record's timing table ("性能数据"), from the containers' timestamps;
//! - [`labs`]: CURRENT, LAB, PASSED, TITLE, as `checker labs` lists the book's labs;
//! - [`matrix`]: a report table of the spec, one pod per cell (`Init:Error · Failed · 0`);
//! - [`measured_restarts`]: restarts with their measured waits, next to the kubelet's rule.
//! - [`resources`]: a pod's requests and limits per container, its two phases and the
//!   effective values the scheduler uses; [`nodes`]: what each node can allocate.

use lab_spec::{Lang, ReportTable};
use unicode_width::UnicodeWidthStr;

use crate::clock;
use crate::i18n::tr;
use crate::resources::{Amounts, NodeAllocatable, PodResources, Role};
use crate::restarts::MeasuredRestart;
use crate::status::PodRow;
use crate::timing::{ContainerRun, PodTimings};

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
/// ([`crate::sanitize::line`]): a name or a status from the cluster cannot forge a row. Cells are
/// measured by their [`display_width`]: a CJK character takes two columns of the terminal.
pub fn columns(table: &[Vec<String>]) -> String {
    let table: Vec<Vec<String>> =
        table.iter().map(|row| row.iter().map(|c| crate::sanitize::line(c).into_owned()).collect()).collect();
    columns_with(&table, 3, "")
}

/// [`columns`] with `gap` spaces between columns and every line indented by `indent`, for cells
/// the checker composed: their colour codes are kept (and take no width), so any text from
/// elsewhere in them must have been made safe with [`crate::sanitize::line`] first.
pub fn columns_with(table: &[Vec<String>], gap: usize, indent: &str) -> String {
    let width = |i: usize| table.iter().map(|r| r.get(i).map_or(0, |c| display_width(c))).max().unwrap_or(0);
    let widths: Vec<usize> = (0..table.iter().map(Vec::len).max().unwrap_or(0)).map(width).collect();
    let mut out = String::new();
    for row in table {
        let mut line = indent.to_string();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(widths[i] + gap - display_width(cell)));
            }
        }
        // An empty last cell leaves no padding behind.
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    out
}

/// The columns a text takes in a terminal: East Asian wide characters count two, the escape
/// sequences of colours (`ESC [ … m`) none.
pub fn display_width(text: &str) -> usize {
    let mut width = 0;
    let mut rest = text;
    while let Some(esc) = rest.find('\u{1b}') {
        width += rest[..esc].width();
        let after = &rest[esc + 1..];
        rest = match after.strip_prefix('[') {
            Some(seq) => seq.find(|c: char| ('@'..='~').contains(&c)).map_or("", |end| &seq[end + 1..]),
            None => after,
        };
    }
    width + rest.width()
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

/// The record's timing table ("性能数据"), measured from the pod's timestamps: each init
/// container's run time, the gaps between them, then the phases as [`crate::timing`] defines them
/// (pod setup, total init time, main container delay, time to ready). Clock times are local.
pub fn timings(t: &PodTimings, lang: Lang) -> Table {
    let secs = |s: Option<i64>| s.map_or("-".to_string(), |s| format!("{s}s"));
    let mut table = Table {
        header: vec![tr(lang, "指标", "measure"), tr(lang, "值", "value"), tr(lang, "备注", "note")],
        rows: Vec::new(),
    };
    for c in t.containers.iter().filter(|c| c.init) {
        table.rows.push(match c.sidecar {
            true => sidecar_row(c, lang),
            false => vec![
                tr(lang, &format!("{} 执行时间", c.name), &format!("{} run time", c.name)),
                secs(c.seconds),
                run_note(c, lang),
            ],
        });
    }
    for g in &t.gaps {
        table.rows.push(match g.after_start {
            false => vec![
                tr(lang, &format!("{} → {} 间隔", g.from, g.to), &format!("gap {} → {}", g.from, g.to)),
                format!("{}s", g.seconds),
                tr(lang, "串行：前一个结束后才启动", "serial: starts after the previous one ended"),
            ],
            true => vec![
                tr(
                    lang,
                    &format!("{} 启动 → {} 启动", g.from, g.to),
                    &format!("{} start → {} start", g.from, g.to),
                ),
                format!("{}s", g.seconds),
                tr(
                    lang,
                    &format!("{} 是 Sidecar：{} 在它启动后就启动，不等它结束", g.from, g.to),
                    &format!(
                        "{} is a sidecar: {} starts once it has started, not once it ends",
                        g.from, g.to
                    ),
                ),
            ],
        });
    }
    let phases = [
        (
            tr(lang, "启动准备", "pod setup"),
            t.setup_seconds,
            tr(
                lang,
                "Pod 的 startTime 到第一个 Init Container 启动：沙箱、卷、拉取镜像",
                "the pod's startTime to the first init container's start: sandbox, volumes, image pull",
            ),
        ),
        (
            tr(lang, "总初始化时间", "total init time"),
            t.total_init_seconds,
            tr(
                lang,
                "第一个 Init Container 启动到最后一个完成（Sidecar 以启动为完成）",
                "first init container's start to the last one's end (a sidecar's: its start)",
            ),
        ),
        (
            tr(lang, "主容器启动延迟", "main container delay"),
            t.main_start_delay_seconds,
            tr(
                lang,
                "最后一个 Init Container 完成到主容器启动",
                "end of the init phase to the main container's start",
            ),
        ),
        (
            tr(lang, "就绪时间", "time to ready"),
            t.ready_seconds,
            tr(lang, "主容器启动到 Pod 变为 Ready", "main container's start to the pod's Ready condition"),
        ),
    ];
    for (measure, value, note) in phases {
        table.rows.push(vec![measure, secs(value), note]);
    }
    table
}

fn run_note(c: &ContainerRun, lang: Lang) -> String {
    match (c.started_at, c.finished_at) {
        (Some(s), Some(f)) => {
            let span = format!("{} → {}", clock::time(s), clock::time(f));
            match c.exit_code.filter(|code| *code != 0) {
                Some(code) => {
                    tr(lang, &format!("{span}，退出码 {code}"), &format!("{span}, exit code {code}"))
                }
                None => span,
            }
        }
        (Some(s), None) => {
            let s = clock::time(s);
            tr(lang, &format!("{s} 起运行中"), &format!("running since {s}"))
        }
        _ => tr(lang, "未启动", "not started"),
    }
}

/// A sidecar's row: it keeps running, so its start is the fact, not a run time.
fn sidecar_row(c: &ContainerRun, lang: Lang) -> Vec<String> {
    let restarts = match c.restarts {
        0 => String::new(),
        n => tr(lang, &format!("，重启 {n} 次"), &format!(", restarted {n}×")),
    };
    let note = match c.started_at {
        Some(s) => {
            let s = clock::time(s);
            tr(
                lang,
                &format!("{s} 起与主容器一起运行{restarts}"),
                &format!("since {s}, beside the main containers{restarts}"),
            )
        }
        None if c.restarts > 0 => tr(
            lang,
            &format!("状态中已没有它第一次启动的时间{restarts}"),
            &format!("its first start is no longer in the status{restarts}"),
        ),
        None => tr(lang, "未启动", "not started"),
    };
    vec![
        tr(lang, &format!("{}（Sidecar）", c.name), &format!("{} (sidecar)", c.name)),
        tr(lang, "持续运行", "keeps running"),
        note,
    ]
}

/// A report table of the spec ([`ReportTable`]): the row titles down the first column, in each
/// cell the pod's `STATUS · phase · RESTARTS` as `found` has it, `—` when it has none.
pub fn matrix<'a>(table: &ReportTable, found: impl Fn(&str) -> Option<&'a PodRow>, lang: Lang) -> Table {
    let mut header = vec![String::new()];
    header.extend(table.columns.iter().map(|c| c.get(lang).to_string()));
    let mut out = Table { header, rows: Vec::new() };
    for row in &table.rows {
        let mut cells = vec![row.title.get(lang).to_string()];
        for pod in &row.pods {
            cells.push(match found(pod) {
                None => "—".to_string(),
                Some(r) => {
                    let phase = if r.phase.is_empty() { "?" } else { r.phase.as_str() };
                    format!("{} · {phase} · {}", r.status, r.restarts)
                }
            });
        }
        out.rows.push(cells);
    }
    out
}

/// The restarts seen while watching: which restart, the measured wait before it, the kubelet's
/// rule for it.
pub fn measured_restarts(rows: &[MeasuredRestart], lang: Lang) -> Table {
    let header = [
        "Pod".to_string(),
        tr(lang, "容器", "Container"),
        tr(lang, "第几次重启", "Restart"),
        tr(lang, "实测等待", "Waited"),
        tr(lang, "kubelet 的规则", "Kubelet's rule"),
    ];
    let mut table = Table { header: header.to_vec(), rows: Vec::new() };
    for r in rows {
        let container = match r.init {
            true => tr(lang, &format!("{}（Init）", r.container), &format!("{} (init)", r.container)),
            false => r.container.clone(),
        };
        let rule = match r.rule_seconds {
            0 => tr(lang, "立即", "immediate"),
            s => format!("{s}s"),
        };
        table.rows.push(vec![
            r.pod.clone(),
            container,
            r.restart.to_string(),
            format!("{}s", r.wait_seconds),
            rule,
        ]);
    }
    table
}

/// A container's role in words.
pub fn role(role: Role, lang: Lang) -> String {
    match role {
        Role::Init => "Init".into(),
        Role::Sidecar => "Sidecar".into(),
        Role::App => tr(lang, "主容器", "app"),
    }
}

/// A pod's resources: each container's requests and limits, then the init phase's peak, the
/// app phase's sum, the pod-level values and the overhead when set, and the effective values
/// (the larger phase, per resource): what the scheduler reserves.
pub fn resources(r: &PodResources, lang: Lang) -> Table {
    let mut lists: Vec<&Amounts> = Vec::new();
    for c in &r.containers {
        lists.extend([&c.requests, &c.limits]);
    }
    lists.extend([&r.effective.requests, &r.effective.limits, &r.overhead]);
    let names = Amounts::names(&lists);
    let mut header = vec![tr(lang, "容器", "container"), tr(lang, "类型", "role")];
    header.extend(names.iter().map(|n| tr(lang, &format!("{n} 请求"), &format!("{n} request"))));
    header.extend(names.iter().map(|n| tr(lang, &format!("{n} 上限"), &format!("{n} limit"))));
    let mut table = Table { header, rows: Vec::new() };
    let row = |first: String, second: String, requests: &Amounts, limits: &Amounts| {
        let cell = |list: &Amounts, n: &String| list.get(n).map_or("-".to_string(), |a| a.show(n));
        let mut row = vec![first, second];
        row.extend(names.iter().map(|n| cell(requests, n)));
        row.extend(names.iter().map(|n| cell(limits, n)));
        row
    };
    for c in &r.containers {
        table.rows.push(row(c.name.clone(), role(c.role, lang), &c.requests, &c.limits));
    }
    if r.containers.iter().any(|c| c.role != Role::App) {
        let (first, second) = (tr(lang, "= Init 阶段", "= init phase"), tr(lang, "取最大", "peak"));
        table.rows.push(row(first, second, &r.init.requests, &r.init.limits));
    }
    let (first, second) = (tr(lang, "= 主容器阶段", "= app phase"), tr(lang, "求和", "sum"));
    table.rows.push(row(first, second, &r.app.requests, &r.app.limits));
    if let Some(level) = &r.pod_level {
        let (first, second) = (tr(lang, "Pod 级资源", "pod-level"), "spec.resources".to_string());
        table.rows.push(row(first, second, &level.requests, &level.limits));
    }
    if !r.overhead.is_empty() {
        let (first, second) = (tr(lang, "+ Pod 开销", "+ overhead"), "spec.overhead".to_string());
        table.rows.push(row(first, second, &r.overhead, &Amounts::default()));
    }
    let (first, second) = (tr(lang, "= 有效值", "= effective"), tr(lang, "较大者", "larger"));
    table.rows.push(row(first, second, &r.effective.requests, &r.effective.limits));
    table
}

/// What each node can allocate (`status.allocatable`): cpu, memory, pods, and every other
/// resource in `also` (what the pods request).
pub fn nodes(nodes: &[NodeAllocatable], also: &[String], lang: Lang) -> Table {
    let mut names: Vec<String> = vec!["cpu".into(), "memory".into(), "pods".into()];
    names.extend(also.iter().filter(|n| !names.contains(n)).cloned().collect::<Vec<_>>());
    // A note column only when a node needs one: a cordoned node takes no new pod.
    let noted = nodes.iter().any(|n| n.unschedulable);
    let mut header = vec![tr(lang, "节点", "node")];
    header.extend(names.iter().cloned());
    if noted {
        header.push(tr(lang, "备注", "note"));
    }
    let mut table = Table { header, rows: Vec::new() };
    for node in nodes {
        let mut row = vec![node.name.clone()];
        row.extend(names.iter().map(|n| node.allocatable.get(n).map_or("-".to_string(), |a| a.show(n))));
        if noted {
            row.push(match node.unschedulable {
                true => tr(lang, "已停止调度（cordon）", "cordoned"),
                false => "-".to_string(),
            });
        }
        table.rows.push(row);
    }
    table
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
    fn the_node_table_notes_a_cordoned_node_only_when_there_is_one() {
        let node = crate::fixtures::cluster("node-kind-control-plane");
        let ready = crate::resources::NodeAllocatable::from_object(&node).unwrap();
        let table = nodes(std::slice::from_ref(&ready), &["nvidia.com/gpu".to_string()], Lang::En);
        assert_eq!(table.header, ["node", "cpu", "memory", "pods", "nvidia.com/gpu"]);
        assert_eq!(table.rows[0], ["kind-control-plane", "8", "16318588Ki", "110", "-"]);
        let mut cordoned = ready.clone();
        cordoned.name = "worker".into();
        cordoned.unschedulable = true;
        let table = nodes(&[ready, cordoned], &[], Lang::Zh);
        assert_eq!(table.header.last().unwrap(), "备注");
        assert_eq!(table.rows[0].last().unwrap(), "-");
        assert_eq!(table.rows[1].last().unwrap(), "已停止调度（cordon）");
    }

    #[test]
    fn the_timing_table_of_the_records_pod() {
        let pod = crate::timing::pod_timings(&crate::fixtures::pod("init-demo-running")).unwrap();
        let table = timings(&pod, Lang::Zh);
        let (start, end) = (pod.containers[0].started_at.unwrap(), pod.containers[0].finished_at.unwrap());
        let span = format!("{} → {}", clock::time(start), clock::time(end));
        assert_eq!(table.rows[0], ["init-1 执行时间", "5s", span.as_str()]);
        let measures: Vec<&str> = table.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            measures[3..],
            ["启动准备", "总初始化时间", "主容器启动延迟", "就绪时间"],
            "one name per quantity, as the book's 耗时分析 names them"
        );
        assert_eq!(table.columns().lines().count(), table.rows.len() + 1);
    }

    #[test]
    fn a_sidecar_row_says_it_keeps_running() {
        let pod =
            crate::timing::pod_timings(&crate::fixtures::pod("sidecar-demo-sidecar-restarted")).unwrap();
        let table = timings(&pod, Lang::En);
        assert_eq!(table.rows[0][..2], ["log-shipper (sidecar)", "keeps running"]);
        assert!(table.rows[0][2].ends_with("restarted 1×"), "{:?}", table.rows[0]);
        assert!(table.rows.iter().any(|r| r[0] == "log-shipper start → init-config start" && r[1] == "1s"));
        assert!(table.rows.iter().all(|r| !r[1].starts_with('-') || r[1] == "-"), "no negative values");
    }

    #[test]
    fn columns_align_by_display_width() {
        let table = vec![
            vec!["步骤".to_string(), "结果".into(), "时间".into()],
            vec!["1".to_string(), "\u{1b}[32;1m通过\u{1b}[0m".into(), "x".into()],
            vec!["部署带 Init Container 的 Pod".to_string(), "pass".into(), "y".into()],
        ];
        let text = columns_with(&table, 3, "");
        let plain: Vec<String> =
            text.lines().map(|l| l.replace("\u{1b}[32;1m", "").replace("\u{1b}[0m", "")).collect();
        let third: Vec<usize> =
            plain.iter().map(|l| display_width(&l[..l.rfind(' ').unwrap() + 1])).collect();
        assert_eq!(third[0], third[1]);
        assert_eq!(third[1], third[2], "{text}");
        assert_eq!(display_width("部署 Pod"), 8);
        assert_eq!(display_width("\u{1b}[1m通过\u{1b}[0m"), 4);
    }

    #[test]
    fn measured_restarts_read_as_the_book_shows_them() {
        let row = |pod: &str, container: &str, init: bool, restart: u32, wait_seconds: i64| MeasuredRestart {
            pod: pod.into(),
            container: container.into(),
            init,
            restart,
            wait_seconds,
            rule_seconds: crate::restarts::kubelet_backoff(restart),
        };
        let rows = [
            row("rp-always-exits-1", "app", false, 2, 13),
            row("rp-always-exits-1", "app", false, 3, 27),
            row("rp-onfailure-init-fails", "init", true, 5, 91),
            row("rp-always-exits-1", "app", false, 4, 44),
            row("rp-always-exits-1", "app", false, 5, 86),
        ];
        assert_eq!(
            measured_restarts(&rows, Lang::Zh).columns(),
            "Pod                       容器           第几次重启   实测等待   kubelet 的规则\n\
             rp-always-exits-1         app            2            13s        10s\n\
             rp-always-exits-1         app            3            27s        20s\n\
             rp-onfailure-init-fails   init（Init）   5            91s        80s\n\
             rp-always-exits-1         app            4            44s        40s\n\
             rp-always-exits-1         app            5            86s        80s\n"
        );
        // The sample of the book's chapter is this table, as the record writes it.
        let chapter = format!("{}/../src/restart-policy/step4-backoff.md", env!("CARGO_MANIFEST_DIR"));
        let chapter = std::fs::read_to_string(chapter).unwrap();
        let markdown = measured_restarts(&rows, Lang::Zh).markdown();
        assert!(chapter.contains(&markdown), "src/restart-policy/step4-backoff.md lacks\n{markdown}");
        let en = measured_restarts(&rows[..1], Lang::En).columns();
        assert!(
            en.starts_with("Pod                 Container   Restart   Waited   Kubelet's rule\n"),
            "{en}"
        );
        let first = measured_restarts(&[row("p", "app", false, 1, 1)], Lang::En).columns();
        assert!(first.ends_with("1s       immediate\n"), "{first}");
    }
}
