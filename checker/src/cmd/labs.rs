//! `checker labs`: the book's labs, each with the steps passed on the current context, and the
//! one commands work on marked. Works without a cluster (no progress then).

use std::process::ExitCode;

use lab_spec::Origin;
use serde::Serialize;

use super::print;
use crate::cli::Format;
use crate::cluster::Cluster;
use crate::context::{Context, load_progress};
use crate::error::Result;
use crate::i18n::tr;
use crate::progress::LabProgress;
use crate::report;
use crate::table::{self, LabRow};

#[derive(Serialize)]
struct LabJson<'a> {
    lab: &'a str,
    title: &'a str,
    /// The lab commands work on (`--lab`, else the one checked last, else the book's first).
    current: bool,
    /// Listed in the book (a `--spec` lab may not be).
    in_book: bool,
    /// Its spec file: `labs/<id>/lab.yaml`, or the `--spec` path.
    file: &'a str,
    namespace: &'a str,
    passed: usize,
    total: usize,
}

#[derive(Serialize)]
struct LabsJson<'a> {
    /// The lab commands work on.
    lab: &'a str,
    /// Where the labs were read: `embedded` (built in) or the checkout's root.
    source: String,
    /// The kube context the progress is that of, when there is a kubeconfig.
    context: Option<&'a str>,
    labs: Vec<LabJson<'a>>,
}

pub(super) async fn labs(ctx: &Context, format: Format) -> Result<ExitCode> {
    let cluster = Cluster::connect(&ctx.target).await.ok();
    let mut contexts = Vec::new();
    for lab in ctx.labs.iter() {
        let lab_ctx = ctx.with_lab(lab.id()).expect("a lab of the run");
        let progress = match &cluster {
            Some(cluster) => {
                let mut cluster = cluster.clone();
                cluster.namespace = lab_ctx.target.namespace.clone();
                load_progress(&lab_ctx, &cluster)?
            }
            None => LabProgress::new(),
        };
        contexts.push((lab, lab_ctx, progress));
    }
    let source = match &ctx.labs.origin {
        Origin::Checkout(root) => root.display().to_string(),
        Origin::Embedded | Origin::Given => "embedded".to_string(),
    };
    match format {
        Format::Json => {
            let labs = contexts
                .iter()
                .map(|(lab, lab_ctx, progress)| LabJson {
                    lab: lab.id(),
                    title: lab.spec.title.get(ctx.lang),
                    current: lab.id() == ctx.spec.id,
                    in_book: lab.in_book,
                    file: &lab.file,
                    namespace: &lab_ctx.target.namespace,
                    passed: report::passed_count(&lab.spec, progress),
                    total: lab.spec.steps.len(),
                })
                .collect();
            let context = cluster.as_ref().map(|c| c.context.as_str());
            print(&report::to_json(&LabsJson { lab: &ctx.spec.id, source, context, labs }))?;
        }
        Format::Text => {
            let rows: Vec<LabRow> = contexts
                .iter()
                .map(|(lab, _, progress)| LabRow {
                    current: lab.id() == ctx.spec.id,
                    id: lab.id().to_string(),
                    passed: report::passed_count(&lab.spec, progress),
                    total: lab.spec.steps.len(),
                    title: lab.spec.title.get(ctx.lang).to_string(),
                })
                .collect();
            let mut text = table::labs(&rows).columns();
            let from = match &ctx.labs.origin {
                Origin::Checkout(root) => {
                    let root = root.display();
                    tr(
                        ctx.lang,
                        &format!("\n实验规格读自 {root}/labs/"),
                        &format!("\nLab specs read from {root}/labs/"),
                    )
                }
                Origin::Embedded | Origin::Given => String::new(),
            };
            text.push_str(&from);
            if !from.is_empty() {
                text.push('\n');
            }
            text.push_str(&tr(
                ctx.lang,
                "\n用 `checker --lab ID …` 换实验；不加 --lab 时用你上次检查的实验。\n",
                "\nSwitch labs with `checker --lab ID …`; without --lab, commands work on the lab you checked last.\n",
            ));
            print(&text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
