//! Restarts and the kubelet's back-off, measured from the container statuses of the learner's
//! own pods, for the record's "restarts and back-off" table.
//!
//! A container status keeps two runs: the current one (`state`) and the one before
//! (`lastState.terminated`). So each observation measures one wait, the one before the latest
//! restart: from the previous run's `finishedAt` to the latest run's `startedAt`. While the
//! container waits in `CrashLoopBackOff`, its latest run is `lastState` and the run before it is
//! gone; the kubelet's waiting message then states the back-off before the next restart
//! (`back-off 40s restarting failed container=app pod=…`).
//!
//! The kubelet's rule (`doBackOff` in `pkg/kubelet/kuberuntime/kuberuntime_manager.go`, a
//! `flowcontrol.Backoff` of 10 s and at most `MaxContainerBackOff`, 300 s): the first restart has
//! no back-off entry yet and is immediate; restart n ≥ 2 comes at least 10 × 2ⁿ⁻² s after the
//! previous run ended. Pure: pods in, rows out.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

/// One restarted container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartRow {
    pub pod: String,
    pub container: String,
    pub init: bool,
    /// `restartCount`: the latest restart is restart number `restarts`.
    pub restarts: u32,
    /// Seconds from the end of the run before to the start of the latest run, when the status
    /// still holds both.
    pub measured: Option<i64>,
    pub now: Now,
}

/// What the container does at the time of the observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Now {
    Running,
    /// Its latest run ended with this exit code.
    Exited(i32),
    /// It waits to be restarted: the back-off the kubelet states (`40s`, `1m20s`), if it says
    /// one, and the seconds since its latest run ended.
    BackOff {
        stated: Option<String>,
        waited: Option<i64>,
    },
    /// It waits for another reason (`PodInitializing`, `ErrImagePull`).
    Waiting(String),
}

/// The kubelet's least wait, in seconds, before restart `n` (1-based): none for the first, then
/// 10 s doubling each time, at most 300 s.
pub fn kubelet_backoff(n: u32) -> u64 {
    match n {
        0 | 1 => 0,
        n => (10u64 << (n - 2).min(5)).min(300),
    }
}

/// Every container of these pods that was restarted, init containers first, pods in order.
pub fn restart_rows(pods: &[Pod], now: Timestamp) -> Vec<RestartRow> {
    let mut rows = Vec::new();
    for pod in pods {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let Some(status) = pod.status.as_ref() else { continue };
        let init = status.init_container_statuses.iter().flatten().map(|c| (c, true));
        let main = status.container_statuses.iter().flatten().map(|c| (c, false));
        for (container, init) in init.chain(main) {
            if container.restart_count > 0 {
                rows.push(row(&name, container, init, now));
            }
        }
    }
    rows
}

/// When the run before the latest one ended (`lastState.terminated.finishedAt`).
fn last_finish(status: &ContainerStatus) -> Option<Timestamp> {
    status.last_state.as_ref()?.terminated.as_ref()?.finished_at.as_ref().map(|t| t.0)
}

/// The seconds between the end of the run before and the start of the latest run, the wait
/// before restart number `restartCount`: known while the latest run runs or has just ended (not
/// while the container waits, when the latest run is `lastState`).
pub fn latest_wait(status: &ContainerStatus) -> Option<i64> {
    if status.restart_count == 0 || status.state.as_ref().is_some_and(|s| s.waiting.is_some()) {
        return None;
    }
    let start = crate::inspect::started_at(status)?;
    Some(start.as_second() - last_finish(status)?.as_second())
}

/// A restart measured while watching: the wait before restart `restart` of a container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MeasuredRestart {
    pub pod: String,
    pub container: String,
    pub init: bool,
    /// Which restart: the container's `restartCount` once it ran again.
    pub restart: u32,
    /// From the end of the run before to the start of this one.
    pub wait_seconds: i64,
    /// The kubelet's least wait before this restart ([`kubelet_backoff`]).
    pub rule_seconds: u64,
}

/// The restarts a pod's statuses measure now, one per restarted container that runs (or has
/// just ended) again.
pub fn measured_restarts(pod: &Pod) -> Vec<MeasuredRestart> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let Some(status) = pod.status.as_ref() else { return Vec::new() };
    let init = status.init_container_statuses.iter().flatten().map(|c| (c, true));
    let main = status.container_statuses.iter().flatten().map(|c| (c, false));
    init.chain(main)
        .filter_map(|(c, init)| {
            let restart = u32::try_from(c.restart_count).ok()?;
            Some(MeasuredRestart {
                pod: name.clone(),
                container: c.name.clone(),
                init,
                restart,
                wait_seconds: latest_wait(c)?,
                rule_seconds: kubelet_backoff(restart),
            })
        })
        .collect()
}

fn row(pod: &str, status: &ContainerStatus, init: bool, now: Timestamp) -> RestartRow {
    let last_finish = last_finish(status);
    let state = status.state.as_ref();
    let measured = latest_wait(status);
    let now_state = match state {
        Some(s) if s.running.is_some() => Now::Running,
        Some(s) if s.terminated.is_some() => Now::Exited(s.terminated.as_ref().map_or(0, |t| t.exit_code)),
        Some(s) => match s.waiting.as_ref() {
            Some(w) if w.reason.as_deref() == Some("CrashLoopBackOff") => Now::BackOff {
                stated: w.message.as_deref().and_then(stated_backoff),
                waited: last_finish.map(|end| now.as_second() - end.as_second()),
            },
            Some(w) => Now::Waiting(w.reason.clone().unwrap_or_default()),
            None => Now::Waiting(String::new()),
        },
        None => Now::Waiting(String::new()),
    };
    RestartRow {
        pod: pod.to_string(),
        container: status.name.clone(),
        init,
        restarts: u32::try_from(status.restart_count).unwrap_or(0),
        measured,
        now: now_state,
    }
}

/// The back-off in the kubelet's waiting message, `back-off 40s restarting failed container=…`:
/// a Go duration (`40s`, `2m40s`, `5m0s`).
fn stated_backoff(message: &str) -> Option<String> {
    let rest = message.strip_prefix("back-off ")?;
    let duration = rest.split_whitespace().next()?;
    let go_duration = !duration.is_empty()
        && duration.ends_with('s')
        && duration.chars().all(|c| c.is_ascii_digit() || matches!(c, 'h' | 'm' | 's' | '.'));
    go_duration.then(|| duration.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(statuses: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app", "image": "busybox:1.36.1"}]},
            "status": {"phase": "Running", "containerStatuses": statuses},
        }))
        .unwrap()
    }

    fn at(t: &str) -> Timestamp {
        t.parse().unwrap()
    }

    #[test]
    fn the_rule_is_immediate_then_doubles_from_10s_up_to_300s() {
        let waits: Vec<u64> = (1..=9).map(kubelet_backoff).collect();
        assert_eq!(waits, [0, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(kubelet_backoff(u32::MAX), 300);
    }

    #[test]
    fn a_running_container_measures_the_wait_before_its_latest_start() {
        let p = pod(json!([{
            "name": "app", "image": "busybox:1.36.1", "imageID": "", "ready": true, "restartCount": 3,
            "state": {"running": {"startedAt": "2026-11-20T10:04:41Z"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                "startedAt": "2026-11-20T10:04:18Z", "finishedAt": "2026-11-20T10:04:20Z"}},
        }]));
        let rows = restart_rows(&[p], at("2026-11-20T10:04:42Z"));
        assert_eq!(
            rows,
            [RestartRow {
                pod: "p".into(),
                container: "app".into(),
                init: false,
                restarts: 3,
                measured: Some(21),
                now: Now::Running,
            }]
        );
    }

    #[test]
    fn in_back_off_the_kubelets_stated_back_off_and_the_wait_so_far() {
        let p = pod(json!([{
            "name": "app", "image": "busybox:1.36.1", "imageID": "", "ready": false, "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff",
                "message": "back-off 40s restarting failed container=app pod=p_ns(9c58cee0-d6ef-40a2-afeb-bd920371fdfe)"}},
            "lastState": {"terminated": {"exitCode": 0, "reason": "Completed",
                "startedAt": "2026-11-20T10:04:38Z", "finishedAt": "2026-11-20T10:04:40Z"}},
        }]));
        let rows = restart_rows(&[p], at("2026-11-20T10:05:00Z"));
        assert_eq!(rows[0].measured, None, "the run before the latest is gone");
        assert_eq!(rows[0].now, Now::BackOff { stated: Some("40s".into()), waited: Some(20) });
    }

    #[test]
    fn exited_and_never_restarted_containers() {
        let exited = pod(json!([{
            "name": "app", "image": "busybox:1.36.1", "imageID": "", "ready": false, "restartCount": 1,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                "startedAt": "2026-11-20T10:04:05Z", "finishedAt": "2026-11-20T10:04:07Z"}},
            "lastState": {"terminated": {"exitCode": 0, "reason": "Completed",
                "startedAt": "2026-11-20T10:04:02Z", "finishedAt": "2026-11-20T10:04:04Z"}},
        }]));
        let rows = restart_rows(&[exited], at("2026-11-20T10:04:08Z"));
        assert_eq!((rows[0].measured, &rows[0].now), (Some(1), &Now::Exited(0)));
        let never = pod(json!([{
            "name": "app", "image": "busybox:1.36.1", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"terminated": {"exitCode": 1, "reason": "Error"}},
        }]));
        assert!(restart_rows(&[never], at("2026-11-20T10:04:08Z")).is_empty());
    }

    #[test]
    fn a_pod_measures_the_restarts_of_the_containers_that_run_again() {
        let p = pod(json!([
            {"name": "app", "image": "busybox:1.36.1", "imageID": "", "ready": true, "restartCount": 2,
             "state": {"running": {"startedAt": "2026-11-20T10:04:31Z"}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-20T10:04:18Z"}}},
            {"name": "side", "image": "busybox:1.36.1", "imageID": "", "ready": false, "restartCount": 2,
             "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-20T10:04:18Z"}}},
        ]));
        let measured = measured_restarts(&p);
        assert_eq!(measured.len(), 1, "{measured:?}");
        assert_eq!((measured[0].restart, measured[0].wait_seconds, measured[0].rule_seconds), (2, 13, 10));
    }

    #[test]
    fn only_a_go_duration_is_taken_from_the_message() {
        assert_eq!(
            stated_backoff("back-off 2m40s restarting failed container=app").as_deref(),
            Some("2m40s")
        );
        assert_eq!(stated_backoff("back-off 5m0s restarting failed").as_deref(), Some("5m0s"));
        assert_eq!(stated_backoff("back-off \u{1b}[31m restarting"), None);
        assert_eq!(stated_backoff("Back-off pulling image"), None);
    }
}
