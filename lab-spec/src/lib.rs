//! The lab spec: the one source of truth for the lab's steps, what each step expects of the
//! cluster, and the hints a learner gets.
//!
//! Both halves of the project read it: the `checker` binary evaluates the expectations against a
//! cluster, and the book's `mdbook-lab` preprocessor renders the same expectations into the
//! verify boxes. The spec is YAML (`lab.yaml` beside this crate), parsed with `serde_yaml` into the
//! typed structs below; unknown fields are rejected so that a typo cannot silently drop a check.
//!
//! Adding a step whose expectations are of existing kinds needs no Rust: add it to `lab.yaml`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The lab spec this crate ships with, embedded so that an installed `checker` is self-contained.
pub const EMBEDDED_SPEC: &str = include_str!("../lab.yaml");

/// Where [`EMBEDDED_SPEC`] lives, relative to the repository root (for error messages).
pub const EMBEDDED_SPEC_PATH: &str = "lab-spec/lab.yaml";

/// The spec format this crate understands. Bumped on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

/// The whole lab: its metadata, the goals of the original record and the steps.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LabSpec {
    /// Spec format version; must equal [`FORMAT_VERSION`].
    pub version: u32,
    /// Stable identifier of the lab, used in the progress file.
    pub id: String,
    pub title: Text,
    /// The namespace the lab's manifests create and the checker looks in by default.
    pub namespace: String,
    /// The manifest (relative to the repository root) that grants the checker the read access
    /// this lab's checks need (a Role and its binding). Messages about a refused request name
    /// it; without it they only say which permission is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rbac: Option<String>,
    /// The record's goals, each achieved when all the steps it names have passed.
    pub goals: Vec<Goal>,
    pub steps: Vec<Step>,
}

/// A text in the book's two languages. Chinese is the lab's first language.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

/// The languages the lab is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    pub id: String,
    pub text: Text,
    /// Step numbers that must all have passed for this goal to count as achieved.
    pub steps: Vec<u32>,
}

/// One hands-on step of the lab.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The number a learner types: `checker step 1`.
    pub number: u32,
    /// A stable, short identifier (`deploy`, `logs`, ...), used in JSON output.
    pub id: String,
    pub title: Text,
    /// The manifest the learner applies for this step, relative to the repository root.
    #[serde(default)]
    pub manifest: Option<String>,
    /// What to do when the step is still pending (e.g. "wait and run again").
    pub pending_hint: Text,
    pub expectations: Vec<Expectation>,
}

/// One thing a step expects of the cluster, with the text shown when it does not hold.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Unique within its step; used in JSON output.
    pub id: String,
    /// What is expected, in words, as shown in the book's verify box and the report.
    pub description: Text,
    /// What to do when the expectation fails: usually the exact `kubectl` command to investigate.
    pub hint: Text,
    /// What is checked: a [`Check`] with its `kind` and parameters.
    pub check: Check,
}

/// The kinds of expectation the checker knows how to evaluate.
///
/// Each kind distinguishes "not there yet" (pending) from "wrong" (fail); see the checker's
/// `evaluate` module for the exact rules.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// The pod exists (and is not being deleted).
    PodExists { pod: String },
    /// The pod's spec has exactly these init containers and containers, in this order.
    Containers { pod: String, init: Vec<String>, main: Vec<String> },
    /// Every image of the pod names an exact tag (not `latest`) or a digest.
    ImagesPinned { pod: String },
    /// The container ran to completion with exit code 0.
    Completed { pod: String, container: String },
    /// The container started at or after `after` finished (serial execution) or, with
    /// `after_event: started`, at or after `after` started (a regular init container after a
    /// sidecar, which never finishes).
    StartedAfter {
        pod: String,
        container: String,
        after: String,
        #[serde(default)]
        after_event: AfterEvent,
    },
    /// The container is running and ready.
    Ready { pod: String, container: String },
    /// The container failed with a non-zero exit code (now or in its last state) and was
    /// restarted at least `min_restarts` times.
    Failed { pod: String, container: String, min_restarts: u32 },
    /// The container has never started (it waits, e.g. with reason `PodInitializing`).
    NeverStarted { pod: String, container: String },
    /// The pod's phase is this one (`Pending`, `Running`, ...).
    Phase { pod: String, phase: String },
    /// The pod's condition of this type has this status (`True`/`False`).
    Condition { pod: String, condition: String, status: String },
    /// The container's log contains one of these texts.
    LogContains { pod: String, container: String, any_of: Vec<String> },
    /// None of the lab's pods (every pod any step names) remain in the namespace.
    LabPodsGone,
    /// The page the pod serves at `path` (read through the API server's pod proxy, read-only)
    /// contains `contains`.
    ServesPage {
        pod: String,
        #[serde(default = "root_path")]
        path: String,
        contains: String,
    },
    /// The init container is a native sidecar (`restartPolicy: Always` kept in the stored spec)
    /// that has started and is running.
    Sidecar { pod: String, container: String },
    /// kubectl's READY column shows exactly this, e.g. `2/2` (sidecars count).
    ReadyColumn { pod: String, ready: String },
}

/// Which moment of the other container a [`Check::StartedAfter`] compares with.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AfterEvent {
    #[default]
    Finished,
    Started,
}

fn root_path() -> String {
    "/".into()
}

impl Check {
    /// The pod this check looks at, if it looks at one.
    pub fn pod(&self) -> Option<&str> {
        match self {
            Check::PodExists { pod }
            | Check::Containers { pod, .. }
            | Check::ImagesPinned { pod }
            | Check::Completed { pod, .. }
            | Check::StartedAfter { pod, .. }
            | Check::Ready { pod, .. }
            | Check::Failed { pod, .. }
            | Check::NeverStarted { pod, .. }
            | Check::Phase { pod, .. }
            | Check::Condition { pod, .. }
            | Check::LogContains { pod, .. }
            | Check::ServesPage { pod, .. }
            | Check::Sidecar { pod, .. }
            | Check::ReadyColumn { pod, .. } => Some(pod),
            Check::LabPodsGone => None,
        }
    }
}

impl Step {
    /// The pods this step looks at, in the order they are first named.
    pub fn pods(&self) -> Vec<&str> {
        let mut pods: Vec<&str> = Vec::new();
        for e in &self.expectations {
            if let Some(p) = e.check.pod()
                && !pods.contains(&p)
            {
                pods.push(p);
            }
        }
        pods
    }

    /// The containers whose logs this step reads, as `(pod, container)`.
    pub fn logs(&self) -> Vec<(&str, &str)> {
        self.expectations
            .iter()
            .filter_map(|e| match &e.check {
                Check::LogContains { pod, container, .. } => Some((pod.as_str(), container.as_str())),
                _ => None,
            })
            .collect()
    }
}

impl Step {
    /// The pages this step reads through the pod proxy, as `(pod, path)`.
    pub fn pages(&self) -> Vec<(&str, &str)> {
        self.expectations
            .iter()
            .filter_map(|e| match &e.check {
                Check::ServesPage { pod, path, .. } => Some((pod.as_str(), path.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Whether an expectation needs the API server's version (to explain a dropped field).
    pub fn needs_server_version(&self) -> bool {
        self.expectations.iter().any(|e| matches!(e.check, Check::Sidecar { .. }))
    }
}

impl LabSpec {
    /// The spec embedded in this build.
    pub fn embedded() -> Result<LabSpec, SpecError> {
        LabSpec::parse(EMBEDDED_SPEC, EMBEDDED_SPEC_PATH)
    }

    /// Reads and validates a spec file.
    pub fn load(path: &Path) -> Result<LabSpec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| SpecError {
            file: path.display().to_string(),
            line: None,
            reason: e.to_string(),
        })?;
        LabSpec::parse(&text, &path.display().to_string())
    }

    /// Parses and validates spec text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<LabSpec, SpecError> {
        let spec: LabSpec = serde_yaml::from_str(text).map_err(|e| SpecError {
            file: file.to_string(),
            line: e.location().map(|l| l.line()),
            reason: e.to_string(),
        })?;
        spec.validate().map_err(|reason| SpecError { file: file.to_string(), line: None, reason })?;
        Ok(spec)
    }

    pub fn step(&self, number: u32) -> Option<&Step> {
        self.steps.iter().find(|s| s.number == number)
    }

    /// Every pod any step names, in order of first mention: the lab's pods.
    pub fn pods(&self) -> Vec<&str> {
        let mut pods: Vec<&str> = Vec::new();
        for step in &self.steps {
            for p in step.pods() {
                if !pods.contains(&p) {
                    pods.push(p);
                }
            }
        }
        pods
    }

    /// The rules serde cannot express: versions, unique numbers and ids, references that resolve.
    fn validate(&self) -> Result<(), String> {
        if self.version != FORMAT_VERSION {
            return Err(format!(
                "unsupported spec version {} (this checker reads version {FORMAT_VERSION})",
                self.version
            ));
        }
        if self.steps.is_empty() {
            return Err("the spec has no steps".into());
        }
        if self.rbac.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err("rbac is empty: name the RBAC manifest, or leave the field out".into());
        }
        let mut numbers = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for step in &self.steps {
            if !numbers.insert(step.number) {
                return Err(format!("step number {} is used twice", step.number));
            }
            if !ids.insert(step.id.as_str()) {
                return Err(format!("step id `{}` is used twice", step.id));
            }
            if step.expectations.is_empty() {
                return Err(format!("step {} has no expectations", step.number));
            }
            let mut check_ids = BTreeSet::new();
            for e in &step.expectations {
                if !check_ids.insert(e.id.as_str()) {
                    return Err(format!("step {}: expectation id `{}` is used twice", step.number, e.id));
                }
                if let Check::ServesPage { path, .. } = &e.check
                    && !path.starts_with('/')
                {
                    return Err(format!(
                        "step {}: expectation `{}`: path must start with /",
                        step.number, e.id
                    ));
                }
                if let Check::LogContains { any_of, .. } = &e.check
                    && any_of.is_empty()
                {
                    return Err(format!("step {}: expectation `{}` has an empty any_of", step.number, e.id));
                }
            }
        }
        for goal in &self.goals {
            if let Some(n) = goal.steps.iter().find(|n| !numbers.contains(n)) {
                return Err(format!("goal `{}` names step {n}, which does not exist", goal.id));
            }
        }
        Ok(())
    }
}

/// A spec that could not be read: which file, which line if known, and why.
#[derive(Debug, Clone, thiserror::Error)]
pub struct SpecError {
    pub file: String,
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "malformed lab spec {}:{line}: {}", self.file, self.reason),
            None => write!(f, "malformed lab spec {}: {}", self.file, self.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_spec_parses_and_names_the_records_steps() {
        let spec = LabSpec::embedded().expect("embedded spec");
        let numbers: Vec<u32> = spec.steps.iter().map(|s| s.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6]);
        assert!(numbers.contains(&6));
        assert_eq!(spec.namespace, "experiments");
        assert!(spec.pods().contains(&"init-demo"));
        assert!(spec.pods().contains(&"init-demo-fail"));
    }

    #[test]
    fn the_rbac_manifest_is_named_by_the_spec_and_exists() {
        let spec = LabSpec::embedded().unwrap();
        let rbac = spec.rbac.expect("the lab names its RBAC manifest");
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(&rbac);
        assert!(path.is_file(), "{} does not exist", path.display());
        let without = EMBEDDED_SPEC.replacen(&format!("rbac: {rbac}\n"), "", 1);
        assert_eq!(LabSpec::parse(&without, "lab.yaml").unwrap().rbac, None, "rbac is optional");
        let empty = EMBEDDED_SPEC.replacen(&format!("rbac: {rbac}"), "rbac: ''", 1);
        let err = LabSpec::parse(&empty, "lab.yaml").unwrap_err();
        assert!(err.reason.contains("rbac is empty"), "{err}");
    }

    #[test]
    fn unknown_field_is_reported_with_its_line() {
        let text =
            EMBEDDED_SPEC.replacen("namespace: experiments", "namespace: experiments\nnamespaec: x", 1);
        let err = LabSpec::parse(&text, "lab.yaml").unwrap_err();
        assert!(err.line.is_some(), "{err}");
        assert!(err.to_string().contains("namespaec"), "{err}");
    }

    #[test]
    fn unknown_check_kind_is_rejected() {
        let text = EMBEDDED_SPEC.replacen("kind: pod_exists", "kind: pod_exist", 1);
        let err = LabSpec::parse(&text, "lab.yaml").unwrap_err();
        assert!(err.to_string().contains("pod_exist"), "{err}");
        assert!(err.to_string().starts_with("malformed lab spec lab.yaml:"), "{err}");
    }

    #[test]
    fn duplicate_step_numbers_are_rejected() {
        let text = EMBEDDED_SPEC.replacen("number: 2", "number: 1", 1);
        let err = LabSpec::parse(&text, "lab.yaml").unwrap_err();
        assert!(err.reason.contains("step number 1 is used twice"), "{err}");
    }

    #[test]
    fn wrong_version_is_rejected() {
        let text = EMBEDDED_SPEC.replacen("version: 1", "version: 99", 1);
        let err = LabSpec::parse(&text, "lab.yaml").unwrap_err();
        assert!(err.reason.contains("unsupported spec version 99"), "{err}");
    }
}
