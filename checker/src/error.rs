//! The checker's errors and the exit codes they map to.
//!
//! Every failure a learner can cause or meet (a typo, a broken kubeconfig, a cluster that is down
//! or refuses us) ends as one clear line and a distinct exit code, never a panic. The verdict of a
//! step is not an error: pending and fail are results, reported with exit code 1.
//!
//! An error carries its message in both languages ([`Msg`]); it is shown in the reader's
//! language where it is printed (`Display` uses the process's language) or served.

use std::process::ExitCode;

use crate::i18n::{Lang, Msg};

/// The checker's exit codes, as documented in the README and `checker --help`.
pub mod exit {
    /// The step passed (or the command did what it was asked).
    pub const PASS: u8 = 0;
    /// The step is pending or failed.
    pub const NOT_PASSED: u8 = 1;
    /// Usage, input or output error: unknown step, bad file, broken kubeconfig, malformed spec,
    /// standard output that cannot be written.
    pub const INPUT: u8 = 2;
    /// The cluster could not be reached, or refused access, or the credentials for it could not
    /// be had.
    pub const CLUSTER: u8 = 3;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line asks for something that does not exist (an unknown step, ...).
    #[error("{0}")]
    Usage(Msg),
    /// A file we were given or rely on cannot be used: kubeconfig, lab spec, snapshot, progress.
    #[error("{0}")]
    Input(Msg),
    /// Our output cannot be written (a full disk; a closed pipe is not an error).
    #[error("{0}")]
    Output(Msg),
    /// The API server could not be reached or did not answer in time.
    #[error("{0}")]
    Unreachable(Msg),
    /// The API server answered 401 or 403.
    #[error("{0}")]
    AccessDenied(Msg),
    /// The API server answered something we cannot use (5xx, a body that is not JSON, ...).
    #[error("{0}")]
    Server(Msg),
    /// No credentials to present: the kubeconfig's credential plugin failed, hung or printed
    /// something unusable.
    #[error("{0}")]
    Credentials(Msg),
}

impl Error {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Error::Usage(_) | Error::Input(_) | Error::Output(_) => exit::INPUT,
            Error::Unreachable(_) | Error::AccessDenied(_) | Error::Server(_) | Error::Credentials(_) => {
                exit::CLUSTER
            }
        })
    }

    pub fn message(&self) -> &Msg {
        match self {
            Error::Usage(m)
            | Error::Input(m)
            | Error::Output(m)
            | Error::Unreachable(m)
            | Error::AccessDenied(m)
            | Error::Server(m)
            | Error::Credentials(m) => m,
        }
    }

    /// The message in this language.
    pub fn text(&self, lang: Lang) -> &str {
        self.message().get(lang)
    }

    /// The kind of error as the served book's API names it (`{"kind": ...}`).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Unreachable(_) => "unreachable",
            Error::AccessDenied(_) => "access_denied",
            Error::Server(_) => "server",
            Error::Credentials(_) => "credentials",
            Error::Input(_) | Error::Usage(_) | Error::Output(_) => "input",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<lab_spec::SpecError> for Error {
    /// `FILE is larger than the limit of 1 MiB` for a file refused unread; else `malformed lab
    /// spec FILE[:LINE]: REASON` (the reason as serde or the validation wrote it, in English).
    fn from(e: lab_spec::SpecError) -> Self {
        if let Some(lab_spec::bounded::Unreadable(why)) = &e.unreadable {
            let (file, zh, en) = (&e.file, &why.zh, &why.en);
            return Error::Input(crate::msg!("{file} {zh}", "{file} {en}"));
        }
        let (file, reason) = (&e.file, &e.reason);
        let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        Error::Input(crate::msg!(
            "实验规格文件有误 {file}{at}：{reason}",
            "malformed lab spec {file}{at}: {reason}"
        ))
    }
}
