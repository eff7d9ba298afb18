//! The class followed live, the way a controller follows a cluster: one watch per kind (the
//! class's namespaces, every pod, every event, each other kind the lab reads), all across
//! namespaces, into a [`LiveClass`]; after each burst of events, the logs and pages the lab reads
//! of the pods that changed, and the rows that changed are shown.
//!
//! A watch that fails is retried with kube-runtime's back-off; when every attempt of one watch
//! (or of reading logs, or of renewing an expired credential) fails for [`RECONNECT_BUDGET`],
//! following ends with an error (exit code 3), as `checker step --wait` does. A refusal to list
//! the class's namespaces or pods says whose kubeconfig this must be; a refusal to list events or
//! another kind is an answer for the checks (as in `checker class status`), and that watch
//! stops; a refusal to watch what may be listed names the verb the teacher's role lacks. Logs
//! and pages are read beside the watches, at most [`CONCURRENCY`] pods at a time; a read that
//! fails is tried again at the next resync. Every [`RESYNC`] every learner is judged again (a back-off that ran
//! out), and the running pods of learners not through every step have their logs and pages read
//! again (a log line written after the pod's last change).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::FutureExt;
use futures::stream::{BoxStream, FuturesUnordered, SelectAll, StreamExt};
use jiff::Timestamp;
use kube::runtime::watcher;
use lab_spec::{LabSpec, Lang};

use super::board::answered_by_core;
use super::live::{Change, LiveClass, LiveKind, Store, Update};
use super::observe::{CONCURRENCY, Members};
use crate::cluster::{Cluster, Resolved, Wanted, bad_selector, root_cause};
use crate::context::wanted_lab;
use crate::error::{Error, Result};
use crate::msg;
use crate::observation::{Logs, Pages};
use crate::watch::{CloneKube, RECONNECT_BUDGET, access_denied, lost};

/// How often every learner is judged again, and the logs of those not done are read again.
pub const RESYNC: Duration = Duration::from_secs(30);

/// Which watch an event came from, or what else can fail while following.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Namespaces,
    Pods,
    Events,
    Kind(usize),
    /// Reading logs and pages.
    Reads,
    /// A new client for an expired credential.
    Client,
}

type Item = (Source, watcher::Result<Change>);

/// Since when, and why, each source fails every attempt.
type Failing = BTreeMap<Source, (tokio::time::Instant, String)>;

/// Follows the class until `stop` completes (then `Ok`) or following fails. `show` is called
/// with the class and what changed: first once every watch has listed and every learner's logs
/// and pages are read (every row is new), then after each burst of events that changed a row
/// (a learner whose changed pods' logs are being read waits for them). An error from `show`
/// ends following. Texts of errors are in `lang`.
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
    // The logs and pages being read, at most CONCURRENCY pods at a time, beside the watches.
    let mut reads = FuturesUnordered::new();
    let mut reading: BTreeSet<(String, String)> = BTreeSet::new();
    let mut stop = std::pin::pin!(stop);
    let mut resync = tokio::time::interval_at(tokio::time::Instant::now() + RESYNC, RESYNC);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut failing = Failing::new();
    let mut shown = false;
    loop {
        while reads.len() < CONCURRENCY {
            let Some((namespace, pod)) = live.next_unread(&reading) else { break };
            reading.insert((namespace.clone(), pod.clone()));
            let pods = live.pods_in(&namespace);
            reads.push(read_pod(cluster, &wanted, namespace, pod, pods));
        }
        tokio::select! {
            () = &mut stop => return Ok(()),
            _ = resync.tick() => live.resync(),
            _ = tick.tick() => {
                if let Some((_, (since, error))) = failing.iter().find(|(_, (since, _))| since.elapsed() >= RECONNECT_BUDGET) {
                    return Err(lost(cluster, since.elapsed(), error));
                }
                // A credential plugin's credential that expired: a new one, and new watches
                // (which list again: what changed meanwhile is seen).
                if Cluster::is_stale(&client) {
                    let fresh = async { Ok::<_, Error>((cluster.client().await?, watches(cluster, members, &resolved, &ended).await?)) };
                    match fresh.await {
                        Ok((new_client, new_streams)) => {
                            (client, streams) = (new_client, new_streams);
                            failing.remove(&Source::Client);
                        }
                        Err(denied @ (Error::AccessDenied(_) | Error::Usage(_))) => return Err(denied),
                        Err(error) => note(&mut failing, Source::Client, error.text(lang)),
                    }
                }
            }
            Some((namespace, pod, found)) = reads.next(), if !reads.is_empty() => {
                reading.remove(&(namespace.clone(), pod.clone()));
                match found {
                    Ok((logs, pages)) => {
                        failing.remove(&Source::Reads);
                        live.store_reads(&namespace, &pod, logs, pages);
                    }
                    Err(denied @ Error::AccessDenied(_)) => return Err(denied),
                    Err(error) => {
                        // Tried again at the next resync, not at once: the server is struggling.
                        live.requeue(namespace, pod);
                        note(&mut failing, Source::Reads, error.text(lang));
                    }
                }
            }
            item = streams.next() => {
                let Some(item) = item else {
                    let server = &cluster.server;
                    return Err(Error::Unreachable(msg!("对 {server} 的 watch 结束了", "the watch on {server} ended")));
                };
                handle(cluster, &mut live, item, &mut ended, &mut failing)?;
                // Every event already waiting, so that a burst makes one update.
                while let Some(Some(item)) = streams.next().now_or_never() {
                    handle(cluster, &mut live, item, &mut ended, &mut failing)?;
                }
            }
        }
        // Judging a whole class takes a while: off the runtime's worker (a blocking section).
        let update = tokio::task::block_in_place(|| live.update(Timestamp::now(), &reading));
        if live.settled() && (!shown || !update.is_empty()) {
            show(&live, &update)?;
            shown = true;
        }
    }
}

fn note(failing: &mut Failing, source: Source, cause: &str) {
    failing.entry(source).or_insert_with(|| (tokio::time::Instant::now(), String::new())).1 =
        cause.to_string();
}

/// Applies one watch event. A refusal to list ends following (namespaces, pods) or that watch
/// (events, another kind: an answer for the checks, as in `checker class status`); a refusal
/// to watch what may be listed ends following, naming the verb.
fn handle(
    cluster: &Cluster,
    live: &mut LiveClass,
    (source, item): Item,
    ended: &mut BTreeSet<Source>,
    failing: &mut Failing,
) -> Result<()> {
    let error = match item {
        Ok(change) => {
            failing.remove(&source);
            live.apply(change);
            return Ok(());
        }
        Err(error) => error,
    };
    let watching = matches!(
        error,
        watcher::Error::WatchStartFailed(_) | watcher::Error::WatchFailed(_) | watcher::Error::WatchError(_)
    );
    match error.clone_kube() {
        Some(kube::Error::Api(status)) if status.code == 403 && watching => {
            let resource = match source {
                Source::Namespaces => "namespaces".to_string(),
                Source::Pods => "pods".to_string(),
                Source::Events => "events".to_string(),
                Source::Kind(index) => live.kinds.get(index).map(|k| k.kind.clone()).unwrap_or_default(),
                Source::Reads | Source::Client => String::new(),
            };
            return Err(cluster.class_watch_denied(&resource, &status.message));
        }
        Some(kube::Error::Api(status)) if status.code == 403 => {
            match source {
                Source::Namespaces => return Err(cluster.class_denied("namespaces", &status.message)),
                Source::Pods => return Err(cluster.class_denied("pods", &status.message)),
                Source::Events => live.forbid_events(&status.message),
                Source::Kind(index) => live.forbid_kind(index, &status.message),
                Source::Reads | Source::Client => {}
            }
            ended.insert(source);
        }
        Some(kube::Error::Api(status)) if status.code == 400 && source == Source::Namespaces => {
            if let Members::Selector(selector) = live.class_members() {
                return Err(bad_selector(selector, &status.message));
            }
            note(failing, source, &root_cause(&error));
        }
        other => {
            if let Some(denied) = access_denied(cluster, other) {
                return Err(denied);
            }
            note(failing, source, &root_cause(&error));
        }
    }
    Ok(())
}

/// Reads the logs and pages the lab reads of one pod.
async fn read_pod(
    cluster: &Cluster,
    wanted: &Wanted<'_>,
    namespace: String,
    pod: String,
    pods: Vec<k8s_openapi::api::core::v1::Pod>,
) -> (String, String, Result<(Logs, Pages)>) {
    let here = cluster.in_namespace(&namespace);
    let logs: Vec<(&str, &str)> = wanted.logs.iter().copied().filter(|(p, _)| *p == pod).collect();
    let pages: Vec<(&str, &str)> = wanted.pages.iter().copied().filter(|(p, _)| *p == pod).collect();
    let found = match here.logs(&pods, &logs).await {
        Ok(logs) => here.pages(&pods, &pages).await.map(|pages| (logs, pages)),
        Err(e) => Err(e),
    };
    (namespace, pod, found)
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
