//! What the commands share, below them: the loaded labs and the one a command works on, where to
//! look and how to speak ([`Context`]), and the steps every command takes with it — what to read
//! from the cluster for a step, checking it, and recording the verdict in the progress file.
//!
//! The labs are the book's: the files of the checkout the checker runs in, else the ones built
//! in (see `lab_spec::catalog`); `--spec FILE` puts a lab author's spec in place of the lab of its
//! id. The lab is the one `--lab` (or `CHECKER_LAB`) names, else the `--spec` one, else the one
//! the learner checked last (kept in the progress file), else the book's first.
//!
//! The commands (`cmd`), `watch` and `serve` build on this; nothing here knows about them.

use jiff::Timestamp;
use lab_spec::{Check, LabSpec, Labs, Lang, Step};

use crate::cli::Cli;
use crate::cluster::{Cluster, Target, Wanted};
use crate::error::{Error, Result};
use crate::evaluate::{StepReport, Verdict, evaluate};
use crate::i18n;
use crate::msg;
use crate::observation::Observation;
use crate::progress::{self, LabProgress, PassRecord, ProgressStore};

/// What every command needs: the labs, the lab it works on, where to look, and how to speak.
#[derive(Debug, Clone)]
pub struct Context {
    /// Every lab of this run, in the book's order.
    pub labs: Labs,
    /// The lab the command works on.
    pub spec: LabSpec,
    pub target: Target,
    pub lang: Lang,
    /// The namespace given with `-n`, which wins over every lab's own.
    pub namespace: Option<String>,
}

impl Context {
    pub fn from_cli(cli: &Cli) -> Result<Context> {
        let lang = cli.global.lang.map(Lang::from).unwrap_or_else(i18n::lang_from_env);
        let (labs, given) = load_labs(cli.global.spec.as_deref())?;
        let last = || ProgressStore::from_env().ok().and_then(|store| store.last_lab());
        let id = select_lab(&labs, cli.global.lab.as_deref(), given.as_deref(), last)?;
        Ok(Context::for_lab(labs, &id, cli, lang))
    }

    fn for_lab(labs: Labs, id: &str, cli: &Cli, lang: Lang) -> Context {
        let spec = labs.get(id).expect("a selected lab exists").spec.clone();
        let namespace = cli.global.namespace.clone();
        let target = Target {
            kubeconfig: cli.global.kubeconfig.clone(),
            context: cli.global.context.clone(),
            namespace: namespace.clone().unwrap_or_else(|| spec.namespace.clone()),
            rbac: spec.rbac.clone(),
        };
        Context { labs, spec, target, lang, namespace }
    }

    /// The same run with other labs (those of the book `checker serve` builds), on the same lab
    /// if they have it, else on their first.
    pub fn with_labs(&self, labs: Labs) -> Context {
        let id = labs.get(&self.spec.id).map_or_else(|| labs.first().id(), |l| l.id()).to_string();
        let mut ctx = Context { labs, ..self.clone() };
        ctx = ctx.with_lab(&id).expect("a lab of these labs");
        ctx
    }

    /// The same run on another of its labs (`None` if there is no lab of that id): its own
    /// namespace unless `-n` named one.
    pub fn with_lab(&self, id: &str) -> Option<Context> {
        let spec = self.labs.get(id)?.spec.clone();
        let mut target = self.target.clone();
        target.namespace = self.namespace.clone().unwrap_or_else(|| spec.namespace.clone());
        target.rbac = spec.rbac.clone();
        Some(Context {
            labs: self.labs.clone(),
            spec,
            target,
            lang: self.lang,
            namespace: self.namespace.clone(),
        })
    }

    pub fn step(&self, number: u32) -> Result<&Step> {
        self.spec.step(number).ok_or_else(|| {
            let mut numbers: Vec<u32> = self.spec.steps.iter().map(|s| s.number).collect();
            numbers.sort_unstable();
            let known = numbers.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
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
        wanted_step(&self.spec, step)
    }

    /// What to read for the whole lab: every lab pod and every log and page any step reads.
    pub fn wanted_lab(&self) -> Wanted<'_> {
        wanted_lab(&self.spec)
    }

    pub fn progress_key(&self, cluster: &Cluster) -> String {
        progress::key(&self.spec.id, &cluster.context, &cluster.namespace)
    }
}

/// What to read from the cluster for a step of a lab: its pods (all the lab's pods for a cleanup
/// step), the logs and pages its expectations read, the objects they select.
pub fn wanted_step<'a>(spec: &'a LabSpec, step: &'a Step) -> Wanted<'a> {
    let pods = match step.expectations.iter().any(|e| e.check == Check::LabPodsGone) {
        true => spec.pods(),
        false => step.pods(),
    };
    Wanted {
        pods,
        logs: step.logs(),
        pages: step.pages(),
        server_version: step.needs_server_version(),
        selects: step.selects(),
    }
}

/// What to read for a whole lab: every lab pod and every log and page any step reads.
pub fn wanted_lab(spec: &LabSpec) -> Wanted<'_> {
    let pods = spec.pods();
    let logs: Vec<(&str, &str)> = spec.steps.iter().flat_map(|s| s.logs()).collect();
    let pages: Vec<(&str, &str)> = spec.steps.iter().flat_map(|s| s.pages()).collect();
    let server_version = spec.steps.iter().any(|s| s.needs_server_version());
    let selects = spec.selects();
    Wanted { pods, logs, pages, server_version, selects }
}

/// The labs of this run: the checkout's files when the checker runs inside one, else the built-in
/// ones; with `--spec FILE`, that spec in place of the lab of its id (or besides the book's), and
/// its id.
pub fn load_labs(spec: Option<&std::path::Path>) -> Result<(Labs, Option<String>)> {
    let checkout = std::env::current_dir().ok().as_deref().and_then(Labs::find_checkout);
    let labs = match checkout {
        Some(root) => Labs::load(&root)?,
        None => Labs::embedded()?,
    };
    Ok(match spec {
        Some(path) => {
            let spec = LabSpec::load(path)?;
            let id = spec.id.clone();
            (labs.with_spec(spec, path.display().to_string()), Some(id))
        }
        None => (labs, None),
    })
}

/// Which lab a command works on: `--lab` (which must exist, and agree with `--spec`), else the
/// `--spec` lab, else the one checked last if the labs still have it, else the book's first.
pub fn select_lab(
    labs: &Labs,
    flag: Option<&str>,
    spec: Option<&str>,
    last: impl FnOnce() -> Option<String>,
) -> Result<String> {
    match (flag, spec) {
        (Some(flag), Some(spec)) if flag != spec => {
            return Err(Error::Usage(msg!(
                "--lab {flag} 与 --spec 给出的实验 {spec} 不一致：去掉其中一个",
                "--lab {flag} disagrees with the lab of --spec, {spec}: drop one of them"
            )));
        }
        (Some(flag), _) => {
            if labs.get(flag).is_none() {
                let known = labs.ids();
                return Err(Error::Usage(msg!(
                    "没有实验 {flag}：本书的实验为 {known}（见 `checker labs`）",
                    "unknown lab {flag}: the book's labs are {known} (see `checker labs`)"
                )));
            }
            return Ok(flag.to_string());
        }
        (None, Some(spec)) => return Ok(spec.to_string()),
        (None, None) => {}
    }
    Ok(last().filter(|id| labs.get(id).is_some()).unwrap_or_else(|| labs.first().id().to_string()))
}

/// A step's verdict and the observation it was had on (recorded with a pass).
pub struct Checked {
    pub report: StepReport,
    pub obs: Observation,
    /// The restarts seen while `--wait` watched (the observation holds only each container's
    /// latest), kept with a pass.
    pub restarts_seen: Vec<crate::restarts::MeasuredRestart>,
}

/// Observes and evaluates one step against the cluster.
pub async fn check_step(ctx: &Context, cluster: &Cluster, step: &Step) -> Result<Checked> {
    let obs = cluster.observe(&ctx.wanted(step)).await?;
    Ok(Checked { report: evaluate(&ctx.spec, step, &obs, ctx.lang), obs, restarts_seen: Vec::new() })
}

/// One observation of every lab pod and every log any step reads.
pub async fn observe_lab(ctx: &Context, cluster: &Cluster) -> Result<Observation> {
    cluster.observe(&ctx.wanted_lab()).await
}

/// Records a step's verdict in the progress file, and for a pass what was observed (a corrupt
/// file set aside is reported on stderr).
pub fn record(ctx: &Context, cluster: &Cluster, checked: &Checked) -> Result<()> {
    let store = ProgressStore::from_env()?;
    let report = &checked.report;
    let pass = pass_record(ctx, checked);
    let key = ctx.progress_key(cluster);
    if let Some(warning) = store.record(&key, report.step, report.verdict, Timestamp::now(), pass)? {
        i18n::warn(warning);
    }
    Ok(())
}

/// What a pass observed, to keep with it in the progress file; `None` when the step did not pass.
pub fn pass_record(ctx: &Context, checked: &Checked) -> Option<PassRecord> {
    match (checked.report.verdict, ctx.spec.step(checked.report.step)) {
        (Verdict::Pass, Some(step)) => {
            Some(PassRecord::new(&ctx.spec, step, &checked.obs).with_restarts_seen(&checked.restarts_seen))
        }
        _ => None,
    }
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

/// The book's quiz and self-ratings of the context's lab, if the page kept any (a warning if
/// the progress file was unreadable, as for [`load_progress`]).
pub fn load_quiz(ctx: &Context) -> Result<Option<crate::progress::QuizRecord>> {
    let (quiz, warning) = ProgressStore::from_env()?.load_quiz(&ctx.spec.id)?;
    if let Some(warning) = warning {
        i18n::warn(warning);
    }
    Ok(quiz)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The book's labs and the objects test lab, given with `--spec`.
    fn labs() -> Labs {
        Labs::embedded().unwrap().with_spec(crate::fixtures::objects_lab(), "objects.yaml".into())
    }

    #[test]
    fn the_lab_is_the_flag_else_the_spec_else_the_last_checked_else_the_first() {
        let labs = labs();
        let pick = |flag: Option<&str>, spec: Option<&str>, last: Option<&str>| {
            select_lab(&labs, flag, spec, || last.map(str::to_string)).map_err(|e| e.to_string())
        };
        assert_eq!(pick(None, None, None).unwrap(), "init-container");
        assert_eq!(pick(None, None, Some("objects")).unwrap(), "objects");
        assert_eq!(pick(None, None, Some("gone")).unwrap(), "init-container", "a lab no longer there");
        assert_eq!(pick(Some("objects"), None, Some("init-container")).unwrap(), "objects");
        assert_eq!(pick(None, Some("objects"), Some("init-container")).unwrap(), "objects");
        assert_eq!(pick(Some("objects"), Some("objects"), None).unwrap(), "objects");
        let err = pick(Some("nope"), None, None).unwrap_err();
        assert!(err.contains("unknown lab nope"), "{err}");
        assert!(err.contains(&format!("the book's labs are {} (", labs.ids())), "every lab listed: {err}");
        let err = pick(Some("init-container"), Some("objects"), None).unwrap_err();
        assert!(err.contains("disagrees"), "{err}");
    }
}
