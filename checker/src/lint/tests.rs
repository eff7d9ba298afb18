use super::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The problems of a fixture checkout under tests/fixtures/labs/.
fn lint_fixture(name: &str) -> Vec<Problem> {
    let dir = repo().join("tests/fixtures/labs").join(name);
    match target(Some(&dir), None, true).unwrap() {
        Ok(target) => lint(&target),
        Err(problem) => vec![problem],
    }
}

fn text(zh: &str, en: &str) -> Text {
    Text { zh: zh.into(), en: en.into() }
}

#[test]
fn the_books_labs_and_the_objects_test_lab_pass() {
    let target = target(Some(&repo()), None, true).unwrap().unwrap();
    assert!(target.ids.contains(&"init-container".to_string()));
    let problems = lint(&target);
    assert!(problems.is_empty(), "{:#?}", problems.iter().map(|p| p.line(Lang::En)).collect::<Vec<_>>());
    let spec = repo().join("tests/fixtures/labs/objects/lab.yaml");
    let target = super::target(Some(&spec), None, false).unwrap().unwrap();
    assert_eq!(target.root, repo(), "a spec is linted in the checkout it is in");
    assert_eq!(target.ids, ["objects"]);
    assert!(!target.labs.get("objects").unwrap().in_book);
    assert_eq!(lint(&target), []);
    assert_eq!(lint_fixture("lint-ok"), []);
}

#[test]
fn each_broken_fixture_has_one_problem_of_its_rule() {
    for (name, rule, file) in [
        ("broken-schema", Rule::Schema, "labs/demo/lab.yaml"),
        ("broken-text", Rule::Text, "labs/demo/lab.yaml"),
        ("broken-text-empty", Rule::Text, "labs/demo/lab.yaml"),
        ("broken-manifest-missing", Rule::Manifest, "labs/demo/lab.yaml"),
        ("broken-manifest-parse", Rule::Manifest, "labs/demo/lab.yaml"),
        ("broken-created", Rule::Created, "labs/demo/lab.yaml"),
        ("broken-box-missing", Rule::Box, "labs/demo/lab.yaml"),
        ("broken-box-twice", Rule::Box, "labs/demo/lab.yaml"),
        ("broken-image", Rule::Image, "manifests/demo.yaml"),
        ("broken-rbac", Rule::Rbac, "manifests/checker-rbac.yaml"),
    ] {
        let problems = lint_fixture(name);
        let lines: Vec<String> = problems.iter().map(|p| p.line(Lang::En)).collect();
        assert_eq!(problems.len(), 1, "{name}: {lines:#?}");
        assert_eq!((problems[0].rule, problems[0].file.as_str()), (rule, file), "{name}: {lines:#?}");
        for lang in [Lang::Zh, Lang::En] {
            let line = problems[0].line(lang);
            assert!(!line.contains('\n'), "{name}: {line}");
            assert!(line.starts_with(file), "{name}: {line}");
            assert!(line.contains(&format!(": {}: ", rule.as_str())), "{name}: {line}");
        }
    }
}

#[test]
fn texts_need_both_languages_and_chinese_in_the_chinese() {
    assert_eq!(text_problem(&text("部署 Pod", "Deploy the pod")), None);
    assert_eq!(text_problem(&text("restartPolicy: Never", "restartPolicy: Never")), None, "the same in both");
    assert_eq!(text_problem(&text("`kubectl get pods`", "`kubectl get pods`")), None);
    assert!(text_problem(&text("Deploy it", "Deploy it first")).unwrap().en.contains("has no Chinese"));
    assert!(text_problem(&text(" ", "x")).unwrap().en.contains("(zh) is empty"));
    assert!(text_problem(&text("部署", "")).unwrap().en.contains("(en) is empty"));
    assert!(text_problem(&text("𠀀", "rare")).is_none(), "ideographs beyond the BMP count");
}

#[test]
fn report_tables_are_texts_a_learner_reads() {
    let spec = Labs::embedded().unwrap().get("restart-policy").unwrap().spec.clone();
    let places: Vec<String> = texts(&spec).into_iter().map(|(place, _)| place).collect();
    for place in ["report[0].title", "report[0].columns[2]", "report[0].rows[1].title"] {
        assert!(places.contains(&place.to_string()), "{place}: {places:?}");
    }
}

#[test]
fn manifests_parse_as_kubernetes_objects() {
    let objects = parse_objects("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web, namespace: a}\n").unwrap();
    let shown: Vec<_> =
        objects.iter().map(|o| (o.group.as_str(), o.kind.as_str(), o.name.as_str())).collect();
    assert_eq!(shown, [("", "Namespace", "a"), ("apps", "StatefulSet", "web")]);
    let list = parse_objects(
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: p}}\n",
    )
    .unwrap();
    assert_eq!(list[0].kind, "Pod");
    assert_eq!(
        parse_objects("kind: Pod\nmetadata: {name: p}\n").unwrap_err().en,
        "document 1 has no apiVersion"
    );
    assert_eq!(
        parse_objects("apiVersion: v1\nkind: Pod\n").unwrap_err().en,
        "document 1 has no metadata.name"
    );
    assert!(parse_objects("a: [").unwrap_err().en.starts_with("document 1 is not YAML"));
    assert_eq!(parse_objects("# nothing\n").unwrap_err().en, "it holds no Kubernetes object");
}

#[test]
fn a_statefulset_creates_its_pods_and_claims() {
    let sts = &parse_objects(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec:\n  volumeClaimTemplates:\n  - metadata: {name: data}\n",
    )
    .unwrap()[0];
    let named = |group: Option<&str>, kind: &str, name: &str| Named {
        group: group.map(str::to_string),
        kind: kind.into(),
        name: name.into(),
    };
    assert!(creates(sts, &named(Some("apps"), "StatefulSet", "web")));
    assert!(creates(sts, &named(Some(""), "Pod", "web-0")));
    assert!(creates(sts, &named(None, "Pod", "web-12")), "an event's `about` gives no group");
    assert!(creates(sts, &named(Some(""), "PersistentVolumeClaim", "data-web-1")));
    assert!(!creates(sts, &named(Some(""), "Pod", "web-")));
    assert!(!creates(sts, &named(Some(""), "Pod", "web-x")));
    assert!(!creates(sts, &named(Some(""), "Pod", "webby-0")));
    assert!(!creates(sts, &named(Some(""), "PersistentVolumeClaim", "logs-web-0")));
    assert!(!creates(sts, &named(Some("extensions"), "StatefulSet", "web")));
}

#[test]
fn images_are_found_in_pods_and_templates() {
    let value: Value = serde_json::from_str(
        r#"{"spec": {"jobTemplate": {"spec": {"template": {"spec": {
            "initContainers": [{"name": "i", "image": "busybox:1.36.1"}],
            "containers": [{"name": "c", "image": "nginx"}]}}}}}}"#,
    )
    .unwrap();
    let mut found = images(&value);
    found.sort();
    assert_eq!(found, [("c".to_string(), "nginx".to_string()), ("i".into(), "busybox:1.36.1".into())]);
}
