//! Facts read off a Pod object: a container's status by name, when it started and finished, and
//! a short description of its state in kubectl's words.
//!
//! Kept apart from `evaluate` so that the rules there read as rules, not as field access.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerState, ContainerStatus, Pod};
use lab_spec::Lang;

use crate::i18n::tr;

/// Waiting reasons that mean the container cannot make progress on its own: the learner has to
/// change something (image, configuration, command).
pub const BROKEN_WAITING_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "CrashLoopBackOff",
];

/// The status of the (init or main) container with this name, if the kubelet reported one.
pub fn container_status<'a>(pod: &'a Pod, name: &str) -> Option<&'a ContainerStatus> {
    let status = pod.status.as_ref()?;
    status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten())
        .find(|c| c.name == name)
}

/// Names of the init containers and of the main containers in the pod's spec, in order.
pub fn container_names(pod: &Pod) -> (Vec<&str>, Vec<&str>) {
    let Some(spec) = pod.spec.as_ref() else {
        return (Vec::new(), Vec::new());
    };
    let init = spec.init_containers.iter().flatten().map(|c| c.name.as_str()).collect();
    let main = spec.containers.iter().map(|c| c.name.as_str()).collect();
    (init, main)
}

/// Every image the pod's spec names, with its container's name.
pub fn images(pod: &Pod) -> Vec<(&str, &str)> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    spec.init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .map(|c| (c.name.as_str(), c.image.as_deref().unwrap_or("")))
        .collect()
}

/// Whether an image reference names an exact version: a digest, or a tag other than `latest`.
pub fn image_is_pinned(image: &str) -> bool {
    if image.contains("@sha256:") {
        return true;
    }
    // The tag follows the last ':' after the last '/' (a ':' before it belongs to a registry port).
    let last_segment = image.rsplit('/').next().unwrap_or(image);
    match last_segment.split_once(':') {
        Some((_, tag)) => !tag.is_empty() && tag != "latest",
        None => false,
    }
}

/// The container whose readiness probe GETs this path over HTTP, if one does.
pub fn readiness_probe_on<'a>(pod: &'a Pod, path: &str) -> Option<&'a str> {
    let spec = pod.spec.as_ref()?;
    spec.containers
        .iter()
        .find(|c| {
            let get = c.readiness_probe.as_ref().and_then(|p| p.http_get.as_ref());
            get.is_some_and(|g| g.path.as_deref().unwrap_or("/") == path)
        })
        .map(|c| c.name.as_str())
}

pub fn phase(pod: &Pod) -> &str {
    pod.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("")
}

pub fn restart_policy(pod: &Pod) -> &str {
    pod.spec.as_ref().and_then(|s| s.restart_policy.as_deref()).unwrap_or("Always")
}

/// The status (`"True"`, `"False"`, ...) of the pod condition of this type, if present.
pub fn condition<'a>(pod: &'a Pod, type_: &str) -> Option<&'a str> {
    pod.status.as_ref()?.conditions.iter().flatten().find(|c| c.type_ == type_).map(|c| c.status.as_str())
}

/// The reason of the pod's condition of this type, if it has one.
pub fn condition_reason<'a>(pod: &'a Pod, type_: &str) -> Option<&'a str> {
    let conditions = pod.status.as_ref()?.conditions.as_ref()?;
    conditions.iter().find(|c| c.type_ == type_)?.reason.as_deref()
}

pub fn is_terminating(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}

/// When the container's current instance started, if it has.
pub fn started_at(status: &ContainerStatus) -> Option<Timestamp> {
    let state = status.state.as_ref()?;
    if let Some(running) = &state.running {
        return running.started_at.as_ref().map(|t| t.0);
    }
    state.terminated.as_ref()?.started_at.as_ref().map(|t| t.0)
}

/// The earliest start a container's status still records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarliestStart {
    pub at: Timestamp,
    /// Whether `at` is the container's first start. The status keeps the current instance and,
    /// in `lastState`, the previous one: after a second restart the first start is lost.
    pub first: bool,
}

/// The earliest start the status records: the previous instance's (`lastState`) when the
/// container was restarted, else the current one's.
pub fn earliest_start(status: &ContainerStatus) -> Option<EarliestStart> {
    let previous =
        status.last_state.as_ref().and_then(|s| s.terminated.as_ref()).and_then(|t| t.started_at.as_ref());
    let known = [started_at(status), previous.map(|t| t.0)];
    let at = known.iter().flatten().min().copied()?;
    let instances = usize::try_from(status.restart_count).unwrap_or(0) + 1;
    Some(EarliestStart { at, first: known.iter().flatten().count() >= instances })
}

/// Whether this init container has `restartPolicy: Always` in the pod's spec: a sidecar.
pub fn is_sidecar(pod: &Pod, name: &str) -> bool {
    init_containers(pod).any(|c| c.name == name && c.restart_policy.as_deref() == Some("Always"))
}

/// Whether `first` and `then` are both init containers and `first` comes before `then`: the
/// kubelet starts `then` only once `first` has started (a sidecar) or completed.
pub fn init_container_before(pod: &Pod, first: &str, then: &str) -> bool {
    let position = |name: &str| init_containers(pod).position(|c| c.name == name);
    matches!((position(first), position(then)), (Some(a), Some(b)) if a < b)
}

fn init_containers(pod: &Pod) -> impl Iterator<Item = &k8s_openapi::api::core::v1::Container> {
    pod.spec.as_ref().and_then(|s| s.init_containers.as_ref()).into_iter().flatten()
}

/// When the container's current instance finished, if it has.
pub fn finished_at(status: &ContainerStatus) -> Option<Timestamp> {
    status.state.as_ref()?.terminated.as_ref()?.finished_at.as_ref().map(|t| t.0)
}

/// The exit code of the current instance, if it has terminated.
pub fn exit_code(state: Option<&ContainerState>) -> Option<i32> {
    state?.terminated.as_ref().map(|t| t.exit_code)
}

/// Whether this container has ever run: it runs, ran, or was restarted.
pub fn has_started(status: &ContainerStatus) -> bool {
    let state = status.state.as_ref();
    status.restart_count > 0
        || status.started == Some(true)
        || state.is_some_and(|s| s.running.is_some() || s.terminated.is_some())
        || status.last_state.as_ref().is_some_and(|s| s.terminated.is_some())
}

/// The reason the container waits, if it waits.
pub fn waiting_reason(status: &ContainerStatus) -> Option<&str> {
    status.state.as_ref()?.waiting.as_ref()?.reason.as_deref()
}

/// A container state in kubectl describe's words (`Running`, `Terminated (Completed, exit code 0)`,
/// `Waiting (CrashLoopBackOff)`), with the connecting words in the reader's language: kubectl's
/// words are what the learner sees in `kubectl describe`, the rest is ours.
pub fn describe_state(state: Option<&ContainerState>, lang: Lang) -> String {
    let none = || tr(lang, "没有报告状态", "no state reported");
    let Some(state) = state else {
        return none();
    };
    if state.running.is_some() {
        "Running".into()
    } else if let Some(t) = &state.terminated {
        let code = t.exit_code;
        match t.reason.as_deref() {
            Some(reason) => tr(
                lang,
                &format!("Terminated（{reason}，退出码 {code}）"),
                &format!("Terminated ({reason}, exit code {code})"),
            ),
            None => {
                tr(lang, &format!("Terminated（退出码 {code}）"), &format!("Terminated (exit code {code})"))
            }
        }
    } else if let Some(w) = &state.waiting {
        match w.reason.as_deref() {
            Some(reason) => tr(lang, &format!("Waiting（{reason}）"), &format!("Waiting ({reason})")),
            None => tr(lang, "Waiting（没有原因）", "Waiting (no reason)"),
        }
    } else {
        none()
    }
}

/// A container's status in one line: its state, its restarts, and its last termination.
pub fn describe_status(status: &ContainerStatus, lang: Lang) -> String {
    let mut text = describe_state(status.state.as_ref(), lang);
    let restarts = status.restart_count;
    if restarts > 0 {
        text.push_str(&tr(lang, &format!("，重启 {restarts} 次"), &format!(", restarts {restarts}")));
        if let Some(code) = exit_code(status.last_state.as_ref()) {
            text.push_str(&tr(lang, &format!("，上次退出码 {code}"), &format!(", last exit code {code}")));
        }
    }
    text
}

/// Why a pod cannot make progress on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    /// A container stuck in a broken waiting state (image pull, configuration, crash loop).
    Waiting { container: String, reason: String, message: Option<String> },
    /// An init container terminated with a non-zero exit code.
    InitFailed { container: String, exit_code: i32 },
    /// The pod is in a terminal phase.
    Terminal { phase: String },
}

/// Why the pod cannot make progress on its own, if it cannot: the first of [`blockers`].
pub fn blocker(pod: &Pod) -> Option<Blocker> {
    blockers(pod).into_iter().next()
}

/// Everything that keeps the pod from making progress on its own, the most telling first: a
/// container in a broken waiting state, an init container that failed, a final phase.
pub fn blockers(pod: &Pod) -> Vec<Blocker> {
    let mut found = Vec::new();
    let Some(status) = pod.status.as_ref() else {
        return found;
    };
    for c in status.init_container_statuses.iter().flatten().chain(status.container_statuses.iter().flatten())
    {
        if let Some(reason) = waiting_reason(c).filter(|r| BROKEN_WAITING_REASONS.contains(r)) {
            let message = c.state.as_ref().and_then(|s| s.waiting.as_ref()).and_then(|w| w.message.clone());
            found.push(Blocker::Waiting { container: c.name.clone(), reason: reason.to_string(), message });
        }
    }
    for c in status.init_container_statuses.iter().flatten() {
        if let Some(code) = exit_code(c.state.as_ref()).filter(|code| *code != 0) {
            found.push(Blocker::InitFailed { container: c.name.clone(), exit_code: code });
        }
    }
    if let p @ ("Failed" | "Succeeded") = phase(pod) {
        found.push(Blocker::Terminal { phase: p.to_string() });
    }
    found
}

/// Waiting reasons of an image that cannot be pulled.
pub const IMAGE_PULL_REASONS: &[&str] =
    &["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"];

/// The image the pod's spec gives this (init or main) container.
pub fn image_of<'a>(pod: &'a Pod, container: &str) -> Option<&'a str> {
    images(pod).into_iter().find(|(name, _)| *name == container).map(|(_, image)| image)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(yaml: &str) -> ContainerStatus {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn earliest_start_reaches_back_to_the_previous_instance() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let running = "name: s\nimage: i\nimageID: ''\nready: true\nrestartCount: 0\nstate: {running: {startedAt: '2026-11-20T10:03:02Z'}}";
        assert_eq!(
            earliest_start(&status(running)),
            Some(EarliestStart { at: t("2026-11-20T10:03:02Z"), first: true })
        );
        let restarted_once = "name: s\nimage: i\nimageID: ''\nready: true\nrestartCount: 1\n\
            state: {running: {startedAt: '2026-11-20T10:04:11Z'}}\n\
            lastState: {terminated: {exitCode: 137, startedAt: '2026-11-20T10:03:02Z', finishedAt: '2026-11-20T10:04:10Z'}}";
        assert_eq!(
            earliest_start(&status(restarted_once)),
            Some(EarliestStart { at: t("2026-11-20T10:03:02Z"), first: true })
        );
        let backing_off = "name: s\nimage: i\nimageID: ''\nready: false\nrestartCount: 2\n\
            state: {waiting: {reason: CrashLoopBackOff}}\n\
            lastState: {terminated: {exitCode: 0, startedAt: '2026-11-20T10:04:14Z', finishedAt: '2026-11-20T10:04:44Z'}}";
        assert_eq!(
            earliest_start(&status(backing_off)),
            Some(EarliestStart { at: t("2026-11-20T10:04:14Z"), first: false })
        );
        let never = "name: s\nimage: i\nimageID: ''\nready: false\nrestartCount: 0\nstate: {waiting: {reason: PodInitializing}}";
        assert_eq!(earliest_start(&status(never)), None);
    }

    #[test]
    fn a_status_in_both_languages_with_kubectls_words_kept() {
        let crashed = "name: s\nimage: i\nimageID: ''\nready: false\nrestartCount: 2\n\
            state: {terminated: {exitCode: 2, reason: Error}}\n\
            lastState: {terminated: {exitCode: 2}}";
        assert_eq!(
            describe_status(&status(crashed), Lang::En),
            "Terminated (Error, exit code 2), restarts 2, last exit code 2"
        );
        assert_eq!(
            describe_status(&status(crashed), Lang::Zh),
            "Terminated（Error，退出码 2），重启 2 次，上次退出码 2"
        );
        assert_eq!(describe_state(None, Lang::Zh), "没有报告状态");
    }

    #[test]
    fn pinned_images() {
        assert!(image_is_pinned("busybox:1.36.1"));
        assert!(image_is_pinned("docker.io/library/nginx:1.27.3"));
        assert!(image_is_pinned("registry.local:5000/team/app:v2"));
        assert!(image_is_pinned("busybox@sha256:0123456789abcdef"));
        assert!(!image_is_pinned("busybox"));
        assert!(!image_is_pinned("busybox:latest"));
        assert!(!image_is_pinned("registry.local:5000/team/app"));
        assert!(!image_is_pinned(""));
    }
}
