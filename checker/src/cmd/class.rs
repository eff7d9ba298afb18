//! `checker class manifests --learners FILE` and `checker class status`: the teacher's side of a
//! classroom (see [`crate::class`]).

use std::process::ExitCode;

use super::print;
use crate::class::{self, Members, learners, manifests, render};
use crate::cli::{ClassCommand, ClassFormat, ClassStatusArgs};
use crate::cluster::Cluster;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::msg;

/// The longest `--selector` accepted.
const MAX_SELECTOR: usize = 1024;

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
    let members = members(args)?;
    let cluster = Cluster::connect(&ctx.target).await?;
    let observed = class::observe(&cluster, &ctx.spec, &members).await?;
    let board = class::board(&ctx.spec, &observed, ctx.lang);
    print(&match args.output {
        ClassFormat::Text => render::text(&board, ctx.lang),
        ClassFormat::Json => render::json(&board),
        ClassFormat::Csv => render::csv(&board),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The class's namespaces as the command line names them: checked before they go into a query.
fn members(args: &ClassStatusArgs) -> Result<Members> {
    if let Some(prefix) = &args.prefix {
        let fits = prefix.len() < 63
            && prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && prefix.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !fits {
            let shown = crate::sanitize::line(prefix);
            return Err(Error::Usage(msg!(
                "--prefix \"{shown}\" 不能作为命名空间名字的开头（小写字母、数字和 -，以字母或数字开头，少于 63 个字符）",
                "--prefix \"{shown}\" cannot start a namespace name (lower-case letters, digits and '-', starting with a letter or digit, shorter than 63 characters)"
            )));
        }
        return Ok(Members::Prefix(prefix.clone()));
    }
    let selector = args.selector.clone().unwrap_or_else(|| manifests::CLASS_LABEL.to_string());
    if selector.trim().is_empty() || selector.len() > MAX_SELECTOR || selector.chars().any(char::is_control) {
        let shown = crate::sanitize::line(&selector);
        return Err(Error::Usage(msg!(
            "--selector \"{shown}\" 不是标签选择器（不能为空、不能含控制字符、最多 {MAX_SELECTOR} 字节），例如 lab-checker/class=k8s-spring",
            "--selector \"{shown}\" is not a label selector (not empty, no control characters, at most {MAX_SELECTOR} bytes), e.g. lab-checker/class=k8s-spring"
        )));
    }
    Ok(Members::Selector(selector))
}
