//! `checker progress`: every step's last result and the goals reached, for the current context.

use std::process::ExitCode;

use serde::Serialize;

use super::print;
use crate::cli::Format;
use crate::cluster::Cluster;
use crate::context::{Context, load_progress};
use crate::error::Result;
use crate::progress::LabProgress;
use crate::report;

pub(super) async fn show_progress(ctx: &Context, format: Format) -> Result<ExitCode> {
    let cluster = Cluster::connect(&ctx.target).await?;
    let progress = load_progress(ctx, &cluster)?;
    match format {
        Format::Text => print(&report::progress_text(&ctx.spec, &progress, ctx.lang))?,
        Format::Json => {
            #[derive(Serialize)]
            struct Goal<'a> {
                id: &'a str,
                text: &'a str,
                achieved: bool,
            }
            #[derive(Serialize)]
            struct ProgressJson<'a> {
                lab: &'a str,
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
                lab: &ctx.spec.id,
                context: &cluster.context,
                namespace: &cluster.namespace,
                steps: &progress,
                goals,
            };
            print(&report::to_json(&json))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
