//! Builds the lab's book in-process, as `mdbook build` would, for `checker serve`.
//!
//! The book is the repository root (`book.toml`, `src/`, `theme/`). It is built with mdBook as a
//! library (`mdbook-driver`), with the preprocessors that book.toml runs as commands (`lab`, the
//! `{{#check N}}` boxes, made from the labs the checks run against; `gettext`, the translation;
//! `mermaid`) registered in-process instead: `MDBook::with_preprocessor` replaces a configured
//! preprocessor of the same name in its place in the order, so the preprocessors run in the order
//! `mdbook build` runs them and the output is the same book.
//!
//! [`build_all`] builds the Chinese book and, beside it in `<dest>/<language>/`, each translated
//! edition that book.toml names in `[preprocessor.gettext.editions.<language>]`: the same book with
//! `book.language` set to the edition's language, so that mdbook-gettext translates it from
//! `po/<language>.po` and the `lab` preprocessor writes the verify boxes from the spec's texts in
//! that language (`cargo xtask build` does the same with the `mdbook` command).
//!
//! Files named in `output.html.additional-js`/`additional-css` that do not exist are left out with
//! a warning rather than failing the build, and so is Mermaid's library (`src/mermaid.min.js`,
//! written by `cargo xtask setup`, git-ignored) when it is missing: the book still reads fine
//! without them, with the diagrams as text.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lab_spec::{Labs, Lang};
use mdbook_driver::MDBook;
use mdbook_driver::config::Config;
use mdbook_i18n_helpers::preprocessors::Gettext;
use mdbook_lab::LabPreprocessor;
use mdbook_mermaid::Mermaid;

use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::msg;

/// The name of the book's configuration file, which marks the book root.
pub const BOOK_TOML: &str = "book.toml";

/// Mermaid's library, inside the book's source directory so that mdBook copies it to the output
/// (`theme/mermaid-loader.js` fetches it from there; `cargo xtask setup` writes it).
const MERMAID_LIB: &str = "mermaid.min.js";

/// Where book.toml lists the translated editions (not an mdbook-gettext setting: ours).
pub const EDITIONS_KEY: &str = "preprocessor.gettext.editions";

/// A translated edition of the book, from `[preprocessor.gettext.editions.<language>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edition {
    /// Its `book.language`, which names `po/<language>.po` and the directory it is built into.
    pub language: String,
    /// Its `book.title`, when it has one of its own.
    pub title: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EditionSettings {
    title: Option<String>,
}

/// The translated editions that the book's configuration names, by language.
pub fn editions(config: &Config) -> Result<Vec<Edition>> {
    let table: Option<BTreeMap<String, EditionSettings>> = config.get(EDITIONS_KEY).map_err(|e| {
        let cause = anyhow_like::chain(&e);
        Error::Input(msg!(
            "{BOOK_TOML} 的 {EDITIONS_KEY} 有误：{cause}",
            "bad {EDITIONS_KEY} in {BOOK_TOML}: {cause}"
        ))
    })?;
    let mut editions = Vec::new();
    for (language, settings) in table.unwrap_or_default() {
        if language.is_empty() || !language.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Error::Input(msg!(
                "{BOOK_TOML}：{EDITIONS_KEY}.{language:?} 不是语言标签",
                "{BOOK_TOML}: {EDITIONS_KEY}.{language:?} is not a language tag"
            )));
        }
        editions.push(Edition { language, title: settings.title });
    }
    Ok(editions)
}

/// A built book.
#[derive(Debug)]
pub struct Built {
    /// The directory holding the HTML (`index.html`, the chapters, the theme's files).
    pub html_dir: PathBuf,
    /// The book's title, from book.toml.
    pub title: Option<String>,
    /// The book's language, from `book.language`.
    pub lang: Lang,
    /// Problems that did not stop the build (missing additional JS or CSS files).
    pub warnings: Vec<Msg>,
}

/// The book root: `explicit` if given (it must hold a book.toml), else the first directory from
/// `start` upward that holds one.
pub fn find_root(explicit: Option<&Path>, start: &Path) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        if dir.join(BOOK_TOML).is_file() {
            return Ok(dir.to_path_buf());
        }
        let dir = dir.display();
        return Err(Error::Usage(msg!(
            "{dir} 中没有 {BOOK_TOML}：--book 必须指向实验的书（仓库根目录）",
            "no {BOOK_TOML} in {dir}: --book must name the lab's book (the repository root)"
        )));
    }
    start.ancestors().find(|dir| dir.join(BOOK_TOML).is_file()).map(Path::to_path_buf).ok_or_else(|| {
        let (start, program) = (start.display(), crate::i18n::program());
        Error::Usage(msg!(
            "{start} 及其上级目录中都没有 {BOOK_TOML}：在实验仓库中运行 `{program} serve`，或用 --book DIR 指定",
            "no {BOOK_TOML} in {start} or any directory above it: run `{program} serve` inside the \
             lab's repository, or pass --book DIR"
        ))
    })
}

/// The file that marks a `--dest` directory as made by `checker serve` (mdBook empties the
/// directory on every build, so only a directory holding it may be emptied again).
pub const DEST_MARKER: &str = ".checker-serve-book";

/// Makes `dest` ready for [`build`], which empties it: refuses the book root, a directory above
/// it, the book's `src/` and `theme/`, anything that is not a directory, and a non-empty
/// directory that does not hold the [`DEST_MARKER`] (the checker did not make it). Creates the
/// directory if needed and marks it. Returns it made absolute.
pub fn prepare_dest(root: &Path, dest: &Path) -> Result<PathBuf> {
    let shown = dest.display();
    let refuse = |zh: String, en: String| Err(Error::Usage(Msg::new(zh, en)));
    let absolute = std::path::absolute(dest)
        .map_err(|e| Error::Usage(msg!("无法使用 --dest {shown}：{e}", "cannot use --dest {shown}: {e}")))?;
    // Resolve what exists of it (symlinks, `..`), so that another spelling of the book root is
    // still the book root.
    let resolved = resolve_existing(&absolute);
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    if root.starts_with(&resolved) {
        return refuse(
            format!(
                "--dest {shown} 是书的目录或它的上级目录：构建会先清空它。换一个目录（例如 book/ 或一个新目录）"
            ),
            format!(
                "--dest {shown} is the book's directory or one above it: the build empties it first. Pick another (book/ or a new directory)"
            ),
        );
    }
    for inside in ["src", "theme"] {
        if resolved.starts_with(root.join(inside)) {
            return refuse(
                format!("--dest {shown} 在书的 {inside}/ 中：构建会先清空它"),
                format!("--dest {shown} is inside the book's {inside}/: the build empties it first"),
            );
        }
    }
    match std::fs::symlink_metadata(&resolved) {
        Ok(meta) if !meta.is_dir() => {
            return refuse(format!("--dest {shown} 不是目录"), format!("--dest {shown} is not a directory"));
        }
        Ok(_) => {
            let mut entries = std::fs::read_dir(&resolved).map_err(|e| {
                Error::Usage(msg!("无法读取 --dest {shown}：{e}", "cannot read --dest {shown}: {e}"))
            })?;
            let empty = entries.next().is_none();
            if !empty && !resolved.join(DEST_MARKER).is_file() {
                return refuse(
                    format!(
                        "--dest {shown} 不是空目录，也不是 checker serve 建的（其中没有 {DEST_MARKER}）：构建会清空它，所以不使用。换一个空目录或新目录"
                    ),
                    format!(
                        "--dest {shown} is not empty and was not made by checker serve (it holds no {DEST_MARKER}): the build would empty it, so it is not used. Pick an empty or new directory"
                    ),
                );
            }
        }
        Err(_) => {}
    }
    std::fs::create_dir_all(&resolved).map_err(|e| {
        Error::Usage(msg!("无法创建 --dest {shown}：{e}", "cannot create --dest {shown}: {e}"))
    })?;
    mark_dest(&resolved)?;
    Ok(resolved)
}

/// Writes the [`DEST_MARKER`] into `dest` (again after each build, which removes it).
pub fn mark_dest(dest: &Path) -> Result<()> {
    let marker = dest.join(DEST_MARKER);
    std::fs::write(
        &marker,
        "checker serve builds the book here and empties this directory before each build.\n\
         checker serve 在此构建书，每次构建前清空此目录。\n",
    )
    .map_err(|e| {
        let marker = marker.display();
        Error::Input(msg!("无法写入 {marker}：{e}", "cannot write {marker}: {e}"))
    })
}

/// `path` with its longest existing prefix canonicalized (symlinks and `..` resolved).
fn resolve_existing(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.file_name().map(ToOwned::to_owned), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Builds the book at `root` into `dest` (which is emptied first, as mdBook does), its boxes from
/// `labs`.
pub fn build(root: &Path, dest: &Path, labs: Labs) -> Result<Built> {
    build_edition(root, dest, labs, None)
}

/// Builds the book at `root` into `dest` and each translated edition into `dest/<language>`
/// (the book first: mdBook empties its destination), their boxes from `labs`. The book comes
/// first in the list.
pub fn build_all(root: &Path, dest: &Path, labs: Labs) -> Result<Vec<Built>> {
    let book = build(root, dest, labs.clone())?;
    let mut built = vec![book];
    for edition in editions(&load_config(root)?)? {
        built.push(build_edition(root, &dest.join(&edition.language), labs.clone(), Some(&edition))?);
    }
    Ok(built)
}

fn fail(root: &Path, what: Msg, e: anyhow_like::Error) -> Error {
    let (root, cause, zh, en) = (root.display(), anyhow_like::chain(&e), what.zh, what.en);
    Error::Input(msg!(
        "无法构建 {root} 中的书：{zh}：{cause}",
        "cannot build the book in {root}: {en}: {cause}"
    ))
}

/// book.toml, with the `MDBOOK_*` variables applied as `mdbook build` applies them.
fn load_config(root: &Path) -> Result<Config> {
    let mut config = Config::from_disk(root.join(BOOK_TOML))
        .map_err(|e| fail(root, msg!("读取 {BOOK_TOML}", "reading {BOOK_TOML}"), e))?;
    config
        .update_from_env()
        .map_err(|e| fail(root, msg!("读取 MDBOOK_* 环境变量", "reading MDBOOK_* variables"), e))?;
    Ok(config)
}

/// Builds the book, or one of its translated editions, into `dest`.
fn build_edition(root: &Path, dest: &Path, labs: Labs, edition: Option<&Edition>) -> Result<Built> {
    let mut config = load_config(root)?;
    if let Some(edition) = edition {
        check_po_header(root, &config, edition)?;
        set_edition(&mut config, edition)
            .map_err(|e| fail(root, msg!("设置译本", "configuring an edition"), e))?;
    }
    let mut warnings = drop_missing_assets(&mut config, root)?;
    config.build.build_dir = dest.to_path_buf();
    let title = config.book.title.clone();
    let lang = mdbook_lab::lang_of(config.book.language.as_deref());

    let configured = |name: &str| {
        config.get::<serde_json::Value>(&format!("preprocessor.{name}")).ok().flatten().is_some()
    };
    let (with_lab, with_gettext, with_mermaid) =
        (configured(mdbook_lab::NAME), configured("gettext"), configured("mermaid"));
    let mermaid_lib = root.join(&config.book.src).join(MERMAID_LIB);
    if with_mermaid && !mermaid_lib.is_file() {
        let lib = mermaid_lib.display();
        warnings.push(msg!(
            "{lib} 不存在：图表显示为文本（运行 `cargo xtask setup` 生成它）",
            "{lib} does not exist: the diagrams show as text (run `cargo xtask setup` to write it)"
        ));
    }

    let mut book = MDBook::load_with_config(root, config)
        .map_err(|e| fail(root, msg!("加载书", "loading the book"), e))?;
    if with_lab {
        book.with_preprocessor(LabPreprocessor::with_labs(labs));
    }
    if with_gettext {
        book.with_preprocessor(Gettext);
    }
    if with_mermaid {
        book.with_preprocessor(Mermaid);
    }
    book.build().map_err(|e| fail(root, msg!("构建", "building"), e))?;
    Ok(Built { html_dir: book.build_dir_for("html"), title, lang, warnings })
}

/// The header fields that mdbook-gettext's PO reader (polib 0.2) needs: without one it panics.
const PO_HEADER_FIELDS: &[&str] = &[
    "Project-Id-Version",
    "POT-Creation-Date",
    "PO-Revision-Date",
    "Language-Team",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Language",
    "Plural-Forms",
];

/// The largest translation file read.
const MAX_PO_BYTES: u64 = 32 * 1024 * 1024;

/// Checks the header of the edition's translation file (`po/<language>.po`, or the
/// `preprocessor.gettext.po-dir`), if there is one, so that a broken one is a clear error rather
/// than a panic in the translation.
fn check_po_header(root: &Path, config: &Config, edition: &Edition) -> Result<()> {
    let dir: Option<String> = config.get("preprocessor.gettext.po-dir").ok().flatten();
    let path = root.join(dir.as_deref().unwrap_or("po")).join(format!("{}.po", edition.language));
    let Ok(file) = std::fs::File::open(&path) else {
        return Ok(()); // no translation: mdbook-gettext leaves the book as it is
    };
    let mut text = String::new();
    let read = std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_PO_BYTES), &mut text);
    let file = path.display();
    if let Err(e) = read {
        return Err(Error::Input(msg!("无法读取 {file}：{e}", "cannot read {file}: {e}")));
    }
    // The header is the msgstr of the first entry, whose msgid is "".
    let header: String = text
        .split("\n\n")
        .map(str::trim)
        .find(|block| !block.is_empty() && block.lines().any(|l| l.starts_with("msgid")))
        .unwrap_or_default()
        .lines()
        .skip_while(|l| !l.starts_with("msgstr"))
        .collect::<Vec<_>>()
        .join("\n");
    let missing: Vec<&str> =
        PO_HEADER_FIELDS.iter().copied().filter(|f| !header.contains(&format!("{f}:"))).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let missing = missing.join(", ");
    Err(Error::Input(msg!(
        "{file} 的文件头缺少 {missing}（用 `cargo xtask po` 重新生成它）",
        "{file}: its header lacks {missing} (`cargo xtask po` writes a complete one)"
    )))
}

/// Turns the configuration into the edition's: its language, its title, and a site URL one
/// level down (`/en/`), so that its 404 page links into its own directory.
fn set_edition(config: &mut Config, edition: &Edition) -> mdbook_driver::errors::Result<()> {
    config.book.language = Some(edition.language.clone());
    if let Some(title) = &edition.title {
        config.book.title = Some(title.clone());
    }
    let site: Option<String> = config.get("output.html.site-url")?;
    let site = format!("{}/{}/", site.as_deref().unwrap_or("/").trim_end_matches('/'), edition.language);
    config.set("output.html.site-url", site)
}

/// Removes the additional JS and CSS files that do not exist from the configuration, and says
/// what is missing.
fn drop_missing_assets(config: &mut Config, root: &Path) -> Result<Vec<Msg>> {
    let mut warnings = Vec::new();
    for key in ["output.html.additional-js", "output.html.additional-css"] {
        let Ok(Some(files)) = config.get::<Vec<PathBuf>>(key) else {
            continue;
        };
        let (present, missing): (Vec<PathBuf>, Vec<PathBuf>) =
            files.into_iter().partition(|f| root.join(f).is_file());
        if missing.is_empty() {
            continue;
        }
        for file in &missing {
            let file = root.join(file);
            let file = file.display();
            warnings.push(msg!(
                "{key} 列出的 {file} 不存在：构建的书中没有它",
                "{key} names {file}, which does not exist: the book is built without it"
            ));
        }
        config.set(key, present).map_err(|e| {
            let toml = root.join(BOOK_TOML);
            let toml = toml.display();
            Error::Input(msg!("无法调整 {toml} 的 {key}：{e}", "cannot adjust {key} of {toml}: {e}"))
        })?;
    }
    Ok(warnings)
}

/// mdBook's errors are `anyhow` errors; we print their whole chain on one line.
mod anyhow_like {
    pub type Error = mdbook_driver::errors::Error;

    pub fn chain(e: &Error) -> String {
        one_line(e.chain().map(ToString::to_string))
    }

    /// The messages of a chain as one line: each message's lines joined, without the source
    /// snippets that TOML errors draw (`  |`, `1 | [book`, `  |     ^`), and without repeats.
    pub fn one_line(messages: impl Iterator<Item = String>) -> String {
        let mut parts: Vec<String> = Vec::new();
        for message in messages {
            let text: Vec<&str> =
                message.lines().map(str::trim).filter(|l| !l.is_empty() && !is_snippet(l)).collect();
            let text = text.join(" ");
            if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
                parts.push(text);
            }
        }
        crate::sanitize::line(&parts.join(": ")).into_owned()
    }

    /// `|`, `12 | code`, `|     ^^^`: a line of a drawn source snippet.
    fn is_snippet(line: &str) -> bool {
        let rest = line.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start();
        rest.starts_with('|') || line.chars().all(|c| c == '^' || c == '~' || c.is_whitespace())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `{{#check LAB N}}` box for every step of every built-in lab, each in a paragraph.
    fn every_box() -> String {
        Labs::embedded()
            .unwrap()
            .iter()
            .flat_map(|lab| {
                lab.spec.steps.iter().map(move |s| format!("{{{{#check {} {}}}}}\n\n", lab.id(), s.number))
            })
            .collect()
    }

    #[test]
    fn the_root_is_found_upward() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(BOOK_TOML), "[book]\n").unwrap();
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(find_root(None, &deep).unwrap(), dir.path());
        assert_eq!(find_root(Some(dir.path()), &deep).unwrap(), dir.path());
        let err = find_root(Some(&deep), &deep).unwrap_err().to_string();
        assert!(err.contains("no book.toml in"), "{err}");
    }

    #[test]
    fn a_broken_book_toml_is_one_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(BOOK_TOML), "[book\ntitle = 1\n").unwrap();
        let err = build(dir.path(), &dir.path().join("out"), Labs::embedded().unwrap()).unwrap_err();
        let text = err.text(Lang::En);
        assert!(!text.contains('\n'), "{text}");
        assert!(text.contains("reading book.toml") && text.contains("TOML parse error at line 1"), "{text}");
        assert!(!dir.path().join("out").exists());
    }

    #[test]
    fn dest_never_names_what_the_checker_did_not_make() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("lab");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join(BOOK_TOML), "[book]\n").unwrap();
        let text =
            |r: Result<PathBuf>| r.map(|_| String::new()).unwrap_or_else(|e| e.text(Lang::En).to_string());
        assert!(text(prepare_dest(&root, &root)).contains("the book's directory or one above it"));
        assert!(text(prepare_dest(&root, &root.join("src/.."))).contains("one above it"));
        assert!(text(prepare_dest(&root, dir.path())).contains("one above it"));
        assert!(text(prepare_dest(&root, Path::new("/"))).contains("one above it"));
        assert!(text(prepare_dest(&root, &root.join("src/out"))).contains("inside the book's src/"));
        let full = dir.path().join("full");
        std::fs::create_dir_all(full.join(".git")).unwrap();
        assert!(text(prepare_dest(&root, &full)).contains("not empty and was not made by checker serve"));
        assert!(full.join(".git").is_dir());
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(text(prepare_dest(&root, &file)).contains("not a directory"));
        // New, empty, or ours: fine, and marked.
        for ok in [root.join("book"), dir.path().join("new/deeper"), dir.path().join("empty")] {
            if ok.ends_with("empty") {
                std::fs::create_dir_all(&ok).unwrap();
            }
            let made = prepare_dest(&root, &ok).unwrap();
            assert!(made.join(DEST_MARKER).is_file());
            std::fs::write(made.join("index.html"), "x").unwrap();
            assert_eq!(prepare_dest(&root, &ok).unwrap(), made, "ours the second time");
        }
    }

    #[test]
    fn a_missing_root_is_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let err = find_root(None, dir.path()).unwrap_err();
        assert!(matches!(err, Error::Usage(_)));
        assert!(!err.to_string().contains('\n'));
    }

    #[test]
    fn a_scratch_book_builds_with_boxes_and_without_missing_assets() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(
            root.join(BOOK_TOML),
            "[book]\ntitle = \"t\"\nlanguage = \"zh-CN\"\n\
             [preprocessor.lab]\ncommand = \"false\"\nbefore = [\"links\"]\n\
             [preprocessor.mermaid]\ncommand = \"false\"\n\
             [output.html]\nadditional-js = [\"theme/missing.js\"]\n",
        )
        .unwrap();
        std::fs::write(root.join("src/SUMMARY.md"), "# S\n\n- [One](one.md)\n").unwrap();
        let checks = every_box();
        std::fs::write(
            root.join("src/one.md"),
            format!("# One\n\n{checks}```mermaid\ngraph TD; A-->B\n```\n"),
        )
        .unwrap();
        let out = root.join("out");
        let built = build(root, &out, Labs::embedded().unwrap()).unwrap();
        assert_eq!(built.html_dir, out);
        assert_eq!(built.lang, Lang::Zh);
        assert_eq!(built.warnings.len(), 2, "{:?}", built.warnings);
        assert!(
            built.warnings[0].en.contains("theme/missing.js, which does not exist"),
            "{:?}",
            built.warnings
        );
        assert!(built.warnings[1].en.contains("src/mermaid.min.js does not exist"), "{:?}", built.warnings);
        assert!(built.warnings[1].en.contains("cargo xtask setup"));
        assert!(built.warnings[1].zh.contains("cargo xtask setup"));
        let html = std::fs::read_to_string(out.join("one.html")).unwrap();
        assert!(html.contains(r#"<div class="lab-check" data-lab="init-container" data-step="1""#));
        assert!(html.contains(r#"<pre class="mermaid">"#), "mermaid ran in-process");
        assert!(!html.contains("missing.js"));

        // With the library in src/, it is in the book and no warning is left about it.
        std::fs::write(root.join("src").join(MERMAID_LIB), "window.mermaid = {};\n").unwrap();
        let built = build(root, &out, Labs::embedded().unwrap()).unwrap();
        assert_eq!(built.warnings.len(), 1, "{:?}", built.warnings);
        assert!(out.join(MERMAID_LIB).is_file());
    }

    #[test]
    fn editions_are_read_and_checked() {
        let config: Config = "[preprocessor.gettext.editions.en]\ntitle = \"T\"\n\
                              [preprocessor.gettext.editions.fr]\n"
            .parse()
            .unwrap();
        assert_eq!(
            editions(&config).unwrap(),
            [
                Edition { language: "en".into(), title: Some("T".into()) },
                Edition { language: "fr".into(), title: None }
            ]
        );
        assert_eq!(editions(&Config::default()).unwrap(), []);
        let bad: Config = "[preprocessor.gettext.editions.\"../x\"]\n".parse().unwrap();
        assert!(editions(&bad).unwrap_err().to_string().contains("not a language tag"));
        let typo: Config = "[preprocessor.gettext.editions.en]\ntitel = \"T\"\n".parse().unwrap();
        assert!(editions(&typo).is_err());
    }

    /// The English edition of a scratch book: translated in-process from po/en.po, its box from
    /// the spec's English texts, its own title and language, in `en/` beside the book.
    #[test]
    fn build_all_builds_the_translated_edition_beside_the_book() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(root.join("po")).unwrap();
        std::fs::write(
            root.join(BOOK_TOML),
            "[book]\ntitle = \"书\"\nlanguage = \"zh-CN\"\n\
             [preprocessor.lab]\ncommand = \"false\"\nbefore = [\"links\"]\n\
             [preprocessor.gettext]\ncommand = \"false\"\nafter = [\"links\"]\n\
             [preprocessor.gettext.editions.en]\ntitle = \"Book\"\n",
        )
        .unwrap();
        std::fs::write(root.join("src/SUMMARY.md"), "# S\n\n- [一](one.md)\n").unwrap();
        let checks = every_box();
        std::fs::write(root.join("src/one.md"), format!("# 一\n\n你好。\n\n{checks}")).unwrap();
        std::fs::write(
            root.join("po/en.po"),
            format!("{PO_HEADER}\nmsgid \"一\"\nmsgstr \"One\"\n\nmsgid \"你好。\"\nmsgstr \"Hello.\"\n"),
        )
        .unwrap();
        let out = root.join("out");
        let built = build_all(root, &out, Labs::embedded().unwrap()).unwrap();
        assert_eq!(built.len(), 2);
        assert_eq!((built[0].lang, built[1].lang), (Lang::Zh, Lang::En));
        assert_eq!(built[1].html_dir, out.join("en"));
        assert_eq!(built[1].title.as_deref(), Some("Book"));
        let zh = std::fs::read_to_string(out.join("one.html")).unwrap();
        assert!(zh.contains("你好。") && zh.contains("验证 · 步骤 1"), "{zh}");
        let en = std::fs::read_to_string(out.join("en/one.html")).unwrap();
        assert!(en.contains("<html lang=\"en\""), "{en}");
        assert!(en.contains("<p>Hello.</p>") && !en.contains("你好"), "{en}");
        assert!(en.contains("Verify · Step 1"), "{en}");
        assert!(en.contains("<title>One - Book</title>"), "{en}");

        // A translation whose header lacks fields is a clear error, not a panic.
        std::fs::write(root.join("po/en.po"), "msgid \"\"\nmsgstr \"Language: en\\n\"\n").unwrap();
        let err = build_all(root, &out, Labs::embedded().unwrap()).unwrap_err();
        assert!(matches!(err, Error::Input(_)));
        let err = err.to_string();
        assert!(err.contains("its header lacks Project-Id-Version") && !err.contains('\n'), "{err}");
    }

    /// A complete PO header, as `cargo xtask po` writes it.
    const PO_HEADER: &str = "msgid \"\"\nmsgstr \"\"\n\"Project-Id-Version: t\\n\"\n\
        \"POT-Creation-Date: 2025-01-01T00:00:00Z\\n\"\n\"PO-Revision-Date: \\n\"\n\
        \"Last-Translator: \\n\"\n\"Language-Team: \\n\"\n\"Language: en\\n\"\n\
        \"MIME-Version: 1.0\\n\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\
        \"Content-Transfer-Encoding: 8bit\\n\"\n\"Plural-Forms: nplurals=1; plural=0;\\n\"\n";
}
