//! `checker list`: the lab's steps, with the progress marks when there is a cluster to key them.

use std::process::ExitCode;

use serde::Serialize;

use super::print;
use crate::cli::Format;
use crate::cluster::Cluster;
use crate::context::{Context, load_progress};
use crate::error::Result;
use crate::progress::{LabProgress, StepSummary};
use crate::report;

/// Progress for `list`, which should work without any cluster: none when there is no kubeconfig.
async fn progress_if_any(ctx: &Context) -> Result<LabProgress> {
    match Cluster::connect(&ctx.target).await {
        Ok(cluster) => load_progress(ctx, &cluster),
        Err(_) => Ok(LabProgress::new()),
    }
}

pub(super) async fn list(ctx: &Context, format: Format) -> Result<ExitCode> {
    let progress = progress_if_any(ctx).await?;
    match format {
        Format::Text => print(&report::list_text(&ctx.spec, &progress, ctx.lang))?,
        Format::Json => {
            #[derive(Serialize)]
            struct StepItem<'a> {
                number: u32,
                id: &'a str,
                title: &'a str,
                manifest: Option<&'a str>,
                /// The latest result and the last pass.
                last: Option<StepSummary>,
            }
            let items = ctx
                .spec
                .steps
                .iter()
                .map(|s| StepItem {
                    number: s.number,
                    id: &s.id,
                    title: s.title.get(ctx.lang),
                    manifest: s.manifest.as_deref(),
                    last: progress.get(&s.number).map(|r| r.summary()),
                })
                .collect();
            #[derive(Serialize)]
            struct ListJson<'a> {
                lab: &'a str,
                title: &'a str,
                steps: Vec<StepItem<'a>>,
            }
            print(&report::to_json(&ListJson {
                lab: &ctx.spec.id,
                title: ctx.spec.title.get(ctx.lang),
                steps: items,
            }))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
