//! The commands, one file each: each follows the one-way flow CLI → lab spec → observe →
//! evaluate → report → progress, on what [`crate::context`] shares below them.

mod class;
mod doctor;
mod labs;
mod lint;
mod list;
mod progress;
mod report;
mod snapshot;
mod status;
mod step;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use lab_spec::Lang;

use crate::cli::{Cli, Command, Format, Invocation};
use crate::cluster::Cluster;
use crate::context::{self, Context};
use crate::error::{Error, Result, exit};
use crate::evaluate::{StepReport, Verdict};
use crate::i18n;
use crate::msg;
use crate::report as render;
use crate::timeline::Timeline;

/// The whole program, for both executables (`checker` and the kubectl plugin `kubectl-lab`):
/// parses the arguments, runs the command, prints the error if any in the reader's language.
pub fn main() -> ExitCode {
    // Every message of this process follows --lang, else the locale: clap's help and errors too.
    let lang = crate::cli::lang_in_args(std::env::args_os()).unwrap_or_else(i18n::lang_from_env);
    i18n::set_lang(lang);
    let cli = match crate::cli::parse(std::env::args_os(), lang) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            let lang = i18n::lang();
            let text = crate::sanitize::line(error.text(lang));
            i18n::say(&format!("{}{text}", i18n::tr(lang, "错误：", "error: ")));
            error.exit_code()
        }
    }
}

/// Runs the command line; the error, if any, is printed by [`main`].
pub fn run(cli: Cli) -> Result<ExitCode> {
    if let Command::Completions { shell } = cli.command {
        // For the executable that runs: `checker`, or `kubectl-lab` typed as such. Into memory
        // first: clap_complete panics on a write error.
        let invocation = Invocation::of(std::env::args_os().next().as_deref());
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut invocation.clap_command(), &invocation.executable, &mut script);
        print(&String::from_utf8_lossy(&script))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Lint(args) = &cli.command {
        let lang = cli.global.lang.map(Lang::from).unwrap_or_else(i18n::lang_from_env);
        let path = args.path.as_deref().or(cli.global.spec.as_deref());
        return lint::lint(path, cli.global.lab.as_deref(), args.all, args.output.output, lang);
    }
    let ctx = Context::from_cli(&cli)?;
    crate::cli::validate_target(&ctx.target.namespace, ctx.target.context.as_deref())?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|e| {
            Error::Input(msg!("无法启动异步运行时：{e}", "cannot start the async runtime: {e}"))
        })?;
    runtime.block_on(async {
        match &cli.command {
            Command::Labs { output } => labs::labs(&ctx, output.output).await,
            Command::List { output } => list::list(&ctx, output.output).await,
            Command::Doctor { output } => doctor::doctor(&ctx, output.output).await,
            Command::Step { number, from, wait, output } => {
                step::step(&ctx, *number, from.as_deref(), *wait, output.output).await
            }
            Command::Status { from, output } => status::status(&ctx, from.as_deref(), output.output).await,
            Command::Progress { output } => progress::show_progress(&ctx, output.output).await,
            Command::Snapshot { file } => snapshot::snapshot(&ctx, file.as_deref()).await,
            Command::Report { output } => report::write_report(&ctx, output.as_deref()).await,
            Command::Serve(args) => crate::serve::serve(&ctx, cli.global.lang.is_some(), args).await,
            Command::Class(command) => class::class(&ctx, command).await,
            Command::Completions { .. } | Command::Lint(_) => unreachable!("handled above"),
        }
    })
}

/// The check's verdict stands even when the progress file cannot be written: say so and go on.
fn record_or_warn(ctx: &Context, cluster: &Cluster, checked: &context::Checked) {
    if let Err(e) = context::record(ctx, cluster, checked) {
        i18n::warn(msg!("进度没有保存：{e}", "progress not saved: {e}"));
    }
}

/// Prints a step report, with the STATUS timeline when the step was watched.
pub fn print_step(
    report: &StepReport,
    timeline: Option<&Timeline>,
    format: Format,
    lang: Lang,
) -> Result<()> {
    match format {
        Format::Text => {
            let mut text = render::step_text(report, lang);
            if let Some(timeline) = timeline.filter(|t| !t.entries.is_empty()) {
                text.push_str(&render::timeline_text(timeline, lang));
            }
            print(&text)
        }
        Format::Json => print(&render::to_json(&render::StepJson::new(report).with_timeline(timeline))),
    }
}

pub fn verdict_exit(verdict: Verdict) -> ExitCode {
    match verdict {
        Verdict::Pass => ExitCode::from(exit::PASS),
        Verdict::Pending | Verdict::Fail => ExitCode::from(exit::NOT_PASSED),
    }
}

/// Writes to standard output. A reader that stopped early (`checker status | head -1`) is not an
/// error: we stop writing quietly and exit with the code the command would have had, as ripgrep
/// does. Any other failure (a full disk, `> /dev/full`) is an error: the output is lost.
fn print(text: &str) -> Result<()> {
    let mut out = anstream::stdout();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Output(msg!("无法写入标准输出：{e}", "cannot write to standard output: {e}"))),
    }
}

/// Writes `text` to the file, or to standard output.
fn emit(text: &str, file: Option<&Path>) -> Result<()> {
    match file {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            let path = path.display();
            Error::Input(msg!("无法写入 {path}：{e}", "cannot write {path}: {e}"))
        }),
        None => print(text),
    }
}
