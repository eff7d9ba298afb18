//! `mdbook-lab`: the mdBook preprocessor that turns a line `{{#check N}}` (or `{{#check LAB N}}`)
//! into the verify box of step N of a lab, generated from the lab's spec.
//!
//! The box lists what `checker step N` expects of the cluster and the hints it gives, in the
//! book's language, so the book and the checker cannot drift apart: every box names a step the
//! checker runs, and every step of every lab of the book has exactly one box. Anything else fails
//! the build with the chapter and line.
//!
//! A book holds one or more labs (see `lab_spec::catalog`). A box names its lab explicitly,
//! `{{#check restart-policy 2}}`, or by where its chapter is: a chapter in `src/<id>/` belongs to
//! lab `<id>`, any other chapter to the book's first lab, so `{{#check 2}}` in
//! `src/restart-policy/step2.md` is step 2 of `restart-policy`. When the book holds more than one
//! lab, the box's command names the lab: `checker --lab restart-policy step 2`.
//!
//! The labs are read from the book root's `labs/` (so edits show on the next build without
//! recompiling), each file within the bounds of `lab_spec::bounded` (a regular file of at most
//! 1 MiB whose YAML aliases expand within the limits: an alias bomb fails the build at once),
//! falling back to the labs built into `lab-spec` when the root has none; `checker
//! serve` hands in the labs it checks against ([`LabPreprocessor::with_labs`]).
//!
//! For the translation (gettext, with mdbook-i18n-helpers) the preprocessor also runs for the
//! `xgettext` renderer, which extracts the messages of the book: there the box lines become blank
//! lines, since the boxes are written from the spec's own `en` texts, not translated. And every
//! ```` ```mermaid ```` block, and every ```` ```text ```` block holding Chinese, is marked so that
//! gettext takes it as one message (see [`mark_messages`]).
//!
//! The box's HTML has stable class names (`lab-check`, `lab-check-title`,
//! `lab-check-expectations`, `lab-check-hints`, `lab-check-result`) and data attributes
//! (`data-lab`, `data-step`, `data-step-id`, `data-check`) so that `checker serve` can attach its
//! Run-check buttons with JavaScript.
//!
//! Under the command, a line `lab-check-install` tells a reader without `checker` how to install
//! it in one line: the shell installer and the PowerShell one of the latest release (the book's
//! `theme/lab.js` shows the one for the reader's system), and a link to the install section
//! ([`INSTALL_SECTION`]). `checker serve` hides that line: whoever sees its buttons has it.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use lab_spec::{Lab, LabSpec, Labs, Lang, Step};
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::errors::Result;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

/// The preprocessor's name, as in `[preprocessor.lab]`.
pub const NAME: &str = "lab";

/// The project's repository (the workspace's `repository` in Cargo.toml): the release workflow
/// publishes `checker`'s archives and installers there.
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// The install section of the book, relative to the book's root.
pub const INSTALL_SECTION: &str = "checker.html#install";

/// The one-line installers of the latest release, as dist names them: (Unix shell, PowerShell).
pub fn install_commands() -> (String, String) {
    let base = format!("{}/releases/latest/download", REPOSITORY.trim_end_matches('/'));
    (
        format!("curl --proto '=https' --tlsv1.2 -LsSf {base}/checker-installer.sh | sh"),
        format!("powershell -ExecutionPolicy Bypass -c \"irm {base}/checker-installer.ps1 | iex\""),
    )
}

/// The `lab` preprocessor. Register it in-process with
/// `MDBook::with_preprocessor(LabPreprocessor::new())`, or run the `mdbook-lab` binary.
#[derive(Debug, Clone, Default)]
pub struct LabPreprocessor {
    labs: Option<Labs>,
}

impl LabPreprocessor {
    /// A preprocessor that reads the labs from the book root on every run (see the crate docs).
    pub fn new() -> Self {
        Self { labs: None }
    }

    /// A preprocessor that always uses these labs.
    pub fn with_labs(labs: Labs) -> Self {
        Self { labs: Some(labs) }
    }

    /// A preprocessor for a book of this one lab.
    pub fn with_spec(spec: LabSpec) -> Self {
        Self::with_labs(Labs::single(spec))
    }

    /// The labs for this run: the fixed ones, else the book root's `labs/`, else the built-in
    /// ones (only when the root has no `labs/labs.yaml`; a malformed file is an error).
    pub fn labs(&self, ctx: &PreprocessorContext) -> Result<Labs> {
        if let Some(labs) = &self.labs {
            return Ok(labs.clone());
        }
        if let Ok(Some(spec)) = ctx.config.get::<PathBuf>("preprocessor.lab.spec") {
            return Err(anyhow!(
                "`preprocessor.lab.spec` ({}) is no longer read: the book's labs are labs/<id>/lab.yaml, \
                 listed in {}",
                spec.display(),
                lab_spec::catalog::CATALOG_PATH
            ));
        }
        // Whatever is there (a FIFO or a directory in its place is refused, not taken for none),
        // read within lab_spec's bounds: a lab file cannot hang the build or grow it without bound.
        if ctx.root.join(lab_spec::catalog::CATALOG_PATH).symlink_metadata().is_ok() {
            return Ok(Labs::load(&ctx.root)?);
        }
        Ok(Labs::embedded()?)
    }
}

impl Preprocessor for LabPreprocessor {
    fn name(&self) -> &str {
        NAME
    }

    fn run(&self, ctx: &PreprocessorContext, mut book: Book) -> Result<Book> {
        let labs = self.labs(ctx)?;
        let lang = lang_of(ctx.config.book.language.as_deref());
        let src_dir = ctx.config.book.src.clone();
        let mut expander = Expander::new(&labs, lang);
        if ctx.renderer == XGETTEXT {
            expander = expander.blanking_boxes();
        }
        book.for_each_mut(|item| {
            let BookItem::Chapter(ch) = item else { return };
            let Some(source) = ch.source_path.clone().or_else(|| ch.path.clone()) else {
                return; // a draft chapter: no file, no content
            };
            let shown = src_dir.join(&source);
            ch.content = mark_messages(&expander.expand(&shown, &source, &ch.content));
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

/// The line that [`mark_messages`] puts at the top of every Mermaid diagram: a Mermaid comment
/// (which draws nothing) with a double quote in it.
pub const MERMAID_I18N: &str = r#"%% i18n: "one gettext message: translate the labels""#;

/// The word that [`mark_messages`] adds to the info string of a ```` ```text ```` block holding
/// Chinese: one word with a double quote in it. mdBook shows nothing of it (the words of an info
/// string after the language become classes of the `<code>` element).
pub const TEXT_I18N: &str = r#"i18n="one-gettext-message""#;

/// Marks the code blocks that must be one gettext message each, but that mdbook-i18n-helpers
/// would otherwise leave out of the translation:
///
/// - every ```` ```mermaid ```` block gets [`MERMAID_I18N`] as its first line;
/// - a ```` ```text ```` block holding Chinese (a sample of what `checker` prints in Chinese, say)
///   gets [`TEXT_I18N`] after `text` in its info string, so that the English edition can show
///   the English output.
///
/// Why: mdbook-i18n-helpers (0.4) extracts from a code block in a language it has no grammar for,
/// such as Mermaid or `text`, either the whole block as one message or nothing: nothing unless the
/// block (its fence line included) holds a `"` or a `//` (its `heuristic_codeblock`). A flowchart
/// with quoted labels would be extracted and a sequence diagram would not. With the marks, every
/// such block is one message, both when `mdbook-xgettext` extracts it (this preprocessor runs
/// for it) and when `mdbook-gettext` looks it up to translate the English edition (this
/// preprocessor runs before it). A `text` block without Chinese (a sample of `kubectl`'s output)
/// stays as it is: it needs no translation. Marking twice changes nothing.
pub fn mark_messages(content: &str) -> String {
    let lines: Vec<&str> = content.split_inclusive('\n').collect();
    let mut out = String::with_capacity(content.len() + 64);
    let mut i = 0;
    while i < lines.len() {
        let text = lines[i];
        let body = text.trim_end_matches(['\n', '\r']);
        let Some((ch, len)) = opening_fence(body) else {
            out.push_str(text);
            i += 1;
            continue;
        };
        // The block runs to its closing fence, or to the end of the chapter.
        let end = lines[i + 1..]
            .iter()
            .position(|l| is_closing_fence(l.trim_end_matches(['\n', '\r']), ch, len))
            .map_or(lines.len(), |p| i + 1 + p);
        let inner = &lines[i + 1..end];
        let indent = &body[..body.len() - body.trim_start_matches(' ').len()];
        let fence = &body[indent.len()..indent.len() + len * ch.len_utf8()];
        let info = body[indent.len() + fence.len()..].trim();
        let eol = if text.ends_with("\r\n") { "\r\n" } else { "\n" };
        match info {
            "mermaid" if inner.first().is_none_or(|l| l.trim() != MERMAID_I18N) => {
                out.push_str(body);
                out.push_str(eol);
                out.push_str(indent);
                out.push_str(MERMAID_I18N);
                out.push_str(eol);
            }
            "text" if inner.iter().any(|l| l.chars().any(is_chinese)) => {
                out.push_str(indent);
                out.push_str(fence);
                out.push_str("text ");
                out.push_str(TEXT_I18N);
                out.push_str(eol);
            }
            _ => out.push_str(text),
        }
        inner.iter().for_each(|l| out.push_str(l));
        if let Some(closing) = lines.get(end) {
            out.push_str(closing);
        }
        i = end + 1;
    }
    out
}

/// Han characters and CJK punctuation and full-width forms: what the Chinese source writes.
fn is_chinese(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}')
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

/// A problem with the book's boxes: where (when it is at a place in a chapter), and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Option<Location>,
    /// The lab it concerns, when known.
    pub lab: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{at}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Expands the boxes chapter by chapter and remembers where each step was boxed, so that
/// [`Expander::finish`] can report every mismatch with the labs at once.
pub struct Expander<'a> {
    labs: &'a Labs,
    lang: Lang,
    blank: bool,
    boxed: BTreeMap<(String, u32), Vec<Location>>,
    problems: Vec<Problem>,
}

impl<'a> Expander<'a> {
    pub fn new(labs: &'a Labs, lang: Lang) -> Self {
        Self { labs, lang, blank: false, boxed: BTreeMap::new(), problems: Vec::new() }
    }

    /// Replaces each box line with a blank line instead of the box (still checking it), so that
    /// the lines keep their numbers: for the extraction of the messages to translate.
    pub fn blanking_boxes(mut self) -> Self {
        self.blank = true;
        self
    }

    /// Returns `content` with every `{{#check [LAB] N}}` line replaced by the step's box.
    /// `file` names the chapter in errors; `source`, its path under `src/`, gives the lab of a
    /// box that names none.
    pub fn expand(&mut self, file: &Path, source: &Path, content: &str) -> String {
        // The boxes' links start from the chapter's directory.
        let path_to_root = "../".repeat(source.components().count().saturating_sub(1));
        let mut out = String::with_capacity(content.len());
        for (index, line) in scan(content) {
            let at = Location { file: file.to_path_buf(), line: index + 1 };
            match line {
                Line::Text(text) => out.push_str(text),
                Line::Misplaced(text) => {
                    self.problem(
                        Some(at),
                        None,
                        format!(
                            "a `{{{{#check N}}}}` (or `{{{{#check LAB N}}}}`) must stand alone on its line \
                             (code spans and fenced code excepted); found: {}",
                            text.trim()
                        ),
                    );
                    out.push_str(text);
                }
                Line::Check { lab, step, text } => match self.resolve(&at, source, lab, step) {
                    Some((lab, step)) if self.blank => {
                        self.boxed.entry((lab.id().to_string(), step.number)).or_default().push(at);
                        out.push_str(if text.ends_with("\r\n") { "\r\n" } else { "\n" });
                    }
                    Some((lab, step)) => {
                        self.boxed.entry((lab.id().to_string(), step.number)).or_default().push(at);
                        // Blank lines around: the box is a block of raw HTML of its own.
                        out.push('\n');
                        out.push_str(&render_box(
                            lab.id(),
                            step,
                            self.lang,
                            self.labs.in_book() > 1,
                            &path_to_root,
                        ));
                        out.push('\n');
                    }
                    None => out.push_str(text),
                },
            }
        }
        out
    }

    /// The lab and step a box names, or `None` with the problem recorded.
    fn resolve(
        &mut self,
        at: &Location,
        source: &Path,
        lab: Option<&str>,
        step: &str,
    ) -> Option<(&'a Lab, &'a Step)> {
        let labs = self.labs;
        let shown = match lab {
            Some(lab) => format!("{{{{#check {lab} {step}}}}}"),
            None => format!("{{{{#check {step}}}}}"),
        };
        let lab = match lab {
            Some(id) => match labs.get(id) {
                Some(lab) => lab,
                None => {
                    let message = format!("`{shown}` names no lab of the book (its labs are {})", labs.ids());
                    self.problem(Some(at.clone()), None, message);
                    return None;
                }
            },
            None => labs.lab_of_chapter(source),
        };
        match step.parse::<u32>().ok().and_then(|n| lab.spec.step(n)) {
            Some(step) => Some((lab, step)),
            None => {
                let numbers: Vec<String> = lab.spec.steps.iter().map(|s| s.number.to_string()).collect();
                let whose = match labs.in_book() > 1 {
                    true => format!("lab `{}`", lab.id()),
                    false => "the lab spec".to_string(),
                };
                let message =
                    format!("`{shown}` names no step of {whose} (its steps are {})", numbers.join(", "));
                self.problem(Some(at.clone()), Some(lab.id()), message);
                None
            }
        }
    }

    fn problem(&mut self, at: Option<Location>, lab: Option<&str>, message: String) {
        self.problems.push(Problem { at, lab: lab.map(str::to_string), message });
    }

    /// Every problem: those found while expanding, then each step of a lab of the book without
    /// exactly one box.
    pub fn problems(mut self) -> Vec<Problem> {
        let several = self.labs.in_book() > 1;
        for lab in self.labs.iter().filter(|l| l.in_book) {
            for step in &lab.spec.steps {
                let (id, n) = (lab.id(), step.number);
                let what = match several {
                    true => format!("lab `{id}` step {n} ({})", step.id),
                    false => format!("step {n} ({})", step.id),
                };
                let message = match self.boxed.get(&(id.to_string(), n)).map(Vec::as_slice) {
                    None | Some([]) if several => format!(
                        "{what} has no verify box: add a line `{{{{#check {id} {n}}}}}` to its chapter"
                    ),
                    None | Some([]) => {
                        format!("{what} has no verify box: add a line `{{{{#check {n}}}}}` to its chapter")
                    }
                    Some([_]) => continue,
                    Some(places) => {
                        let places: Vec<String> = places.iter().map(ToString::to_string).collect();
                        format!(
                            "{what} is boxed {} times, at {}: keep exactly one",
                            places.len(),
                            places.join(", ")
                        )
                    }
                };
                self.problems.push(Problem { at: None, lab: Some(id.to_string()), message });
            }
        }
        self.problems
    }

    /// The problems found, or `Ok` when every step has exactly one box and every box a step.
    pub fn finish(self) -> Result<()> {
        let problems = self.problems();
        if problems.is_empty() {
            return Ok(());
        }
        let mut msg = String::from("the book's verify boxes do not match the lab spec:");
        for p in &problems {
            msg.push_str("\n  ");
            msg.push_str(&p.to_string());
        }
        Err(anyhow!(msg))
    }
}

/// One line of a chapter, classified.
#[derive(Debug, PartialEq, Eq)]
enum Line<'t> {
    /// Anything else, with its line ending.
    Text(&'t str),
    /// A `{{#check [LAB] STEP}}` standing alone on its line, outside code; `text` is the whole
    /// line.
    Check { lab: Option<&'t str>, step: &'t str, text: &'t str },
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
            match inner.split_whitespace().collect::<Vec<_>>()[..] {
                [step] => return Line::Check { lab: None, step, text },
                [lab, step] => return Line::Check { lab: Some(lab), step, text },
                _ => {}
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
    install: &'static str,
    /// The link to the install section, in parentheses: (before, text, after).
    install_link: (&'static str, &'static str, &'static str),
}

fn labels(lang: Lang) -> Labels {
    match lang {
        Lang::Zh => Labels {
            verify: "验证",
            step: "步骤",
            colon: "：",
            hints: "提示",
            install: "还没有 checker？一行安装：",
            install_link: ("（", "安装说明", "）"),
        },
        Lang::En => Labels {
            verify: "Verify",
            step: "Step",
            colon: ": ",
            hints: "Hints",
            install: "No checker yet? Install it in one line: ",
            install_link: (" (", "more ways", ")"),
        },
    }
}

/// The verify box of step `step` of lab `lab`: one block of HTML with no blank line inside, so
/// that Markdown leaves it alone. With `name_lab` (a book of several labs), its command names the
/// lab. `path_to_root` leads from the chapter to the book's root (`""` at the root).
pub fn render_box(lab: &str, step: &Step, lang: Lang, name_lab: bool, path_to_root: &str) -> String {
    let l = labels(lang);
    let mut h = String::new();
    let _ = writeln!(
        h,
        r#"<div class="lab-check" data-lab="{}" data-step="{}" data-step-id="{}">"#,
        escape(lab),
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
    let command = match name_lab {
        true => format!("checker --lab {} step {}", escape(lab), step.number),
        false => format!("checker step {}", step.number),
    };
    let _ = writeln!(h, r#"<pre><code class="language-console">$ {command}</code></pre>"#);
    let (unix, windows) = install_commands();
    let _ = writeln!(
        h,
        r#"<p class="lab-check-install">{}<code class="lab-install-unix">{}</code> <code class="lab-install-windows">{}</code>{}<a href="{}">{}</a>{}</p>"#,
        l.install,
        escape(&unix),
        escape(&windows),
        l.install_link.0,
        escape(&format!("{path_to_root}{INSTALL_SECTION}")),
        l.install_link.1,
        l.install_link.2
    );
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
    // The spec says what a pending step waits for; how to check again is the same for every step.
    let n = step.number;
    let again = match lang {
        Lang::Zh => format!("稍后再运行 `checker step {n}`，或用 `checker step {n} --wait` 一直观察到通过。"),
        Lang::En => format!(
            " Run `checker step {n}` again in a moment, or watch it pass with `checker step {n} --wait`."
        ),
    };
    let _ = writeln!(h, "<p>{}{}</p>", inline(step.pending_hint.get(lang)), inline(&again));
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
