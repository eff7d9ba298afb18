//! What a teacher `kubectl apply`s for a class, as data: a namespace per learner labelled for the
//! class, the learner's Role and RoleBinding in that namespace only, and the teacher's read-only
//! ClusterRole and ClusterRoleBinding, whose rules are derived from what the labs read
//! ([`crate::permissions::needed`]), as the checker's own RBAC manifest is.
//!
//! Pure: the class and the labs in, Kubernetes objects out. The teacher's binding is cluster-wide
//! because `checker class status` lists pods across the class in one request, which a RoleBinding
//! per namespace cannot grant.

use std::collections::{BTreeMap, BTreeSet};

use lab_spec::LabSpec;
use serde_json::{Value, json};

use super::learners::{Class, Subject, Teacher};
use crate::permissions;

/// The label that marks a class's namespaces: `lab-checker/class=<class>`.
pub const CLASS_LABEL: &str = "lab-checker/class";
/// The label that names the learner of a namespace.
pub const LEARNER_LABEL: &str = "lab-checker/learner";
/// The learner's Role and RoleBinding, in each learner namespace.
pub const LEARNER_ROLE: &str = "lab-learner";

const RBAC: &str = "rbac.authorization.k8s.io/v1";
const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

/// What learners work with in their namespace, beyond what the labs read: the objects of a
/// Kubernetes course. No RBAC objects (a learner cannot grant themselves more) and nothing
/// cluster-scoped.
const LEARNER_WRITES: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "pods",
            "services",
            "configmaps",
            "secrets",
            "persistentvolumeclaims",
            "serviceaccounts",
            "endpoints",
        ],
    ),
    ("apps", &["deployments", "statefulsets", "replicasets", "daemonsets"]),
    ("batch", &["jobs", "cronjobs"]),
];

/// Every object, in apply order (namespaces first).
pub fn manifests(class: &Class, labs: &[&LabSpec]) -> Vec<Value> {
    let mut objects = Vec::new();
    for learner in &class.learners {
        let namespace = class.namespace(learner);
        objects.push(json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": namespace,
                "labels": {CLASS_LABEL: class.name, LEARNER_LABEL: learner.name},
            },
        }));
        let subject = match &learner.subject {
            Subject::User(user) => {
                json!({"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": user})
            }
            Subject::ServiceAccount(account) => {
                objects.push(json!({
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"name": account, "namespace": namespace},
                }));
                json!({"kind": "ServiceAccount", "name": account, "namespace": namespace})
            }
        };
        objects.push(json!({
            "apiVersion": RBAC,
            "kind": "Role",
            "metadata": {"name": LEARNER_ROLE, "namespace": namespace, "labels": {CLASS_LABEL: class.name}},
            "rules": learner_rules(labs),
        }));
        objects.push(json!({
            "apiVersion": RBAC,
            "kind": "RoleBinding",
            "metadata": {"name": LEARNER_ROLE, "namespace": namespace, "labels": {CLASS_LABEL: class.name}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": LEARNER_ROLE},
            "subjects": [subject],
        }));
    }
    let teacher_role = format!("lab-checker-teacher-{}", class.name);
    objects.push(json!({
        "apiVersion": RBAC,
        "kind": "ClusterRole",
        "metadata": {"name": teacher_role, "labels": {CLASS_LABEL: class.name}},
        "rules": teacher_rules(labs),
    }));
    let teacher = match &class.teacher {
        Teacher::User(user) => json!({"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": user}),
        Teacher::Group(group) => {
            json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": group})
        }
    };
    objects.push(json!({
        "apiVersion": RBAC,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": teacher_role, "labels": {CLASS_LABEL: class.name}},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": teacher_role},
        "subjects": [teacher],
    }));
    objects
}

/// The objects as one YAML stream, with a header in the teacher's language saying what it is
/// and how to apply it.
pub fn to_yaml(class: &Class, objects: &[Value], lang: lab_spec::Lang) -> String {
    let (name, count) = (&class.name, class.learners.len());
    let mut out = crate::i18n::tr(
        lang,
        &format!(
            "# 班级 {name}：{count} 个学员命名空间及其 RBAC，以及教师的只读视图。\n\
             # 由 `checker class manifests` 生成；用 `kubectl apply -f -` 应用。\n"
        ),
        &format!(
            "# Class {name}: {count} learner namespaces with their RBAC, and the teacher's read-only view.\n\
             # Generated by `checker class manifests`; apply with `kubectl apply -f -`.\n"
        ),
    );
    for object in objects {
        out.push_str("---\n");
        out.push_str(&serde_yaml::to_string(object).expect("JSON values are YAML"));
    }
    out
}

/// The learner's rules in their own namespace: the course's objects, the pods' subresources a
/// learner uses (logs, exec, port-forward, the pod proxy), events to read, and every namespaced
/// kind the labs read.
fn learner_rules(labs: &[&LabSpec]) -> Vec<Value> {
    let mut writes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (group, resources) in LEARNER_WRITES {
        writes.entry(group.to_string()).or_default().extend(resources.iter().map(|r| r.to_string()));
    }
    for spec in labs {
        for permission in permissions::needed(spec).into_iter().filter(|p| !p.cluster_scoped) {
            if !permission.resource.contains('/') && permission.resource != "events" {
                writes.entry(permission.group).or_default().insert(permission.resource);
            }
        }
    }
    let mut rules: Vec<Value> = writes
        .into_iter()
        .map(|(group, resources)| json!({"apiGroups": [group], "resources": resources, "verbs": WRITE}))
        .collect();
    rules.push(json!({"apiGroups": [""], "resources": ["pods/log", "events"], "verbs": READ}));
    rules.push(json!({"apiGroups": [""], "resources": ["pods/exec", "pods/portforward"], "verbs": ["get", "create"]}));
    rules.push(json!({"apiGroups": [""], "resources": ["pods/proxy"], "verbs": ["get"]}));
    rules
}

/// The teacher's rules: what the labs read, with the verbs they read it with (never more than
/// get, list and watch), plus the namespaces to find the class by.
fn teacher_rules(labs: &[&LabSpec]) -> Vec<Value> {
    let mut reads: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut add = |group: &str, resource: &str, verbs: &[&str]| {
        let entry = reads.entry((group.to_string(), resource.to_string())).or_default();
        entry.extend(verbs.iter().map(|v| v.to_string()));
    };
    add("", "namespaces", READ);
    for spec in labs {
        for p in permissions::needed(spec) {
            // The class view lists what a learner's check gets by name.
            let verbs: &[&str] = match (p.resource.contains('/'), p.verb.as_str()) {
                (true, _) => &["get"],
                (false, "get") => &["get", "list"],
                (false, _) => &[p.verb.as_str()],
            };
            add(&p.group, &p.resource, verbs);
        }
    }
    // Rules with the same group and verbs together, for a manifest a teacher can read.
    let mut rules: BTreeMap<(String, Vec<String>), Vec<String>> = BTreeMap::new();
    for ((group, resource), verbs) in reads {
        let verbs: Vec<String> = READ.iter().filter(|v| verbs.contains(**v)).map(|v| v.to_string()).collect();
        rules.entry((group, verbs)).or_default().push(resource);
    }
    rules
        .into_iter()
        .map(|((group, verbs), resources)| json!({"apiGroups": [group], "resources": resources, "verbs": verbs}))
        .collect()
}
