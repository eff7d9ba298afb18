//! `cargo xtask <task>`: the project's chores, in Rust so that they run wherever cargo does.
//!
//! - `setup`: installs the pinned book tools into `.tools/` and writes Mermaid's library;
//! - `build`: setup, then `mdbook build` of the Chinese book into `book/` and of each translated
//!   edition (book.toml's `[preprocessor.gettext.editions]`) into `book/<language>/`;
//! - `po`: setup, then extracts the book's messages into `po/messages.pot` and merges them into
//!   each `po/<language>.po` (`msgmerge`), for the translator;
//! - `serve [args]`: setup, then `checker serve [args]` (the book with live checks);
//! - `test [args]`: setup, `dist --fast` (the host's archive and installers for the install test),
//!   then `cargo test --workspace --locked [args]` with `.tools/bin` on PATH;
//! - `bench [checker|class|book]`: setup, then `cargo bench -p checker --bench bench`: checker next to
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

/// The book tools, pinned, and the binaries each installs.
const TOOLS: &[Tool] = &[
    Tool { krate: "mdbook", version: "0.5.4", bins: &["mdbook"] },
    Tool { krate: "mdbook-mermaid", version: "0.17.1", bins: &["mdbook-mermaid"] },
    // Gettext for mdBook: `mdbook-xgettext` extracts the messages of the Chinese chapters,
    // `mdbook-gettext` translates them from po/<language>.po. 0.4.0 is the first release for
    // mdBook 0.5 (its changelog: "Update to mdbook 0.5"); checker's Cargo.toml pins the same.
    Tool {
        krate: "mdbook-i18n-helpers",
        version: "0.4.0",
        bins: &["mdbook-gettext", "mdbook-xgettext", "mdbook-i18n-normalize"],
    },
];

/// Where `po` writes the extracted messages (git-ignored: it is made from src/ at will).
const POT: &str = "po/messages.pot";

/// Where Mermaid's library goes: in the book's `src/`, which mdBook copies to the output, so that
/// the pages can fetch it (`theme/mermaid-loader.js` does, on the pages with a diagram). Listed in
/// book.toml's `additional-js` instead, as `mdbook-mermaid install` would set it up, every page
/// would load its 2.7 MB. Git-ignored.
const MERMAID_LIB: &str = "src/mermaid.min.js";

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  setup          install mdbook, mdbook-mermaid and mdbook-i18n-helpers (pinned) into .tools/,
                 write src/mermaid.min.js
  build [-d DIR] setup, then build the Chinese book into DIR (default book/) and each translated
                 edition into DIR/<language>/ (book/en/)
  po             setup, then extract the book's messages into po/messages.pot and merge them into
                 po/<language>.po (msgmerge, from GNU gettext): the translator's starting point
  serve [args]   setup, then `checker serve [args]`: the book in a browser with live checks
  test [args]    setup, `dist --fast`, then `cargo test --workspace --locked [args]` with
                 .tools/bin on PATH
  bench [checker|class|book]
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
    version: &'static str,
    /// The executables it installs (the first is the one to run).
    bins: &'static [&'static str],
}

/// A translated edition of the book, from book.toml's `[preprocessor.gettext.editions.<language>]`.
struct Edition {
    language: String,
    title: Option<String>,
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
            let dest = build_dest(&root, &rest)?;
            setup(&root)?;
            build(&root, &dest)
        }
        Some("po") => {
            no_args("po", &rest)?;
            setup(&root)?;
            po(&root)
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
            if let Some(bad) = sections.iter().find(|s| !matches!(**s, "checker" | "class" | "book")) {
                bail!("`cargo xtask bench` takes the sections checker, class and book (got {bad:?})");
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

/// `build`'s destination: `-d DIR` / `--dest-dir DIR` (relative to the root, as mdBook takes
/// it), else `book`.
fn build_dest(root: &Path, rest: &[OsString]) -> Result<PathBuf> {
    match rest {
        [] => Ok(root.join("book")),
        [flag, dir] if flag == "-d" || flag == "--dest-dir" => Ok(root.join(dir)),
        _ => bail!("usage: cargo xtask build [-d DIR] (got {rest:?})"),
    }
}

/// Builds the Chinese book into `dest` and each translated edition into `dest/<language>`. The
/// Chinese build comes first: mdBook empties its destination, editions included.
fn build(root: &Path, dest: &Path) -> Result<ExitCode> {
    let mut cmd = mdbook(root);
    cmd.arg("build").arg("-d").arg(dest);
    let code = status(cmd, "mdbook build")?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    for edition in editions(root)? {
        let out = dest.join(&edition.language);
        let mut cmd = mdbook(root);
        cmd.arg("build").arg("-d").arg(&out);
        for (key, value) in edition_env(root, &edition)? {
            cmd.env(key, value);
        }
        let code = status(cmd, &format!("mdbook build of the {} edition", edition.language))?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
        eprintln!("xtask: the {} edition is in {}", edition.language, out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `.tools/bin/mdbook` at the root, with the book's configuration book.toml's alone.
fn mdbook(root: &Path) -> Command {
    let mut cmd = Command::new(tool_bin(root, "mdbook"));
    cmd.current_dir(root);
    for (key, _) in env::vars_os() {
        if key.to_string_lossy().starts_with("MDBOOK_") {
            cmd.env_remove(&key);
        }
    }
    cmd
}

/// The book.toml of the root, parsed.
fn book_toml(root: &Path) -> Result<toml::Table> {
    let path = root.join("book.toml");
    let text = fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    text.parse().with_context(|| format!("{} is not valid TOML", path.display()))
}

fn table_at<'t>(table: &'t toml::Table, path: &[&str]) -> Option<&'t toml::Table> {
    path.iter().try_fold(table, |t, key| t.get(*key)?.as_table())
}

/// The translated editions book.toml names, in the order of their languages.
fn editions(root: &Path) -> Result<Vec<Edition>> {
    let toml = book_toml(root)?;
    let Some(table) = table_at(&toml, &["preprocessor", "gettext", "editions"]) else {
        return Ok(Vec::new());
    };
    let mut editions = Vec::new();
    for (language, settings) in table {
        if language.is_empty() || !language.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            bail!("book.toml: preprocessor.gettext.editions.{language:?} is not a language tag");
        }
        let title = settings.get("title").and_then(|t| t.as_str()).map(str::to_string);
        editions.push(Edition { language: language.clone(), title });
    }
    Ok(editions)
}

/// The `MDBOOK_*` variables that turn the book into `edition`: its language (which makes
/// mdbook-gettext read po/<language>.po and the lab preprocessor write English boxes), its title,
/// and a site URL one level down, so that its 404 page links into its own directory.
fn edition_env(root: &Path, edition: &Edition) -> Result<Vec<(&'static str, String)>> {
    let toml = book_toml(root)?;
    let site = table_at(&toml, &["output", "html"])
        .and_then(|t| t.get("site-url"))
        .and_then(|v| v.as_str())
        .unwrap_or("/");
    let site = format!("{}/{}/", site.trim_end_matches('/'), edition.language);
    let mut vars = vec![
        ("MDBOOK_BOOK__LANGUAGE", json_string(&edition.language)),
        ("MDBOOK_OUTPUT__HTML__SITE_URL", json_string(&site)),
    ];
    if let Some(title) = &edition.title {
        vars.push(("MDBOOK_BOOK__TITLE", json_string(title)));
    }
    Ok(vars)
}

/// A JSON string: mdBook reads `MDBOOK_*` values as JSON first.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Extracts the messages of the Chinese book into po/messages.pot with `mdbook-xgettext`, then
/// updates each edition's po/<language>.po with `msgmerge` (new messages come in untranslated,
/// changed ones fuzzy), and prints how much is left to translate.
fn po(root: &Path) -> Result<ExitCode> {
    let pot = root.join(POT);
    // Source references without line numbers (`granularity: 0`), so that an edit of one chapter
    // does not renumber the whole .po file; the translation test prints exact lines.
    let output = format!(
        r#"{{"xgettext": {{"command": {}, "granularity": 0}}}}"#,
        json_string(&tool_bin(root, "mdbook-xgettext").to_string_lossy())
    );
    let mut cmd = mdbook(root);
    cmd.arg("build").arg("-d").arg(pot.parent().context("po/ has no parent")?).env("MDBOOK_OUTPUT", output);
    let code = status(cmd, "mdbook-xgettext")?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    eprintln!("xtask: wrote {}", pot.display());
    for edition in editions(root)? {
        let po = root.join("po").join(format!("{}.po", edition.language));
        if !po.is_file() {
            // A copy of the template in the edition's language. (Not `msginit`: for an English
            // locale it fills every msgstr with its msgid, which would pass for translated.)
            let template =
                fs::read_to_string(&pot).with_context(|| format!("cannot read {}", pot.display()))?;
            let language = format!("\"Language: {}\\n\"", edition.language);
            let start = match template.lines().find(|l| l.starts_with("\"Language: ")) {
                Some(header) => template.replacen(header, &language, 1),
                None => template,
            };
            fs::write(&po, start).with_context(|| format!("cannot write {}", po.display()))?;
            eprintln!("xtask: started {} from {POT}", po.display());
        }
        let mut cmd = Command::new("msgmerge");
        cmd.args(["--update", "--backup=none", "--quiet"]).arg(&po).arg(&pot).current_dir(root);
        let code = status(cmd, "msgmerge (GNU gettext: apt-get install gettext)")?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
        // Messages gone from the book go from the file too (git keeps their history).
        let mut cmd = Command::new("msgattrib");
        cmd.args(["--no-obsolete", "--output-file"]).arg(&po).arg(&po).current_dir(root);
        let code = status(cmd, "msgattrib (GNU gettext)")?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
        let mut cmd = Command::new("msgfmt");
        cmd.args(["--check-format", "--statistics", "-o", "/dev/null"]).arg(&po).current_dir(root);
        status(cmd, "msgfmt")?;
    }
    eprintln!(
        "xtask: now translate the empty and the fuzzy entries (remove `#, fuzzy` when done), \
         then run `cargo test -p checker --test translation`"
    );
    Ok(ExitCode::SUCCESS)
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
    match installed_version(root, tool) {
        Some(v) if v == tool.version => return Ok(()),
        Some(v) => eprintln!("xtask: {} is {v}, want {}: reinstalling", tool.krate, tool.version),
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
    match installed_version(root, tool) {
        Some(v) if v == tool.version => Ok(()),
        other => bail!("after installing, {} is version {:?}, not {}", tool.krate, other, tool.version),
    }
}

/// The version of `tool` in `.tools/`: the one `cargo install` recorded in `.tools/.crates.toml`
/// (lines like `"mdbook 0.5.4 (registry+…)" = ["mdbook"]`), if all its binaries are there. (Not
/// `--version`: mdbook-i18n-helpers' binaries have no such flag.)
fn installed_version(root: &Path, tool: &Tool) -> Option<String> {
    if !tool.bins.iter().all(|b| tool_bin(root, b).is_file()) {
        return None;
    }
    let manifest = fs::read_to_string(root.join(".tools/.crates.toml")).ok()?;
    manifest.lines().find_map(|line| {
        let mut words = line.strip_prefix('"')?.split_whitespace();
        (words.next()? == tool.krate).then(|| words.next().map(str::to_string))?
    })
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
