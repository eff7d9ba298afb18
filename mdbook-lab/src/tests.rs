use super::*;
use mdbook_preprocessor::book::Chapter;
use mdbook_preprocessor::config::Config;

fn spec() -> LabSpec {
    LabSpec::embedded().expect("embedded spec")
}

/// A small spec whose texts need escaping.
const TRICKY: &str = r#"
version: 1
id: tricky
title: { zh: 实验, en: Lab }
namespace: ns
goals: []
steps:
  - number: 4
    id: "x<y"
    title: { zh: "标题 <b>&</b>", en: "Title <b>&</b>" }
    pending_hint: { zh: "等一下 `a<b`", en: "wait `a<b`" }
    expectations:
      - id: e1
        description: { zh: "用 `` a`b `` 与 \"引号\" 和 {{#include x}}", en: "use `` a`b ``" }
        hint: { zh: "运行 `kubectl get pod -o jsonpath='{.a}'`", en: "run it" }
        check: { kind: pod_exists, pod: p }
"#;

fn tricky() -> LabSpec {
    LabSpec::parse(TRICKY, "tricky.yaml").expect("tricky spec")
}

fn ctx(root: &Path, language: &str) -> PreprocessorContext {
    let config: Config = format!("[book]\nlanguage = \"{language}\"\n").parse().expect("config");
    PreprocessorContext::new(root.to_path_buf(), config, "html".into())
}

/// A book with one chapter per step of `spec`, each holding its box.
fn book_for(spec: &LabSpec) -> Book {
    let mut book = Book::new();
    for step in &spec.steps {
        let content = format!("# 步骤 {n}\n\n正文。\n\n{{{{#check {n}}}}}\n\n后文。\n", n = step.number);
        book.push_item(Chapter::new(
            &format!("步骤 {}", step.number),
            content,
            format!("step-{}.md", step.number),
            vec![],
        ));
    }
    book.push_item(BookItem::Chapter(Chapter::new_draft("草稿", vec![])));
    book
}

fn chapter<'b>(book: &'b Book, path: &str) -> &'b Chapter {
    book.chapters().find(|c| c.path.as_deref() == Some(Path::new(path))).expect("chapter")
}

#[test]
fn box_of_step_1_has_the_stable_structure_and_the_specs_chinese_text() {
    let spec = spec();
    let html = render_box("init-container", spec.step(1).unwrap(), Lang::Zh, false, "");
    assert!(
        html.starts_with(
            r#"<div class="lab-check" data-lab="init-container" data-step="1" data-step-id="deploy">"#
        ),
        "{html}"
    );
    assert!(html.contains(r#"<p class="lab-check-title">验证 · 步骤 1：部署带 Init Container 的 Pod</p>"#));
    assert!(html.contains(r#"<pre><code class="language-console">$ checker step 1</code></pre>"#));
    assert!(html.contains(r#"<ul class="lab-check-expectations">"#));
    assert!(html.contains(
        r#"<li data-check="pod-exists">Pod <code>init-demo</code> 存在于命名空间 <code>experiments</code></li>"#
    ));
    assert!(html.contains(r#"<details class="lab-check-hints"><summary>提示</summary>"#));
    assert!(html.contains(
        r#"<li data-check="pod-exists">先部署：<code>kubectl apply -f manifests/init-container.yaml</code></li>"#
    ));
    assert!(html.contains("<p>Pod 还在初始化"));
    assert!(html.contains("或用 <code>checker step 1 --wait</code> 一直观察到通过。</p>"), "{html}");
    assert!(html.trim_end().ends_with("<div class=\"lab-check-result\" hidden></div>\n</div>"));
    // One <li> per expectation, in the list and in the hints.
    let n = spec.step(1).unwrap().expectations.len();
    assert_eq!(html.matches("<li data-check=").count(), 2 * n);
    assert!(!html.contains("\n\n"), "a blank line would end the HTML block:\n{html}");
}

#[test]
fn every_step_of_the_embedded_spec_renders_balanced_html() {
    for step in &spec().steps {
        let html = render_box("init-container", step, Lang::Zh, false, "");
        for tag in ["div", "p", "ul", "li", "details", "summary", "pre", "code"] {
            let open = html.matches(&format!("<{tag}>")).count() + html.matches(&format!("<{tag} ")).count();
            let close = html.matches(&format!("</{tag}>")).count();
            assert_eq!(open, close, "<{tag}> in step {}:\n{html}", step.number);
        }
        assert!(!html.contains('`'), "unrendered backtick in step {}:\n{html}", step.number);
    }
}

#[test]
fn spec_text_is_escaped_and_code_spans_rendered() {
    let spec = tricky();
    let html = render_box("tricky", spec.step(4).unwrap(), Lang::Zh, false, "");
    assert!(html.contains(r#"data-step-id="x&lt;y""#), "{html}");
    assert!(html.contains("步骤 4：标题 &lt;b&gt;&amp;&lt;/b&gt;</p>"), "{html}");
    assert!(
        html.contains("用 <code>a`b</code> 与 &quot;引号&quot; 和 &#123;&#123;#include x&#125;&#125;"),
        "{html}"
    );
    assert!(html.contains("<code>kubectl get pod -o jsonpath=&#39;&#123;.a&#125;&#39;</code>"), "{html}");
    assert!(html.contains("<p>等一下 <code>a&lt;b</code>稍后再运行 <code>checker step 4</code>"), "{html}");
    assert!(!html.contains("{{"), "{html}");
}

#[test]
fn inline_renders_code_spans_like_commonmark() {
    assert_eq!(inline("a `b` c"), "a <code>b</code> c");
    assert_eq!(inline("`` x ` y ``"), "<code>x ` y</code>");
    assert_eq!(inline("` `"), "<code> </code>");
    assert_eq!(inline("unmatched ` tick"), "unmatched ` tick");
    assert_eq!(inline("``a`"), "``a`");
    assert_eq!(inline("<x> & `<y>`"), "&lt;x&gt; &amp; <code>&lt;y&gt;</code>");
    assert_eq!(inline("a\nb"), "a b");
}

#[test]
fn english_books_get_english_boxes() {
    assert_eq!(lang_of(Some("zh-CN")), Lang::Zh);
    assert_eq!(lang_of(None), Lang::Zh);
    assert_eq!(lang_of(Some("en-US")), Lang::En);
    let html = render_box("init-container", spec().step(3).unwrap(), Lang::En, false, "");
    assert!(html.contains("Verify · Step 3: Make an init container fail</p>"), "{html}");
    assert!(html.contains("<summary>Hints</summary>"), "{html}");
    assert!(
        html.contains(r#"<p class="lab-check-install">No checker yet? Install it in one line: "#),
        "{html}"
    );
    assert!(html.contains(r#" (<a href="checker.html#install">more ways</a>)</p>"#), "{html}");
}

#[test]
fn every_box_says_how_to_install_checker_in_one_line() {
    let repo = env!("CARGO_PKG_REPOSITORY");
    assert!(repo.starts_with("https://github.com/") && repo.matches('/').count() == 4, "{repo}");
    let html = render_box("init-container", spec().step(2).unwrap(), Lang::Zh, false, "");
    let install =
        html.lines().find(|l| l.starts_with(r#"<p class="lab-check-install">"#)).expect("install line");
    assert!(install.starts_with(r#"<p class="lab-check-install">还没有 checker？一行安装："#), "{install}");
    // The installers dist publishes with every release, for the shell and for PowerShell.
    assert!(install.contains(&format!(
        r#"<code class="lab-install-unix">curl --proto &#39;=https&#39; --tlsv1.2 -LsSf {repo}/releases/latest/download/checker-installer.sh | sh</code>"#
    )), "{install}");
    assert!(install.contains(&format!(
        r#"<code class="lab-install-windows">powershell -ExecutionPolicy Bypass -c &quot;irm {repo}/releases/latest/download/checker-installer.ps1 | iex&quot;</code>"#
    )), "{install}");
    assert!(install.ends_with(r#"（<a href="checker.html#install">安装说明</a>）</p>"#), "{install}");
    // The command to copy stays first: `checker serve` puts its button next to it.
    assert!(html.find("$ checker step 2").unwrap() < html.find("lab-check-install").unwrap());
}

#[test]
fn a_box_in_a_nested_chapter_links_up_to_the_install_section() {
    let tmp = tempfile::tempdir().unwrap();
    let mut book = Book::new();
    for (i, step) in spec().steps.iter().enumerate() {
        let path = if i == 0 { "part/deep/step.md".to_string() } else { format!("step-{}.md", step.number) };
        book.push_item(Chapter::new("s", format!("{{{{#check {}}}}}\n", step.number), path, vec![]));
    }
    // A book of the one lab whose steps it boxes.
    let book = LabPreprocessor::with_spec(spec()).run(&ctx(tmp.path(), "zh-CN"), book).expect("run");
    assert!(chapter(&book, "part/deep/step.md").content.contains(r#"<a href="../../checker.html#install">"#));
    assert!(chapter(&book, "step-2.md").content.contains(r#"<a href="checker.html#install">"#));
}

#[test]
fn a_complete_book_gets_one_box_per_step() {
    let spec = spec();
    let pre = LabPreprocessor::with_spec(spec.clone());
    let tmp = tempfile::tempdir().unwrap();
    let book = pre.run(&ctx(tmp.path(), "zh-CN"), book_for(&spec)).expect("run");
    for step in &spec.steps {
        let ch = chapter(&book, &format!("step-{}.md", step.number));
        assert!(!ch.content.contains("{{#check"), "{}", ch.content);
        let open =
            format!(r#"<div class="lab-check" data-lab="init-container" data-step="{}" "#, step.number);
        assert_eq!(ch.content.matches(&open).count(), 1, "{}", ch.content);
        // The box is its own HTML block: a blank line before and after it.
        assert!(ch.content.contains(&format!("正文。\n\n\n{open}")), "{}", ch.content);
        assert!(ch.content.contains("</div>\n\n\n后文。\n"), "{}", ch.content);
    }
}

#[test]
fn a_box_naming_no_step_fails_with_chapter_and_line() {
    let spec = spec();
    let mut book = book_for(&spec);
    book.push_item(Chapter::new("多余", "# 多余\n\n{{#check 9}}\n".into(), "extra.md", vec![]));
    let pre = LabPreprocessor::with_spec(spec);
    let err = pre.run(&ctx(Path::new("."), "zh-CN"), book).unwrap_err().to_string();
    assert!(err.contains("src/extra.md:3: `{{#check 9}}` names no step"), "{err}");
    assert!(err.contains("(its steps are 1, 2, 3"), "{err}");
}

#[test]
fn a_non_numeric_box_names_no_step() {
    let spec = spec();
    let mut book = book_for(&spec);
    book.push_item(Chapter::new("x", "{{#check deploy}}\n".into(), "x.md", vec![]));
    let err =
        LabPreprocessor::with_spec(spec).run(&ctx(Path::new("."), "zh-CN"), book).unwrap_err().to_string();
    assert!(err.contains("src/x.md:1: `{{#check deploy}}` names no step"), "{err}");
}

#[test]
fn a_step_without_a_box_and_a_step_boxed_twice_are_errors() {
    let spec = spec();
    let mut book = Book::new();
    book.push_item(Chapter::new("一", "{{#check 1}}\n\n{{#check 2}}\n".into(), "one.md", vec![]));
    book.push_item(Chapter::new("二", "text\n  {{#check 1}}  \n".into(), "two.md", vec![]));
    let err =
        LabPreprocessor::with_spec(spec).run(&ctx(Path::new("."), "zh-CN"), book).unwrap_err().to_string();
    assert!(err.contains("step 1 (deploy) is boxed 2 times, at src/one.md:1, src/two.md:2"), "{err}");
    assert!(err.contains("step 3 (failure) has no verify box"), "{err}");
    assert!(err.contains("step 6 (cleanup) has no verify box"), "{err}");
    assert!(!err.contains("step 2 "), "{err}");
}

#[test]
fn code_and_escapes_are_left_alone() {
    let content = "\
```markdown
{{#check 1}}
```
~~~~
{{#check 2}}
```
{{#check 3}}
~~~~
Write `{{#check 1}}` on its own line, or ``{{#check 2}}``.
\\{{#check 6}}
";
    let spec = spec();
    let labs = Labs::single(spec.clone());
    let mut expander = Expander::new(&labs, Lang::Zh);
    let out = expander.expand(Path::new("src/doc.md"), Path::new("doc.md"), content);
    assert_eq!(out, content);
    let err = expander.finish().unwrap_err().to_string();
    // Nothing was counted as a box.
    for step in &spec.steps {
        assert!(err.contains(&format!("step {} ({}) has no verify box", step.number, step.id)), "{err}");
    }
    assert!(!err.contains("src/doc.md"), "{err}");
}

#[test]
fn a_check_inside_other_text_is_an_error() {
    let labs = Labs::single(spec());
    for line in
        ["see {{#check 1}} here", "<!-- {{#check 1}} -->", "{{#check}}", "{{#check a 1 2}}", "> {{#check 1}}"]
    {
        let mut expander = Expander::new(&labs, Lang::Zh);
        expander.expand(Path::new("src/a.md"), Path::new("a.md"), &format!("intro\n{line}\n"));
        let err = expander.finish().unwrap_err().to_string();
        assert!(
            err.contains("src/a.md:2: a `{{#check N}}` (or `{{#check LAB N}}`) must stand alone"),
            "{line}: {err}"
        );
    }
}

#[test]
fn crlf_line_endings_work() {
    let labs = Labs::single(tricky());
    let mut expander = Expander::new(&labs, Lang::Zh);
    let out = expander.expand(Path::new("src/a.md"), Path::new("a.md"), "a\r\n{{#check 4}}\r\nb\r\n");
    expander.finish().expect("one box for the one step");
    assert!(out.starts_with("a\r\n\n<div class=\"lab-check\" data-lab=\"tricky\" data-step=\"4\""), "{out}");
    assert!(out.ends_with("</div>\n\nb\r\n"), "{out}");
}

/// A book root holding these labs (`labs/labs.yaml` and each `labs/<id>/lab.yaml`).
fn root_with_labs(labs: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let ids: Vec<&str> = labs.iter().map(|(id, _)| *id).collect();
    std::fs::create_dir(tmp.path().join("labs")).unwrap();
    std::fs::write(tmp.path().join("labs/labs.yaml"), format!("version: 1\nlabs: [{}]\n", ids.join(", ")))
        .unwrap();
    for (id, text) in labs {
        std::fs::create_dir(tmp.path().join("labs").join(id)).unwrap();
        std::fs::write(tmp.path().join("labs").join(id).join("lab.yaml"), text).unwrap();
    }
    tmp
}

#[test]
fn the_labs_are_read_from_the_book_root_when_there() {
    let pre = LabPreprocessor::new();
    // No labs/ under the root: the built-in labs.
    let tmp = tempfile::tempdir().unwrap();
    let embedded = pre.labs(&ctx(tmp.path(), "zh-CN")).unwrap();
    assert_eq!(embedded.first().id(), "init-container");
    // The root's labs win, so edits show without recompiling.
    let tmp = root_with_labs(&[("tricky", TRICKY)]);
    let book = pre.run(&ctx(tmp.path(), "zh-CN"), book_for(&tricky())).expect("run with the file's spec");
    assert!(chapter(&book, "step-4.md").content.contains("标题 &lt;b&gt;"));
    // A malformed file is an error, not a silent fallback.
    std::fs::write(tmp.path().join("labs/tricky/lab.yaml"), "version: 1\nbogus: [").unwrap();
    let err = pre.labs(&ctx(tmp.path(), "zh-CN")).unwrap_err().to_string();
    assert!(err.contains("malformed lab spec labs/tricky/lab.yaml"), "{err}");
}

#[test]
fn the_old_spec_setting_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let config: Config = "[preprocessor.lab]\nspec = \"lab-spec/lab.yaml\"\n".parse().unwrap();
    let ctx = PreprocessorContext::new(tmp.path().to_path_buf(), config, "html".into());
    let err = LabPreprocessor::new().labs(&ctx).unwrap_err().to_string();
    assert!(err.contains("lab-spec/lab.yaml") && err.contains("labs/labs.yaml"), "{err}");
}

/// A second lab for books of two labs.
const SECOND: &str = r#"
version: 1
id: second
title: { zh: 第二个实验, en: The second lab }
namespace: second
goals: []
steps:
  - number: 1
    id: only
    title: { zh: 唯一的步骤, en: The only step }
    pending_hint: { zh: 稍等, en: Wait }
    expectations:
      - id: e
        description: { zh: 有 Pod, en: a pod }
        hint: { zh: 部署, en: deploy it }
        check: { kind: pod_exists, pod: p }
"#;

fn two_labs() -> Labs {
    let tmp = root_with_labs(&[("tricky", TRICKY), ("second", SECOND)]);
    Labs::load(tmp.path()).unwrap()
}

#[test]
fn in_a_book_of_two_labs_a_box_names_its_lab_or_takes_its_chapters() {
    let labs = two_labs();
    let mut expander = Expander::new(&labs, Lang::Zh);
    // The first lab's chapters are outside the other labs' directories; src/second/ is lab second's.
    let first = expander.expand(Path::new("src/a.md"), Path::new("a.md"), "{{#check 4}}\n");
    let inferred = expander.expand(Path::new("src/second/b.md"), Path::new("second/b.md"), "{{#check 1}}\n");
    expander.finish().expect("one box per step of each lab");
    assert!(first.contains(r#"data-lab="tricky" data-step="4""#), "{first}");
    assert!(first.contains("$ checker --lab tricky step 4</code>"), "{first}");
    assert!(inferred.contains(r#"data-lab="second" data-step="1""#), "{inferred}");
    assert!(inferred.contains("$ checker --lab second step 1</code>"), "{inferred}");

    let mut expander = Expander::new(&labs, Lang::Zh);
    let named = expander.expand(
        Path::new("src/x.md"),
        Path::new("x.md"),
        "{{#check second 1}}\n{{#check tricky 4}}\n",
    );
    expander.finish().expect("named explicitly, anywhere");
    assert!(named.contains(r#"data-lab="second""#) && named.contains(r#"data-lab="tricky""#), "{named}");
}

#[test]
fn in_a_book_of_two_labs_the_problems_name_the_lab() {
    let labs = two_labs();
    let mut expander = Expander::new(&labs, Lang::Zh);
    expander.expand(
        Path::new("src/x.md"),
        Path::new("x.md"),
        "{{#check third 1}}\n{{#check second 2}}\n{{#check 1}}\n{{#check tricky 4}}\n{{#check 4}}\n",
    );
    let problems = expander.problems();
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "src/x.md:1: `{{#check third 1}}` names no lab of the book (its labs are tricky, second)",
            "src/x.md:2: `{{#check second 2}}` names no step of lab `second` (its steps are 1)",
            "src/x.md:3: `{{#check 1}}` names no step of lab `tricky` (its steps are 4)",
            "lab `tricky` step 4 (x<y) is boxed 2 times, at src/x.md:4, src/x.md:5: keep exactly one",
            "lab `second` step 1 (only) has no verify box: add a line `{{#check second 1}}` to its chapter",
        ]
    );
    assert_eq!(problems[4].lab.as_deref(), Some("second"));
}

#[test]
fn a_lab_outside_the_book_needs_no_box_but_may_have_one() {
    let labs = Labs::single(spec()).with_spec(tricky(), "tricky.yaml".into());
    let mut expander = Expander::new(&labs, Lang::Zh);
    let boxes: String = spec().steps.iter().map(|s| format!("{{{{#check {}}}}}\n", s.number)).collect();
    expander.expand(Path::new("src/a.md"), Path::new("a.md"), &boxes);
    let out = expander.expand(Path::new("src/b.md"), Path::new("b.md"), "{{#check tricky 4}}\n");
    expander.finish().expect("the book's one lab is boxed; tricky is not the book's");
    assert!(out.contains("$ checker step 4</code>"), "a book of one lab: {out}");
}

#[test]
fn mermaid_blocks_get_the_i18n_line_once() {
    let md = "# T\n\n```mermaid\nsequenceDiagram\n    A->>B: 你好\n```\n\n```sh\necho hi\n```\n\n  ```mermaid\r\n  flowchart TD\r\n  ```\n";
    let marked = mark_messages(md);
    assert_eq!(
        marked,
        format!(
            "# T\n\n```mermaid\n{MERMAID_I18N}\nsequenceDiagram\n    A->>B: 你好\n```\n\n```sh\necho hi\n```\n\n  \
             ```mermaid\r\n  {MERMAID_I18N}\r\n  flowchart TD\r\n  ```\n"
        )
    );
    assert_eq!(mark_messages(&marked), marked, "marking twice changes nothing");
    // A Mermaid fence shown inside a longer fence is code, not a diagram.
    let shown = "````md\n```mermaid\nflowchart TD\n```\n````\n";
    assert_eq!(mark_messages(shown), shown);
    // The line is what makes mdbook-i18n-helpers extract the block: it has a double quote.
    assert!(MERMAID_I18N.starts_with("%% ") && MERMAID_I18N.contains('"'));
}

#[test]
fn text_blocks_holding_chinese_are_marked_in_their_info_string_once() {
    let md = "Sample:\n\n```text\nNAME   READY\ninit-demo   1/1\n```\n\n```text\n结果：通过\r\n```\n\n\
              ```bash\necho 你好\n```\n\n````md\n```text\n结果\n```\n````\n\n  ```text\n  未完";
    let marked = mark_messages(md);
    assert_eq!(
        marked,
        format!(
            "Sample:\n\n```text\nNAME   READY\ninit-demo   1/1\n```\n\n```text {TEXT_I18N}\n结果：通过\r\n```\n\n\
             ```bash\necho 你好\n```\n\n````md\n```text\n结果\n```\n````\n\n  ```text {TEXT_I18N}\n  未完"
        ),
        "only the text blocks holding Chinese, not one shown inside another block; an unclosed \
         block runs to the end"
    );
    assert_eq!(mark_messages(&marked), marked, "marking twice changes nothing");
    // One word with a double quote: mdBook makes it one class, mdbook-i18n-helpers a message.
    assert!(TEXT_I18N.contains('"') && !TEXT_I18N.contains(char::is_whitespace));
}

#[test]
fn for_xgettext_the_boxes_are_blank_lines_and_still_checked() {
    let spec = spec();
    let pre = LabPreprocessor::with_spec(spec.clone());
    let tmp = tempfile::tempdir().unwrap();
    let config: Config = "[book]\nlanguage = \"zh-CN\"\n".parse().expect("config");
    let ctx = PreprocessorContext::new(tmp.path().to_path_buf(), config, XGETTEXT.into());
    let book = pre.run(&ctx, book_for(&spec)).expect("run");
    let ch = chapter(&book, "step-1.md");
    assert_eq!(ch.content, "# 步骤 1\n\n正文。\n\n\n\n后文。\n");
    let mut incomplete = book_for(&spec);
    incomplete.items.remove(0);
    let err = pre.run(&ctx, incomplete).unwrap_err().to_string();
    assert!(err.contains("step 1 (deploy) has no verify box"), "{err}");
}
