//! The repository's test fixtures (`tests/fixtures`).

use std::path::PathBuf;

use serde_json::Value;

/// The repository's `tests/fixtures` folder.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/testkit has a parent").join("fixtures")
}

/// `tests/fixtures/pods/{name}.yaml` as JSON, e.g. `pod_fixture("init-demo-running")`.
pub fn pod_fixture(name: &str) -> Value {
    let path = fixtures_dir().join("pods").join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the fixture {}: {e}", path.display()));
    serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("the fixture {} is not valid YAML: {e}", path.display()))
}
