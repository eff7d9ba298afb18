//! What the spec says a learner should do next: the root causes the checker tells apart, the
//! lab's own words for them, and hints chosen by what was observed.
//!
//! The checker finds one root cause per failing or pending step (a missing pod, an image it
//! cannot pull, a crash loop, ...) and words a next action for it from the spec's data (the
//! manifest, the pod, the namespace). A step may replace that action with its own words
//! (`causes:`); an expectation may give different hints for different observations (`hints:`).

use serde::{Deserialize, Serialize};

use crate::Text;

/// The kinds of root cause the checker tells apart, from the most basic to the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CauseKind {
    /// A pod the step looks at does not exist (or its namespace does not).
    Missing,
    /// The pod is being deleted.
    Terminating,
    /// The pod was not made from the lab's manifest (other containers).
    SpecMismatch,
    /// The API server is too old for the step (it dropped a field the manifest sets).
    OldServer,
    /// A container's image cannot be pulled (`ErrImagePull`, `ImagePullBackOff`, ...).
    ImagePull,
    /// A container keeps crashing (`CrashLoopBackOff`) where the step does not expect it.
    CrashLoop,
    /// The kubelet cannot create or start a container (`CreateContainerConfigError`, ...).
    ConfigError,
    /// An init container exited with a non-zero code.
    InitFailed,
    /// The pod's phase is final (`Failed`, `Succeeded`): it will not run again.
    Terminal,
    /// The API server refused the checker a read it needs.
    AccessDenied,
    /// The source has no data to decide (a file without logs or pages).
    Unverifiable,
    /// One expectation does not hold, for no deeper cause the checker knows.
    Expectation,
    /// Nothing is wrong yet: the cluster is still on its way (pending).
    Progressing,
}

impl CauseKind {
    /// Whether a step may give its own words for this cause (`causes:`). The others have their
    /// words elsewhere: `pending_hint` (progressing), the expectation's hints (expectation), or
    /// none of the lab's (unverifiable).
    pub fn has_lab_words(self) -> bool {
        !matches!(self, CauseKind::Progressing | CauseKind::Expectation | CauseKind::Unverifiable)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CauseKind::Missing => "missing",
            CauseKind::Terminating => "terminating",
            CauseKind::SpecMismatch => "spec_mismatch",
            CauseKind::OldServer => "old_server",
            CauseKind::ImagePull => "image_pull",
            CauseKind::CrashLoop => "crash_loop",
            CauseKind::ConfigError => "config_error",
            CauseKind::InitFailed => "init_failed",
            CauseKind::Terminal => "terminal",
            CauseKind::AccessDenied => "access_denied",
            CauseKind::Unverifiable => "unverifiable",
            CauseKind::Expectation => "expectation",
            CauseKind::Progressing => "progressing",
        }
    }
}

/// A hint for one observed situation, tried before the expectation's `hint`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ObservedHint {
    pub when: When,
    pub hint: Text,
}

/// A situation observed on the check's pod; every condition given must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// The pod's phase: `Pending`, `Running`, `Succeeded` or `Failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The state of the container the check names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerWhen>,
}

/// A state of a container, in the words of its status.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ContainerWhen {
    /// It has never run.
    NotStarted,
    /// It runs now.
    Running,
    /// It ran to completion with exit code 0 (its current instance).
    Completed,
    /// It exited with a non-zero code (now or in its last state).
    Failed,
    /// It waits for an image it cannot pull.
    ImagePull,
    /// It waits in `CrashLoopBackOff`.
    CrashLoop,
}

/// The phases a pod can be in.
pub const PHASES: &[&str] = &["Pending", "Running", "Succeeded", "Failed", "Unknown"];
