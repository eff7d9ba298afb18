//! A tiny static HTTP server on 127.0.0.1 that logs what it sends, and one-shot headless Chromium
//! runs (`--dump-dom`, `--screenshot`), for the browser tests and the benchmark of the book.

#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Serves the files of a directory over HTTP/1.1 on an ephemeral port of 127.0.0.1 until
/// dropped. GET and HEAD only; one thread per connection; every response closes the connection
/// and says `Cache-Control: no-store`. Every response is logged (before it is sent, so that the
/// log is complete once the browser has the page).
pub struct StaticServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    log: Arc<Mutex<Vec<Sent>>>,
}

/// A response the server sent.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The request's path, without the query.
    pub path: String,
    pub status: u16,
    /// Bytes on the wire: the status line, the headers and the body.
    pub bytes: usize,
}

impl StaticServer {
    pub fn start(root: &Path) -> io::Result<StaticServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let root = root.to_path_buf();
        let (flag, sink) = (stop.clone(), log.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (root, sink) = (root.clone(), sink.clone());
                std::thread::spawn(move || {
                    let _ = serve(&root, conn, &sink);
                });
            }
        });
        Ok(StaticServer { addr, stop, thread: Some(thread), log })
    }

    /// The responses sent since the start or the last `take_log`, in order, and a fresh log.
    pub fn take_log(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }

    /// `http://127.0.0.1:PORT/` followed by `path` (which may carry a query).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop up so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(root: &Path, mut conn: TcpStream, log: &Mutex<Vec<Sent>>) -> io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Skip the headers; requests have no bodies here.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let head_only = method == "HEAD";
    let (status, content_type, body) = if method != "GET" && !head_only {
        ("405 Method Not Allowed", "text/plain", Vec::new())
    } else {
        match resolve(root, path).and_then(|file| Some((content_type(&file), std::fs::read(&file).ok()?))) {
            Some((content_type, body)) => ("200 OK", content_type, body),
            None => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
        }
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let body = if head_only { &[][..] } else { &body[..] };
    log.lock().unwrap().push(Sent {
        path: path.to_string(),
        status: status[..3].parse().unwrap_or(0),
        bytes: head.len() + body.len(),
    });
    respond(&mut conn, &head, body)
}

/// The file a URL path names under `root`; `None` when it escapes the root or does not exist.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let rel = Path::new(decoded.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut file = root.join(rel);
    if file.is_dir() {
        file = file.join("index.html");
    }
    file.is_file().then_some(file)
}

fn respond(conn: &mut TcpStream, head: &str, body: &[u8]) -> io::Result<()> {
    conn.write_all(head.as_bytes())?;
    conn.write_all(body)?;
    conn.flush()?;
    let _ = conn.shutdown(Shutdown::Write);
    // Drain what the client may still send so that closing does not reset the connection.
    let _ = conn.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = io::copy(&mut (&*conn).take(64 * 1024), &mut io::sink());
    Ok(())
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Decodes `%XX` escapes (UTF-8); `None` for malformed escapes or bytes.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `%XX`-encodes everything but unreserved ASCII, for query values.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where Chromium is: `/usr/bin/chromium`, or `CHROMIUM` if set.
pub fn chromium() -> PathBuf {
    let bin =
        std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        bin.is_file(),
        "{} is missing: install it with `apt-get install -y chromium chromium-driver` \
         (.ci/run does this)",
        bin.display()
    );
    bin
}

/// What a one-shot Chromium run printed.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The page's console messages and uncaught exceptions that Chromium logged to stderr
    /// (with `--enable-logging=stderr`): lines `...:CONSOLE(..)] "message", source: ...`.
    pub fn console(&self) -> Vec<&str> {
        self.stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
    }

    /// The console lines that report a JavaScript error.
    pub fn js_errors(&self) -> Vec<&str> {
        self.console()
            .into_iter()
            .filter(|l| l.contains("Uncaught") || l.contains(":ERROR:CONSOLE"))
            .collect()
    }
}

/// Options of a one-shot run.
#[derive(Clone, Copy)]
pub struct Options {
    /// Virtual time Chromium lets pass before it dumps or shoots (timers and animations run
    /// fast-forwarded).
    pub virtual_time_ms: u32,
    /// Make `prefers-color-scheme: dark` match.
    pub dark: bool,
    pub window: (u32, u32),
}

impl Default for Options {
    fn default() -> Self {
        Options { virtual_time_ms: 10_000, dark: false, window: (1280, 2000) }
    }
}

/// The flags every test starts Chromium with: headless, as root, and without the background
/// connections that this machine's closed network would refuse.
pub const HEADLESS_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=zh-CN",
];

/// Runs headless Chromium once with the test flags plus `extra`, on a fresh profile, killing it
/// after `timeout`.
pub fn run_chromium(url: &str, opts: Options, extra: &[String], timeout: Duration) -> io::Result<Run> {
    let profile = tempfile::tempdir()?;
    let mut cmd = Command::new(chromium());
    cmd.args(HEADLESS_FLAGS)
        .args(["--hide-scrollbars", "--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--virtual-time-budget={}", opts.virtual_time_ms))
        .arg(format!("--window-size={},{}", opts.window.0, opts.window.1));
    if opts.dark {
        cmd.arg("--force-dark-mode");
    }
    cmd.args(extra).arg(url).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    // Read both pipes on threads so that a chatty Chromium cannot block on a full pipe.
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out_pipe.read_to_end(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err_pipe.read_to_end(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("chromium did not finish {url} within {timeout:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = String::from_utf8_lossy(&out_thread.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_thread.join().unwrap_or_default()).into_owned();
    if !status.success() {
        return Err(io::Error::other(format!("chromium exited with {status} for {url}:\n{stderr}")));
    }
    Ok(Run { stdout, stderr })
}

/// The DOM of the page after it loaded and `opts.virtual_time_ms` of virtual time passed.
pub fn dump_dom(url: &str, opts: Options) -> io::Result<Run> {
    run_chromium(url, opts, &["--dump-dom".to_string()], Duration::from_secs(90))
}

/// A PNG of the viewport (`opts.window`) after the page loaded and the virtual time passed.
pub fn screenshot(url: &str, png: &Path, opts: Options) -> io::Result<Run> {
    let run = run_chromium(url, opts, &[format!("--screenshot={}", png.display())], Duration::from_secs(90))?;
    if !png.is_file() {
        return Err(io::Error::other(format!(
            "chromium wrote no screenshot {}:\n{}",
            png.display(),
            run.stderr
        )));
    }
    Ok(run)
}

/// The open tags `<name ...>` of an HTML text, each as its attribute text.
pub fn open_tags<'h>(html: &'h str, name: &str) -> Vec<&'h str> {
    let needle = format!("<{name}");
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        let after = &rest[i + needle.len()..];
        let boundary = after.chars().next();
        if matches!(boundary, Some(c) if c.is_whitespace() || c == '>' || c == '/') {
            let end = after.find('>').unwrap_or(after.len());
            tags.push(&after[..end]);
            rest = &after[end..];
        } else {
            rest = after;
        }
    }
    tags
}

/// The value of attribute `name` in a tag's attribute text (double or single quoted).
pub fn attr<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let mut rest = tag;
    loop {
        let i = rest.find(name)?;
        let before_ok = i == 0 || rest[..i].chars().next_back().is_some_and(|c| c.is_whitespace());
        let after = rest[i + name.len()..].trim_start();
        if before_ok && let Some(v) = after.strip_prefix('=') {
            let v = v.trim_start();
            let quote = v.chars().next()?;
            if quote == '"' || quote == '\'' {
                let body = &v[1..];
                return body.find(quote).map(|end| &body[..end]);
            }
            let end = v.find(|c: char| c.is_whitespace()).unwrap_or(v.len());
            return Some(&v[..end]);
        }
        rest = &rest[i + name.len()..];
    }
}

/// Decodes the few entities mdBook writes in attributes.
pub fn unescape_attr(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
