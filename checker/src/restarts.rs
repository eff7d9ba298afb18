//! Restarts and the kubelet's back-off, measured from the container statuses of the learner's
//! own pods: for `checker step N --wait` (each restart it sees) and the record's "restarts and
//! back-off" table (the restarts seen at each pass).
//!
//! A container status keeps two runs: the current one (`state`) and the one before
//! (`lastState.terminated`). So a pod, seen once, measures one wait, the one before the latest
//! restart: from the previous run's `finishedAt` to the latest run's `startedAt`, while the latest
//! run runs or has just ended. While the container waits in `CrashLoopBackOff` its latest run is
//! `lastState` and the run before it is gone: nothing to measure until it runs again.
//!
//! The kubelet's rule (`doBackOff` in `pkg/kubelet/kuberuntime/kuberuntime_manager.go`, a
//! `flowcontrol.Backoff` of 10 s and at most `MaxContainerBackOff`, 300 s): the first restart has
//! no back-off entry yet and is immediate; restart n ≥ 2 comes at least 10 × 2ⁿ⁻² s after the
//! previous run ended. Pure: pods in, measurements out.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use serde::{Deserialize, Serialize};

/// The kubelet's least wait, in seconds, before restart `n` (1-based): none for the first, then
/// 10 s doubling each time, at most 300 s.
pub fn kubelet_backoff(n: u32) -> u64 {
    match n {
        0 | 1 => 0,
        n => (10u64 << (n - 2).min(5)).min(300),
    }
}

/// A restart measured from a container status: the wait before restart `restart`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The restarts a pod's statuses measure now: one per restarted container that runs (or has
/// just ended) again, init containers first.
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

/// Adds the measurements not yet in `into` (one per pod, container and restart), keeping order.
pub fn merge(into: &mut Vec<MeasuredRestart>, more: impl IntoIterator<Item = MeasuredRestart>) {
    for m in more {
        let seen =
            into.iter().any(|r| (&r.pod, &r.container, r.restart) == (&m.pod, &m.container, m.restart));
        if !seen {
            into.push(m);
        }
    }
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

    #[test]
    fn the_rule_is_immediate_then_doubles_from_10s_up_to_300s() {
        let waits: Vec<u64> = (1..=9).map(kubelet_backoff).collect();
        assert_eq!(waits, [0, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(kubelet_backoff(u32::MAX), 300);
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
            {"name": "done", "image": "busybox:1.36.1", "imageID": "", "ready": false, "restartCount": 1,
             "state": {"terminated": {"exitCode": 0, "startedAt": "2026-11-20T10:04:05Z",
                "finishedAt": "2026-11-20T10:04:07Z"}},
             "lastState": {"terminated": {"exitCode": 0, "finishedAt": "2026-11-20T10:04:04Z"}}},
            {"name": "never", "image": "busybox:1.36.1", "imageID": "", "ready": false, "restartCount": 0,
             "state": {"terminated": {"exitCode": 1, "startedAt": "2026-11-20T10:04:05Z"}}},
        ]));
        let measured = measured_restarts(&p);
        let rows: Vec<_> = measured
            .iter()
            .map(|m| (m.container.as_str(), m.restart, m.wait_seconds, m.rule_seconds))
            .collect();
        // `side` waits in back-off: the run before its latest is gone; `never` never restarted.
        assert_eq!(rows, [("app", 2, 13, 10), ("done", 1, 1, 0)]);
    }

    #[test]
    fn merging_keeps_one_measurement_per_restart() {
        let m = |restart: u32, wait_seconds: i64| MeasuredRestart {
            pod: "p".into(),
            container: "app".into(),
            init: false,
            restart,
            wait_seconds,
            rule_seconds: kubelet_backoff(restart),
        };
        let mut all = vec![m(2, 13)];
        merge(&mut all, [m(2, 14), m(3, 27)]);
        assert_eq!(all, [m(2, 13), m(3, 27)]);
    }
}
