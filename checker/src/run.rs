//! The commands: each follows the one-way flow CLI → lab spec → observe → evaluate → report →
//! progress.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::CommandFactory;
use jiff::Timestamp;
use lab_spec::{Check, LabSpec, Lang, Step};
use serde::Serialize;

use crate::cli::{Cli, Command, Format};
use crate::cluster::{Cluster, Target, Wanted};
use crate::error::{Error, Result, exit};
use crate::evaluate::{StepReport, Verdict, evaluate};
use crate::i18n;
use crate::msg;
use crate::observation::{self, Observation, Snapshot};
use crate::progress::{self, LabProgress, ProgressStore, StepRecord};
use crate::record;
use crate::report;
use crate::status::pod_row;
use crate::timeline::Timeline;
use crate::watch::{self, Live, WaitEnd};

/// What every command needs: the spec, where to look, and how to speak.
pub struct Context {
    pub spec: LabSpec,
    pub target: Target,
    pub lang: Lang,
}

impl Context {
    pub fn from_cli(cli: &Cli) -> Result<Context> {
        let spec = match &cli.global.spec {
            Some(path) => LabSpec::load(path)?,
            None => LabSpec::embedded()?,
        };
        let namespace = cli.global.namespace.clone().unwrap_or_else(|| spec.namespace.clone());
        let target = Target {
            kubeconfig: cli.global.kubeconfig.clone(),
            context: cli.global.context.clone(),
            namespace,
        };
        let lang = cli.global.lang.map(Lang::from).unwrap_or_else(i18n::lang_from_env);
        Ok(Context { spec, target, lang })
    }

    pub fn step(&self, number: u32) -> Result<&Step> {
        self.spec.step(number).ok_or_else(|| {
            let known = self.spec.steps.iter().map(|s| s.number.to_string()).collect::<Vec<_>>().join(", ");
            Error::Usage(msg!(
                "没有步骤 {number}：本实验的步骤为 {known}（见 `checker list`）",
                "unknown step {number}: the lab has steps {known} (see `checker list`)"
            ))
        })
    }

    /// What to read from the cluster for a step: its pods (all the lab's pods for a cleanup
    /// step) and the logs its expectations read.
    pub fn wanted<'a>(&'a self, step: &'a Step) -> Wanted<'a> {
        let pods = match step.expectations.iter().any(|e| e.check == Check::LabPodsGone) {
            true => self.spec.pods(),
            false => step.pods(),
        };
        Wanted { pods, logs: step.logs(), pages: step.pages(), server_version: step.needs_server_version() }
    }

    pub fn progress_key(&self, cluster: &Cluster) -> String {
        progress::key(&self.spec.id, &cluster.context, &cluster.namespace)
    }
}

/// Runs the command line; the error, if any, is printed by `main`.
pub fn run(cli: Cli) -> Result<ExitCode> {
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "checker", &mut std::io::stdout());
        return Ok(ExitCode::SUCCESS);
    }
    let ctx = Context::from_cli(&cli)?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|e| {
            Error::Input(msg!("无法启动异步运行时：{e}", "cannot start the async runtime: {e}"))
        })?;
    runtime.block_on(async {
        match &cli.command {
            Command::List { output } => list(&ctx, output.output).await,
            Command::Step { number, from, wait, output } => {
                step(&ctx, *number, from.as_deref(), *wait, output.output).await
            }
            Command::Status { from, output } => status(&ctx, from.as_deref(), output.output).await,
            Command::Progress { output } => show_progress(&ctx, output.output).await,
            Command::Snapshot { file } => snapshot(&ctx, file.as_deref()).await,
            Command::Report { output } => write_report(&ctx, output.as_deref()).await,
            Command::Serve(args) => crate::serve::serve(&ctx, cli.global.lang.is_some(), args).await,
            Command::Completions { .. } => unreachable!("handled above"),
        }
    })
}

async fn step(
    ctx: &Context,
    number: u32,
    from: Option<&Path>,
    wait: Option<Duration>,
    format: Format,
) -> Result<ExitCode> {
    let step = ctx.step(number)?;
    if let Some(file) = from {
        let obs = observation::load_file(file, &ctx.target.namespace, Timestamp::now())?;
        let report = evaluate(&ctx.spec, step, &obs, ctx.lang);
        print_step(&report, None, format, ctx.lang);
        return Ok(verdict_exit(report.verdict));
    }
    let cluster = Cluster::connect(&ctx.target).await?;
    let Some(limit) = wait else {
        let report = check_step(ctx, &cluster, step).await?;
        record_or_warn(ctx, &cluster, &report);
        print_step(&report, None, format, ctx.lang);
        return Ok(verdict_exit(report.verdict));
    };
    // A credential plugin may have to talk to the learner: let it, before the spinner starts.
    cluster.client().await?;
    let mut live = Live::new(format == Format::Json);
    let waited = watch::wait_for_step(ctx, &cluster, step, limit, &mut live).await;
    live.finish();
    let waited = waited?;
    record_or_warn(ctx, &cluster, &waited.report);
    print_step(&waited.report, Some(&waited.timeline), format, ctx.lang);
    let secs = limit.as_secs();
    let ending = match waited.end {
        WaitEnd::Passed => None,
        WaitEnd::TimedOut => Some(i18n::tr(
            ctx.lang,
            &format!("等待 {secs}s 后仍未通过。"),
            &format!("Not passed after waiting {secs}s."),
        )),
        WaitEnd::Interrupted => Some(i18n::tr(ctx.lang, "已中断。", "Interrupted.")),
    };
    if let Some(ending) = ending.filter(|_| format == Format::Text) {
        eprintln!("{ending}");
    }
    Ok(verdict_exit(waited.report.verdict))
}

/// Observes and evaluates one step against the cluster (shared with `checker serve`).
pub async fn check_step(ctx: &Context, cluster: &Cluster, step: &Step) -> Result<StepReport> {
    let obs = cluster.observe(&ctx.wanted(step)).await?;
    Ok(evaluate(&ctx.spec, step, &obs, ctx.lang))
}

/// The check's verdict stands even when the progress file cannot be written: say so and go on.
fn record_or_warn(ctx: &Context, cluster: &Cluster, report: &StepReport) {
    if let Err(e) = record(ctx, cluster, report) {
        i18n::warn(msg!("进度没有保存：{e}", "progress not saved: {e}"));
    }
}

/// Records a step's verdict in the progress file (a corrupt file set aside is reported on stderr).
pub fn record(ctx: &Context, cluster: &Cluster, report: &StepReport) -> Result<()> {
    let store = ProgressStore::from_env()?;
    let record = StepRecord { verdict: report.verdict, at: Timestamp::now() };
    if let Some(warning) = store.record(&ctx.progress_key(cluster), report.step, record)? {
        i18n::warn(warning);
    }
    Ok(())
}

/// Prints a step report, with the STATUS timeline when the step was watched.
pub fn print_step(report: &StepReport, timeline: Option<&Timeline>, format: Format, lang: Lang) {
    match format {
        Format::Text => {
            let mut text = report::step_text(report, lang);
            if let Some(timeline) = timeline.filter(|t| !t.entries.is_empty()) {
                text.push_str(&report::timeline_text(timeline, lang));
            }
            print(&text)
        }
        Format::Json => print(&report::to_json(&report::StepJson::new(report).with_timeline(timeline))),
    }
}

pub fn verdict_exit(verdict: Verdict) -> ExitCode {
    match verdict {
        Verdict::Pass => ExitCode::from(exit::PASS),
        Verdict::Pending | Verdict::Fail => ExitCode::from(exit::NOT_PASSED),
    }
}

fn print(text: &str) {
    let mut out = anstream::stdout();
    // A closed pipe (`checker status | head -1`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

async fn status(ctx: &Context, from: Option<&Path>, format: Format) -> Result<ExitCode> {
    let obs = match from {
        Some(file) => observation::load_file(file, &ctx.target.namespace, Timestamp::now())?,
        None => {
            let cluster = Cluster::connect(&ctx.target).await?;
            let pods = cluster.list_pods(&ctx.spec.pods()).await?;
            Observation {
                namespace: cluster.namespace.clone(),
                namespace_exists: None,
                pods,
                logs: None,
                events: Vec::new(),
                pages: None,
                server_version: None,
                at: Timestamp::now(),
            }
        }
    };
    let rows: Vec<_> = obs.pods.iter().map(|p| pod_row(p, obs.at)).collect();
    match format {
        Format::Json => print(&report::to_json(&rows.iter().map(report::PodJson::new).collect::<Vec<_>>())),
        Format::Text if rows.is_empty() => {
            let ns = &obs.namespace;
            eprintln!(
                "{}",
                i18n::tr(
                    ctx.lang,
                    &format!("命名空间 {ns} 中没有本实验的 Pod。"),
                    &format!("No lab pods in namespace {ns}.")
                )
            );
        }
        Format::Text => print(&report::pods_table(&rows)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The progress recorded for the current context (the kubeconfig is read, the cluster is not
/// contacted).
fn load_progress(ctx: &Context, cluster: &Cluster) -> Result<LabProgress> {
    let loaded = ProgressStore::from_env()?.load(&ctx.progress_key(cluster))?;
    if let Some(warning) = loaded.warning {
        i18n::warn(warning);
    }
    Ok(loaded.progress)
}

/// Progress for `list`, which should work without any cluster: none when there is no kubeconfig.
async fn progress_if_any(ctx: &Context) -> Result<LabProgress> {
    match Cluster::connect(&ctx.target).await {
        Ok(cluster) => load_progress(ctx, &cluster),
        Err(_) => Ok(LabProgress::new()),
    }
}

async fn list(ctx: &Context, format: Format) -> Result<ExitCode> {
    let progress = progress_if_any(ctx).await?;
    match format {
        Format::Text => print(&report::list_text(&ctx.spec, &progress, ctx.lang)),
        Format::Json => {
            #[derive(Serialize)]
            struct StepItem<'a> {
                number: u32,
                id: &'a str,
                title: &'a str,
                manifest: Option<&'a str>,
                last: Option<StepRecord>,
            }
            let items: Vec<_> = ctx
                .spec
                .steps
                .iter()
                .map(|s| StepItem {
                    number: s.number,
                    id: &s.id,
                    title: s.title.get(ctx.lang),
                    manifest: s.manifest.as_deref(),
                    last: progress.get(&s.number).copied(),
                })
                .collect();
            print(&report::to_json(&items));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn show_progress(ctx: &Context, format: Format) -> Result<ExitCode> {
    let cluster = Cluster::connect(&ctx.target).await?;
    let progress = load_progress(ctx, &cluster)?;
    match format {
        Format::Text => print(&report::progress_text(&ctx.spec, &progress, ctx.lang)),
        Format::Json => {
            #[derive(Serialize)]
            struct Goal<'a> {
                id: &'a str,
                text: &'a str,
                achieved: bool,
            }
            #[derive(Serialize)]
            struct ProgressJson<'a> {
                context: &'a str,
                namespace: &'a str,
                steps: &'a LabProgress,
                goals: Vec<Goal<'a>>,
            }
            let goals = ctx
                .spec
                .goals
                .iter()
                .map(|g| Goal {
                    id: &g.id,
                    text: g.text.get(ctx.lang),
                    achieved: report::goal_achieved(g, &progress),
                })
                .collect();
            let json = ProgressJson {
                context: &cluster.context,
                namespace: &cluster.namespace,
                steps: &progress,
                goals,
            };
            print(&report::to_json(&json));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One observation of every lab pod and every log any step reads.
async fn observe_lab(ctx: &Context, cluster: &Cluster) -> Result<Observation> {
    let pods = ctx.spec.pods();
    let logs: Vec<(&str, &str)> = ctx.spec.steps.iter().flat_map(|s| s.logs()).collect();
    let pages: Vec<(&str, &str)> = ctx.spec.steps.iter().flat_map(|s| s.pages()).collect();
    let server_version = ctx.spec.steps.iter().any(|s| s.needs_server_version());
    cluster.observe(&Wanted { pods, logs, pages, server_version }).await
}

/// Writes `text` to the file, or to standard output.
fn emit(text: &str, file: Option<&Path>) -> Result<()> {
    match file {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            let path = path.display();
            Error::Input(msg!("无法写入 {path}：{e}", "cannot write {path}: {e}"))
        }),
        None => {
            print(text);
            Ok(())
        }
    }
}

async fn snapshot(ctx: &Context, file: Option<&Path>) -> Result<ExitCode> {
    let cluster = Cluster::connect(&ctx.target).await?;
    let obs = observe_lab(ctx, &cluster).await?;
    let text = serde_yaml::to_string(&Snapshot::new(&obs, Some(cluster.context.clone())))
        .map_err(|e| Error::Input(msg!("无法写出快照：{e}", "cannot write the snapshot: {e}")))?;
    emit(&text, file)?;
    Ok(ExitCode::SUCCESS)
}

async fn write_report(ctx: &Context, file: Option<&Path>) -> Result<ExitCode> {
    let cluster = Cluster::connect(&ctx.target).await?;
    let obs = observe_lab(ctx, &cluster).await?;
    let version = cluster.server_version().await.ok();
    let reports: Vec<StepReport> =
        ctx.spec.steps.iter().map(|s| evaluate(&ctx.spec, s, &obs, ctx.lang)).collect();
    let progress = load_progress(ctx, &cluster)?;
    let text = record::markdown(&record::RecordInput {
        spec: &ctx.spec,
        lang: ctx.lang,
        context: &cluster.context,
        server: &cluster.server,
        server_version: version.as_deref(),
        taken_at: obs.at,
        reports: &reports,
        pods: &obs.pods,
        progress: &progress,
    });
    emit(&text, file)?;
    Ok(ExitCode::SUCCESS)
}
