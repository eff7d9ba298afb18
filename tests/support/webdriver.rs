//! Headless Chromium driven over WebDriver (Debian's chromedriver), for the browser tests and
//! the book's benchmark: start chromedriver, open a session, read the console, send DevTools
//! commands.
//!
//! Include it next to `support/browser.rs` (whose `HEADLESS_FLAGS` it uses):
//! `#[path = "support/browser.rs"] mod browser;` and `#[path = "support/webdriver.rs"] mod webdriver;`.

#![allow(dead_code)]

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long a test waits for anything in the browser.
pub const WAIT: Duration = Duration::from_secs(30);

/// Whether Chromium and chromedriver are installed. Without them a test is skipped with a
/// message, except under CI (`CI` set), where it fails.
pub fn tools_present() -> bool {
    let present = Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file();
    if !present {
        let msg =
            format!("{CHROMIUM} or {CHROMEDRIVER} is missing: apt-get install -y chromium chromium-driver");
        assert!(std::env::var_os("CI").is_none(), "{msg}");
        eprintln!("skipped: {msg}");
    }
    present
}

/// chromedriver on a free port of 127.0.0.1, stopped on drop.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    pub fn start(log: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline || driver.child.try_wait().is_ok_and(|s| s.is_some()) {
                panic!("chromedriver did not listen on port {port} (log: {})", log.display());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    /// A new headless Chromium session with a fresh profile in `profile` and a window of
    /// `width`×`height`; the browser's console is kept for [`console_errors`].
    pub async fn session(&self, profile: &Path, (width, height): (u32, u32)) -> Client {
        let mut args: Vec<String> = super::browser::HEADLESS_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--window-size={width},{height}"));
        args.push(format!("--user-data-dir={}", profile.display()));
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let Value::Object(caps) = caps else { unreachable!() };
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a WebDriver session with headless Chromium")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver's `POST /session/{id}/se/log`: the browser's console since the last call.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

/// The console's error entries since the last call, as `LEVEL message`.
pub async fn console_errors(c: &Client) -> Vec<String> {
    let log = c.issue_cmd(BrowserLog).await.expect("read the browser log");
    log.as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["level"] == "SEVERE")
                .map(|e| format!("{} {}", e["level"], e["message"].as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default()
}

/// chromedriver's `POST /session/{id}/goog/cdp/execute`: one Chrome DevTools Protocol command
/// (`Network.setCacheDisabled`, `Page.addScriptToEvaluateOnNewDocument`, …) to the current tab.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

/// Sends a DevTools command and returns its result.
pub async fn cdp(c: &Client, cmd: &str, params: Value) -> Value {
    c.issue_cmd(Cdp { cmd: cmd.to_string(), params })
        .await
        .unwrap_or_else(|e| panic!("DevTools command {cmd} failed: {e}"))
}

/// Runs `source` in every document the tab opens from now on, before the page's own scripts.
pub async fn on_every_document(c: &Client, source: &str) {
    cdp(c, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": source })).await;
}

/// Turns the browser's HTTP cache off (memory and disk), so that every page load is cold.
pub async fn disable_cache(c: &Client) {
    cdp(c, "Network.enable", json!({})).await;
    cdp(c, "Network.setCacheDisabled", json!({ "cacheDisabled": true })).await;
}

pub async fn wait_for(c: &Client, css: &str) -> Element {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} within {WAIT:?}: {e}"))
}

/// Waits until `css` exists and its text contains `text`.
pub async fn wait_for_text(c: &Client, css: &str, text: &str) -> Element {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(el) = c.find(Locator::Css(css)).await
            && el.text().await.is_ok_and(|t| t.contains(text))
        {
            return el;
        }
        if Instant::now() > deadline {
            let now = match c.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => "(absent)".into(),
            };
            panic!("{css} did not come to contain {text:?} within {WAIT:?}; it reads: {now}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the script `predicate` (a function body that returns a boolean) returns true.
pub async fn wait_until(c: &Client, what: &str, predicate: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        if c.execute(predicate, vec![]).await.is_ok_and(|v| v == Value::Bool(true)) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A script, to run on every document before the page's own (see [`on_every_document`]), that
/// watches the Mermaid blocks of the page: `window.__labDiagrams` is then
/// `{blocks, drawn, drawnAt, printedAt, drawnWhenPrinted}`: the number of `pre.mermaid` blocks,
/// how many hold an SVG, the time (ms since the navigation started) when the last one came to
/// hold one, and when the page called `window.print()` (which this script replaces, so that no
/// print dialog opens) with how many were drawn then. It watches the page, not the page's
/// scripts, so it measures any way of drawing the same way.
pub const DIAGRAM_WATCH: &str = r#"(function () {
  var state = { blocks: 0, drawn: 0, drawnAt: null, printedAt: null, drawnWhenPrinted: null };
  window.__labDiagrams = state;
  function count() {
    var blocks = document.querySelectorAll('pre.mermaid');
    var drawn = 0;
    for (var i = 0; i < blocks.length; i++) {
      if (blocks[i].querySelector('svg')) drawn++;
    }
    state.blocks = blocks.length;
    state.drawn = drawn;
    if (blocks.length > 0 && drawn === blocks.length && state.drawnAt === null) {
      state.drawnAt = performance.now();
    }
  }
  new MutationObserver(count).observe(document, { childList: true, subtree: true });
  window.print = function () {
    count();
    state.printedAt = performance.now();
    state.drawnWhenPrinted = state.drawn;
  };
})();"#;
