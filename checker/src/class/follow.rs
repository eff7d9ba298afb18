//! The class followed live, the way a controller follows a cluster: one watch per kind (the
//! class's namespaces, every pod, every event, each other kind the lab reads), all across
//! namespaces, into a [`LiveClass`]; after each burst of events, the logs and pages the lab reads
//! of the pods that changed, and the rows that changed are shown.
//!
//! A watch that fails is retried with kube-runtime's back-off; when every attempt fails for
//! [`RECONNECT_BUDGET`], following ends with an error (exit code 3), as `checker step --wait`
//! does. A refusal to watch the class's namespaces or pods says whose kubeconfig this must be; a
//! refusal of events or another kind is an answer for the checks (as in `checker class status`),
//! and that watch stops. Every [`RESYNC`] every learner is judged again (a back-off that ran
//! out), and the running pods of learners not through every step have their logs and pages read
//! again (a log line written after the pod's last change).

use std::collections::BTreeSet;
use std::time::Duration;

use futures::FutureExt;
use futures::stream::{self, BoxStream, SelectAll, StreamExt};
use jiff::Timestamp;
use kube::runtime::watcher;
use lab_spec::{LabSpec, Lang};

use super::board::answered_by_core;
use super::live::{Change, LiveClass, LiveKind, Store, Update};
use super::observe::{CONCURRENCY, Members};
use crate::cluster::{Cluster, Resolved, Wanted, root_cause};
use crate::context::wanted_lab;
use crate::error::{Error, Result};
use crate::msg;
use crate::watch::{CloneKube, RECONNECT_BUDGET, access_denied, lost};

/// How often every learner is judged again, and the logs of those not done are read again.
pub const RESYNC: Duration = Duration::from_secs(30);

/// Which watch an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Namespaces,
    Pods,
    Events,
    Kind(usize),
}

type Item = (Source, watcher::Result<Change>);

/// Follows the class until `stop` completes (then `Ok`) or following fails. `show` is called
/// with the class and what changed: first once every watch has listed (every row is new), then
/// after each burst of events that changed a row. An error from `show` ends following.
pub async fn follow(
    cluster: &Cluster,
    spec: &LabSpec,
    members: &Members,
    lang: Lang,
    stop: impl Future<Output = ()>,
    mut show: impl FnMut(&LiveClass, &Update) -> Result<()>,
) -> Result<()> {
    let wanted = wanted_lab(spec);
    let mut kinds: Vec<LiveKind> = Vec::new();
    let mut resolved: Vec<(usize, Resolved)> = Vec::new();
    for select in &wanted.selects {
        let same = |k: &LiveKind| k.api_version == select.api_version && k.kind == select.kind;
        if answered_by_core(select, true) || kinds.iter().any(same) {
            continue;
        }
        let (api_version, kind) = (select.api_version.clone(), select.kind.clone());
        match cluster.resolve(select).await? {
            Ok(found) => {
                resolved.push((kinds.len(), found.clone()));
                kinds.push(LiveKind {
                    api_version,
                    kind,
                    namespaced: found.namespaced,
                    found: Ok(Store::default()),
                });
            }
            Err(error) => kinds.push(LiveKind { api_version, kind, namespaced: true, found: Err(error) }),
        }
    }
    let mut live = LiveClass::new(spec, lang, members.clone(), kinds, true);
    if wanted.server_version {
        live.server_version = Some(cluster.server_version().await?);
    }

    let mut client = cluster.client().await?;
    let mut ended: BTreeSet<Source> = BTreeSet::new();
    let mut streams = watches(cluster, members, &resolved, &ended).await?;
    let mut stop = std::pin::pin!(stop);
    let mut resync = tokio::time::interval_at(tokio::time::Instant::now() + RESYNC, RESYNC);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    // Since when, and why, every attempt to reach the API server fails.
    let mut failing: Option<(tokio::time::Instant, String)> = None;
    let mut shown = false;
    loop {
        let first = tokio::select! {
            () = &mut stop => return Ok(()),
            _ = resync.tick() => {
                live.resync();
                None
            }
            _ = tick.tick() => {
                if let Some((since, error)) = &failing
                    && since.elapsed() >= RECONNECT_BUDGET
                {
                    return Err(lost(cluster, since.elapsed(), error));
                }
                // A credential plugin's credential that expired: a new one, and new watches
                // (which list again: what changed meanwhile is seen).
                if Cluster::is_stale(&client) {
                    client = cluster.client().await?;
                    streams = watches(cluster, members, &resolved, &ended).await?;
                }
                None
            }
            item = streams.next() => match item {
                Some(item) => Some(item),
                None => {
                    let server = &cluster.server;
                    return Err(Error::Unreachable(msg!("对 {server} 的 watch 结束了", "the watch on {server} ended")));
                }
            },
        };
        if let Some(item) = first {
            handle(cluster, &mut live, item, &mut ended, &mut failing)?;
            // Every event already waiting, so that a burst makes one update.
            while let Some(Some(item)) = streams.next().now_or_never() {
                handle(cluster, &mut live, item, &mut ended, &mut failing)?;
            }
        }
        read(cluster, &mut live, &wanted, &mut failing).await?;
        let update = live.update(Timestamp::now());
        if live.ready() && (!shown || !update.is_empty()) {
            show(&live, &update)?;
            shown = true;
        }
    }
}

/// Applies one watch event; a refusal ends following (namespaces, pods) or that watch.
fn handle(
    cluster: &Cluster,
    live: &mut LiveClass,
    (source, item): Item,
    ended: &mut BTreeSet<Source>,
    failing: &mut Option<(tokio::time::Instant, String)>,
) -> Result<()> {
    let error = match item {
        Ok(change) => {
            *failing = None;
            live.apply(change);
            return Ok(());
        }
        Err(error) => error,
    };
    match error.clone_kube() {
        Some(kube::Error::Api(status)) if status.code == 403 => {
            match source {
                Source::Namespaces => return Err(cluster.class_denied("namespaces", &status.message)),
                Source::Pods => return Err(cluster.class_denied("pods", &status.message)),
                Source::Events => live.forbid_events(&status.message),
                Source::Kind(index) => live.forbid_kind(index, &status.message),
            }
            ended.insert(source);
        }
        other => {
            if let Some(denied) = access_denied(cluster, other) {
                return Err(denied);
            }
            let cause = root_cause(&error);
            failing.get_or_insert_with(|| (tokio::time::Instant::now(), String::new())).1 = cause;
        }
    }
    Ok(())
}

/// Reads the logs and pages of the pods that changed, a bounded number at a time.
async fn read(
    cluster: &Cluster,
    live: &mut LiveClass,
    wanted: &Wanted<'_>,
    failing: &mut Option<(tokio::time::Instant, String)>,
) -> Result<()> {
    let unread = live.take_unread();
    if unread.is_empty() {
        return Ok(());
    }
    let jobs: Vec<_> = unread
        .into_iter()
        .map(|(namespace, pod)| {
            let pods = live.pods_in(&namespace);
            (namespace, pod, pods)
        })
        .collect();
    let reads: Vec<_> = stream::iter(jobs)
        .map(|(namespace, pod, pods)| async move {
            let here = cluster.in_namespace(&namespace);
            let logs: Vec<(&str, &str)> = wanted.logs.iter().copied().filter(|(p, _)| *p == pod).collect();
            let pages: Vec<(&str, &str)> = wanted.pages.iter().copied().filter(|(p, _)| *p == pod).collect();
            let found = match here.logs(&pods, &logs).await {
                Ok(logs) => here.pages(&pods, &pages).await.map(|pages| (logs, pages)),
                Err(e) => Err(e),
            };
            (namespace, pod, found)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for (namespace, pod, found) in reads {
        match found {
            Ok((logs, pages)) => live.store_reads(&namespace, &pod, logs, pages),
            Err(denied @ Error::AccessDenied(_)) => return Err(denied),
            Err(error) => {
                live.requeue(namespace, pod);
                let cause = error.text(lab_spec::Lang::En).to_string();
                failing.get_or_insert_with(|| (tokio::time::Instant::now(), String::new())).1 = cause;
            }
        }
    }
    Ok(())
}

/// The class's watches, merged; those that ended (refused) are not started again. Each stops
/// after a refusal (403): retrying would be refused again.
async fn watches(
    cluster: &Cluster,
    members: &Members,
    resolved: &[(usize, Resolved)],
    ended: &BTreeSet<Source>,
) -> Result<SelectAll<BoxStream<'static, Item>>> {
    let mut all = SelectAll::new();
    let selector = match members {
        Members::Selector(selector) => Some(selector.as_str()),
        Members::Prefix(_) => None,
    };
    all.push(tagged(Source::Namespaces, cluster.watch_namespaces(selector).await?, Change::Namespaces));
    all.push(tagged(Source::Pods, cluster.watch_all_pods().await?, Change::Pods));
    if !ended.contains(&Source::Events) {
        all.push(tagged(Source::Events, cluster.watch_all_events().await?, Change::Events));
    }
    for (index, found) in resolved {
        let index = *index;
        if !ended.contains(&Source::Kind(index)) {
            let stream = cluster.watch_kind(found).await?;
            all.push(tagged(Source::Kind(index), stream, move |e| Change::Objects(index, e)));
        }
    }
    Ok(all)
}

/// A watch's events as changes of one source, ending after a refusal.
fn tagged<K: Send + 'static>(
    source: Source,
    stream: crate::cluster::WatchStream<K>,
    change: impl Fn(watcher::Event<K>) -> Change + Send + 'static,
) -> BoxStream<'static, Item> {
    stream
        .scan(false, move |refused, item| {
            if *refused {
                return futures::future::ready(None);
            }
            *refused = matches!(item.as_ref().map_err(|e| e.clone_kube()), Err(Some(kube::Error::Api(s))) if s.code == 403);
            futures::future::ready(Some((source, item.map(&change))))
        })
        .boxed()
}
