use super::*;
use crate::Labs;

fn en(e: Unreadable) -> String {
    e.0.en
}

#[test]
fn reads_text_and_drops_a_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pod.yaml");
    std::fs::write(&path, "\u{feff}kind: Pod\n").unwrap();
    assert_eq!(read_text(&path, 100).unwrap(), "kind: Pod\n");
}

#[test]
fn refuses_what_is_not_a_small_regular_text_file() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, "x".repeat(101)).unwrap();
    assert_eq!(en(read_text(&big, 100).unwrap_err()), "is larger than the limit of 100 B");
    assert!(en(read_text(dir.path(), 100).unwrap_err()).contains("not a regular file"));
    let binary = dir.path().join("bin");
    std::fs::write(&binary, [b'a', 0xff, 0xfe]).unwrap();
    assert_eq!(en(read_text(&binary, 100).unwrap_err()), "is not UTF-8 text (at byte 1)");
    let missing = dir.path().join("missing");
    let said = read_text(&missing, 100).unwrap_err();
    assert_eq!((said.0.zh.as_str(), said.0.en.as_str()), ("不存在", "does not exist"));
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    assert!(en(read_text(&fifo, 100).unwrap_err()).contains("not a regular file"));
    assert!(en(read_text(Path::new("/dev/zero"), 100).unwrap_err()).contains("not a regular file"));
    // The same for a lab file, named as the reader shows it.
    let err = read_spec_file(&fifo, "labs/a/lab.yaml").unwrap_err();
    assert_eq!(err.to_string(), "labs/a/lab.yaml is not a regular file (a directory, pipe or device)");
}

#[test]
fn sizes_read_as_people_write_them() {
    assert_eq!(format_size(16 * MIB), "16 MiB");
    assert_eq!(format_size(512 * 1024), "512 KiB");
    assert_eq!(format_size(100), "100 B");
}

/// The first lab's spec (as built in) with a wide alias bomb in an object check's `match`, which
/// takes any YAML: one anchored list of 60,000 scalars, aliased 60,000 times (3.6 × 10⁹ nodes
/// once expanded, from 0.5 MB of text). serde_yaml's own limit counts alias jumps, not the
/// nodes they expand to, so without the pre-pass this never ends.
fn spec_with_wide_alias_bomb() -> String {
    let spec = Labs::embedded_text("init-container").unwrap();
    // Two more keys of the `match`, before its first one (at its indentation).
    let (width, at) = (60_000, "          match:\n            ");
    let bomb = format!(
        "{at}bomb: &bomb [{}]\n            copies: [{}]\n            ",
        vec!["x"; width].join(","),
        vec!["*bomb"; width].join(",")
    );
    assert!(spec.contains(at));
    spec.replacen(at, &bomb, 1)
}

/// A checkout of the built-in labs, with `id`'s spec replaced by `text`.
fn checkout_with(id: &str, text: &[u8]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("labs")).unwrap();
    let catalog =
        Labs::embedded().unwrap().ids().split(", ").map(|id| format!("  - {id}\n")).collect::<String>();
    std::fs::write(root.path().join(crate::catalog::CATALOG_PATH), format!("version: 1\nlabs:\n{catalog}"))
        .unwrap();
    for lab in Labs::embedded().unwrap().iter() {
        let dir = root.path().join("labs").join(lab.id());
        std::fs::create_dir_all(&dir).unwrap();
        let own = Labs::embedded_text(lab.id()).unwrap().as_bytes();
        std::fs::write(dir.join(crate::SPEC_FILE), if lab.id() == id { text } else { own }).unwrap();
    }
    root
}

#[test]
fn a_checkout_of_the_built_in_labs_loads() {
    let root = checkout_with("init-container", Labs::embedded_text("init-container").unwrap().as_bytes());
    assert_eq!(Labs::load(root.path()).unwrap().ids(), Labs::embedded().unwrap().ids());
}

#[test]
fn an_alias_bomb_in_a_lab_file_is_refused_before_it_is_parsed() {
    let bomb = spec_with_wide_alias_bomb();
    assert!(bomb.len() < SPEC_LIMIT as usize, "within the size cap: only the YAML bound stops it");
    let unbounded = YamlLimits {
        events: u64::MAX,
        nodes: u64::MAX,
        mappings: u64::MAX,
        scalar_bytes: u64::MAX,
        depth: 64,
    };
    assert_eq!(check_yaml(&bomb, &unbounded), Ok(()), "valid YAML: nothing but the bound stops it");
    let root = checkout_with("init-container", bomb.as_bytes());
    let err = Labs::load(root.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "labs/init-container/lab.yaml is too large to read: its aliases (*name) expand to more than \
         100000 nodes"
    );
    let why = err.unreadable.expect("a refusal, not a schema error");
    assert_eq!(why.0.zh, "过大，不予读取：别名（*name）展开后超过 100000 个节点");
    // The same file given alone (`checker --spec`, `checker lint FILE`).
    let file = root.path().join("labs/init-container/lab.yaml");
    let err = crate::LabSpec::load(&file).unwrap_err();
    assert!(err.to_string().starts_with(&format!("{} is too large to read", file.display())), "{err}");
}

#[test]
fn an_oversize_lab_file_is_refused_unread() {
    let mut big = Labs::embedded_text("statefulset").unwrap().to_string();
    big.push_str(&"#".repeat(SPEC_LIMIT as usize));
    let root = checkout_with("statefulset", big.as_bytes());
    let err = Labs::load(root.path()).unwrap_err();
    assert_eq!(err.to_string(), "labs/statefulset/lab.yaml is larger than the limit of 1 MiB");
    assert_eq!(err.unreadable.unwrap().0.zh, "超过 1 MiB 的上限");
    // The catalog too.
    let catalog = root.path().join(crate::catalog::CATALOG_PATH);
    std::fs::write(&catalog, "#".repeat(SPEC_LIMIT as usize + 1)).unwrap();
    let err = Labs::load(root.path()).unwrap_err();
    assert_eq!(err.to_string(), "labs/labs.yaml is larger than the limit of 1 MiB");
}

#[test]
fn a_lab_file_that_is_not_a_regular_file_is_refused_not_skipped() {
    let root = checkout_with("init-container", b"");
    let file = root.path().join("labs/init-container/lab.yaml");
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let err = Labs::load(root.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "labs/init-container/lab.yaml is not a regular file (a directory, pipe or device)"
    );
}

#[test]
fn a_syntax_error_found_by_the_pre_pass_is_the_specs_own() {
    let root = checkout_with("init-container", b"id: init-container\nsteps: [1, 2\n");
    let err = Labs::load(root.path()).unwrap_err();
    assert!(err.unreadable.is_none());
    assert_eq!(err.file, "labs/init-container/lab.yaml");
    assert!(err.line.is_some(), "{err}");
    assert!(err.to_string().starts_with("malformed lab spec labs/init-container/lab.yaml:"), "{err}");
}
