//! The fake API server against kube-rs, the client the checker is built on: typed gets, lists,
//! logs and `Status` errors over TLS, kube-runtime's watcher through cut streams and `410
//! Gone`, and discovery and the dynamic API on kinds other than pods.

use std::time::Duration;

use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Event as CoreEvent, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::events::v1::Event as EventV1;
use kube::api::{Api, DynamicObject, GroupVersionKind, ListParams, LogParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::{self, Discovery, Scope, verbs};
use kube::runtime::watcher::{self, Event};
use kube::{Client, Config};
use serde_json::{Value, json};
use testkit::{FakeApiServer, Mode, TOKEN};

fn pod(phase: &str) -> Value {
    json!({
        "metadata": {"name": "init-demo", "namespace": "experiments",
                     "labels": {"app.kubernetes.io/part-of": "init-container-lab"}},
        "spec": {
            "initContainers": [{"name": "init-1", "image": "busybox:1.36.1"}],
            "containers": [{"name": "app", "image": "nginx:1.27.3"}],
        },
        "status": {
            "phase": phase,
            "initContainerStatuses": [{"name": "init-1", "ready": true, "restartCount": 0, "image": "busybox:1.36.1", "imageID": "",
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "image": "nginx:1.27.3", "imageID": "",
                "state": {"running": {"startedAt": "2026-11-20T10:00:12Z"}}}],
        },
    })
}

async fn client(server: &FakeApiServer, dir: &std::path::Path) -> Client {
    Client::try_from(config(server, dir).await).unwrap()
}

async fn config(server: &FakeApiServer, dir: &std::path::Path) -> Config {
    let kubeconfig = Kubeconfig::read_from(server.write_kubeconfig(dir)).unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap();
    assert_eq!(config.default_namespace, "experiments");
    config
}

#[tokio::test]
async fn kube_reads_pods_logs_events_and_errors_over_tls() {
    let server = FakeApiServer::start_tls();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&server, dir.path()).await;
    server.put_pod(pod("Running"));
    server.set_log("experiments", "init-demo", "init-1", false, "Init 1: Checking database...\n");
    server.add_event(json!({
        "involvedObject": {"kind": "Pod", "namespace": "experiments", "name": "init-demo"},
        "reason": "Started", "message": "Started container init-1", "type": "Normal",
    }));

    let version = client.apiserver_version().await.unwrap();
    assert_eq!((version.major.as_str(), version.minor.as_str()), ("1", "30"));

    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let got = pods.get("init-demo").await.unwrap();
    assert_eq!(got.metadata.name.as_deref(), Some("init-demo"));
    let status = got.status.unwrap();
    assert_eq!(status.phase.as_deref(), Some("Running"));
    assert_eq!(
        status.init_container_statuses.unwrap()[0]
            .state
            .as_ref()
            .unwrap()
            .terminated
            .as_ref()
            .unwrap()
            .exit_code,
        0
    );

    let listed = pods
        .list(&ListParams::default().labels("app.kubernetes.io/part-of=init-container-lab"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert!(listed.metadata.resource_version.is_some());
    let none = pods.list(&ListParams::default().fields("metadata.name=other")).await.unwrap();
    assert!(none.items.is_empty());
    assert!(pods.get_opt("other").await.unwrap().is_none());

    match pods.get("other").await.unwrap_err() {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 404);
            assert_eq!(status.reason, "NotFound");
            assert_eq!(status.message, "pods \"other\" not found");
        }
        other => panic!("{other:?}"),
    }

    let log = pods
        .logs("init-demo", &LogParams { container: Some("init-1".into()), ..LogParams::default() })
        .await
        .unwrap();
    assert_eq!(log, "Init 1: Checking database...\n");
    let previous = LogParams { container: Some("init-1".into()), previous: true, ..LogParams::default() };
    match pods.logs("init-demo", &previous).await.unwrap_err() {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 400);
            assert_eq!(
                status.message,
                "previous terminated container \"init-1\" in pod \"init-demo\" not found"
            );
        }
        other => panic!("{other:?}"),
    }

    let events: Api<CoreEvent> = Api::namespaced(client.clone(), "experiments");
    let listed = events.list(&ListParams::default().fields("involvedObject.name=init-demo")).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].reason.as_deref(), Some("Started"));

    server.set_mode(Mode::Forbidden);
    match pods.get("init-demo").await.unwrap_err() {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 403);
            assert!(status.is_forbidden());
        }
        other => panic!("{other:?}"),
    }
    server.set_mode(Mode::Unauthorized);
    assert!(pods.get("init-demo").await.is_err());
    server.set_mode(Mode::Garbage);
    assert!(pods.get("init-demo").await.is_err());

    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"));
    let bearer = format!("Bearer {TOKEN}");
    assert!(requests.iter().all(|r| r.authorization() == Some(bearer.as_str())));
}

async fn next<S>(stream: &mut S) -> Event<Pod>
where
    S: Stream<Item = Result<Event<Pod>, watcher::Error>> + Unpin,
{
    loop {
        let item = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("a watcher event within 10 s")
            .expect("the watcher never ends");
        match item {
            Ok(event) => return event,
            // Cut streams surface as errors; the watcher resumes on the next poll.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn phase(pod: &Pod) -> &str {
    pod.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("")
}

#[tokio::test]
async fn kube_runtime_watcher_follows_changes_through_cuts_and_410() {
    let server = FakeApiServer::start();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&server, dir.path()).await;
    server.put_pod(pod("Pending"));
    let pods: Api<Pod> = Api::namespaced(client, "experiments");
    let mut events =
        watcher::watcher(pods, watcher::Config::default().fields("metadata.name=init-demo")).boxed();

    assert!(matches!(next(&mut events).await, Event::Init));
    assert!(matches!(next(&mut events).await, Event::InitApply(p) if phase(&p) == "Pending"));
    assert!(matches!(next(&mut events).await, Event::InitDone));

    server.put_pod(pod("Running"));
    assert!(matches!(next(&mut events).await, Event::Apply(p) if phase(&p) == "Running"));

    // Every watch is cut after one event: the watcher resumes from its last resourceVersion
    // and misses nothing.
    server.set_mode(Mode::DropWatchAfter(1));
    server.put_pod(pod("Succeeded"));
    assert!(matches!(next(&mut events).await, Event::Apply(p) if phase(&p) == "Succeeded"));
    server.put_pod(pod("Failed"));
    assert!(matches!(next(&mut events).await, Event::Apply(p) if phase(&p) == "Failed"));

    // A change the watcher does not see (another pod), then compaction: its resourceVersion is
    // now too old, the resumed watch gets 410 Gone, and the watcher lists again.
    let mut other = pod("Running");
    other["metadata"]["name"] = "other".into();
    server.put_pod(other);
    server.compact();
    server.put_pod(pod("Running"));
    server.set_mode(Mode::Normal);
    let mut relisted = false;
    loop {
        match next(&mut events).await {
            Event::Init => relisted = true,
            Event::InitApply(p) | Event::Apply(p) if phase(&p) == "Running" => {}
            Event::InitDone => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(relisted);
    assert!(server.requests().iter().any(|r| r.is_watch()));

    assert!(server.delete_pod("experiments", "init-demo"));
    assert!(matches!(next(&mut events).await, Event::Delete(_)));
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

/// nginx's own page for a directory without an index file (`autoindex off`).
const NGINX_403: &str = "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n";

/// The status, content type and body of one raw GET, as a client of the proxy sees them.
async fn raw_get(client: &Client, path: &str) -> (u16, String, String) {
    use http_body_util::BodyExt;
    let request = http::Request::get(path).body(kube::client::Body::empty()).unwrap();
    let response = client.send(request).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, content_type, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn the_pod_proxy_passes_the_pods_answer_on_and_the_authorizer_refuses_with_a_status() {
    let server = FakeApiServer::start();
    let dir = tempfile::tempdir().unwrap();
    // Without kube's retries of a 503 (the checker turns them off too).
    let mut config = config(&server, dir.path()).await;
    config.default_retry = false;
    let client = Client::try_from(config).unwrap();
    server.put_pod(pod("Running"));
    let proxy = "/api/v1/namespaces/experiments/pods/init-demo/proxy/";

    // Nothing listens: the API server's own Status.
    let (status, content_type, body) = raw_get(&client, proxy).await;
    assert_eq!((status, content_type.as_str()), (503, "application/json"));
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["kind"], "Status");
    assert_eq!(body["reason"], "ServiceUnavailable");

    // The pod's own 403: its status, its content type, its HTML, unchanged.
    server.set_proxy("experiments", "init-demo", 403, NGINX_403);
    assert_eq!(raw_get(&client, proxy).await, (403, "text/html".to_owned(), NGINX_403.to_owned()));
    server.set_proxy_typed("experiments", "init-demo", 404, "application/json", "{\"error\":\"no page\"}");
    assert_eq!(
        raw_get(&client, proxy).await,
        (404, "application/json".to_owned(), "{\"error\":\"no page\"}".to_owned())
    );

    // A Role without pods/proxy: the authorizer's Status, while the pod itself stays readable.
    server.forbid("", "pods/proxy");
    let (status, content_type, body) = raw_get(&client, proxy).await;
    assert_eq!((status, content_type.as_str()), (403, "application/json"));
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((body["kind"].as_str(), body["reason"].as_str()), (Some("Status"), Some("Forbidden")));
    assert_eq!(
        body["message"],
        "pods \"init-demo\" is forbidden: User \"learner\" cannot get resource \"pods/proxy\" in API group \"\" in the namespace \"experiments\""
    );
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    assert!(pods.get("init-demo").await.is_ok(), "only pods/proxy is denied");
}

/// The test lab's cluster (tests/fixtures/labs/objects/cluster) on a server.
fn put_lab_cluster(server: &FakeApiServer) {
    for name in [
        "statefulset-web",
        "service-web",
        "service-web-public",
        "pod-web-0",
        "pod-web-1",
        "pvc-data-web-0",
        "event-web-2-failed-scheduling",
    ] {
        let path = testkit::fixtures_dir().join(format!("labs/objects/cluster/{name}.yaml"));
        server.put_object(serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap());
    }
}

#[tokio::test]
async fn kube_discovery_and_the_dynamic_api_read_any_kind() {
    let server = FakeApiServer::start_tls();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&server, dir.path()).await;
    put_lab_cluster(&server);

    // The whole discovery (legacy documents: /api, /apis, then each group version).
    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    let (sts, caps) = discovery.resolve_gvk(&GroupVersionKind::gvk("apps", "v1", "StatefulSet")).unwrap();
    assert_eq!((sts.plural.as_str(), caps.scope.clone()), ("statefulsets", Scope::Namespaced));
    assert!(caps.supports_operation(verbs::WATCH));
    assert!(caps.subresources.iter().any(|(sub, _)| sub.plural == "status"));
    let (_, caps) = discovery.resolve_gvk(&GroupVersionKind::gvk("", "v1", "Node")).unwrap();
    assert_eq!(caps.scope, Scope::Cluster);
    assert!(discovery.resolve_gvk(&GroupVersionKind::gvk("storage.k8s.io", "v1", "StorageClass")).is_some());
    assert!(discovery.resolve_gvk(&GroupVersionKind::gvk("batch", "v1", "Job")).is_none());

    // One group version: one request.
    server.clear_requests();
    let (events, _) = discovery::pinned_kind(&client, &GroupVersionKind::gvk("events.k8s.io", "v1", "Event"))
        .await
        .unwrap();
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/apis/events.k8s.io/v1"]);
    match discovery::pinned_kind(&client, &GroupVersionKind::gvk("apps", "v1beta2", "StatefulSet")).await {
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 404),
        other => panic!("{other:?}"),
    }

    let dynamic: Api<DynamicObject> = Api::namespaced_with(client.clone(), "objects-lab", &sts);
    let web = dynamic.get("web").await.unwrap();
    assert_eq!(web.data["spec"]["replicas"], 2);
    match dynamic.get("db").await.unwrap_err() {
        kube::Error::Api(status) => {
            assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"));
            assert_eq!(status.message, "statefulsets.apps \"db\" not found");
            let details = status.details.unwrap();
            assert_eq!(
                (details.group.as_str(), details.kind.as_str(), details.name.as_str()),
                ("apps", "statefulsets", "db")
            );
        }
        other => panic!("{other:?}"),
    }
    let events: Api<DynamicObject> = Api::namespaced_with(client.clone(), "objects-lab", &events);
    let listed = events.list(&ListParams::default().fields("regarding.name=web-2")).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].data["reason"], "FailedScheduling");

    // The typed APIs deserialize what is served: the fixtures are real wire format.
    let typed: Api<StatefulSet> = Api::namespaced(client.clone(), "objects-lab");
    assert_eq!(typed.get("web").await.unwrap().status.unwrap().ready_replicas, Some(2));
    let services: Api<Service> = Api::namespaced(client.clone(), "objects-lab");
    let labelled = ListParams::default().labels("app.kubernetes.io/part-of=objects-lab");
    assert_eq!(services.list(&labelled).await.unwrap().items.len(), 2);
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), "objects-lab");
    assert_eq!(claims.get("data-web-0").await.unwrap().status.unwrap().phase.as_deref(), Some("Bound"));
    let v1_events: Api<EventV1> = Api::namespaced(client.clone(), "objects-lab");
    let scheduler = &v1_events.list(&ListParams::default()).await.unwrap().items[0];
    assert_eq!(scheduler.reporting_controller.as_deref(), Some("default-scheduler"));
    let core_events: Api<CoreEvent> = Api::namespaced(client.clone(), "objects-lab");
    let core = &core_events.list(&ListParams::default()).await.unwrap().items[0];
    assert_eq!(core.involved_object.name.as_deref(), Some("web-2"));
    assert_eq!(core.series.as_ref().and_then(|s| s.count), Some(3));

    // A resource the authorizer denies: 403, with the group in the message and details.
    server.forbid("apps", "statefulsets");
    match typed.list(&ListParams::default()).await.unwrap_err() {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 403);
            assert!(status.message.contains("in API group \"apps\""), "{}", status.message);
        }
        other => panic!("{other:?}"),
    }
    assert!(services.get("web").await.is_ok());
}

#[tokio::test]
async fn kube_runtime_watcher_follows_a_dynamic_kind() {
    let server = FakeApiServer::start();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&server, dir.path()).await;
    put_lab_cluster(&server);
    let (sts, _) =
        discovery::pinned_kind(&client, &GroupVersionKind::gvk("apps", "v1", "StatefulSet")).await.unwrap();
    let api: Api<DynamicObject> = Api::namespaced_with(client, "objects-lab", &sts);
    let mut events = watcher::watcher(api, watcher::Config::default().fields("metadata.name=web")).boxed();
    let ready = |event: &Event<DynamicObject>| match event {
        Event::InitApply(o) | Event::Apply(o) => o.data["status"]["readyReplicas"].as_i64(),
        _ => None,
    };
    assert!(matches!(next_of(&mut events).await, Event::Init));
    assert_eq!(ready(&next_of(&mut events).await), Some(2));
    assert!(matches!(next_of(&mut events).await, Event::InitDone));
    let mut web = server.object("apps/v1", "StatefulSet", "objects-lab", "web").unwrap();
    web["status"]["readyReplicas"] = 1.into();
    server.put_object(web);
    assert_eq!(ready(&next_of(&mut events).await), Some(1));
    assert!(server.delete_object("apps/v1", "StatefulSet", "objects-lab", "web"));
    assert!(matches!(next_of(&mut events).await, Event::Delete(_)));
}

async fn next_of<S, K>(stream: &mut S) -> Event<K>
where
    S: Stream<Item = Result<Event<K>, watcher::Error>> + Unpin,
{
    let item =
        tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("an event within 10 s");
    item.expect("the watcher never ends").expect("no error")
}
