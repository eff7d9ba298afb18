//! Every message a learner reads exists in both languages.
//!
//! The checker's own words go through [`tr`](super::tr) or [`msg!`](crate::msg) (both take the
//! Chinese and the English text), its help through `cli/zh.rs` (tested there), the page's words
//! through the two tables of `serve/serve.js`. This test reads the checker's source and fails on
//! a string literal of English words that reaches the learner without its Chinese twin: a literal
//! that is neither inside a `tr(…)`/`msg!(…)`/`Msg::new(…)` call nor given to something that is
//! not for the learner (a panic, a test, a file name…). Known exceptions are listed with the
//! reason they are not messages.

use std::path::{Path, PathBuf};

/// Calls whose text arguments are bilingual.
const BILINGUAL: &[&str] = &["tr", "msg!", "Msg::new"];

/// Calls whose text is not for the learner: programming errors, code, protocol, file formats.
const NOT_FOR_THE_LEARNER: &[&str] = &[
    "expect",
    "panic!",
    "unreachable!",
    "assert!",
    "assert_eq!",
    "debug_assert!",
    "with_template",
    "strftime",
    "header",
    "fields",
    "tracing::debug!",
];

/// Literals that are English on purpose, by file and an excerpt, with the reason.
const ALLOWED: &[(&str, &str, &str)] = &[
    ("evaluate/containers.rs", "kubectl logs {pod_name}", "a command to type, inside a bilingual hint"),
    ("evaluate/cause.rs", "checker step {}", "a command to type (the lab just checked is the default one)"),
    ("serve/api.rs", "kind create cluster", "commands to type"),
    ("serve/api.rs", "minikube start", "commands to type"),
    ("serve/api.rs", "k3d cluster create", "commands to type"),
    ("record.rs", "Init Containers", "Kubernetes' words: the sections of a gantt chart, as in the spec"),
    ("serve.rs", "checker serve: {url}", "the program's name and the URL; the rest is tr()"),
    ("progress.rs", "no free name", "an I/O error, shown where the system's own I/O errors are"),
];

/// A string literal of the source: where it starts, its text, and the calls it is an argument
/// of (innermost last: the names before each `(` or `[` still open there).
struct Literal {
    start: usize,
    text: String,
    calls: Vec<String>,
    /// Each open call's number in the file, for telling which literals are arguments of one call.
    ids: Vec<usize>,
}

/// The name of the call whose `(` is at `open`: `tr`, `msg!`, `Msg::new`, `x.expect` → `expect`.
fn callee(src: &str, open: usize) -> String {
    let b = src.as_bytes();
    let mut j = open;
    while j > 0 && (b[j - 1].is_ascii_alphanumeric() || b"_:!".contains(&b[j - 1])) {
        j -= 1;
    }
    src[j..open].trim_start_matches("::").to_string()
}

/// The string literals of Rust source, outside comments and char literals, with their calls.
fn literals(src: &str) -> Vec<Literal> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut calls: Vec<(String, usize)> = Vec::new();
    let mut opened = 0;
    let mut i = 0;
    let literal = |start: usize, text: &str, calls: &[(String, usize)]| Literal {
        start,
        text: text.to_string(),
        calls: calls.iter().map(|(c, _)| c.clone()).collect(),
        ids: calls.iter().map(|(_, id)| *id).collect(),
    };
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'(' | b'[' => {
                opened += 1;
                calls.push((callee(src, i), opened));
                i += 1;
            }
            b')' | b']' => {
                calls.pop();
                i += 1;
            }
            b'\'' => {
                // A char literal ('"', '\'', 'x') or a lifetime ('a).
                if b.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < b.len() && b[i] != b'\'' {
                        i += 1;
                    }
                    i += 1;
                } else {
                    let ch = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                    i += if b.get(i + 1 + ch) == Some(&b'\'') { 2 + ch } else { 1 };
                }
            }
            b'r' if (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let mut j = i + 1;
                while b.get(j) == Some(&b'#') {
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(j - i - 1));
                let body = j + 1;
                let end = src[body..].find(&close).map_or(b.len(), |e| body + e);
                out.push(literal(i, &src[body..end], &calls));
                i = end + close.len();
            }
            b'"' => {
                let start = i;
                i += 1;
                let body = i;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                out.push(literal(start, &src[body..i.min(b.len())], &calls));
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn is_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The call a literal is an argument of, `format!` aside: a Chinese literal given to the same
/// call (`fail(format!("…"), format!("…"))`, a `(zh, en)` pair) is its twin.
fn pair_call(literal: &Literal) -> Option<usize> {
    let formats = literal.calls.iter().rev().take_while(|c| c.as_str() == "format!").count();
    literal.ids.iter().rev().nth(formats).copied()
}

/// Whether a literal reads as English words: two in a row (format arguments and escapes aside)
/// and no Chinese.
fn is_english(text: &str) -> bool {
    if text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || "，。：；（）“”、".contains(c))
    {
        return false;
    }
    let mut plain = String::new();
    let mut depth = 0;
    for c in text.replace("\\n", " ").chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = plain.split(' ').collect();
    words.windows(2).any(|w| {
        w.iter().all(|word| {
            let word = word.trim_end_matches([',', '.', ':', ';', ')']).trim_start_matches('(');
            word.len() > 1
                && word.chars().all(|c| c.is_ascii_alphabetic() || c == '\'')
                && word.chars().any(|c| c.is_ascii_lowercase())
        })
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source that ships: test files and inline test modules left out.
fn shipped_source(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    // Test code: the tests' own files (and the files of a `tests/` module), the fixtures and this
    // file.
    let in_tests = path.parent().and_then(Path::file_name).is_some_and(|dir| dir == "tests");
    if in_tests || ["tests.rs", "fixtures.rs", "completeness.rs"].contains(&name) {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let shipped = match text.find("\n#[cfg(test)]") {
        Some(end) => text[..end].to_string(),
        None => text,
    };
    Some(shipped)
}

#[test]
fn every_english_message_has_a_chinese_twin() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 30, "the checker's source: {files:?}");
    let mut found = Vec::new();
    for path in &files {
        let Some(text) = shipped_source(path) else { continue };
        let file = path.strip_prefix(&src).unwrap().display().to_string();
        let all = literals(&text);
        let with_chinese: std::collections::BTreeSet<usize> =
            all.iter().filter(|l| is_chinese(&l.text)).flat_map(|l| l.ids.iter().copied()).collect();
        for literal in all {
            if !is_english(&literal.text) {
                continue;
            }
            if pair_call(&literal).is_some_and(|id| with_chinese.contains(&id)) {
                continue;
            }
            let calls = &literal.calls;
            // `i18n::tr` is `tr`.
            let last_segment = |c: &String| c.rsplit("::").next().unwrap_or_default().to_string();
            if calls
                .iter()
                .any(|c| BILINGUAL.contains(&c.as_str()) || BILINGUAL.contains(&last_segment(c).as_str()))
            {
                continue;
            }
            if calls.last().is_some_and(|c| NOT_FOR_THE_LEARNER.contains(&last_segment(c).as_str())) {
                continue;
            }
            if ALLOWED.iter().any(|(f, excerpt, _)| *f == file && literal.text.contains(excerpt)) {
                continue;
            }
            let line = text[..literal.start].lines().count().max(1);
            found.push(format!("{file}:{line}: {:?} (in {calls:?})", literal.text));
        }
    }
    assert!(
        found.is_empty(),
        "English without Chinese (use tr(lang, zh, en) or msg!(zh, en), or list it in ALLOWED with the reason):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scanner_finds_what_it_should() {
    let src = r#"
        fn f(lang: Lang) {
            println!("cannot reach the server");
            let a = tr(lang, &format!("连不上 {x}"), &format!("cannot reach {x}"));
            let b = msg!("找不到", "cannot find it");
            let e = fail(format!("找不到 {x}"), format!("cannot find {x}"));
            let c = '"'; // "not a literal"
            x.expect("the spec is valid");
            let d = format!("{pod}: {reason}");
        }
    "#;
    let english: Vec<(String, Vec<String>)> =
        literals(src).into_iter().filter(|l| is_english(&l.text)).map(|l| (l.text, l.calls)).collect();
    let texts: Vec<&str> = english.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        texts,
        [
            "cannot reach the server",
            "cannot reach {x}",
            "cannot find it",
            "cannot find {x}",
            "the spec is valid"
        ]
    );
    let all = literals(src);
    let twin = all.iter().find(|l| l.text == "cannot find {x}").unwrap();
    let chinese = all.iter().find(|l| l.text == "找不到 {x}").unwrap();
    assert!(chinese.ids.contains(&pair_call(twin).unwrap()), "a pair of arguments of one call");
    let alone = all.iter().find(|l| l.text == "cannot reach the server").unwrap();
    assert!(all.iter().filter(|l| is_chinese(&l.text)).all(|c| !c.ids.contains(&pair_call(alone).unwrap())));
    assert_eq!(english[0].1, ["println!"]);
    assert_eq!(english[1].1, ["tr", "format!"]);
    assert_eq!(english[2].1, ["msg!"]);
    assert_eq!(english[4].1, ["expect"]);
}

/// The page's two tables of words have the same entries.
#[test]
fn the_pages_words_exist_in_both_languages() {
    let js = include_str!("../serve/serve.js");
    let table = |start: &str| -> Vec<String> {
        let body = &js[js.find(start).unwrap_or_else(|| panic!("{start} in serve.js"))..];
        let body = &body[..body.find("\n      }").expect("the table's end")];
        body.lines()
            .filter_map(|l| l.strip_prefix("        "))
            .filter(|l| !l.starts_with(' '))
            .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim().to_string()))
            .collect()
    };
    let en = table("? {\n        run:");
    let zh = table(": {\n        run:");
    assert!(en.len() > 10, "{en:?}");
    assert_eq!(en, zh, "serve.js: the English and Chinese tables differ");
}
