//! `/version` and the legacy discovery documents (`/api`, `/apis`, `/apis/{group}`, `/api/v1`,
//! `/apis/{group}/{version}`) that kubectl and kube-rs' `Discovery` read before anything else,
//! built from the table in `resources`. Aggregated discovery is not offered: answering discovery
//! with plain `application/json` makes clients fall back to these documents, as with an older
//! server.

use serde_json::{Value, json};

use crate::resources::Resource;

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

/// The named groups served, in the order kube-apiserver lists them, each with its one version.
fn groups() -> Vec<(&'static str, &'static str)> {
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for r in Resource::ALL {
        let info = r.info();
        if !info.group.is_empty() && !groups.contains(&(info.group, info.version)) {
            groups.push((info.group, info.version));
        }
    }
    groups
}

fn group_json(group: &str, version: &str) -> Value {
    let version = json!({"groupVersion": format!("{group}/{version}"), "version": version});
    json!({"name": group, "versions": [version], "preferredVersion": version})
}

/// `GET /apis`: the named groups served (`apps`, `events.k8s.io`, `storage.k8s.io`,
/// `discovery.k8s.io`).
pub(crate) fn api_group_list() -> Value {
    let groups: Vec<Value> = groups().into_iter().map(|(g, v)| group_json(g, v)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /apis/{group}`: one served group.
pub(crate) fn api_group(group: &str) -> Value {
    let (group, version) = groups().into_iter().find(|(g, _)| *g == group).expect("routed to a served group");
    let mut document = group_json(group, version);
    document["kind"] = "APIGroup".into();
    document["apiVersion"] = "v1".into();
    document
}

/// `GET /api/v1` or `GET /apis/{group}/{version}`: the resources served there and their
/// subresources, sorted by name as the real server lists them.
pub(crate) fn api_resource_list(group: &str, version: &str) -> Value {
    let mut resources: Vec<Value> = Vec::new();
    for r in Resource::ALL {
        let info = r.info();
        if info.group != group || info.version != version {
            continue;
        }
        let mut resource = json!({
            "name": info.plural,
            "singularName": info.singular,
            "namespaced": info.namespaced,
            "kind": info.kind,
            "verbs": info.verbs,
        });
        if !info.short_names.is_empty() {
            resource["shortNames"] = json!(info.short_names);
        }
        if !info.categories.is_empty() {
            resource["categories"] = json!(info.categories);
        }
        resources.push(resource);
        for (sub, kind, verbs) in info.subresources {
            let mut subresource = json!({
                "name": format!("{}/{sub}", info.plural),
                "singularName": "",
                "namespaced": info.namespaced,
                "kind": kind,
                "verbs": verbs,
            });
            if *kind == "Scale" {
                subresource["group"] = "autoscaling".into();
                subresource["version"] = "v1".into();
            }
            resources.push(subresource);
        }
    }
    resources.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    match group {
        // The core group's list has no apiVersion, as kube-apiserver sends it.
        "" => json!({"kind": "APIResourceList", "groupVersion": version, "resources": resources}),
        _ => json!({
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": format!("{group}/{version}"),
            "resources": resources,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents() {
        let list = api_group_list();
        let names: Vec<&str> =
            list["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
        // kube-apiserver lists storage.k8s.io before discovery.k8s.io.
        assert_eq!(names, ["apps", "events.k8s.io", "storage.k8s.io", "discovery.k8s.io"]);
        assert_eq!(api_group("apps")["preferredVersion"]["groupVersion"], "apps/v1");
        let apps = api_resource_list("apps", "v1");
        assert_eq!(apps["groupVersion"], "apps/v1");
        let names: Vec<&str> =
            apps["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "deployments",
                "deployments/scale",
                "deployments/status",
                "statefulsets",
                "statefulsets/scale",
                "statefulsets/status"
            ]
        );
        let sts = &apps["resources"][3];
        assert_eq!(sts["shortNames"], json!(["sts"]));
        assert_eq!(sts["kind"], "StatefulSet");
        assert_eq!(apps["resources"][4]["group"], "autoscaling");
        let core = api_resource_list("", "v1");
        assert!(core.get("apiVersion").is_none());
        let pvc = core["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "persistentvolumeclaims")
            .unwrap();
        assert_eq!(pvc["shortNames"], json!(["pvc"]));
        let nodes = core["resources"].as_array().unwrap().iter().find(|r| r["name"] == "nodes").unwrap();
        assert_eq!(nodes["namespaced"], false);
        let discovery = api_resource_list("discovery.k8s.io", "v1");
        assert_eq!(
            discovery["resources"],
            json!([{"name": "endpointslices", "singularName": "endpointslice", "namespaced": true,
                "kind": "EndpointSlice", "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]}])
        );
    }
}
