//! The class's progress board, pure: what the class view read ([`ClassObservation`]) is split
//! per learner namespace and per step into the very [`Observation`] a learner's `checker -n NS
//! step N` makes, and judged by the same [`evaluate`].

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_spec::{LabSpec, Lang, Step};
use serde_json::Value;

use crate::cluster::{KindList, Wanted};
use crate::context::wanted_step;
use crate::evaluate::{StepReport, Verdict, evaluate};
use crate::observation::{Logs, Objects, Observation, Pages, Read};

/// What one pass over the class read, by learner namespace.
#[derive(Debug, Clone, Default)]
pub struct ClassObservation {
    pub at: Timestamp,
    /// The class's namespaces, sorted.
    pub namespaces: Vec<String>,
    /// The lab's pods, by namespace.
    pub pods: BTreeMap<String, Vec<Pod>>,
    /// The events about the lab's pods, by namespace.
    pub events: BTreeMap<String, Vec<Event>>,
    pub logs: BTreeMap<String, Logs>,
    pub pages: BTreeMap<String, Pages>,
    /// One LIST per kind the lab reads.
    pub kinds: Vec<KindList>,
    pub server_version: Option<String>,
}

/// The class's one LIST of pods and of events as the lists of the kinds `v1 Pod` and `v1 Event`
/// that a lab's object checks select (`selects`), keeping the objects in the class's namespaces
/// that some selection of their kind picks (by name and labels, as the check itself picks
/// them): no second LIST of the same objects, and no copy of the pods no check reads. Events
/// that may not be read give no list (the selection then reads them itself and records the
/// refusal, as a learner's check does).
pub fn core_lists(
    namespaces: &[String],
    selects: &[lab_spec::Select],
    pods: &[Pod],
    events: Option<&[Event]>,
) -> Vec<KindList> {
    let namespaces: std::collections::BTreeSet<&str> = namespaces.iter().map(String::as_str).collect();
    let mut lists = vec![core_list("Pod", pods, &namespaces, selects)];
    lists.extend(events.map(|events| core_list("Event", events, &namespaces, selects)));
    lists
}

/// One kind's list for [`core_lists`]: each object kept is converted to JSON, the others never.
fn core_list<T: serde::Serialize + k8s_openapi::Metadata<Ty = ObjectMeta>>(
    kind: &str,
    items: &[T],
    namespaces: &std::collections::BTreeSet<&str>,
    selects: &[lab_spec::Select],
) -> KindList {
    let of_kind: Vec<&lab_spec::Select> =
        selects.iter().filter(|s| s.api_version == "v1" && s.kind == kind).collect();
    let kept = |item: &&T| {
        let meta = item.metadata();
        let labels = meta.labels.as_ref();
        meta.namespace.as_deref().is_some_and(|ns| namespaces.contains(ns))
            && of_kind.iter().any(|s| {
                s.name.as_ref().is_none_or(|name| meta.name.as_ref() == Some(name))
                    && s.labels.iter().all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
            })
    };
    let values = items.iter().filter(kept).filter_map(|item| serde_json::to_value(item).ok()).collect();
    KindList { api_version: "v1".into(), kind: kind.into(), namespaced: true, found: Ok(values) }
}

/// Whether the class view's LIST of pods or events answers a selection (`v1 Pod`, and `v1 Event`
/// when events may be read), so that it needs no LIST of its own.
pub fn answered_by_core(select: &lab_spec::Select, events_readable: bool) -> bool {
    select.api_version == "v1" && (select.kind == "Pod" || (select.kind == "Event" && events_readable))
}

impl ClassObservation {
    /// What one pass over `namespaces` read, put together as the class view reads it: the lab's
    /// pods and the events about them sorted in, then one list per kind the lab selects (the
    /// kinds `v1 Pod` and `v1 Event` answered from `pods` and `events`; `None` events: they may
    /// not be read). `lists` holds the other kinds' lists; a selected kind without one is left
    /// out (the caller reads it). Logs and pages are added by the caller.
    pub fn assemble(
        spec: &LabSpec,
        at: Timestamp,
        namespaces: Vec<String>,
        pods: Vec<Pod>,
        events: Option<Vec<Event>>,
        lists: Vec<KindList>,
    ) -> ClassObservation {
        let mut class = ClassObservation { at, namespaces, ..Default::default() };
        let mut reused = core_lists(&class.namespaces, &spec.selects(), &pods, events.as_deref());
        class.sort_in(spec, pods, events.unwrap_or_default());
        let mut lists = lists;
        for select in &spec.selects() {
            let same = |k: &KindList| k.api_version == select.api_version && k.kind == select.kind;
            if class.kinds.iter().any(same) {
                continue;
            }
            if let Some(at) = reused.iter().position(same) {
                class.kinds.push(reused.swap_remove(at));
            } else if let Some(at) = lists.iter().position(same) {
                class.kinds.push(lists.swap_remove(at));
            }
        }
        class
    }

    /// Sorts pods and events of the whole cluster into the class's namespaces, keeping the lab's
    /// pods and the events about them.
    pub fn sort_in(&mut self, spec: &LabSpec, pods: Vec<Pod>, events: Vec<Event>) {
        let lab_pods = spec.pods();
        for namespace in &self.namespaces {
            self.pods.entry(namespace.clone()).or_default();
            self.events.entry(namespace.clone()).or_default();
        }
        for pod in pods {
            let name = pod.metadata.name.as_deref().unwrap_or_default();
            if !lab_pods.contains(&name) {
                continue;
            }
            if let Some(list) = pod.metadata.namespace.as_ref().and_then(|ns| self.pods.get_mut(ns)) {
                list.push(pod);
            }
        }
        for event in events {
            let about = event.involved_object.name.as_deref().unwrap_or_default();
            if !lab_pods.contains(&about) {
                continue;
            }
            if let Some(list) = event.metadata.namespace.as_ref().and_then(|ns| self.events.get_mut(ns)) {
                list.push(event);
            }
        }
    }

    /// The observation a learner's check of one step makes in `namespace`: the step's pods,
    /// the logs and pages it reads, the events about its pods, the objects it selects.
    pub fn observation(&self, namespace: &str, wanted: &Wanted<'_>) -> Observation {
        let in_ns = |map: &BTreeMap<String, Vec<Pod>>| map.get(namespace).cloned().unwrap_or_default();
        let all_pods = in_ns(&self.pods);
        let pods: Vec<Pod> = wanted
            .pods
            .iter()
            .filter_map(|name| all_pods.iter().find(|p| p.metadata.name.as_deref() == Some(name)).cloned())
            .collect();
        let mut logs = Logs::new();
        if let Some(read) = self.logs.get(namespace) {
            for &(pod, container) in &wanted.logs {
                if let Some(log) = read.get(pod).and_then(|c| c.get(container)) {
                    logs.entry(pod.to_string()).or_default().insert(container.to_string(), log.clone());
                }
            }
        }
        let mut pages = Pages::new();
        if let Some(read) = self.pages.get(namespace) {
            for &(pod, path) in &wanted.pages {
                if let Some(page) = read.get(pod).and_then(|p| p.get(path)) {
                    pages.entry(pod.to_string()).or_default().insert(path.to_string(), page.clone());
                }
            }
        }
        let events = self
            .events
            .get(namespace)
            .into_iter()
            .flatten()
            .filter(|e| wanted.pods.contains(&e.involved_object.name.as_deref().unwrap_or("")))
            .cloned()
            .collect();
        Observation {
            namespace: namespace.to_string(),
            namespace_exists: Some(true),
            pods,
            logs: Some(logs),
            events,
            pages: Some(pages),
            server_version: self.server_version.clone().filter(|_| wanted.server_version),
            objects: self.objects(namespace, wanted),
            at: self.at,
        }
    }

    /// The objects a step selects, as a learner's check reads them: per selection, the read and
    /// the objects it finds (a kind not served, or refused, is recorded with the read).
    fn objects(&self, namespace: &str, wanted: &Wanted<'_>) -> Objects {
        let mut objects = Objects::default();
        for select in &wanted.selects {
            let list =
                self.kinds.iter().find(|k| k.api_version == select.api_version && k.kind == select.kind);
            let Some(list) = list else { continue };
            let mut read = Read::of(select, list.namespaced.then_some(namespace));
            match &list.found {
                Ok(items) => {
                    let text = |o: &Value, p: &str| o.pointer(p).and_then(Value::as_str).map(str::to_string);
                    for item in items {
                        let here = !list.namespaced
                            || text(item, "/metadata/namespace").as_deref() == Some(namespace);
                        let named = select.name.is_none() || text(item, "/metadata/name") == select.name;
                        let labelled = select.labels.iter().all(|(k, v)| {
                            item.pointer("/metadata/labels").and_then(|l| l.get(k)).and_then(Value::as_str)
                                == Some(v)
                        });
                        if here && named && labelled {
                            objects.add(item.clone());
                        }
                    }
                }
                Err(error) => read.error = Some(error.clone()),
            }
            objects.reads.push(read);
        }
        objects
    }

    /// Every step of the lab judged for one learner namespace.
    pub fn reports(&self, spec: &LabSpec, namespace: &str, lang: Lang) -> Vec<StepReport> {
        spec.steps.iter().map(|step| self.report(spec, step, namespace, lang)).collect()
    }

    /// One step judged for one learner namespace, exactly as `checker -n NAMESPACE step N` does.
    pub fn report(&self, spec: &LabSpec, step: &Step, namespace: &str, lang: Lang) -> StepReport {
        evaluate(spec, step, &self.observation(namespace, &wanted_step(spec, step)), lang)
    }

    /// The latest thing that happened in a namespace's lab pods: a pod created, a container
    /// started or finished, an event.
    pub fn last_activity(&self, namespace: &str) -> Option<Timestamp> {
        let mut times = Vec::new();
        for pod in self.pods.get(namespace).into_iter().flatten() {
            times.extend(pod.metadata.creation_timestamp.as_ref().map(|t| t.0));
            let status = pod.status.as_ref();
            let statuses = status.into_iter().flat_map(|s| {
                s.container_statuses.iter().flatten().chain(s.init_container_statuses.iter().flatten())
            });
            for container in statuses {
                for state in [container.state.as_ref(), container.last_state.as_ref()].into_iter().flatten() {
                    times.extend(state.running.as_ref().and_then(|r| r.started_at.as_ref()).map(|t| t.0));
                    times.extend(state.terminated.as_ref().and_then(|t| t.finished_at.as_ref()).map(|t| t.0));
                }
            }
        }
        for event in self.events.get(namespace).into_iter().flatten() {
            times.extend(event.last_timestamp.as_ref().map(|t| t.0));
            times.extend(event.event_time.as_ref().map(|t| t.0));
            times.extend(event.first_timestamp.as_ref().map(|t| t.0));
        }
        times.into_iter().max()
    }
}

/// The whole class, learners × steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    pub lab: String,
    pub at: Timestamp,
    pub steps: Vec<StepHead>,
    pub learners: Vec<LearnerRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepHead {
    pub number: u32,
    pub id: String,
    pub title: String,
}

/// One learner's line: a verdict per step, in the lab's order.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnerRow {
    pub namespace: String,
    pub verdicts: Vec<Verdict>,
    pub passed: usize,
    pub last_activity: Option<Timestamp>,
}

/// Judges every step for every learner.
pub fn board(spec: &LabSpec, class: &ClassObservation, lang: Lang) -> Board {
    let learners =
        class.namespaces.iter().map(|namespace| learner_row(spec, class, namespace, lang)).collect();
    Board { lab: spec.id.clone(), at: class.at, steps: step_heads(spec, lang), learners }
}

/// The lab's steps as the board's columns.
pub fn step_heads(spec: &LabSpec, lang: Lang) -> Vec<StepHead> {
    spec.steps
        .iter()
        .map(|s| StepHead { number: s.number, id: s.id.clone(), title: s.title.get(lang).to_string() })
        .collect()
}

/// One learner's line of the board: every step judged in their namespace.
pub fn learner_row(spec: &LabSpec, class: &ClassObservation, namespace: &str, lang: Lang) -> LearnerRow {
    let verdicts: Vec<Verdict> =
        class.reports(spec, namespace, lang).iter().map(|report| report.verdict).collect();
    let passed = verdicts.iter().filter(|v| **v == Verdict::Pass).count();
    LearnerRow {
        namespace: namespace.to_string(),
        verdicts,
        passed,
        last_activity: class.last_activity(namespace),
    }
}
