//! Building the book once per test binary, and reading it back: shared by `tests/book.rs` and
//! `tests/book_browser.rs` (each `mod`s this file in).
//!
//! The book is built with the pinned `mdbook` in `.tools/bin` (installed by `cargo xtask setup`)
//! exactly as a learner builds it, from the repository root, into a directory under cargo's
//! per-target temp dir, and each translated edition (book.toml's `[preprocessor.gettext.editions]`,
//! English) into a directory of its language inside it, as `cargo xtask build` does. `BOOK_TEST_ROOT` may point at another book root (a scratch copy) while
//! developing the tests.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use checker::book::Edition;
use mdbook_driver::config::Config;

/// The repository root (the book root unless `BOOK_TEST_ROOT` says otherwise).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the checker crate lives in the repository")
        .to_path_buf()
}

pub fn book_root() -> PathBuf {
    match std::env::var_os("BOOK_TEST_ROOT") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root(),
    }
}

/// A tool from `.tools/bin`, or a panic that says how to get it.
pub fn tool(name: &str) -> PathBuf {
    let bin = book_root().join(".tools/bin").join(name);
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo xtask setup` (or `cargo xtask test`, which runs it)",
        bin.display()
    );
    bin
}

/// The result of `mdbook build`.
pub struct Built {
    /// Where the HTML went.
    pub out: PathBuf,
    /// The translated editions, each with where its HTML went (`out/<language>`).
    pub editions: Vec<(Edition, PathBuf)>,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
    /// Held for the life of the test binary: another test run building into `out` waits.
    _lock: File,
}

/// The book, built once per test binary.
pub fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(build)
}

/// The book, built once, or a panic with mdBook's output when the build failed.
pub fn book() -> &'static Built {
    let b = built();
    assert!(b.success, "`mdbook build` failed:\n--- stdout\n{}\n--- stderr\n{}", b.stdout, b.stderr);
    b
}

fn build() -> Built {
    let root = book_root();
    let mdbook = tool("mdbook");
    let mermaid = root.join("src/mermaid.min.js");
    assert!(mermaid.is_file(), "{} is missing: run `cargo xtask setup` (it writes it)", mermaid.display());
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let exe = std::env::current_exe().expect("current exe");
    let name = exe.file_stem().and_then(|s| s.to_str()).unwrap_or("book").to_string();
    fs::create_dir_all(&tmp).expect("create CARGO_TARGET_TMPDIR");
    let lock = File::create(tmp.join(format!("{name}.lock"))).expect("create the lock file");
    lock.lock().expect("lock the book's output directory");
    let out = tmp.join(format!("{name}-html"));
    if out.exists() {
        fs::remove_dir_all(&out).expect("remove the previous build");
    }
    let mut built = Built {
        out: out.clone(),
        editions: Vec::new(),
        success: true,
        stdout: String::new(),
        stderr: String::new(),
        _lock: lock,
    };
    // The book first: mdBook empties its destination, the editions' directories included.
    mdbook_build(&mut built, &mdbook, &root, &out, &[]);
    for edition in editions(&root) {
        let dir = out.join(&edition.language);
        if built.success {
            mdbook_build(&mut built, &mdbook, &root, &dir, &edition_env(&edition));
        }
        built.editions.push((edition, dir));
    }
    built
}

/// `mdbook build -d out` with book.toml's configuration and `env` alone; its output is appended
/// to `built`'s.
fn mdbook_build(built: &mut Built, mdbook: &Path, root: &Path, out: &Path, env: &[(&str, String)]) {
    let mut cmd = Command::new(mdbook);
    cmd.arg("build").arg("-d").arg(out).current_dir(root);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("MDBOOK_") {
            cmd.env_remove(&key);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let output = cmd.output().expect("run mdbook build");
    built.success &= output.status.success();
    built.stdout.push_str(&String::from_utf8_lossy(&output.stdout));
    built.stderr.push_str(&String::from_utf8_lossy(&output.stderr));
}

/// The translated editions book.toml names.
pub fn editions(root: &Path) -> Vec<Edition> {
    let config = Config::from_disk(root.join("book.toml")).expect("book.toml parses");
    checker::book::editions(&config).expect("book.toml's editions")
}

/// What makes `mdbook build` build `edition`, as `cargo xtask build` sets it: the language, the
/// title, and the site URL of the edition's directory (for its 404 page).
pub fn edition_env(edition: &Edition) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("MDBOOK_BOOK__LANGUAGE", edition.language.clone()),
        ("MDBOOK_OUTPUT__HTML__SITE_URL", format!("/{}/", edition.language)),
    ];
    if let Some(title) = &edition.title {
        env.push(("MDBOOK_BOOK__TITLE", title.clone()));
    }
    env
}

/// Every file under `dir` whose name ends with `suffix`, relative to `dir`, sorted.
pub fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, suffix: &str, acc: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, suffix, acc);
            } else if path.to_string_lossy().ends_with(suffix) {
                acc.push(path.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut acc = Vec::new();
    walk(dir, dir, suffix, &mut acc);
    acc.sort();
    acc
}

/// The chapter pages of the built book (every HTML file but mdBook's own `toc.html`, the
/// `print.html` of all chapters and `404.html`), relative to the output directory. The pages of
/// another book inside it (a translated edition: a directory with a `toc.html` of its own) are
/// not the book's.
pub fn chapter_pages(out: &Path) -> Vec<PathBuf> {
    files(out, ".html")
        .into_iter()
        .filter(|p| {
            let s = p.to_string_lossy();
            s != "toc.html" && s != "print.html" && s != "404.html"
        })
        .filter(|p| {
            !p.ancestors()
                .skip(1)
                .any(|dir| !dir.as_os_str().is_empty() && out.join(dir).join("toc.html").is_file())
        })
        .collect()
}

/// The Markdown sources of the book: `src/**.md`, relative path → text.
pub fn sources() -> BTreeMap<PathBuf, String> {
    let src = book_root().join("src");
    files(&src, ".md")
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(src.join(&p)).expect("read a chapter");
            (p, text)
        })
        .collect()
}

/// The HTML page a chapter source becomes (`README.md` → `index.html`).
pub fn page_of(source: &Path) -> PathBuf {
    if source.file_name().is_some_and(|n| n == "README.md") {
        source.with_file_name("index.html")
    } else {
        source.with_extension("html")
    }
}

/// A fenced code block of a Markdown text: its info string, first line number (1-based, of the
/// opening fence) and body.
pub struct CodeBlock {
    pub info: String,
    pub line: usize,
    pub body: String,
}

/// Splits Markdown into its fenced code blocks and the lines outside them (with 1-based numbers).
pub fn split_code(text: &str) -> (Vec<CodeBlock>, Vec<(usize, String)>) {
    let mut blocks = Vec::new();
    let mut prose = Vec::new();
    let mut open: Option<(char, usize, CodeBlock)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let fence_char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = fence_char.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        match &mut open {
            Some((c, len, block)) => {
                if fence_char == Some(*c) && run >= *len && trimmed[run..].trim().is_empty() {
                    let (_, _, block) = open.take().unwrap();
                    blocks.push(block);
                } else {
                    block.body.push_str(line);
                    block.body.push('\n');
                }
            }
            None if run >= 3 && indent <= 3 => {
                let c = fence_char.unwrap();
                let info = trimmed[run..].trim().to_string();
                open = Some((c, run, CodeBlock { info, line: n, body: String::new() }));
            }
            None => prose.push((n, line.to_string())),
        }
    }
    if let Some((_, _, block)) = open {
        blocks.push(block);
    }
    (blocks, prose)
}
