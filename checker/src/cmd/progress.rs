//! `checker progress`: every step's latest result and last pass, the goals reached and whether
//! the lab is complete, for the current context.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde::Serialize;

use super::print;
use crate::cli::Format;
use crate::cluster::Cluster;
use crate::context::{Context, load_progress, load_quiz};
use crate::error::Result;
use crate::progress::StepSummary;
use crate::quiz::{self, QuizSummary};
use crate::report;

pub(super) async fn show_progress(ctx: &Context, format: Format) -> Result<ExitCode> {
    let cluster = Cluster::connect(&ctx.target).await?;
    let progress = load_progress(ctx, &cluster)?;
    let quiz = load_quiz(ctx)?.map(|q| QuizSummary::new(&q, ctx.lang));
    match format {
        Format::Text => {
            let text = report::progress_text(&ctx.spec, &progress, ctx.lang);
            print(&format!("{text}{}", quiz::progress_text(quiz.as_ref(), ctx.lang)))?
        }
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
                /// Steps that have passed at least once, of `total`.
                passed: usize,
                total: usize,
                /// Every step has passed at least once.
                complete: bool,
                steps: BTreeMap<u32, StepSummary>,
                goals: Vec<Goal<'a>>,
                /// The book's quiz (first answers) and self-ratings, or null.
                quiz: Option<QuizSummary>,
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
                passed: report::passed_count(&ctx.spec, &progress),
                total: ctx.spec.steps.len(),
                complete: report::complete(&ctx.spec, &progress),
                steps: progress.iter().map(|(n, r)| (*n, r.summary())).collect(),
                goals,
                quiz,
            };
            print(&report::to_json(&json))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
