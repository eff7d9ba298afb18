//! What the commands share, below them: the loaded lab, where to look and how to speak
//! ([`Context`]), and the steps every command takes with it — what to read from the cluster for
//! a step, checking it, and recording the verdict in the progress file.
//!
//! The commands (`cmd`), `watch` and `serve` build on this; nothing here knows about them.

use jiff::Timestamp;
use lab_spec::{Check, LabSpec, Lang, Step};

use crate::cli::Cli;
use crate::cluster::{Cluster, Target, Wanted};
use crate::error::{Error, Result};
use crate::evaluate::{StepReport, evaluate};
use crate::i18n;
use crate::msg;
use crate::observation::Observation;
use crate::progress::{self, LabProgress, ProgressStore, StepRecord};

/// What every command needs: the spec, where to look, and how to speak.
pub struct Context {
    pub spec: LabSpec,
    pub target: Target,
    pub lang: Lang,
}

impl Context {
    pub fn from_cli(cli: &Cli) -> Result<Context> {
        let spec = match &cli.global.spec {
            Some(path) => crate::input::load_spec(path)?,
            None => LabSpec::embedded()?,
        };
        let namespace = cli.global.namespace.clone().unwrap_or_else(|| spec.namespace.clone());
        let target = Target {
            kubeconfig: cli.global.kubeconfig.clone(),
            context: cli.global.context.clone(),
            namespace,
            rbac: spec.rbac.clone(),
        };
        let lang = cli.global.lang.map(Lang::from).unwrap_or_else(i18n::lang_from_env);
        Ok(Context { spec, target, lang })
    }

    pub fn step(&self, number: u32) -> Result<&Step> {
        self.spec.step(number).ok_or_else(|| {
            let known = self.spec.steps.iter().map(|s| s.number.to_string()).collect::<Vec<_>>().join(", ");
            let program = crate::i18n::program();
            Error::Usage(msg!(
                "没有步骤 {number}：本实验的步骤为 {known}（见 `{program} list`）",
                "unknown step {number}: the lab has steps {known} (see `{program} list`)"
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

    /// What to read for the whole lab: every lab pod and every log and page any step reads.
    pub fn wanted_lab(&self) -> Wanted<'_> {
        let pods = self.spec.pods();
        let logs: Vec<(&str, &str)> = self.spec.steps.iter().flat_map(|s| s.logs()).collect();
        let pages: Vec<(&str, &str)> = self.spec.steps.iter().flat_map(|s| s.pages()).collect();
        let server_version = self.spec.steps.iter().any(|s| s.needs_server_version());
        Wanted { pods, logs, pages, server_version }
    }

    pub fn progress_key(&self, cluster: &Cluster) -> String {
        progress::key(&self.spec.id, &cluster.context, &cluster.namespace)
    }
}

/// Observes and evaluates one step against the cluster.
pub async fn check_step(ctx: &Context, cluster: &Cluster, step: &Step) -> Result<StepReport> {
    let obs = cluster.observe(&ctx.wanted(step)).await?;
    Ok(evaluate(&ctx.spec, step, &obs, ctx.lang))
}

/// One observation of every lab pod and every log any step reads.
pub async fn observe_lab(ctx: &Context, cluster: &Cluster) -> Result<Observation> {
    cluster.observe(&ctx.wanted_lab()).await
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

/// The progress recorded for the current context (the kubeconfig is read, the cluster is not
/// contacted); a corrupt file set aside is reported on stderr.
pub fn load_progress(ctx: &Context, cluster: &Cluster) -> Result<LabProgress> {
    let loaded = ProgressStore::from_env()?.load(&ctx.progress_key(cluster))?;
    if let Some(warning) = loaded.warning {
        i18n::warn(warning);
    }
    Ok(loaded.progress)
}
