//! The book's weight: every page of the built book (`mdbook build` with `.tools/bin/mdbook`) and
//! of each translated edition (`en/…`) served from 127.0.0.1 to headless Chromium over WebDriver,
//! as a reader's first visit would load it: the browser's cache off (DevTools `Network.setCacheDisabled`) and every response
//! `Cache-Control: no-store`.
//!
//! For each page: the requests and the bytes the server sent for it (status lines, headers and
//! bodies, counted by the server itself), whether Mermaid's library was among them, the
//! DOMContentLoaded and load times, and the time until every Mermaid diagram of the page was
//! drawn. That time is seen from outside the book's scripts (a MutationObserver installed before
//! them, `webdriver::DIAGRAM_WATCH`), so any way of drawing is measured the same way. Times are
//! medians of `BENCH_BOOK_RUNS` loads (default 3), in ms since the navigation started; bytes do
//! not vary between loads (the largest is shown).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::Value;

use crate::browser::{Sent, StaticServer};
use crate::support::{book, chapter_pages};
use crate::webdriver::{self, DIAGRAM_WATCH, Driver};

/// What one load of one page showed.
struct Load {
    sent: Vec<Sent>,
    dom_ms: f64,
    load_ms: f64,
    blocks: u64,
    drawn_ms: Option<f64>,
    /// The marks `theme/mermaid-loader.js` sets: the library asked for, and run.
    fetch_ms: Option<f64>,
    ready_ms: Option<f64>,
    /// Diagrams Mermaid drew as its error picture.
    errors: u64,
    /// Resources the browser says it took from a cache (should be none).
    cached: u64,
    console: Vec<String>,
}

/// A page's row: its loads.
struct Row {
    page: String,
    loads: Vec<Load>,
}

/// Whether a request path is Mermaid's library (`mermaid.min.js`, or `mermaid-0123abcd.min.js`
/// when mdBook fingerprints it as an `additional-js` file).
fn is_mermaid(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("mermaid") && name.ends_with(".min.js")
}

pub fn run() {
    if !webdriver::tools_present() {
        return;
    }
    let runs: usize = std::env::var("BENCH_BOOK_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3).max(1);
    let built = book();
    let server = StaticServer::start(&built.out).expect("start the static server");
    // Every edition's pages: the Chinese book at the root, each translation under its language.
    let mut pages: Vec<String> = Vec::new();
    let editions = std::iter::once((String::new(), built.out.clone()))
        .chain(built.editions.iter().map(|(e, dir)| (format!("{}/", e.language), dir.clone())));
    for (prefix, dir) in editions {
        pages.extend(chapter_pages(&dir).iter().map(|p| format!("{prefix}{}", p.to_string_lossy())));
        pages.push(format!("{prefix}print.html"));
    }
    let work = tempfile::tempdir().unwrap();
    let rows = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let driver = Driver::start(&work.path().join("chromedriver.log"));
        let c = driver.session(&work.path().join("profile"), (1280, 1000)).await;
        webdriver::disable_cache(&c).await;
        webdriver::on_every_document(&c, DIAGRAM_WATCH).await;
        let mut rows = Vec::new();
        for page in &pages {
            let mut loads = Vec::new();
            for _ in 0..runs {
                loads.push(load(&c, &server, page).await);
            }
            rows.push(Row { page: page.clone(), loads });
        }
        let _ = c.close().await;
        rows
    });
    report(&rows, runs, &built.out);
}

/// Loads `page` once and waits until its diagrams are drawn and the network is quiet.
async fn load(c: &Client, server: &StaticServer, page: &str) -> Load {
    server.take_log();
    c.goto(&server.url(page)).await.unwrap_or_else(|e| panic!("{page}: {e}"));
    let deadline = Instant::now() + webdriver::WAIT;
    loop {
        let done = c
            .execute("const d = window.__labDiagrams; return d.blocks === 0 || d.drawnAt !== null;", vec![])
            .await
            .unwrap();
        if done == Value::Bool(true) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Late requests (fonts, images) are part of the page: wait until none came for 500 ms.
    let mut sent = Vec::new();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let more = server.take_log();
        if more.is_empty() {
            break;
        }
        sent.extend(more);
    }
    let v = c
        .execute(
            "const nav = performance.getEntriesByType('navigation')[0];\
             const res = performance.getEntriesByType('resource');\
             const d = window.__labDiagrams;\
             const mark = name => (performance.getEntriesByName(name)[0] || {}).startTime;\
             return { dom: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, blocks: d.blocks,\
               drawn: d.drawnAt, fetch: mark('mermaid:fetch'), ready: mark('mermaid:ready'),\
               errors: document.querySelectorAll('pre.mermaid svg[aria-roledescription=\"error\"]').length,\
               cached: res.filter(r => r.transferSize === 0 && r.decodedBodySize > 0).length };",
            vec![],
        )
        .await
        .unwrap();
    Load {
        sent,
        dom_ms: v["dom"].as_f64().unwrap_or(f64::NAN),
        load_ms: v["load"].as_f64().unwrap_or(f64::NAN),
        blocks: v["blocks"].as_u64().unwrap_or(0),
        drawn_ms: v["drawn"].as_f64(),
        fetch_ms: v["fetch"].as_f64(),
        ready_ms: v["ready"].as_f64(),
        errors: v["errors"].as_u64().unwrap_or(0),
        cached: v["cached"].as_u64().unwrap_or(0),
        console: webdriver::console_errors(c).await,
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn kb(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / 1000.0)
}

fn report(rows: &[Row], runs: usize, out: &std::path::Path) {
    println!(
        "# the book: every page cold from 127.0.0.1 in headless Chromium ({runs} loads each, \
         medians; kB = 1000 bytes sent by the server)\n"
    );
    println!("| page | diagrams | requests | kB | Mermaid | DOMContentLoaded | load | diagrams drawn |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut problems = Vec::new();
    let (mut total_requests, mut total_bytes, mut with_mermaid) = (0, 0, 0);
    let mut plain_max: Option<(usize, &str)> = None;
    let mut plain_min: Option<(usize, &str)> = None;
    let mut drawn_max: Option<(f64, &str)> = None;
    // path → (pages that fetched it, its size)
    let mut files: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for row in rows {
        let bytes = row.loads.iter().map(|l| l.sent.iter().map(|s| s.bytes).sum::<usize>()).max().unwrap();
        let requests = row.loads.iter().map(|l| l.sent.len()).max().unwrap();
        let mermaid = row.loads.iter().any(|l| l.sent.iter().any(|s| is_mermaid(&s.path)));
        let blocks = row.loads[0].blocks;
        let dom = median(row.loads.iter().map(|l| l.dom_ms).collect());
        let load = median(row.loads.iter().map(|l| l.load_ms).collect());
        let drawn = match blocks {
            0 => "—".to_string(),
            _ if row.loads.iter().any(|l| l.drawn_ms.is_none()) => "not drawn".to_string(),
            _ => {
                let ms = median(row.loads.iter().filter_map(|l| l.drawn_ms).collect());
                if drawn_max.is_none_or(|(m, _)| ms > m) {
                    drawn_max = Some((ms, &row.page));
                }
                format!("{ms:.0} ms")
            }
        };
        println!(
            "| {} | {blocks} | {requests} | {} | {} | {dom:.0} ms | {load:.0} ms | {drawn} |",
            row.page,
            kb(bytes),
            if mermaid { "yes" } else { "no" }
        );
        total_requests += requests;
        total_bytes += bytes;
        with_mermaid += usize::from(mermaid);
        if blocks == 0 && plain_max.is_none_or(|(b, _)| bytes > b) {
            plain_max = Some((bytes, &row.page));
        }
        if blocks == 0 && plain_min.is_none_or(|(b, _)| bytes < b) {
            plain_min = Some((bytes, &row.page));
        }
        for s in &row.loads[0].sent {
            let entry = files.entry(s.path.clone()).or_default();
            entry.0 += 1;
            entry.1 = entry.1.max(s.bytes);
        }
        for (i, l) in row.loads.iter().enumerate() {
            let what = format!("{} (load {})", row.page, i + 1);
            if l.errors > 0 {
                problems.push(format!("{what}: {} diagram(s) drawn as Mermaid's error picture", l.errors));
            }
            if l.cached > 0 {
                problems.push(format!("{what}: {} resource(s) came from a cache", l.cached));
            }
            for s in l.sent.iter().filter(|s| s.status != 200) {
                problems.push(format!("{what}: {} answered {}", s.path, s.status));
            }
            for e in &l.console {
                problems.push(format!("{what}: console: {e}"));
            }
        }
    }
    println!(
        "| **total ({} pages)** | | {total_requests} | {} | {with_mermaid} pages | | | |",
        rows.len(),
        kb(total_bytes)
    );
    if let (Some((min, light)), Some((max, heavy))) = (plain_min, plain_max) {
        let count = rows.iter().filter(|r| r.loads[0].blocks == 0).count();
        println!(
            "\npages without a diagram ({count}): lightest {light}, {} kB; heaviest {heavy}, {} kB",
            kb(min),
            kb(max)
        );
    }
    if let Some((ms, page)) = drawn_max {
        println!("slowest page to draw its diagrams: {page}, {ms:.0} ms");
    }
    println!(
        "targets: a page without diagrams ≤ 600 kB and no Mermaid; a page with diagrams has them all \
         drawn within 300 ms\n"
    );

    println!("## where the time goes on the pages with diagrams (ms since the navigation started)\n");
    println!("| page | DOMContentLoaded | Mermaid asked for | Mermaid has run | diagrams drawn |");
    println!("|---|---|---|---|---|");
    let ms = |xs: Vec<Option<f64>>| match xs.iter().all(Option::is_some) {
        true => format!("{:.0}", median(xs.into_iter().flatten().collect())),
        false => "—".to_string(),
    };
    for row in rows.iter().filter(|r| r.loads[0].blocks > 0) {
        let ls = &row.loads;
        println!(
            "| {} | {:.0} | {} | {} | {} |",
            row.page,
            median(ls.iter().map(|l| l.dom_ms).collect()),
            ms(ls.iter().map(|l| l.fetch_ms).collect()),
            ms(ls.iter().map(|l| l.ready_ms).collect()),
            ms(ls.iter().map(|l| l.drawn_ms).collect()),
        );
    }
    println!();

    println!("## what the pages fetch (the 12 largest files; the HTML pages are counted above)\n");
    println!("| file | kB | fetched by |");
    println!("|---|---|---|");
    let mut by_size: Vec<(&String, &(usize, usize))> =
        files.iter().filter(|(path, _)| !path.ends_with(".html") && *path != "/").collect();
    by_size.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(b.0)));
    for (path, (pages, bytes)) in by_size.into_iter().take(12) {
        println!("| {path} | {} | {pages} of {} pages |", kb(*bytes), rows.len());
    }
    let searchindex = files.keys().filter(|p| p.contains("searchindex")).count();
    println!(
        "\nsearch index fetched on page load: {}\n",
        if searchindex == 0 { "never (it loads when the search opens)" } else { "YES" }
    );
    if !problems.is_empty() {
        println!("problems seen ({}):", out.display());
        for p in &problems {
            println!("- {p}");
        }
        println!();
    }
}
