//! The lab against a real cluster (kind, minikube, k3d, ...): applies the lab's manifests with
//! kube-rs, waits for each step with `checker step N --wait`, and cleans up.
//!
//! `#[ignore]`d (cargo lists it as ignored, "needs a cluster"); it runs when asked for with
//! `--ignored` and `CHECKER_REAL_KUBECONFIG` names a kubeconfig, and fails when the variable is
//! missing (asked for and not run is not a pass):
//!
//! `CHECKER_REAL_KUBECONFIG=~/.kube/config cargo test -p checker --test real_cluster -- --ignored --nocapture`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

const NAMESPACE: &str = "experiments";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

async fn client(kubeconfig: &Path) -> Client {
    let config = Config::from_custom_kubeconfig(
        Kubeconfig::read_from(kubeconfig).unwrap(),
        &KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    Client::try_from(config).unwrap()
}

/// Server-side applies every Namespace and Pod of a manifest (what `kubectl apply` would do).
async fn apply(client: &Client, manifest: &str) {
    let text = std::fs::read_to_string(repo().join(manifest)).unwrap();
    let params = PatchParams::apply("checker-real-cluster-test").force();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let value: serde_json::Value = serde::Deserialize::deserialize(doc).unwrap();
        let name = value["metadata"]["name"].as_str().unwrap().to_string();
        match value["kind"].as_str() {
            Some("Namespace") => {
                Api::<Namespace>::all(client.clone())
                    .patch(&name, &params, &Patch::Apply(&value))
                    .await
                    .unwrap();
            }
            Some("Pod") => {
                let api = Api::<Pod>::namespaced(client.clone(), NAMESPACE);
                api.patch(&name, &params, &Patch::Apply(&value)).await.unwrap();
            }
            other => panic!("unexpected kind {other:?} in {manifest}"),
        }
    }
}

fn checker(kubeconfig: &Path, args: &[&str]) -> i32 {
    let status = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .env("CHECKER_STATE_DIR", std::env::temp_dir().join("checker-real-cluster-state"))
        .status()
        .unwrap();
    status.code().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a cluster"]
async fn the_whole_lab_on_a_real_cluster() {
    let Some(kubeconfig) = std::env::var_os("CHECKER_REAL_KUBECONFIG").map(PathBuf::from) else {
        panic!("set CHECKER_REAL_KUBECONFIG to the kubeconfig of a real cluster to run this test");
    };
    let client = client(&kubeconfig).await;
    let pods = Api::<Pod>::namespaced(client.clone(), NAMESPACE);

    apply(&client, "manifests/init-container.yaml").await;
    assert_eq!(checker(&kubeconfig, &["step", "1", "--wait", "3m"]), 0, "step 1");
    assert_eq!(checker(&kubeconfig, &["step", "2", "--wait", "1m"]), 0, "step 2");

    apply(&client, "manifests/init-container-fail.yaml").await;
    assert_eq!(checker(&kubeconfig, &["step", "3", "--wait", "3m"]), 0, "step 3");

    for name in ["init-demo", "init-demo-fail"] {
        let _ = pods.delete(name, &DeleteParams::default().grace_period(0)).await;
    }
    assert_eq!(checker(&kubeconfig, &["step", "6", "--wait", "2m"]), 0, "step 6");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
