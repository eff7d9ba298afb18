//! `checker class manifests --learners FILE` and `checker class status`: the teacher's side of a
//! classroom (see [`crate::class`]).

use std::process::ExitCode;

use super::print;
use crate::class::{self, Members, learners, manifests, render};
use crate::cli::{ClassCommand, ClassFormat, ClassStatusArgs};
use crate::cluster::Cluster;
use crate::context::Context;
use crate::error::Result;

pub(super) async fn class(ctx: &Context, command: &ClassCommand) -> Result<ExitCode> {
    match command {
        ClassCommand::Manifests { learners: file } => {
            let class = learners::load(file)?;
            let labs: Vec<&lab_spec::LabSpec> = ctx.labs.iter().map(|lab| &lab.spec).collect();
            print(&manifests::to_yaml(&class, &manifests::manifests(&class, &labs), ctx.lang))?;
            Ok(ExitCode::SUCCESS)
        }
        ClassCommand::Status(args) => status(ctx, args).await,
    }
}

async fn status(ctx: &Context, args: &ClassStatusArgs) -> Result<ExitCode> {
    let members = Members::parse(args.selector.as_deref(), args.prefix.as_deref(), "")?;
    let cluster = Cluster::connect(&ctx.target).await?;
    if let Some(limit) = args.watch {
        return watch(ctx, &cluster, &members, args.output, limit).await;
    }
    let observed = class::observe(&cluster, &ctx.spec, &members).await?;
    let board = class::board(&ctx.spec, &observed, ctx.lang);
    print(&match args.output {
        ClassFormat::Text => render::text(&board, ctx.lang),
        ClassFormat::Json => render::json(&board),
        ClassFormat::Csv => render::csv(&board),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `--watch`: the board once every watch has listed, then what changes, until Ctrl-C or `limit`.
async fn watch(
    ctx: &Context,
    cluster: &Cluster,
    members: &Members,
    output: ClassFormat,
    limit: std::time::Duration,
) -> Result<ExitCode> {
    let stop = async {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = tokio::time::sleep(limit) => {}
        }
    };
    let mut first = true;
    class::follow(cluster, &ctx.spec, members, ctx.lang, stop, |live, update| {
        let board = live.board();
        let text = match (output, std::mem::take(&mut first)) {
            (ClassFormat::Text, true) => render::text(&board, ctx.lang),
            (ClassFormat::Json, true) => render::json_line(&board),
            (ClassFormat::Csv, true) => render::csv(&board),
            (ClassFormat::Text, false) => render::changes_text(&board, update, ctx.lang),
            (ClassFormat::Json, false) => render::changes_json(&board, update),
            (ClassFormat::Csv, false) => render::changes_csv(update),
        };
        print(&text)
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
