//! `GET .../pods/{name}/log`: the text set with `set_log`, or the real server's errors.
//!
//! Without a log set for the container: `404` for a missing pod; `400` "a container name must be
//! specified" / "container X is not valid"; `400` "previous terminated container ... not found"
//! for `previous=true` when the container has no terminated instance; `400` "container ... is
//! waiting to start: REASON" (its waiting reason, `PodInitializing` when it has no status) when
//! it never ran; an empty log when it runs or ran. `tailLines` and `limitBytes` are honoured;
//! `follow=true` on a running container keeps the stream open and sends what `set_log` appends
//! until the container stops running, the pod goes, the mode changes or the server stops.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio::time::Instant;

use crate::api::{self, Body};
use crate::cluster::{LogKey, Resource};
use crate::query::Query;
use crate::server::{Shared, until_shutdown};
use crate::status;
use crate::watch::Stream;

/// A follower is disconnected after this long.
const MAX_FOLLOW: Duration = Duration::from_secs(600);

pub(crate) fn respond(
    shared: &Arc<Shared>,
    namespace: &str,
    pod_name: &str,
    query: &Query,
) -> hyper::Response<Body> {
    let previous = query.flag("previous");
    let (tail, limit) = match (query.number("tailLines"), query.number("limitBytes")) {
        (Ok(tail), Ok(limit)) => (tail, limit),
        (Err(raw), _) | (_, Err(raw)) => {
            return api::status_response(&status::bad_request(&format!("invalid number: {raw:?}")));
        }
    };
    let cluster = shared.cluster();
    let Some(pod) = cluster.get(Resource::Pods, namespace, pod_name) else {
        return api::status_response(&status::not_found(Resource::Pods, pod_name));
    };
    let container = match choose_container(pod, pod_name, query.get("container")) {
        Ok(container) => container,
        Err(message) => return api::status_response(&status::bad_request(&message)),
    };
    let key = LogKey {
        namespace: namespace.to_owned(),
        pod: pod_name.to_owned(),
        container: container.clone(),
        previous,
    };
    let text = match cluster.log(&key) {
        Some(text) => text.to_owned(),
        None => match no_log(pod, pod_name, &container, previous) {
            Ok(()) => String::new(),
            Err(message) => return api::status_response(&status::bad_request(&message)),
        },
    };
    let body = shape(&text, tail, limit);
    let follow = query.flag("follow") && !previous && is_running(pod, &container);
    let revisions = cluster.subscribe_revision();
    drop(cluster);
    if !follow {
        return api::response(200, "text/plain", api::full(body));
    }

    let (sender, body_stream) = api::streamed();
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        let mut stream = Stream { sender, sent: 0, drop_after: None };
        if !body.is_empty() && !stream.send(Bytes::from(body)).await {
            return;
        }
        let mut revisions = revisions;
        let mut mode = shared.mode_changes();
        let stop = until_shutdown(shared.shutdown_signal());
        tokio::pin!(stop);
        let deadline = Instant::now() + MAX_FOLLOW;
        let mut seen = text;
        loop {
            let sender = stream.sender.clone();
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep_until(deadline) => return,
                _ = mode.changed() => return,
                () = sender.closed() => return,
                changed = revisions.changed() => if changed.is_err() { return },
            }
            let (now, running) = {
                let cluster = shared.cluster();
                let Some(pod) = cluster.get(Resource::Pods, &key.namespace, &key.pod) else {
                    return;
                };
                let running = is_running(pod, &key.container);
                (cluster.log(&key).unwrap_or("").to_owned(), running)
            };
            if now != seen {
                let fresh = now.strip_prefix(seen.as_str()).unwrap_or(&now).to_owned();
                if !fresh.is_empty() && !stream.send(Bytes::from(fresh)).await {
                    return;
                }
                seen = now;
            }
            if !running {
                return;
            }
        }
    });
    api::response(200, "text/plain", body_stream)
}

fn names<'a>(pod: &'a Value, pointer: &str) -> Vec<&'a str> {
    pod.pointer(pointer)
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(|c| c.get("name").and_then(Value::as_str)).collect())
        .unwrap_or_default()
}

/// The container a log request is for, as the API server validates it.
fn choose_container(pod: &Value, pod_name: &str, requested: Option<&str>) -> Result<String, String> {
    let containers = names(pod, "/spec/containers");
    let init = names(pod, "/spec/initContainers");
    let ephemeral = names(pod, "/spec/ephemeralContainers");
    match requested.filter(|c| !c.is_empty()) {
        None if containers.len() == 1 => Ok(containers[0].to_owned()),
        None => {
            let mut message = format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                containers.join(" ")
            );
            if !init.is_empty() {
                message += &format!(" or one of the init containers: [{}]", init.join(" "));
            }
            if !ephemeral.is_empty() {
                message += &format!(" or one of the ephemeral containers: [{}]", ephemeral.join(" "));
            }
            Err(message)
        }
        Some(c) if containers.contains(&c) || init.contains(&c) || ephemeral.contains(&c) => Ok(c.to_owned()),
        Some(c) => Err(format!("container {c} is not valid for pod {pod_name}")),
    }
}

fn container_status<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    ["/status/containerStatuses", "/status/initContainerStatuses", "/status/ephemeralContainerStatuses"]
        .iter()
        .filter_map(|p| pod.pointer(p).and_then(Value::as_array))
        .flatten()
        .find(|s| s.get("name").and_then(Value::as_str) == Some(container))
}

fn is_running(pod: &Value, container: &str) -> bool {
    container_status(pod, container).and_then(|s| s.pointer("/state/running")).is_some_and(Value::is_object)
}

/// Whether a container with no log set has an (empty) log, or the error the kubelet gives.
fn no_log(pod: &Value, pod_name: &str, container: &str, previous: bool) -> Result<(), String> {
    let status = container_status(pod, container);
    let has = |pointer: &str| status.and_then(|s| s.pointer(pointer)).is_some_and(Value::is_object);
    if previous {
        return if has("/lastState/terminated") {
            Ok(())
        } else {
            Err(format!("previous terminated container \"{container}\" in pod \"{pod_name}\" not found"))
        };
    }
    // A container waiting after it ran (e.g. CrashLoopBackOff) still has its last run's log.
    if has("/state/running") || has("/state/terminated") || has("/lastState/terminated") {
        return Ok(());
    }
    let reason = status
        .and_then(|s| s.pointer("/state/waiting/reason"))
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .unwrap_or("PodInitializing");
    Err(format!("container \"{container}\" in pod \"{pod_name}\" is waiting to start: {reason}"))
}

/// Applies `tailLines` (the last N lines) then `limitBytes` (the first N bytes).
fn shape(text: &str, tail: Option<u64>, limit: Option<u64>) -> Vec<u8> {
    let mut out = text.as_bytes();
    if let Some(tail) = tail {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let keep = usize::try_from(tail).unwrap_or(usize::MAX).min(lines.len());
        let skipped: usize = lines[..lines.len() - keep].iter().map(|l| l.len()).sum();
        out = &out[skipped..];
    }
    if let Some(limit) = limit {
        out = &out[..usize::try_from(limit).unwrap_or(usize::MAX).min(out.len())];
    }
    out.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes() {
        assert_eq!(shape("a\nb\nc\n", Some(2), None), b"b\nc\n");
        assert_eq!(shape("a\nb\nc", Some(1), None), b"c");
        assert_eq!(shape("a\nb\n", Some(0), None), b"");
        assert_eq!(shape("a\nb\n", Some(9), Some(3)), b"a\nb");
    }

    #[test]
    fn errors() {
        let pod = json!({
            "spec": {"initContainers": [{"name": "init-1"}], "containers": [{"name": "app"}, {"name": "side"}]},
            "status": {
                "initContainerStatuses": [{"name": "init-1", "state": {"running": {}}}],
                "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "PodInitializing"}}}],
            },
        });
        assert_eq!(
            choose_container(&pod, "p", None).unwrap_err(),
            "a container name must be specified for pod p, choose one of: [app side] or one of the init containers: [init-1]"
        );
        assert_eq!(choose_container(&pod, "p", Some("x")).unwrap_err(), "container x is not valid for pod p");
        assert_eq!(
            no_log(&pod, "p", "app", false).unwrap_err(),
            "container \"app\" in pod \"p\" is waiting to start: PodInitializing"
        );
        assert!(no_log(&pod, "p", "init-1", false).is_ok());
        assert_eq!(
            no_log(&pod, "p", "init-1", true).unwrap_err(),
            "previous terminated container \"init-1\" in pod \"p\" not found"
        );
        assert!(is_running(&pod, "init-1"));
    }
}
