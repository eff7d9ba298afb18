//! Server-side printing of the kinds other than pods, events and namespaces, following
//! kube-apiserver's printers (`pkg/printers/internalversion`): the columns `kubectl get` shows
//! for statefulsets, deployments, services, persistentvolumeclaims, configmaps, nodes,
//! storageclasses and endpointslices, with the `-o wide` ones at priority 1.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::cluster::Resource;
use crate::table::{AGE_DOC, NAME_DOC, age, array, column, int, text};

const CONTAINERS_DOC: &str = "Names of each container in the template.";
const IMAGES_DOC: &str = "Images referenced by each container in the template.";

pub(crate) fn columns(resource: Resource) -> Vec<Value> {
    let name = || column("Name", "string", 0, NAME_DOC);
    let age = || column("Age", "string", 0, AGE_DOC);
    match resource {
        Resource::StatefulSets => vec![
            name(),
            column("Ready", "string", 0, "Number of the pod with ready state"),
            age(),
            column("Containers", "string", 1, CONTAINERS_DOC),
            column("Images", "string", 1, IMAGES_DOC),
        ],
        Resource::Deployments => vec![
            name(),
            column("Ready", "string", 0, "Number of the pod with ready state"),
            column(
                "Up-to-date",
                "string",
                0,
                "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
            ),
            column(
                "Available",
                "string",
                0,
                "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
            ),
            age(),
            column("Containers", "string", 1, CONTAINERS_DOC),
            column("Images", "string", 1, IMAGES_DOC),
            column("Selector", "string", 1, "Label selector for pods."),
        ],
        Resource::Services => vec![
            name(),
            column("Type", "string", 0, "type determines how the Service is exposed."),
            column("Cluster-IP", "string", 0, "clusterIP is the IP address of the service."),
            column(
                "External-IP",
                "string",
                0,
                "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
            ),
            column("Port(s)", "string", 0, "The list of ports that are exposed by this service."),
            age(),
            column(
                "Selector",
                "string",
                1,
                "Route service traffic to pods with label keys and values matching this selector.",
            ),
        ],
        Resource::PersistentVolumeClaims => vec![
            name(),
            column("Status", "string", 0, "phase represents the current phase of PersistentVolumeClaim."),
            column(
                "Volume",
                "string",
                0,
                "volumeName is the binding reference to the PersistentVolume backing this claim.",
            ),
            column(
                "Capacity",
                "string",
                0,
                "capacity represents the actual resources of the underlying volume.",
            ),
            column(
                "Access Modes",
                "string",
                0,
                "accessModes contains the actual access modes the volume backing the PVC has.",
            ),
            column("StorageClass", "string", 0, "StorageClass of the pvc"),
            column("VolumeAttributesClass", "string", 0, "VolumeAttributesClass of the pvc"),
            age(),
            column(
                "VolumeMode",
                "string",
                1,
                "volumeMode defines what type of volume is required by the claim.",
            ),
        ],
        Resource::ConfigMaps => {
            vec![name(), column("Data", "string", 0, "Data contains the configuration data."), age()]
        }
        Resource::Nodes => vec![
            name(),
            column("Status", "string", 0, "The status of the node"),
            column("Roles", "string", 0, "The roles of the node"),
            age(),
            column("Version", "string", 0, "Kubelet Version reported by the node."),
            column("Internal-IP", "string", 1, "List of addresses reachable to the node."),
            column("External-IP", "string", 1, "List of addresses reachable to the node."),
            column("OS-Image", "string", 1, "OS Image reported by the node from /etc/os-release."),
            column("Kernel-Version", "string", 1, "Kernel Version reported by the node from 'uname -r'."),
            column(
                "Container-Runtime",
                "string",
                1,
                "ContainerRuntime Version reported by the node through runtime remote API.",
            ),
        ],
        Resource::StorageClasses => vec![
            name(),
            column("Provisioner", "string", 0, "provisioner indicates the type of the provisioner."),
            column(
                "ReclaimPolicy",
                "string",
                0,
                "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.",
            ),
            column(
                "VolumeBindingMode",
                "string",
                0,
                "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.",
            ),
            column(
                "AllowVolumeExpansion",
                "string",
                0,
                "allowVolumeExpansion shows whether the storage class allow volume expand.",
            ),
            age(),
        ],
        Resource::EndpointSlices => vec![
            name(),
            column(
                "AddressType",
                "string",
                0,
                "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.",
            ),
            column(
                "Ports",
                "string",
                0,
                "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates \"all ports\". Each slice may include a maximum of 100 ports.",
            ),
            column(
                "Endpoints",
                "string",
                0,
                "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.",
            ),
            age(),
        ],
        Resource::Pods | Resource::Events | Resource::EventsV1 | Resource::Namespaces => {
            unreachable!("printed by the table module")
        }
    }
}

pub(crate) fn cells(resource: Resource, object: &Value, now: Timestamp) -> Value {
    let name = text(object, "/metadata/name");
    let created = age(object.pointer("/metadata/creationTimestamp"), now);
    match resource {
        Resource::StatefulSets => {
            let (names, images) = containers(object);
            json!([
                name,
                format!("{}/{}", int(object, "/status/readyReplicas"), replicas(object)),
                created,
                names,
                images
            ])
        }
        Resource::Deployments => {
            let (names, images) = containers(object);
            json!([
                name,
                format!("{}/{}", int(object, "/status/readyReplicas"), replicas(object)),
                int(object, "/status/updatedReplicas"),
                int(object, "/status/availableReplicas"),
                created,
                names,
                images,
                label_selector(object.pointer("/spec/selector")),
            ])
        }
        Resource::Services => service_cells(object, created),
        Resource::PersistentVolumeClaims => pvc_cells(object, created),
        Resource::ConfigMaps => {
            let count = |pointer| object.pointer(pointer).and_then(Value::as_object).map_or(0, |m| m.len());
            json!([name, count("/data") + count("/binaryData"), created])
        }
        Resource::Nodes => node_cells(object, created),
        Resource::StorageClasses => {
            let annotations = object.pointer("/metadata/annotations");
            let is_default = [
                "storageclass.kubernetes.io/is-default-class",
                "storageclass.beta.kubernetes.io/is-default-class",
            ]
            .iter()
            .any(|a| annotations.and_then(|m| m.get(*a)).and_then(Value::as_str) == Some("true"));
            let shown = if is_default { format!("{name} (default)") } else { name.to_owned() };
            json!([
                shown,
                text(object, "/provisioner"),
                or(text(object, "/reclaimPolicy"), "Delete"),
                or(text(object, "/volumeBindingMode"), "Immediate"),
                object.pointer("/allowVolumeExpansion").and_then(Value::as_bool).unwrap_or(false),
                created,
            ])
        }
        Resource::EndpointSlices => json!([
            name,
            text(object, "/addressType"),
            endpoint_slice_ports(object),
            endpoint_slice_addresses(object),
            created,
        ]),
        Resource::Pods | Resource::Events | Resource::EventsV1 | Resource::Namespaces => {
            unreachable!("printed by the table module")
        }
    }
}

/// How many ports or addresses an EndpointSlice's row lists before `+ N more...`.
const LISTED: usize = 3;

/// kube-apiserver's `listWithMoreString`: the first few, `+ N more...`, or `<unset>`.
fn listed_with_more(all: Vec<String>) -> String {
    let shown = all.iter().take(LISTED).cloned().collect::<Vec<_>>().join(",");
    match all.len() {
        0 => "<unset>".to_owned(),
        n if n > LISTED => format!("{shown} + {} more...", n - LISTED),
        _ => shown,
    }
}

/// The slice's ports: each port's number, else its name, else `*` (`formatDiscoveryPorts`).
fn endpoint_slice_ports(slice: &Value) -> String {
    let ports = array(slice, "/ports").iter().map(|p| match p.get("port").and_then(Value::as_i64) {
        Some(port) => port.to_string(),
        None => p.get("name").and_then(Value::as_str).unwrap_or("*").to_owned(),
    });
    listed_with_more(ports.collect())
}

/// Every address of every endpoint, ready or not (`formatDiscoveryEndpoints`).
fn endpoint_slice_addresses(slice: &Value) -> String {
    let addresses = array(slice, "/endpoints")
        .iter()
        .flat_map(|e| array(e, "/addresses").iter().filter_map(Value::as_str).map(str::to_owned));
    listed_with_more(addresses.collect())
}

fn or<'a>(value: &'a str, default: &'a str) -> &'a str {
    if value.is_empty() { default } else { value }
}

/// `spec.replicas`, which the API server defaults to 1.
fn replicas(object: &Value) -> i64 {
    object.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)
}

/// The template's container names and images, comma-separated.
fn containers(object: &Value) -> (String, String) {
    let list = array(object, "/spec/template/spec/containers");
    let join = |field: &str| list.iter().map(|c| text(c, field)).collect::<Vec<_>>().join(",");
    (join("/name"), join("/image"))
}

/// A `map[string]string` of labels as `a=b,c=d` (sorted), `<none>` when empty.
fn labels(map: Option<&Value>) -> String {
    let mut pairs: Vec<String> = map
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    if pairs.is_empty() {
        return "<none>".to_owned();
    }
    pairs.sort();
    pairs.join(",")
}

/// A `LabelSelector` as `metav1.FormatLabelSelector` prints it.
fn label_selector(selector: Option<&Value>) -> String {
    let Some(selector) = selector.filter(|s| s.is_object()) else {
        return "<none>".to_owned();
    };
    let mut terms: Vec<String> = Vec::new();
    if let Some(map) = selector.get("matchLabels").and_then(Value::as_object) {
        let mut pairs: Vec<String> =
            map.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect();
        pairs.sort();
        terms.extend(pairs);
    }
    for expression in array(selector, "/matchExpressions") {
        let key = text(expression, "/key");
        let values: Vec<&str> = array(expression, "/values").iter().filter_map(Value::as_str).collect();
        terms.push(match text(expression, "/operator") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_owned(),
            "DoesNotExist" => format!("!{key}"),
            other => format!("{key} {other}"),
        });
    }
    if terms.is_empty() { "<none>".to_owned() } else { terms.join(",") }
}

fn service_cells(service: &Value, created: String) -> Value {
    let kind = or(text(service, "/spec/type"), "ClusterIP");
    let cluster_ip = array(service, "/spec/clusterIPs").first().and_then(Value::as_str).unwrap_or("<none>");
    let external_ips: Vec<&str> =
        array(service, "/spec/externalIPs").iter().filter_map(Value::as_str).collect();
    let external = match kind {
        "ClusterIP" | "NodePort" if external_ips.is_empty() => "<none>".to_owned(),
        "ClusterIP" | "NodePort" => external_ips.join(","),
        "LoadBalancer" => {
            let mut ingress: Vec<&str> = array(service, "/status/loadBalancer/ingress")
                .iter()
                .map(|i| or(text(i, "/ip"), text(i, "/hostname")))
                .filter(|s| !s.is_empty())
                .collect();
            ingress.sort_unstable();
            ingress.dedup();
            let all: Vec<&str> = ingress.into_iter().chain(external_ips).collect();
            if all.is_empty() { "<pending>".to_owned() } else { all.join(",") }
        }
        "ExternalName" => text(service, "/spec/externalName").to_owned(),
        _ => "<unknown>".to_owned(),
    };
    let ports: Vec<String> = array(service, "/spec/ports")
        .iter()
        .map(|p| {
            let protocol = or(text(p, "/protocol"), "TCP");
            match int(p, "/nodePort") {
                0 => format!("{}/{protocol}", int(p, "/port")),
                node_port => format!("{}:{node_port}/{protocol}", int(p, "/port")),
            }
        })
        .collect();
    let ports = if ports.is_empty() { "<none>".to_owned() } else { ports.join(",") };
    json!([
        text(service, "/metadata/name"),
        kind,
        cluster_ip,
        external,
        ports,
        created,
        labels(service.pointer("/spec/selector")),
    ])
}

fn pvc_cells(claim: &Value, created: String) -> Value {
    let phase = if claim.pointer("/metadata/deletionTimestamp").is_some() {
        "Terminating"
    } else {
        text(claim, "/status/phase")
    };
    let volume = text(claim, "/spec/volumeName");
    let (capacity, modes) = match volume {
        "" => (String::new(), String::new()),
        _ => (
            text(claim, "/status/capacity/storage").to_owned(),
            access_modes(array(claim, "/status/accessModes")),
        ),
    };
    let class = match claim.pointer("/metadata/annotations/volume.beta.kubernetes.io~1storage-class") {
        Some(Value::String(class)) => class.as_str(),
        _ => text(claim, "/spec/storageClassName"),
    };
    json!([
        text(claim, "/metadata/name"),
        phase,
        volume,
        capacity,
        modes,
        class,
        or(text(claim, "/spec/volumeAttributesClassName"), "<unset>"),
        created,
        or(text(claim, "/spec/volumeMode"), "<unset>"),
    ])
}

/// Access modes as kubectl abbreviates them, in its fixed order.
fn access_modes(modes: &[Value]) -> String {
    let has = |mode: &str| modes.iter().any(|m| m.as_str() == Some(mode));
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| has(mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

fn node_cells(node: &Value, created: String) -> Value {
    let mut status: Vec<String> = array(node, "/status/conditions")
        .iter()
        .filter(|c| text(c, "/type") == "Ready")
        .map(|c| if text(c, "/status") == "True" { "Ready".to_owned() } else { "NotReady".to_owned() })
        .take(1)
        .collect();
    if status.is_empty() {
        status.push("Unknown".to_owned());
    }
    if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        status.push("SchedulingDisabled".to_owned());
    }
    let mut roles: Vec<String> = node
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| match key.strip_prefix("node-role.kubernetes.io/") {
            Some(role) if !role.is_empty() => Some(role.to_owned()),
            _ if key == "kubernetes.io/role" => value.as_str().filter(|v| !v.is_empty()).map(str::to_owned),
            _ => None,
        })
        .collect();
    roles.sort();
    roles.dedup();
    let roles = if roles.is_empty() { "<none>".to_owned() } else { roles.join(",") };
    let address = |kind: &str| {
        array(node, "/status/addresses")
            .iter()
            .find(|a| text(a, "/type") == kind)
            .map_or("<none>", |a| text(a, "/address"))
    };
    let info = |field: &str| or(text(node, &format!("/status/nodeInfo/{field}")), "<unknown>").to_owned();
    json!([
        text(node, "/metadata/name"),
        status.join(","),
        roles,
        created,
        text(node, "/status/nodeInfo/kubeletVersion"),
        address("InternalIP"),
        address("ExternalIP"),
        info("osImage"),
        info("kernelVersion"),
        info("containerRuntimeVersion"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells_of(resource: Resource, object: Value) -> Vec<Value> {
        let cells = cells(resource, &object, Timestamp::now());
        assert_eq!(cells.as_array().unwrap().len(), columns(resource).len(), "{resource:?}");
        cells.as_array().unwrap().clone()
    }

    #[test]
    fn services() {
        let headless = json!({"metadata": {"name": "web"}, "spec": {"type": "ClusterIP", "clusterIPs": ["None"],
            "ports": [{"port": 80, "protocol": "TCP"}], "selector": {"app": "web"}}});
        let cells = cells_of(Resource::Services, headless);
        assert_eq!(
            cells[..5],
            [json!("web"), json!("ClusterIP"), json!("None"), json!("<none>"), json!("80/TCP")]
        );
        assert_eq!(cells[6], "app=web");
        let node_port = json!({"metadata": {"name": "np"}, "spec": {"type": "NodePort", "clusterIPs": ["10.96.0.12"],
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]}});
        let cells = cells_of(Resource::Services, node_port);
        assert_eq!(cells[4], "80:30080/TCP,53/UDP");
        assert_eq!(cells[6], "<none>");
        let lb = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.0.13"]}});
        assert_eq!(cells_of(Resource::Services, lb)[3], "<pending>");
    }

    #[test]
    fn workloads_claims_and_nodes() {
        let sts = json!({"metadata": {"name": "web"}, "spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.27.3"}, {"name": "log", "image": "busybox:1.36.1"}]}}},
            "status": {"readyReplicas": 1}});
        let cells = cells_of(Resource::StatefulSets, sts);
        assert_eq!(cells[1], "1/2");
        assert_eq!(cells[3], "nginx,log");
        assert_eq!(cells[4], "nginx:1.27.3,busybox:1.36.1");
        let deploy = json!({"metadata": {"name": "d"}, "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "d", "a": "b"}}},
            "status": {"readyReplicas": 3, "updatedReplicas": 3, "availableReplicas": 2}});
        let cells = cells_of(Resource::Deployments, deploy);
        assert_eq!(cells[1..4], [json!("3/3"), json!(3), json!(2)]);
        assert_eq!(cells[7], "a=b,app=d");
        let pending = json!({"metadata": {"name": "data-web-0"}, "spec": {"storageClassName": "standard"}, "status": {"phase": "Pending"}});
        let cells = cells_of(Resource::PersistentVolumeClaims, pending);
        assert_eq!(
            cells[..7],
            [
                json!("data-web-0"),
                json!("Pending"),
                json!(""),
                json!(""),
                json!(""),
                json!("standard"),
                json!("<unset>")
            ]
        );
        let bound = json!({"metadata": {"name": "c"}, "spec": {"volumeName": "pvc-1", "volumeMode": "Filesystem"},
            "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}});
        let cells = cells_of(Resource::PersistentVolumeClaims, bound);
        assert_eq!(cells[2..5], [json!("pvc-1"), json!("1Gi"), json!("RWO")]);
        assert_eq!(cells[8], "Filesystem");
        let node = json!({"metadata": {"name": "kind-control-plane", "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.30.6"},
                       "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}]}});
        let cells = cells_of(Resource::Nodes, node);
        assert_eq!(cells[1..3], [json!("Ready,SchedulingDisabled"), json!("control-plane")]);
        assert_eq!(cells[4..7], [json!("v1.30.6"), json!("172.18.0.2"), json!("<none>")]);
        let sc = json!({"metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"});
        let cells = cells_of(Resource::StorageClasses, sc);
        assert_eq!(
            cells[..5],
            [
                json!("standard (default)"),
                json!("rancher.io/local-path"),
                json!("Delete"),
                json!("WaitForFirstConsumer"),
                json!(false)
            ]
        );
        let cm = json!({"metadata": {"name": "kube-root-ca.crt"}, "data": {"ca.crt": "x"}});
        assert_eq!(cells_of(Resource::ConfigMaps, cm)[1], 1);
    }

    #[test]
    fn endpoint_slices() {
        let endpoint = |ip: &str| json!({"addresses": [ip], "conditions": {"ready": true}});
        let slice = json!({"metadata": {"name": "web-x7k2p"}, "addressType": "IPv4",
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
            "endpoints": [endpoint("10.244.0.12"), endpoint("10.244.0.13"), endpoint("10.244.0.14"), endpoint("10.244.0.15")]});
        let cells = cells_of(Resource::EndpointSlices, slice);
        assert_eq!(
            cells[..4],
            [
                json!("web-x7k2p"),
                json!("IPv4"),
                json!("80"),
                json!("10.244.0.12,10.244.0.13,10.244.0.14 + 1 more...")
            ]
        );
        let empty =
            json!({"metadata": {"name": "web-x7k2p"}, "addressType": "IPv4", "ports": [{"name": "http"}]});
        let cells = cells_of(Resource::EndpointSlices, empty);
        assert_eq!(cells[2..4], [json!("http"), json!("<unset>")]);
    }
}
