//! `cargo xtask krew [--dir DIR] [--tag TAG] [--output FILE]`: the krew plugin manifest of a
//! release (`lab.yaml`, the file krew-index takes and `kubectl krew install --manifest` reads).
//!
//! It is made from the release archives themselves, as `dist` wrote them into DIR (default
//! `target/distrib`): for each of krew's platforms, the best archive present (the static musl
//! build for Linux), its URL on the release TAG (default `v` + checker's version), the SHA-256 of
//! its bytes (checked against dist's `.sha256` file when there) and the files it holds, from
//! which the manifest names the plugin's executable `kubectl-lab` and what krew copies.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use sha2::{Digest, Sha256};

/// The krew plugin name: `kubectl krew install lab`, then `kubectl lab`.
pub const PLUGIN: &str = "lab";

/// krew's platforms we publish, each with the dist targets that can serve it, best first.
pub const PLATFORMS: &[(&str, &str, &[&str])] = &[
    ("linux", "amd64", &["x86_64-unknown-linux-musl", "x86_64-unknown-linux-gnu"]),
    ("linux", "arm64", &["aarch64-unknown-linux-musl", "aarch64-unknown-linux-gnu"]),
    ("darwin", "amd64", &["x86_64-apple-darwin"]),
    ("darwin", "arm64", &["aarch64-apple-darwin"]),
    ("windows", "amd64", &["x86_64-pc-windows-msvc", "x86_64-pc-windows-gnu"]),
];

/// The biggest archive we read (the release archives are some MiB).
const MAX_ARCHIVE_BYTES: u64 = 512 << 20;

pub struct Options {
    pub dir: PathBuf,
    pub tag: String,
    pub output: PathBuf,
}

impl Options {
    /// Parses `--dir`, `--tag` and `--output` (defaults: `distrib`, `v<version>`,
    /// `<dir>/lab.yaml`).
    pub fn parse(args: &[std::ffi::OsString], distrib: &Path, version: &str) -> Result<Options> {
        let mut dir = None;
        let mut tag = None;
        let mut output = None;
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let arg = arg.to_str().with_context(|| format!("argument {arg:?} is not UTF-8"))?;
            let mut value = |name: &str| -> Result<String> {
                let v = it.next().with_context(|| format!("{name} needs a value"))?;
                Ok(v.to_str().with_context(|| format!("{name} {v:?} is not UTF-8"))?.to_string())
            };
            match arg {
                "--dir" => dir = Some(PathBuf::from(value(arg)?)),
                "--tag" => tag = Some(value(arg)?),
                "--output" => output = Some(PathBuf::from(value(arg)?)),
                other => {
                    bail!("`cargo xtask krew` takes --dir DIR, --tag TAG, --output FILE (got {other:?})")
                }
            }
        }
        let dir = dir.unwrap_or_else(|| distrib.to_path_buf());
        let output = output.unwrap_or_else(|| dir.join(format!("{PLUGIN}.yaml")));
        Ok(Options { dir, tag: tag.unwrap_or_else(|| format!("v{version}")), output })
    }
}

/// One platform of the manifest, read from its archive.
pub struct Platform {
    pub os: &'static str,
    pub arch: &'static str,
    pub archive: String,
    pub sha256: String,
    /// The archive's file paths, as stored.
    pub entries: Vec<String>,
}

impl Platform {
    /// The executable krew links as `kubectl-lab`, where the archive has it.
    fn plugin_entry(&self) -> Result<&str> {
        let name = if self.os == "windows" { "kubectl-lab.exe" } else { "kubectl-lab" };
        self.entries
            .iter()
            .map(String::as_str)
            .find(|e| e.rsplit('/').next() == Some(name))
            .with_context(|| format!("{} holds no {name}: {:?}", self.archive, self.entries))
    }

    /// The licence files the archive holds (krew-index wants one installed with the plugin).
    fn licences(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(String::as_str).filter(|e| {
            let base = e.rsplit('/').next().unwrap_or(e).to_ascii_uppercase();
            base.starts_with("LICENSE") || base.starts_with("LICENCE") || base.starts_with("COPYING")
        })
    }
}

/// Reads the archives in `dir` for krew's platforms. Fails when none is there.
pub fn platforms(dir: &Path) -> Result<Vec<Platform>> {
    let mut found = Vec::new();
    for (os, arch, targets) in PLATFORMS {
        let archive = targets.iter().find_map(|t| {
            let ext = if *os == "windows" { "zip" } else { "tar.xz" };
            let name = format!("checker-{t}.{ext}");
            dir.join(&name).is_file().then_some(name)
        });
        let Some(archive) = archive else { continue };
        let path = dir.join(&archive);
        let bytes = read_capped(&path)?;
        let sha256 = hex(&Sha256::digest(&bytes));
        check_sidecar(&path, &sha256)?;
        let entries = if archive.ends_with(".zip") { zip_entries(&bytes) } else { tar_xz_entries(&bytes) }
            .with_context(|| format!("cannot list {}", path.display()))?;
        found.push(Platform { os, arch, archive, sha256, entries });
    }
    ensure!(
        !found.is_empty(),
        "no release archive (checker-<target>.tar.xz or .zip) in {}: run `cargo xtask dist` first",
        dir.display()
    );
    Ok(found)
}

/// The manifest's YAML. Every string is double-quoted (JSON escaping is valid YAML).
pub fn manifest(platforms: &[Platform], repository: &str, homepage: &str, tag: &str) -> Result<String> {
    ensure!(tag.starts_with('v'), "krew wants a version like v0.1.0, got {tag:?}");
    let base = format!("{}/releases/download/{tag}", repository.trim_end_matches('/'));
    let q = quote;
    let mut y = String::new();
    let _ = writeln!(y, "apiVersion: krew.googlecontainertools.github.com/v1alpha2");
    let _ = writeln!(y, "kind: Plugin");
    let _ = writeln!(y, "metadata:\n  name: {}", q(PLUGIN));
    let _ = writeln!(y, "spec:");
    let _ = writeln!(y, "  version: {}", q(tag));
    let _ = writeln!(y, "  homepage: {}", q(homepage));
    let _ =
        writeln!(y, "  shortDescription: {}", q("Check your cluster against the steps of a Kubernetes lab"));
    y.push_str(
        "  description: |\n    \
         Checks a learner's cluster against each step of the interactive lab book\n    \
         \"Init Container\" (init containers, restarts on failure, shared volumes, native\n    \
         sidecars): pass, pending or fail for every expectation, with the next thing to do.\n    \
         It only reads (get, list, watch, logs) and remembers your progress.\n  \
         caveats: |\n    \
         Start with `kubectl lab list`, then `kubectl lab step 1`; the book explains each step.\n    \
         On a shared cluster it needs read access to pods, pods/log and events in the lab's\n    \
         namespace (default `experiments`).\n",
    );
    let _ = writeln!(y, "  platforms:");
    for p in platforms {
        let plugin = p.plugin_entry()?;
        let bin = plugin.rsplit('/').next().unwrap_or(plugin);
        let _ = writeln!(y, "  - selector:\n      matchLabels:");
        let _ = writeln!(y, "        os: {}\n        arch: {}", q(p.os), q(p.arch));
        let _ = writeln!(y, "    uri: {}", q(&format!("{base}/{}", p.archive)));
        let _ = writeln!(y, "    sha256: {}", q(&p.sha256));
        let _ = writeln!(y, "    bin: {}", q(bin));
        let _ = writeln!(y, "    files:");
        for from in std::iter::once(plugin).chain(p.licences()) {
            let _ = writeln!(y, "    - from: {}\n      to: \".\"", q(from));
        }
    }
    Ok(y)
}

fn quote(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn read_capped(path: &Path) -> Result<Vec<u8>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_ARCHIVE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    ensure!(
        bytes.len() as u64 <= MAX_ARCHIVE_BYTES,
        "{} is bigger than {MAX_ARCHIVE_BYTES} bytes",
        path.display()
    );
    Ok(bytes)
}

/// dist writes `<archive>.sha256` beside each archive: `<hex>  <name>` (or `<hex> *<name>`).
fn check_sidecar(archive: &Path, sha256: &str) -> Result<()> {
    let mut sidecar = archive.as_os_str().to_owned();
    sidecar.push(".sha256");
    let Ok(text) = fs::read_to_string(&sidecar) else { return Ok(()) };
    let listed = text.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
    ensure!(
        listed == sha256,
        "{} says {listed}, but the archive's SHA-256 is {sha256}",
        Path::new(&sidecar).display()
    );
    Ok(())
}

fn tar_xz_entries(bytes: &[u8]) -> Result<Vec<String>> {
    let mut tar = Vec::new();
    lzma_rs::xz_decompress(&mut BufReader::new(bytes), &mut tar).map_err(|e| anyhow::anyhow!("xz: {e}"))?;
    let mut entries = Vec::new();
    for entry in tar::Archive::new(tar.as_slice()).entries()? {
        let entry = entry?;
        if entry.header().entry_type().is_file() {
            entries.push(entry.path()?.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(entries)
}

fn zip_entries(bytes: &[u8]) -> Result<Vec<String>> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut entries = Vec::new();
    for name in zip.file_names() {
        let name = name?;
        if !name.ends_with('/') {
            entries.push(name.into_owned());
        }
    }
    Ok(entries)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(os: &'static str, arch: &'static str, entries: &[&str]) -> Platform {
        Platform {
            os,
            arch,
            archive: format!("checker-{os}.tar.xz"),
            sha256: "ab".repeat(32),
            entries: entries.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_manifest_names_the_plugin_executable_and_licences_of_each_archive() {
        let linux = platform(
            "linux",
            "amd64",
            &["checker-x/checker", "checker-x/kubectl-lab", "checker-x/LICENSE-MIT"],
        );
        let windows = platform("windows", "amd64", &["checker.exe", "kubectl-lab.exe", "README.md"]);
        let y = manifest(&[linux, windows], "https://github.com/o/r/", "https://o.github.io/r/", "v1.2.3")
            .unwrap();
        assert!(
            y.starts_with("apiVersion: krew.googlecontainertools.github.com/v1alpha2\nkind: Plugin\n"),
            "{y}"
        );
        assert!(y.contains("  version: \"v1.2.3\"\n"), "{y}");
        assert!(
            y.contains("    uri: \"https://github.com/o/r/releases/download/v1.2.3/checker-linux.tar.xz\"\n"),
            "{y}"
        );
        assert!(y.contains("    bin: \"kubectl-lab\"\n    files:\n    - from: \"checker-x/kubectl-lab\"\n      to: \".\"\n    - from: \"checker-x/LICENSE-MIT\"\n"), "{y}");
        assert!(
            y.contains(
                "    bin: \"kubectl-lab.exe\"\n    files:\n    - from: \"kubectl-lab.exe\"\n      to: \".\"\n"
            ),
            "{y}"
        );
    }

    #[test]
    fn an_archive_without_the_plugin_or_a_bad_tag_is_an_error() {
        let bare = platform("linux", "amd64", &["checker-x/checker"]);
        let err = manifest(&[bare], "https://github.com/o/r", "h", "v1").err().unwrap().to_string();
        assert!(err.contains("holds no kubectl-lab"), "{err}");
        let ok = platform("linux", "amd64", &["kubectl-lab"]);
        assert!(manifest(&[ok], "https://github.com/o/r", "h", "1.0.0").is_err());
    }

    #[test]
    fn quoting_is_yaml_safe() {
        assert_eq!(quote(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
        assert_eq!(quote("x\ny\u{7}"), "\"x\\ny\\u0007\"");
    }
}
