use super::*;

/// A small valid spec with this id.
fn spec(id: &str) -> String {
    format!(
        "version: 1\nid: {id}\ntitle: {{zh: 实验 {id}, en: Lab {id}}}\nnamespace: {id}\ngoals: []\nsteps:\n  - number: 1\n    id: one\n    title: {{zh: 一, en: One}}\n    pending_hint: {{zh: 稍等, en: Wait}}\n    expectations:\n      - id: a\n        description: {{zh: 有 Pod, en: a pod}}\n        hint: {{zh: 部署, en: deploy}}\n        check: {{kind: pod_exists, pod: p}}\n"
    )
}

fn files(ids: &[&str]) -> Vec<(String, String)> {
    ids.iter().map(|id| (id.to_string(), spec(id))).collect()
}

#[test]
fn the_embedded_labs_are_the_books_with_experiment_1_2_first() {
    let labs = Labs::embedded().unwrap();
    assert_eq!(labs.origin, Origin::Embedded);
    assert_eq!(labs.first().id(), "init-container");
    assert_eq!(labs.first().file, "labs/init-container/lab.yaml");
    assert!(labs.iter().all(|l| l.in_book));
    assert_eq!(LabSpec::embedded().unwrap().id, "init-container");
}

#[test]
fn the_checkout_is_read_from_its_files_and_found_upward() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let local = Labs::load(root).unwrap();
    assert_eq!(local.origin, Origin::Checkout(root.to_path_buf()));
    let embedded = Labs::embedded().unwrap();
    let ids = |labs: &Labs| labs.iter().map(|l| l.id().to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&local), ids(&embedded), "the built-in labs are the checkout's");
    assert_eq!(Labs::find_checkout(&root.join("lab-spec/src")).as_deref(), Some(root));
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(Labs::find_checkout(dir.path()), None);
}

#[test]
fn the_catalog_orders_the_labs_and_a_local_file_wins() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("labs/beta")).unwrap();
    std::fs::create_dir_all(root.join("labs/alpha")).unwrap();
    std::fs::create_dir_all(root.join("labs/notes")).unwrap(); // no lab.yaml: not a lab
    std::fs::write(root.join("book.toml"), "[book]\n").unwrap();
    std::fs::write(root.join(CATALOG_PATH), "version: 1\nlabs: [beta, alpha]\n").unwrap();
    std::fs::write(root.join("labs/beta/lab.yaml"), spec("beta")).unwrap();
    std::fs::write(root.join("labs/alpha/lab.yaml"), spec("alpha")).unwrap();
    let labs = Labs::load(&Labs::find_checkout(&root.join("labs/beta")).unwrap()).unwrap();
    assert_eq!(labs.ids(), "beta, alpha");
    assert_eq!(labs.first().id(), "beta");
    assert_eq!(labs.get("alpha").unwrap().file, "labs/alpha/lab.yaml");
    assert_eq!(labs.in_book(), 2);
}

#[test]
fn the_catalog_and_the_directories_must_agree() {
    let parse = |catalog: &str, ids: &[&str]| {
        Labs::parse(catalog, files(ids), Origin::Embedded).map(|l| l.ids()).map_err(|e| e.to_string())
    };
    assert_eq!(parse("version: 1\nlabs: [a, b]\n", &["a", "b"]).unwrap(), "a, b");
    let err = parse("version: 1\nlabs: [a, b]\n", &["a"]).unwrap_err();
    assert!(err.contains("`b` is listed, but labs/b/lab.yaml does not exist"), "{err}");
    let err = parse("version: 1\nlabs: [a]\n", &["a", "b"]).unwrap_err();
    assert!(err.contains("labs/b/lab.yaml is not listed"), "{err}");
    let err = parse("version: 1\nlabs: [a, a]\n", &["a"]).unwrap_err();
    assert!(err.contains("listed twice"), "{err}");
    let err = parse("version: 1\nlabs: [A_b]\n", &["A_b"]).unwrap_err();
    assert!(err.contains("not a lab id"), "{err}");
    let err = parse("version: 2\nlabs: [a]\n", &["a"]).unwrap_err();
    assert!(err.contains("unsupported catalog version 2"), "{err}");
    let err = parse("version: 1\nlabs: []\n", &[]).unwrap_err();
    assert!(err.contains("lists no lab"), "{err}");
    let err = parse("version: 1\nlab: [a]\n", &["a"]).unwrap_err();
    assert!(err.starts_with("malformed lab spec labs/labs.yaml:"), "{err}");

    let moved = vec![("a".to_string(), spec("b"))];
    let err = Labs::parse("version: 1\nlabs: [a]\n", moved, Origin::Embedded).unwrap_err().to_string();
    assert!(err.contains("labs/a/lab.yaml: id `b` differs from its directory `a`"), "{err}");
}

#[test]
fn a_spec_replaces_its_lab_or_joins_outside_the_book() {
    let labs = Labs::parse("version: 1\nlabs: [a, b]\n", files(&["a", "b"]), Origin::Embedded).unwrap();
    let mut edited = LabSpec::parse(&spec("b"), "x").unwrap();
    edited.title.en = "Edited".into();
    let labs = labs.with_spec(edited, "my/b.yaml".into());
    assert_eq!(labs.ids(), "a, b");
    let b = labs.get("b").unwrap();
    assert_eq!((b.spec.title.en.as_str(), b.file.as_str(), b.in_book), ("Edited", "my/b.yaml", true));

    let labs = labs.with_spec(LabSpec::parse(&spec("c"), "x").unwrap(), "c.yaml".into());
    assert_eq!(labs.ids(), "a, b, c");
    assert!(!labs.get("c").unwrap().in_book);
    assert_eq!(labs.in_book(), 2);
}

#[test]
fn a_chapter_belongs_to_the_lab_of_its_directory_else_to_the_first() {
    let labs = Labs::parse("version: 1\nlabs: [a, b]\n", files(&["a", "b"]), Origin::Embedded).unwrap();
    let labs = labs.with_spec(LabSpec::parse(&spec("c"), "x").unwrap(), "c.yaml".into());
    let of = |path: &str| labs.lab_of_chapter(Path::new(path)).id().to_string();
    assert_eq!(of("step1.md"), "a");
    assert_eq!(of("b/step1.md"), "b");
    assert_eq!(of("b/deeper/step1.md"), "b");
    assert_eq!(of("b.md"), "a", "a file named like a lab is not its directory");
    assert_eq!(of("other/step1.md"), "a");
    assert_eq!(of("c/step1.md"), "a", "a lab the book does not list has no chapters");
}
