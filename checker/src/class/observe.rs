//! One pass over the class, the way a controller reads a cluster: one LIST of namespaces, one of
//! pods, one of events, one per other kind the lab reads, then only the logs and pages the lab's
//! expectations need, a bounded number at a time.

use futures::stream::{self, StreamExt, TryStreamExt};
use jiff::Timestamp;
use lab_spec::LabSpec;

use super::board::{ClassObservation, answered_by_core};
use crate::cluster::Cluster;
use crate::cluster::KindList;
use crate::context::wanted_lab;
use crate::error::{Error, Result};
use crate::msg;

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

/// The longest `--selector` accepted.
const MAX_SELECTOR: usize = 1024;

impl Members {
    /// The class's namespaces as the command line names them (`--selector`, `--prefix`; the
    /// class label without either), checked before they go into a query. `flag` comes before
    /// the options' names in an error: `""`, or `"class-"` for `serve --class-prefix`.
    pub fn parse(selector: Option<&str>, prefix: Option<&str>, flag: &str) -> Result<Members> {
        if let Some(prefix) = prefix {
            let fits = prefix.len() < 63
                && prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && prefix.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            if !fits {
                let shown = crate::sanitize::line(prefix);
                return Err(Error::Usage(msg!(
                    "--{flag}prefix \"{shown}\" 不能作为命名空间名字的开头（小写字母、数字和 -，以字母或数字开头，少于 63 个字符）",
                    "--{flag}prefix \"{shown}\" cannot start a namespace name (lower-case letters, digits and '-', starting with a letter or digit, shorter than 63 characters)"
                )));
            }
            return Ok(Members::Prefix(prefix.to_string()));
        }
        let selector = selector.unwrap_or(super::manifests::CLASS_LABEL).to_string();
        if selector.trim().is_empty()
            || selector.len() > MAX_SELECTOR
            || selector.chars().any(char::is_control)
        {
            let shown = crate::sanitize::line(&selector);
            return Err(Error::Usage(msg!(
                "--{flag}selector \"{shown}\" 不是标签选择器（不能为空、不能含控制字符、最多 {MAX_SELECTOR} 字节），例如 lab-checker/class=k8s-spring",
                "--{flag}selector \"{shown}\" is not a label selector (not empty, no control characters, at most {MAX_SELECTOR} bytes), e.g. lab-checker/class=k8s-spring"
            )));
        }
        Ok(Members::Selector(selector))
    }
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
