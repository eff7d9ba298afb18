//! The STATUS column over time, as `kubectl get pods -w` shows it.
//!
//! `checker step N --wait` feeds every version of a pod it sees into a [`Timeline`], which keeps
//! one row per change of READY, STATUS or RESTARTS, with the AGE at which it was seen (the
//! offset from the pod's creation). Printed, it has the shape of the record's "实际结果" table.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use serde::Serialize;

use crate::restarts::{self, MeasuredRestart, measured_restarts};
use crate::status::{human_duration, pod_row};
use crate::table::Table;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TimelineEntry {
    pub pod: String,
    pub ready: String,
    pub status: String,
    pub restarts: u32,
    /// Seconds since the pod's creation when this state was seen.
    pub offset_seconds: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Timeline {
    pub entries: Vec<TimelineEntry>,
    /// Each restart seen while watching, with the wait before it (once per container and
    /// restart), for comparison with the kubelet's back-off.
    pub restarts: Vec<MeasuredRestart>,
}

impl Timeline {
    /// Notes the pod as seen at `now`; returns whether its columns changed.
    pub fn observe(&mut self, pod: &Pod, now: Timestamp) -> bool {
        restarts::merge(&mut self.restarts, measured_restarts(pod));
        let row = pod_row(pod, now);
        let last = self.entries.iter().rev().find(|e| e.pod == row.name);
        if last.is_some_and(|e| e.ready == row.ready && e.status == row.status && e.restarts == row.restarts)
        {
            return false;
        }
        let created = pod.metadata.creation_timestamp.as_ref().map_or(now, |t| t.0);
        self.entries.push(TimelineEntry {
            pod: row.name,
            ready: row.ready,
            status: row.status,
            restarts: row.restarts,
            offset_seconds: (now.as_second() - created.as_second()).max(0),
        });
        true
    }

    /// Notes that the pod was deleted.
    pub fn deleted(&mut self, pod: &Pod, now: Timestamp) {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let created = pod.metadata.creation_timestamp.as_ref().map_or(now, |t| t.0);
        self.entries.push(TimelineEntry {
            pod: name,
            ready: "-".into(),
            status: "(deleted)".into(),
            restarts: 0,
            offset_seconds: (now.as_second() - created.as_second()).max(0),
        });
    }

    /// The timeline as `kubectl get pods -w` prints it.
    pub fn table(&self) -> String {
        let mut table = Table::new(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
        for e in &self.entries {
            let age = human_duration(jiff::SignedDuration::from_secs(e.offset_seconds));
            table.rows.push(vec![
                e.pod.clone(),
                e.ready.clone(),
                e.status.clone(),
                e.restarts.to_string(),
                age,
            ]);
        }
        table.columns()
    }
}

/// The STATUS changes a pod with init containers went through, rebuilt from its containers'
/// own timestamps (for `checker report`, when nobody watched): created → `Init:0/M` when the
/// first init container started → `Init:k/M` as each finished → `PodInitializing` → `Running`
/// when the first main container started; an init container whose current run failed ends it
/// with the STATUS kubectl shows from then on (`Init:Error`: for good under `restartPolicy:
/// Never`). Only changes the timestamps prove are included.
pub fn reconstruct(pod: &Pod) -> Timeline {
    use crate::inspect;
    let name = pod.metadata.name.clone().unwrap_or_default();
    let Some(created) = pod.metadata.creation_timestamp.as_ref().map(|t| t.0) else {
        return Timeline::default();
    };
    let (init, main) = inspect::container_names(pod);
    let total = format!("0/{}", main.len());
    let mut timeline = Timeline::default();
    let mut push = |status: String, at: Timestamp| {
        timeline.entries.push(TimelineEntry {
            pod: name.clone(),
            ready: total.clone(),
            status,
            restarts: 0,
            offset_seconds: (at.as_second() - created.as_second()).max(0),
        });
    };
    push("Pending".into(), created);
    for (i, container) in init.iter().enumerate() {
        let Some(status) = inspect::container_status(pod, container) else { return timeline };
        let (Some(started), finished) = (inspect::started_at(status), inspect::finished_at(status)) else {
            return timeline;
        };
        if i == 0 {
            push(format!("Init:0/{}", init.len()), started);
        }
        let failed = inspect::exit_code(status.state.as_ref()).is_some_and(|code| code != 0);
        if let (true, Some(finished)) = (failed, finished) {
            // The current state is the failure itself: the pod shows it from then on.
            let status = pod_row(pod, finished).status;
            push(status, finished);
            return timeline;
        }
        let Some(finished) = finished.filter(|_| inspect::exit_code(status.state.as_ref()) == Some(0)) else {
            return timeline;
        };
        if i + 1 < init.len() {
            push(format!("Init:{}/{}", i + 1, init.len()), finished);
        } else {
            push("PodInitializing".into(), finished);
        }
    }
    let first_start =
        main.iter().filter_map(|c| inspect::container_status(pod, c)).find_map(inspect::started_at);
    if let Some(started) = first_start {
        push("Running".into(), started);
    }
    timeline
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::pod as fixture;

    #[test]
    fn keeps_one_row_per_change_with_its_age() {
        let created = fixture("init-demo-running").metadata.creation_timestamp.unwrap().0;
        let at = |s: i64| Timestamp::from_second(created.as_second() + s).unwrap();
        let mut timeline = Timeline::default();
        assert!(timeline.observe(&fixture("init-demo-init-0-of-2"), at(1)));
        assert!(!timeline.observe(&fixture("init-demo-init-0-of-2"), at(3)), "no change, no row");
        assert!(timeline.observe(&fixture("init-demo-init-1-of-2"), at(8)));
        assert!(timeline.observe(&fixture("init-demo-pod-initializing"), at(11)));
        assert!(timeline.observe(&fixture("init-demo-running"), at(13)));
        let statuses: Vec<_> =
            timeline.entries.iter().map(|e| (e.status.as_str(), e.offset_seconds)).collect();
        assert_eq!(statuses, [("Init:0/2", 1), ("Init:1/2", 8), ("PodInitializing", 11), ("Running", 13)]);
        let table = timeline.table();
        assert!(table.starts_with("NAME        READY   STATUS            RESTARTS   AGE\n"), "{table}");
        assert!(table.contains("init-demo   1/1     Running           0          13s\n"), "{table}");
        assert!(!table.contains("Init:2/2"));
    }

    #[test]
    fn each_restart_seen_is_measured_once() {
        let path = format!(
            "{}/../tests/fixtures/labs/restart-policy/cluster/pod-rp-always-exits-1.yaml",
            env!("CARGO_MANIFEST_DIR")
        );
        let pod: Pod = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut timeline = Timeline::default();
        let now: Timestamp = "2026-11-20T10:04:41Z".parse().unwrap();
        timeline.observe(&pod, now);
        timeline.observe(&pod, now);
        assert_eq!(timeline.restarts.len(), 1, "{:?}", timeline.restarts);
        let r = &timeline.restarts[0];
        assert_eq!((r.container.as_str(), r.restart, r.wait_seconds, r.rule_seconds), ("app", 3, 20, 20));
    }

    #[test]
    fn reconstructs_the_records_timeline_from_container_timestamps() {
        let timeline = reconstruct(&fixture("init-demo-running"));
        let rows: Vec<_> = timeline.entries.iter().map(|e| (e.status.as_str(), e.offset_seconds)).collect();
        assert_eq!(
            rows,
            [("Pending", 0), ("Init:0/2", 2), ("Init:1/2", 7), ("PodInitializing", 11), ("Running", 12)]
        );
        let partial = reconstruct(&fixture("init-demo-init-1-of-2"));
        assert_eq!(partial.entries.last().unwrap().status, "Init:1/2");
        let failing = reconstruct(&fixture("init-demo-fail-crashloop"));
        assert!(failing.entries.iter().all(|e| e.status != "PodInitializing"));
    }

    #[test]
    fn an_init_container_that_failed_for_good_ends_the_timeline() {
        let path = format!(
            "{}/../tests/fixtures/labs/restart-policy/cluster/pod-rp-never-init-fails.yaml",
            env!("CARGO_MANIFEST_DIR")
        );
        let pod: Pod = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let rows: Vec<_> =
            reconstruct(&pod).entries.iter().map(|e| (e.status.clone(), e.offset_seconds)).collect();
        assert_eq!(
            rows,
            [("Pending".to_string(), 0), ("Init:0/1".to_string(), 2), ("Init:Error".to_string(), 2)]
        );
    }
}
