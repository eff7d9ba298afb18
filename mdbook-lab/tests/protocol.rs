//! The binary speaks mdBook's preprocessor protocol.

use std::io::Write;
use std::process::{Command, Stdio};

use lab_spec::Labs;
use mdbook_preprocessor::PreprocessorContext;
use mdbook_preprocessor::book::{Book, Chapter};
use mdbook_preprocessor::config::Config;

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-lab");

#[test]
fn supports_every_renderer() {
    for renderer in ["html", "markdown"] {
        let status = Command::new(BIN).args(["supports", renderer]).status().unwrap();
        assert!(status.success(), "{renderer}: {status}");
    }
}

fn run(book: &Book) -> std::process::Output {
    let tmp = tempfile::tempdir().unwrap();
    let config: Config = "[book]\nlanguage = \"zh-CN\"\n".parse().unwrap();
    let ctx = PreprocessorContext::new(tmp.path().to_path_buf(), config, "html".into());
    let input = serde_json::to_vec(&(&ctx, book)).unwrap();
    let mut child = Command::new(BIN)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn expands_the_boxes_of_a_book_on_stdin() {
    // A box for every step of every built-in lab: the first lab's chapters in the book's root,
    // the others' in their own directory.
    let labs = Labs::embedded().unwrap();
    let mut book = Book::new();
    for (i, lab) in labs.iter().enumerate() {
        let dir = if i == 0 { String::new() } else { format!("{}/", lab.id()) };
        for step in &lab.spec.steps {
            book.push_item(Chapter::new(
                &step.id,
                format!("# {}\n\n{{{{#check {}}}}}\n", step.id, step.number),
                format!("{dir}{}.md", step.id),
                vec![],
            ));
        }
    }
    let out = run(&book);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let book: Book = serde_json::from_slice(&out.stdout).unwrap();
    let deploy = book.chapters().find(|c| c.name == "deploy").unwrap();
    assert!(
        deploy.content.contains(
            r#"<div class="lab-check" data-lab="init-container" data-step="1" data-step-id="deploy">"#
        ),
        "{}",
        deploy.content
    );
}

#[test]
fn a_bad_box_fails_with_the_chapter_and_line() {
    let mut book = Book::new();
    book.push_item(Chapter::new("x", "a\n{{#check 9}}\n".into(), "x.md", vec![]));
    let out = run(&book);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mdbook-lab: error:"), "{err}");
    assert!(err.contains("src/x.md:2: `{{#check 9}}` names no step"), "{err}");
}
