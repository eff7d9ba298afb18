//! The teacher's class dashboard, `checker serve --class`: every learner's verdict on every
//! step of the lab, live.
//!
//! One follower ([`crate::class::follow`]: one watch per kind, across the class) runs on the
//! checks' runtime and publishes the whole board into a `watch` channel after each change. Each
//! open dashboard holds one Server-Sent Events stream, `GET /api/class/events`: first `board`
//! (the board as `checker class status --watch -o json` prints its first line), then `rows`
//! (`{"at", "changed", "left"}`: the learners whose row differs from what this stream sent),
//! and `problem` (`{"error", "kind"}`, in the page's language) while the cluster cannot be
//! followed (the follower tries again every [`RETRY`]). Nothing a browser does makes a request
//! to the cluster: the browser never asks per learner, and a hundred open dashboards share the
//! one follower.
//!
//! `GET /_checker/class[?lang=zh|en]` is the page: the step titles in its language, the verdict
//! words, and its script.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use futures::StreamExt;
use futures::stream;
use lab_spec::Lang;
use serde_json::json;
use tokio::sync::watch;

use super::AppState;
use super::checks::Checks;
use crate::class::board::{Board, LearnerRow};
use crate::class::live::Update;
use crate::class::{self, Members, render};
use crate::cluster::Cluster;
use crate::context::Context;
use crate::error::Error;
use crate::i18n::tr;
use crate::words;

/// After the follower fails (the cluster unreachable, a refusal), it starts again after this.
pub const RETRY: Duration = Duration::from_secs(10);

const SCRIPT: &str = include_str!("class.js");
const STYLESHEET: &str = include_str!("class.css");

/// What the follower last published.
#[derive(Debug, Default)]
pub(crate) struct Feed {
    /// The board, once every watch has listed.
    pub board: Option<Board>,
    /// Why the class cannot be followed now (the board, if any, is the last one seen).
    pub problem: Option<Error>,
}

/// At most this many dashboards are open at once (each holds a connection); more get 503.
pub const MAX_STREAMS: usize = 32;
/// How soon a browser reconnects after its stream ends (the connection's lifetime, a restart).
const RECONNECT: Duration = Duration::from_secs(2);

/// The dashboard's end of the follower.
pub(crate) struct ClassFeed {
    feed: watch::Receiver<Arc<Feed>>,
    members: Members,
    streams: Arc<tokio::sync::Semaphore>,
}

impl ClassFeed {
    /// Starts following the class of `ctx`'s lab on the checks' runtime; it stops with the
    /// runtime.
    pub fn start(checks: &Checks, ctx: Arc<Context>, members: Members) -> ClassFeed {
        let (publish, feed) = watch::channel(Arc::new(Feed::default()));
        let following = members.clone();
        checks.spawn(async move {
            loop {
                let followed = async {
                    let cluster = Cluster::connect(&ctx.target).await?;
                    let stop = async { publish.closed().await };
                    class::follow(&cluster, &ctx.spec, &following, ctx.lang, stop, |live, _| {
                        publish.send_replace(Arc::new(Feed { board: Some(live.board()), problem: None }));
                        Ok(())
                    })
                    .await
                };
                match followed.await {
                    Ok(()) => return,
                    Err(problem) => {
                        let board = publish.borrow().board.clone();
                        publish.send_replace(Arc::new(Feed { board, problem: Some(problem) }));
                    }
                }
                tokio::time::sleep(RETRY).await;
            }
        });
        ClassFeed { feed, members, streams: Arc::new(tokio::sync::Semaphore::new(MAX_STREAMS)) }
    }
}

/// `GET /api/class/events`: the board, then what changes, as Server-Sent Events.
pub(crate) async fn events(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let lang = state.lang_for(query.as_deref());
    let Some(class) = &state.class else {
        return no_class(lang);
    };
    let Ok(slot) = class.streams.clone().try_acquire_owned() else {
        let message = tr(
            lang,
            &format!("已经打开了 {MAX_STREAMS} 个班级看板：关掉一些再试"),
            &format!("{MAX_STREAMS} class dashboards are open already: close some and try again"),
        );
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"error": message, "kind": "busy"})))
            .into_response();
    };
    let feed = class.feed.clone();
    // Per stream: what it has sent (`None` before the board), the problem it shows, and whether
    // the next message waits for a change. The stream holds its slot, and ends when the server
    // stops.
    let start = (feed, None::<BTreeMap<String, LearnerRow>>, None::<String>, false, slot);
    let messages = stream::unfold(start, move |(mut feed, mut sent, mut shown, wait, slot)| async move {
        if wait && feed.changed().await.is_err() {
            return None;
        }
        loop {
            let now = feed.borrow_and_update().clone();
            if let Some(event) = message(&now, &mut sent, &mut shown, lang) {
                let event = if wait { event } else { event.retry(RECONNECT) };
                return Some((Ok::<_, Infallible>(event), (feed, sent, shown, true, slot)));
            }
            feed.changed().await.ok()?;
        }
    });
    let mut stopping = state.stopping.clone();
    let messages = messages.take_until(async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    });
    Sse::new(messages).keep_alive(KeepAlive::default()).into_response()
}

/// The event a stream sends for the feed as it is now, given what it sent; `None`: nothing new.
fn message(
    feed: &Feed,
    sent: &mut Option<BTreeMap<String, LearnerRow>>,
    shown: &mut Option<String>,
    lang: Lang,
) -> Option<Event> {
    if let Some(problem) = &feed.problem {
        let text = problem.text(lang).to_string();
        if shown.as_ref() == Some(&text) {
            return None;
        }
        *shown = Some(text.clone());
        let data = json!({"error": text, "kind": problem.kind()});
        return Some(Event::default().event("problem").data(data.to_string()));
    }
    *shown = None;
    let board = feed.board.as_ref()?;
    let rows: BTreeMap<String, LearnerRow> =
        board.learners.iter().map(|l| (l.namespace.clone(), l.clone())).collect();
    let Some(before) = sent.replace(rows.clone()) else {
        return Some(Event::default().event("board").data(render::json_line(board).trim_end()));
    };
    let changed: Vec<LearnerRow> =
        rows.iter().filter(|(ns, row)| before.get(*ns) != Some(row)).map(|(_, row)| row.clone()).collect();
    let left: Vec<String> = before.keys().filter(|ns| !rows.contains_key(*ns)).cloned().collect();
    let update = Update { at: Some(board.at), changed, left };
    // A new board without a visible difference (a problem that cleared) still says it is live.
    Some(Event::default().event("rows").data(render::changes_json(board, &update).trim_end()))
}

/// `GET /_checker/class`: the dashboard page, in the language of `?lang=`.
pub(crate) async fn page(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let lang = state.lang_for(query.as_deref());
    let Some(class) = &state.class else {
        return no_class(lang);
    };
    let ctx = if lang == state.other.lang { &state.other } else { &state.ctx };
    let spec = &ctx.spec;
    let members = match &class.members {
        Members::Selector(s) => tr(lang, &format!("标签选择器 {s}"), &format!("label selector {s}")),
        Members::Prefix(p) => tr(lang, &format!("名字以 {p} 开头"), &format!("names starting with {p}")),
    };
    let title = tr(lang, "班级看板", "Class dashboard");
    let data = json!({
        "lang": if lang == Lang::En { "en" } else { "zh" },
        "lab": spec.id,
        "steps": spec.steps.iter().map(|s| json!({"number": s.number, "id": s.id, "title": s.title.get(lang)})).collect::<Vec<_>>(),
        "words": words::json(lang),
        "text": {
            "namespace": tr(lang, "命名空间", "Namespace"),
            "passed": tr(lang, "通过", "Passed"),
            "activity": tr(lang, "最近活动", "Last activity"),
            "learners": tr(lang, "名学员", "learners"),
            "done": tr(lang, "名已完成全部步骤", "through every step"),
            "updated": tr(lang, "更新于", "updated"),
            "waiting": tr(lang, "正在读取班级（每种资源一个 watch）……", "Reading the class (one watch per kind)…"),
            "lost": tr(lang, "与 checker 的连接断开了，正在重连……", "Lost the connection to the checker; reconnecting…"),
            "empty": tr(lang, "没有找到班级的命名空间：用 --class-selector 或 --class-prefix 指定它们。", "No namespaces of the class found: name them with --class-selector or --class-prefix."),
            "ago": tr(lang, "前", "ago"),
        },
    });
    let heading =
        tr(lang, &format!("实验 {} · 班级看板", spec.id), &format!("Lab {} · class dashboard", spec.id));
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · {lab}</title>\n<link rel=\"icon\" href=\"data:,\">\n<link rel=\"stylesheet\" href=\"/_checker/class.css\">\n</head>\n<body>\n\
         <header><h1>{heading}</h1><p class=\"members\">{members}</p>\
         <p id=\"summary\" aria-live=\"polite\"></p><p id=\"problem\" role=\"alert\" hidden></p></header>\n\
         <main><div class=\"scroll\"><table id=\"board\"><thead></thead><tbody></tbody></table></div>\
         <p id=\"legend\"></p></main>\n\
         <script id=\"class-data\" type=\"application/json\">{data}</script>\n\
         <script src=\"/_checker/class.js\"></script>\n</body>\n</html>\n",
        html_lang = if lang == Lang::En { "en" } else { "zh-CN" },
        title = escape(&title),
        lab = escape(&spec.id),
        heading = escape(&heading),
        members = escape(&members),
        data = data.to_string().replace("</", "<\\/"),
    );
    ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response()
}

pub(crate) async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], SCRIPT)
        .into_response()
}

pub(crate) async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], STYLESHEET)
        .into_response()
}

/// The server was started without `--class`.
fn no_class(lang: Lang) -> Response {
    let message = tr(
        lang,
        "这个服务器没有班级看板：用 `checker serve --class` 启动它（需要教师的 kubeconfig）",
        "this server has no class dashboard: start it with `checker serve --class` (with the teacher's kubeconfig)",
    );
    (StatusCode::NOT_FOUND, axum::Json(json!({"error": message, "kind": "not_found"}))).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
