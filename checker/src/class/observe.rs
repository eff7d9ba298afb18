//! One pass over the class, the way a controller reads a cluster: one LIST of namespaces, one of
//! pods, one of events, one per other kind the lab reads, then only the logs and pages the lab's
//! expectations need, a bounded number at a time.

use futures::stream::{self, StreamExt, TryStreamExt};
use jiff::Timestamp;
use lab_spec::LabSpec;

use super::board::{ClassObservation, answered_by_core};
use crate::cluster::KindList;
use crate::cluster::Cluster;
use crate::context::wanted_lab;
use crate::error::Result;

/// At most this many learner namespaces have their logs and pages read at once.
pub const CONCURRENCY: usize = 16;

/// Which namespaces make up the class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Members {
    /// Those a label selector picks (`lab-checker/class=k8s-spring`).
    Selector(String),
    /// Those whose name starts so (`lab-`).
    Prefix(String),
}

/// Reads what every step of the lab needs, for every namespace of the class.
pub async fn observe(cluster: &Cluster, spec: &LabSpec, members: &Members) -> Result<ClassObservation> {
    let mut namespaces = match members {
        Members::Selector(selector) => cluster.list_namespaces(Some(selector)).await?,
        Members::Prefix(prefix) => {
            let all = cluster.list_namespaces(None).await?;
            all.into_iter().filter(|ns| ns.starts_with(prefix.as_str())).collect()
        }
    };
    namespaces.sort();
    let wanted = wanted_lab(spec);
    let at = Timestamp::now();
    if namespaces.is_empty() {
        return Ok(ClassObservation { at, ..Default::default() });
    }
    let pods = cluster.list_all_pods().await?;
    let events = cluster.list_all_events().await?;
    // The lab's selections of core Pods and Events are answered from these two LISTs; every
    // other kind gets one LIST of its own.
    let mut lists: Vec<KindList> = Vec::new();
    for select in &wanted.selects {
        let same = |k: &KindList| k.api_version == select.api_version && k.kind == select.kind;
        if !answered_by_core(select, events.is_some()) && !lists.iter().any(same) {
            lists.push(cluster.list_kind(select).await?);
        }
    }
    let mut class = ClassObservation::assemble(spec, at, namespaces, pods, events, lists);
    if wanted.server_version {
        class.server_version = Some(cluster.server_version().await?);
    }
    // Logs and pages, per namespace that has the pods they are read from.
    let needy: Vec<&String> = class
        .namespaces
        .iter()
        .filter(|ns| !class.pods[*ns].is_empty() && (!wanted.logs.is_empty() || !wanted.pages.is_empty()))
        .collect();
    let (logs, pages) = (&wanted.logs, &wanted.pages);
    let read: Vec<_> = stream::iter(needy)
        .map(|namespace| {
            let here = cluster.in_namespace(namespace);
            let pods = &class.pods[namespace];
            async move {
                let found_logs = here.logs(pods, logs).await?;
                let found_pages = here.pages(pods, pages).await?;
                Ok::<_, crate::error::Error>((namespace.clone(), found_logs, found_pages))
            }
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    for (namespace, found_logs, found_pages) in read {
        class.logs.insert(namespace.clone(), found_logs);
        class.pages.insert(namespace, found_pages);
    }
    Ok(class)
}
