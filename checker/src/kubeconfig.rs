//! Finding, reading and merging kubeconfigs the way kubectl does (client-go's `clientcmd`
//! loading rules), and picking the context, cluster and user to connect with.
//!
//! - `--kubeconfig FILE`: that file alone; it must exist.
//! - else `KUBECONFIG`, a list of files (`:` between them on Unix, `;` on Windows): empty entries
//!   are ignored, missing files skipped, a file that cannot be read or parsed is an error. The
//!   first file to set a map key (a cluster, user or context name) wins, with the whole entry;
//!   `current-context` comes from the first file that sets it to something non-empty.
//! - else `~/.kube/config`.
//!
//! Relative paths in a file (`certificate-authority`, `client-certificate`, `client-key`,
//! `tokenFile`, and an exec plugin's `command` when it holds a path separator) are relative to
//! that file's directory. A name defined twice in one file is an error, as in client-go.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kube::config::{AuthInfo, Cluster, Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext};

use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::input::{self, KUBECONFIG_LIMIT};
use crate::msg;

/// Where the kubeconfig comes from, in client-go's order of precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sources {
    /// `--kubeconfig FILE`: that file, which must exist.
    Explicit(PathBuf),
    /// `KUBECONFIG`: these files, merged; missing ones skipped.
    List(Vec<PathBuf>),
    /// `~/.kube/config` (may be missing).
    Home(Option<PathBuf>),
}

impl Sources {
    /// The sources for this process: the flag, else `KUBECONFIG` (when non-empty), else home.
    pub fn from_env(explicit: Option<&Path>) -> Sources {
        let home = std::env::home_dir().filter(|h| !h.as_os_str().is_empty());
        Sources::resolve(explicit, std::env::var_os("KUBECONFIG").as_deref(), home.as_deref())
    }

    /// [`Sources::from_env`] with the environment given.
    pub fn resolve(
        explicit: Option<&Path>,
        kubeconfig_env: Option<&std::ffi::OsStr>,
        home: Option<&Path>,
    ) -> Sources {
        if let Some(path) = explicit.filter(|p| !p.as_os_str().is_empty()) {
            return Sources::Explicit(path.to_path_buf());
        }
        match kubeconfig_env.filter(|v| !v.is_empty()) {
            Some(list) => {
                let mut seen = BTreeSet::new();
                let files = std::env::split_paths(list)
                    .filter(|p| !p.as_os_str().is_empty())
                    .filter(|p| seen.insert(p.clone()))
                    .collect();
                Sources::List(files)
            }
            None => Sources::Home(home.map(|h| h.join(".kube").join("config"))),
        }
    }
}

/// Reads and merges the kubeconfig files of `sources`.
pub fn load(sources: &Sources) -> Result<Kubeconfig> {
    let files: Vec<&Path> = match sources {
        Sources::Explicit(path) => {
            if is_missing(path) {
                let shown = path.display();
                return Err(Error::Input(msg!(
                    "kubeconfig {shown} 不存在（由 --kubeconfig 指定）",
                    "kubeconfig {shown} does not exist (given with --kubeconfig)"
                )));
            }
            vec![path]
        }
        Sources::List(files) => files.iter().map(PathBuf::as_path).collect(),
        Sources::Home(file) => file.iter().map(PathBuf::as_path).collect(),
    };
    let mut merged: Option<Kubeconfig> = None;
    for file in files {
        if is_missing(file) {
            continue;
        }
        let config = read_file(file)?;
        merged = Some(match merged {
            None => config,
            Some(first) => merge(first, config),
        });
    }
    merged.ok_or_else(|| Error::Input(nothing_found(sources)))
}

fn is_missing(path: &Path) -> bool {
    matches!(std::fs::metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
}

fn nothing_found(sources: &Sources) -> Msg {
    let (hint_zh, hint_en) = (
        "设置 KUBECONFIG 或 --kubeconfig，或先创建一个集群（例如 `kind create cluster`）",
        "set KUBECONFIG or --kubeconfig, or create a cluster (e.g. `kind create cluster`)",
    );
    match sources {
        Sources::List(files) if files.len() == 1 => {
            let file = files[0].display();
            msg!(
                "kubeconfig {file} 不存在（由 KUBECONFIG 指定）：{hint_zh}",
                "kubeconfig {file} does not exist (named by KUBECONFIG): {hint_en}"
            )
        }
        Sources::List(files) if !files.is_empty() => {
            let list = files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
            msg!(
                "KUBECONFIG 列出的文件都不存在（{list}）：{hint_zh}",
                "none of the files KUBECONFIG lists exists ({list}): {hint_en}"
            )
        }
        Sources::Home(Some(file)) => {
            let file = file.display();
            msg!(
                "找不到 kubeconfig（{file} 不存在）：{hint_zh}",
                "no kubeconfig found ({file} does not exist): {hint_en}"
            )
        }
        _ => msg!("找不到 kubeconfig：{hint_zh}", "no kubeconfig found: {hint_en}"),
    }
}

/// Reads one kubeconfig file: bounded, parsed, checked for names defined twice, its relative
/// paths made relative to its directory.
pub fn read_file(path: &Path) -> Result<Kubeconfig> {
    let shown = path.display();
    let text = input::read_text(path, KUBECONFIG_LIMIT).map_err(|e| {
        let Msg { zh, en } = e.message();
        Error::Input(Msg::new(format!("kubeconfig 有误：{zh}"), format!("broken kubeconfig: {en}")))
    })?;
    input::check_yaml_or(&text, path, &input::KUBECONFIG_YAML, |line, cause| {
        Error::Input(msg!(
            "kubeconfig {shown} 有误：{cause}（第 {line} 行）",
            "broken kubeconfig {shown}: {cause} (line {line})"
        ))
    })?;
    let mut config = Kubeconfig::from_yaml(&text).map_err(|e| {
        let cause = first_line(&e);
        Error::Input(msg!("kubeconfig {shown} 有误：{cause}", "broken kubeconfig {shown}: {cause}"))
    })?;
    check_unique(&config, path)?;
    if config.current_context.as_deref() == Some("") {
        config.current_context = None;
    }
    let dir = path.parent().map(std::path::absolute).and_then(|d| d.ok()).unwrap_or_default();
    resolve_paths(&mut config, &dir);
    Ok(config)
}

/// The innermost cause's first line (YAML errors append a snippet of the file).
fn first_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string().lines().next().unwrap_or_default().to_string()
}

/// client-go refuses a file that defines a cluster, user or context name twice.
fn check_unique(config: &Kubeconfig, path: &Path) -> Result<()> {
    let lists: [(&str, Vec<&str>); 3] = [
        ("clusters", config.clusters.iter().map(|c: &NamedCluster| c.name.as_str()).collect()),
        ("users", config.auth_infos.iter().map(|u: &NamedAuthInfo| u.name.as_str()).collect()),
        ("contexts", config.contexts.iter().map(|c: &NamedContext| c.name.as_str()).collect()),
    ];
    for (list, names) in lists {
        let mut seen = BTreeSet::new();
        if let Some(name) = names.into_iter().find(|n| !seen.insert(*n)) {
            let shown = path.display();
            return Err(Error::Input(msg!(
                "kubeconfig {shown} 有误：{list} 中 \"{name}\" 出现了两次",
                "broken kubeconfig {shown}: \"{name}\" is defined twice in {list}"
            )));
        }
    }
    Ok(())
}

/// Makes the file references of one file absolute, relative to `dir` (client-go's
/// `ResolveLocalPaths`).
fn resolve_paths(config: &mut Kubeconfig, dir: &Path) {
    let resolve = |reference: &mut Option<String>| {
        if let Some(path) =
            reference.as_mut().filter(|p| !p.is_empty() && Path::new(p.as_str()).is_relative())
        {
            *path = dir.join(&*path).to_string_lossy().into_owned();
        }
    };
    for cluster in config.clusters.iter_mut().filter_map(|c| c.cluster.as_mut()) {
        resolve(&mut cluster.certificate_authority);
    }
    for user in config.auth_infos.iter_mut().filter_map(|u| u.auth_info.as_mut()) {
        resolve(&mut user.client_certificate);
        resolve(&mut user.client_key);
        resolve(&mut user.token_file);
        if let Some(exec) = user.exec.as_mut() {
            // A bare name is looked up on PATH; only a path is relative to the file.
            if exec.command.as_deref().is_some_and(|c| c.contains(std::path::MAIN_SEPARATOR)) {
                resolve(&mut exec.command);
            }
        }
    }
}

/// Merges `next` under `first`: the first to set a name keeps the whole entry, the first
/// non-empty `current-context` wins. (kube's `Kubeconfig::merge` keeps an empty
/// `current-context` of the first file, and refuses files whose `kind` or `apiVersion` differ;
/// client-go does neither.)
pub fn merge(mut first: Kubeconfig, next: Kubeconfig) -> Kubeconfig {
    fn append<T>(base: &mut Vec<T>, next: Vec<T>, name: impl Fn(&T) -> &str) {
        let known: BTreeSet<String> = base.iter().map(|x| name(x).to_string()).collect();
        base.extend(next.into_iter().filter(|x| !known.contains(name(x))));
    }
    append(&mut first.clusters, next.clusters, |c| &c.name);
    append(&mut first.auth_infos, next.auth_infos, |u| &u.name);
    append(&mut first.contexts, next.contexts, |c| &c.name);
    first.current_context = first.current_context.or(next.current_context);
    first.preferences = first.preferences.or(next.preferences);
    first.extensions = first.extensions.or(next.extensions);
    first
}

/// The context to connect with, and its cluster and user.
#[derive(Debug, Clone)]
pub struct Selected {
    pub context: String,
    pub cluster_name: String,
    pub cluster: Cluster,
    pub user_name: String,
    pub user: AuthInfo,
}

/// Picks `context` (else the current context) and its cluster and user. A user the kubeconfig
/// does not define means no credentials, as in client-go.
pub fn select(config: &Kubeconfig, context: Option<&str>) -> Result<Selected> {
    let name = context.map(str::to_string).or_else(|| config.current_context.clone()).ok_or_else(|| {
        Error::Input(msg!(
            "kubeconfig 没有当前上下文（current-context）：用 --context 指定一个",
            "the kubeconfig has no current context: pass --context"
        ))
    })?;
    let Some(found) = config.contexts.iter().find(|c| c.name == name).and_then(|c| c.context.as_ref()) else {
        // Say which ones there are, as `kubectl config get-contexts` would.
        let known: Vec<String> = config.contexts.iter().map(|c| format!("\"{}\"", c.name)).collect();
        let list = known.join(", ");
        return Err(Error::Input(match known.is_empty() {
            true => msg!(
                "kubeconfig 中没有上下文 \"{name}\"，其中也没有任何上下文",
                "context \"{name}\" is not in the kubeconfig, which has no contexts at all"
            ),
            false => msg!(
                "kubeconfig 中没有上下文 \"{name}\"；可用的上下文：{list}（用 --context 指定）",
                "context \"{name}\" is not in the kubeconfig; its contexts are {list} (pass one with --context)"
            ),
        }));
    };
    let cluster_name = found.cluster.clone();
    let cluster =
        config.clusters.iter().find(|c| c.name == cluster_name).and_then(|c| c.cluster.clone()).ok_or_else(
            || {
                Error::Input(msg!(
                    "上下文 \"{name}\" 使用的集群 \"{cluster_name}\" 不在 kubeconfig 中",
                    "context \"{name}\" uses cluster \"{cluster_name}\", which is not in the kubeconfig"
                ))
            },
        )?;
    let user_name = found.user.clone().unwrap_or_default();
    let user = config
        .auth_infos
        .iter()
        .find(|u| u.name == user_name)
        .and_then(|u| u.auth_info.clone())
        .unwrap_or_default();
    Ok(Selected { context: name, cluster_name, cluster, user_name, user })
}

/// The API server's URL from a cluster's `server`, as kubectl makes it: a value without a scheme
/// (`127.0.0.1:6443`, `example.com`) gets `http://` and may then carry no path. (client-go's
/// `DefaultServerURL` would pick `https://` for a configuration with a CA, but `clientcmd` asks
/// it before it has read the CA: kubectl connects to such a server without TLS.)
pub fn server_url(server: &str) -> Result<http::Uri, Msg> {
    if server.is_empty() {
        return Err(msg!("集群没有 server 地址", "the cluster has no server address"));
    }
    let has_scheme_and_host = server.split_once("://").is_some_and(|(scheme, rest)| {
        let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        valid_scheme && !host.is_empty()
    });
    let url = if has_scheme_and_host {
        server.to_string()
    } else {
        let path = server.find('/').map(|i| &server[i..]).unwrap_or_default();
        let path = path.split(['?', '#']).next().unwrap_or_default();
        if !path.is_empty() && path != "/" {
            return Err(msg!(
                "server \"{server}\" 既不是 URL 也不是 host:port",
                "server \"{server}\" is neither a URL nor a host:port pair"
            ));
        }
        format!("http://{server}")
    };
    let uri: http::Uri = url.parse().map_err(|e| {
        msg!("server \"{server}\" 不是有效的 URL：{e}", "server \"{server}\" is not a valid URL: {e}")
    })?;
    match uri.scheme_str() {
        Some("https" | "http") if uri.host().is_some_and(|h| !h.is_empty()) => Ok(uri),
        Some("https" | "http") => {
            Err(msg!("server \"{server}\" 没有主机名", "server \"{server}\" has no host"))
        }
        _ => Err(msg!(
            "server \"{server}\" 的协议不受支持：只能是 https 或 http",
            "server \"{server}\" has an unsupported scheme: it must be https or http"
        )),
    }
}

#[cfg(test)]
mod tests;
