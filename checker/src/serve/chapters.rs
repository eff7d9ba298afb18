//! Which chapter holds each step's verify box, found in the built book.
//!
//! The sidebar's step chips link to these chapters. The `lab` preprocessor writes every box as
//! `<div class="lab-check" data-lab="ID" data-step="N" …>`, so the built HTML is the one source that knows where
//! a box landed (a chapter can be renamed or moved without telling the checker). `print.html`
//! holds every chapter at once and is skipped; `index.html`, mdBook's copy of the first chapter,
//! counts only for a box no other page holds.

use std::collections::BTreeMap;
use std::path::Path;

/// HTML files larger than this are not read (a chapter is a few hundred kB at most).
const MAX_PAGE: u64 = 8 * 1024 * 1024;
/// How deep below the book's root chapters are looked for.
const MAX_DEPTH: usize = 6;
/// The start of a verify box, up to its lab's id.
const BOX: &str = r#"<div class="lab-check" data-lab=""#;

/// A step of a lab: its lab's id and its number.
pub(crate) type StepKey = (String, u32);

/// (lab, step number) → the chapter's path below the book's root, with `/` separators (first one
/// in path order when a step is boxed in more than one chapter). The directories in `editions`
/// (`en`: a translated edition, whose pages are the same chapters) are not looked in; a page of
/// an edition finds its chapter under its own root at the same path.
pub(crate) fn find(html_dir: &Path, editions: &[String]) -> BTreeMap<StepKey, String> {
    let mut pages = Vec::new();
    collect(html_dir, "", 0, &mut pages);
    pages.retain(|rel| !editions.iter().any(|dir| rel.starts_with(&format!("{dir}/"))));
    // mdBook also writes the first chapter as `index.html`: the chapter's own page comes first.
    pages.sort_by_key(|rel| (rel == "index.html", rel.clone()));
    let mut chapters = BTreeMap::new();
    for rel in pages {
        let Ok(text) = std::fs::read_to_string(html_dir.join(&rel)) else { continue };
        for step in boxed_steps(&text) {
            chapters.entry(step).or_insert_with(|| rel.clone());
        }
    }
    chapters
}

fn collect(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        let rel = format!("{prefix}{name}");
        if kind.is_dir() && depth < MAX_DEPTH {
            collect(&entry.path(), &format!("{rel}/"), depth + 1, out);
        } else if kind.is_file()
            && name.ends_with(".html")
            && rel != "print.html"
            && entry.metadata().is_ok_and(|m| m.len() <= MAX_PAGE)
        {
            out.push(rel);
        }
    }
}

/// The lab and step number of each box in one page.
fn boxed_steps(html: &str) -> Vec<StepKey> {
    html.match_indices(BOX)
        .filter_map(|(at, _)| {
            let (lab, rest) = html[at + BOX.len()..].split_once('"')?;
            let step = rest.strip_prefix(r#" data-step=""#)?.split('"').next()?.parse().ok()?;
            Some((lab.to_owned(), step))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_maps_to_the_chapter_of_its_box_and_print_html_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let page = |n: u32| {
            format!(r#"<p>x</p><div class="lab-check" data-lab="l" data-step="{n}" data-step-id="s{n}">"#)
        };
        std::fs::write(root.join("print.html"), page(1) + &page(6)).unwrap();
        std::fs::write(root.join("step1-deploy.html"), page(1)).unwrap();
        std::fs::create_dir(root.join("more")).unwrap();
        std::fs::write(root.join("more/cleanup.html"), page(6)).unwrap();
        std::fs::write(root.join("intro.html"), "<p>no box; data-step=\"9\"</p>").unwrap();
        std::fs::write(root.join("index.html"), page(1)).unwrap();
        std::fs::write(root.join("other.html"), page(1).replace("\"l\"", "\"m\"")).unwrap();
        std::fs::write(root.join("notes.txt"), page(2)).unwrap();

        std::fs::create_dir(root.join("en")).unwrap();
        std::fs::write(root.join("en/a.html"), page(1) + &page(6)).unwrap();
        let found = find(root, &["en".to_owned()]);
        let expected: BTreeMap<StepKey, String> = [
            (("l".to_owned(), 1), "step1-deploy.html".to_owned()),
            (("l".to_owned(), 6), "more/cleanup.html".to_owned()),
            (("m".to_owned(), 1), "other.html".to_owned()),
        ]
        .into();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_box_without_a_number_is_ignored() {
        assert_eq!(
            boxed_steps(
                r#"<div class="lab-check" data-lab="l" data-step="x"><div class="lab-check" data-lab="l" data-step="3">"#
            ),
            vec![("l".to_owned(), 3)]
        );
    }
}
