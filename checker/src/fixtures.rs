//! Test support: the Pod fixtures of `tests/fixtures/pods/` and the test lab of
//! `tests/fixtures/labs/objects/`, and the other objects of experiment 1.2 (`tests/fixtures/cluster/`),
//! in real wire format.

use k8s_openapi::api::core::v1::Pod;

/// The pod in `tests/fixtures/pods/{name}.yaml`.
pub fn pod(name: &str) -> Pod {
    let path = format!("{}/../tests/fixtures/pods/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: not a Pod: {e}"))
}

/// The test lab for the checks on objects of any kind: `tests/fixtures/labs/objects/lab.yaml`.
pub fn objects_lab() -> lab_spec::LabSpec {
    let path = format!("{}/../tests/fixtures/labs/objects/lab.yaml", env!("CARGO_MANIFEST_DIR"));
    lab_spec::LabSpec::load(std::path::Path::new(&path)).unwrap_or_else(|e| panic!("{e}"))
}

/// An object of the test lab's cluster, `tests/fixtures/labs/objects/cluster/{name}.yaml`.
pub fn object(name: &str) -> serde_json::Value {
    let path = format!("{}/../tests/fixtures/labs/objects/cluster/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An object of experiment 1.2 other than a pod (events, the Service, the node):
/// `tests/fixtures/cluster/{name}.yaml`.
pub fn cluster(name: &str) -> serde_json::Value {
    let path = format!("{}/../tests/fixtures/cluster/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A text fixture of experiment 1.2, `tests/fixtures/cluster/{name}` (a container's log).
pub fn cluster_text(name: &str) -> String {
    let path = format!("{}/../tests/fixtures/cluster/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An object of experiment 2.1's cluster, `tests/fixtures/labs/statefulset/cluster/{name}.yaml`.
pub fn statefulset_object(name: &str) -> serde_json::Value {
    let path =
        format!("{}/../tests/fixtures/labs/statefulset/cluster/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}
