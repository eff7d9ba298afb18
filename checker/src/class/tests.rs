use k8s_openapi::api::core::v1::Pod;
use lab_spec::{LabSpec, Labs, Lang};
use serde_json::Value;

use super::board::{ClassObservation, board};
use super::learners::{self, Subject, Teacher};
use super::manifests::{self, CLASS_LABEL};
use super::render;
use crate::cluster::KindList;
use crate::context::wanted_step;
use crate::evaluate::{Verdict, evaluate};
use crate::observation::{ContainerLog, Objects, Observation, Read};

const CLASS: &str = "version: 1\nclass: k8s-spring\nteacher: {user: teach@school.edu}\nlearners:\n  \
                     - {name: alice, user: alice@school.edu}\n  - {name: bob, serviceAccount: bob}\n";

fn labs() -> Vec<LabSpec> {
    let mut labs: Vec<LabSpec> = Labs::embedded().unwrap().iter().map(|l| l.spec.clone()).collect();
    labs.push(crate::fixtures::objects_lab());
    labs
}

#[test]
fn a_class_file_is_read_whole() {
    let class = learners::parse(CLASS).unwrap();
    assert_eq!(class.name, "k8s-spring");
    assert_eq!(class.teacher, Teacher::User("teach@school.edu".into()));
    assert_eq!(class.learners[1].subject, Subject::ServiceAccount("bob".into()));
    assert_eq!(class.namespace(&class.learners[0]), "lab-alice");
}

#[test]
fn a_bad_class_file_gets_one_line_naming_the_problem() {
    let bad = |text: &str| learners::parse(text).unwrap_err().en;
    let head = "version: 1\nclass: c\nteacher: {user: t}\n";
    assert!(bad(&format!("{head}learners: []\n")).contains("learners is empty"));
    assert!(
        bad(&format!("{head}learners: [{{name: Alice, user: a}}]\n")).contains("namespace \"lab-Alice\"")
    );
    assert!(
        bad(&format!("{head}learners: [{{name: a, user: x}}, {{name: a, user: y}}]\n"))
            .contains("listed twice")
    );
    assert!(bad(&format!("{head}learners: [{{name: a}}]\n")).contains("needs one of user or serviceAccount"));
    assert!(
        bad(&format!("{head}learners: [{{name: a, user: \"x\\ny\"}}]\n"))
            .contains("not a user or group name")
    );
    assert!(bad(&format!("{head}learners: [{{name: a, user: x, role: admin}}]\n")).contains("unknown field"));
    let long = "a".repeat(60);
    assert!(bad(&format!("{head}learners: [{{name: {long}, user: x}}]\n")).contains("not a valid name"));
    assert!(bad("version: 2\nclass: c\nteacher: {user: t}\nlearners: []\n").contains("version is 2"));
    assert!(
        bad("version: 1\nclass: C!\nteacher: {user: t}\nlearners: []\n").contains("not a valid label value")
    );
    assert!(bad("version: 1\nclass: c\nteacher: {}\nlearners: []\n").contains("teacher needs one"));
    let many: String =
        (0..=learners::MAX_LEARNERS).map(|i| format!("  - {{name: l{i}, user: u{i}}}\n")).collect();
    assert!(bad(&format!("{head}learners:\n{many}")).contains("more than the limit"));
    for text in ["", "[]", "version: 1", "learners: 3"] {
        assert!(!bad(text).contains('\n'), "{text}");
    }
}

#[test]
fn a_class_file_is_read_with_a_bound() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("class.yaml");
    std::fs::write(&path, "x".repeat(learners::LIMIT as usize + 1)).unwrap();
    let err = learners::load(&path).unwrap_err();
    assert_eq!(err.exit_code(), std::process::ExitCode::from(crate::error::exit::INPUT));
    std::fs::write(&path, "version: 1\nclass: c\n").unwrap();
    let err = learners::load(&path).unwrap_err().text(Lang::En).to_string();
    assert!(err.starts_with("bad class file") && err.contains("teacher"), "{err}");
}

/// The generated RBAC, parsed back as the API server would read it.
fn generated() -> Vec<Value> {
    let class = learners::parse(CLASS).unwrap();
    let labs = labs();
    let specs: Vec<&LabSpec> = labs.iter().collect();
    let yaml = manifests::to_yaml(&class, &manifests::manifests(&class, &specs), Lang::En);
    serde_yaml::Deserializer::from_str(&yaml)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .filter(|v: &Value| !v.is_null())
        .collect()
}

fn of_kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

#[test]
fn learners_reach_their_own_namespace_only() {
    let objects = generated();
    let namespaces = of_kind(&objects, "Namespace");
    assert_eq!(namespaces.len(), 2);
    for ns in &namespaces {
        assert_eq!(ns["metadata"]["labels"][CLASS_LABEL], "k8s-spring");
    }
    // Learners get Roles and RoleBindings only, each in a learner namespace, bound to that
    // namespace's Role and to that learner alone.
    let roles = of_kind(&objects, "Role");
    let bindings = of_kind(&objects, "RoleBinding");
    assert_eq!((roles.len(), bindings.len()), (2, 2));
    for (binding, (learner, subject)) in
        bindings.iter().zip([("lab-alice", "User"), ("lab-bob", "ServiceAccount")])
    {
        let ns = binding["metadata"]["namespace"].as_str().unwrap();
        assert_eq!(ns, learner);
        assert_eq!(binding["roleRef"]["kind"], "Role", "a ClusterRole bound here would be granted anyway");
        let subjects = binding["subjects"].as_array().unwrap();
        assert_eq!(subjects.len(), 1);
        assert_eq!(subjects[0]["kind"], subject);
        if subject == "ServiceAccount" {
            assert_eq!(subjects[0]["namespace"], ns);
        }
    }
    for role in &roles {
        assert!(role["metadata"]["namespace"].as_str().unwrap().starts_with("lab-"));
        for rule in role["rules"].as_array().unwrap() {
            let groups: Vec<&str> =
                rule["apiGroups"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            let resources: Vec<&str> =
                rule["resources"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            assert!(!groups.contains(&"*") && !resources.contains(&"*"), "{rule}");
            assert!(!groups.contains(&"rbac.authorization.k8s.io"), "no escalation: {rule}");
            for cluster_scoped in ["namespaces", "nodes", "persistentvolumes", "clusterroles"] {
                assert!(!resources.contains(&cluster_scoped), "{rule}");
            }
        }
    }
    // The only cluster-wide grant is the teacher's.
    let cluster_bindings = of_kind(&objects, "ClusterRoleBinding");
    assert_eq!(cluster_bindings.len(), 1);
    assert_eq!(cluster_bindings[0]["subjects"][0]["name"], "teach@school.edu");
}

#[test]
fn the_teacher_reads_exactly_what_the_labs_read() {
    let objects = generated();
    let roles = of_kind(&objects, "ClusterRole");
    assert_eq!(roles.len(), 1);
    let mut granted = Vec::new();
    for rule in roles[0]["rules"].as_array().unwrap() {
        for verb in rule["verbs"].as_array().unwrap() {
            assert!(["get", "list", "watch"].contains(&verb.as_str().unwrap()), "{rule}");
            for resource in rule["resources"].as_array().unwrap() {
                let group = rule["apiGroups"][0].as_str().unwrap();
                granted.push(format!(
                    "{} {}{}",
                    verb.as_str().unwrap(),
                    resource.as_str().unwrap(),
                    match group {
                        "" => String::new(),
                        g => format!(".{g}"),
                    }
                ));
            }
        }
    }
    granted.sort();
    // The statefulset lab's reads: its Service by name, its claims and the headless Service's
    // EndpointSlices by label.
    let expected = [
        "get namespaces",
        "get pods",
        "get pods/log",
        "get pods/proxy",
        "get services",
        "get statefulsets.apps",
        "list endpointslices.discovery.k8s.io",
        "list events",
        "list namespaces",
        "list persistentvolumeclaims",
        "list pods",
        "list services",
        "list statefulsets.apps",
        "watch endpointslices.discovery.k8s.io",
        "watch events",
        "watch namespaces",
        "watch persistentvolumeclaims",
        "watch pods",
        "watch services",
        "watch statefulsets.apps",
    ];
    assert_eq!(granted, expected);
    // And it grants every read of every lab, as the RBAC check of `checker lint` reads it.
    let grants = crate::permissions::Grants::parse(&serde_yaml::to_string(roles[0]).unwrap()).unwrap();
    for spec in labs() {
        assert!(grants.missing(&crate::permissions::needed(&spec)).is_empty(), "{}", spec.id);
    }
}

fn in_namespace(fixture: &str, namespace: &str) -> Pod {
    let mut pod = crate::fixtures::pod(fixture);
    pod.metadata.namespace = Some(namespace.into());
    pod
}

/// Alice is done with step 1, Bob's init containers are failing, Carol has no pods; the one
/// LIST of each other kind the steps select (Events, the Service of step 8) found nothing.
fn class() -> (LabSpec, ClassObservation) {
    let spec = LabSpec::embedded().unwrap();
    let mut kinds: Vec<KindList> = Vec::new();
    for step in &spec.steps {
        for select in wanted_step(&spec, step).selects {
            if !kinds.iter().any(|k| k.api_version == select.api_version && k.kind == select.kind) {
                let (api_version, kind) = (select.api_version.clone(), select.kind.clone());
                kinds.push(KindList { api_version, kind, namespaced: true, found: Ok(vec![]) });
            }
        }
    }
    let mut class = ClassObservation {
        at: "2026-11-20T10:05:00Z".parse().unwrap(),
        namespaces: vec!["lab-alice".into(), "lab-bob".into(), "lab-carol".into()],
        kinds,
        ..Default::default()
    };
    let pods = vec![
        in_namespace("init-demo-running", "lab-alice"),
        in_namespace("init-demo-fail-crashloop", "lab-bob"),
        in_namespace("init-demo-running", "elsewhere"),
    ];
    class.sort_in(&spec, pods, Vec::new());
    let log = |text: &str| ContainerLog { current: Some(text.into()), previous: None };
    let alice = class.logs.entry("lab-alice".into()).or_default().entry("init-demo".into()).or_default();
    alice.insert("init-1".into(), log("Init 1: Checking database...\n"));
    alice.insert("init-2".into(), log("Init 2: Loading config...\n"));
    alice.insert("app".into(), log("/docker-entrypoint.sh: Configuration complete; ready for start up\n"));
    (spec, class)
}

#[test]
fn each_learner_is_judged_as_their_own_check_would_judge_them() {
    let (spec, class) = class();
    assert_eq!(class.pods["lab-alice"].len(), 1, "the pod of another namespace is not Alice's");
    for namespace in &class.namespaces {
        for step in &spec.steps {
            // What `checker -n NS step N` observes: the step's pods and logs, nothing else.
            let wanted = wanted_step(&spec, step);
            let mut own = Observation {
                namespace: namespace.clone(),
                namespace_exists: Some(true),
                pods: wanted
                    .pods
                    .iter()
                    .filter_map(|p| {
                        class.pods[namespace].iter().find(|x| x.metadata.name.as_deref() == Some(p)).cloned()
                    })
                    .collect(),
                logs: Some(Default::default()),
                events: Vec::new(),
                pages: Some(Default::default()),
                server_version: None,
                // Each object it selects read in the namespace, none found (no Service yet).
                objects: Objects {
                    reads: wanted.selects.iter().map(|select| Read::of(select, Some(namespace))).collect(),
                    ..Default::default()
                },
                at: class.at,
            };
            for &(pod, container) in &wanted.logs {
                if let Some(log) =
                    class.logs.get(namespace).and_then(|l| l.get(pod)).and_then(|c| c.get(container))
                {
                    own.logs
                        .as_mut()
                        .unwrap()
                        .entry(pod.into())
                        .or_default()
                        .insert(container.into(), log.clone());
                }
            }
            let single = serde_json::to_value(evaluate(&spec, step, &own, Lang::En)).unwrap();
            let from_class = serde_json::to_value(class.report(&spec, step, namespace, Lang::En)).unwrap();
            assert_eq!(single, from_class, "{namespace} step {}", step.number);
        }
    }
    let board = board(&spec, &class, Lang::En);
    let row = |ns: &str| board.learners.iter().find(|l| l.namespace == ns).unwrap().clone();
    assert_eq!(row("lab-alice").verdicts[..2], [Verdict::Pass, Verdict::Pass]);
    assert_eq!(row("lab-bob").verdicts[0], Verdict::Fail);
    let carol = row("lab-carol");
    assert_eq!(carol.verdicts[0], Verdict::Fail, "no pod: step 1 fails");
    assert_eq!(carol.passed, 1, "only the clean-up step passes in an empty namespace");
    assert_eq!(row("lab-carol").last_activity, None);
    let created: jiff::Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
    assert!(
        row("lab-alice").last_activity.unwrap() > created,
        "a container started after the pod was created"
    );
}

#[test]
fn the_board_as_csv_and_json() {
    let (spec, class) = class();
    let board = board(&spec, &class, Lang::En);
    let csv = render::csv(&board);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4);
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header[0], "namespace");
    assert_eq!(header[1], format!("step1_{}", spec.steps[0].id));
    assert_eq!(header[header.len() - 2..], ["passed", "last_activity"]);
    for line in &lines[1..] {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), header.len(), "{line}");
        for verdict in &fields[1..=spec.steps.len()] {
            assert!(["pass", "pending", "fail"].contains(verdict), "{line}");
        }
    }
    assert!(lines[3].starts_with("lab-carol,") && lines[3].ends_with(",1,"), "{}", lines[3]);

    let json: Value = serde_json::from_str(&render::json(&board)).unwrap();
    assert_eq!(json["lab"], "init-container");
    assert_eq!(json["steps"].as_array().unwrap().len(), spec.steps.len());
    let alice = &json["learners"][0];
    assert_eq!(alice["namespace"], "lab-alice");
    assert_eq!(alice["steps"][0]["verdict"], "pass");
    assert_eq!(alice["steps"][0]["step"], 1);
    assert!(alice["lastActivity"].is_string() && json["learners"][2]["lastActivity"].is_null());

    let text = render::text(&board, Lang::Zh);
    assert!(text.contains("命名空间") && text.contains("lab-carol") && text.contains("通过"), "{text}");
}

#[test]
fn the_lists_of_pods_and_events_answer_the_selections_of_core_pods_and_events() {
    let namespaces = vec!["lab-alice".to_string(), "lab-bob".to_string()];
    let pods = vec![
        in_namespace("init-demo-deadline-exceeded", "lab-alice"),
        in_namespace("init-demo-running", "elsewhere"),
    ];
    let spec = LabSpec::embedded().unwrap();
    let lists = super::board::core_lists(&namespaces, &spec.selects(), &pods, Some(&[]));
    let kinds: Vec<(&str, &str)> = lists.iter().map(|k| (k.api_version.as_str(), k.kind.as_str())).collect();
    assert_eq!(kinds, [("v1", "Pod"), ("v1", "Event")]);
    let found = lists[0].found.as_ref().unwrap();
    assert_eq!(found.len(), 1, "only the class's namespaces");
    assert_eq!((found[0]["apiVersion"].as_str(), found[0]["kind"].as_str()), (Some("v1"), Some("Pod")));
    assert_eq!(found[0]["status"]["reason"], "DeadlineExceeded", "the whole object, status included");

    // Only the pods a check selects are kept: not init-demo, which no object check reads.
    let running = in_namespace("init-demo-running", "lab-bob");
    let kept = super::board::core_lists(&namespaces, &spec.selects(), &[running], None);
    assert_eq!(kept[0].found.as_ref().unwrap().len(), 0);

    // Step 8 of a learner whose deadline pod exceeded its deadline: the object check reads it
    // from the class's list of pods.
    let class = ClassObservation {
        at: "2026-11-20T10:05:00Z".parse().unwrap(),
        namespaces: namespaces.clone(),
        kinds: lists,
        ..Default::default()
    };
    let step = spec.steps.iter().find(|s| s.number == 8).unwrap();
    let report = class.report(&spec, step, "lab-alice", Lang::En);
    let check = report.checks.iter().find(|c| c.id == "deadline-exceeded").unwrap();
    assert_eq!(check.outcome, crate::evaluate::Outcome::Pass, "{check:?}");
    // Events that may not be read give no list: the selection reads them itself.
    assert_eq!(super::board::core_lists(&namespaces, &spec.selects(), &pods, None).len(), 1);
}
