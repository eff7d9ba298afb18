//! Test doubles and helpers for the end-to-end tests.
//!
//! The centrepiece is [`FakeApiServer`], a test double of the Kubernetes API server (not of our
//! code): it listens on 127.0.0.1, serves real wire-format objects at the real API paths, and is
//! driven synchronously by the test (`put_object`, `put_pod`, `set_log`, `set_mode`, …) while the
//! real `checker` binary and the real `kubectl` talk to it through
//! [`FakeApiServer::write_kubeconfig`].
//!
//! - `server`: the handle, the modes, recorded requests; the thread and its Tokio runtime.
//! - `resources`: the kinds served (core pods, events, services, PVCs, configmaps, nodes,
//!   namespaces; `apps/v1` statefulsets and deployments; `events.k8s.io/v1` events;
//!   `storage.k8s.io/v1` storageclasses; `discovery.k8s.io/v1` endpointslices), as a table of
//!   discovery facts.
//! - `api`: routing, modes, get/list; `watch`, `logs`: streaming answers; `table`, `printers`:
//!   server-side printing for `kubectl get`; `discovery`: `/version`, `/api`, `/apis`, the group
//!   and group-version documents.
//! - `cluster`: the state; `selector`: label and field selectors; `status`: `Status` errors.
//! - `tls`: generated CA and leaf; `kubeconfig`; `fixtures`; `kubectl`: running the real one.
//! - `proxy`: [`FakeProxy`], an HTTP `CONNECT` and SOCKS5 proxy that tunnels to loopback only.

mod api;
mod cluster;
mod discovery;
mod fixtures;
mod kubeconfig;
mod kubectl;
mod logs;
mod printers;
mod proxy;
mod query;
mod resources;
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
pub use kubectl::{KUBECTL, kubectl, kubectl_at, kubectl_with_env};
pub use proxy::{FakeProxy, ProxyProtocol, ProxyRequest};
pub use server::{FakeApiServer, Mode, RecordedRequest};

/// A name for the fake API server as a remote cluster that only a [`FakeProxy`] can reach (the
/// `.invalid` top-level domain never resolves): its TLS certificate holds this name too, so a
/// client can be pointed at `https://cluster.lab.invalid:PORT` through the proxy.
pub const REMOTE_HOST: &str = "cluster.lab.invalid";

/// The user of the generated kubeconfig, as named in `Forbidden` messages.
pub const USER: &str = status::USER;
