//! `checker status [--from FILE]`: the lab's pods as `kubectl get pods` shows them.

use std::path::Path;
use std::process::ExitCode;

use jiff::Timestamp;

use super::print;
use crate::cli::Format;
use crate::cluster::Cluster;
use crate::context::Context;
use crate::error::Result;
use crate::i18n;
use crate::observation::{self, Observation};
use crate::report;
use crate::status::pod_row;

pub(super) async fn status(ctx: &Context, from: Option<&Path>, format: Format) -> Result<ExitCode> {
    let obs = match from {
        Some(file) => observation::load_file(file, &ctx.target.namespace, Timestamp::now())?,
        None => {
            let cluster = Cluster::connect(&ctx.target).await?;
            let pods = cluster.list_pods(&ctx.spec.pods()).await?;
            Observation {
                namespace: cluster.namespace.clone(),
                namespace_exists: None,
                pods,
                logs: None,
                events: Vec::new(),
                pages: None,
                server_version: None,
                objects: Default::default(),
                at: Timestamp::now(),
            }
        }
    };
    let rows: Vec<_> = obs.pods.iter().map(|p| pod_row(p, obs.at)).collect();
    match format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct StatusJson<'a> {
                lab: &'a str,
                namespace: &'a str,
                pods: Vec<report::PodJson<'a>>,
            }
            let pods = rows.iter().map(report::PodJson::new).collect();
            print(&report::to_json(&StatusJson { lab: &ctx.spec.id, namespace: &obs.namespace, pods }))?
        }
        Format::Text if rows.is_empty() => {
            let ns = &obs.namespace;
            i18n::say(&i18n::tr(
                ctx.lang,
                &format!("命名空间 {ns} 中没有本实验的 Pod。"),
                &format!("No lab pods in namespace {ns}."),
            ));
        }
        Format::Text => print(&report::pods_table(&rows))?,
    }
    Ok(ExitCode::SUCCESS)
}
