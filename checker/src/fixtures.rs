//! Test support: the Pod fixtures of `tests/fixtures/pods/`, in real wire format.

use k8s_openapi::api::core::v1::Pod;

/// The pod in `tests/fixtures/pods/{name}.yaml`.
pub fn pod(name: &str) -> Pod {
    let path = format!("{}/../tests/fixtures/pods/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: not a Pod: {e}"))
}
