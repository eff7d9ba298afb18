//! `checker snapshot [FILE]`: the whole lab's observation as YAML, for `--from` and bug reports.

use std::path::Path;
use std::process::ExitCode;

use super::emit;
use crate::cluster::Cluster;
use crate::context::{Context, observe_lab};
use crate::error::{Error, Result};
use crate::msg;
use crate::observation::Snapshot;

pub(super) async fn snapshot(ctx: &Context, file: Option<&Path>) -> Result<ExitCode> {
    let cluster = Cluster::connect(&ctx.target).await?;
    let obs = observe_lab(ctx, &cluster).await?;
    let text = serde_yaml::to_string(&Snapshot::new(&obs, Some(cluster.context.clone())))
        .map_err(|e| Error::Input(msg!("无法写出快照：{e}", "cannot write the snapshot: {e}")))?;
    emit(&text, file)?;
    Ok(ExitCode::SUCCESS)
}
