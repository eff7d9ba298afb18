//! `checker report [-o FILE]`: the learner's experiment record in Markdown.

use std::path::Path;
use std::process::ExitCode;

use super::emit;
use crate::cluster::Cluster;
use crate::context::{Context, load_progress, observe_lab};
use crate::error::Result;
use crate::evaluate::{StepReport, evaluate};
use crate::record;

pub(super) async fn write_report(ctx: &Context, file: Option<&Path>) -> Result<ExitCode> {
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
