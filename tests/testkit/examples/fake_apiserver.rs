//! Runs the fake API server by hand, to poke at it with kubectl or the checker:
//!
//! ```sh
//! cargo run -p testkit --example fake_apiserver -- [--tls] [DIR] [MANIFEST.yaml…]
//! kubectl --kubeconfig DIR/kubeconfig get pods
//! ```
//!
//! Writes `DIR/kubeconfig` (default: a temporary folder), puts the given manifests (default:
//! the lab's `manifests/init-container.yaml`), and serves until stdin closes or Enter is pressed.

use std::path::PathBuf;

use testkit::{FakeApiServer, fixtures_dir};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let tls = args.iter().any(|a| a == "--tls");
    args.retain(|a| a != "--tls");
    let server = if tls { FakeApiServer::start_tls() } else { FakeApiServer::start() };
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let dir = match args.first().filter(|a| !a.ends_with(".yaml")) {
        Some(dir) => PathBuf::from(dir),
        None => scratch.path().to_owned(),
    };
    let manifests: Vec<PathBuf> = args.iter().filter(|a| a.ends_with(".yaml")).map(PathBuf::from).collect();
    if manifests.is_empty() {
        let lab = fixtures_dir().join("../../manifests/init-container.yaml");
        server.put_pod_file(lab);
    }
    for manifest in manifests {
        server.put_pod_file(manifest);
    }
    let kubeconfig = server.write_kubeconfig(&dir);
    println!("fake apiserver at {}", server.url());
    println!("kubeconfig: {}", kubeconfig.display());
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}
