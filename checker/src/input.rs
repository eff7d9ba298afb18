//! Reading the files a learner hands us (`--from`, kubeconfigs and the files they name, lab
//! specs) and the ones we keep (progress), with a bound.
//!
//! A file must be a regular file (a FIFO or a device would block or never end), no larger than
//! its cap, and UTF-8 text; a leading byte order mark (Windows editors write one) is dropped.
//! YAML is then checked against [`YamlLimits`] before serde_yaml reads it ([`check_yaml`]), so
//! that no accepted file can grow the process past 256 MiB (`cargo xtask bench` prints the peak
//! memory of the worst files we could construct). Every refusal is one line naming the file.

mod yaml;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};
use crate::msg;

/// One mebibyte, for the caps below.
pub const MIB: u64 = 1024 * 1024;

/// The cap on a saved state given to `--from` (a snapshot of the lab's pods, logs and events).
pub const SAVED_STATE_LIMIT: u64 = 16 * MIB;

/// What a saved state's YAML may expand to. A `checker snapshot` of the lab or `kubectl get pods
/// -n NS -o yaml` of a namespace of a few hundred pods is far inside; a whole cluster's pods are
/// not (save one namespace).
pub const SAVED_STATE_YAML: YamlLimits =
    YamlLimits { events: 300_000, nodes: 300_000, mappings: 16_384, scalar_bytes: 20 * MIB, depth: 64 };

/// The cap on a lab spec.
pub const SPEC_LIMIT: u64 = MIB;

/// The cap on each kubeconfig file. A kubeconfig with every certificate embedded takes about
/// 10 KiB per cluster; 4 MiB holds hundreds of clusters (a company's generated kubeconfig).
pub const KUBECONFIG_LIMIT: u64 = 4 * MIB;

/// What a kubeconfig's YAML may expand to (its `extensions` hold any YAML at all).
pub const KUBECONFIG_YAML: YamlLimits =
    YamlLimits { events: 200_000, nodes: 200_000, mappings: 20_000, scalar_bytes: 8 * MIB, depth: 32 };

/// The cap on each file a kubeconfig names: `certificate-authority` (a CA bundle, the system's
/// whole bundle is about 200 KiB), `client-certificate`, `client-key` and `tokenFile`.
pub const CREDENTIAL_FILE_LIMIT: u64 = MIB;

/// What a lab spec's YAML may expand to.
pub const SPEC_YAML: YamlLimits =
    YamlLimits { events: 100_000, nodes: 100_000, mappings: 10_000, scalar_bytes: 2 * MIB, depth: 32 };

/// The cap on the progress file (a few kilobytes per lab, context and namespace, with what each
/// step observed when it last passed).
pub const PROGRESS_LIMIT: u64 = 4 * MIB;

pub use yaml::{Refusal, YamlLimits};

/// Checks YAML text read from `path` against `limits` before it is parsed for real; a syntax
/// error is "malformed file PATH:LINE: …".
pub fn check_yaml(text: &str, path: &Path, limits: &YamlLimits) -> Result<()> {
    let shown = path.display();
    check_yaml_or(text, path, limits, |line, reason| {
        Error::Input(msg!("文件格式有误 {shown}:{line}：{reason}", "malformed file {shown}:{line}: {reason}"))
    })
}

/// [`check_yaml`], with the caller's words for a syntax error (at a 1-based line).
pub fn check_yaml_or(
    text: &str,
    path: &Path,
    limits: &YamlLimits,
    syntax: impl FnOnce(usize, String) -> Error,
) -> Result<()> {
    yaml::check(text, limits).map_err(|refusal| match refusal {
        Refusal::Syntax { line, reason } => syntax(line, reason),
        Refusal::Limit(why) => too_large_yaml(path, &why),
    })
}

fn too_large_yaml(path: &Path, why: &crate::i18n::Msg) -> Error {
    let (shown, zh, en) = (path.display(), &why.zh, &why.en);
    Error::Input(msg!("{shown} 过大，不予读取：{zh}", "{shown} is too large to read: {en}"))
}

/// Reads a lab spec (`--spec`) with [`SPEC_LIMIT`] and [`SPEC_YAML`], then validates it.
pub fn load_spec(path: &Path) -> Result<lab_spec::LabSpec> {
    let file = path.display().to_string();
    let text = read_spec_text(path, &file)?;
    Ok(lab_spec::LabSpec::parse(&text, &file)?)
}

/// The text of a lab spec or catalog file, read with [`SPEC_LIMIT`] and checked against
/// [`SPEC_YAML`]; `shown` names it in errors.
pub fn read_spec_text(path: &Path, shown: &str) -> Result<String> {
    let text = read_text(path, SPEC_LIMIT)?;
    check_yaml_or(&text, path, &SPEC_YAML, |line, reason| {
        lab_spec::SpecError { file: shown.to_string(), line: Some(line), reason }.into()
    })?;
    Ok(text)
}

/// [`read_spec_text`] for a reader that reports a lab file's problems as lab_spec's own
/// ([`lab_spec::SpecError`], as `checker lint` does): the same bounds on the file and its YAML.
pub fn read_spec_checked(path: &Path, shown: &str) -> std::result::Result<String, lab_spec::SpecError> {
    let text = lab_spec::catalog::read_bounded(path, shown)?;
    yaml::check(&text, &SPEC_YAML).map_err(|refusal| match refusal {
        Refusal::Syntax { line, reason } => {
            lab_spec::SpecError { file: shown.to_string(), line: Some(line), reason }
        }
        Refusal::Limit(why) => lab_spec::SpecError::new(shown, format!("too large to read: {}", why.en)),
    })?;
    Ok(text)
}

/// The labs of the checkout at `root`, every file read as [`read_spec_text`] reads it.
pub fn load_labs(root: &Path) -> Result<lab_spec::Labs> {
    lab_spec::Labs::load_with(root, read_spec_text)
}

/// Reads a whole text file of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String> {
    let shown = path.display();
    // Look before opening: opening a FIFO for reading blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(|e| open_error(path, e))?;
    if !meta.is_file() {
        return Err(Error::Input(msg!(
            "{shown} 不是普通文件（而是目录、管道或设备）",
            "{shown} is not a regular file (a directory, pipe or device)"
        )));
    }
    if meta.len() > limit {
        return Err(too_large(path, limit));
    }
    let file = File::open(path).map_err(|e| open_error(path, e))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow after the look: read one byte past the cap to notice.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| open_error(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, limit));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Error::Input(msg!(
            "{shown} 不是 UTF-8 文本（第 {at} 字节处）",
            "{shown} is not UTF-8 text (at byte {at})"
        ))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

fn too_large(path: &Path, limit: u64) -> Error {
    let shown = path.display();
    let cap = format_size(limit);
    Error::Input(msg!("{shown} 超过 {cap} 的上限", "{shown} is larger than the limit of {cap}"))
}

fn open_error(path: &Path, e: std::io::Error) -> Error {
    let shown = path.display();
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::Input(msg!("{shown} 不存在", "{shown} does not exist")),
        std::io::ErrorKind::PermissionDenied => {
            Error::Input(msg!("没有读取 {shown} 的权限", "no permission to read {shown}"))
        }
        _ => Error::Input(msg!("无法读取 {shown}：{e}", "cannot read {shown}: {e}")),
    }
}

/// `16 MiB`, `512 KiB`, `100 B`.
pub fn format_size(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(err: Error) -> String {
        err.text(crate::i18n::Lang::En).to_string()
    }

    #[test]
    fn reads_text_and_drops_a_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pod.yaml");
        std::fs::write(&path, "\u{feff}kind: Pod\n").unwrap();
        assert_eq!(read_text(&path, 100).unwrap(), "kind: Pod\n");
    }

    #[test]
    fn refuses_what_is_not_a_small_regular_text_file() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, "x".repeat(101)).unwrap();
        assert!(text_of(read_text(&big, 100).unwrap_err()).contains("larger than the limit of 100 B"));
        assert!(text_of(read_text(dir.path(), 100).unwrap_err()).contains("not a regular file"));
        let binary = dir.path().join("bin");
        std::fs::write(&binary, [b'a', 0xff, 0xfe]).unwrap();
        assert!(text_of(read_text(&binary, 100).unwrap_err()).contains("not UTF-8 text (at byte 1)"));
        let missing = dir.path().join("missing");
        assert!(text_of(read_text(&missing, 100).unwrap_err()).ends_with("does not exist"));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo is not available; skipped");
            return;
        }
        assert!(text_of(read_text(&fifo, 100).unwrap_err()).contains("not a regular file"));
        assert!(text_of(read_text(Path::new("/dev/zero"), 100).unwrap_err()).contains("not a regular file"));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(format_size(16 * MIB), "16 MiB");
        assert_eq!(format_size(512 * 1024), "512 KiB");
        assert_eq!(format_size(100), "100 B");
    }
}
