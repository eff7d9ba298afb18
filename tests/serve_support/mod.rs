//! Helpers for the `checker serve` tests: the real binary on a free port, and raw HTTP/1.1
//! requests (so that a test controls every byte of the request line and headers).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::Value;

/// The repository root: the book (book.toml) lives there.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("checker/ has a parent").to_path_buf()
}

/// How long the book build and start-up may take (a debug build copies Mermaid's 2.6 MB too).
const START_TIMEOUT: Duration = Duration::from_secs(180);

/// A running `checker serve`, stopped on drop.
pub struct Served {
    child: Child,
    pub url: String,
    pub addr: SocketAddr,
    pub port: u16,
    stderr: Arc<Mutex<String>>,
    /// HOME, the state directory and TMPDIR of this learner.
    pub home: tempfile::TempDir,
}

/// A learner's environment for the binary: a fresh HOME, state directory and TMPDIR.
pub fn checker_command(home: &Path, kubeconfig: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_checker"));
    let tmp = home.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("KUBECONFIG", kubeconfig)
        .env("CHECKER_STATE_DIR", home.join("state"))
        .env("TMPDIR", &tmp)
        .current_dir(repo_root());
    cmd
}

impl Served {
    /// `checker serve --port 0 ARGS` in the repository root, with KUBECONFIG=`kubeconfig`.
    pub fn start(kubeconfig: &Path, args: &[&str]) -> Served {
        let home = tempfile::tempdir().unwrap();
        Served::start_in(home, kubeconfig, args)
    }

    pub fn start_in(home: tempfile::TempDir, kubeconfig: &Path, args: &[&str]) -> Served {
        let mut cmd = checker_command(home.path(), kubeconfig);
        cmd.args(["serve", "--port", "0"]).args(args);
        // A scratch copy of the book, for working on the server while the book is being edited.
        if let Some(book) = std::env::var_os("SERVE_TEST_BOOK") {
            cmd.arg("--book").arg(book);
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start checker serve");

        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let url = match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("checker serve printed no URL; stderr:\n{}", stderr.lock().unwrap());
            }
        };
        // The URL may open an edition (`http://127.0.0.1:PORT/en/`).
        let authority = url.trim_start_matches("http://").split('/').next().unwrap_or_default();
        let addr: SocketAddr = authority.parse().unwrap_or_else(|e| panic!("bad URL {url}: {e}"));
        Served { child, url, addr, port: addr.port(), stderr, home }
    }

    /// Sends `signal` and waits (at most a minute) for the process to exit.
    #[cfg(unix)]
    pub fn stop_with(&mut self, signal: nix::sys::signal::Signal) -> std::process::ExitStatus {
        stop_with(&mut self.child, signal)
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Standard error once it contains `needle` (the reader thread may lag behind the process),
    /// or as it is after five seconds.
    pub fn stderr_with(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let text = self.stderr();
            if text.contains(needle) || std::time::Instant::now() > deadline {
                return text;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The `Host` the server is meant to be reached by.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The origin of its pages.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[])
    }

    /// A POST as the page's script sends it.
    pub fn post(&self, path: &str) -> Response {
        let origin = self.origin();
        self.request_with_body(
            "POST",
            path,
            &[("Origin", origin.as_str()), ("Content-Type", "application/json")],
            "{}",
        )
    }

    /// A request with our Host and these headers.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        self.request_with_body(method, path, headers, "")
    }

    pub fn request_with_body(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.host());
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if method == "POST" || !body.is_empty() {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        head.push_str(body);
        raw(self.addr, head.as_bytes())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response as read off the wire.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.body))
    }
}

/// Sends `request` as is and reads the whole response (the server closes the connection).
pub fn raw(addr: SocketAddr, request: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(150))).unwrap();
    stream.write_all(request).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Response {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..split]).to_string();
    let mut body = bytes[split + 4..].to_vec();
    let mut lines = head.lines();
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Response { status, headers, body: String::from_utf8_lossy(&body).to_string() }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..end]).to_string();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

/// Sends `signal` to `child` and waits (at most a minute) for it to exit.
#[cfg(unix)]
pub fn stop_with(child: &mut Child, signal: nix::sys::signal::Signal) -> std::process::ExitStatus {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, signal).expect("send the signal");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "no exit within a minute of {signal}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The temporary book directories `checker serve` made under `home`'s TMPDIR.
pub fn temp_books(home: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(home.join("tmp"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("checker-book-")))
                .collect()
        })
        .unwrap_or_default()
}
