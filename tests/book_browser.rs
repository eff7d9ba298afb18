//! The built book and its English edition (in `en/`) in a real headless Chromium, served from
//! 127.0.0.1: every page of both loads without JavaScript errors, every Mermaid diagram renders,
//! only the pages with a diagram fetch Mermaid's library, every page has a language switch to the
//! same page in the other edition, the print view draws every diagram before it prints, diagrams
//! follow a theme switch and draw from file:// too, the search (theme/search.js) puts each
//! kubectl word's chapter first in both editions, the quiz speaks the page's language, scores
//! first answers, sums up, resets and keeps its state in localStorage, and
//! screenshots of the step pages in the light and the dark theme land in /tmp/shots (or
//! `BOOK_SHOTS_DIR`) for a person to look at.
//!
//! Needs `.tools/` (`cargo xtask setup`) and Chromium (`apt-get install -y chromium
//! chromium-driver`).

#[path = "support/book.rs"]
mod support;

#[path = "support/browser.rs"]
mod browser;

#[path = "support/webdriver.rs"]
mod webdriver;

#[path = "support/quiz.rs"]
mod quiz;

use std::fs;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use browser::{Options, StaticServer, attr, dump_dom, open_tags, percent_encode};
use fantoccini::{Client, Locator};
use futures::FutureExt;
use serde_json::Value;
use support::{book, chapter_pages};
use webdriver::{DIAGRAM_WATCH, Driver, console_errors, tools_present, wait_until};

/// Whether a request path is Mermaid's library: `/mermaid.min.js` as `theme/mermaid-loader.js`
/// fetches it, or `mermaid-0123abcd.min.js` as mdBook names it when listed in `additional-js`.
fn is_mermaid(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("mermaid") && name.ends_with(".min.js")
}

fn server() -> StaticServer {
    StaticServer::start(&book().out).expect("start the static server")
}

/// The number of Mermaid blocks mdbook-mermaid wrote into a built page.
fn mermaid_blocks(html: &str) -> usize {
    html.matches("<pre class=\"mermaid\">").count()
}

#[test]
fn static_server_serves_files_and_refuses_escapes() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("index.html"), "<p>hi</p>").unwrap();
    fs::create_dir(dir.path().join("中文")).unwrap();
    fs::write(dir.path().join("中文/a.js"), "x").unwrap();
    let server = StaticServer::start(dir.path()).unwrap();
    let get = |path: &str| -> String {
        use std::io::{Read, Write};
        let addr = server.url("").trim_start_matches("http://").trim_end_matches('/').to_string();
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    assert!(get("/").starts_with("HTTP/1.1 200 OK"));
    assert!(get("/").ends_with("<p>hi</p>"));
    let js = get(&format!("/{}/a.js?v=1", percent_encode("中文")));
    assert!(js.starts_with("HTTP/1.1 200 OK"), "{js}");
    assert!(js.contains("Content-Type: text/javascript"), "{js}");
    assert!(get("/../etc/passwd").starts_with("HTTP/1.1 404"));
    assert!(get("/missing.html").starts_with("HTTP/1.1 404"));
    // The log: every response, with its bytes on the wire.
    let log = server.take_log();
    let paths: Vec<&str> = log.iter().map(|s| s.path.as_str()).collect();
    let encoded = format!("/{}/a.js", percent_encode("中文"));
    assert_eq!(paths, ["/", "/", encoded.as_str(), "/../etc/passwd", "/missing.html"]);
    assert_eq!(log.iter().map(|s| s.status).collect::<Vec<_>>(), [200, 200, 200, 404, 404]);
    assert_eq!(log[0].bytes, get("/").len());
    assert!(server.take_log().len() == 1, "taking the log empties it");
}

/// The page checks below can fail: an uncaught exception shows in `js_errors`, and the DOM is
/// the one after scripts ran.
#[test]
fn chromium_reports_javascript_errors_and_the_scripted_dom() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("index.html"),
        "<!DOCTYPE html><html><body><p id=\"x\">before</p><script>\n\
         document.getElementById('x').textContent = 'after';\n\
         setTimeout(() => noSuchFunction(), 100);\n</script></body></html>",
    )
    .unwrap();
    let server = StaticServer::start(dir.path()).unwrap();
    let run = dump_dom(&server.url("index.html"), Options::default()).expect("chromium");
    assert!(run.stdout.contains(">after</p>"), "{}", run.stdout);
    let errors = run.js_errors();
    assert!(
        errors.iter().any(|e| e.contains("noSuchFunction")),
        "the uncaught ReferenceError was not seen; stderr:\n{}",
        run.stderr
    );
}

/// Every chapter page of the book and of its English edition loads without a JavaScript error,
/// each Mermaid block of the built page becomes an SVG diagram that is not Mermaid's error
/// diagram, and the page's language switch links to the same page in the other edition. Mermaid's
/// library (2.7 MB) is fetched by the pages that have a diagram and by no other, and no page
/// fetches the search index before the search opens.
#[test]
fn every_page_loads_and_every_mermaid_diagram_renders() {
    let b = book();
    let server = server();
    // (page under out/, the page the language switch must lead to)
    let mut pages: Vec<(PathBuf, PathBuf)> = Vec::new();
    for page in chapter_pages(&b.out) {
        pages.push((page.clone(), Path::new("en").join(&page)));
    }
    let (_, en) = b.editions.iter().find(|(e, _)| e.language == "en").expect("an English edition");
    for page in chapter_pages(en) {
        pages.push((Path::new("en").join(&page), page));
    }
    assert!(pages.len() > 20, "{pages:?}");
    let mut problems = Vec::new();
    let mut diagrams = 0;
    for (page, other) in &pages {
        let html = fs::read_to_string(b.out.join(page)).unwrap();
        let want = mermaid_blocks(&html);
        let url = server.url(&page.to_string_lossy());
        server.take_log();
        let run = match dump_dom(&url, Options::default()) {
            Ok(run) => run,
            Err(e) => {
                problems.push(format!("{}: {e}", page.display()));
                continue;
            }
        };
        let fetched: Vec<String> = server.take_log().into_iter().map(|s| s.path).collect();
        let mermaid = fetched.iter().filter(|p| is_mermaid(p)).count();
        match want {
            0 if mermaid > 0 => problems.push(format!(
                "{}: no diagram on the page, yet it fetched Mermaid's library",
                page.display()
            )),
            1.. if mermaid != 1 => problems.push(format!(
                "{}: {want} diagram(s), and Mermaid's library was fetched {mermaid} times (requests: {fetched:?})",
                page.display()
            )),
            _ => {}
        }
        if let Some(index) = fetched.iter().find(|p| p.contains("searchindex")) {
            problems.push(format!("{}: {index} was fetched before the search opened", page.display()));
        }
        let dom = &run.stdout;
        if !dom.contains("id=\"mdbook-content\"") || !dom.contains("</main>") {
            problems.push(format!("{}: the page did not load (DOM: {} bytes)", page.display(), dom.len()));
            continue;
        }
        for e in run.js_errors() {
            problems.push(format!("{}: JavaScript error: {e}", page.display()));
        }
        let roles: Vec<&str> =
            open_tags(dom, "svg").into_iter().filter_map(|t| attr(t, "aria-roledescription")).collect();
        let errors = roles.iter().filter(|r| **r == "error").count();
        let rendered = roles.len() - errors;
        if errors > 0 {
            problems.push(format!("{}: {errors} Mermaid diagram(s) failed to render", page.display()));
        }
        if rendered != want {
            problems.push(format!(
                "{}: {want} Mermaid block(s) in the HTML, {rendered} rendered diagram(s) in the \
                 browser (roles: {roles:?})",
                page.display()
            ));
        }
        diagrams += want;
        let switch: Vec<&str> = open_tags(dom, "a")
            .into_iter()
            .filter(|t| attr(t, "class") == Some("lang-switch"))
            .filter_map(|t| attr(t, "href"))
            .collect();
        let expected = server.url(&other.to_string_lossy());
        if switch != [expected.as_str()] {
            problems.push(format!("{}: language switch {switch:?}, expected [{expected:?}]", page.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(diagrams > 0, "the book has no Mermaid diagram at all: is the count broken?");
    assert!(
        pages.iter().any(|(p, _)| mermaid_blocks(&fs::read_to_string(b.out.join(p)).unwrap()) == 0),
        "every page has a diagram: the check that the others do not fetch Mermaid checked nothing"
    );
}

/// Queries and the page their first result must be on, in both editions: kubectl's status words
/// lead to the chapter that shows or explains them, also where the book writes them inside a
/// longer token (`Init:CrashLoopBackOff`), and a term typed in Chinese finds the chapter that
/// uses its English name (边车 → sidecar). Each page must contain the query (or, for a name in
/// theme/search.js's TERMS, one of its names): checked first, so that a rewritten chapter fails
/// with a clear message rather than a puzzling ranking.
const FIRST_RESULTS: &[(&str, &str, &[&str])] = &[
    ("CrashLoopBackOff", "step3-failure.html", &["Init:CrashLoopBackOff"]),
    ("Init:CrashLoopBackOff", "step3-failure.html", &["Init:CrashLoopBackOff"]),
    ("PodInitializing", "concepts.html", &["PodInitializing"]),
    ("ImagePullBackOff", "troubleshooting.html", &["ImagePullBackOff"]),
    ("emptyDir", "step4-volume.html", &["emptyDir"]),
    ("sidecar", "step5-sidecar.html", &["sidecar"]),
    ("边车", "step5-sidecar.html", &["sidecar"]),
    ("restartPolicy", "step3-failure.html", &["restartPolicy"]),
];

/// Words that experiment 1.3 (restart policies) is about as much as experiment 1.2's chapter:
/// either lab's chapter may come first, and 1.2's must be among the first [`NEAR_TOP`].
const SHARED_WITH_RESTART_POLICY: &[&str] =
    &["CrashLoopBackOff", "restartPolicy", "重启策略", "restart policy"];
const NEAR_TOP: usize = 3;

/// Queries for one edition only (words of its prose).
const CHINESE_FIRST_RESULTS: &[(&str, &str, &[&str])] =
    &[("重启策略", "step3-failure.html", &["重启策略"]), ("幂等", "lessons.html", &["幂等"])];
const ENGLISH_FIRST_RESULTS: &[(&str, &str, &[&str])] = &[
    ("idempotent", "lessons.html", &["idempotent"]),
    ("emptyDir volume", "step4-volume.html", &["emptyDir volume"]),
    ("restart policy", "step3-failure.html", &["restart policy"]),
];

/// Queries and a page that must be among their results (not necessarily first), by edition:
/// the restart-policy lab's words.
const FOUND_RESULTS: &[(&str, &str, &str)] = &[
    ("", "退避间隔", "restart-policy/step4-backoff.html"),
    ("en/", "pod worker", "restart-policy/step4-backoff.html"),
    ("", "稳定的网络标识", "statefulset/step2-identity.html"),
];

/// The names under which a page is about init containers (theme/search.js's TERMS).
const INIT_CONTAINER_NAMES: &[&str] = &["初始化容器", "init 容器", "init container", "initcontainers"];

/// The text of a built page's `<main>`, lower-cased, tags dropped.
fn main_text(html: &str) -> String {
    let start = html.find("<main").unwrap_or(0);
    let end = html[start..].find("</main>").map_or(html.len(), |e| start + e);
    let mut text = String::new();
    let mut in_tag = false;
    for ch in html[start..end].chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(ch),
            _ => {}
        }
    }
    text.to_lowercase()
}

/// Searches `edition` ("" or "en/") for `query` through its search bar (`index.html?search=…`)
/// and returns the result links' pages, in order, once theme/search.js has rendered them.
async fn search_pages(c: &Client, server: &StaticServer, edition: &str, query: &str) -> Vec<String> {
    c.goto(&server.url(&format!("{edition}index.html?search={}", percent_encode(query)))).await.unwrap();
    let q = serde_json::to_string(query).unwrap();
    wait_until(
        c,
        &format!("the results for {query}"),
        &format!(
            "const l = document.getElementById('mdbook-searchresults');\
             return l.getAttribute('data-lab-query') === {q} && l.children.length > 0 &&\
             Array.prototype.every.call(l.children, li => li.hasAttribute('data-lab-search'));"
        ),
    )
    .await;
    let hrefs = c
        .execute(
            "return Array.from(document.querySelectorAll('#mdbook-searchresults li > a'))\
             .map(a => a.getAttribute('href'));",
            vec![],
        )
        .await
        .unwrap();
    hrefs
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap_or("").split(['?', '#']).next().unwrap_or("").to_string())
        .collect()
}

/// The first result of each query in FIRST_RESULTS is on its page, in the book and in the
/// English edition; 初始化容器 (and "init container" in English) lists every page about init
/// containers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_ranks_each_word_on_its_chapter_first() {
    if !tools_present() {
        return;
    }
    let b = book();
    let server = server();
    let work = tempfile::tempdir().unwrap();
    let driver = Driver::start(&work.path().join("chromedriver.log"));
    let c = driver.session(&work.path().join("profile"), (1280, 900)).await;
    let outcome = AssertUnwindSafe(async {
        for (edition, own, all_query) in
            [("", CHINESE_FIRST_RESULTS, "初始化容器"), ("en/", ENGLISH_FIRST_RESULTS, "init container")]
        {
            let dir = b.out.join(edition);
            for (query, page, premise) in FIRST_RESULTS.iter().chain(own) {
                let text = main_text(&fs::read_to_string(dir.join(page)).expect("the page"));
                assert!(
                    premise.iter().all(|w| text.contains(&w.to_lowercase())),
                    "{edition}{page} no longer contains {premise:?}: update this test's expectation"
                );
                let pages = search_pages(&c, &server, edition, query).await;
                if SHARED_WITH_RESTART_POLICY.contains(query) {
                    let first = pages.first().map(String::as_str).unwrap_or_default();
                    assert!(
                        first == *page || first.starts_with("restart-policy/"),
                        "{edition}: the first result for “{query}” is neither {page} nor experiment 1.3's: {pages:?}"
                    );
                    assert!(
                        pages.iter().take(NEAR_TOP).any(|p| p == page),
                        "{edition}: {page} is not among the first {NEAR_TOP} results for “{query}”: {pages:?}"
                    );
                    continue;
                }
                assert_eq!(
                    pages.first().map(String::as_str),
                    Some(*page),
                    "{edition}: the first result for “{query}” is not on {page}: {pages:?}"
                );
            }
            let about: Vec<String> = chapter_pages(&dir)
                .into_iter()
                .map(|p| p.to_string_lossy().into_owned())
                .filter(|p| {
                    let text = main_text(&fs::read_to_string(dir.join(p)).unwrap());
                    INIT_CONTAINER_NAMES.iter().any(|n| text.contains(n))
                })
                .collect();
            assert!(about.len() >= 10, "{edition}: only {about:?} are about init containers?");
            for query in ["初始化容器", all_query] {
                let pages = search_pages(&c, &server, edition, query).await;
                let missed: Vec<&String> = about.iter().filter(|p| !pages.contains(p)).collect();
                assert!(missed.is_empty(), "{edition}: “{query}” misses {missed:?}; it found {pages:?}");
            }
            for (_, query, page) in FOUND_RESULTS.iter().filter(|(e, ..)| *e == edition) {
                let text = main_text(&fs::read_to_string(dir.join(page)).expect("the page"));
                assert!(text.contains(&query.to_lowercase()), "{edition}{page} no longer contains {query}");
                let pages = search_pages(&c, &server, edition, query).await;
                assert!(
                    pages.iter().any(|p| p == page),
                    "{edition}: “{query}” does not find {page}: {pages:?}"
                );
            }
        }
        let errors = console_errors(&c).await;
        assert!(errors.is_empty(), "{errors:#?}");
    })
    .catch_unwind()
    .await;
    let _ = c.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// The quiz and the ratings speak the page's language (theme/lab.js reads `<html lang>`).
#[test]
fn the_quiz_speaks_the_language_of_the_page() {
    let server = server();
    for (page, words) in
        [("summary.html", ["共 ", "未评分"]), ("en/summary.html", [" questions.", "Not rated"])]
    {
        let dom = dump_dom(&server.url(page), Options::default()).expect("chromium").stdout;
        for word in words {
            assert!(dom.contains(word), "{page}: “{word}” not on the page");
        }
    }
}

/// The quiz of the static book, in both editions: scored on the first answer (the right answer
/// after the reveal does not count), a summary after the last question with the wrong ones, the
/// closing words only once every question is answered, kept in localStorage across a reload,
/// and a reset that clears the answers (and the closing words) but keeps the ratings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quiz_scores_first_answers_sums_up_and_resets_in_both_editions() {
    if !tools_present() {
        return;
    }
    let server = server();
    let work = tempfile::tempdir().unwrap();
    let driver = Driver::start(&work.path().join("chromedriver.log"));
    let c = driver.session(&work.path().join("profile"), (1280, 900)).await;
    let outcome = AssertUnwindSafe(async {
        for words in [&quiz::ZH, &quiz::EN] {
            c.goto(&server.url(&format!("{}summary.html", words.edition))).await.unwrap();
            quiz::wait_ready(&c).await;
            quiz::answer_all_but_the_first_right(&c, words).await;
            c.refresh().await.unwrap();
            quiz::wait_ready(&c).await;
            quiz::assert_kept(&quiz::shown(&c).await, words);
            quiz::reset_and_check(&c, words).await;
            c.refresh().await.unwrap();
            quiz::wait_ready(&c).await;
            let s = quiz::shown(&c).await;
            assert_eq!(s["answered"], serde_json::json!([]), "the reset was not kept: {s}");
        }
        let errors = console_errors(&c).await;
        assert!(errors.is_empty(), "{errors:#?}");
    })
    .catch_unwind()
    .await;
    let _ = c.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// The theme class mdBook put on `<html>` after its scripts ran.
fn html_theme(dom: &str) -> String {
    open_tags(dom, "html").first().and_then(|t| attr(t, "class")).unwrap_or("").to_string()
}

/// Screenshots of every page with a verify box, light and dark: the top of the page (1280×2000)
/// and the whole page (1280×12000), for a person to look at. The themes are checked in the
/// DOM: `default-theme` (light) normally, `preferred-dark-theme` (navy) when the browser
/// prefers dark.
#[test]
fn screenshots_of_the_step_pages() {
    let b = book();
    let server = server();
    let dir =
        std::env::var_os("BOOK_SHOTS_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp/shots"));
    fs::create_dir_all(&dir).unwrap();
    let step_pages: Vec<PathBuf> = chapter_pages(&b.out)
        .into_iter()
        .filter(|p| fs::read_to_string(b.out.join(p)).unwrap().contains("<div class=\"lab-check\""))
        .collect();
    assert!(!step_pages.is_empty(), "no page has a verify box");
    for (theme, dark, class) in [("light", false, "light"), ("dark", true, "navy")] {
        let opts = Options { dark, ..Options::default() };
        let dom = dump_dom(&server.url("index.html"), opts).expect("chromium").stdout;
        let classes = html_theme(&dom);
        assert!(
            classes.split_whitespace().any(|c| c == class),
            "{theme}: expected theme class `{class}` on <html>, got `{classes}`"
        );
        for page in &step_pages {
            let stem = page.with_extension("").to_string_lossy().replace('/', "_");
            let path = page.to_string_lossy().into_owned();
            // The top of the page as a reader first sees it, and the whole page (a window tall
            // enough for it: headless Chromium paints nothing when a shot scrolls far down).
            let shots = [
                (format!("{stem}-{theme}.png"), (1280, 2000)),
                (format!("{stem}-{theme}-full.png"), (1280, 12_000)),
            ];
            for (name, window) in shots {
                let png = dir.join(name);
                let _ = fs::remove_file(&png);
                let opts = Options { window, ..opts };
                browser::screenshot(&server.url(&path), &png, opts).expect("screenshot");
                let bytes = fs::read(&png).unwrap();
                assert!(bytes.starts_with(b"\x89PNG"), "{} is not a PNG", png.display());
                assert!(bytes.len() > 20_000, "{} is suspiciously small", png.display());
            }
        }
    }
    // The English edition's step pages: the top of the page, light.
    for page in &step_pages {
        let stem = page.with_extension("").to_string_lossy().replace('/', "_");
        let png = dir.join(format!("en-{stem}-light.png"));
        let _ = fs::remove_file(&png);
        let url = server.url(&Path::new("en").join(page).to_string_lossy());
        browser::screenshot(&url, &png, Options::default()).expect("screenshot");
        assert!(fs::read(&png).unwrap().len() > 20_000, "{} is suspiciously small", png.display());
    }
}

/// The state `webdriver::DIAGRAM_WATCH` keeps: blocks, drawn, drawnAt, printedAt, drawnWhenPrinted.
async fn diagrams(c: &Client) -> Value {
    c.execute("return window.__labDiagrams;", vec![]).await.expect("read the diagram watch")
}

/// Whether every diagram of the page is drawn in Mermaid's `theme` (`default` or `dark`): each
/// `pre.mermaid` holds an SVG whose stylesheet has that theme's node colour.
async fn all_drawn_in(c: &Client, theme: &str) -> bool {
    let colour = match theme {
        "dark" => "#1f2020",
        _ => "#ececff",
    };
    let script = format!(
        "const blocks = Array.from(document.querySelectorAll('pre.mermaid'));\
         return blocks.length > 0 && blocks.every(b => {{\
           const s = b.querySelector('svg > style');\
           return s !== null && s.textContent.toLowerCase().includes('{colour}');\
         }});"
    );
    c.execute(&script, vec![]).await.is_ok_and(|v| v == Value::Bool(true))
}

/// Over WebDriver: the print view (every chapter on one page, which calls `window.print()` once
/// loaded) has drawn every diagram when it prints; a page's diagrams are drawn again in the dark
/// theme when the reader switches to it, without reloading the page, and back; and the book
/// opened from disk (file://) draws its diagrams too. No JavaScript error anywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_view_theme_switch_and_file_urls_draw_every_diagram() {
    if !tools_present() {
        return;
    }
    let b = book();
    let server = server();
    let work = tempfile::tempdir().unwrap();
    let driver = Driver::start(&work.path().join("chromedriver.log"));
    let c = driver.session(&work.path().join("profile"), (1280, 1000)).await;
    webdriver::on_every_document(&c, DIAGRAM_WATCH).await;
    let outcome = AssertUnwindSafe(diagram_scenario(&c, b, &server)).catch_unwind().await;
    let _ = c.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn diagram_scenario(c: &Client, b: &support::Built, server: &StaticServer) {
    // The print view: it prints (window.print is the watch's stand-in) once every diagram is drawn.
    let print = fs::read_to_string(b.out.join("print.html")).unwrap();
    let want = mermaid_blocks(&print);
    assert!(want > 1, "print.html has {want} diagram(s): the book's diagrams should all be there");
    c.goto(&server.url("print.html")).await.unwrap();
    wait_until(c, "print.html called window.print()", "return window.__labDiagrams.printedAt !== null;")
        .await;
    let d = diagrams(c).await;
    assert_eq!(d["blocks"], want, "{d}");
    assert_eq!(d["drawnWhenPrinted"], want, "print.html printed before every diagram was drawn: {d}");
    let errors = console_errors(c).await;
    assert!(errors.is_empty(), "print.html: {errors:#?}");

    // A page with diagrams, light, then switched to navy and back with mdBook's theme menu.
    let page = chapter_pages(&b.out)
        .into_iter()
        .find(|p| mermaid_blocks(&fs::read_to_string(b.out.join(p)).unwrap()) > 0)
        .expect("a page with a diagram");
    let page = page.to_string_lossy().into_owned();
    c.goto(&server.url(&page)).await.unwrap();
    c.execute("localStorage.setItem('mdbook-theme', 'light')", vec![]).await.unwrap();
    c.refresh().await.unwrap();
    wait_until(c, "the diagrams drawn", "const d = window.__labDiagrams; return d.drawnAt !== null;").await;
    assert!(all_drawn_in(c, "default").await, "{page}: the light theme's diagrams are not Mermaid's default");
    c.execute("window.__samePage = true;", vec![]).await.unwrap();
    for (theme, mermaid_theme) in [("navy", "dark"), ("light", "default")] {
        // The menu stays open after a choice; the toggle button closes it.
        const MENU_OPEN: &str =
            "return document.getElementById('mdbook-theme-list').style.display === 'block';";
        if c.execute(MENU_OPEN, vec![]).await.unwrap() != Value::Bool(true) {
            c.find(Locator::Id("mdbook-theme-toggle")).await.unwrap().click().await.unwrap();
            wait_until(c, "the theme menu open", MENU_OPEN).await;
        }
        c.find(Locator::Id(&format!("mdbook-theme-{theme}"))).await.unwrap().click().await.unwrap();
        let deadline = std::time::Instant::now() + webdriver::WAIT;
        while !all_drawn_in(c, mermaid_theme).await {
            assert!(
                std::time::Instant::now() < deadline,
                "{page}: after switching to {theme}, the diagrams are not drawn in Mermaid's {mermaid_theme} theme"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let same = c.execute("return window.__samePage === true;", vec![]).await.unwrap();
        assert_eq!(same, Value::Bool(true), "switching to {theme} reloaded the page");
    }
    let errors = console_errors(c).await;
    assert!(errors.is_empty(), "{page}: {errors:#?}");

    // The book opened from disk.
    c.goto(&format!("file://{}", b.out.join(&page).display())).await.unwrap();
    wait_until(c, "the diagrams drawn from file://", "return window.__labDiagrams.drawnAt !== null;").await;
    let d = diagrams(c).await;
    assert_eq!(d["drawn"], d["blocks"], "{d}");
    let errors = console_errors(c).await;
    assert!(errors.is_empty(), "file://{page}: {errors:#?}");
}

/// Pages that scroll sideways in a `width`-px window: `(page, scrollWidth)`.
async fn sideways_pages(
    c: &Client,
    b: &support::Built,
    server: &StaticServer,
    width: u32,
) -> Vec<(String, i64)> {
    let mut wide = Vec::new();
    for page in chapter_pages(&b.out) {
        let path = page.to_string_lossy().into_owned();
        c.goto(&server.url(&path)).await.unwrap();
        wait_until(c, "the page loaded", "return document.readyState === 'complete';").await;
        let w = c
            .execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        if w > 0 {
            wide.push((path, w + i64::from(width)));
        }
    }
    wide
}

/// At a phone's width (390 px) and at 1280 px no page scrolls sideways (a wide table scrolls in
/// its own box or turns into cards), the verify box is neutral before any check (no verdict
/// colour, no ✔), and phone-width screenshots of the step pages and the errata land in the shots
/// directory for a person to look at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_layout_has_no_sideways_scroll_and_a_neutral_verify_box() {
    if !tools_present() {
        return;
    }
    let b = book();
    let server = server();
    let dir =
        std::env::var_os("BOOK_SHOTS_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp/shots"));
    fs::create_dir_all(&dir).unwrap();
    let work = tempfile::tempdir().unwrap();
    let driver = Driver::start(&work.path().join("chromedriver.log"));
    for width in [390, 1280] {
        let c = driver.session(&work.path().join(format!("profile-{width}")), (width, 844)).await;
        let outcome = AssertUnwindSafe(async {
            let wide = sideways_pages(&c, b, &server, width).await;
            assert!(wide.is_empty(), "at {width} px these pages scroll sideways (page, scrollWidth): {wide:?}");
            // The errata's table of prose fits the text column at 1280 px and is cards at 390 px.
            c.goto(&server.url("errata.html")).await.unwrap();
            wait_until(&c, "the errata as cards", "return document.querySelector('table.lab-cards') !== null;").await;
            let fit = c
                .execute(
                    "const w = document.querySelector('.table-wrapper');                     return [w.scrollWidth, w.clientWidth];",
                    vec![],
                )
                .await
                .unwrap();
            assert!(fit[0].as_i64() <= fit[1].as_i64(), "at {width} px the errata table overflows its box: {fit}");
            if width != 390 {
                let png = c.screenshot().await.unwrap();
                fs::write(dir.join("errata-1280.png"), png).unwrap();
                return;
            }
            for page in ["step1-deploy.html", "step3-failure.html", "errata.html"] {
                c.goto(&server.url(page)).await.unwrap();
                wait_until(&c, "the page loaded", "return document.readyState === 'complete';").await;
                let png = c.screenshot().await.unwrap();
                fs::write(dir.join(format!("{}-phone.png", page.trim_end_matches(".html"))), png).unwrap();
            }
            c.goto(&server.url("step1-deploy.html")).await.unwrap();
            let neutral = c
                .execute(
                    "const box = document.querySelector('.lab-check');\
                     const s = getComputedStyle(box);\
                     const title = getComputedStyle(box.querySelector('.lab-check-title'), '::before');\
                     return { start: s.borderLeftColor, edge: s.borderTopColor, mark: title.content };",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(neutral["start"], neutral["edge"], "the unchecked box has a coloured edge: {neutral}");
            assert!(
                neutral["mark"] == "none" || neutral["mark"] == "normal",
                "the unchecked box's title has a mark: {neutral}"
            );
        })
        .catch_unwind()
        .await;
        let _ = c.close().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
}
