//! The resource types the fake server serves, as data: what discovery says of each (group,
//! version, plural, singular, kind, scope, verbs, short names, categories, subresources), the
//! field labels its selectors accept, and how it is stored.
//!
//! Adding a kind is adding a variant and its row. `events.k8s.io/v1` Events are not stored on
//! their own: as in kube-apiserver, they are the core Events seen through a conversion
//! (`involvedObject` ↔ `regarding`, `message` ↔ `note`, …), so an event written through either
//! API is read through both.

use serde_json::{Map, Value};

/// A served resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Resource {
    Namespaces,
    Pods,
    Events,
    ConfigMaps,
    Services,
    PersistentVolumeClaims,
    Nodes,
    StatefulSets,
    Deployments,
    EventsV1,
    StorageClasses,
    EndpointSlices,
}

/// The discovery facts and selector fields of one resource type.
pub(crate) struct Info {
    /// `""` for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub verbs: &'static [&'static str],
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// `(name, kind, verbs)` of each subresource, e.g. `("status", "Pod", GET_PATCH_UPDATE)`.
    pub subresources: &'static [(&'static str, &'static str, &'static [&'static str])],
    /// The fields a `fieldSelector` may name (the real server's field label conversions).
    pub field_labels: &'static [&'static str],
}

const READ_WRITE: &[&str] =
    &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const GET_PATCH_UPDATE: &[&str] = &["get", "patch", "update"];
const METADATA_FIELDS: &[&str] = &["metadata.name", "metadata.namespace"];

const NAMESPACES: Info = Info {
    group: "",
    version: "v1",
    plural: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    namespaced: false,
    verbs: &["create", "delete", "get", "list", "patch", "update", "watch"],
    short_names: &["ns"],
    categories: &[],
    subresources: &[("finalize", "Namespace", &["update"]), ("status", "Namespace", GET_PATCH_UPDATE)],
    field_labels: &["metadata.name", "metadata.namespace", "status.phase"],
};

const PODS: Info = Info {
    group: "",
    version: "v1",
    plural: "pods",
    singular: "pod",
    kind: "Pod",
    namespaced: true,
    verbs: READ_WRITE,
    short_names: &["po"],
    categories: &["all"],
    subresources: &[
        ("attach", "PodAttachOptions", &["create", "get"]),
        ("exec", "PodExecOptions", &["create", "get"]),
        ("log", "Pod", &["get"]),
        ("proxy", "PodProxyOptions", &["create", "delete", "get", "patch", "update"]),
        ("status", "Pod", GET_PATCH_UPDATE),
    ],
    field_labels: &[
        "metadata.name",
        "metadata.namespace",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    ],
};

const EVENTS: Info = Info {
    group: "",
    version: "v1",
    plural: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    verbs: READ_WRITE,
    short_names: &["ev"],
    categories: &[],
    subresources: &[],
    field_labels: &[
        "metadata.name",
        "metadata.namespace",
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ],
};

const CONFIG_MAPS: Info = Info {
    group: "",
    version: "v1",
    plural: "configmaps",
    singular: "configmap",
    kind: "ConfigMap",
    namespaced: true,
    verbs: READ_WRITE,
    short_names: &["cm"],
    categories: &[],
    subresources: &[],
    field_labels: METADATA_FIELDS,
};

const SERVICES: Info = Info {
    group: "",
    version: "v1",
    plural: "services",
    singular: "service",
    kind: "Service",
    namespaced: true,
    verbs: &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    short_names: &["svc"],
    categories: &["all"],
    subresources: &[
        ("proxy", "ServiceProxyOptions", &["create", "delete", "get", "patch", "update"]),
        ("status", "Service", GET_PATCH_UPDATE),
    ],
    field_labels: METADATA_FIELDS,
};

const PERSISTENT_VOLUME_CLAIMS: Info = Info {
    group: "",
    version: "v1",
    plural: "persistentvolumeclaims",
    singular: "persistentvolumeclaim",
    kind: "PersistentVolumeClaim",
    namespaced: true,
    verbs: READ_WRITE,
    short_names: &["pvc"],
    categories: &[],
    subresources: &[("status", "PersistentVolumeClaim", GET_PATCH_UPDATE)],
    field_labels: METADATA_FIELDS,
};

const NODES: Info = Info {
    group: "",
    version: "v1",
    plural: "nodes",
    singular: "node",
    kind: "Node",
    namespaced: false,
    verbs: READ_WRITE,
    short_names: &["no"],
    categories: &[],
    subresources: &[
        ("proxy", "NodeProxyOptions", &["create", "delete", "get", "patch", "update"]),
        ("status", "Node", GET_PATCH_UPDATE),
    ],
    field_labels: &["metadata.name", "metadata.namespace", "spec.unschedulable"],
};

const STATEFUL_SETS: Info = Info {
    group: "apps",
    version: "v1",
    plural: "statefulsets",
    singular: "statefulset",
    kind: "StatefulSet",
    namespaced: true,
    verbs: READ_WRITE,
    short_names: &["sts"],
    categories: &["all"],
    subresources: &[("scale", "Scale", GET_PATCH_UPDATE), ("status", "StatefulSet", GET_PATCH_UPDATE)],
    field_labels: METADATA_FIELDS,
};

const DEPLOYMENTS: Info = Info {
    group: "apps",
    version: "v1",
    plural: "deployments",
    singular: "deployment",
    kind: "Deployment",
    namespaced: true,
    verbs: READ_WRITE,
    short_names: &["deploy"],
    categories: &["all"],
    subresources: &[("scale", "Scale", GET_PATCH_UPDATE), ("status", "Deployment", GET_PATCH_UPDATE)],
    field_labels: METADATA_FIELDS,
};

const EVENTS_V1: Info = Info {
    group: "events.k8s.io",
    version: "v1",
    plural: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    verbs: READ_WRITE,
    short_names: &["ev"],
    categories: &[],
    subresources: &[],
    field_labels: &[
        "metadata.name",
        "metadata.namespace",
        "regarding.kind",
        "regarding.namespace",
        "regarding.name",
        "regarding.uid",
        "regarding.apiVersion",
        "regarding.resourceVersion",
        "regarding.fieldPath",
        "reason",
        "reportingController",
        "source",
        "type",
    ],
};

const STORAGE_CLASSES: Info = Info {
    group: "storage.k8s.io",
    version: "v1",
    plural: "storageclasses",
    singular: "storageclass",
    kind: "StorageClass",
    namespaced: false,
    verbs: READ_WRITE,
    short_names: &["sc"],
    categories: &[],
    subresources: &[],
    field_labels: METADATA_FIELDS,
};

const ENDPOINT_SLICES: Info = Info {
    group: "discovery.k8s.io",
    version: "v1",
    plural: "endpointslices",
    singular: "endpointslice",
    kind: "EndpointSlice",
    namespaced: true,
    verbs: READ_WRITE,
    short_names: &[],
    categories: &[],
    subresources: &[],
    field_labels: METADATA_FIELDS,
};

/// The core Event fields that `events.k8s.io/v1` names differently: `(core, events.k8s.io)`.
const EVENT_RENAMES: [(&str, &str); 7] = [
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
];

impl Resource {
    pub(crate) const ALL: [Resource; 12] = [
        Self::Namespaces,
        Self::Pods,
        Self::Events,
        Self::ConfigMaps,
        Self::Services,
        Self::PersistentVolumeClaims,
        Self::Nodes,
        Self::StatefulSets,
        Self::Deployments,
        Self::EventsV1,
        Self::StorageClasses,
        Self::EndpointSlices,
    ];

    pub(crate) fn info(self) -> &'static Info {
        match self {
            Self::Namespaces => &NAMESPACES,
            Self::Pods => &PODS,
            Self::Events => &EVENTS,
            Self::ConfigMaps => &CONFIG_MAPS,
            Self::Services => &SERVICES,
            Self::PersistentVolumeClaims => &PERSISTENT_VOLUME_CLAIMS,
            Self::Nodes => &NODES,
            Self::StatefulSets => &STATEFUL_SETS,
            Self::Deployments => &DEPLOYMENTS,
            Self::EventsV1 => &EVENTS_V1,
            Self::StorageClasses => &STORAGE_CLASSES,
            Self::EndpointSlices => &ENDPOINT_SLICES,
        }
    }

    pub(crate) fn plural(self) -> &'static str {
        self.info().plural
    }

    pub(crate) fn kind(self) -> &'static str {
        self.info().kind
    }

    pub(crate) fn group(self) -> &'static str {
        self.info().group
    }

    pub(crate) fn namespaced(self) -> bool {
        self.info().namespaced
    }

    pub(crate) fn field_labels(self) -> &'static [&'static str] {
        self.info().field_labels
    }

    /// `v1` or `apps/v1`.
    pub(crate) fn api_version(self) -> String {
        let info = self.info();
        match info.group {
            "" => info.version.to_owned(),
            group => format!("{group}/{}", info.version),
        }
    }

    /// The resource as the API server names it in messages: `pods`, `statefulsets.apps`.
    pub(crate) fn qualified(self) -> String {
        match self.group() {
            "" => self.plural().to_owned(),
            group => format!("{}.{group}", self.plural()),
        }
    }

    /// Whether `GET …/NAME/{sub}` is served (it answers the object itself, as `status` does).
    pub(crate) fn has_status(self) -> bool {
        self.info().subresources.iter().any(|(name, _, _)| *name == "status")
    }

    /// The resource whose storage holds this one's objects.
    pub(crate) fn storage(self) -> Resource {
        match self {
            Self::EventsV1 => Self::Events,
            other => other,
        }
    }

    /// The resource served at `/api/{version}/{plural}` (core) or `/apis/{group}/{version}/{plural}`.
    pub(crate) fn from_path(group: &str, version: &str, plural: &str) -> Option<Resource> {
        Self::ALL.into_iter().find(|r| {
            let info = r.info();
            info.group == group && info.version == version && info.plural == plural
        })
    }

    /// The resource of an object's `apiVersion` and `kind`.
    pub(crate) fn from_type(api_version: &str, kind: &str) -> Option<Resource> {
        Self::ALL.into_iter().find(|r| r.api_version() == api_version && r.kind() == kind)
    }

    /// Whether any served resource lives at this group and version.
    pub(crate) fn serves_group_version(group: &str, version: &str) -> bool {
        Self::ALL.iter().any(|r| r.info().group == group && r.info().version == version)
    }

    /// A stored object (without `kind`/`apiVersion`) in this resource's form, still without
    /// `kind`/`apiVersion` (as a typed list's items are sent).
    pub(crate) fn convert(self, stored: &Value) -> Value {
        let mut fields = match stored {
            Value::Object(fields) => fields.clone(),
            other => return other.clone(),
        };
        fields.remove("apiVersion");
        fields.remove("kind");
        if self == Self::EventsV1 {
            fields =
                rename(fields, |key| EVENT_RENAMES.iter().find(|(core, _)| *core == key).map(|(_, v1)| *v1));
        }
        Value::Object(fields)
    }

    /// An object in this resource's form as sent on its own: `apiVersion` and `kind` first.
    pub(crate) fn with_type_meta(self, stored: &Value) -> Value {
        let mut out = Map::new();
        out.insert("apiVersion".into(), self.api_version().into());
        out.insert("kind".into(), self.kind().into());
        if let Value::Object(fields) = self.convert(stored) {
            out.extend(fields);
        }
        Value::Object(out)
    }

    /// An object written in this resource's form, in its storage's form (without type meta).
    pub(crate) fn to_storage(self, object: Value) -> Value {
        let Value::Object(mut fields) = object else {
            return object;
        };
        fields.remove("apiVersion");
        fields.remove("kind");
        if self == Self::EventsV1 {
            fields =
                rename(fields, |key| EVENT_RENAMES.iter().find(|(_, v1)| *v1 == key).map(|(core, _)| *core));
        }
        Value::Object(fields)
    }
}

fn rename(fields: Map<String, Value>, new_name: impl Fn(&str) -> Option<&'static str>) -> Map<String, Value> {
    fields
        .into_iter()
        .map(|(key, value)| match new_name(&key) {
            Some(renamed) => (renamed.to_owned(), value),
            None => (key, value),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookups() {
        assert_eq!(Resource::from_path("apps", "v1", "statefulsets"), Some(Resource::StatefulSets));
        assert_eq!(Resource::from_path("", "v1", "statefulsets"), None);
        assert_eq!(Resource::from_type("events.k8s.io/v1", "Event"), Some(Resource::EventsV1));
        assert_eq!(Resource::from_type("v1", "Event"), Some(Resource::Events));
        assert_eq!(Resource::StatefulSets.qualified(), "statefulsets.apps");
        assert_eq!(Resource::Pods.qualified(), "pods");
        assert!(Resource::serves_group_version("storage.k8s.io", "v1"));
        assert!(!Resource::serves_group_version("apps", "v1beta1"));
        for r in Resource::ALL {
            assert_eq!(Resource::from_type(&r.api_version(), r.kind()), Some(r), "{r:?}");
        }
    }

    #[test]
    fn events_v1_is_a_view_of_core_events() {
        let v1 = json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "web-1.1"},
            "regarding": {"kind": "Pod", "name": "web-1"},
            "note": "0/1 nodes are available", "reason": "FailedScheduling",
            "reportingController": "default-scheduler", "eventTime": "2026-11-20T10:00:00.000000Z",
        });
        let stored = Resource::EventsV1.to_storage(v1.clone());
        assert_eq!(stored["involvedObject"]["name"], "web-1");
        assert_eq!(stored["message"], "0/1 nodes are available");
        assert_eq!(stored["reportingComponent"], "default-scheduler");
        assert!(stored.get("kind").is_none());
        assert_eq!(Resource::EventsV1.with_type_meta(&stored), v1);
        assert_eq!(Resource::Events.with_type_meta(&stored)["apiVersion"], "v1");
    }
}
