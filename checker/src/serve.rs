//! `checker serve`: the book in the browser, with a Run-check button in every verify box.
//!
//! The book is built in-process ([`crate::book`]) into a temporary directory (removed on exit,
//! Ctrl-C, SIGTERM and SIGHUP included) or into `--dest DIR`, which must be new, empty, or made by
//! an earlier `checker serve` ([`book::prepare_dest`]): the build empties it. The Chinese book is
//! at its root and each translated edition under its language (`/en/`); the page's script names
//! the page's language in its API requests (`?lang=en`), so the results, hints and progress speak
//! it, and `--lang` picks the edition the printed URL opens (default: the book's own language). The axum router is
//! served by hyper connection by connection ([`accept`]), with a header-read timeout and a bound
//! on connections; the cluster work runs on a runtime of its own ([`checks`]), so that pages and
//! `/api/health` answer whatever the checks do. The server adds its script and stylesheet
//! (`/_checker/serve.js`, `/_checker/serve.css`) to every HTML page it serves, so the buttons
//! exist only when the book is served by the checker: the built book itself is the plain one
//! `mdbook build` makes, with the copyable `checker step N` command in each box.
//!
//! The JSON API ([`api`]) runs the lab's predefined, read-only step checks against the learner's
//! current kube context, exactly as `checker step N` does, and records the results in the same
//! progress file. [`guard`] keeps other web sites out (Host and Origin checks); [`files`] serves
//! the built book and nothing outside it.

mod api;
mod chapters;
mod checks;
mod class;
mod files;
mod guard;

/// The request-path decoding, public for the fuzz target (`fuzz/`).
pub use files::{BadPath, relative_path};

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{any, get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use lab_spec::Lang;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::book;
use crate::cli::ServeArgs;
use crate::cluster::Cluster;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::i18n::{self, tr};
use crate::msg;
use crate::sanitize::line;

/// After Ctrl-C, requests still running (a long poll) get this long before we exit anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// At most this many connections are open at once; more wait in the listen backlog. API
/// requests that wait for the cluster take at most [`checks::MAX_REQUESTS`] of them.
const MAX_CONNECTIONS: usize = 256;
/// A client must send a request's headers within this time, counted from the connection's
/// start or the end of its previous response: a slow or idle client is disconnected.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// A request's headers may take at most this many bytes.
const MAX_HEADER_BYTES: usize = 64 * 1024;
/// A connection lives at most this long (then it finishes its request and closes; the browser
/// opens another).
const CONNECTION_LIFETIME: Duration = Duration::from_secs(600);

/// What the handlers share.
pub(crate) struct AppState {
    /// The context in the default language.
    pub ctx: Arc<Context>,
    /// The same in the other language, for the pages of the other edition.
    pub other: Arc<Context>,
    /// The built book's HTML, canonicalized.
    pub html_dir: PathBuf,
    /// (lab, step number) → the chapter holding its verify box ([`chapters`]), for the sidebar's
    /// chips.
    pub chapters: BTreeMap<chapters::StepKey, String>,
    pub guard: guard::Hosts,
    pub checks: checks::Checks,
    /// The class dashboard's follower (`--class`).
    pub class: Option<class::ClassFeed>,
    /// Becomes true when the server stops (long-lived responses end then).
    pub stopping: watch::Receiver<bool>,
}

impl AppState {
    /// The language a request asks for with `lang=zh|en` in its query, else the default one.
    pub fn lang_for(&self, query: Option<&str>) -> Lang {
        let asked = query.into_iter().flat_map(|q| q.split('&')).find_map(|p| p.strip_prefix("lang="));
        match asked.map(|l| mdbook_lab::lang_of(Some(l))) {
            Some(lang) if lang == self.other.lang => lang,
            _ => self.ctx.lang,
        }
    }

    /// The context a request asks for: in the language of `lang=zh|en` in its query (the page's
    /// language), else the default language; of the lab of `lab=ID` (a box's `data-lab`), else the
    /// default lab. `Err` names a lab the book does not have.
    pub fn ctx_for<'q>(&self, query: Option<&'q str>) -> Result<Arc<Context>, &'q str> {
        let param =
            |name: &str| query.into_iter().flat_map(|q| q.split('&')).find_map(|p| p.strip_prefix(name));
        let base = match self.lang_for(query) == self.other.lang {
            true => &self.other,
            false => &self.ctx,
        };
        match param("lab=") {
            Some(id) if id == base.spec.id => Ok(base.clone()),
            Some(id) => base.with_lab(id).map(Arc::new).ok_or(id),
            None => Ok(base.clone()),
        }
    }
}

/// Runs `checker serve` until Ctrl-C (or SIGTERM, SIGHUP). The temporary build directory is
/// removed on each of them, also when one comes during the build.
pub async fn serve(ctx: &Context, lang_given: bool, args: &ServeArgs) -> Result<ExitCode> {
    let stop = Stop::listen();
    // The class of the dashboard, checked before the book is built.
    let members = match args.class {
        true => Some(crate::class::Members::parse(
            args.class_selector.as_deref(),
            args.class_prefix.as_deref(),
            "class-",
        )?),
        false => None,
    };
    let cwd = std::env::current_dir()
        .map_err(|e| Error::Input(msg!("无法读取当前目录：{e}", "cannot read the current directory: {e}")))?;
    let root = book::find_root(args.book.as_deref(), &cwd)?;

    let temp;
    let (dest, given) = match &args.dest {
        Some(dir) => (book::prepare_dest(&root, dir)?, true),
        None => {
            temp = tempfile::Builder::new().prefix("checker-book-").tempdir().map_err(|e| {
                Error::Input(msg!("无法创建临时目录：{e}", "cannot create a temporary directory: {e}"))
            })?;
            (temp.path().to_path_buf(), false)
        }
    };
    // One set of labs for the boxes and the checks: the book's own, with any `--spec` lab.
    let ctx = match lab_spec::Labs::find_checkout(&root).filter(|found| *found == root) {
        Some(_) if ctx.labs.origin != lab_spec::Origin::Checkout(root.clone()) => {
            ctx.with_labs(ctx.labs.given_into(lab_spec::Labs::load(&root)?))
        }
        _ => ctx.clone(),
    };
    let build_root = root.clone();
    let build_dest = dest.clone();
    let labs = ctx.labs.clone();
    let mut build = tokio::task::spawn_blocking(move || book::build_all(&build_root, &build_dest, labs));
    let built = tokio::select! {
        built = &mut build => built,
        () = stop.requested() => {
            // mdBook cannot be stopped halfway: let it finish, then clean up and leave.
            let _ = build.await;
            if given {
                book::mark_dest(&dest)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    if given {
        book::mark_dest(&dest)?;
    }
    let editions =
        built.map_err(|e| Error::Input(msg!("书的构建中止了：{e}", "the book build stopped: {e}")))??;
    let built = &editions[0];
    // The same file is missing for every edition: say so once.
    for warning in &built.warnings {
        crate::i18n::warn(warning);
    }
    let html_dir = built.html_dir.canonicalize().map_err(|e| {
        let dir = built.html_dir.display();
        Error::Input(msg!("无法打开构建好的书 {dir}：{e}", "cannot open the built book {dir}: {e}"))
    })?;

    // The translated editions' directories (`en`), which hold the same chapters again.
    let edition_dirs: Vec<String> = editions[1..]
        .iter()
        .filter_map(|b| b.html_dir.strip_prefix(&built.html_dir).ok())
        .map(|dir| dir.to_string_lossy().into_owned())
        .collect();
    let chapters_dir = html_dir.clone();
    let chapters = tokio::task::spawn_blocking(move || chapters::find(&chapters_dir, &edition_dirs))
        .await
        .unwrap_or_default();

    let lang = if lang_given { ctx.lang } else { built.lang };
    i18n::set_lang(lang);
    // The edition in that language, as a path under the root: "" for the book, "en/" for English.
    let start = editions
        .iter()
        .find(|b| b.lang == lang)
        .and_then(|b| b.html_dir.strip_prefix(&built.html_dir).ok())
        .map(|dir| dir.iter().map(|s| format!("{}/", s.to_string_lossy())).collect::<String>())
        .unwrap_or_default();
    let other_lang = if lang == Lang::En { Lang::Zh } else { Lang::En };
    let other = Arc::new(Context { lang: other_lang, ..ctx.clone() });
    let ctx = Arc::new(Context { lang, ..ctx });

    let listener =
        tokio::net::TcpListener::bind(SocketAddr::new(args.address, args.port)).await.map_err(|e| {
            let at = SocketAddr::new(args.address, args.port);
            Error::Usage(msg!(
                "无法在 {at} 上监听：{e}；换一个 --port（0 表示任选空闲端口）",
                "cannot listen on {at}: {e}; pass another --port (0 picks a free one)"
            ))
        })?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Input(msg!("无法读取监听地址：{e}", "cannot read the listening address: {e}")))?;
    let url = format!("{}{start}", page_url(local));

    if !args.address.is_loopback() {
        i18n::warn(tr(
            lang,
            &format!(
                "在 {} 上提供服务，不只是本机：能访问这个地址的人都能打开这本书，并用你当前的 \
                     kube 上下文运行本实验的只读检查",
                args.address
            ),
            &format!(
                "serving on {}, not only on this machine: anyone who can reach this address \
                     can read the book and run the lab's read-only checks with your current kube \
                     context",
                args.address
            ),
        ));
    }
    let checks = checks::Checks::new()?;
    describe_target(&ctx, &checks).await;

    let class = members.map(|members| class::ClassFeed::start(&checks, ctx.clone(), members));
    let guard = guard::Hosts::new(args.address, local.port());
    let dashboard =
        class.is_some().then(|| format!("{}_checker/class?lang={}", page_url(local), lang_code(lang)));
    let stopping = stop.0.clone();
    let state = Arc::new(AppState { ctx, other, html_dir, chapters, guard, checks, class, stopping });
    let app = router(state.clone());

    {
        use std::io::Write;
        let mut out = std::io::stdout();
        let _ = writeln!(
            out,
            "checker serve: {url}  {}",
            tr(lang, "（按 Ctrl-C 停止）", "(press Ctrl-C to stop)")
        );
        if let Some(dashboard) = &dashboard {
            let _ = writeln!(out, "{}: {dashboard}", tr(lang, "班级看板", "class dashboard"));
        }
        let _ = out.flush();
    }
    if args.open {
        open_browser(&url);
    }

    accept(listener, app, &stop).await;
    state.checks.shutdown();
    Ok(ExitCode::SUCCESS)
}

/// Serves connections until a stop is requested, then lets them finish for [`SHUTDOWN_GRACE`].
/// Each connection is HTTP/1.1 with a [`HEADER_READ_TIMEOUT`], at most [`MAX_CONNECTIONS`] at
/// once.
async fn accept(listener: tokio::net::TcpListener, app: Router, stop: &Stop) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (closing, closed) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = stop.requested() => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before we took it: go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stop.requested() => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let mut closed = closed.clone();
        connections.spawn(async move {
            let _slot = slot;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .max_buf_size(MAX_HEADER_BYTES);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            let finished = tokio::select! {
                _ = conn.as_mut() => true,
                _ = closed.wait_for(|c| *c) => false,
                () = tokio::time::sleep(CONNECTION_LIFETIME) => false,
            };
            if !finished {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, conn).await;
            }
        });
        while connections.try_join_next().is_some() {}
    }
    let _ = closing.send(true);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async { while connections.join_next().await.is_some() {} })
        .await;
}

/// Ctrl-C, SIGTERM or SIGHUP, listened for from the start of `serve` (so that one during the
/// build still removes the temporary directory).
struct Stop(watch::Receiver<bool>);

impl Stop {
    fn listen() -> Stop {
        let (tx, rx) = watch::channel(false);
        let signal = shutdown_signal();
        tokio::spawn(async move {
            signal.await;
            let _ = tx.send(true);
        });
        Stop(rx)
    }

    async fn requested(&self) {
        let mut rx = self.0.clone();
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/health", get(api::health))
        .route("/api/check/{step}", post(api::check))
        .route("/api/progress", get(api::progress))
        .route("/api/status", get(api::status))
        .route("/api/quiz", get(api::quiz).post(api::save_quiz))
        .route("/api/class/events", get(class::events))
        .route("/api/{*rest}", any(api::not_found))
        .route("/_checker/class", get(class::page))
        .route("/_checker/class.js", get(class::script))
        .route("/_checker/class.css", get(class::stylesheet))
        .route("/_checker/serve.js", get(files::script))
        .route("/_checker/serve.css", get(files::stylesheet))
        .fallback(files::book_file)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::guard))
        .with_state(state)
}

/// A language as the book's query parameter names it.
fn lang_code(lang: Lang) -> &'static str {
    if lang == Lang::En { "en" } else { "zh" }
}

/// The URL to open: loopback names as they are, `localhost`-style for a wildcard address.
fn page_url(local: SocketAddr) -> String {
    match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("http://127.0.0.1:{}/", local.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => format!("http://[::1]:{}/", local.port()),
        _ => format!("http://{local}/"),
    }
}

/// Says which cluster the checks will look at (reading the kubeconfig only), or why none.
async fn describe_target(ctx: &Arc<Context>, checks: &checks::Checks) {
    let connected: Result<Cluster> = checks.connect(ctx).await;
    match connected {
        Ok(cluster) => {
            let (context, server) = (line(&cluster.context), line(&cluster.server));
            i18n::say(&tr(
                ctx.lang,
                &format!("检查使用上下文 \"{context}\"（{server}），命名空间 {}", cluster.namespace),
                &format!("checks use context \"{context}\" ({server}), namespace {}", cluster.namespace),
            ))
        }
        Err(e) => i18n::warn(format!(
            "{e}; {}",
            tr(
                ctx.lang,
                "书照常可读，检查会说明如何启动本地集群",
                "the book reads fine; the checks will say how to start a local cluster",
            )
        )),
    }
}

/// Registers the handlers for Ctrl-C, SIGTERM and SIGHUP now (a signal that comes before the
/// returned future is first polled is not lost, and no longer kills the process with its default
/// action), and returns a future that ends at the first of them.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut streams: Vec<_> = [SignalKind::interrupt(), SignalKind::terminate(), SignalKind::hangup()]
            .into_iter()
            .filter_map(|kind| signal(kind).ok())
            .collect();
        async move {
            if streams.is_empty() {
                return std::future::pending().await;
            }
            let any = streams.iter_mut().map(|s| Box::pin(s.recv()));
            let _ = futures::future::select_all(any).await;
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Opens the URL in the learner's browser; a failure is a warning (the URL is printed anyway).
fn open_browser(url: &str) {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    match cmd.spawn() {
        // Reap it when it is done (xdg-open returns at once; `open` and `start` too).
        Ok(mut child) => drop(std::thread::spawn(move || child.wait())),
        Err(e) => crate::i18n::warn(msg!(
            "无法打开浏览器（{e}）：请自己打开 {url}",
            "cannot open a browser ({e}): open {url} yourself"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_addresses_print_a_loopback_url() {
        assert_eq!(page_url("0.0.0.0:8080".parse().unwrap()), "http://127.0.0.1:8080/");
        assert_eq!(page_url("[::]:8080".parse().unwrap()), "http://[::1]:8080/");
        assert_eq!(page_url("127.0.0.1:3000".parse().unwrap()), "http://127.0.0.1:3000/");
        assert_eq!(page_url("[::1]:3000".parse().unwrap()), "http://[::1]:3000/");
    }
}
