//! `cargo xtask dist [--fast]`: this machine's release archive and installers, built by the
//! pinned `dist` exactly as the release workflow builds them (dist-workspace.toml), then the krew
//! manifest.
//!
//! - installs `dist` (the cargo-dist crate, [`DIST`]) into `.tools/` like the book tools;
//! - `dist build --artifacts=local --target <host>`: `checker-<host>.tar.xz` (`.zip` on Windows)
//!   holding `checker` and `kubectl-lab`, its `.sha256`, and the build's manifest, which the next
//!   step reads as the release workflow's global job does;
//! - `dist build --artifacts=global`: `checker-installer.sh` and `checker-installer.ps1` (with
//!   the archive's SHA-256 in them), the source tarball and `sha256.sum`;
//! - `cargo xtask krew`: `lab.yaml` for the archive(s) in `target/distrib/`.
//!
//! Everything lands in `target/distrib/` under the repository root.
//!
//! `--fast` is what `cargo xtask test` runs for the install test: the same dist, configuration,
//! archive and installers, with the `dist` profile's optimisation and LTO turned off (cargo's
//! `CARGO_PROFILE_DIST_*` variables) and its own build directory, so it costs about a debug build
//! instead of an optimised one. Release archives come from the release workflow (or `cargo xtask
//! dist` without `--fast`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{Tool, install_tool, krew, tool_bin};

/// dist, pinned: the same version as `cargo-dist-version` in dist-workspace.toml, which the
/// release workflow installs.
pub const DIST: Tool = Tool { krate: "cargo-dist", version: "0.34.0", bins: &["dist"] };

/// How optimised the binaries in the archive are.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// The `dist` profile as configured: what the release workflow ships.
    Release,
    /// The `dist` profile without optimisation, for the tests (see the module docs).
    Fast,
}

pub fn dist(root: &Path, build: Build) -> Result<()> {
    check_pin(root)?;
    install_tool(root, &DIST)?;
    let host = host_triple()?;
    let distrib = distrib_dir(root);
    let run = |args: &[&str], what: &str| -> Result<Vec<u8>> {
        let mut cmd = Command::new(tool_bin(root, DIST.bins[0]));
        cmd.args(args).current_dir(root);
        if build == Build::Fast {
            let dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
            cmd.env("CARGO_TARGET_DIR", dir.join("dist-fast"))
                .env("CARGO_PROFILE_DIST_OPT_LEVEL", "0")
                .env("CARGO_PROFILE_DIST_LTO", "off")
                .env("CARGO_PROFILE_DIST_CODEGEN_UNITS", "256")
                .env("CARGO_PROFILE_DIST_INCREMENTAL", "true");
        }
        eprintln!("xtask: dist {}", args.join(" "));
        let out = cmd
            .stderr(std::process::Stdio::inherit())
            .output()
            .with_context(|| format!("cannot run {what}"))?;
        if !out.status.success() {
            bail!("`dist {}` failed ({}; see the output above)", args.join(" "), out.status);
        }
        Ok(out.stdout)
    };
    let manifest =
        run(&["build", "--artifacts=local", "--target", &host, "--output-format=json"], "dist build")?;
    // Where the release workflow puts each local build's manifest for the global job.
    let manifest_path = distrib.join(format!("{host}-dist-manifest.json"));
    std::fs::write(&manifest_path, manifest)
        .with_context(|| format!("cannot write {}", manifest_path.display()))?;
    run(&["build", "--artifacts=global"], "dist build")?;
    eprintln!("xtask: release artifacts for {host} are in {}", distrib.display());
    krew_manifest(root, &[])
}

/// Parses `cargo xtask dist`'s arguments: nothing or `--fast`.
pub fn build_of(args: &[OsString]) -> Result<Build> {
    match args {
        [] => Ok(Build::Release),
        [a] if a == "--fast" => Ok(Build::Fast),
        other => bail!("`cargo xtask dist` takes only --fast (got {other:?})"),
    }
}

/// `cargo xtask krew [--dir DIR] [--tag TAG] [--output FILE]`.
pub fn krew_manifest(root: &Path, args: &[OsString]) -> Result<()> {
    let version = package_version(&root.join("checker/Cargo.toml"))?;
    let opts = krew::Options::parse(args, &distrib_dir(root), &version)?;
    let platforms = krew::platforms(&opts.dir)?;
    let yaml =
        krew::manifest(&platforms, env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE"), &opts.tag)?;
    std::fs::write(&opts.output, yaml).with_context(|| format!("cannot write {}", opts.output.display()))?;
    let shown: Vec<String> = platforms.iter().map(|p| format!("{}/{}", p.os, p.arch)).collect();
    eprintln!("xtask: wrote {} ({})", opts.output.display(), shown.join(", "));
    Ok(())
}

/// Where dist writes the artifacts: `target/distrib` under the repository root (dist's own
/// workspace, dist-workspace.toml, is there), even when CARGO_TARGET_DIR moves cargo's builds.
pub fn distrib_dir(root: &Path) -> PathBuf {
    root.join("target").join("distrib")
}

/// The pinned version must be the one dist-workspace.toml asks for, or the local archive would
/// not be the one the release workflow builds.
fn check_pin(root: &Path) -> Result<()> {
    let path = root.join("dist-workspace.toml");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let wanted = format!("cargo-dist-version = \"{}\"", DIST.version);
    if !text.lines().any(|l| l.trim() == wanted) {
        bail!("{} does not say `{wanted}`: pin the same dist in xtask/src/dist.rs and there", path.display());
    }
    Ok(())
}

/// The host's target triple, as rustc reports it.
pub fn host_triple() -> Result<String> {
    let out = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-vV")
        .output()
        .context("cannot run `rustc -vV`")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_string())
        .context("`rustc -vV` printed no `host:` line")
}

/// The `version` of a package's Cargo.toml (the first `version = "..."` of its [package]).
fn package_version(manifest: &Path) -> Result<String> {
    let text =
        std::fs::read_to_string(manifest).with_context(|| format!("cannot read {}", manifest.display()))?;
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some(v) = line.strip_prefix("version = \"") {
            return Ok(v.trim_end_matches('"').to_string());
        }
    }
    bail!("no version in the [package] of {}", manifest.display())
}
