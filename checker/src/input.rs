//! Reading the files a learner hands us (`--from`, kubeconfigs and the files they name, class
//! files) and the ones we keep (progress), with a bound: lab_spec's bounded reading
//! ([`lab_spec::bounded`]), with the checker's caps and its errors.
//!
//! A file must be a regular file (a FIFO or a device would block or never end), no larger than
//! its cap, and UTF-8 text; a leading byte order mark (Windows editors write one) is dropped.
//! YAML is then checked against [`YamlLimits`] before serde_yaml reads it ([`check_yaml`]), so
//! that no accepted file can grow the process past 256 MiB (`cargo xtask bench` prints the peak
//! memory of the worst files we could construct). Every refusal is one line naming the file.
//! Lab specs and the catalog are lab_spec's to read ([`lab_spec::LabSpec::load`],
//! [`lab_spec::Labs::load`]), within [`lab_spec::bounded::SPEC_LIMIT`] and
//! [`lab_spec::bounded::SPEC_YAML`], for every reader of them (the book's build included).

use std::path::Path;

use lab_spec::bounded::{self, Limit, Refusal, Unreadable};

use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::msg;

pub use lab_spec::bounded::{MIB, YamlLimits, format_size};

/// The cap on a saved state given to `--from` (a snapshot of the lab's pods, logs and events).
pub const SAVED_STATE_LIMIT: u64 = 16 * MIB;

/// What a saved state's YAML may expand to. A `checker snapshot` of the lab or `kubectl get pods
/// -n NS -o yaml` of a namespace of a few hundred pods is far inside; a whole cluster's pods are
/// not (save one namespace).
pub const SAVED_STATE_YAML: YamlLimits =
    YamlLimits { events: 300_000, nodes: 300_000, mappings: 16_384, scalar_bytes: 20 * MIB, depth: 64 };

/// The cap on each kubeconfig file. A kubeconfig with every certificate embedded takes about
/// 10 KiB per cluster; 4 MiB holds hundreds of clusters (a company's generated kubeconfig).
pub const KUBECONFIG_LIMIT: u64 = 4 * MIB;

/// What a kubeconfig's YAML may expand to (its `extensions` hold any YAML at all).
pub const KUBECONFIG_YAML: YamlLimits =
    YamlLimits { events: 200_000, nodes: 200_000, mappings: 20_000, scalar_bytes: 8 * MIB, depth: 32 };

/// The cap on each file a kubeconfig names: `certificate-authority` (a CA bundle, the system's
/// whole bundle is about 200 KiB), `client-certificate`, `client-key` and `tokenFile`.
pub const CREDENTIAL_FILE_LIMIT: u64 = MIB;

/// The cap on the progress file (a few kilobytes per lab, context and namespace, with what each
/// step observed when it last passed).
pub const PROGRESS_LIMIT: u64 = 4 * MIB;

/// Checks YAML text read from `path` against `limits` before it is parsed for real; a syntax
/// error is "malformed file PATH:LINE: …".
pub fn check_yaml(text: &str, path: &Path, limits: &YamlLimits) -> Result<()> {
    check_yaml_or(text, path, limits, |line, reason| malformed(path, line, &reason))
}

/// [`check_yaml`], with the caller's words for a syntax error (at a 1-based line).
pub fn check_yaml_or(
    text: &str,
    path: &Path,
    limits: &YamlLimits,
    syntax: impl FnOnce(usize, String) -> Error,
) -> Result<()> {
    bounded::check_yaml(text, limits).map_err(|refusal| match refusal {
        Refusal::Syntax { line, reason } => syntax(line, reason),
        Refusal::Limit { why, .. } => unreadable(path, bounded::too_large_yaml(&why)),
    })
}

/// [`check_yaml`] for a saved state (`--from`): too many nodes as written says what to save.
/// One pass over the text.
pub fn check_saved_state(text: &str, path: &Path) -> Result<()> {
    bounded::check_yaml(text, &SAVED_STATE_YAML).map_err(|refusal| match refusal {
        Refusal::Limit { limit: Limit::Events, why } => {
            let Unreadable(said) = bounded::too_large_yaml(&why);
            let (shown, zh, en) = (path.display(), said.zh, said.en);
            Error::Input(msg!(
                "{shown} {zh}：只保存实验的命名空间（`checker snapshot`，或 `kubectl get pods -n 命名空间 -o yaml`）",
                "{shown} {en}: save only the lab's namespace (`checker snapshot`, or `kubectl get pods -n NAMESPACE -o yaml`)"
            ))
        }
        Refusal::Limit { why, .. } => unreadable(path, bounded::too_large_yaml(&why)),
        Refusal::Syntax { line, reason } => malformed(path, line, &reason),
    })
}

/// `malformed file PATH:LINE: …`, in both languages.
fn malformed(path: &Path, line: usize, reason: &str) -> Error {
    let shown = path.display();
    Error::Input(msg!("文件格式有误 {shown}:{line}：{reason}", "malformed file {shown}:{line}: {reason}"))
}

/// Reads a whole text file of at most `limit` bytes ([`lab_spec::bounded::read_text`]).
pub fn read_text(path: &Path, limit: u64) -> Result<String> {
    bounded::read_text(path, limit).map_err(|why| unreadable(path, why))
}

/// `PATH is larger than the limit of 1 MiB`, in both languages.
fn unreadable(path: &Path, Unreadable(why): Unreadable) -> Error {
    let (shown, zh, en) = (path.display(), why.zh, why.en);
    Error::Input(Msg::new(format!("{shown} {zh}"), format!("{shown} {en}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(err: Error) -> String {
        err.text(crate::i18n::Lang::En).to_string()
    }

    #[test]
    fn a_refused_file_is_named_in_both_languages() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, "x".repeat(101)).unwrap();
        let err = read_text(&big, 100).unwrap_err();
        let shown = big.display();
        assert_eq!(err.message().en, format!("{shown} is larger than the limit of 100 B"));
        assert_eq!(err.message().zh, format!("{shown} 超过 100 B 的上限"));
        assert!(text_of(read_text(dir.path(), 100).unwrap_err()).contains("not a regular file"));
    }

    #[test]
    fn too_many_nodes_in_a_saved_state_says_what_to_save() {
        let path = Path::new("pods.yaml");
        let list = format!("kind: List\nitems: [{}]\n", vec!["1"; 300_001].join(","));
        let err = text_of(check_saved_state(&list, path).unwrap_err());
        assert!(
            err.starts_with("pods.yaml is too large to read: it has more than 300000 YAML nodes: save only")
        );
        let bomb = "a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n".to_string()
            + &format!("c: [{}]\n", vec!["*b"; 20_000].join(","));
        let err = text_of(check_saved_state(&bomb, path).unwrap_err());
        assert!(err.starts_with("pods.yaml is too large to read: its aliases (*name) expand"), "{err}");
    }
}
