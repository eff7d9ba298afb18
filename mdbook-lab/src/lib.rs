//! `mdbook-lab`: the mdBook preprocessor that turns a line `{{#check N}}` into the verify box of
//! step N, generated from the lab spec.
//!
//! The box lists what `checker step N` expects of the cluster and the hints it gives, in the
//! book's language, so the book and the checker cannot drift apart: every box names a step the
//! checker runs, and every step the checker runs has exactly one box. Anything else fails the
//! build with the chapter and line.
//!
//! The spec is read from `lab-spec/lab.yaml` under the book root (so edits show on the next build
//! without recompiling; the path can be changed with `[preprocessor.lab] spec = "..."`), falling
//! back to the spec embedded in `lab-spec` when that file does not exist.
//!
//! For the translation (gettext, with mdbook-i18n-helpers) the preprocessor also runs for the
//! `xgettext` renderer, which extracts the messages of the book: there the box lines become blank
//! lines, since the boxes are written from the spec's own `en` texts, not translated. And every
//! ```` ```mermaid ```` block gets [`MERMAID_I18N`] as its first line, so that gettext takes the
//! diagram as one message (see [`mark_mermaid`]).
//!
//! The box's HTML has stable class names (`lab-check`, `lab-check-title`,
//! `lab-check-expectations`, `lab-check-hints`, `lab-check-result`) and data attributes
//! (`data-step`, `data-step-id`, `data-check`) so that `checker serve` can attach its Run-check
//! buttons with JavaScript.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use lab_spec::{LabSpec, Lang, Step};
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::errors::Result;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

/// The preprocessor's name, as in `[preprocessor.lab]`.
pub const NAME: &str = "lab";

/// Where the spec is looked for, relative to the book root, unless `preprocessor.lab.spec` says.
pub const DEFAULT_SPEC_PATH: &str = "lab-spec/lab.yaml";

/// The `lab` preprocessor. Register it in-process with
/// `MDBook::with_preprocessor(LabPreprocessor::new())`, or run the `mdbook-lab` binary.
#[derive(Debug, Clone, Default)]
pub struct LabPreprocessor {
    spec: Option<LabSpec>,
}

impl LabPreprocessor {
    /// A preprocessor that reads the spec from the book root on every run (see the crate docs).
    pub fn new() -> Self {
        Self { spec: None }
    }

    /// A preprocessor that always uses this spec.
    pub fn with_spec(spec: LabSpec) -> Self {
        Self { spec: Some(spec) }
    }

    /// The spec for this run: the fixed one, else the file under the book root, else the
    /// embedded one (only when the file does not exist; a malformed file is an error).
    pub fn spec(&self, ctx: &PreprocessorContext) -> Result<LabSpec> {
        if let Some(spec) = &self.spec {
            return Ok(spec.clone());
        }
        let configured: Option<PathBuf> = ctx
            .config
            .get("preprocessor.lab.spec")
            .context("reading `preprocessor.lab.spec` in book.toml")?;
        let rel = configured.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_SPEC_PATH));
        let path = ctx.root.join(&rel);
        if path.is_file() {
            return Ok(LabSpec::load(&path)?);
        }
        if configured.is_some() {
            return Err(anyhow!("`preprocessor.lab.spec` names {}, which does not exist", path.display()));
        }
        Ok(LabSpec::embedded()?)
    }
}

impl Preprocessor for LabPreprocessor {
    fn name(&self) -> &str {
        NAME
    }

    fn run(&self, ctx: &PreprocessorContext, mut book: Book) -> Result<Book> {
        let spec = self.spec(ctx)?;
        let lang = lang_of(ctx.config.book.language.as_deref());
        let src_dir = ctx.config.book.src.clone();
        let mut expander = Expander::new(&spec, lang);
        if ctx.renderer == XGETTEXT {
            expander = expander.blanking_boxes();
        }
        book.for_each_mut(|item| {
            let BookItem::Chapter(ch) = item else { return };
            let Some(source) = ch.source_path.clone().or_else(|| ch.path.clone()) else {
                return; // a draft chapter: no file, no content
            };
            let shown = src_dir.join(source);
            ch.content = mark_mermaid(&expander.expand(&shown, &ch.content));
        });
        expander.finish()?;
        Ok(book)
    }

    fn supports_renderer(&self, _renderer: &str) -> Result<bool> {
        Ok(true)
    }
}

/// The renderer of mdbook-i18n-helpers that extracts the book's messages into a `.pot` file.
pub const XGETTEXT: &str = "xgettext";

/// The line that [`mark_mermaid`] puts at the top of every Mermaid diagram: a Mermaid comment
/// (which draws nothing) with a double quote in it.
pub const MERMAID_I18N: &str = r#"%% i18n: "one gettext message: translate the labels""#;

/// Adds [`MERMAID_I18N`] as the first line of every ```` ```mermaid ```` block that lacks it.
///
/// Why: mdbook-i18n-helpers (0.4) extracts from a code block in a language it has no grammar for,
/// such as Mermaid, either the whole block as one message or nothing: nothing unless the block
/// holds a `"` or a `//` (its `heuristic_codeblock`). A flowchart with quoted labels would be
/// extracted and a sequence diagram would not. With the line, every diagram is one message, both
/// when `mdbook-xgettext` extracts it (this preprocessor runs for it) and when `mdbook-gettext`
/// looks it up to translate the English edition (this preprocessor runs before it).
pub fn mark_mermaid(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    let mut fence: Option<(char, usize)> = None;
    let mut lines = content.split_inclusive('\n').peekable();
    while let Some(text) = lines.next() {
        out.push_str(text);
        let body = text.trim_end_matches(['\n', '\r']);
        if let Some((ch, len)) = fence {
            if is_closing_fence(body, ch, len) {
                fence = None;
            }
            continue;
        }
        let Some(open) = opening_fence(body) else { continue };
        fence = Some(open);
        let info = body.trim_start_matches(' ')[open.1 * open.0.len_utf8()..].trim();
        let marked = lines.peek().is_some_and(|next| next.trim() == MERMAID_I18N);
        if info == "mermaid" && !marked {
            if !text.ends_with('\n') {
                out.push('\n');
            }
            let indent = &body[..body.len() - body.trim_start_matches(' ').len()];
            out.push_str(indent);
            out.push_str(MERMAID_I18N);
            out.push_str(if text.ends_with("\r\n") { "\r\n" } else { "\n" });
        }
    }
    out
}

/// The book's language from `book.language` (`zh-CN`, `en`, ...): Chinese unless it is English.
pub fn lang_of(language: Option<&str>) -> Lang {
    match language {
        Some(l) if l.to_ascii_lowercase().starts_with("en") => Lang::En,
        _ => Lang::Zh,
    }
}

/// A place in the book: a chapter's source file and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// Expands the boxes chapter by chapter and remembers where each step was boxed, so that
/// [`Expander::finish`] can report every mismatch with the spec at once.
pub struct Expander<'a> {
    spec: &'a LabSpec,
    lang: Lang,
    blank: bool,
    boxed: BTreeMap<u32, Vec<Location>>,
    errors: Vec<String>,
}

impl<'a> Expander<'a> {
    pub fn new(spec: &'a LabSpec, lang: Lang) -> Self {
        Self { spec, lang, blank: false, boxed: BTreeMap::new(), errors: Vec::new() }
    }

    /// Replaces each box line with a blank line instead of the box (still checking it), so that
    /// the lines keep their numbers: for the extraction of the messages to translate.
    pub fn blanking_boxes(mut self) -> Self {
        self.blank = true;
        self
    }

    /// Returns `content` with every `{{#check N}}` line replaced by step N's box. `file` names
    /// the chapter in errors.
    pub fn expand(&mut self, file: &Path, content: &str) -> String {
        let mut out = String::with_capacity(content.len());
        for (index, line) in scan(content) {
            let at = Location { file: file.to_path_buf(), line: index + 1 };
            match line {
                Line::Text(text) => out.push_str(text),
                Line::Misplaced(text) => {
                    self.errors.push(format!(
                        "{at}: a `{{{{#check N}}}}` must stand alone on its line with one step \
                         number (code spans and fenced code excepted); found: {}",
                        text.trim()
                    ));
                    out.push_str(text);
                }
                Line::Check { arg, text } => {
                    match arg.parse::<u32>().ok().and_then(|n| self.spec.step(n)) {
                        Some(step) if self.blank => {
                            self.boxed.entry(step.number).or_default().push(at);
                            out.push_str(if text.ends_with("\r\n") { "\r\n" } else { "\n" });
                        }
                        Some(step) => {
                            self.boxed.entry(step.number).or_default().push(at);
                            // Blank lines around: the box is a block of raw HTML of its own.
                            out.push('\n');
                            out.push_str(&render_box(step, self.lang));
                            out.push('\n');
                        }
                        None => {
                            self.errors.push(format!(
                                "{at}: `{{{{#check {arg}}}}}` names no step of the lab spec \
                                 (its steps are {})",
                                self.step_numbers()
                            ));
                            out.push_str(text);
                        }
                    }
                }
            }
        }
        out
    }

    fn step_numbers(&self) -> String {
        let numbers: Vec<String> = self.spec.steps.iter().map(|s| s.number.to_string()).collect();
        numbers.join(", ")
    }

    /// The problems found, or `Ok` when every step has exactly one box and every box a step.
    pub fn finish(mut self) -> Result<()> {
        for step in &self.spec.steps {
            match self.boxed.get(&step.number).map(Vec::as_slice) {
                None | Some([]) => self.errors.push(format!(
                    "step {} ({}) has no verify box: add a line `{{{{#check {}}}}}` to its chapter",
                    step.number, step.id, step.number
                )),
                Some([_]) => {}
                Some(places) => {
                    let places: Vec<String> = places.iter().map(ToString::to_string).collect();
                    self.errors.push(format!(
                        "step {} ({}) is boxed {} times, at {}: keep exactly one",
                        step.number,
                        step.id,
                        places.len(),
                        places.join(", ")
                    ));
                }
            }
        }
        if self.errors.is_empty() {
            return Ok(());
        }
        let mut msg = String::from("the book's verify boxes do not match the lab spec:");
        for e in &self.errors {
            msg.push_str("\n  ");
            msg.push_str(e);
        }
        Err(anyhow!(msg))
    }
}

/// One line of a chapter, classified.
#[derive(Debug, PartialEq, Eq)]
enum Line<'t> {
    /// Anything else, with its line ending.
    Text(&'t str),
    /// A `{{#check ARG}}` standing alone on its line, outside code; `text` is the whole line.
    Check { arg: &'t str, text: &'t str },
    /// A `{{#check` elsewhere: inside other text, outside code spans and fences.
    Misplaced(&'t str),
}

/// Splits `content` into lines (keeping their endings), numbered from 0, skipping fenced code
/// blocks. A backslash before the braces (`\{{#check 1}}`) is mdBook's escape and is left alone.
fn scan(content: &str) -> impl Iterator<Item = (usize, Line<'_>)> {
    let mut fence: Option<(char, usize)> = None;
    content.split_inclusive('\n').enumerate().map(move |(i, text)| {
        let body = text.trim_end_matches(['\n', '\r']);
        if let Some((ch, len)) = fence {
            if is_closing_fence(body, ch, len) {
                fence = None;
            }
            return (i, Line::Text(text));
        }
        if let Some(open) = opening_fence(body) {
            fence = Some(open);
            return (i, Line::Text(text));
        }
        (i, classify(text, body))
    })
}

fn classify<'t>(text: &'t str, body: &'t str) -> Line<'t> {
    let trimmed = body.trim();
    if let Some(inner) = trimmed.strip_prefix("{{#check").and_then(|r| r.strip_suffix("}}")) {
        if inner.starts_with(char::is_whitespace) {
            let arg = inner.trim();
            if !arg.is_empty() && !arg.contains(char::is_whitespace) {
                return Line::Check { arg, text };
            }
        }
        return Line::Misplaced(text);
    }
    if outside_code_spans(body).any(has_unescaped_check) {
        return Line::Misplaced(text);
    }
    Line::Text(text)
}

fn has_unescaped_check(s: &str) -> bool {
    s.match_indices("{{#check").any(|(i, _)| !s[..i].ends_with('\\'))
}

/// The parts of a line outside inline code spans (a span: a run of N backticks up to the next
/// run of exactly N).
fn outside_code_spans(line: &str) -> impl Iterator<Item = &str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    let bytes = line.as_bytes();
    while pos < bytes.len() {
        if bytes[pos] != b'`' {
            pos += 1;
            continue;
        }
        let run = backtick_run(&line[pos..]);
        match find_run(&line[pos + run..], run) {
            Some(close) => {
                parts.push(&line[start..pos]);
                pos += run + close + run;
                start = pos;
            }
            None => pos += run,
        }
    }
    parts.push(&line[start..]);
    parts.into_iter()
}

fn backtick_run(s: &str) -> usize {
    s.bytes().take_while(|&b| b == b'`').count()
}

/// The byte offset in `s` of the first run of exactly `n` backticks.
fn find_run(s: &str, n: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let run = backtick_run(&s[i..]);
            if run == n {
                return Some(i);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

/// A fence opening a code block: up to 3 spaces, then 3 or more backticks or tildes.
fn opening_fence(line: &str) -> Option<(char, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let ch = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.chars().take_while(|c| *c == ch).count();
    if len < 3 {
        return None;
    }
    // A backtick fence's info string may not contain backticks.
    if ch == '`' && rest[len..].contains('`') {
        return None;
    }
    Some((ch, len))
}

fn is_closing_fence(line: &str, ch: char, len: usize) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return false;
    }
    let rest = &line[indent..];
    let run = rest.chars().take_while(|c| *c == ch).count();
    run >= len && rest[run * ch.len_utf8()..].trim().is_empty()
}

/// The words of the box in each language.
struct Labels {
    verify: &'static str,
    step: &'static str,
    colon: &'static str,
    hints: &'static str,
}

fn labels(lang: Lang) -> Labels {
    match lang {
        Lang::Zh => Labels { verify: "验证", step: "步骤", colon: "：", hints: "提示" },
        Lang::En => Labels { verify: "Verify", step: "Step", colon: ": ", hints: "Hints" },
    }
}

/// The verify box of a step: one block of HTML with no blank line inside, so that Markdown
/// leaves it alone.
pub fn render_box(step: &Step, lang: Lang) -> String {
    let l = labels(lang);
    let mut h = String::new();
    let _ = writeln!(
        h,
        r#"<div class="lab-check" data-step="{}" data-step-id="{}">"#,
        step.number,
        escape(&step.id)
    );
    let _ = writeln!(
        h,
        r#"<p class="lab-check-title">{} · {} {}{}{}</p>"#,
        l.verify,
        l.step,
        step.number,
        l.colon,
        inline(step.title.get(lang))
    );
    let _ = writeln!(h, r#"<pre><code class="language-console">$ checker step {}</code></pre>"#, step.number);
    h.push_str(r#"<ul class="lab-check-expectations">"#);
    h.push('\n');
    for e in &step.expectations {
        let _ = writeln!(h, r#"<li data-check="{}">{}</li>"#, escape(&e.id), inline(e.description.get(lang)));
    }
    h.push_str("</ul>\n");
    let _ = writeln!(h, r#"<details class="lab-check-hints"><summary>{}</summary>"#, l.hints);
    h.push_str("<ul>\n");
    for e in &step.expectations {
        let _ = writeln!(h, r#"<li data-check="{}">{}</li>"#, escape(&e.id), inline(e.hint.get(lang)));
    }
    h.push_str("</ul>\n");
    let _ = writeln!(h, "<p>{}</p>", inline(step.pending_hint.get(lang)));
    h.push_str("</details>\n");
    h.push_str(r#"<div class="lab-check-result" hidden></div>"#);
    h.push_str("\n</div>\n");
    h
}

/// HTML-escapes text. Braces are escaped too, so that nothing in the spec's text can look like
/// an mdBook `{{#...}}` directive to a later preprocessor; line breaks become spaces, so that
/// the box never contains a blank line (which would end the raw HTML block).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            '\r' => {}
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text and renders its inline code spans (`` `x` `` → `<code>x</code>`), the only
/// Markdown the spec's texts use. An unmatched backtick run stays literal text.
pub fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let run = backtick_run(&rest[open..]);
        let after = &rest[open + run..];
        match find_run(after, run) {
            Some(close) => {
                out.push_str(&escape(&rest[..open]));
                let mut code = after[..close].replace(['\n', '\r'], " ");
                // CommonMark: one leading and trailing space are stripped when both are there
                // and the span is not all spaces.
                if code.len() >= 2 && code.starts_with(' ') && code.ends_with(' ') && !code.trim().is_empty()
                {
                    code = code[1..code.len() - 1].to_string();
                }
                out.push_str("<code>");
                out.push_str(&escape(&code));
                out.push_str("</code>");
                rest = &after[close + run..];
            }
            None => {
                out.push_str(&escape(&rest[..open + run]));
                rest = after;
            }
        }
    }
    out.push_str(&escape(rest));
    out
}

#[cfg(test)]
mod tests;
