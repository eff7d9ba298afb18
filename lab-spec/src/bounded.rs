//! Reading files with a bound, for every reader of lab specs (the checker, `checker lint`,
//! `mdbook-lab`) and for the checker's other files.
//!
//! A file must be a regular file (a FIFO or a device would block or never end), no larger than
//! its cap, and UTF-8 text; a leading byte order mark (Windows editors write one) is dropped
//! ([`read_text`]). YAML is then checked against [`YamlLimits`] before serde_yaml reads it
//! ([`check_yaml`]), so that no accepted file can grow the process past 256 MiB (`cargo xtask
//! bench` prints the peak memory of the worst files we could construct). A lab spec or the
//! catalog is read with both, within [`SPEC_LIMIT`] and [`SPEC_YAML`] ([`read_spec_file`]).
//!
//! Why a file was refused is said of the file in both languages ([`Unreadable`]), for the reader
//! to put its name in front: "labs/a/lab.yaml is larger than the limit of 1 MiB".

mod yaml;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::{SpecError, Text};

pub use yaml::{Limit, Refusal, YamlLimits, check_yaml};

/// One mebibyte, for the caps.
pub const MIB: u64 = 1024 * 1024;

/// The cap on a lab spec or the catalog (a lab spec is a few dozen KiB).
pub const SPEC_LIMIT: u64 = MIB;

/// What a lab spec's (or the catalog's) YAML may expand to.
pub const SPEC_YAML: YamlLimits =
    YamlLimits { events: 100_000, nodes: 100_000, mappings: 10_000, scalar_bytes: 2 * MIB, depth: 32 };

/// Why a file could not be read, said of the file in both languages, without its name ("is not
/// a regular file (a directory, pipe or device)"): the reader puts the name in front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub Text);

fn said(zh: String, en: String) -> Unreadable {
    Unreadable(Text { zh, en })
}

/// Reads a whole text file of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, Unreadable> {
    // Look before opening: opening a FIFO for reading blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(open_error)?;
    if !meta.is_file() {
        return Err(said(
            "不是普通文件（而是目录、管道或设备）".into(),
            "is not a regular file (a directory, pipe or device)".into(),
        ));
    }
    if meta.len() > limit {
        return Err(too_large(limit));
    }
    let file = File::open(path).map_err(open_error)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow after the look: read one byte past the cap to notice.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(open_error)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        said(format!("不是 UTF-8 文本（第 {at} 字节处）"), format!("is not UTF-8 text (at byte {at})"))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

fn too_large(limit: u64) -> Unreadable {
    let cap = format_size(limit);
    said(format!("超过 {cap} 的上限"), format!("is larger than the limit of {cap}"))
}

fn open_error(e: std::io::Error) -> Unreadable {
    match e.kind() {
        std::io::ErrorKind::NotFound => said("不存在".into(), "does not exist".into()),
        std::io::ErrorKind::PermissionDenied => {
            said("无法读取：没有权限".into(), "cannot be read: permission denied".into())
        }
        _ => said(format!("无法读取：{e}"), format!("cannot be read: {e}")),
    }
}

/// A YAML text refused for a limit, said of its file: "is too large to read: its aliases …".
pub fn too_large_yaml(why: &Text) -> Unreadable {
    said(format!("过大，不予读取：{}", why.zh), format!("is too large to read: {}", why.en))
}

/// The text of a lab spec or of the catalog, read with [`SPEC_LIMIT`] and checked against
/// [`SPEC_YAML`]; `shown` names it in errors. A syntax error is the spec's own ("malformed lab
/// spec FILE:LINE: …"), a refusal [`SpecError::unreadable`].
pub fn read_spec_file(path: &Path, shown: &str) -> Result<String, SpecError> {
    let text = read_text(path, SPEC_LIMIT).map_err(|why| SpecError::unreadable(shown, why))?;
    check_yaml(&text, &SPEC_YAML).map_err(|refusal| match refusal {
        Refusal::Syntax { line, reason } => SpecError { line: Some(line), ..SpecError::new(shown, reason) },
        Refusal::Limit { why, .. } => SpecError::unreadable(shown, too_large_yaml(&why)),
    })?;
    Ok(text)
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
mod tests;
