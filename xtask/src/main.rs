//! `cargo xtask <task>`: the project's chores, in Rust so that they run wherever cargo does.
//!
//! - `setup`: installs the pinned book tools into `.tools/` and writes Mermaid's library;
//! - `build`: setup, then `mdbook build`;
//! - `serve [args]`: setup, then `checker serve [args]` (the book with live checks);
//! - `test [args]`: setup, `dist --fast` (the host's archive and installers for the install test),
//!   then `cargo test --workspace --locked [args]` with `.tools/bin` on PATH;
//! - `bench [checker|book]`: setup, then `cargo bench -p checker --bench bench`: checker next to
//!   kubectl, and the book's page weight and drawing times in headless Chromium; figures printed;
//! - `dist [--fast]`: this machine's release archive and installers with the pinned `dist` (see
//!   dist.rs);
//! - `krew`: the krew plugin manifest from the release archives (see krew.rs).

mod dist;
mod krew;

use std::env;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

/// The book tools, pinned.
const TOOLS: &[Tool] = &[
    Tool { krate: "mdbook", bin: "mdbook", version: "0.5.4" },
    Tool { krate: "mdbook-mermaid", bin: "mdbook-mermaid", version: "0.17.1" },
];

/// Where Mermaid's library goes: in the book's `src/`, which mdBook copies to the output, so that
/// the pages can fetch it (`theme/mermaid-loader.js` does, on the pages with a diagram). Listed in
/// book.toml's `additional-js` instead, as `mdbook-mermaid install` would set it up, every page
/// would load its 2.7 MB. Git-ignored.
const MERMAID_LIB: &str = "src/mermaid.min.js";

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  setup          install mdbook and mdbook-mermaid (pinned) into .tools/, write src/mermaid.min.js
  build [args]   setup, then `.tools/bin/mdbook build [args]` (the book goes to book/)
  serve [args]   setup, then `checker serve [args]`: the book in a browser with live checks
  test [args]    setup, `dist --fast`, then `cargo test --workspace --locked [args]` with
                 .tools/bin on PATH
  bench [checker|book]
                 figures: checker vs kubectl against the fake API server (medians, requests,
                 memory, latency); every page of the book cold in headless Chromium (bytes,
                 requests, time until the diagrams are drawn); both when no section is named
  dist [--fast]  install dist (pinned) into .tools/, build this machine's release archive and
                 installers into target/distrib/, then the krew manifest for them (--fast:
                 unoptimised binaries, as `test` builds them for the install test)
  krew [--dir DIR] [--tag TAG] [--output FILE]
                 the krew plugin manifest (lab.yaml) from the release archives in DIR
                 (default target/distrib; TAG default v<checker's version>)
";

/// A tool installed with `cargo install --locked` into `.tools/`.
struct Tool {
    krate: &'static str,
    /// The executable it installs, whose `--version` prints `<name> <version>`.
    bin: &'static str,
    version: &'static str,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode> {
    let mut args = env::args_os().skip(1);
    let task = args.next();
    let rest: Vec<OsString> = args.collect();
    let root = repo_root()?;
    match task.as_deref().and_then(OsStr::to_str) {
        Some("setup") => {
            no_args("setup", &rest)?;
            setup(&root)?;
            Ok(ExitCode::SUCCESS)
        }
        Some("build") => {
            setup(&root)?;
            let mut cmd = Command::new(tool_bin(&root, "mdbook"));
            cmd.arg("build").args(&rest).current_dir(&root);
            status(cmd, "mdbook build")
        }
        Some("serve") => {
            setup(&root)?;
            let mut cmd = cargo();
            cmd.args(["run", "--release", "--locked", "-p", "checker", "--", "serve"])
                .args(&rest)
                .current_dir(&root);
            status(cmd, "checker serve")
        }
        Some("test") => {
            setup(&root)?;
            // The install test installs this machine's archive with dist's installer.
            dist::dist(&root, dist::Build::Fast)?;
            let mut cmd = cargo();
            cmd.args(["test", "--workspace", "--locked"])
                .args(&rest)
                .current_dir(&root)
                .env("PATH", path_with(&root.join(".tools/bin"))?);
            let code = status(cmd, "cargo test")?;
            if code != ExitCode::SUCCESS {
                bail!("tests failed (see the output above)");
            }
            Ok(code)
        }
        Some("bench") => {
            let sections: Vec<&str> = rest.iter().map(|a| a.to_str().unwrap_or("")).collect();
            if let Some(bad) = sections.iter().find(|s| !matches!(**s, "checker" | "book")) {
                bail!("`cargo xtask bench` takes the sections checker and book (got {bad:?})");
            }
            if sections.is_empty() || sections.contains(&"book") {
                setup(&root)?;
            }
            let mut cmd = cargo();
            cmd.args(["bench", "--locked", "-p", "checker", "--bench", "bench", "--"])
                .args(&sections)
                .current_dir(&root);
            status(cmd, "cargo bench")
        }
        Some("dist") => {
            dist::dist(&root, dist::build_of(&rest)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Some("krew") => {
            dist::krew_manifest(&root, &rest)?;
            Ok(ExitCode::SUCCESS)
        }
        Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprint!("{USAGE}");
            bail!("unknown task `{other}`")
        }
        None => {
            eprint!("{USAGE}");
            bail!("no task given")
        }
    }
}

fn no_args(task: &str, rest: &[OsString]) -> Result<()> {
    if let Some(arg) = rest.first() {
        bail!("`cargo xtask {task}` takes no arguments (got {arg:?})");
    }
    Ok(())
}

/// The repository root: this crate lives in `<root>/xtask`.
fn repo_root() -> Result<PathBuf> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.parent().context("xtask's manifest directory has no parent")?;
    root.canonicalize().with_context(|| format!("cannot resolve the repository root {}", root.display()))
}

/// The cargo that runs us (cargo sets `CARGO` for `cargo run`), or `cargo` from PATH.
fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn tool_bin(root: &Path, name: &str) -> PathBuf {
    root.join(".tools/bin").join(format!("{name}{}", env::consts::EXE_SUFFIX))
}

/// PATH with `dir` in front.
fn path_with(dir: &Path) -> Result<OsString> {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(old) = env::var_os("PATH") {
        paths.extend(env::split_paths(&old));
    }
    env::join_paths(paths).context("cannot build PATH with .tools/bin")
}

/// Runs a command to completion and maps its exit status to ours.
fn status(mut cmd: Command, what: &str) -> Result<ExitCode> {
    let status = cmd.status().with_context(|| format!("cannot start {what} ({:?})", cmd.get_program()))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => {
            eprintln!("xtask: {what} was killed by a signal");
            ExitCode::FAILURE
        }
    })
}

/// Installs the pinned book tools into `.tools/` (skipping those already there) and writes
/// Mermaid's library into the book.
fn setup(root: &Path) -> Result<()> {
    for tool in TOOLS {
        install_tool(root, tool)?;
    }
    write_mermaid_lib(root)
}

/// Installs a pinned tool into `.tools/` unless that version is there.
fn install_tool(root: &Path, tool: &Tool) -> Result<()> {
    let tools_dir = root.join(".tools");
    let bin = tool_bin(root, tool.bin);
    match installed_version(&bin) {
        Some(v) if v == tool.version => return Ok(()),
        Some(v) => eprintln!("xtask: {} is {v}, want {}: reinstalling", bin.display(), tool.version),
        None => eprintln!(
            "xtask: installing {}@{} into {} (this takes a few minutes the first time)",
            tool.krate,
            tool.version,
            tools_dir.display()
        ),
    }
    let mut cmd = cargo();
    cmd.arg("install")
        .arg("--locked")
        .arg("--force")
        .arg("--root")
        .arg(&tools_dir)
        .arg(format!("{}@{}", tool.krate, tool.version))
        .current_dir(root);
    let code = status(cmd, "cargo install")?;
    if code != ExitCode::SUCCESS {
        bail!("`cargo install {}@{}` failed", tool.krate, tool.version);
    }
    match installed_version(&bin) {
        Some(v) if v == tool.version => Ok(()),
        other => {
            bail!("after installing, {} reports version {:?}, not {}", bin.display(), other, tool.version)
        }
    }
}

/// What `<bin> --version` reports (`mdbook v0.5.4`, `mdbook-mermaid 0.17.1`, `cargo-dist 0.34.0`),
/// without a `v`.
fn installed_version(bin: &Path) -> Option<String> {
    let out = Command::new(bin).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let word = text.split_whitespace().nth(1)?;
    Some(word.trim_start_matches('v').to_string())
}

/// Writes the `mermaid.min.js` of the installed mdbook-mermaid to [`MERMAID_LIB`], unless it is
/// already there as is. `mdbook-mermaid install DIR` is the only way to get the file out of the
/// tool; it also adds its two files to DIR's book.toml when they are missing there, which ours
/// must not get (they would be loaded by every page), so it runs on a scratch book.
fn write_mermaid_lib(root: &Path) -> Result<()> {
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    fs::write(scratch.path().join("book.toml"), "[book]\n").context("cannot write a scratch book.toml")?;
    let out = Command::new(tool_bin(root, "mdbook-mermaid"))
        .arg("install")
        .arg(scratch.path())
        .env("RUST_LOG", "warn")
        .output()
        .context("cannot run .tools/bin/mdbook-mermaid install")?;
    let written = scratch.path().join("mermaid.min.js");
    if !out.status.success() || !written.is_file() {
        bail!(
            "`mdbook-mermaid install` did not write mermaid.min.js ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let lib = fs::read(&written).with_context(|| format!("cannot read {}", written.display()))?;
    let dest = root.join(MERMAID_LIB);
    if fs::read(&dest).is_ok_and(|old| old == lib) {
        return Ok(());
    }
    fs::write(&dest, &lib).with_context(|| format!("cannot write {}", dest.display()))?;
    eprintln!("xtask: wrote {MERMAID_LIB} ({} bytes, from mdbook-mermaid)", lib.len());
    Ok(())
}
