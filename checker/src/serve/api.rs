//! The JSON API behind the Run-check buttons.
//!
//! - `GET /api/health` → `{"ok": true, "steps": [1, 2, 3, 6], "lab", "labs", "words", "chapters",
//!   "titles"}`: `lab`, `steps`, `chapters` and `titles` are the default lab's (the one checked
//!   last, else the book's first), `labs` every lab with its own; `words` are the verdict words
//!   and outcome marks in the page's language ([`crate::words::json`]); `chapters` maps a step to
//!   the chapter of its verify box (`{"1": "step1-deploy.html"}`), `titles` to its title in the
//!   page's language.
//!
//! Every other call is about one lab: `?lab=ID` (a box's `data-lab`), else the default lab; an
//! unknown lab is 404. Its answer names the lab (`"lab": ID`).
//! - `POST /api/check/{n}[?wait=SECONDS]` → the step's report: the JSON of `checker step N -o json`
//!   plus `title`, `pending_hint`, `pod_rows` (kubectl's columns), `context`, `namespace`,
//!   `server`, `checked_at`, and `timing_tables` (each pod's timing table as the terminal prints
//!   it: `pod`, `title`, `header`, `rows`). With `wait` (at most [`MAX_WAIT`]), a pending step is checked again
//!   every [`WAIT_INTERVAL`] until it is no longer pending or the time is up. The result is
//!   recorded in the progress file, as `checker step N` records it.
//! - `GET /api/progress` → `{"passed": k, "total": n, "complete": bool, "steps": {"1": {"verdict",
//!   "at", "passed_at", "at_text", "passed_at_text"}}, "goals": [...], ...}`: `passed` counts the
//!   steps that passed at least once; `verdict` and `at` are the latest result, `passed_at` the
//!   last pass (or null); the `*_text` times are in the learner's zone and words.
//! - `GET /api/status` → `{"pods": [rows as kubectl prints them], "context", ...}`
//! - `GET /api/quiz` → the lab's quiz and self-ratings as the progress file keeps them
//!   (`{"quiz": {"total", "answers": {"quiz-1": {"choice": "b", "right": true}}, "ratings":
//!   {"knowledge": 4}, "at"}}`, or `{"quiz": null}`); `POST /api/quiz` with `{"total", "answers",
//!   "ratings"}` (at most [`QUIZ_BODY_LIMIT`] bytes, sent within [`BODY_TIMEOUT`]) replaces them: the served book keeps them in
//!   the progress file, so that they outlive the port (a browser keeps localStorage per origin)
//!   and `checker progress` and `checker report` show them. Both answer with the record, its
//!   `summary` ([`crate::quiz::QuizSummary`]) and `text`, the sidebar's line in the page's
//!   language (null when nothing is answered or rated). Neither touches the cluster. A body
//!   the book cannot have sent is 400 `{"kind": "input"}`.
//!
//! The cluster work runs apart from the server ([`super::checks`]): identical checks at the same
//! time share one observation, and requests beyond the bound get 503 `{"kind": "busy"}`.
//!
//! Every request may name the page's language, `lang=zh|en`, in its query (`?lang=en`,
//! `?wait=30&lang=en`): the texts of the answer (descriptions, hints, errors, goals, the words of
//! `/api/health`) are in it; without it they are in the server's language (`--lang`, else the
//! book's).
//!
//! A cluster problem is `{"error": "<one line naming server and context>", "kind":
//! "unreachable" | "access_denied" | "server" | "input", "help": "...", "commands": [...]}` with
//! 503 (unreachable, input) or 502 (access denied, bad answer); an unknown step is 404.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::AppState;
use super::checks::Checked;
use crate::clock;
use crate::context::Context;
use crate::error::Error;
use crate::evaluate::Verdict;
use crate::i18n::{Lang, tr};
use crate::progress::{QuizAnswer, QuizRecord};
use crate::report::{self, StepJson};
use crate::status::pod_row;
use crate::table;
use crate::words;

/// The longest a `?wait=` long poll may last.
pub const MAX_WAIT: Duration = Duration::from_secs(120);
/// How often a long poll checks again.
pub const WAIT_INTERVAL: Duration = Duration::from_secs(2);

/// The largest body of `POST /api/quiz`: a quiz at the bounds of [`QuizRecord::validate`] fits.
pub const QUIZ_BODY_LIMIT: usize = 16 * 1024;
/// A request body must arrive within this time (as its headers must: see `serve.rs`), or the
/// answer is 408 and the connection is closed.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(5);

/// The commands that start a local cluster, offered when there is none.
const LOCAL_CLUSTERS: &[&str] = &["kind create cluster", "minikube start", "k3d cluster create"];

pub(crate) async fn health(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    // The page's language; the lab does not matter here (every lab is listed).
    let lang = state.ctx_for(query.as_deref()).map_or(state.ctx.lang, |ctx| ctx.lang);
    let steps = |spec: &lab_spec::LabSpec| spec.steps.iter().map(|s| s.number).collect::<Vec<u32>>();
    let lab_json = |spec: &lab_spec::LabSpec| {
        let chapters: serde_json::Map<String, Value> = spec
            .steps
            .iter()
            .filter_map(|s| {
                let page = state.chapters.get(&(spec.id.clone(), s.number))?;
                Some((s.number.to_string(), json!(page)))
            })
            .collect();
        let titles: serde_json::Map<String, Value> =
            spec.steps.iter().map(|s| (s.number.to_string(), json!(s.title.get(lang)))).collect();
        json!({ "lab": spec.id, "steps": steps(spec), "chapters": chapters, "titles": titles })
    };
    let labs: Vec<Value> = state.ctx.labs.iter().map(|l| lab_json(&l.spec)).collect();
    let mut health = lab_json(&state.ctx.spec);
    health["ok"] = json!(true);
    health["labs"] = json!(labs);
    health["words"] = words::json(lang);
    Json(health).into_response()
}

/// The 404 for a lab the book does not have.
fn unknown_lab(state: &AppState, id: &str, query: Option<&str>) -> Response {
    let known = state.ctx.labs.ids();
    let message = tr(
        state.lang_for(query),
        &format!("没有实验 {id}：本书的实验为 {known}"),
        &format!("no lab {id}: the book's labs are {known}"),
    );
    (StatusCode::NOT_FOUND, Json(json!({ "error": message, "kind": "not_found" }))).into_response()
}

pub(crate) async fn not_found(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let message = tr(
        state.ctx_for(query.as_deref()).map_or(state.ctx.lang, |ctx| ctx.lang),
        "没有这个 API",
        "no such API",
    );
    (StatusCode::NOT_FOUND, Json(json!({ "error": message, "kind": "not_found" }))).into_response()
}

pub(crate) async fn check(
    State(state): State<Arc<AppState>>,
    Path(step): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let ctx = &match state.ctx_for(query.as_deref()) {
        Ok(ctx) => ctx,
        Err(id) => return unknown_lab(&state, id, query.as_deref()),
    };
    let Some(step) = step.parse::<u32>().ok().and_then(|n| ctx.spec.step(n)) else {
        let known: Vec<String> = ctx.spec.steps.iter().map(|s| s.number.to_string()).collect();
        let message = tr(
            ctx.lang,
            &format!("没有步骤 {step}：本实验的步骤是 {}", known.join(", ")),
            &format!("no step {step}: the lab has steps {}", known.join(", ")),
        );
        return (StatusCode::NOT_FOUND, Json(json!({ "error": message, "kind": "not_found" })))
            .into_response();
    };
    let wait = match parse_wait(query.as_deref(), ctx.lang) {
        Ok(wait) => wait,
        Err(message) => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": message, "kind": "input" })))
                .into_response();
        }
    };

    let Some(_admitted) = state.checks.admit() else {
        return busy(ctx);
    };
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let checked = state.checks.check(ctx, step.number).await;
        let checked = match checked.as_ref() {
            Ok(checked) => checked,
            Err(e) => return cluster_error(ctx, e),
        };
        let now = tokio::time::Instant::now();
        if checked.report.verdict != Verdict::Pending || now >= deadline {
            return Json(step_json(checked, ctx.lang)).into_response();
        }
        tokio::time::sleep(WAIT_INTERVAL.min(deadline - now)).await;
    }
}

/// `wait=SECONDS` from the query (other parameters are ignored), capped at [`MAX_WAIT`].
fn parse_wait(query: Option<&str>, lang: Lang) -> Result<Duration, String> {
    let Some(value) = query.into_iter().flat_map(|q| q.split('&')).find_map(|p| p.strip_prefix("wait="))
    else {
        return Ok(Duration::ZERO);
    };
    let seconds: u64 = value.parse().map_err(|_| {
        tr(
            lang,
            &format!("wait 应为秒数，而不是 {value:?}"),
            &format!("wait must be a number of seconds, not {value:?}"),
        )
    })?;
    Ok(Duration::from_secs(seconds).min(MAX_WAIT))
}

/// The report as `checker step N -o json` prints it, and what the page needs besides.
fn step_json(checked: &Checked, lang: Lang) -> Value {
    let report = &checked.report;
    let mut value = serde_json::to_value(StepJson::new(report)).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut value {
        map.insert("title".into(), json!(report.title));
        map.insert("pending_hint".into(), json!(report.pending_hint));
        map.insert("pod_rows".into(), json!(report.pods));
        map.insert("context".into(), json!(checked.context));
        map.insert("namespace".into(), json!(checked.namespace));
        map.insert("server".into(), json!(checked.server));
        map.insert("checked_at".into(), json!(Timestamp::now().to_string()));
        // The timing tables as the terminal prints them, for the page to draw as they are.
        let tables: Vec<Value> = report
            .timings
            .iter()
            .map(|t| {
                let table = table::timings(t, lang);
                let title = report::timings_title(t, lang);
                json!({ "pod": t.pod, "title": title, "header": table.header, "rows": table.rows })
            })
            .collect();
        map.insert("timing_tables".into(), json!(tables));
        if let Some(w) = &checked.warning {
            map.insert("warning".into(), json!(w));
        }
    }
    value
}

pub(crate) async fn progress(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let ctx = &match state.ctx_for(query.as_deref()) {
        Ok(ctx) => ctx,
        Err(id) => return unknown_lab(&state, id, query.as_deref()),
    };
    let Some(_admitted) = state.checks.admit() else {
        return busy(ctx);
    };
    // No kubeconfig (or none that works): no context, and so no progress to show.
    let cluster = state.checks.connect(ctx).await.ok();
    let recorded = match &cluster {
        Some(cluster) => match state.checks.progress(ctx, cluster).await {
            Ok(progress) => progress,
            Err(e) => return cluster_error(ctx, &e),
        },
        None => Default::default(),
    };
    let steps: serde_json::Map<String, Value> = ctx
        .spec
        .steps
        .iter()
        .filter_map(|s| {
            let r = recorded.get(&s.number)?;
            let mut value = json!(r.summary());
            // The same times in the learner's zone and words, as the terminal shows them.
            value["at_text"] = json!(clock::datetime(r.at, ctx.lang));
            value["passed_at_text"] = json!(r.passed_at.map(|at| clock::datetime(at, ctx.lang)));
            Some((s.number.to_string(), value))
        })
        .collect();
    let goals: Vec<Value> = ctx
        .spec
        .goals
        .iter()
        .map(|g| {
            json!({
                "id": g.id,
                "text": g.text.get(ctx.lang),
                "achieved": report::goal_achieved(g, &recorded),
            })
        })
        .collect();
    Json(json!({
        "lab": ctx.spec.id,
        "passed": report::passed_count(&ctx.spec, &recorded),
        "total": ctx.spec.steps.len(),
        "complete": report::complete(&ctx.spec, &recorded),
        "steps": steps,
        "goals": goals,
        "context": cluster.as_ref().map(|c| c.context.as_str()),
        "namespace": cluster.as_ref().map_or(ctx.target.namespace.as_str(), |c| c.namespace.as_str()),
    }))
    .into_response()
}

pub(crate) async fn status(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let ctx = &match state.ctx_for(query.as_deref()) {
        Ok(ctx) => ctx,
        Err(id) => return unknown_lab(&state, id, query.as_deref()),
    };
    let Some(_admitted) = state.checks.admit() else {
        return busy(ctx);
    };
    let (cluster, pods) = match state.checks.pods(ctx).await {
        Ok(found) => found,
        Err(e) => return cluster_error(ctx, &e),
    };
    let now = Timestamp::now();
    let rows: Vec<_> = pods.iter().map(|p| pod_row(p, now)).collect();
    Json(json!({
        "lab": ctx.spec.id,
        "pods": rows,
        "context": cluster.context,
        "namespace": cluster.namespace,
        "server": cluster.server,
        "at": now.to_string(),
    }))
    .into_response()
}

/// Too many requests already wait for the cluster: 503 at once, so that they never take every
/// connection the server allows.
fn busy(ctx: &Context) -> Response {
    let max = super::checks::MAX_REQUESTS;
    let message = tr(
        ctx.lang,
        &format!("已有 {max} 个请求在等待集群：稍后再试"),
        &format!("{max} requests are already waiting for the cluster: try again shortly"),
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::RETRY_AFTER, "5")],
        Json(json!({ "error": message, "kind": "busy" })),
    )
        .into_response()
}

/// A problem with the cluster (or the kubeconfig) as JSON: what happened, in one line, and what
/// to do about it.
fn cluster_error(ctx: &Context, error: &Error) -> Response {
    let lang = ctx.lang;
    let kind = error.kind();
    let status = match error {
        Error::AccessDenied(_) | Error::Server(_) | Error::Credentials(_) => StatusCode::BAD_GATEWAY,
        Error::Unreachable(_) | Error::Input(_) | Error::Usage(_) | Error::Output(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    let (help, commands): (String, &[&str]) = match kind {
        "access_denied" => {
            let ns = &ctx.target.namespace;
            let help = match &ctx.spec.rbac {
                Some(rbac) => tr(
                    lang,
                    &format!(
                        "当前上下文的凭据不能读取命名空间 {ns} 中的 Pod。换一个有权限的上下文（kubectl config use-context …），\
                         或让管理员应用 {rbac}。"
                    ),
                    &format!(
                        "The current context's credentials may not read the pods of namespace {ns}. Switch to a \
                         context that may (kubectl config use-context …), or have an admin apply {rbac}."
                    ),
                ),
                None => tr(
                    lang,
                    &format!(
                        "当前上下文的凭据不能读取命名空间 {ns} 中的 Pod。换一个有权限的上下文（kubectl config use-context …），\
                         或让管理员授予读取权限。"
                    ),
                    &format!(
                        "The current context's credentials may not read the pods of namespace {ns}. Switch to a \
                         context that may (kubectl config use-context …), or have an admin grant read access."
                    ),
                ),
            };
            (help, &[])
        }
        "credentials" => (
            tr(
                lang,
                "kubeconfig 的凭据插件没有给出凭据。在终端里运行一次 kubectl get pods，看它需要什么（登录、网络），然后再检查。",
                "The kubeconfig's credential plugin gave no credentials. Run kubectl get pods once in a terminal \
                 to see what it needs (a login, the network), then check again.",
            ),
            &[],
        ),
        _ => (
            tr(
                lang,
                "没有可用的集群？在本机启动一个（任选其一），然后用 kubectl config current-context 确认上下文，再运行检查：",
                "No cluster at hand? Start a local one (any of these), check the context with \
                 kubectl config current-context, then run the check again:",
            ),
            LOCAL_CLUSTERS,
        ),
    };
    (status, Json(json!({ "error": error.text(lang), "kind": kind, "help": help, "commands": commands })))
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_is_parsed_and_capped() {
        assert_eq!(parse_wait(None, Lang::En), Ok(Duration::ZERO));
        assert_eq!(parse_wait(Some("x=1"), Lang::En), Ok(Duration::ZERO));
        assert_eq!(parse_wait(Some("x=1&wait=5"), Lang::En), Ok(Duration::from_secs(5)));
        assert_eq!(parse_wait(Some("wait=100000"), Lang::En), Ok(MAX_WAIT));
        assert!(parse_wait(Some("wait=soon"), Lang::Zh).unwrap_err().contains("秒数"));
    }

    proptest::proptest! {
        #[test]
        fn any_query_waits_at_most_the_maximum(query in "\\PC{0,40}", n in proptest::prelude::any::<u64>()) {
            for q in [query.clone(), format!("{query}&wait={n}"), format!("wait={n}")] {
                if let Ok(wait) = parse_wait(Some(&q), Lang::En) {
                    proptest::prop_assert!(wait <= MAX_WAIT);
                }
            }
        }
    }
}

/// The body of `POST /api/quiz`: the page's whole quiz state (the server adds the time).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct QuizInput {
    total: u32,
    #[serde(default)]
    answers: std::collections::BTreeMap<String, QuizAnswer>,
    #[serde(default)]
    ratings: std::collections::BTreeMap<String, u8>,
}

pub(crate) async fn quiz(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let ctx = &match state.ctx_for(query.as_deref()) {
        Ok(ctx) => ctx,
        Err(id) => return unknown_lab(&state, id, query.as_deref()),
    };
    match state.checks.quiz(&ctx.spec.id).await {
        Ok(quiz) => Json(quiz_json(ctx, quiz.as_ref())).into_response(),
        Err(e) => progress_error(ctx, &e),
    }
}

pub(crate) async fn save_quiz(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: axum::body::Body,
) -> Response {
    let ctx = &match state.ctx_for(query.as_deref()) {
        Ok(ctx) => ctx,
        Err(id) => return unknown_lab(&state, id, query.as_deref()),
    };
    let body = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, QUIZ_BODY_LIMIT)).await {
        Ok(Ok(body)) => body,
        Ok(Err(e))
            if std::error::Error::source(&e).is_some_and(|e| e.is::<http_body_util::LengthLimitError>()) =>
        {
            let message = tr(
                ctx.lang,
                &format!("测验数据超过 {QUIZ_BODY_LIMIT} 字节"),
                &format!("the quiz data is larger than {QUIZ_BODY_LIMIT} bytes"),
            );
            return (StatusCode::PAYLOAD_TOO_LARGE, Json(json!({ "error": message, "kind": "input" })))
                .into_response();
        }
        // The client went away: nobody reads the answer.
        Ok(Err(_)) => return StatusCode::BAD_REQUEST.into_response(),
        Err(_) => {
            let secs = BODY_TIMEOUT.as_secs();
            let message = tr(
                ctx.lang,
                &format!("测验数据在 {secs} 秒内没有传完"),
                &format!("the quiz data did not arrive within {secs}s"),
            );
            return (StatusCode::REQUEST_TIMEOUT, Json(json!({ "error": message, "kind": "input" })))
                .into_response();
        }
    };
    let input: QuizInput = match serde_json::from_slice(&body) {
        Ok(input) => input,
        Err(e) => {
            let e = crate::sanitize::line(&e.to_string()).into_owned();
            let message = tr(ctx.lang, &format!("测验数据无效：{e}"), &format!("invalid quiz data: {e}"));
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": message, "kind": "input" })))
                .into_response();
        }
    };
    let record = QuizRecord {
        total: input.total,
        answers: input.answers,
        ratings: input.ratings,
        at: Timestamp::now(),
    };
    if let Err(reason) = record.validate() {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": reason.get(ctx.lang), "kind": "input" })))
            .into_response();
    }
    match state.checks.record_quiz(&ctx.spec.id, record.clone()).await {
        Ok(()) => Json(quiz_json(ctx, Some(&record))).into_response(),
        Err(e) => progress_error(ctx, &e),
    }
}

/// The answer of `/api/quiz`: the record as kept, and its summary and sidebar line (`text`, or
/// null when nothing is answered or rated) in the page's language.
fn quiz_json(ctx: &Context, quiz: Option<&QuizRecord>) -> serde_json::Value {
    let summary = quiz.map(|q| crate::quiz::QuizSummary::new(q, ctx.lang));
    let text = summary.as_ref().filter(|s| !s.is_empty()).map(|s| s.line(ctx.lang));
    json!({ "lab": ctx.spec.id, "quiz": quiz, "summary": summary, "text": text })
}

/// The progress file could not be read or written: 500 with the reason.
fn progress_error(ctx: &Context, error: &Error) -> Response {
    let message = error.message().get(ctx.lang);
    (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": message, "kind": "progress" }))).into_response()
}
