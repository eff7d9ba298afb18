//! Test doubles and helpers for the end-to-end tests.
//!
//! The centrepiece is [`FakeApiServer`], a test double of the Kubernetes API server (not of our
//! code): it listens on 127.0.0.1, serves real wire-format objects at the real API paths, and is
//! driven synchronously by the test (`put_pod`, `set_log`, `set_mode`, …) while the real
//! `checker` binary and the real `kubectl` talk to it through [`FakeApiServer::write_kubeconfig`].
//!
//! - `server`: the handle, the modes, recorded requests; the thread and its Tokio runtime.
//! - `api`: routing, modes, get/list; `watch`, `logs`: streaming answers; `table`: server-side
//!   printing for `kubectl get`; `discovery`: `/version`, `/api`, `/apis`, `/api/v1`.
//! - `cluster`: the state; `selector`: label and field selectors; `status`: `Status` errors.
//! - `tls`: generated CA and leaf; `kubeconfig`; `fixtures`; `kubectl`: running the real one.

mod api;
mod cluster;
mod discovery;
mod fixtures;
mod kubeconfig;
mod kubectl;
mod logs;
mod query;
mod selector;
mod server;
mod status;
mod table;
mod tls;
mod watch;

pub use cluster::DEFAULT_NAMESPACE;
pub use discovery::DEFAULT_SERVER_VERSION;
pub use fixtures::{fixtures_dir, pod_fixture};
pub use kubeconfig::TOKEN;
pub use kubectl::{KUBECTL, kubectl, kubectl_at};
pub use server::{FakeApiServer, Mode, RecordedRequest};

/// The user of the generated kubeconfig, as named in `Forbidden` messages.
pub const USER: &str = status::USER;
