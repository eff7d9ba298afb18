//! `checker step N [--from FILE] [--wait DURATION]`: one step's verdict, recorded in the progress.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use jiff::Timestamp;

use super::{print_step, record_or_warn, verdict_exit};
use crate::cli::Format;
use crate::cluster::Cluster;
use crate::context::{Context, check_step};
use crate::error::Result;
use crate::evaluate::evaluate;
use crate::i18n;
use crate::observation;
use crate::watch::{self, Live, WaitEnd};

pub(super) async fn step(
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
        print_step(&report, None, format, ctx.lang)?;
        return Ok(verdict_exit(report.verdict));
    }
    let cluster = Cluster::connect(&ctx.target).await?;
    let Some(limit) = wait else {
        let checked = check_step(ctx, &cluster, step).await?;
        record_or_warn(ctx, &cluster, &checked);
        print_step(&checked.report, None, format, ctx.lang)?;
        return Ok(verdict_exit(checked.report.verdict));
    };
    // A credential plugin may have to talk to the learner: let it, before the spinner starts.
    cluster.client().await?;
    let mut live = Live::new(format == Format::Json);
    let waited = watch::wait_for_step(ctx, &cluster, step, limit, &mut live).await;
    live.finish();
    let waited = waited?;
    record_or_warn(ctx, &cluster, &waited.checked);
    let report = &waited.checked.report;
    print_step(report, Some(&waited.timeline), format, ctx.lang)?;
    let secs = limit.as_secs();
    let ending = match waited.end {
        WaitEnd::Passed => None,
        WaitEnd::Missing => Some(i18n::tr(
            ctx.lang,
            "没有等待：这一步的 Pod 不存在，也没有别的东西会创建它。先按上面的“下一步”创建它。",
            "Not waiting: the step's pod does not exist, and nothing else will create it. Create it first, as \"Next\" says above.",
        )),
        WaitEnd::TimedOut => Some(i18n::tr(
            ctx.lang,
            &format!("等待 {secs}s 后仍未通过。"),
            &format!("Not passed after waiting {secs}s."),
        )),
        WaitEnd::Interrupted => Some(i18n::tr(ctx.lang, "已中断。", "Interrupted.")),
    };
    if let Some(ending) = ending.filter(|_| format == Format::Text) {
        i18n::say(&ending);
    }
    Ok(verdict_exit(report.verdict))
}
