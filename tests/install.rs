//! The release as a learner gets it: dist's one-line installer (`checker-installer.sh`) fetches
//! this machine's archive from a loopback HTTP server standing in for the GitHub release, checks
//! its SHA-256 and installs it into a temporary prefix; the installed programs then run as
//! `checker list` and, through the real kubectl's plugin mechanism, as `kubectl lab …` with
//! kubectl's flags. The krew manifest written beside the archive is checked against krew's schema
//! and against the archives themselves.
//!
//! The artifacts are those in `target/distrib/`: `cargo xtask test` builds them first with the
//! pinned dist (`cargo xtask dist --fast`: the release configuration, unoptimised binaries);
//! `cargo xtask dist` builds release-grade ones. Run one of them after changing the checker.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_yaml::Value;
use sha2::{Digest, Sha256};
use testkit::FakeApiServer;

const KUBECTL: &str = "/usr/bin/kubectl";

fn distrib() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/distrib")
}

/// A file of `target/distrib/`, which must be there.
fn artifact(name: &str) -> PathBuf {
    let path = distrib().join(name);
    assert!(
        path.is_file(),
        "{} is missing: build the release artifacts with `cargo xtask dist --fast` (or run \
         `cargo xtask test`, which does)",
        path.display()
    );
    path
}

fn host_triple() -> String {
    let out = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-vV")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc -vV names the host").trim().to_string()
}

fn sha256_hex(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A static file server on 127.0.0.1 for `dir`, as GitHub serves a release's downloads; it
/// records the paths asked for.
struct Downloads {
    url: String,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Downloads {
    fn serve(dir: PathBuf) -> Downloads {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                if reader.read_line(&mut request).is_err() {
                    continue;
                }
                // Skip the headers.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                log.lock().unwrap().push(path.clone());
                let name = path.trim_start_matches('/');
                let file = (!name.contains("..") && !name.contains('/')).then(|| dir.join(name));
                let _ = match file.and_then(|f| std::fs::read(f).ok()) {
                    Some(body) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body))
                    }
                    None => stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    ),
                };
            }
        });
        Downloads { url, asked }
    }
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } =
        cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    (status.code().expect("exited"), String::from_utf8(stdout).unwrap(), String::from_utf8(stderr).unwrap())
}

/// A learner's shell: a clean environment with `bin` first on PATH, then the system's.
fn shell(program: &Path, home: &Path, bin: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::join_paths([bin, Path::new("/usr/bin"), Path::new("/bin")]).unwrap())
        .env("HOME", home)
        .env("LANG", "en_US.UTF-8")
        .env("CHECKER_STATE_DIR", home.join("state"))
        // No cluster: `list` shows the steps without progress.
        .env("KUBECONFIG", home.join("no-kubeconfig"));
    cmd
}

#[cfg(unix)]
#[test]
fn the_one_line_installer_installs_checker_and_kubectl_finds_the_plugin() {
    use std::os::unix::fs::PermissionsExt;

    let host = host_triple();
    let archive = format!("checker-{host}.tar.xz");
    let installer = artifact("checker-installer.sh");
    artifact(&archive);
    let downloads = Downloads::serve(distrib());
    let home = tempfile::tempdir().unwrap();
    let prefix = home.path().join("prefix");

    // `curl … | sh`, with the downloads from the loopback server and a prefix of our own.
    let (code, out, err) = run(shell(Path::new("/bin/sh"), home.path(), &prefix)
        .arg(&installer)
        .env("CHECKER_DOWNLOAD_URL", &downloads.url)
        .env("CHECKER_INSTALL_DIR", &prefix)
        .env("CHECKER_NO_MODIFY_PATH", "1"));
    assert_eq!(code, 0, "the installer failed:\n{out}\n{err}");
    assert_eq!(*downloads.asked.lock().unwrap(), [format!("/{archive}")], "{out}{err}");
    // It knew the archive's SHA-256 and checked it (a mismatch fails the install).
    assert!(!format!("{out}{err}").contains("no checksums to verify"), "{out}{err}");
    for program in ["checker", "kubectl-lab"] {
        let mode = std::fs::metadata(prefix.join(program)).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{program} is not executable ({mode:o})");
    }

    // `checker list`: the steps of the embedded lab spec.
    let spec = lab_spec::LabSpec::embedded().unwrap();
    let (code, list, err) = run(shell(&prefix.join("checker"), home.path(), &prefix).arg("list"));
    assert_eq!(code, 0, "{err}");
    for step in &spec.steps {
        assert!(list.contains(step.title.get(lab_spec::Lang::En)), "step {} missing:\n{list}", step.number);
    }

    // `kubectl lab list`: kubectl finds kubectl-lab on PATH and runs it; same output.
    let kubectl = || shell(Path::new(KUBECTL), home.path(), &prefix);
    let (code, plugins, err) = run(kubectl().args(["plugin", "list"]));
    assert_eq!(code, 0, "{err}");
    assert!(plugins.contains(&prefix.join("kubectl-lab").display().to_string()), "{plugins}");
    let (code, via_kubectl, err) = run(kubectl().args(["lab", "list"]));
    assert_eq!((code, via_kubectl.as_str()), (0, list.as_str()), "{err}");

    // Help, usage and errors name the command as typed.
    let (code, help, _) = run(kubectl().args(["lab", "--help"]));
    assert_eq!(code, 0);
    assert!(help.contains("Usage: kubectl lab [OPTIONS] <COMMAND>"), "{help}");
    let (code, _, err) = run(kubectl().args(["lab", "step", "99"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("see `kubectl lab list`") && !err.contains("checker"), "{err}");
    let (code, _, err) = run(kubectl().args(["lab", "stpe"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Usage: kubectl lab [OPTIONS] <COMMAND>"), "{err}");
    let (_, version, _) = run(kubectl().args(["lab", "--version"]));
    assert_eq!(version, format!("kubectl-lab {}\n", env!("CARGO_PKG_VERSION")));
    let (code, script, _) = run(kubectl().args(["lab", "completions", "bash"]));
    assert_eq!(code, 0);
    assert!(script.contains("kubectl-lab"), "{script}");

    // kubectl's flags, after the plugin's name, reach the plugin: a kubeconfig whose current
    // context is elsewhere, the context and the namespace on the command line.
    let server = FakeApiServer::start();
    server.add_namespace("experiments");
    server.put_pod_fixture("init-demo-running");
    let kubeconfig = home.path().join("kubeconfig");
    std::fs::write(&kubeconfig, elsewhere_by_default(&server.kubeconfig_yaml())).unwrap();
    let mut status = kubectl();
    status.args(["lab", "status", "-o", "json", "--kubeconfig"]).arg(&kubeconfig);
    let (code, json, err) = run(status.args(["--context", "fake", "-n", "experiments"]));
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (&json["pods"][0]["name"], &json["namespace"]),
        (&"init-demo".into(), &"experiments".into()),
        "{json}"
    );
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

/// The kubeconfig with a second context, `elsewhere` (a closed port, namespace `default`), as
/// the current one; context `fake` keeps the server but loses its namespace.
fn elsewhere_by_default(yaml: &str) -> String {
    let mut config: Value = serde_yaml::from_str(yaml).unwrap();
    config["clusters"]
        .as_sequence_mut()
        .unwrap()
        .push(serde_yaml::from_str("{name: nowhere, cluster: {server: 'http://127.0.0.1:9'}}").unwrap());
    let contexts = config["contexts"].as_sequence_mut().unwrap();
    contexts[0]["context"].as_mapping_mut().unwrap().remove("namespace");
    contexts.push(
        serde_yaml::from_str(
            "{name: elsewhere, context: {cluster: nowhere, user: learner, namespace: default}}",
        )
        .unwrap(),
    );
    config["current-context"] = "elsewhere".into();
    serde_yaml::to_string(&config).unwrap()
}

/// krew's platform labels (`GOOS`/`GOARCH` values its installer matches).
const KREW_OS: &[&str] = &["darwin", "linux", "windows"];
const KREW_ARCH: &[&str] = &["amd64", "arm64", "386", "arm", "ppc64le", "s390x", "loong64", "riscv64"];

/// `lab.yaml`, from `cargo xtask krew`, against krew's v1alpha2 Plugin schema (the fields its
/// validation requires) and against the archives it names, where they are in `target/distrib/`
/// (this machine's at least): the SHA-256 of the bytes, and a `bin` that the `files` copy out of
/// the archive's actual file list.
#[test]
fn the_krew_manifest_is_valid_and_matches_the_archives() {
    let text = std::fs::read_to_string(artifact("lab.yaml")).unwrap();
    let m: Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("lab.yaml is not YAML ({e}):\n{text}"));
    let s = |v: &Value, what: &str| -> String {
        v.as_str()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| panic!("{what} missing or empty:\n{text}"))
            .to_string()
    };
    assert_eq!(s(&m["apiVersion"], "apiVersion"), "krew.googlecontainertools.github.com/v1alpha2");
    assert_eq!(s(&m["kind"], "kind"), "Plugin");
    assert_eq!(s(&m["metadata"]["name"], "metadata.name"), "lab");
    let spec = &m["spec"];
    let version = s(&spec["version"], "spec.version");
    let semver = version.strip_prefix('v').map(|v| v.split('.').collect::<Vec<_>>());
    assert!(
        semver.is_some_and(
            |p| p.len() == 3 && p.iter().all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        ),
        "spec.version {version} is not v<major>.<minor>.<patch>"
    );
    assert_eq!(version, format!("v{}", env!("CARGO_PKG_VERSION")));
    assert!(s(&spec["homepage"], "spec.homepage").starts_with("https://"));
    assert!(s(&spec["shortDescription"], "spec.shortDescription").len() <= 80);
    s(&spec["description"], "spec.description");

    let platforms = spec["platforms"].as_sequence().expect("spec.platforms is a list");
    assert!(!platforms.is_empty(), "no platforms");
    let mut selectors = BTreeSet::new();
    let mut checked_archives = 0;
    let release = format!("{}/releases/download/{version}/", env!("CARGO_PKG_REPOSITORY"));
    for p in platforms {
        let labels = p["selector"]["matchLabels"].as_mapping().expect("selector.matchLabels");
        let (os, arch) =
            (s(&p["selector"]["matchLabels"]["os"], "os"), s(&p["selector"]["matchLabels"]["arch"], "arch"));
        assert_eq!(labels.len(), 2, "{labels:?}");
        assert!(KREW_OS.contains(&os.as_str()) && KREW_ARCH.contains(&arch.as_str()), "{os}/{arch}");
        assert!(selectors.insert((os.clone(), arch.clone())), "{os}/{arch} twice");
        let uri = s(&p["uri"], "uri");
        let archive = uri.strip_prefix(&release).unwrap_or_else(|| panic!("{uri} is not under {release}"));
        let sha = s(&p["sha256"], "sha256");
        assert!(
            sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "sha256 {sha}"
        );
        let bin = s(&p["bin"], "bin");
        assert_eq!(bin.ends_with(".exe"), os == "windows", "bin {bin} on {os}");
        // What krew copies: each `from` (a path in the archive) to `to` under the plugin's dir.
        let files = p["files"].as_sequence().expect("files");
        let copied: Vec<(String, String)> =
            files.iter().map(|f| (s(&f["from"], "files.from"), s(&f["to"], "files.to"))).collect();
        let installed: Vec<String> = copied
            .iter()
            .map(|(from, to)| {
                let base = from.rsplit('/').next().unwrap();
                if to == "." { base.to_string() } else { format!("{}/{base}", to.trim_end_matches('/')) }
            })
            .collect();
        assert!(installed.contains(&bin), "bin {bin} is not among the files krew installs: {installed:?}");
        // krew-index wants the licence installed with the plugin: both of the workspace's.
        for licence in ["LICENSE-MIT", "LICENSE-APACHE"] {
            assert!(
                installed.iter().any(|f| f == licence),
                "{licence} is not installed by krew: {installed:?}"
            );
        }

        let local = distrib().join(archive);
        if !local.is_file() {
            continue; // another platform's archive: built by the release workflow
        }
        checked_archives += 1;
        assert_eq!(sha, sha256_hex(&local), "sha256 of {archive}");
        let (code, listing, err) = run(Command::new("tar").arg("-tf").arg(&local));
        assert_eq!(code, 0, "cannot list {archive}: {err}");
        let entries: BTreeSet<&str> = listing.lines().collect();
        for (from, _) in &copied {
            assert!(entries.contains(from.as_str()), "{from} is not in {archive}: {entries:?}");
        }
    }
    assert!(checked_archives > 0, "no archive of lab.yaml is in {}", distrib().display());
}

/// Every install line the learner reads (README, the book's chapters) points at the releases of
/// the workspace's `repository`, where dist publishes them, under the names dist gives.
#[test]
fn install_lines_point_at_this_repositorys_releases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let repo = env!("CARGO_PKG_REPOSITORY");
    let mut files = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("src")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let mut found = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, _) in text.match_indices("/releases/") {
            let start = text[..i]
                .rfind("https://")
                .unwrap_or_else(|| panic!("{}: a relative releases link", file.display()));
            let end = text[i..]
                .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '`' | '>'))
                .map_or(text.len(), |e| i + e);
            let url = &text[start..end];
            found += 1;
            assert!(
                url.starts_with(&format!("{repo}/releases/")),
                "{}: {url} is not under {repo}",
                file.display()
            );
            let file_name = url.rsplit('/').next().unwrap();
            let known = ["checker-installer.sh", "checker-installer.ps1", "lab.yaml", "latest"];
            assert!(known.contains(&file_name), "{}: {url}: no such release file", file.display());
        }
    }
    assert!(found >= 6, "only {found} release links found");
}
