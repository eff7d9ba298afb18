//! `mdbook build` of small test books with this preprocessor, as an author runs it: the real
//! `mdbook` (the pinned one in `.tools/bin`, installed by `cargo xtask setup`) calling the
//! `mdbook-lab` binary of this build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use lab_spec::Labs;

/// The pinned `mdbook`, or a panic that says how to get it.
fn mdbook() -> PathBuf {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/bin/mdbook");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo xtask setup` (or `cargo xtask test`, which runs it)",
        bin.display()
    );
    bin
}

/// A book of the built-in first lab, its spec file holding `spec`: `labs/`, a `book.toml` whose
/// only preprocessor is this crate's binary, and one chapter with a box for each step.
struct TestBook {
    dir: tempfile::TempDir,
}

impl TestBook {
    fn new(spec: &str) -> TestBook {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let lab = Labs::embedded().unwrap().first().spec.clone();
        std::fs::create_dir_all(root.join("labs").join(&lab.id)).unwrap();
        std::fs::write(root.join("labs/labs.yaml"), format!("version: 1\nlabs: [{}]\n", lab.id)).unwrap();
        std::fs::write(root.join("labs").join(&lab.id).join("lab.yaml"), spec).unwrap();
        let exe = env!("CARGO_BIN_EXE_mdbook-lab");
        std::fs::write(
            root.join("book.toml"),
            format!(
                "[book]\ntitle = \"t\"\nlanguage = \"en\"\nsrc = \"src\"\n\n[build]\ncreate-missing = false\n\n\
                 [preprocessor.lab]\ncommand = \"'{exe}'\"\nrenderers = [\"html\"]\n"
            ),
        )
        .unwrap();
        std::fs::create_dir(root.join("src")).unwrap();
        std::fs::write(root.join("src/SUMMARY.md"), "# Summary\n\n- [Steps](steps.md)\n").unwrap();
        let boxes: String = lab.steps.iter().map(|s| format!("{{{{#check {}}}}}\n\n", s.number)).collect();
        std::fs::write(root.join("src/steps.md"), format!("# Steps\n\n{boxes}")).unwrap();
        TestBook { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `mdbook build`, killed after `limit` (a test that fails, not one that hangs or eats the
    /// machine's memory).
    fn build_within(&self, limit: Duration) -> Output {
        let mut cmd = Command::new(mdbook());
        cmd.arg("build").current_dir(self.root()).stdin(Stdio::null()).stdout(Stdio::piped());
        for (key, _) in std::env::vars_os().filter(|(k, _)| k.to_string_lossy().starts_with("MDBOOK_")) {
            cmd.env_remove(key);
        }
        let mut child = cmd.stderr(Stdio::piped()).spawn().expect("run mdbook build");
        let deadline = Instant::now() + limit;
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("`mdbook build` still ran after {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    }
}

/// The first lab's spec with a wide alias bomb in an object check's `match` (which takes any
/// YAML): one anchored list of 60,000 scalars, aliased 60,000 times, 0.5 MB of text that
/// serde_yaml would expand into 3.6 × 10⁹ nodes (its own limit counts alias jumps, not nodes).
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

#[test]
fn a_lab_file_that_is_an_alias_bomb_fails_the_build_at_once_naming_the_file() {
    // The same book with the lab's own spec builds: what fails below is the bomb.
    let good = TestBook::new(Labs::embedded_text("init-container").unwrap());
    let out = good.build_within(Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the test book does not build:\n{stderr}");
    assert!(good.root().join("book/steps.html").is_file());

    let bomb = TestBook::new(&spec_with_wide_alias_bomb());
    let out = bomb.build_within(Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let said: Vec<&str> = stderr.lines().filter(|l| l.starts_with("mdbook-lab: ")).collect();
    assert_eq!(
        said,
        ["mdbook-lab: error: labs/init-container/lab.yaml is too large to read: its aliases (*name) \
          expand to more than 100000 nodes"],
        "{stderr}"
    );
    assert!(!bomb.root().join("book/steps.html").exists());
}

#[test]
fn a_lab_file_over_the_cap_or_not_a_regular_file_fails_the_build() {
    let mut big = Labs::embedded_text("init-container").unwrap().to_string();
    big.push_str(&"#".repeat(1024 * 1024));
    let book = TestBook::new(&big);
    let out = book.build_within(Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr
            .contains("mdbook-lab: error: labs/init-container/lab.yaml is larger than the limit of 1 MiB\n"),
        "{stderr}"
    );

    // A catalog that is a directory is refused, not taken for none (the built-in labs).
    let catalog = book.root().join("labs/labs.yaml");
    std::fs::remove_file(&catalog).unwrap();
    std::fs::create_dir(&catalog).unwrap();
    let out = book.build_within(Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("mdbook-lab: error: labs/labs.yaml is not a regular file"), "{stderr}");
}
