//! The checks on objects of any kind: `object`, `absent`, `count`, `event` and `order`.
//!
//! Pure, like the rest of `evaluate`: the objects come from [`Observation::objects`], read by
//! the cluster edge through discovery and kube's dynamic API, or loaded from a file.
//!
//! Pass, pending and fail for each kind:
//!
//! - `object`: pass when the object (with labels: one of the objects) contains `match`. A
//!   mismatch only under `.status` is pending (controllers write the status: `readyReplicas` is
//!   on its way); any other mismatch fails (the learner applied something else). A missing
//!   object, or one being deleted, fails; with `converges: true` (a controller makes it) it is
//!   pending.
//! - `absent`: pass when there is none (also when the cluster does not serve the kind at all);
//!   pending while all that remain are being deleted; otherwise fail, or pending with
//!   `converges: true`.
//! - `count`: objects being deleted are not counted. Pass when the comparison holds; otherwise
//!   fail, or pending with `converges: true` (a controller is still scaling).
//! - `event`: pass when an event about the object has the reason (and the type, and a message
//!   matching the pattern); fail when events with that reason came but none fits (the scheduler
//!   said "Insufficient memory", not "cpu"); pending while none has come. Events expire (an hour
//!   by default), so a check of an old step may turn pending again. With `absent: true`: pass
//!   while no such event has come, fail when one has (never pending).
//! - `order`: each moment must be at or before the next (timestamps have whole seconds). Fail
//!   when a later moment happened while an earlier one has not (or happened after it); pending
//!   while a later moment has not happened yet.
//!
//! Every kind: a read the API server refused fails with the RBAC hint; a kind the cluster does
//! not serve fails (but `absent` passes); a selection that a file does not hold is not
//! verifiable.

use jiff::Timestamp;
use lab_spec::{About, Check, CountOp, EventType, Lang, Moment, MomentKind, Select};
use serde_json::Value;

use super::matching::{self, Found, Mismatch};
use super::{Finding, Outcome, finding};
use crate::i18n::tr;
use crate::observation::{Observation, ReadError, Selected};

/// How many mismatches an observation lists.
const MAX_MISMATCHES: usize = 3;
/// How many object names an observation lists.
const MAX_NAMES: usize = 5;

/// Evaluates one of the generic kinds.
pub(super) fn evaluate(check: &Check, obs: &Observation, lang: Lang) -> Finding {
    match check {
        Check::Object { select, expected, converges } => object(select, expected, *converges, obs, lang),
        Check::Absent { select, converges } => absent(select, *converges, obs, lang),
        Check::Count { select, op, value, converges } => count(select, *op, *value, *converges, obs, lang),
        Check::Event { about, reason, message, event_type, absent } => {
            let wanted = EventQuery { about, reason, message: message.as_deref(), event_type: *event_type };
            match absent {
                false => event(&wanted, obs, lang),
                true => no_event(&wanted, obs, lang),
            }
        }
        Check::Order { sequence } => order(sequence, obs, lang),
        _ => unreachable!("the pod checks are evaluated by the evaluate module"),
    }
}

/// The objects of a selection, or the finding that explains why there are none to look at.
fn selected<'a>(
    select: &Select,
    obs: &'a Observation,
    expected: &str,
    lang: Lang,
) -> Result<Vec<&'a Value>, Finding> {
    match obs.objects.select(select) {
        Selected::Found(objects) => Ok(objects),
        Selected::NotRead => Err(finding(
            Outcome::Unverifiable,
            expected.to_string(),
            tr(
                lang,
                &format!("无法验证：文件中没有 {}", select.describe()),
                &format!("not verifiable: the file has no {}", select.describe()),
            ),
        )
        .with_hint(tr(
            lang,
            "这个文件没有这些对象。直接对集群运行检查，或用 `checker snapshot` 保存完整快照。",
            "This file lacks these objects. Run the check against the cluster, or save a full snapshot with `checker snapshot`.",
        ))),
        Selected::Failed(error) => Err(read_failed(select, error, expected, lang)),
    }
}

fn read_failed(select: &Select, error: &ReadError, expected: &str, lang: Lang) -> Finding {
    let (kind, version) = (&select.kind, &select.api_version);
    match error {
        ReadError::Forbidden(message) => finding(
            Outcome::Fail,
            expected.to_string(),
            tr(
                lang,
                &format!("API server 拒绝读取：{}", safe(message)),
                &format!("the API server refused the read: {}", safe(message)),
            ),
        )
        .denied_list(format!("{kind} ({version})")),
        ReadError::NotServed => finding(
            Outcome::Fail,
            expected.to_string(),
            tr(lang, &format!("集群不提供 {version} 的 {kind}"), &format!("the cluster does not serve {kind} in {version}")),
        )
        .with_hint(tr(
            lang,
            &format!("这个集群没有 {version} {kind}：换用较新的 Kubernetes，或安装提供它的 CRD"),
            &format!(
                "This cluster has no {version} {kind}: use a newer Kubernetes, or install the CRD that provides it"
            ),
        )),
    }
}

fn object(select: &Select, expected: &Value, converges: bool, obs: &Observation, lang: Lang) -> Finding {
    let shown = matching::show(expected, 100);
    let what = select.describe();
    let wanted = tr(lang, &format!("{what} 符合 {shown}"), &format!("{what} matches {shown}"));
    let objects = match selected(select, obs, &wanted, lang) {
        Ok(objects) => objects,
        Err(found) => return found,
    };
    let not_yet = if converges { Outcome::Pending } else { Outcome::Fail };
    if objects.is_empty() {
        return finding(not_yet, wanted, missing(select, obs, lang));
    }
    // The closest object: the one with the fewest mismatches (the first on a tie).
    let (closest, found) = objects
        .iter()
        .map(|o| (*o, matching::mismatches(expected, o)))
        .min_by_key(|(_, found)| found.len())
        .expect("not empty");
    let name = safe(text(closest, "/metadata/name"));
    if found.is_empty() {
        if closest.pointer("/metadata/deletionTimestamp").is_some_and(|t| !t.is_null()) {
            let observed = tr(lang, &format!("{name} 正在被删除"), &format!("{name} is being deleted"));
            return finding(not_yet, wanted, observed);
        }
        return finding(Outcome::Pass, wanted, tr(lang, &format!("{name} 符合"), &format!("{name} matches")));
    }
    let outcome = if found.iter().all(|m| m.path.under_status()) { Outcome::Pending } else { Outcome::Fail };
    let mut listed: Vec<String> = found.iter().take(MAX_MISMATCHES).map(|m| describe(m, lang)).collect();
    if found.len() > MAX_MISMATCHES {
        let more = found.len() - MAX_MISMATCHES;
        listed.push(tr(lang, &format!("另有 {more} 处"), &format!("and {more} more")));
    }
    let observed = match select.name {
        Some(_) => listed.join("; "),
        None => format!("{name}: {}", listed.join("; ")),
    };
    finding(outcome, wanted, safe(&observed))
}

/// One mismatch as a report line: `.spec.replicas: expected 3, found 2`.
fn describe(m: &Mismatch, lang: Lang) -> String {
    let expected = matching::show(&m.expected, 60);
    let path = &m.path;
    match &m.found {
        Found::Missing => tr(
            lang,
            &format!("{path}：期望 {expected}，缺失"),
            &format!("{path}: expected {expected}, missing"),
        ),
        Found::Value(value) => {
            let value = matching::show(value, 60);
            tr(
                lang,
                &format!("{path}：期望 {expected}，实际 {value}"),
                &format!("{path}: expected {expected}, found {value}"),
            )
        }
        Found::NoElement { len } => tr(
            lang,
            &format!("{path}：期望 {expected}，列表（{len} 项）中没有与之匹配的元素"),
            &format!("{path}: expected {expected}, no matching element in the list of {len}"),
        ),
    }
}

/// "No such object", naming where it was looked for.
fn missing(select: &Select, obs: &Observation, lang: Lang) -> String {
    let (what, ns) = (select.describe(), &obs.namespace);
    let cluster_scoped = obs.objects.read_of(select).is_some_and(|r| r.namespace.is_none());
    match obs.namespace_exists {
        _ if cluster_scoped => tr(lang, &format!("集群中没有 {what}"), &format!("no {what} in the cluster")),
        Some(false) => tr(lang, &format!("命名空间 {ns} 不存在"), &format!("namespace {ns} does not exist")),
        _ => tr(lang, &format!("命名空间 {ns} 中没有 {what}"), &format!("no {what} in namespace {ns}")),
    }
}

fn absent(select: &Select, converges: bool, obs: &Observation, lang: Lang) -> Finding {
    let what = select.describe();
    let wanted = tr(lang, &format!("没有 {what}"), &format!("no {what}"));
    let objects = match obs.objects.select(select) {
        Selected::Failed(ReadError::NotServed) => {
            let observed = tr(
                lang,
                "集群不提供这种对象：不可能存在",
                "the cluster does not serve this kind: none can exist",
            );
            return finding(Outcome::Pass, wanted, observed);
        }
        _ => match selected(select, obs, &wanted, lang) {
            Ok(objects) => objects,
            Err(found) => return found,
        },
    };
    if objects.is_empty() {
        return finding(Outcome::Pass, wanted, tr(lang, "不存在", "none"));
    }
    let names = names(&objects);
    if objects.iter().all(|o| is_terminating(o)) {
        return finding(
            Outcome::Pending,
            wanted,
            tr(lang, &format!("正在删除：{names}"), &format!("being deleted: {names}")),
        );
    }
    let outcome = if converges { Outcome::Pending } else { Outcome::Fail };
    finding(outcome, wanted, tr(lang, &format!("仍然存在：{names}"), &format!("still present: {names}")))
}

fn count(
    select: &Select,
    op: CountOp,
    value: u32,
    converges: bool,
    obs: &Observation,
    lang: Lang,
) -> Finding {
    let what = select.describe();
    let symbol = op.symbol();
    let wanted =
        tr(lang, &format!("{what} 的数量 {symbol} {value}"), &format!("number of {what} {symbol} {value}"));
    let objects = match selected(select, obs, &wanted, lang) {
        Ok(objects) => objects,
        Err(found) => return found,
    };
    let (leaving, staying): (Vec<&Value>, Vec<&Value>) = objects.into_iter().partition(|o| is_terminating(o));
    let n = u32::try_from(staying.len()).unwrap_or(u32::MAX);
    let mut observed = match staying.is_empty() {
        true => "0".to_string(),
        false => format!("{n} ({})", names(&staying)),
    };
    if !leaving.is_empty() {
        let gone = names(&leaving);
        observed.push_str(&tr(
            lang,
            &format!("；正在删除（未计入）：{gone}"),
            &format!("; being deleted (not counted): {gone}"),
        ));
    }
    let outcome = match (op.holds(n, value), converges) {
        (true, _) => Outcome::Pass,
        (false, true) => Outcome::Pending,
        (false, false) => Outcome::Fail,
    };
    finding(outcome, wanted, observed)
}

/// What an `event` check looks for.
struct EventQuery<'a> {
    about: &'a About,
    reason: &'a str,
    message: Option<&'a str>,
    event_type: Option<EventType>,
}

impl EventQuery<'_> {
    fn subject(&self) -> String {
        format!("{} {}", self.about.kind, self.about.name)
    }

    /// `Warning BackOff … /pattern/`, as the expectation reads.
    fn shown(&self) -> (String, String) {
        let kind = self.event_type.map(|t| format!("{} ", t.as_str())).unwrap_or_default();
        let pattern = self.message.map(|m| format!(" /{m}/")).unwrap_or_default();
        (format!("{kind}{}", self.reason), pattern)
    }

    /// The events about the object, oldest first, and those of them with the reason.
    fn events<'o>(&self, events: Vec<&'o Value>) -> (Vec<&'o Value>, Vec<&'o Value>) {
        let mut about_it: Vec<&Value> = events
            .into_iter()
            .filter(|e| {
                text(e, "/involvedObject/kind") == self.about.kind
                    && text(e, "/involvedObject/name") == self.about.name
            })
            .collect();
        about_it.sort_by_key(|e| event_time(e));
        let with_reason = about_it.iter().copied().filter(|e| text(e, "/reason") == self.reason).collect();
        (about_it, with_reason)
    }

    /// Whether an event with the reason has the type and a message matching the pattern.
    fn fits(&self, event: &Value) -> bool {
        // The spec's pattern was validated when it was loaded.
        let pattern = self.message.and_then(|m| regex::Regex::new(m).ok());
        self.event_type.is_none_or(|t| text(event, "/type") == t.as_str())
            && pattern.as_ref().is_none_or(|p| p.is_match(text(event, "/message")))
    }
}

fn event(wanted: &EventQuery, obs: &Observation, lang: Lang) -> Finding {
    let (subject, reason) = (wanted.subject(), wanted.reason);
    let (what, pattern) = wanted.shown();
    let expected = tr(
        lang,
        &format!("关于 {subject} 的 {what} 事件{pattern}"),
        &format!("a {what} event about {subject}{pattern}"),
    );
    let events = match selected(&Select::events(), obs, &expected, lang) {
        Ok(events) => events,
        Err(found) => return found,
    };
    let (about_it, with_reason) = wanted.events(events);
    if let Some(found) = with_reason.iter().rev().find(|e| wanted.fits(e)) {
        return finding(Outcome::Pass, expected, shown_event(found));
    }
    if let Some(latest) = with_reason.last() {
        return finding(Outcome::Fail, expected, shown_event(latest));
    }
    let others: Vec<&str> = about_it.iter().rev().map(|e| text(e, "/reason")).take(MAX_NAMES).collect();
    let observed = match others.is_empty() {
        true => tr(
            lang,
            &format!("还没有关于 {subject} 的 {reason} 事件"),
            &format!("no {reason} event about {subject} yet"),
        ),
        false => tr(
            lang,
            &format!("还没有 {reason} 事件；最近的事件：{}", others.join(", ")),
            &format!("no {reason} event yet; latest events: {}", others.join(", ")),
        ),
    };
    finding(Outcome::Pending, expected, safe(&observed))
}

/// `absent: true`: pass while no event fits, fail on the latest one that does. Never pending:
/// an event that must not come cannot be on its way.
fn no_event(wanted: &EventQuery, obs: &Observation, lang: Lang) -> Finding {
    let subject = wanted.subject();
    let (what, pattern) = wanted.shown();
    let expected = tr(
        lang,
        &format!("没有关于 {subject} 的 {what} 事件{pattern}"),
        &format!("no {what} event about {subject}{pattern}"),
    );
    let events = match selected(&Select::events(), obs, &expected, lang) {
        Ok(events) => events,
        Err(found) => return found,
    };
    let (_, with_reason) = wanted.events(events);
    match with_reason.iter().rev().find(|e| wanted.fits(e)) {
        Some(found) => finding(Outcome::Fail, expected, shown_event(found)),
        None => finding(
            Outcome::Pass,
            expected,
            tr(lang, &format!("没有关于 {subject} 的这种事件"), &format!("no such event about {subject}")),
        ),
    }
}

/// `Warning FailedScheduling: 0/1 nodes are available: … (×3)`.
fn shown_event(event: &Value) -> String {
    let count = event
        .pointer("/series/count")
        .and_then(Value::as_u64)
        .or_else(|| event.pointer("/count").and_then(Value::as_u64))
        .filter(|c| *c > 1)
        .map(|c| format!(" (×{c})"))
        .unwrap_or_default();
    safe(&format!(
        "{} {}: {}{count}",
        text(event, "/type"),
        text(event, "/reason"),
        text(event, "/message").trim()
    ))
}

/// When an event last happened: its series, its last timestamp, or its event time.
fn event_time(event: &Value) -> Option<Timestamp> {
    [
        "/series/lastObservedTime",
        "/lastTimestamp",
        "/eventTime",
        "/firstTimestamp",
        "/metadata/creationTimestamp",
    ]
    .iter()
    .find_map(|p| timestamp(event, p))
}

fn order(sequence: &[Moment], obs: &Observation, lang: Lang) -> Finding {
    let label = |m: &Moment| moment_label(m, lang);
    let wanted = sequence.iter().map(label).collect::<Vec<_>>().join(" → ");
    let wanted = tr(lang, &format!("按此顺序：{wanted}"), &format!("in this order: {wanted}"));
    let mut times: Vec<Option<Timestamp>> = Vec::new();
    for moment in sequence {
        match selected(&moment.select(), obs, &wanted, lang) {
            Ok(objects) => times.push(objects.first().and_then(|o| moment_time(o, moment))),
            Err(found) => return found,
        }
    }
    let observed = sequence
        .iter()
        .zip(&times)
        .map(|(m, t)| match t {
            Some(t) => format!("{} {t}", label(m)),
            None => tr(lang, &format!("{}：尚未发生", label(m)), &format!("{}: not yet", label(m))),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut outcome = Outcome::Pass;
    for pair in times.windows(2) {
        match (pair[0], pair[1]) {
            (Some(first), Some(then)) if first <= then => {}
            (_, Some(_)) => return finding(Outcome::Fail, wanted, safe(&observed)),
            (_, None) => outcome = Outcome::Pending,
        }
    }
    finding(outcome, wanted, safe(&observed))
}

/// `web-0 ready`, `web-0 就绪`, `web-0/init started`.
fn moment_label(moment: &Moment, lang: Lang) -> String {
    let subject = match (&moment.container, moment.kind.as_str()) {
        (Some(container), _) => format!("{}/{container}", moment.name),
        (None, "Pod") => moment.name.clone(),
        (None, kind) => format!("{kind} {}", moment.name),
    };
    let what = match moment.at {
        MomentKind::Created => tr(lang, "创建", "created"),
        MomentKind::Started => tr(lang, "启动", "started"),
        MomentKind::Ready => tr(lang, "就绪", "ready"),
    };
    format!("{subject} {what}")
}

/// When the moment happened to the object, if it has.
fn moment_time(object: &Value, moment: &Moment) -> Option<Timestamp> {
    match (moment.at, &moment.container) {
        (MomentKind::Created, _) => timestamp(object, "/metadata/creationTimestamp"),
        (MomentKind::Started, None) => timestamp(object, "/status/startTime"),
        (MomentKind::Started, Some(container)) => {
            let statuses = ["/status/initContainerStatuses", "/status/containerStatuses"]
                .into_iter()
                .filter_map(|p| object.pointer(p).and_then(Value::as_array))
                .flatten();
            let status = statuses.into_iter().find(|s| text(s, "/name") == container)?;
            timestamp(status, "/state/running/startedAt")
                .or_else(|| timestamp(status, "/state/terminated/startedAt"))
        }
        (MomentKind::Ready, _) => object
            .pointer("/status/conditions")
            .and_then(Value::as_array)?
            .iter()
            .find(|c| text(c, "/type") == "Ready" && text(c, "/status") == "True")
            .and_then(|c| timestamp(c, "/lastTransitionTime")),
    }
}

fn is_terminating(object: &Value) -> bool {
    object.pointer("/metadata/deletionTimestamp").is_some_and(|t| !t.is_null())
}

/// The objects' names, the first few, for an observation.
fn names(objects: &[&Value]) -> String {
    let mut shown: Vec<String> =
        objects.iter().take(MAX_NAMES).map(|o| text(o, "/metadata/name").to_string()).collect();
    if objects.len() > MAX_NAMES {
        shown.push(format!("… (+{})", objects.len() - MAX_NAMES));
    }
    safe(&shown.join(", "))
}

fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn timestamp(object: &Value, pointer: &str) -> Option<Timestamp> {
    text(object, pointer).parse().ok()
}

/// Text from the cluster, safe for a terminal: control characters are shown escaped.
fn safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect()
}

#[cfg(test)]
mod tests;
