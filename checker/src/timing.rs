//! How long each phase of a pod's start took, from the cluster's own timestamps.
//!
//! The record's timing table (init-1 5s, init-2 3s, 8s in all, app 2s later) is re-measured for
//! every learner from `startedAt`/`finishedAt` of the container statuses, the pod's `startTime`
//! and its Ready condition. The quantities, defined once here and in the book's 耗时分析
//! (src/results.md), under one name each:
//!
//! - **pod setup** (启动准备): `status.startTime` (the kubelet took the pod on) → the first init
//!   container's start: the pod sandbox, the volumes, the first image pull;
//! - each init container's **run time** and the **gap** before the next one (serial: the next
//!   starts after the previous one finished; after a sidecar: once the sidecar has started);
//! - **total init time** (总初始化时间): the first init container's start → the end of the init
//!   phase (the last regular init container's finish; a trailing sidecar's start). Pod setup plus
//!   total init time is the time from `startTime` to the end of the init phase;
//! - **main container delay** (主容器启动延迟): the end of the init phase → the first main
//!   container's start (its image pull, mostly);
//! - **time to ready** (就绪时间): the first main container's start → the pod's Ready condition.
//!
//! A sidecar (an init container with `restartPolicy: Always`) is not a serial step: it has no
//! run time of its own (it keeps running), its start is its first start (a restart does not move
//! the phases after it), and what follows it waits for its start, not its end.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use serde::{Deserialize, Serialize};

use crate::inspect;

/// One container's run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerRun {
    pub name: String,
    pub init: bool,
    /// An init container with `restartPolicy: Always`, running beside the main containers.
    #[serde(default)]
    pub sidecar: bool,
    /// For a sidecar, its first start (`None` when the status no longer records it).
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// `finished_at - started_at`, when both are known (never for a running sidecar).
    pub seconds: Option<i64>,
    #[serde(default)]
    pub restarts: u32,
    /// The exit code of the run shown, once it finished.
    #[serde(default)]
    pub exit_code: Option<i32>,
}

/// The wait between two consecutive init containers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub from: String,
    pub to: String,
    pub seconds: i64,
    /// `from` is a sidecar: `to` waited for it to start, not to finish.
    #[serde(default)]
    pub after_start: bool,
}

/// The timing table of one pod (see the module's definitions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodTimings {
    pub pod: String,
    pub created_at: Option<Timestamp>,
    /// `status.startTime`: when the kubelet took the pod on.
    #[serde(default)]
    pub pod_started_at: Option<Timestamp>,
    pub containers: Vec<ContainerRun>,
    /// Between consecutive init containers.
    pub gaps: Vec<Gap>,
    /// Pod setup: `startTime` → the first init container's start.
    #[serde(default)]
    pub setup_seconds: Option<i64>,
    /// Total init time: the first init container's start → the end of the init phase.
    pub total_init_seconds: Option<i64>,
    /// Main container delay: the end of the init phase → the first main container's start.
    pub main_start_delay_seconds: Option<i64>,
    /// When the pod became Ready (the Ready condition's last transition, while it is True).
    #[serde(default)]
    pub ready_at: Option<Timestamp>,
    /// Time to ready: the first main container's start → `ready_at`.
    #[serde(default)]
    pub ready_seconds: Option<i64>,
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
    let exit_code = match last {
        Some(t) => Some(t.exit_code),
        None => inspect::exit_code(status.and_then(|s| s.state.as_ref())),
    };
    ContainerRun {
        name: name.to_string(),
        init,
        sidecar: false,
        started_at,
        finished_at,
        seconds: seconds(started_at, finished_at),
        restarts: restarts(status),
        exit_code,
    }
}

/// A sidecar's run: from its first start, not finished while the pod runs.
fn sidecar_run(status: Option<&ContainerStatus>, name: &str) -> ContainerRun {
    let first = status.and_then(inspect::earliest_start).filter(|s| s.first).map(|s| s.at);
    ContainerRun {
        name: name.to_string(),
        init: true,
        sidecar: true,
        started_at: first,
        finished_at: None,
        seconds: None,
        restarts: restarts(status),
        exit_code: None,
    }
}

fn restarts(status: Option<&ContainerStatus>) -> u32 {
    status.map_or(0, |s| u32::try_from(s.restart_count).unwrap_or(0))
}

/// When an init container's part of the init phase was done: a regular one when it finished
/// with exit code 0, a sidecar when it (first) started.
fn done_at(c: &ContainerRun) -> Option<Timestamp> {
    match c.sidecar {
        true => c.started_at,
        false => c.finished_at.filter(|_| c.exit_code == Some(0)),
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
    let mut containers: Vec<ContainerRun> = init_names
        .iter()
        .map(|name| {
            let status = inspect::container_status(pod, name);
            match inspect::is_sidecar(pod, name) {
                true => sidecar_run(status, name),
                false => run(status, name, true),
            }
        })
        .collect();
    containers.extend(main_names.iter().map(|name| run(inspect::container_status(pod, name), name, false)));

    let inits: Vec<&ContainerRun> = containers.iter().filter(|c| c.init).collect();
    let gaps = inits
        .windows(2)
        .filter_map(|pair| {
            let (from, to) = (pair[0], pair[1]);
            let seconds = seconds(done_at(from), to.started_at)?;
            Some(Gap { from: from.name.clone(), to: to.name.clone(), seconds, after_start: from.sidecar })
        })
        .collect();
    // The init phase is over when every regular init container succeeded (a sidecar before one
    // of them had started, or it would not have run) and the last one is done.
    let all_done = inits.iter().filter(|c| !c.sidecar).all(|c| done_at(c).is_some());
    let phase_end = inits.last().and_then(|c| done_at(c)).filter(|_| all_done);
    let first_init_start = inits.first().and_then(|c| c.started_at);
    let first_main_start = containers.iter().find(|c| !c.init).and_then(|c| c.started_at);
    let pod_started_at = pod.status.as_ref().and_then(|s| s.start_time.as_ref()).map(|t| t.0);
    let ready_at = ready_since(pod);
    Some(PodTimings {
        pod: pod.metadata.name.clone().unwrap_or_default(),
        created_at: pod.metadata.creation_timestamp.as_ref().map(|t| t.0),
        pod_started_at,
        gaps,
        setup_seconds: seconds(pod_started_at, first_init_start),
        total_init_seconds: seconds(first_init_start, phase_end),
        main_start_delay_seconds: seconds(phase_end, first_main_start),
        ready_at,
        ready_seconds: seconds(first_main_start, ready_at).filter(|s| *s >= 0),
        containers,
    })
}

/// When the pod last became Ready, if it is Ready now.
fn ready_since(pod: &Pod) -> Option<Timestamp> {
    let conditions = pod.status.as_ref()?.conditions.as_ref()?;
    let ready = conditions.iter().find(|c| c.type_ == "Ready" && c.status == "True")?;
    ready.last_transition_time.as_ref().map(|t| t.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::pod as fixture;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

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
        assert!(!t.gaps[0].after_start);
        assert_eq!(t.total_init_seconds, Some(5 + t.gaps[0].seconds + 3));
        assert!(t.main_start_delay_seconds.is_some_and(|s| s >= 0));
    }

    #[test]
    fn the_phases_add_up_from_start_time_to_ready() {
        let pod = fixture("init-demo-running");
        let t = pod_timings(&pod).unwrap();
        let start = pod.status.as_ref().unwrap().start_time.as_ref().unwrap().0;
        let init_1 = t.containers[0].started_at.unwrap();
        let app = t.containers[2].started_at.unwrap();
        assert_eq!(t.pod_started_at, Some(start));
        assert_eq!(t.setup_seconds, Some(init_1.as_second() - start.as_second()));
        let (setup, init, delay) =
            (t.setup_seconds.unwrap(), t.total_init_seconds.unwrap(), t.main_start_delay_seconds.unwrap());
        assert_eq!(start.as_second() + setup + init + delay, app.as_second(), "the phases follow each other");
        let ready = t.ready_at.expect("the running fixture is Ready");
        assert_eq!(t.ready_seconds, Some(ready.as_second() - app.as_second()));
    }

    #[test]
    fn half_initialized_pod_has_no_totals_yet() {
        let t = pod_timings(&fixture("init-demo-init-1-of-2")).unwrap();
        assert_eq!(t.containers[0].seconds, Some(5));
        assert_eq!(t.containers[1].finished_at, None);
        assert_eq!(t.total_init_seconds, None);
        assert_eq!(t.main_start_delay_seconds, None);
        assert_eq!(t.ready_at, None);
    }

    #[test]
    fn crash_looping_init_container_shows_its_last_run() {
        let t = pod_timings(&fixture("init-demo-fail-crashloop")).unwrap();
        assert!(t.containers[0].started_at.is_some() && t.containers[0].finished_at.is_some());
        assert_eq!(t.containers[1].started_at, None, "init-2 never ran");
        assert_eq!(t.total_init_seconds, None);
    }

    #[test]
    fn a_sidecar_is_not_a_serial_step() {
        let t = pod_timings(&fixture("sidecar-demo-running")).unwrap();
        let shipper = &t.containers[0];
        assert!(shipper.sidecar && shipper.started_at.is_some());
        assert_eq!(shipper.seconds, None, "a sidecar keeps running");
        assert!(t.gaps[0].after_start && t.gaps[0].seconds >= 0, "{:?}", t.gaps);
        assert!(t.total_init_seconds.is_some_and(|s| s >= 0), "{t:?}");
        assert!(t.main_start_delay_seconds.is_some_and(|s| s >= 0), "{t:?}");
    }

    #[test]
    fn a_restarted_sidecar_keeps_its_first_start() {
        // log-shipper started at 10:03:02, exited at 10:04:10 and runs again since 10:04:11;
        // init-config ran 10:03:03 → 10:03:05, app started at 10:03:06.
        for name in ["sidecar-demo-sidecar-restarted", "sidecar-demo-sidecar-exits"] {
            let t = pod_timings(&fixture(name)).unwrap();
            assert!(t.gaps.iter().all(|g| g.seconds >= 0), "{name}: {:?}", t.gaps);
            for value in [t.setup_seconds, t.total_init_seconds, t.main_start_delay_seconds] {
                assert!(value.is_none_or(|s| s >= 0), "{name}: {t:?}");
            }
        }
        let t = pod_timings(&fixture("sidecar-demo-sidecar-restarted")).unwrap();
        assert_eq!(t.containers[0].started_at, Some(ts("2026-11-20T10:03:02Z")));
        assert_eq!(t.containers[0].restarts, 1);
        assert_eq!(t.gaps[0].seconds, 1);
        assert_eq!(t.total_init_seconds, Some(3), "10:03:02 → init-config's end at 10:03:05");
        assert_eq!(t.main_start_delay_seconds, Some(1));
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
