//! The English edition cannot fall behind the Chinese book: the book's messages are extracted
//! afresh (mdbook-i18n-helpers' xgettext renderer, in-process, as `cargo xtask po` runs it with
//! the `mdbook-xgettext` command), and every one of them must be in po/en.po, translated, not
//! fuzzy and not Chinese any more. A failure names each entry by its chapter and line and the
//! start of its text, and says what to run.
//!
//! Needs nothing from `.tools/`: mdBook, the lab preprocessor and the extraction are libraries.

#[path = "support/book.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use mdbook_driver::MDBook;
use mdbook_driver::config::Config;
use mdbook_i18n_helpers::renderers::Xgettext;
use mdbook_lab::LabPreprocessor;
use polib::catalog::Catalog;

/// The translation that must keep up.
const PO: &str = "po/en.po";

/// A message of the book: its text and where it comes from (`src/setup.md:12`, the first place).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Message {
    msgid: String,
    at: String,
}

/// An entry of a translation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    msgstr: String,
    fuzzy: bool,
}

/// Extracts the messages of the book at `root` into `out/messages.pot`, as `cargo xtask po`
/// does, but with exact line numbers (`granularity = 1`), and returns them in order.
fn extract(root: &Path, out: &Path) -> Vec<Message> {
    let mut config = Config::from_disk(root.join("book.toml")).expect("book.toml parses");
    config.set("output", serde_json::json!({ "xgettext": { "granularity": 1 } })).unwrap();
    config.build.build_dir = out.to_path_buf();
    let mut book = MDBook::load_with_config(root, config).expect("the book loads");
    book.with_preprocessor(LabPreprocessor::new());
    book.with_renderer(Xgettext);
    book.build().expect("the messages are extracted");
    let pot = out.join("messages.pot");
    let catalog = polib::po_file::parse(&pot).unwrap_or_else(|e| panic!("{}: {e}", pot.display()));
    messages(&catalog, root)
}

/// The messages of a template, each placed at the source line where its text starts.
fn messages(catalog: &Catalog, root: &Path) -> Vec<Message> {
    let mut sources: BTreeMap<String, Option<String>> = BTreeMap::new();
    catalog
        .messages()
        .filter(|m| !m.msgid().is_empty())
        .map(|m| {
            let first = m.source().split_whitespace().next().unwrap_or("?");
            let (file, line) = first.rsplit_once(':').unwrap_or((first, "0"));
            let file = source_file(root, file);
            let text =
                sources.entry(file.clone()).or_insert_with(|| fs::read_to_string(root.join(&file)).ok());
            let line = locate(text.as_deref(), line.parse().unwrap_or(0), m.msgid());
            Message { msgid: m.msgid().to_string(), at: format!("{file}:{line}") }
        })
        .collect()
}

/// The chapter file a reference names: mdBook calls `src/README.md` `src/index.md`.
fn source_file(root: &Path, file: &str) -> String {
    match file.strip_suffix("index.md") {
        Some(dir) if !root.join(file).is_file() => format!("{dir}README.md"),
        _ => file.to_string(),
    }
}

/// The line of `text` where `msgid` starts: the line holding the start of its first line that is
/// nearest to `reported`. (mdbook-xgettext counts lines after `{{#include}}` and the Mermaid
/// marker line, so its numbers drift below an included manifest.) `reported` when not found.
fn locate(text: Option<&str>, reported: usize, msgid: &str) -> usize {
    let first = msgid.lines().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
    let needle: String = first.chars().take(24).collect();
    let Some(text) = text.filter(|_| !needle.is_empty()) else { return reported };
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(&needle))
        .map(|(i, _)| i + 1)
        .min_by_key(|n| n.abs_diff(reported))
        .unwrap_or(reported)
}

/// The entries of a translation, by msgid (obsolete `#~` entries are not entries).
fn entries(path: &Path) -> BTreeMap<String, Entry> {
    let catalog = polib::po_file::parse(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    catalog
        .messages()
        .filter(|m| !m.msgid().is_empty())
        .map(|m| {
            let msgstr = m.msgstr().unwrap_or_default().to_string();
            (m.msgid().to_string(), Entry { msgstr, fuzzy: m.is_fuzzy() })
        })
        .collect()
}

/// What keeps the translation from being complete, one line per entry.
fn problems(messages: &[Message], po: &BTreeMap<String, Entry>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut current = BTreeSet::new();
    for m in messages {
        current.insert(m.msgid.as_str());
        let what = match po.get(&m.msgid) {
            None => "not in po/en.po",
            Some(e) if e.msgstr.trim().is_empty() => "untranslated",
            Some(e) if e.fuzzy => "fuzzy (its Chinese changed since it was translated)",
            Some(e) if e.msgstr.chars().any(is_cjk) => "still Chinese",
            Some(_) => continue,
        };
        problems.push(format!("{}: {what}: 「{}」", m.at, start_of(&m.msgid)));
    }
    for msgid in po.keys().filter(|id| !current.contains(id.as_str())) {
        problems.push(format!("{PO}: no longer in the book: 「{}」", start_of(msgid)));
    }
    problems
}

/// The first line of a text, cut at 60 characters.
fn start_of(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut start: String = line.chars().take(60).collect();
    if start.len() < text.len() {
        start.push('…');
    }
    start
}

/// Han, kana, Hangul, CJK punctuation and full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7af}' | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}')
}

fn report(problems: &[String]) -> String {
    format!(
        "{PO} does not cover the book: {} entr{} to fix. Run `cargo xtask po` (it extracts the \
         messages and merges them into {PO}), translate the entries below (empty msgstr, or \
         `#, fuzzy`: fix the translation and remove the flag), then run this test again:\n  {}",
        problems.len(),
        if problems.len() == 1 { "y" } else { "ies" },
        problems.join("\n  ")
    )
}

#[test]
fn every_message_of_the_book_is_translated() {
    let root = support::book_root();
    let out = tempfile::tempdir().unwrap();
    let messages = extract(&root, out.path());
    assert!(messages.len() > 500, "only {} messages extracted: is the extraction broken?", messages.len());
    // The boxes come from the spec, not from the translation; every diagram is one message.
    assert!(!messages.iter().any(|m| m.msgid.contains("{{#check")), "a verify box line was extracted");
    let diagrams = messages.iter().filter(|m| m.msgid.starts_with("```mermaid")).count();
    let in_sources: usize =
        support::sources().values().map(|t| t.lines().filter(|l| l.trim() == "```mermaid").count()).sum();
    assert_eq!(diagrams, in_sources, "every Mermaid diagram of src/ must be one message");
    let problems = problems(&messages, &entries(&root.join(PO)));
    assert!(problems.is_empty(), "{}", report(&problems));
}

/// A chapter changed in Chinese without its translation: the test names the entry by the file
/// and line of the new text and its start. (A scratch copy of the book, one paragraph changed.)
#[test]
fn a_changed_chapter_fails_with_the_entry_named() {
    let root = support::book_root();
    let scratch = tempfile::tempdir().unwrap();
    for dir in ["src", "lab-spec", "manifests", "po"] {
        copy_dir(&root.join(dir), &scratch.path().join(dir));
    }
    fs::copy(root.join("book.toml"), scratch.path().join("book.toml")).unwrap();
    let chapter = scratch.path().join("src/setup.md");
    let text = fs::read_to_string(&chapter).unwrap();
    let old =
        text.lines().find(|l| l.starts_with("开始之前")).expect("setup.md's first paragraph").to_string();
    let new = format!("{old}另外，准备一杯茶。");
    fs::write(&chapter, text.replacen(&old, &new, 1)).unwrap();
    let line = text.lines().position(|l| l == old).unwrap() + 1;

    let out = tempfile::tempdir().unwrap();
    let messages = extract(scratch.path(), out.path());
    let problems = problems(&messages, &entries(&root.join(PO)));
    let want =
        format!("src/setup.md:{line}: not in po/en.po: 「{}…」", new.chars().take(60).collect::<String>());
    assert!(problems.contains(&want), "{want}\nnot in:\n{}", problems.join("\n"));
    let stale = format!("{PO}: no longer in the book: 「{}…」", old.chars().take(60).collect::<String>());
    assert!(problems.contains(&stale), "{stale}\nnot in:\n{}", problems.join("\n"));
    assert_eq!(problems.len(), 2, "{}", problems.join("\n"));
    assert!(report(&problems).contains("cargo xtask po"));
}

#[test]
fn untranslated_fuzzy_and_chinese_entries_are_problems() {
    let m = |msgid: &str, at: &str| Message { msgid: msgid.into(), at: at.into() };
    let e = |msgstr: &str, fuzzy: bool| Entry { msgstr: msgstr.into(), fuzzy };
    let messages = vec![
        m("好", "src/a.md:1"),
        m("空", "src/a.md:2"),
        m("模糊", "src/b.md:3"),
        m("中文", "src/b.md:4"),
        m("没有", "src/c.md:5"),
        m("`code`", "src/c.md:6"),
    ];
    let po: BTreeMap<String, Entry> = [
        ("好", e("Good", false)),
        ("空", e("", false)),
        ("模糊", e("Fuzzy", true)),
        ("中文", e("中文", false)),
        ("`code`", e("`code`", false)),
        ("旧", e("Old", false)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(
        problems(&messages, &po),
        [
            "src/a.md:2: untranslated: 「空」",
            "src/b.md:3: fuzzy (its Chinese changed since it was translated): 「模糊」",
            "src/b.md:4: still Chinese: 「中文」",
            "src/c.md:5: not in po/en.po: 「没有」",
            "po/en.po: no longer in the book: 「旧」",
        ]
    );
}

#[test]
fn messages_are_placed_where_their_text_starts() {
    let text = "# 标题\n\n第一段。\n\n```yaml\n{{#include x.yaml}}\n```\n\n第二段，很长的一段话。\n";
    // mdbook-xgettext counts the lines of the included file: line 14 for what is line 9 here.
    assert_eq!(locate(Some(text), 14, "第二段，很长的一段话。"), 9);
    assert_eq!(locate(Some(text), 3, "第一段。"), 3);
    assert_eq!(locate(Some(text), 7, "不在文中"), 7);
    assert_eq!(locate(None, 7, "第一段。"), 7);
    assert_eq!(start_of("一\n二"), "一…");
    assert_eq!(start_of("一"), "一");
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path: PathBuf = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            fs::copy(&path, &dest).unwrap();
        }
    }
}
