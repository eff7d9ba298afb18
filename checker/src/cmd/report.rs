//! `checker report [--output FILE]`: the learner's experiment record in Markdown, from the
//! recorded passes; the live cluster is read only for the steps that never passed, and a cluster
//! that cannot be read (cleaned up, deleted, no longer ours) leaves those steps without data
//! instead of failing the record.

use std::path::Path;
use std::process::ExitCode;

use jiff::Timestamp;

use super::emit;
use crate::cluster::Cluster;
use crate::context::{Context, load_progress, load_quiz};
use crate::error::Result;
use crate::evaluate::evaluate;
use crate::progress::PassRecord;
use crate::record;

pub(super) async fn write_report(ctx: &Context, file: Option<&Path>) -> Result<ExitCode> {
    let cluster = Cluster::connect(&ctx.target).await?;
    let progress = load_progress(ctx, &cluster)?;
    let needed: Vec<u32> =
        ctx.spec.steps.iter().map(|s| s.number).filter(|n| record::needs_live(&progress, *n)).collect();
    let (live, live_problem) = match needed.is_empty() {
        true => (None, None),
        false => match cluster.observe(&ctx.wanted_lab()).await {
            Ok(obs) => (Some(obs), None),
            Err(e) => (None, Some(e.text(ctx.lang).to_string())),
        },
    };
    let steps = record::entries(&ctx.spec, &progress, |n| {
        let (obs, step) = (live.as_ref()?, ctx.spec.step(n)?);
        Some((evaluate(&ctx.spec, step, obs, ctx.lang).verdict, PassRecord::new(&ctx.spec, step, obs)))
    });
    // The version the cluster reports now, else the one recorded at a pass.
    let live_version = match live_problem {
        None => cluster.server_version().await.ok(),
        Some(_) => None,
    };
    let recorded_version = progress.values().filter_map(|r| r.pass.as_ref()?.server_version.clone()).next();
    let version = live_version.or(recorded_version);
    let quiz = load_quiz(ctx)?.map(|q| crate::quiz::QuizSummary::new(&q, ctx.lang));
    let text = record::markdown(&record::RecordInput {
        spec: &ctx.spec,
        lang: ctx.lang,
        context: &cluster.context,
        server: &cluster.server,
        server_version: version.as_deref(),
        written_at: Timestamp::now(),
        steps: &steps,
        live_problem,
        quiz: quiz.as_ref(),
    });
    emit(&text, file)?;
    Ok(ExitCode::SUCCESS)
}
