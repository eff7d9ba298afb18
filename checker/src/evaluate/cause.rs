//! One root cause and one next action for a step that did not pass; the next step for one that
//! did.
//!
//! A broken pod makes many expectations fail at once: with `init-1` in `ImagePullBackOff`, the
//! containers that never ran, the pod that is not ready and the order that cannot be measured
//! all say the same thing. The cause is found once, from what was observed, the most basic
//! first: a missing pod, a pod being deleted, a pod not made from the lab's manifest, an API
//! server too old for the step, a container that cannot run (an image it cannot pull, a crash
//! loop, a configuration error, a failed init container, a final phase), a refused permission,
//! then a single expectation that does not hold; a pending step waits for its `pending_hint`.
//! The expectations it explains are listed under it ([`CheckResult::grouped`]) instead of
//! repeating it, and its action is worded from the spec's data (the manifest that creates the
//! pod, the pod, the namespace), or in the lab's own words (a step's `causes`).

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use lab_spec::{CauseKind, Check, ContainerWhen, LabSpec, Lang, NATIVE_SIDECARS, Step, When};
use serde::Serialize;

use super::{Judged, Outcome, Verdict, blocked};
use crate::i18n::tr;
use crate::inspect::{self, Blocker};
use crate::observation::Observation;

/// Why a step did not pass, and the one thing to do about it.
#[derive(Debug, Clone, Serialize)]
pub struct Cause {
    pub kind: CauseKind,
    /// The pod it is about, if it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// The container it is about, if it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// What is wrong (while pending: what the step waits for), in one line.
    pub summary: String,
    /// The one next action, its commands in `backticks`. While pending it says how to keep
    /// checking from the command line; the browser offers its own button instead.
    pub action: String,
    /// The expectations that do not hold because of it, by id.
    pub checks: Vec<String>,
}

/// The step that comes after a passed one.
#[derive(Debug, Clone, Serialize)]
pub struct NextStep {
    pub step: u32,
    pub id: String,
    pub title: String,
    /// What to type to check it: `checker step 2`.
    pub command: String,
    /// Its chapter of the book (a file under `src/`), if the spec names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chapter: Option<String>,
}

/// The step after `step`, if there is one.
pub(super) fn next_step(spec: &LabSpec, step: &Step, lang: Lang) -> Option<NextStep> {
    let next = spec.next_step(step.number)?;
    Some(NextStep {
        step: next.number,
        id: next.id.clone(),
        title: next.title.get(lang).to_string(),
        command: format!("checker step {}", next.number),
        chapter: next.chapter.clone(),
    })
}

/// Finds the step's root cause and marks the expectations it explains.
pub(super) fn find(
    spec: &LabSpec,
    step: &Step,
    obs: &Observation,
    judged: &mut [Judged<'_>],
    verdict: Verdict,
    lang: Lang,
) -> Option<Cause> {
    if verdict == Verdict::Pass {
        return None;
    }
    let ns = obs.namespace.as_str();
    let words = Words { spec, step, ns, lang };
    let not_met = |j: &Judged<'_>| j.result.outcome != Outcome::Pass;

    // What a finding shows by itself, the most basic first.
    for kind in [CauseKind::Missing, CauseKind::Terminating, CauseKind::SpecMismatch, CauseKind::OldServer] {
        let Some(found) = judged.iter().find(|j| j.cause == Some(kind) && not_met(j)) else {
            continue;
        };
        let pod = found.expectation.check.pod().unwrap_or_default().to_string();
        let (summary, action) = match kind {
            CauseKind::Missing => words.missing(&pod, obs),
            CauseKind::Terminating => words.terminating(&pod),
            CauseKind::SpecMismatch => {
                (found_summary(found), words.recreate_action(kind, &pod, &found.result.hint))
            }
            _ => (found.plain_observed.clone(), words.old_server(&pod)),
        };
        return Some(group(judged, Cause::on(kind, &pod, None, summary, action), |j| {
            on_pod(j, &pod) && not_met(j)
        }));
    }

    // A container that cannot run, on a pod whose expectations fail.
    for pod_name in step.pods() {
        let fails = judged.iter().any(|j| on_pod(j, pod_name) && j.result.outcome == Outcome::Fail);
        let Some(pod) = obs.pod(pod_name).filter(|_| fails) else {
            continue;
        };
        let Some(blocker) = inspect::blockers(pod).into_iter().find(|b| !expected_by(step, pod_name, b))
        else {
            continue;
        };
        let cause = words.blocker(pod, &blocker);
        return Some(group(judged, cause, |j| on_pod(j, pod_name) && not_met(j)));
    }

    if let Some(denied) = judged.iter().find(|j| j.cause == Some(CauseKind::AccessDenied) && not_met(j)) {
        let pod = denied.expectation.check.pod().map(String::from);
        let cause = Cause {
            kind: CauseKind::AccessDenied,
            pod,
            container: None,
            summary: denied.plain_observed.clone(),
            action: denied.result.hint.clone(),
            checks: Vec::new(),
        };
        return Some(group(judged, cause, |j| j.cause == Some(CauseKind::AccessDenied) && not_met(j)));
    }

    if let Some(failed) = judged.iter().find(|j| j.result.outcome == Outcome::Fail) {
        let id = failed.result.id.clone();
        let cause = Cause {
            kind: CauseKind::Expectation,
            pod: failed.expectation.check.pod().map(String::from),
            container: failed.expectation.check.container().map(String::from),
            summary: found_summary(failed),
            action: failed.result.hint.clone(),
            checks: Vec::new(),
        };
        return Some(group(judged, cause, |j| j.result.id == id));
    }

    if let Some(unverifiable) = judged.iter().find(|j| j.result.outcome == Outcome::Unverifiable) {
        let cause = Cause {
            kind: CauseKind::Unverifiable,
            pod: None,
            container: None,
            summary: tr(
                lang,
                "这个文件没有判断所需的数据（日志或页面）",
                "the file lacks the data to decide (logs or pages)",
            ),
            action: unverifiable.result.hint.clone(),
            checks: Vec::new(),
        };
        return Some(group(judged, cause, |j| j.result.outcome == Outcome::Unverifiable));
    }

    let n = step.number;
    let cause = Cause {
        kind: CauseKind::Progressing,
        pod: None,
        container: None,
        summary: step.pending_hint.get(lang).to_string(),
        action: tr(
            lang,
            &format!(
                "用 `checker step {n} --wait` 一直观察到它通过（默认最多 2 分钟），或稍后再运行 `checker step {n}`"
            ),
            &format!(
                "Watch it until it passes with `checker step {n} --wait` (at most 2 minutes by default), or run `checker step {n}` again in a moment"
            ),
        ),
        checks: Vec::new(),
    };
    Some(group(judged, cause, |j| j.result.outcome == Outcome::Pending))
}

impl Cause {
    fn on(kind: CauseKind, pod: &str, container: Option<&str>, summary: String, action: String) -> Cause {
        Cause {
            kind,
            pod: Some(pod.to_string()),
            container: container.map(String::from),
            summary,
            action,
            checks: Vec::new(),
        }
    }
}

/// Lists the expectations that `explained` picks under the cause: they say no more than it.
fn group(judged: &mut [Judged<'_>], mut cause: Cause, explained: impl Fn(&Judged<'_>) -> bool) -> Cause {
    for j in judged.iter_mut().filter(|j| explained(j)) {
        j.result.grouped = true;
        // The blocker is the cause: not repeated after the observation.
        if j.blocked {
            j.result.observed = j.plain_observed.clone();
        }
        cause.checks.push(j.result.id.clone());
    }
    cause
}

fn on_pod(j: &Judged<'_>, pod: &str) -> bool {
    j.expectation.check.pod() == Some(pod)
}

/// An expectation that does not hold, in one line: what was expected, and what was seen.
fn found_summary(j: &Judged<'_>) -> String {
    format!("{}: {}", strip_period(&j.result.description), j.plain_observed)
}

fn strip_period(text: &str) -> &str {
    text.trim_end_matches(['.', '。'])
}

/// Whether the step expects this blocker: a container it expects to fail and be restarted
/// (step 3's `init-1`) fails, and waits in `CrashLoopBackOff` between its runs.
fn expected_by(step: &Step, pod: &str, blocker: &Blocker) -> bool {
    let container = match blocker {
        Blocker::Waiting { container, reason, .. } if reason == "CrashLoopBackOff" => container,
        Blocker::InitFailed { container, .. } => container,
        _ => return false,
    };
    step.expectations
        .iter()
        .any(|e| matches!(&e.check, Check::Failed { pod: p, container: c, .. } if p == pod && c == container))
}

/// Whether a hint's `when` holds for this pod (and the check's container).
pub(super) fn holds(when: &When, pod: &Pod, container: Option<&str>) -> bool {
    if when.phase.as_deref().is_some_and(|phase| inspect::phase(pod) != phase) {
        return false;
    }
    match when.container {
        None => true,
        Some(state) => container_is(state, container.and_then(|c| inspect::container_status(pod, c))),
    }
}

fn container_is(state: ContainerWhen, status: Option<&ContainerStatus>) -> bool {
    let Some(status) = status else {
        return state == ContainerWhen::NotStarted;
    };
    let now = inspect::exit_code(status.state.as_ref());
    let before = inspect::exit_code(status.last_state.as_ref());
    let waiting = inspect::waiting_reason(status).unwrap_or_default();
    match state {
        ContainerWhen::NotStarted => !inspect::has_started(status),
        ContainerWhen::Running => status.state.as_ref().is_some_and(|s| s.running.is_some()),
        ContainerWhen::Completed => now == Some(0),
        ContainerWhen::Failed => now.is_some_and(|c| c != 0) || before.is_some_and(|c| c != 0),
        ContainerWhen::ImagePull => inspect::IMAGE_PULL_REASONS.contains(&waiting),
        ContainerWhen::CrashLoop => waiting == "CrashLoopBackOff",
    }
}

/// What to do when the API server is too old for native sidecars: the lab's way to a newer
/// cluster (`cluster_setup`), then the pod again (`recreate`: the commands, when known).
pub(super) fn old_server_action(spec: &LabSpec, lang: Lang, recreate: Option<&str>) -> String {
    let need = NATIVE_SIDECARS;
    let newer = match &spec.cluster_setup {
        Some(setup) => setup.get(lang).trim_end_matches(['.', '。']).to_string(),
        None => tr(
            lang,
            &format!("换用 Kubernetes {need} 或更新的集群"),
            &format!("Use a cluster of Kubernetes {need} or later"),
        ),
    };
    let then = match recreate {
        Some(commands) => tr(
            lang,
            &format!("再重新创建 Pod：{commands}"),
            &format!("then create the pod again: {commands}"),
        ),
        None => {
            tr(lang, "再删除这个 Pod 并重新应用它的清单", "then delete the pod and apply its manifest again")
        }
    };
    tr(
        lang,
        &format!(
            "原生 Sidecar 需要 Kubernetes {need} 或更新（更早的集群需开启 SidecarContainers 特性门控）。{newer}；{then}"
        ),
        &format!(
            "Native sidecars need Kubernetes {need} or later (older clusters need the SidecarContainers feature gate). {newer}; {then}"
        ),
    )
}

/// The words of the causes, from the spec's data.
struct Words<'a> {
    spec: &'a LabSpec,
    step: &'a Step,
    ns: &'a str,
    lang: Lang,
}

impl Words<'_> {
    fn tr(&self, zh: &str, en: &str) -> String {
        tr(self.lang, zh, en)
    }

    /// The lab's own words for this cause on this step, if it has some.
    fn lab(&self, kind: CauseKind) -> Option<String> {
        self.step.causes.get(&kind).map(|t| t.get(self.lang).to_string())
    }

    /// The manifest that creates the pod.
    fn manifest(&self, pod: &str) -> Option<&str> {
        self.spec.creating_step(pod).and_then(|s| s.manifest.as_deref())
    }

    /// Delete the pod and create it again from its manifest.
    fn recreate(&self, pod: &str) -> String {
        let ns = self.ns;
        match self.manifest(pod) {
            Some(manifest) => self.tr(
                &format!("`kubectl delete pod {pod} -n {ns}`，再 `kubectl apply -f {manifest}`"),
                &format!("`kubectl delete pod {pod} -n {ns}`, then `kubectl apply -f {manifest}`"),
            ),
            None => self.tr(
                &format!("`kubectl delete pod {pod} -n {ns}`，再按它的清单重新创建"),
                &format!("`kubectl delete pod {pod} -n {ns}`, then create it again from its manifest"),
            ),
        }
    }

    /// The lab's words, else the expectation's hint, else: delete and create again.
    fn recreate_action(&self, kind: CauseKind, pod: &str, hint: &str) -> String {
        self.lab(kind).unwrap_or_else(|| match hint.is_empty() {
            false => hint.to_string(),
            true => self.tr(
                &format!("删除后按清单重新创建：{}", self.recreate(pod)),
                &format!("Delete it and create it again from the manifest: {}", self.recreate(pod)),
            ),
        })
    }

    fn missing(&self, pod: &str, obs: &Observation) -> (String, String) {
        let ns = self.ns;
        let summary = match obs.namespace_exists {
            Some(false) => self.tr(
                &format!("命名空间 {ns} 不存在，Pod {pod} 也就不存在"),
                &format!("namespace {ns} does not exist, so neither does pod {pod}"),
            ),
            _ => self.tr(
                &format!("命名空间 {ns} 中没有 Pod {pod}"),
                &format!("there is no pod {pod} in namespace {ns}"),
            ),
        };
        let action = self.lab(CauseKind::Missing).unwrap_or_else(|| self.create(pod));
        (summary, action)
    }

    /// How the pod is created: the hint of the expectation that it exists (in this step, else
    /// in the step that creates it), else its manifest.
    fn create(&self, pod: &str) -> String {
        let exists_hint = |step: &Step| {
            step.expectations
                .iter()
                .find(|e| matches!(&e.check, Check::PodExists { pod: p } if p == pod))
                .map(|e| e.hint.get(self.lang).to_string())
        };
        if let Some(hint) = exists_hint(self.step) {
            return hint;
        }
        let creating = self.spec.creating_step(pod);
        let how = creating.and_then(exists_hint).or_else(|| {
            self.manifest(pod).map(|m| {
                self.tr(
                    &format!("部署：`kubectl apply -f {m}`"),
                    &format!("Deploy it: `kubectl apply -f {m}`"),
                )
            })
        });
        match (creating, how) {
            (Some(step), Some(how)) if step.number != self.step.number => {
                let (n, title) = (step.number, step.title.get(self.lang));
                self.tr(
                    &format!("它由步骤 {n}「{title}」创建。{how}"),
                    &format!("Step {n} ({title}) creates it. {how}"),
                )
            }
            (_, Some(how)) => how,
            (_, None) => self.tr(&format!("先创建 Pod {pod}"), &format!("Create pod {pod} first")),
        }
    }

    fn terminating(&self, pod: &str) -> (String, String) {
        let ns = self.ns;
        let summary = self.tr(
            &format!("Pod {pod} 正在被删除（Terminating）"),
            &format!("pod {pod} is being deleted (Terminating)"),
        );
        let apply = match self.manifest(pod) {
            Some(m) => format!("`kubectl apply -f {m}`"),
            None => self.tr("按清单重新创建", "create it again from its manifest"),
        };
        let action = self.lab(CauseKind::Terminating).unwrap_or_else(|| {
            self.tr(
                &format!("等它删完：`kubectl wait --for=delete pod/{pod} -n {ns} --timeout=60s`，再 {apply}"),
                &format!("Wait until it is gone: `kubectl wait --for=delete pod/{pod} -n {ns} --timeout=60s`, then {apply}"),
            )
        });
        (summary, action)
    }

    fn old_server(&self, pod: &str) -> String {
        self.lab(CauseKind::OldServer)
            .unwrap_or_else(|| old_server_action(self.spec, self.lang, Some(&self.recreate(pod))))
    }

    /// The cause of a container that cannot run.
    fn blocker(&self, pod: &Pod, blocker: &Blocker) -> Cause {
        let name = pod.metadata.name.as_deref().unwrap_or_default();
        let ns = self.ns;
        match blocker {
            Blocker::Waiting { container, reason, message }
                if inspect::IMAGE_PULL_REASONS.contains(&reason.as_str()) =>
            {
                let image = inspect::image_of(pod, container).unwrap_or_default();
                let said = message
                    .as_deref()
                    .map(|m| self.tr(&format!("：{m}"), &format!(": {m}")))
                    .unwrap_or_default();
                let summary = self.tr(
                    &format!("{container} 拉不到镜像 {image}（{reason}）{said}"),
                    &format!("{container} cannot pull its image {image} ({reason}){said}"),
                );
                let action = self.lab(CauseKind::ImagePull).unwrap_or_else(|| match inspect::image_is_pinned(image) && reason != "InvalidImageName" {
                    true => self.tr(
                        &format!("节点拉不到镜像 {image}：在 `kubectl describe pod {name} -n {ns}` 的 Events 里看原因（镜像名、网络、代理或镜像仓库）；问题解决后 kubelet 会自动重试"),
                        &format!("The node cannot pull {image}: the Events of `kubectl describe pod {name} -n {ns}` say why (the name, the network, a proxy or the registry); once that is fixed the kubelet retries by itself"),
                    ),
                    false => self.tr(
                        &format!("镜像 {image} 没有固定版本或写错了：删除这个 Pod，按实验清单（镜像固定了版本）重新创建：{}", self.recreate(name)),
                        &format!("The image {image} is not pinned or is misspelt: delete this pod and create it again from the lab's manifest (its images are pinned): {}", self.recreate(name)),
                    ),
                });
                Cause::on(CauseKind::ImagePull, name, Some(container), summary, action)
            }
            Blocker::Waiting { container, reason, message } if reason == "CrashLoopBackOff" => {
                let status = inspect::container_status(pod, container);
                let restarts = status.map(|s| s.restart_count).unwrap_or(0);
                let code = status.and_then(|s| inspect::exit_code(s.last_state.as_ref()));
                let exit = code
                    .map(|c| self.tr(&format!("，上次退出码 {c}"), &format!(", last exit code {c}")))
                    .unwrap_or_default();
                let said = message
                    .as_deref()
                    .map(|m| self.tr(&format!("：{m}"), &format!(": {m}")))
                    .unwrap_or_default();
                let summary = self.tr(
                    &format!("{container} 反复退出，kubelet 在退避后重启它（CrashLoopBackOff，已重启 {restarts} 次{exit}）{said}"),
                    &format!("{container} keeps exiting and the kubelet restarts it after a back-off (CrashLoopBackOff, {restarts} restarts{exit}){said}"),
                );
                let action = self.lab(CauseKind::CrashLoop).unwrap_or_else(|| {
                    self.tr(
                        &format!("读它上一次运行的日志，看它为什么退出：`kubectl logs {name} -n {ns} -c {container} --previous`；改好清单后重新创建：{}", self.recreate(name)),
                        &format!("Read its last run's log to see why it exits: `kubectl logs {name} -n {ns} -c {container} --previous`; fix the manifest, then create the pod again: {}", self.recreate(name)),
                    )
                });
                Cause::on(CauseKind::CrashLoop, name, Some(container), summary, action)
            }
            Blocker::Waiting { container, .. } => {
                let summary = blocked(blocker, self.lang);
                let action = self.lab(CauseKind::ConfigError).unwrap_or_else(|| {
                    self.tr(
                        &format!("在 `kubectl describe pod {name} -n {ns}` 的 Events 里看 kubelet 为什么不能创建或启动它；改好清单后重新创建：{}", self.recreate(name)),
                        &format!("The Events of `kubectl describe pod {name} -n {ns}` say why the kubelet cannot create or start it; fix the manifest, then create the pod again: {}", self.recreate(name)),
                    )
                });
                Cause::on(CauseKind::ConfigError, name, Some(container), summary, action)
            }
            Blocker::InitFailed { container, .. } => {
                let summary = blocked(blocker, self.lang);
                let action = self.lab(CauseKind::InitFailed).unwrap_or_else(|| {
                    self.tr(
                        &format!("读它的日志，看它为什么失败：`kubectl logs {name} -n {ns} -c {container}`；改好清单后重新创建：{}", self.recreate(name)),
                        &format!("Read its log to see why it failed: `kubectl logs {name} -n {ns} -c {container}`; fix the manifest, then create the pod again: {}", self.recreate(name)),
                    )
                });
                Cause::on(CauseKind::InitFailed, name, Some(container), summary, action)
            }
            Blocker::Terminal { .. } => {
                let summary = blocked(blocker, self.lang);
                let action = self.lab(CauseKind::Terminal).unwrap_or_else(|| {
                    self.tr(
                        &format!("Pod 不会再运行：删除后重新创建：{}", self.recreate(name)),
                        &format!(
                            "The pod will not run again: delete it and create it again: {}",
                            self.recreate(name)
                        ),
                    )
                });
                Cause::on(CauseKind::Terminal, name, None, summary, action)
            }
        }
    }
}

#[cfg(test)]
mod tests;
