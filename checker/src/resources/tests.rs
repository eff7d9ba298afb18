use serde_json::json;

use super::*;
use crate::fixtures::pod as fixture;

fn amount(text: &str) -> Amount {
    Amount::parse(text).unwrap_or_else(|| panic!("{text} does not parse"))
}

#[test]
fn quantities_parse_exactly() {
    assert_eq!(amount("1").millis(), 1000);
    assert_eq!(amount("250m").millis(), 250);
    assert_eq!(amount("0.5").millis(), 500);
    assert_eq!(amount(".5").millis(), 500);
    assert_eq!(amount("1.").millis(), 1000);
    assert_eq!(amount("+2").millis(), 2000);
    assert_eq!(amount("1e3").units(), 1000);
    assert_eq!(amount("1E3").units(), 1000);
    assert_eq!(amount("1E").units(), 1_000_000_000_000_000_000, "a lone E is exa");
    assert_eq!(amount("1k").units(), 1000);
    assert_eq!(amount("64Mi").units(), 64 << 20);
    assert_eq!(amount("1.5Gi").units(), 3 << 29);
    assert_eq!(amount("16318588Ki").units(), 16_318_588 * 1024);
    assert_eq!(amount("2G").units(), 2_000_000_000);
    assert_eq!(amount("100u").millis(), 1, "rounded up, as MilliValue does");
    assert_eq!(amount("1n").units(), 1, "rounded up, as Value does");
    assert_eq!(amount("0.0000000001").0, 1, "finer than nano rounds up to one nano");
    assert_eq!(amount("-1").millis(), -1000);
    assert!(amount("1000") > amount("8"));
    assert_eq!(amount("500m"), amount("0.5"));
    for bad in ["", "m", "Mi", "1.2.3", "1x", "1 Mi", "1e", "1e1000", "1Mi3", "0x10", "1ee3", &"9".repeat(65)]
    {
        assert_eq!(Amount::parse(bad), None, "{bad:?}");
    }
    assert_eq!(Amount::parse(&"9".repeat(60)), None, "too large for the exact form");
}

#[test]
fn quantities_show_as_kubectl_would_read_them() {
    assert_eq!(amount("1000").show("cpu"), "1000");
    assert_eq!(amount("1k").show("cpu"), "1000");
    assert_eq!(amount("0.25").show("cpu"), "250m");
    assert_eq!(amount("100u").show("cpu"), "1m");
    assert_eq!(amount("64Mi").show("memory"), "64Mi");
    assert_eq!(amount("65536Ki").show("memory"), "64Mi");
    assert_eq!(amount("16318588Ki").show("memory"), "16318588Ki");
    assert_eq!(amount("1G").show("memory"), "1G");
    assert_eq!(amount("1000").show("memory"), "1k");
    assert_eq!(amount("1001").show("memory"), "1001");
    assert_eq!(amount("0").show("memory"), "0");
    assert_eq!(amount("2Gi").show("hugepages-2Mi"), "2Gi");
    assert_eq!(amount("110").show("pods"), "110");
    assert_eq!(amount("1024").show("nvidia.com/gpu"), "1024", "counts are not bytes");
}

/// A pod of the given init containers and containers: `(name, sidecar, requests, limits)`.
fn pod(inits: &[(&str, bool, &str, &str)], apps: &[(&str, &str, &str)]) -> Pod {
    let list = |text: &str| -> Value {
        let mut map = serde_json::Map::new();
        for pair in text.split(',').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap();
            map.insert(name.to_string(), json!(value));
        }
        Value::Object(map)
    };
    let resources = |req: &str, lim: &str| json!({"requests": list(req), "limits": list(lim)});
    let init: Vec<Value> = inits
        .iter()
        .map(|(name, sidecar, req, lim)| {
            let mut c = json!({"name": name, "image": "busybox:1.36.1", "resources": resources(req, lim)});
            if *sidecar {
                c["restartPolicy"] = json!("Always");
            }
            c
        })
        .collect();
    let apps: Vec<Value> = apps
        .iter()
        .map(|(name, req, lim)| json!({"name": name, "image": "nginx:1.27.3", "resources": resources(req, lim)}))
        .collect();
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"initContainers": init, "containers": apps}
    }))
    .unwrap()
}

fn shown(amounts: &Amounts) -> Vec<(String, String)> {
    amounts.0.iter().map(|(n, a)| (n.clone(), a.show(n))).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn the_larger_of_the_init_peak_and_the_app_sum() {
    // The book's example (关键学习点): init-1 500m/64Mi, init-2 200m/256Mi, app 250m/128Mi.
    let p = pod(
        &[("init-1", false, "cpu=500m,memory=64Mi", ""), ("init-2", false, "cpu=200m,memory=256Mi", "")],
        &[("app", "cpu=250m,memory=128Mi", "")],
    );
    let r = pod_resources(&p).unwrap();
    assert_eq!(shown(&r.init.requests), pairs(&[("cpu", "500m"), ("memory", "256Mi")]));
    assert_eq!(shown(&r.app.requests), pairs(&[("cpu", "250m"), ("memory", "128Mi")]));
    assert_eq!(shown(&r.effective.requests), pairs(&[("cpu", "500m"), ("memory", "256Mi")]));
    assert_eq!(r.init_peak["cpu"], "init-1");
    assert_eq!(r.init_peak["memory"], "init-2");
    assert!(r.effective.limits.is_empty());
    let roles: Vec<Role> = r.containers.iter().map(|c| c.role).collect();
    assert_eq!(roles, [Role::Init, Role::Init, Role::App]);
}

#[test]
fn sidecars_count_in_both_phases() {
    // The book's sidecar example: a 100m sidecar before init-1 and init-2.
    let p = pod(
        &[
            ("proxy", true, "cpu=100m", ""),
            ("init-1", false, "cpu=500m", ""),
            ("init-2", false, "cpu=200m", ""),
        ],
        &[("app", "cpu=250m", "")],
    );
    let r = pod_resources(&p).unwrap();
    assert_eq!(r.init.requests.get("cpu"), Some(amount("600m")), "init-1 runs beside the sidecar");
    assert_eq!(r.init_peak["cpu"], "init-1");
    assert_eq!(r.app.requests.get("cpu"), Some(amount("350m")), "the sidecar keeps running");
    assert_eq!(r.effective.requests.get("cpu"), Some(amount("600m")));

    // A sidecar after an init container does not run beside it.
    let p = pod(
        &[("init-1", false, "cpu=500m", ""), ("proxy", true, "cpu=100m", "")],
        &[("app", "cpu=250m", "")],
    );
    let r = pod_resources(&p).unwrap();
    assert_eq!(r.init.requests.get("cpu"), Some(amount("500m")));
    assert_eq!(r.effective.requests.get("cpu"), Some(amount("500m")));
    assert_eq!(r.app.requests.get("cpu"), Some(amount("350m")));

    // Two sidecars: the second one's use is both.
    let p = pod(&[("a", true, "cpu=300m", ""), ("b", true, "cpu=300m", "")], &[("app", "cpu=100m", "")]);
    let r = pod_resources(&p).unwrap();
    assert_eq!(r.init.requests.get("cpu"), Some(amount("600m")));
    assert_eq!(r.init_peak["cpu"], "b");
    assert_eq!(r.effective.requests.get("cpu"), Some(amount("700m")));
}

#[test]
fn a_resource_only_one_side_requests_still_counts() {
    let p = pod(&[("init", false, "ephemeral-storage=1Gi", "")], &[("app", "cpu=100m", "")]);
    let r = pod_resources(&p).unwrap();
    assert_eq!(shown(&r.effective.requests), pairs(&[("cpu", "100m"), ("ephemeral-storage", "1Gi")]));
    assert_eq!(Amounts::names(&[&r.effective.requests, &r.effective.limits]), ["cpu", "ephemeral-storage"]);
}

#[test]
fn overhead_and_pod_level_resources() {
    let mut p = pod(&[("init", false, "cpu=2", "cpu=2")], &[("app", "cpu=100m,memory=64Mi", "memory=64Mi")]);
    let spec = p.spec.as_mut().unwrap();
    spec.overhead = Some(
        [("cpu".to_string(), Quantity("250m".into())), ("memory".into(), Quantity("120Mi".into()))].into(),
    );
    let r = pod_resources(&p).unwrap();
    assert_eq!(shown(&r.effective.requests), pairs(&[("cpu", "2250m"), ("memory", "184Mi")]));
    assert_eq!(
        shown(&r.effective.limits),
        pairs(&[("cpu", "2250m"), ("memory", "184Mi")]),
        "added to limits that are set"
    );

    let mut p = pod(&[], &[("app", "cpu=100m", "")]);
    p.spec.as_mut().unwrap().overhead = Some([("memory".to_string(), Quantity("120Mi".into()))].into());
    let r = pod_resources(&p).unwrap();
    assert!(r.effective.limits.get("memory").is_none(), "no limit, no overhead on it");

    // Pod-level requests replace the containers' total for cpu and memory, not for others.
    let mut p = pod(&[("init", false, "cpu=2,ephemeral-storage=1Gi", "")], &[("app", "cpu=100m", "")]);
    p.spec.as_mut().unwrap().resources = Some(
        serde_json::from_value(
            json!({"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "1Gi"}}),
        )
        .unwrap(),
    );
    let r = pod_resources(&p).unwrap();
    assert_eq!(
        shown(&r.effective.requests),
        pairs(&[("cpu", "1"), ("ephemeral-storage", "1Gi"), ("memory", "1Gi")])
    );
    assert_eq!(r.qos.class, "Burstable");
    assert_eq!(r.qos.why, QosWhy::PodLevel);
}

#[test]
fn qos_counts_init_containers() {
    // The book's init-demo-qos: the app's requests equal its limits, the init container sets none.
    let p = pod(&[("setup", false, "", "")], &[("app", "cpu=100m,memory=64Mi", "cpu=100m,memory=64Mi")]);
    let r = pod_resources(&p).unwrap();
    assert_eq!(r.qos.class, "Burstable");
    assert_eq!(
        r.qos.why,
        QosWhy::LimitsMissing { containers: vec![ContainerRef { name: "setup".into(), role: Role::Init }] }
    );

    // With the init container's limits equal to its requests: Guaranteed.
    let p = pod(
        &[("setup", false, "cpu=50m,memory=16Mi", "cpu=50m,memory=16Mi")],
        &[("app", "cpu=100m,memory=64Mi", "cpu=100m,memory=64Mi")],
    );
    assert_eq!(pod_resources(&p).unwrap().qos.class, "Guaranteed");
    assert_eq!(pod_resources(&p).unwrap().qos.why, QosWhy::AllEqual);

    // Only a cpu limit on the init container is not enough.
    let p =
        pod(&[("setup", false, "", "cpu=50m")], &[("app", "cpu=100m,memory=64Mi", "cpu=100m,memory=64Mi")]);
    assert_eq!(pod_resources(&p).unwrap().qos.class, "Burstable");

    // Limits everywhere, a request below its limit.
    let p = pod(&[], &[("app", "cpu=50m,memory=64Mi", "cpu=100m,memory=64Mi")]);
    let r = pod_resources(&p).unwrap();
    assert_eq!(
        (r.qos.class.as_str(), r.qos.why),
        ("Burstable", QosWhy::RequestsBelowLimits { resource: "cpu".into() })
    );

    // Requests of other resources do not count for QoS; zero does not count either.
    let p = pod(&[("setup", false, "ephemeral-storage=1Gi", "")], &[("app", "cpu=0", "")]);
    let r = pod_resources(&p).unwrap();
    assert_eq!((r.qos.class.as_str(), r.qos.why), ("BestEffort", QosWhy::NothingSet));
}

#[test]
fn pods_without_resources_have_no_table() {
    assert!(pod_resources(&fixture("init-demo-running")).is_none());
    assert!(!declares(&fixture("sidecar-demo-running")));
    assert!(pod_resources(&pod(&[("setup", false, "", "")], &[("app", "", "")])).is_none());
}

#[test]
fn nodes_and_what_they_cannot_hold() {
    let node = json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "kind-control-plane", "labels": {"kubernetes.io/hostname": "kind-control-plane"}},
        "spec": {"podCIDR": "10.244.0.0/24"},
        "status": {"allocatable": {"cpu": "8", "memory": "16318588Ki", "pods": "110", "ephemeral-storage": "959786032Ki"},
                   "images": [{"names": ["docker.io/library/busybox:1.36.1"], "sizeBytes": 2_231_050}]}
    });
    let n = NodeAllocatable::from_object(&node).unwrap();
    assert_eq!(n.name, "kind-control-plane");
    assert!(!n.unschedulable);
    let p = pod(&[("prepare", false, "cpu=1000,memory=16Mi", "")], &[("app", "cpu=50m,memory=32Mi", "")]);
    let r = pod_resources(&p).unwrap();
    let short = n.short_of(&r.effective.requests);
    assert_eq!(short, [("cpu".to_string(), amount("1000"), amount("8"))]);
    let fixed = pod(&[("prepare", false, "cpu=100m,memory=16Mi", "")], &[("app", "cpu=50m,memory=32Mi", "")]);
    assert!(n.short_of(&pod_resources(&fixed).unwrap().effective.requests).is_empty());
    let gpu = pod(&[], &[("app", "nvidia.com/gpu=1", "nvidia.com/gpu=1")]);
    assert_eq!(n.short_of(&pod_resources(&gpu).unwrap().effective.requests)[0].0, "nvidia.com/gpu");

    let trimmed = trim_node(&node);
    assert_eq!(trimmed["status"]["allocatable"]["cpu"], "8");
    assert!(trimmed.pointer("/status/images").is_none() && trimmed.get("spec").is_none());
    assert_eq!(NodeAllocatable::from_object(&trimmed), Some(n));
    let mut cordoned = node.clone();
    cordoned["spec"]["unschedulable"] = json!(true);
    assert!(NodeAllocatable::from_object(&trim_node(&cordoned)).unwrap().unschedulable);
    assert!(NodeAllocatable::from_object(&json!({"kind": "Node"})).is_none());
}

#[test]
fn the_json_shows_quantities_as_the_api_does() {
    let p = pod(&[("prepare", false, "cpu=1000,memory=16Mi", "")], &[("app", "cpu=50m,memory=32Mi", "")]);
    let json = serde_json::to_value(pod_resources(&p).unwrap()).unwrap();
    assert_eq!(json["effective"]["requests"], json!({"cpu": "1000", "memory": "32Mi"}));
    assert_eq!(json["containers"][0]["role"], "init");
    assert_eq!(json["init_peak"]["cpu"], "prepare");
    assert_eq!(json["qos"]["class"], "Burstable");
    assert_eq!(json["qos"]["why"]["rule"], "limits-missing");
    assert!(json.get("overhead").is_none() && json.get("pod_level").is_none());
}

#[test]
fn the_qos_class_is_explained_in_both_languages() {
    let p = pod(&[("prepare", false, "cpu=1000", "")], &[("app", "cpu=50m", "")]);
    let qos = pod_resources(&p).unwrap().qos;
    assert_eq!(
        qos.explain(Lang::En),
        "Not Guaranteed: container app and init container prepare do not set both a cpu and a memory limit (init containers count too)."
    );
    assert_eq!(
        qos.explain(Lang::Zh),
        "不是 Guaranteed：容器 app、Init Container prepare 没有同时设置 cpu 和 memory 上限（Init Container 也算在内）。"
    );
    let with_sidecar = pod(
        &[("prepare", false, "cpu=10m", "cpu=10m,memory=8Mi"), ("ship", true, "cpu=10m", "")],
        &[("app", "cpu=50m", "cpu=50m,memory=32Mi")],
    );
    assert_eq!(
        pod_resources(&with_sidecar).unwrap().qos.explain(Lang::En),
        "Not Guaranteed: sidecar ship does not set both a cpu and a memory limit (init containers count too)."
    );
    let best = qos_of(&fixture("init-demo-running")).unwrap();
    assert_eq!((best.class.as_str(), best.status.as_deref()), ("BestEffort", Some("BestEffort")));
    assert!(best.explain(Lang::En).starts_with("No container sets"));
}
