//! Serves the built book, and nothing outside it, with the checker's script added to each page.
//!
//! The request path is percent-decoded once and split on `/`; a segment `..`, a backslash, a NUL
//! or a drive-like `C:` anywhere is refused (400) rather than interpreted, empty and `.` segments
//! are dropped, and the file found must still lie inside the built book after symlinks are
//! resolved (404 otherwise). Directories are served by their `index.html`.

use std::path::Path;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::i18n::{Lang, tr};

/// The script that adds the Run-check buttons (only ever sent by `checker serve`).
const SCRIPT: &str = include_str!("serve.js");
/// Its stylesheet.
const STYLESHEET: &str = include_str!("serve.css");

/// What is added to every HTML page: the stylesheet at the end of `<head>`, the script at the end
/// of `<body>` (after mdBook's own scripts, so the sidebar exists when it runs).
const HEAD_TAGS: &str = "<link rel=\"stylesheet\" href=\"/_checker/serve.css\">\n";
const BODY_TAGS: &str = "<script src=\"/_checker/serve.js\"></script>\n";

pub(crate) async fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

pub(crate) async fn stylesheet() -> Response {
    asset(STYLESHEET, "text/css; charset=utf-8")
}

fn asset(text: &'static str, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], text).into_response()
}

/// Why a path is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BadPath {
    /// Not valid percent-encoding or UTF-8, or it tries to leave the book: 400.
    Malformed,
}

/// The book-relative path of a request path: its segments, decoded and checked.
pub fn relative_path(path: &str) -> Result<Vec<String>, BadPath> {
    let decoded = percent_decode(path).ok_or(BadPath::Malformed)?;
    if decoded.contains(['\\', '\0']) {
        return Err(BadPath::Malformed);
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(BadPath::Malformed),
            s if s.contains(':') => return Err(BadPath::Malformed),
            s => segments.push(s.to_string()),
        }
    }
    Ok(segments)
}

/// Decodes `%XX` escapes; `None` for a broken escape or text that is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The fallback route: a file of the built book.
pub(crate) async fn book_file(State(state): State<Arc<AppState>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")], "").into_response();
    }
    let Ok(segments) = relative_path(uri.path()) else {
        return (StatusCode::BAD_REQUEST, tr(state.ctx.lang, "路径无效\n", "bad path\n")).into_response();
    };
    let mut path = state.html_dir.clone();
    path.extend(&segments);
    if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
        if !uri.path().ends_with('/') {
            // Relative links inside the directory's index need the slash.
            let mut location = String::from("/");
            for s in &segments {
                location.push_str(&percent_encode(s));
                location.push('/');
            }
            return (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, location)]).into_response();
        }
        path.push("index.html");
    }
    match read_inside(&state.html_dir, &path).await {
        Some(bytes) => file_response(StatusCode::OK, &path, bytes),
        None => not_found(&state.html_dir, segments.first().map(String::as_str), state.ctx.lang).await,
    }
}

/// The book's own 404 page (mdBook writes `404.html`), with our script like every page: the
/// translated edition's when the path lies in one (`/en/…`), else the book's; plain text in
/// `lang` when there is none.
async fn not_found(html_dir: &Path, first: Option<&str>, lang: Lang) -> Response {
    let edition = first.map(|dir| html_dir.join(dir).join("404.html")).filter(|p| p.is_file());
    // A translated edition's directory is named by its language (`en/`).
    let lang = match (&edition, first) {
        (Some(_), Some(dir)) => mdbook_lab::lang_of(Some(dir)),
        _ => lang,
    };
    let page = edition.unwrap_or_else(|| html_dir.join("404.html"));
    match read_inside(html_dir, &page).await {
        Some(bytes) => file_response(StatusCode::NOT_FOUND, &page, bytes),
        None => (StatusCode::NOT_FOUND, tr(lang, "找不到这个页面\n", "not found\n")).into_response(),
    }
}

/// The file's bytes, if it exists and lies inside `root` once symlinks are resolved.
async fn read_inside(root: &Path, path: &Path) -> Option<Vec<u8>> {
    let real = tokio::fs::canonicalize(path).await.ok()?;
    if !real.starts_with(root) || !tokio::fs::metadata(&real).await.ok()?.is_file() {
        return None;
    }
    tokio::fs::read(&real).await.ok()
}

fn file_response(status: StatusCode, path: &Path, bytes: Vec<u8>) -> Response {
    let content_type = content_type(path);
    let body = match content_type.starts_with("text/html") {
        true => inject(&String::from_utf8_lossy(&bytes)).into_bytes(),
        false => bytes,
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Adds the checker's stylesheet and script to an HTML page.
pub(crate) fn inject(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + HEAD_TAGS.len() + BODY_TAGS.len());
    let (head_end, body_end) = (html.find("</head>"), html.rfind("</body>"));
    match (head_end, body_end) {
        (Some(h), Some(b)) if h < b => {
            out.push_str(&html[..h]);
            out.push_str(HEAD_TAGS);
            out.push_str(&html[h..b]);
            out.push_str(BODY_TAGS);
            out.push_str(&html[b..]);
        }
        _ => {
            out.push_str(html);
            out.push_str(HEAD_TAGS);
            out.push_str(BODY_TAGS);
        }
    }
    out
}

fn content_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "eot" => "application/vnd.ms-fontobject",
        "yaml" | "yml" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn percent_encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn segs(path: &str) -> Result<Vec<String>, BadPath> {
        relative_path(path)
    }

    fn join(root: &Path, segments: &[String]) -> PathBuf {
        let mut p = root.to_path_buf();
        p.extend(segments);
        p
    }

    #[test]
    fn plain_paths_are_their_segments() {
        assert_eq!(segs("/").unwrap(), Vec::<String>::new());
        assert_eq!(segs("/step1-deploy.html").unwrap(), ["step1-deploy.html"]);
        assert_eq!(segs("/a//./b/").unwrap(), ["a", "b"]);
        assert_eq!(segs("/%E4%B8%AD%E6%96%87/a.js").unwrap(), ["中文", "a.js"]);
    }

    #[test]
    fn escapes_are_refused() {
        for bad in [
            "/../Cargo.toml",
            "/a/../../Cargo.toml",
            "/%2e%2e/Cargo.toml",
            "/%2E%2E%2FCargo.toml",
            "/..%2fCargo.toml",
            "/..%5cCargo.toml",
            "/..\\Cargo.toml",
            "/%5c%5cserver%5cshare",
            "/C:/Windows/win.ini",
            "/c%3a/x",
            "/%00",
            "/%zz",
            "/%e4%b8",
        ] {
            assert_eq!(segs(bad), Err(BadPath::Malformed), "{bad}");
        }
    }

    #[test]
    fn absolute_paths_stay_inside_the_root() {
        let root = Path::new("/srv/book");
        assert_eq!(join(root, &segs("//etc/passwd").unwrap()), Path::new("/srv/book/etc/passwd"));
        assert_eq!(join(root, &segs("/%2Fetc%2Fpasswd").unwrap()), Path::new("/srv/book/etc/passwd"));
    }

    #[test]
    fn tags_go_at_the_end_of_head_and_body() {
        let page = "<html><head><title>t</title></head><body><p>x</p><script>1</script></body></html>";
        let out = inject(page);
        assert!(
            out.contains("<title>t</title><link rel=\"stylesheet\" href=\"/_checker/serve.css\">\n</head>")
        );
        assert!(out.contains("<script>1</script><script src=\"/_checker/serve.js\"></script>\n</body>"));
        assert!(inject("<p>fragment</p>").ends_with(BODY_TAGS));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 1024, ..Default::default() })]

        /// Whatever the path, its segments stay inside the book: no `..`, no separator, no NUL,
        /// no drive, nothing empty.
        #[test]
        fn any_path_decodes_to_segments_inside_the_book(path in "(/|%2[eEfF]|%5[cC]|%00|%[0-9a-fA-F]{0,2}|\\.|\\\\|:|[a-z]|\\PC){0,24}") {
            if let Ok(segments) = relative_path(&path) {
                for s in &segments {
                    proptest::prop_assert!(!s.is_empty() && s != "." && s != "..", "{path:?} → {segments:?}");
                    proptest::prop_assert!(!s.contains(['/', '\\', '\0', ':']), "{path:?} → {segments:?}");
                }
                let root = Path::new("/srv/book");
                proptest::prop_assert!(join(root, &segments).starts_with(root));
            }
        }

        /// A segment encoded as we encode redirects decodes back to itself.
        #[test]
        fn encoded_segments_decode_back(segments in proptest::collection::vec("[^/\\\\:\\x00]{1,12}", 1..4)) {
            proptest::prop_assume!(segments.iter().all(|s| s != "." && s != ".."));
            let path: String = segments.iter().map(|s| format!("/{}", percent_encode(s))).collect();
            proptest::prop_assert_eq!(relative_path(&path), Ok(segments));
        }
    }
}
