//! `checker serve` end to end: the real binary serves the repository's book on a free port and
//! runs the lab's checks against the fake API server, as a browser would ask it to; and the
//! security rules (loopback only, Host and Origin checks, no escape from the built book).

mod serve_support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use serve_support::{Served, checker_command, raw, repo_root, temp_books};
use testkit::{FakeApiServer, Mode};

/// A fake cluster holding the namespace and, if given, `init-demo` as in a pod fixture.
fn cluster(fixture: Option<&str>) -> (FakeApiServer, tempfile::TempDir, std::path::PathBuf) {
    let server = FakeApiServer::start();
    server.add_namespace("experiments");
    if let Some(f) = fixture {
        server.put_pod_fixture(f);
    }
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path());
    (server, dir, kubeconfig)
}

/// Runs the checker CLI in the same learner environment as `served`.
fn cli(served: &Served, kubeconfig: &Path, args: &[&str]) -> (i32, String) {
    let out = checker_command(served.home.path(), kubeconfig).args(args).output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

/// The lab's step numbers, from the lab spec the checker embeds.
fn step_numbers() -> Vec<u32> {
    lab_spec::LabSpec::embedded().unwrap().steps.iter().map(|s| s.number).collect()
}

fn check_of<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn health_lists_the_lab_steps() {
    let (_server, _dir, kubeconfig) = cluster(None);
    let served = Served::start(&kubeconfig, &[]);
    let r = served.get("/api/health");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["ok"], true);
    assert_eq!(r.json()["steps"], serde_json::json!(step_numbers()));
    // The page shows the checker's own verdict words and marks, in the book's language.
    assert_eq!(r.json()["words"]["verdicts"]["pending"], "进行中");
    assert_eq!(r.json()["words"]["marks"]["fail"], "✘");
    // The sidebar's chips link to the chapter of each step's box and name it as the book does.
    assert_eq!(r.json()["chapters"]["1"], "step1-deploy.html");
    assert_eq!(r.json()["chapters"]["6"], "cleanup.html");
    assert_eq!(r.json()["titles"]["6"], "实验清理");
}

#[test]
fn a_check_is_the_same_as_checker_step_and_shares_its_progress() {
    let (server, _dir, kubeconfig) = cluster(Some("init-demo-running"));
    let served = Served::start(&kubeconfig, &[]);

    // Pass: the page's report is the JSON of `checker step 1 -o json`, plus what the page shows.
    let r = served.post("/api/check/1");
    assert_eq!(r.status, 200, "{}", r.body);
    let report = r.json();
    assert_eq!(report["verdict"], "pass", "{report:#}");
    assert_eq!(report["step"], 1);
    assert_eq!(report["title"], "部署带 Init Container 的 Pod", "the book's language by default");
    assert!(report["pending_hint"].as_str().unwrap().contains("8 秒"));
    assert_eq!(report["next"]["command"], "checker step 2");
    assert!(report["cause"].is_null());
    assert_eq!(report["context"], "fake");
    assert_eq!(report["namespace"], "experiments");
    let rows = report["pod_rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0]["name"].as_str(), rows[0]["ready"].as_str()), (Some("init-demo"), Some("1/1")));
    assert_eq!(rows[0]["status"], "Running");
    assert!(rows[0]["age"].is_string() && rows[0]["restarts_column"] == "0");

    let (code, stdout) = cli(&served, &kubeconfig, &["step", "1", "-o", "json", "--lang", "zh"]);
    assert_eq!(code, 0);
    let from_cli: Value = serde_json::from_str(&stdout).unwrap();
    for key in from_cli.as_object().unwrap().keys() {
        assert_eq!(report[key], from_cli[key], "{key} differs between the page and `checker step 1`");
    }

    // The browser's result shows in `checker progress`.
    let (_, stdout) = cli(&served, &kubeconfig, &["progress", "-o", "json"]);
    let progress: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(progress["steps"]["1"]["verdict"], "pass", "{progress:#}");
    let p = served.get("/api/progress").json();
    assert_eq!(
        (p["passed"].as_u64(), p["total"].as_u64()),
        (Some(1), Some(step_numbers().len() as u64)),
        "{p:#}"
    );
    assert_eq!(p["steps"]["1"]["verdict"], "pass");

    // The timing table, as the terminal prints it.
    let timings = &report["timing_tables"][0];
    assert_eq!(timings["pod"], "init-demo", "{report:#}");
    assert_eq!(timings["header"], serde_json::json!(["指标", "值", "备注"]));
    let measures: Vec<&str> =
        timings["rows"].as_array().unwrap().iter().map(|r| r[0].as_str().unwrap()).collect();
    assert!(measures.contains(&"总初始化时间") && measures.contains(&"主容器启动延迟"), "{measures:?}");

    // Pending: the latest result, while the pass lasts.
    server.put_pod_fixture("init-demo-init-1-of-2");
    let report = served.post("/api/check/1").json();
    assert_eq!(report["verdict"], "pending", "{report:#}");
    assert_eq!(check_of(&report, "app-ready")["outcome"], "pending");
    assert_eq!(report["pod_rows"][0]["status"], "Init:1/2");
    let p = served.get("/api/progress").json();
    assert_eq!(p["passed"], 1, "a pass lasts: {p:#}");
    assert_eq!(p["steps"]["1"]["verdict"], "pending");
    let passed_at = p["steps"]["1"]["passed_at"].as_str().expect("the pass's time").to_string();
    assert!(passed_at.ends_with('Z'), "RFC 3339 UTC in JSON: {passed_at}");
    let text = p["steps"]["1"]["passed_at_text"].as_str().unwrap();
    assert!(text.contains('月') && !text.contains('T'), "the learner's words: {text}");

    // Fail, with the hint of the failing expectation.
    server.put_pod_fixture("init-demo-image-pull-backoff");
    let report = served.post("/api/check/1").json();
    assert_eq!(report["verdict"], "fail", "{report:#}");
    let failed: Vec<&Value> =
        report["checks"].as_array().unwrap().iter().filter(|c| c["outcome"] == "fail").collect();
    assert!(!failed.is_empty());
    for c in &failed {
        assert!(!c["hint"].as_str().unwrap().is_empty(), "{c}");
        assert!(!c["observed"].as_str().unwrap().is_empty(), "{c}");
    }
    assert_eq!(report["pod_rows"][0]["status"], "Init:ImagePullBackOff");

    // The failure after the pass, in the terminal too: the pass lasts there as well.
    let (_, stdout) = cli(&served, &kubeconfig, &["progress", "-o", "json"]);
    let progress: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(progress["steps"]["1"]["verdict"], "fail");
    assert_eq!(progress["steps"]["1"]["passed_at"], passed_at.as_str());
    assert_eq!(served.get("/api/progress").json()["passed"], 1);

    // And the other way round: a `checker step` in the terminal shows on the page.
    server.put_pod_fixture("init-demo-running");
    let (code, _) = cli(&served, &kubeconfig, &["step", "1"]);
    assert_eq!(code, 0);
    let p = served.get("/api/progress").json();
    assert_eq!((p["passed"].as_u64(), p["steps"]["1"]["verdict"].as_str()), (Some(1), Some("pass")));
    assert_ne!(p["steps"]["1"]["passed_at"], passed_at.as_str(), "a new pass replaces the old one");
    assert_eq!(p["complete"], false);

    // The live status: kubectl's rows.
    let status = served.get("/api/status");
    assert_eq!(status.status, 200, "{}", status.body);
    let pods = status.json()["pods"].clone();
    assert_eq!(pods[0]["name"], "init-demo");
    assert_eq!(pods[0]["status"], "Running");

    // Only the lab's predefined, read-only checks reached the cluster.
    let requests = server.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.method, "GET", "the checker must only read: {r:?}");
        assert!(r.path.starts_with("/api/v1/namespaces/experiments"), "outside the lab's namespace: {r:?}");
    }
}

#[test]
fn english_on_request() {
    let (_server, _dir, kubeconfig) = cluster(Some("init-demo-running"));
    let served = Served::start(&kubeconfig, &["--lang", "en"]);
    let report = served.post("/api/check/1").json();
    assert_eq!(report["title"], "Deploy a pod with init containers");
}

/// A page names its language in its requests (`?lang=`): the English edition's pages get English
/// answers from a server whose default is Chinese, and the other way round.
#[test]
fn the_page_language_picks_the_language_of_the_answer() {
    let (_server, _dir, kubeconfig) = cluster(Some("init-demo-image-pull-backoff"));
    let served = Served::start(&kubeconfig, &[]);
    let zh = served.post("/api/check/1").json();
    let en = served.post("/api/check/1?lang=en").json();
    assert_eq!(zh["title"], "部署带 Init Container 的 Pod");
    assert_eq!(en["title"], "Deploy a pod with init containers");
    let hint = |r: &Value| check_of(r, "images-pinned")["hint"].as_str().unwrap_or_default().to_string();
    assert!(hint(&en).starts_with("Use the pinned images"), "{}", hint(&en));
    assert!(hint(&zh).chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{}", hint(&zh));
    let waited = served.post("/api/check/1?wait=0&lang=en").json();
    assert_eq!(waited["title"], "Deploy a pod with init containers");
    let progress = served.get("/api/progress?lang=en").json();
    assert_eq!(progress["goals"][0]["text"], "Understand when and in which order init containers run");
    let progress = served.get("/api/progress").json();
    assert_eq!(progress["goals"][0]["text"], "理解 Init Container 的执行顺序和时机");
    let missing = served.get("/api/nothing?lang=en").json();
    assert_eq!(missing["error"], "no such API");

    let (_server, _dir, kubeconfig) = cluster(Some("init-demo-running"));
    let served = Served::start(&kubeconfig, &["--lang", "en"]);
    assert_eq!(served.post("/api/check/1?lang=zh").json()["title"], "部署带 Init Container 的 Pod");
    assert_eq!(served.post("/api/check/1").json()["title"], "Deploy a pod with init containers");
}

/// Both editions are served, each page with the script; `--lang en` opens the English one; a
/// page missing from an edition gets that edition's 404 page.
#[test]
fn both_editions_are_served_and_lang_picks_the_one_to_open() {
    let (_server, _dir, kubeconfig) = cluster(None);
    let served = Served::start(&kubeconfig, &[]);
    assert_eq!(served.url, format!("http://127.0.0.1:{}/", served.port));
    let served = Served::start(&kubeconfig, &["--lang", "en"]);
    assert_eq!(served.url, format!("http://127.0.0.1:{}/en/", served.port));
    let en = served.get("/en/step1-deploy.html");
    assert_eq!(en.status, 200);
    assert!(en.body.contains("<html lang=\"en\""), "the English edition");
    assert!(en.body.contains("Verify · Step 1: Deploy a pod with init containers"));
    assert!(en.body.contains("<script src=\"/_checker/serve.js\"></script>"));
    let zh = served.get("/step1-deploy.html");
    assert!(zh.body.contains("<html lang=\"zh-CN\""), "the Chinese book at the root");
    let missing = served.get("/en/no-such-page.html");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("<html lang=\"en\""), "the English 404 page");
    assert!(served.get("/no-such-page.html").body.contains("<html lang=\"zh-CN\""));
    assert_eq!(served.get("/en").header("location"), Some("/en/"));
}

#[test]
fn wait_long_polls_until_the_step_passes() {
    let (server, _dir, kubeconfig) = cluster(Some("init-demo-init-1-of-2"));
    let served = Served::start(&kubeconfig, &[]);
    let started = Instant::now();
    let report = std::thread::scope(|s| {
        let poll = s.spawn(|| served.post("/api/check/1?wait=30"));
        std::thread::sleep(Duration::from_millis(2500));
        server.put_pod_fixture("init-demo-running");
        poll.join().unwrap()
    });
    let elapsed = started.elapsed();
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.json()["verdict"], "pass");
    assert!(elapsed >= Duration::from_millis(2500) && elapsed < Duration::from_secs(20), "{elapsed:?}");

    // A pending step that stays pending comes back when the time is up.
    server.put_pod_fixture("init-demo-init-1-of-2");
    let started = Instant::now();
    let report = served.post("/api/check/1?wait=3").json();
    assert_eq!(report["verdict"], "pending");
    assert!(started.elapsed() >= Duration::from_secs(3) && started.elapsed() < Duration::from_secs(15));

    assert_eq!(served.post("/api/check/1?wait=soon").status, 400);
}

#[test]
fn an_unreachable_cluster_is_explained_and_the_book_still_reads() {
    let (server, _dir, kubeconfig) = cluster(None);
    let address = server.url();
    server.stop(); // the kubeconfig now points at a closed port
    let served = Served::start(&kubeconfig, &["--lang", "en"]);

    let r = served.post("/api/check/1");
    assert_eq!(r.status, 503, "{}", r.body);
    let e = r.json();
    assert_eq!(e["kind"], "unreachable", "{e:#}");
    let message = e["error"].as_str().unwrap();
    assert!(message.contains(&address) && message.contains("context \"fake\""), "{message}");
    assert!(!message.contains('\n'));
    let commands: Vec<&str> = e["commands"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(commands, ["kind create cluster", "minikube start", "k3d cluster create"]);
    assert!(e["help"].as_str().unwrap().contains("kubectl config current-context"));

    assert_eq!(served.get("/api/status").status, 503);
    let p = served.get("/api/progress");
    assert_eq!((p.status, p.json()["passed"].as_u64()), (200, Some(0)));
    let page = served.get("/step1-deploy.html");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("class=\"lab-check\""));
}

#[test]
fn no_kubeconfig_still_serves_the_book() {
    let dir = tempfile::tempdir().unwrap();
    // Without --lang the server speaks the book's language, Chinese.
    let served = Served::start(&dir.path().join("missing-kubeconfig"), &[]);
    let stderr = served.stderr_with("missing-kubeconfig 不存在");
    assert!(stderr.contains("警告："), "{stderr}");
    let r = served.post("/api/check/1");
    assert_eq!(r.status, 503);
    let e = r.json();
    assert_eq!(e["kind"], "input");
    assert!(e["error"].as_str().unwrap().contains("不存在"), "{e:#}");
    assert!(e["commands"][0] == "kind create cluster");
    assert_eq!(served.get("/api/progress").json()["context"], Value::Null);
    assert_eq!(served.get("/").status, 200);
}

#[test]
fn access_denied_says_what_to_do() {
    let (server, _dir, kubeconfig) = cluster(Some("init-demo-running"));
    server.set_mode(Mode::Forbidden);
    let served = Served::start(&kubeconfig, &[]);
    let r = served.post("/api/check/1");
    assert_eq!(r.status, 502, "{}", r.body);
    let e = r.json();
    assert_eq!(e["kind"], "access_denied");
    assert!(e["error"].as_str().unwrap().contains("403 Forbidden"));
    assert!(e["help"].as_str().unwrap().contains("checker-rbac.yaml"));
}

#[test]
fn unknown_steps_and_apis_are_404_json() {
    let (_server, _dir, kubeconfig) = cluster(None);
    let served = Served::start(&kubeconfig, &[]);
    let unknown = format!("/api/check/{}", step_numbers().iter().max().unwrap() + 1);
    for path in [
        unknown.as_str(),
        "/api/check/0",
        "/api/check/abc",
        "/api/check/-1",
        "/api/nothing",
        "/api/check/1/x",
    ] {
        let r = served.post(path);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        assert!(r.json()["error"].is_string(), "{path}");
    }
    let known = step_numbers().iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    assert!(served.post(&unknown).json()["error"].as_str().unwrap().contains(&known));
}

#[test]
fn pages_get_the_script_and_the_built_book_stays_plain() {
    let (_server, _dir, kubeconfig) = cluster(None);
    let dest = tempfile::tempdir().unwrap();
    let out = dest.path().join("book");
    let served = Served::start(&kubeconfig, &["--dest", out.to_str().unwrap()]);

    let page = served.get("/step1-deploy.html");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.body.contains("<script src=\"/_checker/serve.js\"></script>"));
    assert!(page.body.contains("href=\"/_checker/serve.css\""));
    assert!(page.body.contains("<div class=\"lab-check\" data-lab=\"init-container\" data-step=\"1\""));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));

    // The book on disk is the plain one: the command to copy, no script of ours.
    let plain = std::fs::read_to_string(out.join("step1-deploy.html")).unwrap();
    // A book of several labs: the box names the lab.
    assert!(plain.contains("$ checker --lab init-container step 1"));
    assert!(!plain.contains("_checker"));

    let js = served.get("/_checker/serve.js");
    assert_eq!((js.status, js.header("content-type")), (200, Some("text/javascript; charset=utf-8")));
    assert!(js.body.contains("/api/check/"));
    assert_eq!(served.get("/_checker/serve.css").status, 200);

    let index = served.get("/");
    assert_eq!(index.status, 200);
    assert!(index.body.contains("_checker/serve.js"));
    let missing = served.get("/no-such-page.html");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("<html"), "the book's own 404 page");
    let theme = served.get("/theme");
    assert_eq!((theme.status, theme.header("location")), (308, Some("/theme/")));

    // Mermaid's files are present or the server said they are not.
    let has_mermaid = repo_root().join("src/mermaid.min.js").is_file();
    let stderr = if has_mermaid { served.stderr() } else { served.stderr_with("mermaid.min.js") };
    assert_eq!(stderr.contains("mermaid.min.js"), !has_mermaid, "{stderr}");
}

#[test]
fn a_missing_book_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    // --book without a book.toml.
    let out = checker_command(dir.path(), &kubeconfig)
        .args(["--lang", "en", "serve", "--port", "0", "--book"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: no book.toml in"), "{stderr}");
    // No book.toml from the current directory upward.
    let out = checker_command(dir.path(), &kubeconfig)
        .args(["serve", "--port", "0"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--book DIR"), "{stderr}");
}

/// The served book is the book `mdbook build` makes, and its English edition the one
/// `mdbook build` makes with mdbook-gettext and `book.language = "en"` (needs `cargo xtask
/// setup`'s tools and Mermaid files). The one allowed difference is the order of the keys in the search index (the
/// mdbook binary keeps serde_json's insertion order, the library sorts), and so its hashed name.
#[test]
fn the_served_book_is_the_mdbook_build() {
    let mdbook = repo_root().join(".tools/bin/mdbook");
    if !mdbook.is_file() || !repo_root().join("src/mermaid.min.js").is_file() {
        eprintln!("skipped: {} or src/mermaid.min.js is missing (run `cargo xtask setup`)", mdbook.display());
        return;
    }
    let (_server, _dir, kubeconfig) = cluster(None);
    let dest = tempfile::tempdir().unwrap();
    let ours = dest.path().join("ours");
    let theirs = dest.path().join("theirs");
    let served = Served::start(&kubeconfig, &["--dest", ours.to_str().unwrap()]);
    let status = Command::new(&mdbook)
        .args(["build", "--dest-dir"])
        .arg(&theirs)
        .current_dir(repo_root())
        .env("PATH", path_with_tools())
        .status()
        .unwrap();
    assert!(status.success());
    // The translated editions, as `cargo xtask build` makes them.
    let config = mdbook_driver::config::Config::from_disk(repo_root().join("book.toml")).unwrap();
    let editions = checker::book::editions(&config).unwrap();
    assert!(!editions.is_empty(), "book.toml names no translated edition");
    for edition in editions {
        let mut cmd = Command::new(&mdbook);
        cmd.args(["build", "--dest-dir"])
            .arg(theirs.join(&edition.language))
            .current_dir(repo_root())
            .env("PATH", path_with_tools())
            .env("MDBOOK_BOOK__LANGUAGE", &edition.language)
            .env("MDBOOK_OUTPUT__HTML__SITE_URL", format!("/{}/", edition.language));
        if let Some(title) = &edition.title {
            cmd.env("MDBOOK_BOOK__TITLE", title);
        }
        assert!(cmd.status().unwrap().success(), "mdbook build of the {} edition", edition.language);
    }
    assert!(!served.stderr().contains("does not exist"), "{}", served.stderr());

    // The one file only ours has: the marker that says checker serve made the directory.
    let mut a = files(&ours);
    a.retain(|f| f != ".checker-serve-book");
    let (a, b) = (a, files(&theirs));
    assert_eq!(
        a.iter().map(|f| unhash(f)).collect::<Vec<_>>(),
        b.iter().map(|f| unhash(f)).collect::<Vec<_>>()
    );
    for (fa, fb) in a.iter().zip(&b) {
        let (x, y) = (std::fs::read(ours.join(fa)).unwrap(), std::fs::read(theirs.join(fb)).unwrap());
        if fa.rsplit('/').next().is_some_and(|f| f.starts_with("searchindex-")) && fa.ends_with(".js") {
            assert_eq!(search_index(&x), search_index(&y), "{fa}: the search index differs");
        } else if fa.ends_with(".html") || fa.ends_with(".js") {
            let (x, y) = (String::from_utf8(x).unwrap(), String::from_utf8(y).unwrap());
            assert!(unhash(&x) == unhash(&y), "{fa} differs between checker serve's build and mdbook build");
        } else {
            assert!(x == y, "{fa} differs between checker serve's build and mdbook build");
        }
    }
}

/// `searchindex-0123abcd.js` → `searchindex-HASH.js`, wherever it occurs.
fn unhash(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("searchindex-") {
        let after = &rest[i + "searchindex-".len()..];
        let hex = after.bytes().take_while(u8::is_ascii_hexdigit).count();
        out.push_str(&rest[..i]);
        out.push_str("searchindex-");
        if hex == 8 && after[hex..].starts_with(".js") {
            out.push_str("HASH");
            rest = &after[hex..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The JSON inside `searchindex-*.js` (`...JSON.parse('{...}')...`).
fn search_index(js: &[u8]) -> Value {
    let js = String::from_utf8(js.to_vec()).unwrap();
    let start = js.find("JSON.parse('").unwrap() + "JSON.parse('".len();
    let end = js.rfind("')").unwrap();
    let text = js[start..end].replace("\\'", "'").replace("\\\\", "\\");
    serde_json::from_str(&text).unwrap()
}

fn path_with_tools() -> std::ffi::OsString {
    let mut paths = vec![repo_root().join(".tools/bin")];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).unwrap()
}

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

// ---- security ----

#[test]
fn it_listens_on_loopback_only_by_default() {
    let (_server, _dir, kubeconfig) = cluster(None);
    let served = Served::start(&kubeconfig, &[]);
    assert!(served.url.starts_with("http://127.0.0.1:"), "{}", served.url);
    assert!(!served.stderr().contains("warning: serving on"));
    // Another loopback address of this machine reaches nothing: the socket is bound to 127.0.0.1.
    let other = std::net::SocketAddr::from(([127, 0, 0, 2], served.port));
    assert!(std::net::TcpStream::connect_timeout(&other, Duration::from_secs(2)).is_err());
}

#[test]
fn another_address_is_served_with_a_warning_and_still_checks_the_host() {
    let (_server, _dir, kubeconfig) = cluster(None);
    let served = Served::start(&kubeconfig, &["--address", "0.0.0.0", "--lang", "en"]);
    let stderr = served.stderr_with("warning: serving on 0.0.0.0");
    assert!(stderr.contains("warning: serving on 0.0.0.0, not only on this machine"), "{stderr}");
    assert_eq!(served.get("/api/health").status, 200);
    let r = raw(
        served.addr,
        format!(
            "GET /api/health HTTP/1.1\r\nHost: rebind.example:{}\r\nConnection: close\r\n\r\n",
            served.port
        )
        .as_bytes(),
    );
    assert_eq!(r.status, 403);
}

#[test]
fn requests_for_other_host_names_are_refused() {
    let (server, _dir, kubeconfig) = cluster(Some("init-demo-running"));
    let served = Served::start(&kubeconfig, &[]);
    let port = served.port;
    let targets = [
        ("GET", "/"),
        ("GET", "/step1-deploy.html"),
        ("GET", "/_checker/serve.js"),
        ("GET", "/api/health"),
        ("GET", "/api/progress"),
        ("POST", "/api/check/1"),
    ];
    let bad_hosts = [
        format!("Host: evil.example:{port}\r\n"),
        format!("Host: 127.0.0.1.nip.example:{port}\r\n"),
        format!("Host: 127.0.0.1:{}\r\n", port.wrapping_add(1)),
        "Host: localhost\r\n".to_string(),
        format!("Host: localhost.:{port}\r\n"),
        format!("Host: [::1]:{port}\r\n"),
    ];
    server.clear_requests();
    for (method, path) in targets {
        for host in &bad_hosts {
            let req = format!(
                "{method} {path} HTTP/1.1\r\n{host}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            );
            let r = raw(served.addr, req.as_bytes());
            assert_eq!(r.status, 403, "{method} {path} with {host:?}: {}", r.body);
        }
        // HTTP/1.0 without any Host.
        let r = raw(served.addr, format!("{method} {path} HTTP/1.0\r\n\r\n").as_bytes());
        assert!(r.status == 403 || r.status == 400, "{method} {path} without Host: {}", r.status);
        for good in [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("LocalHost:{port}")] {
            let req = format!(
                "{method} {path} HTTP/1.1\r\nHost: {good}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            );
            assert_eq!(raw(served.addr, req.as_bytes()).status, 200, "{method} {path} with {good}");
        }
    }
    // The refused checks never reached the cluster: three good hosts, three checks' worth.
    let pod_gets = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/namespaces/experiments/pods/init-demo")
        .count();
    assert_eq!(pod_gets, 3);
}

#[test]
fn cross_origin_requests_are_refused() {
    let (server, _dir, kubeconfig) = cluster(Some("init-demo-running"));
    let served = Served::start(&kubeconfig, &[]);
    server.clear_requests();
    let json = ("Content-Type", "application/json");
    let https = format!("https://127.0.0.1:{}", served.port);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16);
    let refused: Vec<Case> = vec![
        ("foreign origin", vec![("Origin", "http://evil.example"), json], 403),
        ("foreign port", vec![("Origin", "http://127.0.0.1:1"), json], 403),
        ("https", vec![("Origin", https.as_str()), json], 403),
        ("null origin", vec![("Origin", "null"), json], 403),
        ("cross-site fetch", vec![("Sec-Fetch-Site", "cross-site"), json], 403),
        ("no content type", vec![], 415),
        ("a form", vec![("Content-Type", "application/x-www-form-urlencoded")], 415),
        ("text/plain", vec![("Content-Type", "text/plain")], 415),
        ("multipart", vec![("Content-Type", "multipart/form-data; boundary=x")], 415),
    ];
    for (what, headers, status) in &refused {
        let r = served.request_with_body("POST", "/api/check/1", headers, "{}");
        assert_eq!(r.status, *status, "{what}: {}", r.body);
        assert!(r.json()["error"].is_string(), "{what}");
    }
    assert!(server.requests().is_empty(), "a refused request reached the cluster: {:?}", server.requests());

    // A foreign origin may not read the API either.
    let r = served.request("GET", "/api/progress", &[("Origin", "http://evil.example")]);
    assert_eq!(r.status, 403);
    assert_eq!(r.header("access-control-allow-origin"), None);
    // A CORS preflight is never granted.
    let r = served.request(
        "OPTIONS",
        "/api/check/1",
        &[("Origin", "http://evil.example"), ("Access-Control-Request-Method", "POST")],
    );
    assert_ne!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);

    // Our own page's requests, and tools that send no Origin (curl), are fine.
    assert_eq!(served.post("/api/check/1").status, 200);
    let origin = format!("http://localhost:{}", served.port);
    assert_eq!(
        served.request_with_body("POST", "/api/check/1", &[("Origin", &origin), json], "{}").status,
        200
    );
    assert_eq!(
        served
            .request_with_body(
                "POST",
                "/api/check/1",
                &[("Content-Type", "application/json; charset=utf-8")],
                ""
            )
            .status,
        200
    );
}

#[test]
fn static_files_cannot_escape_the_built_book() {
    let (_server, _dir, kubeconfig) = cluster(None);
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("secret.txt"), "TOP-SECRET").unwrap();
    let out = site.path().join("book");
    let served = Served::start(&kubeconfig, &["--dest", out.to_str().unwrap()]);
    assert_eq!(served.get("/index.html").status, 200);

    let port = served.port;
    let absolute_form = format!("http://127.0.0.1:{port}/../secret.txt");
    let targets = [
        "/../secret.txt",
        "/./../secret.txt",
        "/theme/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/.%2e/secret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/%5c..%5csecret.txt",
        "/%252e%252e/secret.txt",
        "/..%00/secret.txt",
        "//etc/passwd",
        "/etc/passwd",
        "/%2fetc%2fpasswd",
        "/../../../../../../etc/passwd",
        "/C:/Windows/win.ini",
        "/C:%5cWindows%5cwin.ini",
        absolute_form.as_str(),
    ];
    for target in targets {
        let r = raw(
            served.addr,
            format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        assert!(r.status == 400 || r.status == 404, "{target}: {}", r.status);
        assert!(!r.body.contains("TOP-SECRET") && !r.body.contains("root:"), "{target} leaked: {}", r.body);
    }
}

#[test]
fn only_reads_are_served() {
    let (_server, _dir, kubeconfig) = cluster(None);
    let served = Served::start(&kubeconfig, &[]);
    let json = [("Content-Type", "application/json")];
    assert_eq!(served.request("PUT", "/step1-deploy.html", &json).status, 405);
    assert_eq!(served.request("POST", "/step1-deploy.html", &json).status, 405);
    assert_eq!(served.request("DELETE", "/api/check/1", &json).status, 405);
    assert_eq!(served.request("GET", "/api/check/1", &[]).status, 405);
    assert_eq!(served.request("POST", "/api/health", &json).status, 405);
    assert_eq!(served.request("HEAD", "/step1-deploy.html", &[]).status, 200);
}

/// The served book keeps the quiz and self-ratings in the progress file (`POST /api/quiz`), so a
/// server on a new port (another origin, another localStorage) still has them; the body is
/// bounded and checked; the cluster is never asked anything.
#[test]
fn the_quiz_is_kept_in_the_progress_file_and_outlives_the_port() {
    let (server, _dir, kubeconfig) = cluster(None);
    let mut served = Served::start(&kubeconfig, &[]);
    assert_eq!(served.get("/api/quiz").json()["quiz"], Value::Null);
    let origin = served.origin();
    let json = [("Origin", origin.as_str()), ("Content-Type", "application/json")];
    let body = r#"{"total": 7, "answers": {"quiz-1": {"choice": "b", "right": true},
        "quiz-2": {"choice": "a", "right": false}}, "ratings": {"knowledge": 4}}"#;
    let r = served.request_with_body("POST", "/api/quiz?lang=en", &json, body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["lab"], "init-container");
    assert_eq!(r.json()["quiz"]["answers"]["quiz-1"]["choice"], "b");
    // With the sidebar's line in the page's language.
    assert_eq!(
        r.json()["text"],
        "Quiz: 2 of 7 answered, 1 right; wrong: 2. Self-rating: How well I understand it: 4/5"
    );
    assert_eq!(r.json()["summary"]["wrong"], serde_json::json!(["2"]));

    // What the book cannot have sent: 400 in the page's language, and nothing changes.
    for (bad, says) in [
        (r#"{"total": 7, "answers": {"quiz-1": {"choice": "bb", "right": true}}}"#, "invalid question"),
        (r#"{"total": 7, "ratings": {"knowledge": 9}}"#, "invalid rating"),
        (
            r#"{"total": 1, "answers": {"a": {"choice": "a", "right": true}, "b": {"choice": "a", "right": true}}}"#,
            "wrong number",
        ),
        (r#"{"total": 7, "extra": 1}"#, "invalid quiz data"),
        ("not json", "invalid quiz data"),
    ] {
        let r = served.request_with_body("POST", "/api/quiz?lang=en", &json, bad);
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.json()["kind"], "input");
        assert!(r.json()["error"].as_str().unwrap().contains(says), "{bad}: {}", r.body);
    }
    let zh = served.request_with_body("POST", "/api/quiz", &json, "{}");
    assert!(zh.json()["error"].as_str().unwrap().starts_with("测验数据无效"), "{}", zh.body);
    let huge = format!(r#"{{"total": 7, "pad": "{}"}}"#, "x".repeat(64 * 1024));
    assert_eq!(served.request_with_body("POST", "/api/quiz", &json, &huge).status, 413);
    // Like every POST to the API, only as JSON from our own origin.
    let form = [("Origin", origin.as_str()), ("Content-Type", "text/plain")];
    assert_eq!(served.request_with_body("POST", "/api/quiz", &form, body).status, 415);
    let elsewhere = [("Origin", "http://example.com"), ("Content-Type", "application/json")];
    assert_eq!(served.request_with_body("POST", "/api/quiz", &elsewhere, body).status, 403);

    // A new server on a new port, same learner: the quiz is still there, in the progress file.
    let home = std::mem::replace(&mut served.home, tempfile::tempdir().unwrap());
    drop(served);
    let again = Served::start_in(home, &kubeconfig, &[]);
    let kept = again.get("/api/quiz").json();
    assert_eq!(kept["quiz"]["total"], 7);
    assert_eq!(kept["quiz"]["answers"]["quiz-2"], serde_json::json!({"choice": "a", "right": false}));
    assert_eq!(kept["quiz"]["ratings"]["knowledge"], 4);
    assert_eq!(kept["text"], "测验：已作答 2/7 题，答对 1 题；答错：第 2 题。自评：知识掌握程度：4/5");
    let file = std::fs::read_to_string(again.home.path().join("state/progress.json")).unwrap();
    let progress: Value = serde_json::from_str(&file).unwrap();
    assert_eq!(progress["version"], 3);
    assert_eq!(progress["quizzes"]["init-container"]["total"], 7);
    assert!(server.requests().iter().all(|r| r.method == "GET"), "{:?}", server.requests());
}

// ---- never destructive ----

#[test]
fn dest_never_empties_a_directory_the_checker_did_not_make() {
    let (_server, _dir, kubeconfig) = cluster(None);
    let home = tempfile::tempdir().unwrap();
    let run = |dest: &Path| {
        let out = checker_command(home.path(), &kubeconfig)
            .args(["--lang", "en", "serve", "--port", "0", "--dest"])
            .arg(dest)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    // A directory with someone's files (a .git), the book root, a directory above it.
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join(".git")).unwrap();
    std::fs::write(project.path().join("notes.txt"), "mine").unwrap();
    let (code, stderr) = run(project.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("is not empty and was not made by checker serve"), "{stderr}");
    assert!(project.path().join(".git").is_dir() && project.path().join("notes.txt").is_file());
    for dest in [Path::new("."), Path::new(".."), Path::new("src/..")] {
        let (code, stderr) = run(dest);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("the book's directory or one above it"), "{stderr}");
    }
    assert!(repo_root().join("book.toml").is_file() && repo_root().join("src/SUMMARY.md").is_file());

    // A directory it made is its own the next time.
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("book");
    drop(Served::start(&kubeconfig, &["--dest", dest.to_str().unwrap()]));
    assert!(dest.join(".checker-serve-book").is_file() && dest.join("index.html").is_file());
    let again = Served::start(&kubeconfig, &["--dest", dest.to_str().unwrap()]);
    assert_eq!(again.get("/").status, 200);
}

#[cfg(unix)]
#[test]
fn the_temporary_book_is_removed_on_sigint_and_sigterm() {
    use nix::sys::signal::Signal;
    let (_server, _dir, kubeconfig) = cluster(None);
    for signal in [Signal::SIGINT, Signal::SIGTERM] {
        let mut served = Served::start(&kubeconfig, &[]);
        assert_eq!(temp_books(served.home.path()).len(), 1);
        let status = served.stop_with(signal);
        assert!(status.success(), "{signal}: {status:?}");
        assert_eq!(temp_books(served.home.path()), Vec::<std::path::PathBuf>::new(), "{signal}");
    }
    // A signal during the build: the build finishes, then the directory goes.
    let home = tempfile::tempdir().unwrap();
    let mut child = checker_command(home.path(), &kubeconfig)
        .args(["serve", "--port", "0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while temp_books(home.path()).is_empty() {
        assert!(Instant::now() < deadline, "no temporary book appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = serve_support::stop_with(&mut child, Signal::SIGINT);
    assert!(status.success(), "{status:?}");
    assert!(temp_books(home.path()).is_empty(), "{:?}", temp_books(home.path()));
}

// ---- never freezes ----

/// Times a request; panics if it takes more than two seconds (the target is 100 ms: the figure is
/// printed, not asserted, as machines differ).
fn timed(served: &Served, path: &str) -> serve_support::Response {
    let started = Instant::now();
    let r = served.get(path);
    let took = started.elapsed();
    eprintln!("GET {path} answered {} in {:.1} ms while checks hang", r.status, took.as_secs_f64() * 1000.0);
    assert!(took < Duration::from_secs(2), "GET {path} took {took:?}");
    r
}

#[test]
fn pages_and_health_answer_while_checks_hang() {
    let (server, _dir, kubeconfig) = cluster(Some("init-demo-running"));
    let served = Served::start(&kubeconfig, &[]);
    server.set_mode(Mode::Hang);
    server.clear_requests();
    let pod_gets = || {
        server.requests().iter().filter(|r| r.path == "/api/v1/namespaces/experiments/pods/init-demo").count()
    };

    std::thread::scope(|s| {
        let status = s.spawn(|| served.get("/api/status"));
        let progress = s.spawn(|| served.get("/api/progress"));
        std::thread::sleep(Duration::from_millis(200));
        // 80 checks of step 1: up to 64 requests wait for the cluster, the rest are told at once
        // that it is busy.
        let checks: Vec<_> = (0..80).map(|_| s.spawn(|| served.post("/api/check/1"))).collect();
        std::thread::sleep(Duration::from_millis(500));
        for _ in 0..3 {
            assert_eq!(timed(&served, "/api/health").status, 200);
            assert_eq!(timed(&served, "/step1-deploy.html").status, 200);
            assert_eq!(timed(&served, "/").status, 200);
        }
        // Identical checks share one observation: one GET of the pod for all of them.
        assert_eq!(pod_gets(), 1, "{:?}", server.requests());

        let answers: Vec<serve_support::Response> = checks.into_iter().map(|c| c.join().unwrap()).collect();
        let kinds: Vec<String> =
            answers.iter().map(|r| r.json()["kind"].as_str().unwrap_or("none").to_string()).collect();
        let busy = kinds.iter().filter(|k| *k == "busy").count();
        let unreachable = kinds.iter().filter(|k| *k == "unreachable").count();
        eprintln!("80 hung checks: {unreachable} unreachable (after the 5 s timeout), {busy} busy at once");
        assert!(answers.iter().all(|r| r.status == 503), "{kinds:?}");
        assert_eq!(busy + unreachable, 80, "{kinds:?}");
        assert!(busy >= 80 - 64, "{kinds:?}");
        let status = status.join().unwrap();
        assert_eq!(status.status, 503, "{}", status.body);
        assert_eq!(progress.join().unwrap().status, 200);
    });
    // The server recovers with the cluster.
    server.set_mode(Mode::Normal);
    assert_eq!(served.post("/api/check/1").json()["verdict"], "pass");
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use std::io::{Read, Write};
    let (_server, _dir, kubeconfig) = cluster(None);
    let served = Served::start(&kubeconfig, &[]);
    let partial = format!("GET /api/health HTTP/1.1\r\nHost: {}\r\nX-Slow: ", served.host());
    for (what, bytes) in [("half a request", partial.as_bytes()), ("nothing at all", &b""[..])] {
        let mut stream = std::net::TcpStream::connect(served.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        stream.write_all(bytes).unwrap();
        let started = Instant::now();
        let mut buf = [0u8; 1024];
        let read = stream.read(&mut buf);
        let took = started.elapsed();
        eprintln!("{what}: closed after {took:?}");
        assert!(
            matches!(read, Ok(0)) || read.is_err() || buf.starts_with(b"HTTP/1.1 408"),
            "{what}: {read:?}"
        );
        assert!(took >= Duration::from_secs(4) && took < Duration::from_secs(15), "{what}: {took:?}");
    }
    // Meanwhile and afterwards, the server answers.
    assert_eq!(served.get("/api/health").status, 200);
}

/// The body of `POST /api/quiz` has a deadline too: a client that sends the headers and a
/// promise of a body never kept gets 408 and is disconnected, and cannot hold one of the
/// server's connections for the connection's whole lifetime (256 of them froze the server).
#[test]
fn a_quiz_body_that_never_comes_is_answered_408() {
    use std::io::{Read, Write};
    let (_server, _dir, kubeconfig) = cluster(None);
    let served = Served::start(&kubeconfig, &[]);
    let request = format!(
        "POST /api/quiz?lang=en HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"total\": 7",
        served.host(),
        served.origin()
    );
    let mut stream = std::net::TcpStream::connect(served.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let took = started.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    eprintln!("a quiz body that never comes: {:?} after {took:?}", answer.lines().next());
    assert!(read.is_ok(), "still open after {took:?}: {read:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""kind":"input""#), "{answer}");
    assert!(took >= Duration::from_secs(4) && took < Duration::from_secs(15), "{took:?}");
    assert_eq!(served.get("/api/health").status, 200);
}

/// A book of two labs: experiment 1.2's chapters at the top of `src/`, the objects test lab's in
/// `src/objects/`, whose boxes name no lab (they take their directory's).
fn two_lab_book(root: &Path) {
    let write = |path: &str, text: String| {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    };
    write(
        "book.toml",
        "[book]\ntitle = \"Two labs\"\nlanguage = \"zh-CN\"\n\n[preprocessor.lab]\ncommand = \"false\"\n"
            .into(),
    );
    write("src/SUMMARY.md", "# Summary\n\n- [Init](init.md)\n- [Objects](objects/steps.md)\n".into());
    let read = |path: &str| std::fs::read_to_string(repo_root().join(path)).unwrap();
    // One box per step of each lab, whatever its numbers.
    let boxes = |spec: &str| {
        let spec: serde_yaml::Value = serde_yaml::from_str(&read(spec)).unwrap();
        let steps = spec["steps"].as_sequence().unwrap();
        steps
            .iter()
            .map(|s| format!("{{{{#check {}}}}}\n\n", s["number"].as_u64().unwrap()))
            .collect::<String>()
    };
    write("src/init.md", format!("# Init\n\n{}", boxes("labs/init-container/lab.yaml")));
    write("src/objects/steps.md", format!("# Objects\n\n{}", boxes("tests/fixtures/labs/objects/lab.yaml")));
    write("labs/labs.yaml", "version: 1\nlabs: [init-container, objects]\n".into());
    write("labs/init-container/lab.yaml", read("labs/init-container/lab.yaml"));
    write("labs/objects/lab.yaml", read("tests/fixtures/labs/objects/lab.yaml"));
}

#[test]
fn a_book_of_two_labs_is_built_and_checked_from_the_same_labs() {
    let (_server, dir, kubeconfig) = cluster(Some("init-demo-running"));
    let book = dir.path().join("book");
    two_lab_book(&book);
    let served = Served::start(&kubeconfig, &["--book", book.to_str().unwrap()]);

    let health = served.get("/api/health").json();
    assert_eq!(health["lab"], "init-container");
    let objects = &health["labs"][1];
    assert_eq!(
        (&objects["lab"], &objects["steps"]),
        (&serde_json::json!("objects"), &serde_json::json!([1, 2, 3]))
    );
    // Each lab's steps link to the chapter of their own box, not the other lab's step 1.
    assert_eq!(objects["chapters"]["1"], "objects/steps.html");
    assert_eq!(health["labs"][0]["chapters"]["1"], "init.html");
    assert_eq!(health["chapters"]["1"], "init.html", "the default lab's, at the top");

    // The boxes come from the labs the server checks against, and name their lab.
    let page = served.get("/objects/steps.html");
    assert!(
        page.body.contains(r#"<div class="lab-check" data-lab="objects" data-step="1""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("$ checker --lab objects step 1</code>"), "{}", page.body);
    let page = served.get("/init.html");
    assert!(page.body.contains("$ checker --lab init-container step 1</code>"), "{}", page.body);

    let report = served.post("/api/check/1?lab=init-container").json();
    assert_eq!((report["lab"].as_str(), report["verdict"].as_str()), (Some("init-container"), Some("pass")));
    let report = served.post("/api/check/1?lab=objects").json();
    assert_eq!(
        (report["lab"].as_str(), report["namespace"].as_str()),
        (Some("objects"), Some("objects-lab"))
    );
    let progress = served.get("/api/progress?lab=objects").json();
    assert_eq!((progress["lab"].as_str(), progress["total"].as_u64()), (Some("objects"), Some(3)));
    assert!(progress["steps"]["1"].is_object(), "{progress}");
    assert_eq!(served.get("/api/status?lab=objects").json()["lab"], "objects");
    let unknown = served.post("/api/check/1?lab=nope");
    assert_eq!(unknown.status, 404);
    assert!(unknown.json()["error"].as_str().unwrap().contains("nope"));
    // Without ?lab=, the lab the server started on.
    assert_eq!(served.get("/api/progress").json()["lab"], "init-container");
}

/// The first Server-Sent Event of `path` called `name`, as `(event, data)`, read within 20 s
/// (the stream never ends by itself).
fn first_event(served: &Served, path: &str, name: &str) -> (String, Value) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(served.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n", served.host())
        .unwrap();
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).expect("an event within 20 s");
        assert!(n > 0, "the stream ended: {text}");
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
        let wanted = format!("event: {name}\n");
        if let Some(at) = text.find(&wanted) {
            let rest = &text[at + wanted.len()..];
            if let Some(end) = rest.find("\n\n") {
                let data = rest[..end].lines().filter_map(|l| l.strip_prefix("data: ")).collect::<String>();
                return (name.to_string(), serde_json::from_str(&data).unwrap());
            }
        }
    }
}

#[test]
fn the_class_dashboard_is_served_only_with_class() {
    let (server, _dir, kubeconfig) = cluster(None);
    let served = Served::start(&kubeconfig, &[]);
    for path in ["/_checker/class", "/api/class/events?lang=en"] {
        let r = served.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert!(r.json()["error"].as_str().unwrap().contains("checker serve --class"), "{path}: {}", r.body);
    }
    drop(served);

    // A learner's kubeconfig: the dashboard says, in the page's language, that the class view
    // is the teacher's; the book still reads.
    server.add_namespace("lab-alice");
    server.forbid("", "pods");
    let served = Served::start(&kubeconfig, &["--class", "--class-prefix", "lab-"]);
    let (_, problem) = first_event(&served, "/api/class/events?lang=en", "problem");
    assert_eq!(problem["kind"], "access_denied", "{problem}");
    assert!(problem["error"].as_str().unwrap().contains("class view needs the teacher's"), "{problem}");
    let (_, problem) = first_event(&served, "/api/class/events?lang=zh", "problem");
    assert!(problem["error"].as_str().unwrap().contains("班级视图需要教师的只读权限"), "{problem}");
    let page = served.get("/_checker/class?lang=en");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("names starting with lab-"), "{}", page.body);
    assert_eq!(served.get("/index.html").status, 200);
    let foreign = served.request("GET", "/api/class/events", &[("Origin", "http://evil.example")]);
    assert_eq!(foreign.status, 403);

    // The follower only reads.
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn a_bad_class_selection_is_one_line_and_exit_2() {
    let (_server, dir, kubeconfig) = cluster(None);
    let out = checker_command(dir.path(), &kubeconfig)
        .args(["serve", "--port", "0", "--class", "--class-prefix", "A/B"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("--class-prefix \"A/B\" 不能作为命名空间名字的开头"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
