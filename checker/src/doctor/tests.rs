//! The judgement of `checker doctor` on facts as a cluster gives them.

use lab_spec::{LabSpec, Lang};

use super::*;

fn facts(version: &str) -> Facts {
    let ok = |code| Some(Answer::Code(code));
    Facts {
        context: "kind-init-lab".into(),
        server: "https://127.0.0.1:6443".into(),
        namespace: "experiments".into(),
        reached: Ok(version.into()),
        answers: Answers {
            namespace: ok(200),
            pods_get: ok(404),
            pods_list: ok(200),
            pods_watch: ok(200),
            logs: ok(404),
            events: ok(200),
            proxy: ok(404),
            services: ok(404),
            nodes: ok(200),
        },
        kubectl: Kubectl::Version("v1.34.0".into()),
        storage: Storage::Default("standard".into()),
    }
}

fn item<'a>(report: &'a Report, id: &str) -> &'a Item {
    report.items.iter().find(|i| i.id == id).unwrap_or_else(|| panic!("no {id}: {report:#?}"))
}

fn spec() -> LabSpec {
    LabSpec::embedded().unwrap()
}

#[test]
fn a_kind_cluster_of_the_books_version_is_all_set() {
    let report = judge(&spec(), &facts("v1.34.0"), Lang::En);
    assert_eq!(report.problems, 0, "{report:#?}");
    assert!(report.reachable);
    assert_eq!(item(&report, "storage-class").status, Status::Info);
    assert!(item(&report, "storage-class").text.starts_with("default StorageClass: standard"));
    let text = text(&report, Lang::En);
    assert!(text.contains("all set: start with step 1"), "{text}");
}

#[test]
fn the_namespace_step_1_creates_is_not_a_problem_yet() {
    let mut facts = facts("v1.34.0");
    facts.answers.namespace = Some(Answer::Code(404));
    let report = judge(&spec(), &facts, Lang::Zh);
    let ns = item(&report, "namespace");
    assert_eq!(ns.status, Status::Info);
    assert_eq!(
        ns.fix.as_deref(),
        Some("步骤 1 的清单会创建它：`kubectl apply -f manifests/init-container.yaml`")
    );
    // Not allowed to look at namespaces (the lab's Role does not grant it): nothing to fix.
    facts.answers.namespace = Some(Answer::Code(403));
    let report = judge(&spec(), &facts, Lang::En);
    assert_eq!(item(&report, "namespace").status, Status::Info);
    assert_eq!(report.problems, 0);
}

#[test]
fn an_answer_that_is_no_refusal_is_not_called_one() {
    let mut facts = facts("v1.34.0");
    facts.answers.events = Some(Answer::Code(500));
    facts.answers.proxy = Some(Answer::Code(503));
    let report = judge(&spec(), &facts, Lang::En);
    let events = item(&report, "events");
    assert_eq!(events.status, Status::Info);
    assert!(events.text.contains("cannot tell (500 Internal Server Error)"), "{}", events.text);
    assert_eq!(item(&report, "pods-proxy").status, Status::Ok, "503: allowed, the pod did not answer");
}

#[test]
fn without_an_rbac_manifest_the_fix_names_the_permission() {
    let mut spec = spec();
    spec.rbac = None;
    let mut facts = facts("v1.34.0");
    facts.answers.logs = Some(Answer::Code(403));
    let report = judge(&spec, &facts, Lang::En);
    let logs = item(&report, "pods-log");
    assert_eq!(logs.status, Status::Problem);
    assert_eq!(
        logs.fix.as_deref(),
        Some("Ask a cluster admin to grant you get on pods/log in namespace experiments")
    );
}

#[test]
fn versions_providers_write_are_read_and_unknown_ones_are_said() {
    let report = judge(&spec(), &facts("v1.29.1-eks-508b6b3"), Lang::En);
    assert_eq!(item(&report, "server-version").status, Status::Ok);
    assert_eq!(item(&report, "kubectl").status, Status::Problem, "1.34 is five minors from 1.29");
    let report = judge(&spec(), &facts("something"), Lang::En);
    assert_eq!(item(&report, "server-version").status, Status::Info);

    let mut facts = facts("v1.34.0");
    facts.kubectl = Kubectl::Unknown(Msg::new("5 秒内没有结束", "it did not finish within 5s"));
    let report = judge(&spec(), &facts, Lang::Zh);
    assert_eq!(item(&report, "kubectl").status, Status::Info);
    assert!(item(&report, "kubectl").text.contains("5 秒内没有结束"));
}

#[test]
fn storage_classes_without_a_default_are_named() {
    let mut facts = facts("v1.34.0");
    facts.storage = Storage::NoDefault(vec!["fast".into(), "slow".into()]);
    let report = judge(&spec(), &facts, Lang::En);
    let storage = item(&report, "storage-class");
    assert_eq!(storage.status, Status::Info);
    assert!(storage.text.starts_with("StorageClasses (fast, slow) but no default one"), "{}", storage.text);
}

#[test]
fn services_are_needed_by_the_steps_that_read_them_and_nodes_are_optional() {
    let spec = lab_spec::LabSpec::embedded().unwrap();
    let report = judge(&spec, &facts("v1.34.0"), Lang::En);
    let services = item(&report, "services");
    assert_eq!(services.status, Status::Ok);
    assert_eq!(services.steps, [6, 8], "the steps that read the Service lab-db");
    assert_eq!(item(&report, "nodes").status, Status::Ok);

    let mut refused = facts("v1.34.0");
    refused.answers.services = Some(Answer::Code(403));
    refused.answers.nodes = Some(Answer::Code(403));
    let report = judge(&spec, &refused, Lang::En);
    let services = item(&report, "services");
    assert_eq!(services.status, Status::Problem);
    assert!(services.fix.as_deref().unwrap().contains("manifests/checker-rbac.yaml"));
    let nodes = item(&report, "nodes");
    assert_eq!(nodes.status, Status::Info, "nothing to fix: the checks work without it");
    assert!(nodes.text.contains("the nodes are just not shown"), "{}", nodes.text);
    assert!(nodes.fix.as_deref().unwrap().contains("checker-node-reader"));
}

/// Experiment 2.1, which claims volumes (`requires: [default_storage_class]`) and reads no logs.
fn statefulset() -> LabSpec {
    lab_spec::Labs::embedded().unwrap().get("statefulset").expect("the lab is built in").spec.clone()
}

#[test]
fn a_lab_that_requires_a_default_storage_class_makes_its_absence_a_problem() {
    let mut facts = facts("v1.34.0");
    facts.namespace = "statefulset".into();
    let report = judge(&statefulset(), &facts, Lang::En);
    let storage = item(&report, "storage-class");
    assert_eq!(storage.status, Status::Ok, "{storage:#?}");
    assert!(
        storage.text.starts_with("default StorageClass: standard (this lab's claims"),
        "{}",
        storage.text
    );
    assert_eq!(report.problems, 0, "{report:#?}");

    facts.storage = Storage::NoDefault(vec!["fast".into()]);
    let report = judge(&statefulset(), &facts, Lang::Zh);
    let storage = item(&report, "storage-class");
    assert_eq!(storage.status, Status::Problem);
    assert!(storage.text.starts_with("有 StorageClass（fast），但没有默认的"), "{}", storage.text);
    assert!(storage.fix.as_deref().unwrap().contains("storageClassName"), "{storage:#?}");
    assert_eq!(storage.steps, [1, 2, 3, 4, 5]);
    assert_eq!(report.problems, 1);

    // Experiment 1.2 claims no volume: the same cluster is only worth a note there.
    let report = judge(&spec(), &facts, Lang::En);
    assert_eq!(item(&report, "storage-class").status, Status::Info);
    assert_eq!(report.problems, 0);
}

#[test]
fn a_read_no_check_of_the_lab_needs_is_no_problem_when_refused() {
    let mut facts = facts("v1.34.0");
    facts.namespace = "statefulset".into();
    facts.answers.logs = Some(Answer::Code(403));
    let report = judge(&statefulset(), &facts, Lang::En);
    let logs = item(&report, "pods-log");
    assert_eq!(logs.status, Status::Info, "{logs:#?}");
    assert!(logs.text.contains("this lab's checks do not need it"), "{}", logs.text);
    assert!(logs.fix.is_none());
    assert_eq!(report.problems, 0);
    // Experiment 1.2 reads logs in step 2: there it is a problem.
    let report = judge(&spec(), &facts, Lang::En);
    assert_eq!(item(&report, "pods-log").status, Status::Problem);
}

#[test]
fn a_cluster_too_old_for_the_retention_policy_step_is_named() {
    let mut facts = facts("v1.26.15");
    facts.namespace = "statefulset".into();
    let report = judge(&statefulset(), &facts, Lang::En);
    let version = item(&report, "server-version");
    assert_eq!(version.status, Status::Problem, "{version:#?}");
    assert_eq!(version.steps, [4]);
}
