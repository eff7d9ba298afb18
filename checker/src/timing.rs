//! How long each container of a pod ran, from the cluster's own timestamps.
//!
//! The record's timing table (init-1 5s, init-2 3s, 8s in all, app 2s later) is re-measured for
//! every learner from `startedAt`/`finishedAt` of the container statuses. The gap between one
//! init container's end and the next one's start shows that they run one after the other.
//! A status transition timeline can also be reconstructed from the same timestamps.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use serde::Serialize;

use crate::inspect;

/// One container's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerRun {
    pub name: String,
    pub init: bool,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// `finished_at - started_at`, when both are known.
    pub seconds: Option<i64>,
}

/// The wait between two consecutive init containers (or the last one and the main container).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub from: String,
    pub to: String,
    pub seconds: i64,
}

/// The timing table of one pod.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PodTimings {
    pub pod: String,
    pub created_at: Option<Timestamp>,
    pub containers: Vec<ContainerRun>,
    /// Between consecutive init containers: end of one to start of the next.
    pub gaps: Vec<Gap>,
    /// From the first init container's start to the last one's end.
    pub total_init_seconds: Option<i64>,
    /// From the last init container's end to the first main container's start.
    pub main_start_delay_seconds: Option<i64>,
}

fn seconds(from: Option<Timestamp>, to: Option<Timestamp>) -> Option<i64> {
    Some(to?.as_second() - from?.as_second())
}

/// The current run of a container or, while it waits to be restarted, its last finished one.
fn run(status: Option<&ContainerStatus>, name: &str, init: bool) -> ContainerRun {
    let last = status
        .and_then(|s| s.last_state.as_ref())
        .and_then(|s| s.terminated.as_ref())
        .filter(|_| status.and_then(inspect::started_at).is_none());
    let started_at = match last {
        Some(t) => t.started_at.as_ref().map(|t| t.0),
        None => status.and_then(inspect::started_at),
    };
    let finished_at = match last {
        Some(t) => t.finished_at.as_ref().map(|t| t.0),
        None => status.and_then(inspect::finished_at),
    };
    ContainerRun {
        name: name.to_string(),
        init,
        started_at,
        finished_at,
        seconds: seconds(started_at, finished_at),
    }
}

/// The timing table of a pod with init containers; `None` for a pod without any, or before
/// the first of them started.
pub fn pod_timings(pod: &Pod) -> Option<PodTimings> {
    let (init_names, main_names) = inspect::container_names(pod);
    let any_started =
        init_names.iter().any(|n| inspect::container_status(pod, n).is_some_and(inspect::has_started));
    if init_names.is_empty() || !any_started {
        return None;
    }
    let mut containers: Vec<ContainerRun> =
        init_names.iter().map(|name| run(inspect::container_status(pod, name), name, true)).collect();
    containers.extend(main_names.iter().map(|name| run(inspect::container_status(pod, name), name, false)));

    let inits: Vec<&ContainerRun> = containers.iter().filter(|c| c.init).collect();
    let gaps = inits
        .windows(2)
        .filter_map(|pair| {
            let seconds = seconds(pair[0].finished_at, pair[1].started_at)?;
            Some(Gap { from: pair[0].name.clone(), to: pair[1].name.clone(), seconds })
        })
        .collect();
    let last_init_end = inits.last().and_then(|c| c.finished_at);
    let all_done = inits.iter().all(|c| c.finished_at.is_some());
    let total_init_seconds = match all_done {
        true => seconds(inits.first().and_then(|c| c.started_at), last_init_end),
        false => None,
    };
    let first_main_start = containers.iter().find(|c| !c.init).and_then(|c| c.started_at);
    Some(PodTimings {
        pod: pod.metadata.name.clone().unwrap_or_default(),
        created_at: pod.metadata.creation_timestamp.as_ref().map(|t| t.0),
        gaps,
        total_init_seconds,
        main_start_delay_seconds: match all_done {
            true => seconds(last_init_end, first_main_start),
            false => None,
        },
        containers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::pod as fixture;

    #[test]
    fn running_pod_has_the_records_serial_timings() {
        let t = pod_timings(&fixture("init-demo-running")).unwrap();
        let names: Vec<_> = t.containers.iter().map(|c| (c.name.as_str(), c.init)).collect();
        assert_eq!(names, [("init-1", true), ("init-2", true), ("app", false)]);
        assert_eq!(t.containers[0].seconds, Some(5), "init-1 sleeps 5");
        assert_eq!(t.containers[1].seconds, Some(3), "init-2 sleeps 3");
        assert_eq!(t.containers[2].seconds, None, "app is still running");
        assert_eq!(t.gaps.len(), 1);
        assert!(t.gaps[0].seconds >= 0, "serial: init-2 starts after init-1 ends");
        assert_eq!(t.total_init_seconds, Some(5 + t.gaps[0].seconds + 3));
        assert!(t.main_start_delay_seconds.is_some_and(|s| s >= 0));
    }

    #[test]
    fn half_initialized_pod_has_no_totals_yet() {
        let t = pod_timings(&fixture("init-demo-init-1-of-2")).unwrap();
        assert_eq!(t.containers[0].seconds, Some(5));
        assert_eq!(t.containers[1].finished_at, None);
        assert_eq!(t.total_init_seconds, None);
        assert_eq!(t.main_start_delay_seconds, None);
    }

    #[test]
    fn crash_looping_init_container_shows_its_last_run() {
        let t = pod_timings(&fixture("init-demo-fail-crashloop")).unwrap();
        assert!(t.containers[0].started_at.is_some() && t.containers[0].finished_at.is_some());
        assert_eq!(t.containers[1].started_at, None, "init-2 never ran");
        assert_eq!(t.total_init_seconds, None);
    }

    #[test]
    fn pod_before_any_start_has_no_table() {
        assert!(pod_timings(&fixture("init-demo-image-pull-backoff")).is_none());
        assert!(pod_timings(&fixture("init-demo-pending")).is_none());
    }

    #[test]
    fn pod_without_init_containers_has_no_table() {
        let mut pod = fixture("init-demo-running");
        pod.spec.as_mut().unwrap().init_containers = None;
        assert!(pod_timings(&pod).is_none());
    }
}
