//! `/version` and the legacy discovery documents (`/api`, `/apis`, `/api/v1`) that kubectl reads
//! before anything else. Aggregated discovery is not offered: answering discovery with plain
//! `application/json` makes clients fall back to these documents, as with an older server.

use serde_json::{Value, json};

/// The `gitVersion` that `/version` reports unless a test sets another.
pub const DEFAULT_SERVER_VERSION: &str = "v1.30.6";

/// A `version.Info` for `git_version` (`vMAJOR.MINOR.PATCH`).
pub(crate) fn version(git_version: &str) -> Value {
    let mut numbers = git_version.trim_start_matches('v').split(['.', '-', '+']);
    let major = numbers.next().unwrap_or("1");
    let minor = numbers.next().unwrap_or("0");
    json!({
        "major": major,
        "minor": minor,
        "gitVersion": git_version,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2024-10-22T20:29:49Z",
        "goVersion": "go1.22.8",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `GET /api`: the core group's versions.
pub(crate) fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

/// `GET /apis`: no named groups are served.
pub(crate) fn api_group_list() -> Value {
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
}

/// `GET /api/v1`: the resources served (a subset of a real cluster's).
pub(crate) fn core_v1_resources() -> Value {
    let read_write = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    json!({
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            {
                "name": "events", "singularName": "event", "namespaced": true, "kind": "Event",
                "verbs": read_write, "shortNames": ["ev"],
                "storageVersionHash": "r2yiGXH7wu8="
            },
            {
                "name": "namespaces", "singularName": "namespace", "namespaced": false, "kind": "Namespace",
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                "shortNames": ["ns"], "storageVersionHash": "Q3oi5N2YM8M="
            },
            {
                "name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod",
                "verbs": read_write, "shortNames": ["po"], "categories": ["all"],
                "storageVersionHash": "xPOwRZ+Yhw8="
            },
            {"name": "pods/attach", "singularName": "", "namespaced": true, "kind": "PodAttachOptions", "verbs": ["create", "get"]},
            {"name": "pods/exec", "singularName": "", "namespaced": true, "kind": "PodExecOptions", "verbs": ["create", "get"]},
            {"name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]},
            {"name": "pods/proxy", "singularName": "", "namespaced": true, "kind": "PodProxyOptions",
             "verbs": ["create", "delete", "get", "patch", "update"]},
            {"name": "pods/status", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get", "patch", "update"]},
        ],
    })
}
