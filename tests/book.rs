//! The book: it builds cleanly with the pinned mdBook, its verify boxes match the lab spec, the
//! manifests it names exist and parse, its images are pinned, and its internal links resolve.
//! The same for its English edition (built from po/en.po into `en/`), which must also be English
//! throughout: no Chinese left on its pages. (That every message is translated is
//! tests/translation.rs.)
//!
//! Needs `.tools/bin/mdbook`, `.tools/bin/mdbook-mermaid` and `.tools/bin/mdbook-gettext`: run
//! `cargo xtask setup` (or `cargo xtask test`, which runs it first).

#[path = "support/book.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

// Whether an image is pinned is the checker's own rule, so the book and `checker step 1` agree.
use checker::inspect::image_is_pinned as pinned;
use lab_spec::LabSpec;
use support::{book, book_root, built, files, sources, split_code};

/// Lines of `mdbook build`'s stderr that are not a problem, each with the reason.
///
/// - mdBook's own progress lines at INFO level.
/// - mdbook-mermaid 0.17.1 compares the mdBook version it was compiled against with the caller's
///   and warns on any difference. `cargo install --locked mdbook-mermaid@0.17.1` builds it with
///   its own Cargo.lock, which pins mdbook-preprocessor 0.5.0; the preprocessor JSON protocol is
///   the same across 0.5.x, and the Mermaid test in book_browser.rs proves the diagrams render.
fn allowed_stderr_line(line: &str) -> bool {
    let l = line.trim();
    l.is_empty()
        || l == "INFO Book building has started"
        || l == "INFO Running the html backend"
        || (l.starts_with("INFO HTML book written to `") && l.ends_with('`'))
        || l == "Warning: The mdbook-mermaid preprocessor was built against version 0.5.0 of \
                mdbook, but we're being called from version 0.5.4"
}

#[test]
fn book_builds_without_warnings() {
    let b = built();
    assert!(b.success, "`mdbook build` failed:\n--- stdout\n{}\n--- stderr\n{}", b.stdout, b.stderr);
    let unexpected: Vec<&str> = b.stderr.lines().filter(|l| !allowed_stderr_line(l)).collect();
    assert!(
        unexpected.is_empty(),
        "`mdbook build` printed unexpected lines on stderr (warnings from mdBook or a \
         preprocessor):\n{}\n--- whole stderr\n{}",
        unexpected.join("\n"),
        b.stderr
    );
    assert!(b.out.join("index.html").is_file(), "no index.html in {}", b.out.display());
    assert!(!b.editions.is_empty(), "book.toml names no translated edition");
    for (edition, dir) in &b.editions {
        assert!(dir.join("index.html").is_file(), "the {} edition has no index.html", edition.language);
    }
}

/// The English edition: `book.language` (`<html lang="en">`), its own title, and every verify box
/// written from the spec's English texts.
#[test]
fn the_english_edition_is_english_and_its_boxes_come_from_the_spec() {
    let b = book();
    let (edition, dir) = english(b);
    let title = edition.title.clone().expect("the English edition has a title of its own");
    for page in support::chapter_pages(dir) {
        let html = fs::read_to_string(dir.join(&page)).unwrap();
        assert!(html.contains("<html lang=\"en\""), "{}: not lang=en", page.display());
        assert!(html.contains(&format!(" - {title}</title>")), "{}: not titled {title}", page.display());
    }
    let labs = lab_spec::Labs::load(&book_root()).expect("the book's labs");
    for lab in labs.iter().filter(|l| l.in_book) {
        for step in &lab.spec.steps {
            let page = boxed_page(dir, lab.id(), step.number)
                .unwrap_or_else(|| panic!("no box of lab {} step {}", lab.id(), step.number));
            let html = fs::read_to_string(dir.join(&page)).unwrap();
            let heading = format!("Verify · Step {}: ", step.number);
            assert!(html.contains(&heading), "{}: no “{heading}”", page.display());
            // The box's text as the lab preprocessor writes it in English, untouched by the
            // translation (mdBook re-serializes the HTML, its line breaks and entities: compare
            // text; the links' targets are not text).
            let want = mdbook_lab::render_box(lab.id(), step, lab_spec::Lang::En, labs.in_book() > 1, "");
            assert!(
                text_of(&html).contains(&text_of(&want)),
                "{}: lab {} step {}'s box is not the spec's English one",
                page.display(),
                lab.id(),
                step.number
            );
        }
    }
}

/// The text of some HTML: tags dropped, the entities the lab preprocessor and mdBook write
/// decoded, runs of white space made one space.
fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&#39;", "'")
        .replace("&#123;", "{")
        .replace("&#125;", "}")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn english(b: &support::Built) -> (&checker::book::Edition, &Path) {
    b.editions
        .iter()
        .find(|(e, _)| e.language == "en")
        .map(|(e, dir)| (e, dir.as_path()))
        .expect("book.toml names an `en` edition")
}

/// The page of a built book that holds step `n`'s verify box.
fn boxed_page(out: &Path, lab: &str, n: u32) -> Option<PathBuf> {
    let open = format!("<div class=\"lab-check\" data-lab=\"{lab}\" data-step=\"{n}\"");
    support::chapter_pages(out)
        .into_iter()
        .find(|p| fs::read_to_string(out.join(p)).is_ok_and(|html| html.contains(&open)))
}

/// No Chinese in the English edition: a CJK character in a page's text (scripts aside) is a
/// message the translation does not reach (a code block without strings or comments that
/// gettext could extract, raw HTML) or a translation that is still Chinese.
#[test]
fn the_english_edition_has_no_chinese_left() {
    let b = book();
    let (_, dir) = english(b);
    let mut problems = Vec::new();
    let mut pages = support::chapter_pages(dir);
    pages.push(PathBuf::from("print.html"));
    for page in pages {
        let html = fs::read_to_string(dir.join(&page)).unwrap();
        for (n, line) in without_scripts(&html).lines().enumerate() {
            if let Some(c) = line.chars().find(|c| is_cjk(*c)) {
                let at = line.find(c).unwrap_or(0);
                let start = line[..at].char_indices().rev().nth(40).map_or(0, |(i, _)| i);
                let snippet: String = line[start..].chars().take(100).collect();
                problems.push(format!("en/{}:{}: {snippet}", page.display(), n + 1));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "Chinese text in the English edition (translate it in po/en.po; text in a code block \
         that gettext does not extract must not be Chinese):\n{}",
        problems.join("\n")
    );
}

/// Han, kana, Hangul, CJK punctuation and full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7af}' | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}')
}

/// The page without its `<script>` elements (their code is not the book's text).
fn without_scripts(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("<script") {
        out.push_str(&rest[..i]);
        match rest[i..].find("</script>") {
            Some(end) => rest = &rest[i + end + "</script>".len()..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn the_chinese_scan_sees_chinese() {
    assert!(is_cjk('初') && is_cjk('：') && !is_cjk('a') && !is_cjk('→') && !is_cjk('·'));
    assert_eq!(without_scripts("a<script>初</script>b<script src=x></script>c"), "abc");
}

fn spec() -> LabSpec {
    LabSpec::load(&book_root().join("labs/init-container/lab.yaml")).expect("the lab spec parses")
}

/// `{{#check N}}` lines outside fenced code, as (file, line, N as written).
fn check_lines() -> Vec<(PathBuf, usize, String)> {
    let mut found = Vec::new();
    for (file, text) in sources() {
        let (_, prose) = split_code(&text);
        for (n, line) in prose {
            let t = line.trim();
            if let Some(arg) = t.strip_prefix("{{#check").and_then(|r| r.strip_suffix("}}")) {
                found.push((file.clone(), n, arg.trim().to_string()));
            }
        }
    }
    found
}

#[test]
fn every_check_box_names_a_step_and_every_step_has_exactly_one() {
    // `checker lint`'s box rule: mdbook-lab's rules on the chapters of SUMMARY.md, for every lab.
    let target = checker::lint::target(Some(&book_root()), None, true).unwrap().expect("the labs load");
    let problems: Vec<String> = checker::lint::lint(&target)
        .iter()
        .filter(|p| p.rule == checker::lint::Rule::Box)
        .map(|p| p.line(lab_spec::Lang::En))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The scan of the chapters agrees: every `{{#check …}}` line outside code was counted.
    let boxes: usize = target.labs.iter().filter(|l| l.in_book).map(|l| l.spec.steps.len()).sum();
    assert_eq!(check_lines().len(), boxes, "{:?}", check_lines());
}

#[test]
fn each_steps_chapter_is_the_one_with_its_box() {
    // A passed step links the next one's chapter (the spec's `chapter`): it must be right, in
    // every lab. A box names its lab, or is of the lab of its chapter's directory.
    let labs = lab_spec::Labs::load(&book_root()).expect("the book's labs");
    let boxed: BTreeMap<(String, String), PathBuf> = check_lines()
        .into_iter()
        .map(|(file, _, arg)| {
            let (lab, step) = match arg.split_once(' ') {
                Some((lab, step)) => (lab.to_string(), step.trim().to_string()),
                None => (labs.lab_of_chapter(&file).id().to_string(), arg),
            };
            ((lab, step), file)
        })
        .collect();
    for lab in labs.iter().filter(|l| l.in_book) {
        for step in &lab.spec.steps {
            let Some(chapter) = step.chapter.as_deref() else {
                panic!("lab {} step {} names no chapter", lab.id(), step.number)
            };
            let key = (lab.id().to_string(), step.number.to_string());
            assert_eq!(
                boxed.get(&key).map(|p| p.to_string_lossy().into_owned()).as_deref(),
                Some(chapter),
                "lab {} step {}: its {{{{#check}}}} box is not in src/{chapter}",
                lab.id(),
                step.number
            );
        }
    }
}

#[test]
fn every_box_is_in_the_built_book_once() {
    let b = book();
    every_box_once(&b.out);
    for (_, dir) in &b.editions {
        every_box_once(dir);
    }
}

fn every_box_once(out: &Path) {
    let mut seen: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for page in support::chapter_pages(out) {
        let html = fs::read_to_string(out.join(&page)).unwrap();
        for tag in open_div_tags(&html) {
            if tag.contains("class=\"lab-check\"")
                && let (Some(lab), Some(step)) = (attr_value(tag, "data-lab"), attr_value(tag, "data-step"))
            {
                seen.entry(format!("{lab} {step}")).or_default().push(page.clone());
            }
        }
    }
    let labs = lab_spec::Labs::load(&book_root()).expect("the book's labs");
    let want: BTreeSet<String> = labs
        .iter()
        .flat_map(|l| l.spec.steps.iter().map(move |s| format!("{} {}", l.id(), s.number)))
        .collect();
    let got: BTreeSet<String> = seen.keys().cloned().collect();
    assert_eq!(got, want, "the steps with a verify box in the built book");
    for (step, pages) in seen {
        assert_eq!(pages.len(), 1, "step {step} boxed on {pages:?}");
    }
}

fn open_div_tags(html: &str) -> impl Iterator<Item = &str> {
    html.split("<div").skip(1).filter_map(|s| s.split('>').next())
}

fn attr_value<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// Every `manifests/….yaml` path a chapter mentions.
fn mentioned_manifests() -> BTreeMap<String, Vec<String>> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, text) in sources() {
        for (i, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("manifests/") {
                let tail = &rest[at..];
                let end = tail
                    .find(|c: char| !(c.is_ascii_alphanumeric() || "/._-".contains(c)))
                    .unwrap_or(tail.len());
                let path = tail[..end].trim_end_matches('.');
                if path.ends_with(".yaml") || path.ends_with(".yml") {
                    found.entry(path.to_string()).or_default().push(format!(
                        "src/{}:{}",
                        file.display(),
                        i + 1
                    ));
                }
                rest = &tail[end..];
            }
        }
    }
    found
}

/// Parses a manifest file as Kubernetes objects; returns (kind, name) of each.
fn parse_manifest(path: &Path) -> Result<Vec<(String, String)>, String> {
    use serde::Deserialize;
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut objects = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(&text).enumerate() {
        let value = serde_yaml::Value::deserialize(doc).map_err(|e| format!("document {}: {e}", i + 1))?;
        if value.is_null() {
            continue; // an empty document, e.g. after a trailing `---`
        }
        let field = |v: &serde_yaml::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let api = field(&value, "apiVersion");
        let kind = field(&value, "kind");
        let name = value.get("metadata").and_then(|m| field(m, "name"));
        match (api, kind, name) {
            (Some(_), Some(kind), Some(name)) if !name.is_empty() => objects.push((kind, name)),
            _ => {
                return Err(format!(
                    "document {} is not a Kubernetes object with apiVersion, kind and metadata.name",
                    i + 1
                ));
            }
        }
    }
    if objects.is_empty() {
        return Err("no Kubernetes object in it".into());
    }
    Ok(objects)
}

#[test]
fn manifests_named_by_the_book_and_the_spec_exist_and_parse() {
    let root = book_root();
    let mut named = mentioned_manifests();
    assert!(!named.is_empty(), "the book names no manifests/… file: is the scan broken?");
    for step in spec().steps {
        if let Some(m) = step.manifest {
            named.entry(m).or_default().push(format!("labs/init-container/lab.yaml step {}", step.number));
        }
    }
    // The manifests directory's own files must parse too, named or not.
    for f in files(&root.join("manifests"), ".yaml") {
        named.entry(format!("manifests/{}", f.display())).or_default();
    }
    let mut problems = Vec::new();
    for (path, places) in &named {
        let file = root.join(path);
        if !file.is_file() {
            problems.push(format!("{path} (named at {}) does not exist", places.join(", ")));
            continue;
        }
        if let Err(e) = parse_manifest(&file) {
            problems.push(format!("{path}: {e}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_lab_manifests_create_the_pods_the_spec_checks() {
    let root = book_root();
    let spec = spec();
    let mut pods = BTreeSet::new();
    for f in files(&root.join("manifests"), ".yaml") {
        for (kind, name) in parse_manifest(&root.join("manifests").join(&f)).unwrap_or_default() {
            if kind == "Pod" {
                pods.insert(name);
            }
        }
    }
    for pod in spec.pods() {
        assert!(pods.contains(pod), "the spec checks pod `{pod}`, which no manifest creates ({pods:?})");
    }
}

/// Images that are deliberately not pinned: the book shows them as what goes wrong.
/// (file under src/, image) → why.
const UNPINNED_ON_PURPOSE: &[(&str, &str, &str)] = &[(
    "step3-failure.md",
    "busybox",
    "the original record's `kubectl patch`, shown to explain why the API server rejects it",
)];

/// Image references in a text: YAML `image:` keys, JSON `"image": "…"` and `--image=…`.
fn images_in(text: &str) -> Vec<(usize, String)> {
    let clean = |s: &str| {
        s.trim().trim_matches(|c| c == '"' || c == '\'' || c == ',' || c == '}' || c == ']').to_string()
    };
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start().trim_start_matches("- ").trim_start();
        let t_no_comment = t.split(" #").next().unwrap_or(t);
        if let Some(v) = t_no_comment.strip_prefix("image:") {
            let v = clean(v);
            if !v.is_empty() {
                found.push((i + 1, v));
            }
        }
        let mut rest = line;
        while let Some(at) = rest.find("\"image\"") {
            let after = rest[at + 7..].trim_start();
            if let Some(v) = after.strip_prefix(':') {
                let v = v.trim_start();
                if let Some(body) = v.strip_prefix('"') {
                    let end = body.find('"').unwrap_or(body.len());
                    found.push((i + 1, body[..end].to_string()));
                }
            }
            rest = &rest[at + 7..];
        }
        let mut rest = line;
        while let Some(at) = rest.find("--image") {
            let after = &rest[at + 7..];
            if let Some(v) = after.strip_prefix('=').or_else(|| after.strip_prefix(' ')) {
                let v = v.split_whitespace().next().unwrap_or("");
                let v = clean(v);
                if !v.is_empty() && !v.starts_with('-') {
                    found.push((i + 1, v));
                }
            }
            rest = after;
        }
    }
    found
}

#[test]
fn images_are_pinned() {
    let root = book_root();
    let mut problems = Vec::new();
    let mut whitelisted_seen = BTreeSet::new();
    for f in files(&root.join("manifests"), ".yaml") {
        let text = fs::read_to_string(root.join("manifests").join(&f)).unwrap();
        for (line, image) in images_in(&text) {
            if !pinned(&image) {
                problems.push(format!("manifests/{}:{line}: image `{image}` is not pinned", f.display()));
            }
        }
    }
    let mut total = 0;
    for (file, text) in sources() {
        let (blocks, _) = split_code(&text);
        for block in blocks {
            for (offset, image) in images_in(&block.body) {
                total += 1;
                let line = block.line + offset;
                let name = file.to_string_lossy();
                if pinned(&image) {
                    continue;
                }
                if let Some(w) = UNPINNED_ON_PURPOSE.iter().find(|(f, i, _)| *f == name && *i == image) {
                    whitelisted_seen.insert((w.0, w.1));
                    continue;
                }
                problems.push(format!(
                    "src/{name}:{line}: image `{image}` in a code block is not pinned (pin a tag \
                     or digest, or list it in UNPINNED_ON_PURPOSE with the reason)"
                ));
            }
        }
    }
    assert!(total > 0, "no image found in the book's code blocks: is the scan broken?");
    for (f, i, _) in UNPINNED_ON_PURPOSE {
        if !whitelisted_seen.contains(&(*f, *i)) {
            problems.push(format!("UNPINNED_ON_PURPOSE lists `{i}` in src/{f}, which no longer has it"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn pinned_recognises_tags_and_digests() {
    assert!(pinned("busybox:1.36.1"));
    assert!(pinned("registry.local:5000/busybox:1.36.1"));
    assert!(pinned("busybox@sha256:0123abcd"));
    assert!(!pinned("busybox"));
    assert!(!pinned("busybox:latest"));
    assert!(!pinned("registry.local:5000/busybox"));
    let found = images_in(
        "    image: busybox:1.36.1\n  - image: \"nginx\"  # comment\n\
         kubectl patch pod p -p '{\"spec\":{\"initContainers\":[{\"name\":\"i\",\"image\":\"busybox\"}]}}'\n\
         kubectl run x --image=busybox:latest --restart=Never\n",
    );
    let images: Vec<&str> = found.iter().map(|(_, i)| i.as_str()).collect();
    assert_eq!(images, ["busybox:1.36.1", "nginx", "busybox", "busybox:latest"]);
}

/// What kube-apiserver answers to the original record's `kubectl patch --type='merge'`: the patch
/// replaces `initContainers` with a one-element list, and `ValidatePodUpdate` checks the number of
/// containers first (`ValidateContainerUpdates` in pkg/apis/core/validation/validation.go), so the
/// answer is this one line, without a diff.
const MERGE_PATCH_REJECTION: &str = "The Pod \"init-demo\" is invalid: spec.initContainers: Forbidden: \
                                     pod updates may not add or remove containers";

/// The message of the other rejection, "may not change fields other than …" plus a `cmp.Diff`.
const FIELDS_REJECTION: &str = "pod updates may not change fields other than";

/// Problems with the patch samples of one chapter, and how many merge patches it shows.
///
/// - The output block after a `kubectl patch … --type=merge` command must hold
///   [`MERGE_PATCH_REJECTION`] and not the "may not change fields other than" diff.
/// - A "may not change fields other than" diff may only change `Command`: validation copies the
///   old images into the new spec before comparing, and a strategic patch keeps both containers,
///   so no diff line (`-`/`+`) may show an `Image:` or a container's `Name:`.
fn patch_sample_problems(file: &str, text: &str) -> (Vec<String>, usize) {
    let (blocks, _) = split_code(text);
    let mut problems = Vec::new();
    let mut merge_patches = 0;
    for (i, block) in blocks.iter().enumerate() {
        let command = block.body.replace(['\'', '"'], "");
        if command.contains("kubectl patch") && command.contains("--type=merge") {
            merge_patches += 1;
            let output = blocks[i + 1..].iter().find(|b| b.info.is_empty() || b.info == "text");
            match output {
                None => problems
                    .push(format!("src/{file}:{}: the merge patch has no output block after it", block.line)),
                Some(out) => {
                    if !out.body.lines().any(|l| l.trim() == MERGE_PATCH_REJECTION) {
                        problems.push(format!(
                            "src/{file}:{}: the output of the merge patch must be the line \
                             `{MERGE_PATCH_REJECTION}`",
                            out.line
                        ));
                    }
                    if out.body.contains(FIELDS_REJECTION) {
                        problems.push(format!(
                            "src/{file}:{}: the merge patch is rejected for the container count, \
                             before any diff of other fields",
                            out.line
                        ));
                    }
                }
            }
        }
        if block.body.contains(FIELDS_REJECTION) {
            for (n, line) in block.body.lines().enumerate() {
                let t = line.trim_start();
                let is_diff =
                    (t.starts_with('-') || t.starts_with('+')) && t[1..].starts_with(char::is_whitespace);
                if is_diff && (t.contains("Image:") || t.contains("Name:")) {
                    problems.push(format!(
                        "src/{file}:{}: a \"{FIELDS_REJECTION}\" diff cannot show `{}`: only \
                         `Command` differs (the old images are copied in before the comparison, \
                         and a strategic patch keeps every container)",
                        block.line + 1 + n,
                        t
                    ));
                }
            }
        }
    }
    (problems, merge_patches)
}

#[test]
fn the_patch_samples_show_what_the_api_server_answers() {
    let mut problems = Vec::new();
    let mut merge_patches = 0;
    for (file, text) in sources() {
        let (p, n) = patch_sample_problems(&file.to_string_lossy(), &text);
        problems.extend(p);
        merge_patches += n;
    }
    assert!(merge_patches > 0, "no `kubectl patch --type=merge` sample found: is the scan broken?");
    let errata = sources().remove(Path::new("errata.md")).expect("src/errata.md exists");
    if !errata.contains("spec.initContainers: Forbidden: pod updates may not add or remove containers") {
        problems.push("src/errata.md: the patch row must quote the real rejection".to_string());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_patch_sample_check_rejects_the_old_wrong_diff() {
    // The sample the book showed before: a merge patch answered with a diff that changes an image
    // and removes init-2.
    let old = "```bash\nkubectl patch pod init-demo -n experiments --type='merge' \\\n  -p='{}'\n```\n\n\
               ```text\nThe Pod \"init-demo\" is invalid: spec: Forbidden: pod updates may not change \
               fields other than `spec.containers[*].image`\n  core.PodSpec{\n  \tInitContainers: \
               []core.Container{\n  \t\t{\n  \t\t\tName:    \"init-1\",\n- \t\t\tImage:   \
               \"busybox:1.36.1\",\n+ \t\t\tImage:   \"busybox\",\n  \t\t},\n- \t\t{\n- \t\t\tName:    \
               \"init-2\",\n- \t\t},\n  \t},\n  }\n```\n";
    let (problems, n) = patch_sample_problems("old.md", old);
    assert_eq!(n, 1);
    let all = problems.join("\n");
    assert!(all.contains("must be the line"), "{all}");
    assert!(all.contains("before any diff"), "{all}");
    assert!(all.contains("Image:   \"busybox\""), "{all}");
    assert!(all.contains("Name:    \"init-2\""), "{all}");

    let good = format!(
        "```bash\nkubectl patch pod init-demo --type=merge -p '{{}}'\n```\n\n```text\n{MERGE_PATCH_REJECTION}\n```\n\n\
         ```text\nThe Pod \"init-demo\" is invalid: spec: Forbidden: {FIELDS_REJECTION} …\n  \
         \t\t\tImage:   \"busybox:1.36.1\",\n- \t\t\t\"sleep 5\",\n+ \t\t\t\"exit 1\",\n```\n"
    );
    assert_eq!(patch_sample_problems("good.md", &good), (Vec::new(), 1));
}

/// Internal links of the built book and its editions (in their directories): every relative
/// `href` (and `src`) must name an existing file, and its `#fragment` an element id of that page
/// (a translated heading keeps its explicit `{#id}`).
#[test]
fn internal_links_resolve() {
    let b = book();
    let pages = files(&b.out, ".html");
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let mut html_of: BTreeMap<PathBuf, String> = BTreeMap::new();
    for p in &pages {
        let html = fs::read_to_string(b.out.join(p)).unwrap();
        ids.insert(p.clone(), ids_of(&html));
        html_of.insert(p.clone(), html);
    }
    let mut problems = BTreeSet::new();
    let mut checked = 0;
    for (page, html) in &html_of {
        for (attr, target) in links_of(html) {
            let Some((path, fragment)) = relative_target(&target) else { continue };
            checked += 1;
            let Some(path) = decode(&path) else {
                problems.insert(format!("{}: {attr}=\"{target}\": bad %-escape", page.display()));
                continue;
            };
            let file = if path.is_empty() {
                page.clone()
            } else {
                normalize(&page.parent().unwrap_or(Path::new("")).join(&path))
            };
            let mut on_disk = b.out.join(&file);
            if on_disk.is_dir() {
                on_disk = on_disk.join("index.html");
            }
            if !on_disk.is_file() {
                problems.insert(format!("{}: {attr}=\"{target}\": no such file", page.display()));
                continue;
            }
            let Some(fragment) = fragment else { continue };
            if fragment.is_empty() || !file.to_string_lossy().ends_with(".html") {
                continue;
            }
            let fragment = decode(&fragment).unwrap_or(fragment);
            let target_ids = ids.get(&file).cloned().unwrap_or_default();
            if !target_ids.contains(&fragment) {
                problems.insert(format!(
                    "{}: {attr}=\"{target}\": no element with id `{fragment}` in {}",
                    page.display(),
                    file.display()
                ));
            }
        }
    }
    assert!(checked > 50, "only {checked} internal links found: is the scan broken?");
    assert!(
        problems.is_empty(),
        "broken internal links:\n{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// `(attribute, value)` of every `href` and `src` in a page, entities decoded.
fn links_of(html: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for attr in ["href", "src"] {
        for quote in ['"', '\''] {
            let needle = format!(" {attr}={quote}");
            let mut rest = html;
            while let Some(at) = rest.find(&needle) {
                let body = &rest[at + needle.len()..];
                let end = body.find(quote).unwrap_or(body.len());
                let value = &body[..end];
                // Skip values built by inline scripts ("' + path_to_root + '…").
                if !value.contains('+') || !value.contains(' ') {
                    out.push((attr, unescape(value)));
                }
                rest = &body[end..];
            }
        }
    }
    out
}

fn ids_of(html: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for needle in [" id=\"", " name=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(needle) {
            let body = &rest[at + needle.len()..];
            let end = body.find('"').unwrap_or(body.len());
            ids.insert(unescape(&body[..end]));
            rest = &body[end..];
        }
    }
    ids
}

/// The path and fragment of a link that stays inside the book; `None` for other links.
fn relative_target(target: &str) -> Option<(String, Option<String>)> {
    let t = target.trim();
    if t.is_empty() || t.starts_with("//") || t.starts_with('/') {
        return None;
    }
    // A scheme (`https:`, `mailto:`, `javascript:`, `data:`) before any `/`, `?` or `#`.
    if let Some(colon) = t.find(':')
        && !t[..colon].contains(['/', '?', '#'])
    {
        return None;
    }
    let (before_fragment, fragment) = match t.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (t, None),
    };
    let path = before_fragment.split('?').next().unwrap_or("");
    Some((path.to_string(), fragment))
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn link_helpers_behave() {
    assert_eq!(relative_target("https://example.org/x"), None);
    assert_eq!(relative_target("mailto:a@b"), None);
    assert_eq!(relative_target("/abs"), None);
    assert_eq!(
        relative_target("a/b.html?x=1#frag"),
        Some(("a/b.html".to_string(), Some("frag".to_string())))
    );
    assert_eq!(relative_target("#top"), Some((String::new(), Some("top".to_string()))));
    assert_eq!(normalize(Path::new("a/../b/./c.html")), PathBuf::from("b/c.html"));
    assert_eq!(decode("%E5%AE%9E").as_deref(), Some("实"));
}

/// Commands in the book that are not for running, with the reason: (file, start of the command).
const NOT_FOR_POWERSHELL: &[(&str, &str, &str)] = &[(
    "step3-failure.md",
    "kubectl patch pod init-demo",
    "the original record's command, shown because the API server rejects it; not to be run",
)];

/// The kubectl commands a learner copies (the book's shell blocks, the spec's hints, which the
/// verify boxes and the checker show) run unchanged in bash, zsh and PowerShell: no line
/// continuation (`\` in a POSIX shell, a backtick in PowerShell), and a jsonpath template in
/// double quotes with its literals in single quotes (`{'\n'}`), the form kubectl's documentation
/// gives for Windows. A template in single quotes with double quotes inside (`'{"\n"}'`) loses
/// those inner quotes on its way from Windows PowerShell to kubectl.exe.
#[test]
fn kubectl_commands_run_unchanged_in_powershell() {
    let mut commands: Vec<(String, String)> = Vec::new(); // (where, command)
    for (file, text) in sources() {
        let (blocks, _) = split_code(&text);
        let name = file.to_string_lossy().to_string();
        for block in blocks.iter().filter(|b| ["bash", "sh", "shell", "console"].contains(&b.info.as_str())) {
            let mut lines = block.body.lines().enumerate().peekable();
            while let Some((i, line)) = lines.next() {
                let mut command = line.trim().trim_start_matches("$ ").to_string();
                // A continued command is one command, reported at its first line.
                while command.ends_with('\\') {
                    let Some((_, next)) = lines.next() else { break };
                    command.push('\n');
                    command.push_str(next.trim());
                }
                if command.starts_with("kubectl ") {
                    commands.push((format!("src/{name}:{}", block.line + 1 + i), command));
                }
            }
        }
    }
    for step in &spec().steps {
        let texts =
            step.expectations.iter().flat_map(|e| [&e.hint, &e.description]).chain([&step.pending_hint]);
        for text in texts {
            for (lang, t) in [("zh", &text.zh), ("en", &text.en)] {
                for span in t.split('`').skip(1).step_by(2).filter(|s| s.starts_with("kubectl ")) {
                    commands.push((format!("lab-spec step {} ({lang})", step.number), span.to_string()));
                }
            }
        }
    }
    assert!(commands.len() > 20, "only {} kubectl commands found: is the scan broken?", commands.len());
    let mut problems = Vec::new();
    for (at, command) in &commands {
        if NOT_FOR_POWERSHELL.iter().any(|(f, start, _)| at.contains(f) && command.starts_with(start)) {
            continue;
        }
        if command.contains('\n') {
            problems.push(format!(
                "{at}: a command continued over lines (`\\`), which PowerShell does not know: {command}"
            ));
        }
        for template in jsonpath_templates(command) {
            match template.chars().next() {
                Some('\'') if template.contains('"') => problems.push(format!(
                    "{at}: jsonpath template in single quotes with double quotes inside; write \
                     -o jsonpath=\"…{{'\\n'}}…\" instead: {command}"
                )),
                Some('"') if template[1..template.len() - 1].contains(['"', '$', '`']) => {
                    problems.push(format!(
                        "{at}: jsonpath template in double quotes holding `\"`, `$` or a backtick: {command}"
                    ))
                }
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The quoted jsonpath templates of a command, quotes included, up to the closing quote.
fn jsonpath_templates(command: &str) -> Vec<&str> {
    command
        .match_indices("jsonpath=")
        .filter_map(|(i, m)| {
            let rest = &command[i + m.len()..];
            let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
            let end = rest[1..].find(quote).map_or(rest.len(), |e| e + 2);
            // A double-quoted template ends at the last double quote of the command word.
            let end = if quote == '"' { rest.rfind('"').map_or(end, |e| e + 1) } else { end };
            Some(&rest[..end])
        })
        .collect()
}

#[test]
fn jsonpath_templates_are_found_with_their_quotes() {
    assert_eq!(jsonpath_templates(r#"kubectl get pod p -o jsonpath='{.a}{"\n"}'"#), [r#"'{.a}{"\n"}'"#]);
    assert_eq!(jsonpath_templates(r#"kubectl get pod p -o jsonpath="{.a}{'\n'}""#), [r#""{.a}{'\n'}""#]);
    assert_eq!(jsonpath_templates(r#"kubectl get pod p -o jsonpath="{"x"}""#), [r#""{"x"}""#]);
    assert!(jsonpath_templates("kubectl get pod p -o jsonpath={.a}").is_empty());
}
