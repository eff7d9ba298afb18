//! Server-side printing: `meta.k8s.io/v1` `Table`s, which `kubectl get` asks for (`Accept:
//! application/json;as=Table;v=v1;g=meta.k8s.io`) and prints as its columns. The cells follow the
//! real server's rules for pods (READY, the `Init:1/2` / `Init:CrashLoopBackOff` / `PodInitializing`
//! STATUS, RESTARTS with "(5m ago)", AGE), events and namespaces; `printers` has the other kinds'.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::cluster::Resource;
use crate::printers;

/// A Table of `objects` (stored form, or with type meta), every column included (the real server
/// always sends the `-o wide` ones too, with priority 1).
pub(crate) fn table(resource: Resource, objects: &[&Value], resource_version: u64) -> Value {
    let now = Timestamp::now();
    let rows: Vec<Value> = objects.iter().map(|o| row(resource, o, now)).collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version.to_string()},
        "columnDefinitions": columns(resource),
        "rows": rows,
    })
}

/// A column definition, as the real server describes it.
pub(crate) fn column(name: &str, kind: &str, priority: u8, description: &str) -> Value {
    let mut c =
        json!({"name": name, "type": kind, "format": "", "description": description, "priority": priority});
    if name == "Name" {
        c["format"] = "name".into();
    }
    c
}

pub(crate) const NAME_DOC: &str = "Name must be unique within a namespace.";
pub(crate) const AGE_DOC: &str =
    "CreationTimestamp is a timestamp representing the server time when this object was created.";

fn columns(resource: Resource) -> Vec<Value> {
    let (name_doc, age_doc) = (NAME_DOC, AGE_DOC);
    match resource.storage() {
        Resource::Pods => vec![
            column("Name", "string", 0, name_doc),
            column("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
            column("Status", "string", 0, "The aggregate status of the containers in this pod."),
            column(
                "Restarts",
                "string",
                0,
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            column("Age", "string", 0, age_doc),
            column("IP", "string", 1, "The IP address allocated to the pod."),
            column("Node", "string", 1, "The node the pod is scheduled on."),
            column("Nominated Node", "string", 1, "The node the scheduler nominated for the pod."),
            column("Readiness Gates", "string", 1, "How many of the pod's readiness gates are true."),
        ],
        Resource::Events => vec![
            column("Last Seen", "string", 0, "When the event was last seen."),
            column("Type", "string", 0, "The type of the event (Normal, Warning)."),
            column("Reason", "string", 0, "Why the event happened."),
            column("Object", "string", 0, "The object the event is about."),
            column("Subobject", "string", 1, "The part of the object the event is about."),
            column("Source", "string", 1, "The component that reported the event."),
            column("Message", "string", 0, "A human-readable description."),
            column("First Seen", "string", 1, "When the event was first seen."),
            column("Count", "integer", 1, "How many times the event occurred."),
            column("Name", "string", 1, name_doc),
        ],
        Resource::Namespaces => vec![
            column("Name", "string", 0, name_doc),
            column("Status", "string", 0, "The current lifecycle phase of the namespace."),
            column("Age", "string", 0, age_doc),
        ],
        other => printers::columns(other),
    }
}

fn row(resource: Resource, object: &Value, now: Timestamp) -> Value {
    let mut row = json!({
        "cells": [],
        "object": {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({})),
        },
    });
    row["cells"] = match resource.storage() {
        Resource::Pods => {
            let (cells, conditions) = pod_cells(object, now);
            if let Some(conditions) = conditions {
                row["conditions"] = conditions;
            }
            cells
        }
        Resource::Events => event_cells(object, now),
        Resource::Namespaces => json!([
            text(object, "/metadata/name"),
            text(object, "/status/phase"),
            age(object.pointer("/metadata/creationTimestamp"), now),
        ]),
        other => printers::cells(other, object, now),
    };
    row
}

pub(crate) fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn int(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

pub(crate) fn array<'a>(object: &'a Value, pointer: &str) -> &'a [Value] {
    object.pointer(pointer).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

pub(crate) fn timestamp(value: Option<&Value>) -> Option<Timestamp> {
    value?.as_str()?.parse().ok()
}

/// A `metav1.Time` as kubectl's AGE-style columns show it, `<unknown>` when unset.
pub(crate) fn age(value: Option<&Value>, now: Timestamp) -> String {
    match timestamp(value) {
        Some(t) => human_duration(now.as_second() - t.as_second()),
        None => "<unknown>".to_owned(),
    }
}

fn condition_true(pod: &Value, kind: &str) -> bool {
    array(pod, "/status/conditions").iter().any(|c| text(c, "/type") == kind && text(c, "/status") == "True")
}

/// READY, STATUS, RESTARTS of a pod, following the real server's pod printer.
fn pod_cells(pod: &Value, now: Timestamp) -> (Value, Option<Value>) {
    let phase = text(pod, "/status/phase");
    let mut reason = match text(pod, "/status/reason") {
        "" => phase.to_owned(),
        r => r.to_owned(),
    };
    if array(pod, "/status/conditions")
        .iter()
        .any(|c| text(c, "/type") == "PodScheduled" && text(c, "/reason") == "SchedulingGated")
    {
        reason = "SchedulingGated".to_owned();
    }
    let conditions = match phase {
        "Succeeded" => Some(
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}]),
        ),
        "Failed" => Some(
            json!([{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]),
        ),
        _ => None,
    };

    let init_specs = array(pod, "/spec/initContainers");
    // Init containers with restartPolicy Always are sidecars: they count like containers.
    let is_sidecar = |name: &str| {
        init_specs.iter().any(|c| text(c, "/name") == name && text(c, "/restartPolicy") == "Always")
    };
    let total = array(pod, "/spec/containers").len()
        + init_specs.iter().filter(|c| text(c, "/restartPolicy") == "Always").count();
    let mut ready = 0;
    let mut restarts = 0;
    let mut last_restart: Option<Timestamp> = None;
    let mut sidecar_restarts = 0;
    let mut sidecar_last_restart: Option<Timestamp> = None;
    let later = |a: Option<Timestamp>, b: Option<Timestamp>| a.max(b);

    let mut initializing = false;
    for (i, status) in array(pod, "/status/initContainerStatuses").iter().enumerate() {
        let name = text(status, "/name");
        let count = int(status, "/restartCount");
        let finished = timestamp(status.pointer("/lastState/terminated/finishedAt"));
        restarts += count;
        last_restart = later(last_restart, finished);
        if is_sidecar(name) {
            sidecar_restarts += count;
            sidecar_last_restart = later(sidecar_last_restart, finished);
        }
        let terminated = status.pointer("/state/terminated").filter(|t| t.is_object());
        let waiting_reason = text(status, "/state/waiting/reason");
        if terminated.is_some_and(|t| int(t, "/exitCode") == 0) {
            continue;
        }
        if is_sidecar(name) && status.pointer("/started") == Some(&Value::Bool(true)) {
            if status.pointer("/ready") == Some(&Value::Bool(true)) {
                ready += 1;
            }
            continue;
        }
        reason = if let Some(t) = terminated {
            match (text(t, "/reason"), int(t, "/signal")) {
                ("", 0) => format!("Init:ExitCode:{}", int(t, "/exitCode")),
                ("", signal) => format!("Init:Signal:{signal}"),
                (r, _) => format!("Init:{r}"),
            }
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            format!("Init:{waiting_reason}")
        } else {
            format!("Init:{i}/{}", init_specs.len())
        };
        initializing = true;
        break;
    }

    if !initializing || condition_true(pod, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = sidecar_last_restart;
        let mut has_running = false;
        for status in array(pod, "/status/containerStatuses").iter().rev() {
            restarts += int(status, "/restartCount");
            last_restart = later(last_restart, timestamp(status.pointer("/lastState/terminated/finishedAt")));
            let terminated = status.pointer("/state/terminated").filter(|t| t.is_object());
            let waiting_reason = text(status, "/state/waiting/reason");
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_owned();
            } else if let Some(t) = terminated {
                reason = match (text(t, "/reason"), int(t, "/signal")) {
                    ("", 0) => format!("ExitCode:{}", int(t, "/exitCode")),
                    ("", signal) => format!("Signal:{signal}"),
                    (r, _) => r.to_owned(),
                };
            } else if status.pointer("/ready") == Some(&Value::Bool(true))
                && status.pointer("/state/running").is_some_and(Value::is_object)
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(pod, "Ready") { "Running".to_owned() } else { "NotReady".to_owned() };
        }
    }

    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        if text(pod, "/status/reason") == "NodeLost" {
            reason = "Unknown".to_owned();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_owned();
        }
    }

    let restarts_cell = match last_restart {
        Some(t) if restarts != 0 => {
            format!("{restarts} ({} ago)", human_duration(now.as_second() - t.as_second()))
        }
        _ => restarts.to_string(),
    };

    let none = |s: &str| {
        if s.is_empty() { "<none>".to_owned() } else { s.to_owned() }
    };
    // The server reads podIPs; converting a v1 pod fills podIPs from podIP when it is missing.
    let ip = match array(pod, "/status/podIPs").first() {
        Some(first) => text(first, "/ip"),
        None => text(pod, "/status/podIP"),
    };
    let gates = array(pod, "/spec/readinessGates");
    let gates_cell = if gates.is_empty() {
        "<none>".to_owned()
    } else {
        let conditions = array(pod, "/status/conditions");
        let true_gates = gates
            .iter()
            .filter(|g| {
                conditions
                    .iter()
                    .find(|c| text(c, "/type") == text(g, "/conditionType"))
                    .is_some_and(|c| text(c, "/status") == "True")
            })
            .count();
        format!("{true_gates}/{}", gates.len())
    };
    let cells = json!([
        text(pod, "/metadata/name"),
        format!("{ready}/{total}"),
        reason,
        restarts_cell,
        age(pod.pointer("/metadata/creationTimestamp"), now),
        none(ip),
        none(text(pod, "/spec/nodeName")),
        none(text(pod, "/status/nominatedNodeName")),
        gates_cell,
    ]);
    (cells, conditions)
}

fn event_cells(event: &Value, now: Timestamp) -> Value {
    let first_seen = match event.pointer("/firstTimestamp").filter(|v| !v.is_null()) {
        Some(t) => age(Some(t), now),
        None => age(event.pointer("/eventTime"), now),
    };
    let mut last_seen = match event.pointer("/lastTimestamp").filter(|v| !v.is_null()) {
        Some(t) => age(Some(t), now),
        None => first_seen.clone(),
    };
    let mut count = int(event, "/count");
    if event.pointer("/series").is_some_and(Value::is_object) {
        last_seen = age(event.pointer("/series/lastObservedTime"), now);
        count = int(event, "/series/count");
    } else if count == 0 {
        count = 1;
    }
    let kind = text(event, "/involvedObject/kind").to_lowercase();
    let target = match text(event, "/involvedObject/name") {
        "" => kind,
        name => format!("{kind}/{name}"),
    };
    let source = {
        let (component, host) = match text(event, "/source/component") {
            "" => (text(event, "/reportingComponent"), text(event, "/reportingInstance")),
            component => (component, text(event, "/source/host")),
        };
        if host.is_empty() { component.to_owned() } else { format!("{component}, {host}") }
    };
    json!([
        last_seen,
        text(event, "/type"),
        text(event, "/reason"),
        target,
        text(event, "/involvedObject/fieldPath"),
        source,
        text(event, "/message").trim(),
        first_seen,
        count,
        text(event, "/metadata/name"),
    ])
}

/// A duration in whole seconds as kubectl shows ages: `45s`, `3m20s`, `15m`, `5h30m`, `3d4h`, …
pub(crate) fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    if seconds < 0 {
        return "0s".to_owned();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        return match seconds % 60 {
            0 => format!("{minutes}m"),
            s => format!("{minutes}m{s}s"),
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        return match hours % 24 {
            0 => format!("{days}d"),
            h => format!("{days}d{h}h"),
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if hours < 24 * 365 * 8 {
        return match days % 365 {
            0 => format!("{years}y"),
            d => format!("{years}y{d}d"),
        };
    }
    format!("{years}y")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        for (s, want) in [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (200, "3m20s"),
            (900, "15m"),
            (3 * 3600 + 60, "3h1m"),
            (10 * 3600, "10h"),
            (3 * 86400 + 4 * 3600, "3d4h"),
            (30 * 86400, "30d"),
            (3 * 365 * 86400 + 86400, "3y1d"),
            (10 * 365 * 86400, "10y"),
        ] {
            assert_eq!(human_duration(s), want, "{s}");
        }
    }

    fn status_of(pod: Value) -> (String, String) {
        let (cells, _) = pod_cells(&pod, Timestamp::now());
        (cells[1].as_str().unwrap().to_owned(), cells[2].as_str().unwrap().to_owned())
    }

    fn init_demo(status: Value) -> Value {
        json!({
            "metadata": {"name": "init-demo", "creationTimestamp": "2024-01-01T00:00:00Z"},
            "spec": {
                "initContainers": [{"name": "init-1"}, {"name": "init-2"}],
                "containers": [{"name": "app"}],
            },
            "status": status,
        })
    }

    #[test]
    fn pod_statuses() {
        let done = json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
        let waiting = |r: &str| json!({"waiting": {"reason": r}});
        let pending = init_demo(json!({"phase": "Pending"}));
        assert_eq!(status_of(pending), ("0/1".into(), "Pending".into()));
        let init_1_of_2 = init_demo(json!({
            "phase": "Pending",
            "initContainerStatuses": [
                {"name": "init-1", "state": done, "restartCount": 0},
                {"name": "init-2", "state": {"running": {}}, "restartCount": 0},
            ],
            "containerStatuses": [{"name": "app", "state": waiting("PodInitializing"), "ready": false}],
        }));
        assert_eq!(status_of(init_1_of_2), ("0/1".into(), "Init:1/2".into()));
        let crashloop = init_demo(json!({
            "phase": "Pending",
            "initContainerStatuses": [
                {"name": "init-1", "state": waiting("CrashLoopBackOff"), "restartCount": 3,
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2024-01-01T00:01:00Z"}}},
                {"name": "init-2", "state": waiting("PodInitializing")},
            ],
        }));
        let (cells, _) = pod_cells(&crashloop, Timestamp::now());
        assert_eq!(cells[2], "Init:CrashLoopBackOff");
        assert!(cells[3].as_str().unwrap().starts_with("3 ("), "{}", cells[3]);
        let failed_init = init_demo(json!({
            "phase": "Pending",
            "initContainerStatuses": [{"name": "init-1", "state": {"terminated": {"exitCode": 2}}}],
        }));
        assert_eq!(status_of(failed_init).1, "Init:ExitCode:2");
        let running = init_demo(json!({
            "phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
            "initContainerStatuses": [
                {"name": "init-1", "state": done},
                {"name": "init-2", "state": done},
            ],
            "containerStatuses": [{"name": "app", "state": {"running": {}}, "ready": true}],
        }));
        assert_eq!(status_of(running), ("1/1".into(), "Running".into()));
        let initialized = init_demo(json!({
            "phase": "Pending",
            "initContainerStatuses": [
                {"name": "init-1", "state": done},
                {"name": "init-2", "state": done},
            ],
            "containerStatuses": [{"name": "app", "state": waiting("ContainerCreating")}],
        }));
        assert_eq!(status_of(initialized).1, "ContainerCreating");
    }
}
