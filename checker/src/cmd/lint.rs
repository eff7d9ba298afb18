//! `checker lint [--lab ID | --all] [PATH]`: the labs' data checked against its manifests, the
//! book and the RBAC manifest (rules in [`crate::lint`]). One line per problem, exit code 2 when
//! there is any.

use std::path::Path;
use std::process::ExitCode;

use lab_spec::Lang;
use serde::Serialize;

use super::print;
use crate::cli::Format;
use crate::error::{Result, exit};
use crate::i18n::tr;
use crate::lint::{self, Problem, Rule};
use crate::report;

#[derive(Serialize)]
struct ProblemJson<'a> {
    lab: Option<&'a str>,
    file: &'a str,
    line: Option<usize>,
    rule: Rule,
    message: &'a str,
}

#[derive(Serialize)]
struct LintJson<'a> {
    ok: bool,
    /// The labs linted.
    labs: &'a [String],
    problems: Vec<ProblemJson<'a>>,
}

pub(super) fn lint(
    path: Option<&Path>,
    lab: Option<&str>,
    all: bool,
    format: Format,
    lang: Lang,
) -> Result<ExitCode> {
    let (labs, problems) = match lint::target(path, lab, all)? {
        Ok(target) => (target.ids.clone(), lint::lint(&target)),
        Err(problem) => (Vec::new(), vec![problem]),
    };
    match format {
        Format::Json => {
            let problems_json: Vec<ProblemJson> = problems
                .iter()
                .map(|p: &Problem| ProblemJson {
                    lab: p.lab.as_deref(),
                    file: &p.file,
                    line: p.line,
                    rule: p.rule,
                    message: p.message.get(lang),
                })
                .collect();
            let ok = problems.is_empty();
            print(&report::to_json(&LintJson { ok, labs: &labs, problems: problems_json }))?;
        }
        Format::Text => {
            let mut out = String::new();
            for p in &problems {
                out.push_str(&p.line(lang));
                out.push('\n');
            }
            if problems.is_empty() {
                let rules: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
                let (n, ids, rules) = (labs.len(), labs.join(", "), rules.join(", "));
                out.push_str(&tr(
                    lang,
                    &format!("通过：{n} 个实验（{ids}），规则 {rules}\n"),
                    &format!("ok: {n} lab{} ({ids}), rules {rules}\n", if n == 1 { "" } else { "s" }),
                ));
            }
            print(&out)?;
            if !problems.is_empty() {
                let n = problems.len();
                let s = if n == 1 { "" } else { "s" };
                eprintln!("{}", tr(lang, &format!("lint：{n} 个问题"), &format!("lint: {n} problem{s}")));
            }
        }
    }
    Ok(ExitCode::from(if problems.is_empty() { exit::PASS } else { exit::INPUT }))
}
