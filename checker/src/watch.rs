//! `checker step N --wait`: follow the step's pods with the Kubernetes watch API until the step
//! passes, the time runs out, or the learner presses Ctrl-C.
//!
//! kube-runtime's watcher does the list-then-watch and re-lists with back-off when the stream
//! drops or the API server restarts. Every pod version seen is evaluated again (logs and pages
//! are re-read only for a pod that changed) and added to the STATUS [`Timeline`]. The objects of the generic
//! checks are followed by watchers of their own (`objects`).
//!
//! A pod the step needs that is missing when the wait starts ends it at once with the failure,
//! as `kubectl wait` says NotFound at once: a bare pod is created by nothing but the learner, so
//! waiting would only wait for nothing. A pod a controller makes (an expectation marked
//! `created_by: controller`, a StatefulSet's replica) is pending while missing instead, and the
//! wait goes on until the controller has created it.
//!
//! An API server that stops answering is retried for [`RECONNECT_BUDGET`]; then, or when the
//! time runs out or the learner presses Ctrl-C while it still does not answer, the wait ends
//! with an error (exit code 3) and no verdict: what was seen before is not a fact any more.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client};
use lab_spec::{CauseKind, Step};

use crate::cluster::{Cluster, root_cause};
use crate::context::{Checked, Context};
use crate::error::{Error, Result};
use crate::evaluate::{StepReport, Verdict, evaluate};
use crate::i18n::{Lang, tr};
use crate::msg;
use crate::observation::Observation;
use crate::sanitize::line;
use crate::timeline::Timeline;
use crate::words;

mod objects;

use objects::ObjectWatch;

/// How long the wait keeps reconnecting to an API server that fails every attempt (kube-runtime's
/// back-off: 0.8 s, doubling, with jitter, so about five attempts). A kind or minikube API
/// server that restarts is back within it.
pub const RECONNECT_BUDGET: Duration = Duration::from_secs(30);

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitEnd {
    Passed,
    /// A pod the step needs did not exist when the wait started.
    Missing,
    TimedOut,
    Interrupted,
}

pub struct Waited {
    /// The last verdict and the observation it was had on.
    pub checked: Checked,
    pub timeline: Timeline,
    pub end: WaitEnd,
}

/// The live line while waiting: a spinner on a terminal, plain lines otherwise, or nothing.
pub enum Live {
    Spinner(ProgressBar),
    Lines { last: String },
    Quiet,
}

impl Live {
    /// A spinner when stderr is a terminal, plain lines when not, nothing when `quiet`.
    pub fn new(quiet: bool) -> Live {
        use std::io::IsTerminal;
        if quiet {
            Live::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
            bar.enable_steady_tick(Duration::from_millis(120));
            Live::Spinner(bar)
        } else {
            Live::Lines { last: String::new() }
        }
    }

    fn show(&mut self, report: &StepReport, elapsed: Duration, lang: Lang) {
        let pods = report
            .pods
            .iter()
            .map(|p| format!("{} {}", line(&p.name), line(&p.status)))
            .collect::<Vec<_>>()
            .join(", ");
        let status = if pods.is_empty() { tr(lang, "还没有 Pod", "no pod yet") } else { pods };
        match self {
            Live::Spinner(bar) => {
                let (verdict, secs) = (words::verdict(report.verdict, lang), elapsed.as_secs());
                bar.set_message(tr(
                    lang,
                    &format!("{status} · {verdict} · 已观察 {secs} 秒"),
                    &format!("{status} · {verdict} · {secs}s"),
                ))
            }
            Live::Lines { last } if *last != status => {
                crate::i18n::say(&format!("[{:>3}s] {status}", elapsed.as_secs()));
                *last = status;
            }
            Live::Lines { .. } | Live::Quiet => {}
        }
    }

    fn note(&self, text: &str) {
        let text = line(text);
        let text = text.as_ref();
        match self {
            Live::Spinner(bar) => bar.println(text),
            Live::Lines { .. } => crate::i18n::say(text),
            Live::Quiet => {}
        }
    }

    pub fn finish(&self) {
        if let Live::Spinner(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// Watches until `step` passes or `limit` runs out.
pub async fn wait_for_step(
    ctx: &Context,
    cluster: &Cluster,
    step: &Step,
    limit: Duration,
    live: &mut Live,
) -> Result<Waited> {
    let wanted = ctx.wanted(step);
    let started = tokio::time::Instant::now();
    let deadline = started + limit;
    let mut obs = cluster.observe(&wanted).await?;
    let mut timeline = Timeline::default();
    for pod in &obs.pods {
        timeline.observe(pod, obs.at);
    }
    let first = evaluate(&ctx.spec, step, &obs, ctx.lang);
    if first.cause.as_ref().is_some_and(|c| c.kind == CauseKind::Missing) {
        live.show(&first, started.elapsed(), ctx.lang);
        return Ok(Waited {
            checked: Checked { report: first, obs, restarts_seen: timeline.restarts.clone() },
            timeline,
            end: WaitEnd::Missing,
        });
    }

    let config = match wanted.pods.as_slice() {
        [one] => watcher::Config::default().fields(&format!("metadata.name={one}")),
        _ => watcher::Config::default(),
    };
    let mut client = cluster.client().await?;
    let mut events = watch_pods(client.clone(), cluster, &config);
    let mut objects = ObjectWatch::start(cluster, &wanted.selects, &obs).await?;
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    // Names listed since the watcher's last (re)start: what is not among them was deleted.
    let mut relisted: Option<BTreeSet<String>> = None;
    // Since when, and why, every attempt to reach the API server fails.
    let mut failing: Option<(tokio::time::Instant, String)> = None;

    loop {
        obs.at = Timestamp::now();
        let report = evaluate(&ctx.spec, step, &obs, ctx.lang);
        live.show(&report, started.elapsed(), ctx.lang);
        if report.verdict == Verdict::Pass {
            return Ok(Waited {
                checked: Checked { report, obs, restarts_seen: timeline.restarts.clone() },
                timeline,
                end: WaitEnd::Passed,
            });
        }
        if let Some((since, error)) = &failing
            && since.elapsed() >= RECONNECT_BUDGET
        {
            return Err(lost(cluster, since.elapsed(), error));
        }
        let changed: Option<Pod> = tokio::select! {
            _ = tokio::time::sleep_until(deadline) => {
                if let Some((since, error)) = &failing {
                    return Err(lost(cluster, since.elapsed(), error));
                }
                return Ok(Waited { checked: Checked { report, obs, restarts_seen: timeline.restarts.clone() }, timeline, end: WaitEnd::TimedOut });
            }
            _ = &mut ctrl_c => {
                if let Some((since, error)) = &failing {
                    return Err(lost(cluster, since.elapsed(), error));
                }
                return Ok(Waited { checked: Checked { report, obs, restarts_seen: timeline.restarts.clone() }, timeline, end: WaitEnd::Interrupted });
            }
            _ = tick.tick() => {
                // A credential plugin's credential that expired: a new one, and a new watch.
                if Cluster::is_stale(&client) {
                    client = cluster.client().await?;
                    events = watch_pods(client.clone(), cluster, &config);
                    relisted = None;
                    objects = ObjectWatch::start(cluster, &wanted.selects, &obs).await?;
                }
                None
            }
            (index, event) = objects.next() => match event {
                Ok(event) => {
                    failing = None;
                    objects.apply(index, event, &mut obs);
                    None
                }
                Err(error) => {
                    if let Some(denied) = access_denied(cluster, error.clone_kube()) {
                        return Err(denied);
                    }
                    let cause = root_cause(&error);
                    failing.get_or_insert_with(|| (tokio::time::Instant::now(), String::new())).1 = cause.clone();
                    live.note(&tr(
                        ctx.lang,
                        &format!("watch 中断（{cause}），正在重连……"),
                        &format!("watch interrupted ({cause}); reconnecting…"),
                    ));
                    None
                }
            },
            event = events.next() => {
                if let Some(Ok(_)) = &event {
                    failing = None;
                }
                match event {
                Some(Ok(watcher::Event::Apply(pod))) => Some(pod),
                Some(Ok(watcher::Event::InitApply(pod))) => {
                    relisted.get_or_insert_with(BTreeSet::new).insert(pod.metadata.name.clone().unwrap_or_default());
                    Some(pod)
                }
                Some(Ok(watcher::Event::Delete(pod))) => {
                    forget(&mut obs, &mut timeline, &pod);
                    None
                }
                Some(Ok(watcher::Event::Init)) => {
                    relisted = Some(BTreeSet::new());
                    None
                }
                Some(Ok(watcher::Event::InitDone)) => {
                    let listed = relisted.take().unwrap_or_default();
                    let gone: Vec<Pod> = obs
                        .pods
                        .iter()
                        .filter(|p| !listed.contains(p.metadata.name.as_deref().unwrap_or("")))
                        .cloned()
                        .collect();
                    for pod in gone {
                        forget(&mut obs, &mut timeline, &pod);
                    }
                    None
                }
                Some(Err(error)) => {
                    if let Some(denied) = access_denied(cluster, error.clone_kube()) {
                        return Err(denied);
                    }
                    let cause = root_cause(&error);
                    failing.get_or_insert_with(|| (tokio::time::Instant::now(), String::new())).1 = cause.clone();
                    live.note(&tr(
                        ctx.lang,
                        &format!("watch 中断（{cause}），正在重连……"),
                        &format!("watch interrupted ({cause}); reconnecting…"),
                    ));
                    None
                }
                None => {
                    let server = &cluster.server;
                    return Err(Error::Unreachable(msg!("对 {server} 的 watch 结束了", "the watch on {server} ended")));
                }
                }
            },
        };
        if let Some(pod) = changed {
            let name = pod.metadata.name.clone().unwrap_or_default();
            if !wanted.pods.contains(&name.as_str()) {
                continue;
            }
            timeline.observe(&pod, Timestamp::now());
            if crate::resources::declares(&pod) {
                cluster.add_nodes(&mut obs.objects).await?;
            }
            obs.pods.retain(|p| p.metadata.name.as_deref() != Some(name.as_str()));
            obs.pods.push(pod);
            obs.namespace_exists = Some(true);
            let logs: Vec<(&str, &str)> = wanted.logs.iter().copied().filter(|(p, _)| *p == name).collect();
            if !logs.is_empty() {
                let fresh = cluster.logs(&obs.pods, &logs).await?;
                let all = obs.logs.get_or_insert_with(Default::default);
                all.remove(&name);
                all.extend(fresh);
            }
            // A page is what the pod serves now: a replaced or restarted pod serves another.
            let pages: Vec<(&str, &str)> = wanted.pages.iter().copied().filter(|(p, _)| *p == name).collect();
            if !pages.is_empty() {
                let fresh = cluster.pages(&obs.pods, &pages).await?;
                let all = obs.pages.get_or_insert_with(Default::default);
                all.remove(&name);
                all.extend(fresh);
            }
        }
    }
}

/// The pods' watch, with kube-runtime's back-off between attempts.
fn watch_pods(
    client: Client,
    cluster: &Cluster,
    config: &watcher::Config,
) -> BoxStream<'static, watcher::Result<watcher::Event<Pod>>> {
    let api: Api<Pod> = Api::namespaced(client, &cluster.namespace);
    watcher(api, config.clone()).default_backoff().boxed()
}

/// The API server has not answered for `for_how_long`.
pub(crate) fn lost(cluster: &Cluster, for_how_long: Duration, error: &str) -> Error {
    let (server, context, secs) = (&cluster.server, &cluster.context, for_how_long.as_secs());
    Error::Unreachable(msg!(
        "{server}（上下文 \"{context}\"）已有 {secs} 秒无法连接（{error}）；不记录结果",
        "lost {server} (context \"{context}\") for {secs}s ({error}); no result recorded"
    ))
}

fn forget(obs: &mut Observation, timeline: &mut Timeline, pod: &Pod) {
    let name = pod.metadata.name.as_deref();
    if obs.pods.iter().any(|p| p.metadata.name.as_deref() == name) {
        obs.pods.retain(|p| p.metadata.name.as_deref() != name);
        timeline.deleted(pod, Timestamp::now());
    }
}

/// A 401/403 during the watch ends the wait: retrying will not help.
pub(crate) fn access_denied(cluster: &Cluster, error: Option<kube::Error>) -> Option<Error> {
    match cluster.explain(error?) {
        denied @ Error::AccessDenied(_) => Some(denied),
        _ => None,
    }
}

/// The kube error inside a watcher error, for classification.
pub(crate) trait CloneKube {
    fn clone_kube(&self) -> Option<kube::Error>;
}

impl CloneKube for watcher::Error {
    fn clone_kube(&self) -> Option<kube::Error> {
        let status = match self {
            watcher::Error::InitialListFailed(kube::Error::Api(s))
            | watcher::Error::WatchStartFailed(kube::Error::Api(s))
            | watcher::Error::WatchFailed(kube::Error::Api(s)) => s.clone(),
            watcher::Error::WatchError(s) => s.clone(),
            _ => return None,
        };
        Some(kube::Error::Api(status))
    }
}
