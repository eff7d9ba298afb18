//! Watches: a chunked stream of newline-terminated `{"type": ..., "object": ...}` events.
//!
//! Without `resourceVersion` (or with `0`, or with `sendInitialEvents=true`) the stream starts
//! with an ADDED event per matching object (then, for `sendInitialEvents`, a BOOKMARK annotated
//! `k8s.io/initial-events-end`); with a resourceVersion it replays the changes after it from the
//! bounded history, or sends an `ERROR` with a `410` Status (reason `Expired`) when that has
//! been compacted away. A stream ends at `timeoutSeconds`, on a mode change, on shutdown, when
//! its client falls too far behind, or (mode `DropWatchAfter(n)`) abruptly after `n` events.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Frame;
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::api::{self, Body, FrameSender, Representation};
use crate::cluster::{Change, ChangeType, Resource};
use crate::query::Query;
use crate::selector::Filter;
use crate::server::{Mode, Shared, until_shutdown};
use crate::status;

/// A watch without `timeoutSeconds` lasts this long (a real server picks 30–60 minutes).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
/// No watch lasts longer than this.
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// Encodes the events one watch sends.
struct Encoder {
    resource: Resource,
    filter: Filter,
    repr: Representation,
}

impl Encoder {
    /// The event a change makes for this watch, if any: a change that moves an object into or
    /// out of the selection is seen as ADDED or DELETED, like the real server's watch cache.
    fn encode(&self, change: &Change) -> Option<Bytes> {
        if change.resource != self.resource.storage() {
            return None;
        }
        let now = self.filter.matches(&self.resource.convert(&change.object));
        let before = change.previous.as_ref().is_some_and(|p| self.filter.matches(&self.resource.convert(p)));
        let event_type = match (change.change, before, now) {
            (ChangeType::Added, _, true) => "ADDED",
            (ChangeType::Modified, true, true) => "MODIFIED",
            (ChangeType::Modified, false, true) => "ADDED",
            (ChangeType::Modified, true, false) => "DELETED",
            (ChangeType::Deleted, _, true) => "DELETED",
            _ => return None,
        };
        Some(self.line(event_type, &change.object))
    }

    fn line(&self, event_type: &str, object: &Value) -> Bytes {
        let rv = object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .and_then(|rv| rv.parse().ok())
            .unwrap_or(0);
        event_line(event_type, &self.repr.one(self.resource, object, rv))
    }
}

fn event_line(event_type: &str, object: &Value) -> Bytes {
    let mut bytes =
        serde_json::to_vec(&json!({"type": event_type, "object": object})).expect("JSON values serialize");
    bytes.push(b'\n');
    Bytes::from(bytes)
}

/// Answers a watch request.
pub(crate) fn respond(
    shared: &Arc<Shared>,
    resource: Resource,
    filter: Filter,
    query: &Query,
    repr: Representation,
) -> hyper::Response<Body> {
    let since = match query.get("resourceVersion") {
        None | Some("" | "0") => None,
        Some(raw) => match raw.parse::<u64>() {
            Ok(rv) => Some(rv),
            Err(_) => {
                return api::status_response(&status::bad_request(&format!(
                    "invalid resource version: {raw:?}"
                )));
            }
        },
    };
    let timeout = match query.number("timeoutSeconds") {
        Ok(Some(seconds)) if seconds > 0 => Duration::from_secs(seconds).min(MAX_TIMEOUT),
        Ok(_) => DEFAULT_TIMEOUT,
        Err(raw) => {
            return api::status_response(&status::bad_request(&format!("invalid timeoutSeconds: {raw:?}")));
        }
    };
    let send_initial_events = query.flag("sendInitialEvents");
    // Subscribed before the mode is read, so that a change in between still ends the stream.
    let mut mode = shared.mode_changes();
    let drop_after = match *mode.borrow_and_update() {
        Mode::DropWatchAfter(n) => Some(n),
        _ => None,
    };
    let encoder = Encoder { resource, filter, repr };

    // Taken under one lock: nothing is missed or sent twice between the replay and the receiver.
    let (first, changes) = {
        let cluster = shared.cluster();
        match since {
            Some(rv) if !send_initial_events => match cluster.watch_from(rv) {
                Ok((replay, changes)) => {
                    (replay.iter().filter_map(|c| encoder.encode(c)).collect(), Some(changes))
                }
                Err(oldest) => (vec![event_line("ERROR", &status::expired(rv, oldest))], None),
            },
            _ => {
                let mut lines: Vec<Bytes> = cluster
                    .list(resource, encoder.filter.namespace.as_deref())
                    .filter(|o| encoder.filter.matches(&resource.convert(o)))
                    .map(|o| encoder.line("ADDED", o))
                    .collect();
                if send_initial_events {
                    let bookmark = json!({
                        "kind": resource.kind(),
                        "apiVersion": resource.api_version(),
                        "metadata": {
                            "resourceVersion": cluster.resource_version().to_string(),
                            "annotations": {"k8s.io/initial-events-end": "true"},
                        },
                    });
                    lines.push(event_line("BOOKMARK", &bookmark));
                }
                (lines, Some(cluster.subscribe()))
            }
        }
    };

    let (sender, body) = api::streamed();
    let stream = Stream { sender, sent: 0, drop_after };
    tokio::spawn(stream.run(
        first,
        changes,
        encoder,
        mode,
        shared.shutdown_signal(),
        Instant::now() + timeout,
    ));
    api::response(200, "application/json", body)
}

/// The producing end of one watch's body.
pub(crate) struct Stream {
    pub(crate) sender: FrameSender,
    pub(crate) sent: usize,
    pub(crate) drop_after: Option<usize>,
}

impl Stream {
    /// Sends one chunk; `false` when the stream is over (client gone, or cut on purpose).
    pub(crate) async fn send(&mut self, chunk: Bytes) -> bool {
        if self.sender.send(Ok(Frame::data(chunk))).await.is_err() {
            return false;
        }
        self.sent += 1;
        if self.drop_after == Some(self.sent) {
            self.cut().await;
            return false;
        }
        true
    }

    /// Ends the body with an error once what was sent has been written out: hyper then closes
    /// the connection without the terminating chunk, as when an API server dies mid-stream.
    pub(crate) async fn cut(&self) {
        for _ in 0..200 {
            if self.sender.capacity() == self.sender.max_capacity() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = self.sender.send(Err("fake apiserver: watch cut (Mode::DropWatchAfter)".into())).await;
    }

    async fn run(
        mut self,
        first: Vec<Bytes>,
        changes: Option<broadcast::Receiver<Arc<Change>>>,
        encoder: Encoder,
        mut mode: watch::Receiver<Mode>,
        shutdown: watch::Receiver<bool>,
        deadline: Instant,
    ) {
        if self.drop_after == Some(0) {
            self.cut().await;
            return;
        }
        for line in first {
            if !self.send(line).await {
                return;
            }
        }
        let Some(mut changes) = changes else {
            return;
        };
        let stop = until_shutdown(shutdown);
        tokio::pin!(stop);
        loop {
            let sender = self.sender.clone();
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep_until(deadline) => return,
                _ = mode.changed() => return,
                () = sender.closed() => return,
                change = changes.recv() => match change {
                    Ok(change) => {
                        if let Some(line) = encoder.encode(&change) && !self.send(line).await {
                            return;
                        }
                    }
                    // Lagged too far behind, or the cluster is gone: end; the client re-watches.
                    Err(_) => return,
                },
            }
        }
    }
}
