//! `checker serve`: the book in the browser, with a Run-check button in every verify box.
//!
//! The book is built in-process ([`crate::book`]) into a temporary directory and served with axum
//! on the same Tokio runtime as the kube client. The server adds its script and stylesheet
//! (`/_checker/serve.js`, `/_checker/serve.css`) to every HTML page it serves, so the buttons
//! exist only when the book is served by the checker: the built book itself is the plain one
//! `mdbook build` makes, with the copyable `checker step N` command in each box.
//!
//! The JSON API ([`api`]) runs the lab's predefined, read-only step checks against the learner's
//! current kube context, exactly as `checker step N` does, and records the results in the same
//! progress file. [`guard`] keeps other web sites out (Host and Origin checks); [`files`] serves
//! the built book and nothing outside it.

mod api;
mod files;
mod guard;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{any, get, post};
use tokio::sync::Semaphore;

use crate::book;
use crate::cli::ServeArgs;
use crate::cluster::Cluster;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::i18n::{self, tr};
use crate::msg;
use crate::sanitize::line;

/// At most this many checks talk to the cluster at once; more wait their turn.
const CONCURRENT_CHECKS: usize = 4;
/// After Ctrl-C, requests still running (a long poll) get this long before we exit anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// What the handlers share.
pub(crate) struct AppState {
    pub ctx: Context,
    /// The built book's HTML, canonicalized.
    pub html_dir: PathBuf,
    pub guard: guard::Hosts,
    pub checks: Semaphore,
}

/// Runs `checker serve` until Ctrl-C (or SIGTERM).
pub async fn serve(ctx: &Context, lang_given: bool, args: &ServeArgs) -> Result<ExitCode> {
    let cwd = std::env::current_dir()
        .map_err(|e| Error::Input(msg!("无法读取当前目录：{e}", "cannot read the current directory: {e}")))?;
    let root = book::find_root(args.book.as_deref(), &cwd)?;

    let temp;
    let dest = match &args.dest {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::Builder::new().prefix("checker-book-").tempdir().map_err(|e| {
                Error::Input(msg!("无法创建临时目录：{e}", "cannot create a temporary directory: {e}"))
            })?;
            temp.path().to_path_buf()
        }
    };
    let build_root = root.clone();
    let built = tokio::task::spawn_blocking(move || book::build(&build_root, &dest))
        .await
        .map_err(|e| Error::Input(msg!("书的构建中止了：{e}", "the book build stopped: {e}")))??;
    for warning in &built.warnings {
        crate::i18n::warn(warning);
    }
    let html_dir = built.html_dir.canonicalize().map_err(|e| {
        let dir = built.html_dir.display();
        Error::Input(msg!("无法打开构建好的书 {dir}：{e}", "cannot open the built book {dir}: {e}"))
    })?;

    let lang = if lang_given { ctx.lang } else { built.lang };
    i18n::set_lang(lang);
    let ctx = Context { spec: ctx.spec.clone(), target: ctx.target.clone(), lang };

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
    let url = page_url(local);

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
    describe_target(&ctx).await;

    let state = Arc::new(AppState {
        ctx,
        html_dir,
        guard: guard::Hosts::new(args.address, local.port()),
        checks: Semaphore::new(CONCURRENT_CHECKS),
    });
    let app = router(state);

    {
        use std::io::Write;
        let mut out = std::io::stdout();
        let _ = writeln!(
            out,
            "checker serve: {url}  {}",
            tr(lang, "（按 Ctrl-C 停止）", "(press Ctrl-C to stop)")
        );
        let _ = out.flush();
    }
    if args.open {
        open_browser(&url);
    }

    let server = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal());
    tokio::select! {
        result = server => result.map_err(|e| Error::Input(msg!("网页服务器停止了：{e}", "the web server stopped: {e}")))?,
        () = async { shutdown_signal().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/health", get(api::health))
        .route("/api/check/{step}", post(api::check))
        .route("/api/progress", get(api::progress))
        .route("/api/status", get(api::status))
        .route("/api/{*rest}", any(api::not_found))
        .route("/_checker/serve.js", get(files::script))
        .route("/_checker/serve.css", get(files::stylesheet))
        .fallback(files::book_file)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::guard))
        .with_state(state)
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
async fn describe_target(ctx: &Context) {
    match Cluster::connect(&ctx.target).await {
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

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
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
