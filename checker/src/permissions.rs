//! What the checker reads of a cluster, as RBAC permissions: derived from a lab spec's checks,
//! and compared with what an RBAC manifest (`manifests/checker-rbac.yaml`) grants.
//!
//! Pure: a spec and manifest text in, permissions out. The tests prove that the manifest grants
//! every lab's reads, and `checker lint` reports the permissions a lab would miss.

use std::collections::BTreeSet;
use std::fmt;

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule, Role};
use kube::api::GroupVersionKind;
use kube::core::ApiResource;
use lab_spec::{Check, LabSpec, Select};
use serde::Deserialize;

/// Built-in kinds that are not namespaced: reading them needs a ClusterRole.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("apiregistration.k8s.io", "APIService"),
];

/// One permission: a verb on a resource (`pods`, `pods/log`) of an API group, in the lab's
/// namespace or, for cluster-scoped kinds, cluster-wide.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Permission {
    pub group: String,
    pub resource: String,
    pub verb: String,
    pub cluster_scoped: bool,
}

impl Permission {
    fn new(group: &str, resource: &str, verb: &str, cluster_scoped: bool) -> Permission {
        Permission { group: group.into(), resource: resource.into(), verb: verb.into(), cluster_scoped }
    }
}

impl fmt::Display for Permission {
    /// `get pods/log`, `list statefulsets.apps`, `get nodes (cluster-wide)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.group.as_str() {
            "" => write!(f, "{} {}", self.verb, self.resource)?,
            group => write!(f, "{} {}.{group}", self.verb, self.resource)?,
        }
        if self.cluster_scoped {
            write!(f, " (cluster-wide)")?;
        }
        Ok(())
    }
}

/// Every permission the checker needs to check each step of the lab, `--wait` included.
pub fn needed(spec: &LabSpec) -> BTreeSet<Permission> {
    let mut needed = BTreeSet::new();
    let mut add = |group: &str, resource: &str, verbs: &[&str], cluster: bool| {
        for verb in verbs {
            needed.insert(Permission::new(group, resource, verb, cluster));
        }
    };
    for check in spec.steps.iter().flat_map(|s| &s.expectations).map(|e| &e.check) {
        // Pods are read by name, listed by `checker status`, watched by `--wait`; their
        // Warning events are listed for the report.
        if !check.pods().is_empty() || *check == Check::LabPodsGone {
            add("", "pods", &["get", "list", "watch"], false);
            add("", "events", &["list"], false);
        }
        match check {
            Check::LogContains { .. } => add("", "pods/log", &["get"], false),
            Check::ServesPage { .. } => add("", "pods/proxy", &["get"], false),
            _ => {}
        }
        for select in check.selects() {
            let (group, resource, cluster) = resource_of(&select);
            // By name: a get, and a list and watch (on `metadata.name`) while waiting.
            let verbs: &[&str] =
                if select.name.is_some() { &["get", "list", "watch"] } else { &["list", "watch"] };
            add(&group, &resource, verbs, cluster);
        }
    }
    // The pods of the report tables are read by name, like those of the checks.
    if !spec.report.is_empty() {
        add("", "pods", &["get", "list", "watch"], false);
    }
    needed
}

/// The API group, resource (plural) and scope of a selection's kind, without a cluster: the
/// plural as kube derives it from the kind (`StatefulSet` → `statefulsets`).
fn resource_of(select: &Select) -> (String, String, bool) {
    let version = select.api_version.rsplit('/').next().unwrap_or_default();
    let gvk = GroupVersionKind::gvk(select.group(), version, &select.kind);
    let cluster = CLUSTER_SCOPED.contains(&(select.group(), select.kind.as_str()));
    (select.group().to_string(), ApiResource::from_gvk(&gvk).plural, cluster)
}

/// The rules an RBAC manifest grants: those of its Roles (in the lab's namespace) and
/// ClusterRoles (which a RoleBinding can also grant in the namespace).
#[derive(Debug, Default)]
pub struct Grants {
    rules: Vec<(bool, PolicyRule)>,
}

impl Grants {
    /// Reads the Roles and ClusterRoles of a (multi-document) manifest; other kinds are skipped.
    pub fn parse(yaml: &str) -> Result<Grants, String> {
        let mut grants = Grants::default();
        for (i, document) in serde_yaml::Deserializer::from_str(yaml).enumerate() {
            let value =
                serde_yaml::Value::deserialize(document).map_err(|e| format!("document {}: {e}", i + 1))?;
            let rules = match value.get("kind").and_then(serde_yaml::Value::as_str) {
                Some("Role") => serde_yaml::from_value::<Role>(value).map(|r| (false, r.rules)),
                Some("ClusterRole") => serde_yaml::from_value::<ClusterRole>(value).map(|r| (true, r.rules)),
                _ => continue,
            };
            let (cluster, rules) = rules.map_err(|e| format!("document {}: {e}", i + 1))?;
            grants.rules.extend(rules.into_iter().flatten().map(|rule| (cluster, rule)));
        }
        Ok(grants)
    }

    /// Whether a rule grants the permission. A rule limited to `resourceNames` is not counted:
    /// lists and watches ignore it.
    pub fn grants(&self, permission: &Permission) -> bool {
        let has = |list: &Option<Vec<String>>, item: &str| {
            list.as_ref().is_some_and(|l| l.iter().any(|x| x == item || x == "*"))
        };
        self.rules.iter().any(|(cluster, rule)| {
            (*cluster || !permission.cluster_scoped)
                && rule.resource_names.as_ref().is_none_or(Vec::is_empty)
                && has(&rule.api_groups, &permission.group)
                && has(&rule.resources, &permission.resource)
                && rule.verbs.iter().any(|v| v == &permission.verb || v == "*")
        })
    }

    /// The needed permissions that no rule grants.
    pub fn missing(&self, needed: &BTreeSet<Permission>) -> Vec<Permission> {
        needed.iter().filter(|p| !self.grants(p)).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rbac_manifest() -> String {
        let path = format!("{}/../manifests/checker-rbac.yaml", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn shown(permissions: &[Permission]) -> Vec<String> {
        permissions.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_rbac_manifest_grants_what_the_lab_reads() {
        let grants = Grants::parse(&rbac_manifest()).unwrap();
        let spec = LabSpec::embedded().unwrap();
        let needed = needed(&spec);
        assert!(needed.contains(&Permission::new("", "pods/proxy", "get", false)), "{needed:?}");
        assert!(needed.contains(&Permission::new("", "pods/log", "get", false)), "{needed:?}");
        assert_eq!(shown(&grants.missing(&needed)), Vec::<String>::new());
    }

    #[test]
    fn every_lab_of_the_book_names_an_rbac_manifest_that_grants_its_reads() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for lab in lab_spec::Labs::embedded().unwrap().iter() {
            let rbac = lab.spec.rbac.as_deref().unwrap_or_else(|| panic!("{}: no rbac manifest", lab.id()));
            let text = std::fs::read_to_string(root.join(rbac)).unwrap_or_else(|e| panic!("{rbac}: {e}"));
            let missing = Grants::parse(&text).unwrap().missing(&needed(&lab.spec));
            assert_eq!(shown(&missing), Vec::<String>::new(), "{rbac} for lab {}", lab.id());
        }
    }

    #[test]
    fn the_labs_manifest_grants_the_services_of_step_8_and_optionally_the_nodes() {
        let needed = needed(&lab_spec::LabSpec::embedded().unwrap());
        for verb in ["get", "list", "watch"] {
            assert!(needed.contains(&Permission::new("", "services", verb, false)), "{verb} services");
        }
        // The nodes of the resource table are read best-effort, not by a check: not needed, but
        // granted by the manifest's optional ClusterRole.
        let nodes = Permission::new("", "nodes", "list", true);
        assert!(!needed.contains(&nodes));
        assert!(Grants::parse(&rbac_manifest()).unwrap().grants(&nodes));
    }

    #[test]
    fn the_test_labs_reads_are_derived_from_its_checks() {
        let derived: Vec<String> =
            needed(&crate::fixtures::objects_lab()).iter().map(ToString::to_string).collect();
        assert_eq!(
            derived,
            [
                "list events",
                "watch events",
                "get pods",
                "list pods",
                "watch pods",
                "list services",
                "watch services",
                "get statefulsets.apps",
                "list statefulsets.apps",
                "watch statefulsets.apps",
            ]
        );
        // The lab manifest's Role grants Services (step 8 reads one) but not StatefulSets: a lab
        // reading them would need them added.
        let missing =
            Grants::parse(&rbac_manifest()).unwrap().missing(&super::needed(&crate::fixtures::objects_lab()));
        assert_eq!(
            shown(&missing),
            ["get statefulsets.apps", "list statefulsets.apps", "watch statefulsets.apps"]
        );
    }

    #[test]
    fn rules_match_groups_resources_verbs_and_scope() {
        let grants = Grants::parse(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: lab}\nrules:\n\
             - {apiGroups: [apps], resources: [statefulsets], verbs: [get, list, watch]}\n\
             - {apiGroups: [''], resources: [nodes, services], verbs: ['*']}\n\
             - {apiGroups: [''], resources: [configmaps], resourceNames: [one], verbs: [get, list]}\n\
             ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\n\
             roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n\
             ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c}\nrules:\n\
             - {apiGroups: [storage.k8s.io], resources: ['*'], verbs: [list]}\n",
        )
        .unwrap();
        let yes = [
            Permission::new("apps", "statefulsets", "watch", false),
            Permission::new("", "services", "list", false),
            Permission::new("storage.k8s.io", "storageclasses", "list", true),
        ];
        let no = [
            Permission::new("apps", "deployments", "get", false),
            Permission::new("", "statefulsets", "get", false),
            Permission::new("apps", "statefulsets", "delete", false),
            Permission::new("", "nodes", "list", true),
            Permission::new("", "configmaps", "list", false),
            Permission::new("storage.k8s.io", "storageclasses", "get", true),
        ];
        for p in yes {
            assert!(grants.grants(&p), "{p}");
        }
        for p in no {
            assert!(!grants.grants(&p), "{p}");
        }
        let select = |api_version: &str, kind: &str| Select {
            api_version: api_version.into(),
            kind: kind.into(),
            name: None,
            labels: Default::default(),
        };
        assert_eq!(
            resource_of(&select("storage.k8s.io/v1", "StorageClass")),
            ("storage.k8s.io".into(), "storageclasses".into(), true)
        );
        assert_eq!(resource_of(&select("v1", "Endpoints")), ("".into(), "endpoints".into(), false));
        assert_eq!(resource_of(&select("networking.k8s.io/v1", "NetworkPolicy")).1, "networkpolicies");
        assert!(Grants::parse("kind: Role\nrules: 3\n").unwrap_err().starts_with("document 1:"));
    }
}
