//! Credentials that come from running a program: exec credential plugins (`users[].user.exec`:
//! EKS `aws eks get-token`, GKE `gke-gcloud-auth-plugin`, kubelogin, …) and the legacy
//! `auth-provider`s.
//!
//! kube-rs runs an exec plugin itself, synchronously on the async runtime and without a time
//! limit, three times per client (the authentication layer, the TLS identity, the TLS
//! connector), and again before every request once the token expires within 60 s. So the
//! checker runs the plugin here instead, and hands kube the credential it printed (a token, or a
//! client certificate and key) as if the kubeconfig held it:
//!
//! - at most once per command while the credential is valid: the credential is kept for the
//!   process, per plugin configuration (as client-go's cache does), and the plugin runs again
//!   only [`EXPIRY_MARGIN`] before the `expirationTimestamp` it gave, or never if it gave none;
//! - only when a command talks to the cluster (`list` and `progress` never run it);
//! - bounded: [`PLUGIN_TIMEOUT`] without a terminal, [`INTERACTIVE_PLUGIN_TIMEOUT`] when the
//!   plugin may talk to the learner; then it is killed (with what it started) and the command
//!   ends with one line naming the plugin, exit code 3;
//! - `interactiveMode` as client-go reads it: `Never` gets no standard input, `IfAvailable` gets
//!   it when it is a terminal, `Always` fails at once when it is not;
//! - what a failing plugin printed on standard error is part of the error line; output that is
//!   not an ExecCredential is one line too.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use kube::config::{AuthInfo, AuthProviderConfig, ExecAuthCluster, ExecConfig, ExecInteractiveMode};
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::input::{self, CREDENTIAL_FILE_LIMIT, MIB};
use crate::msg;

/// How long a credential plugin may run when it cannot talk to the learner (no terminal, or
/// `interactiveMode: Never`). Fetching a token takes a second or two (`aws eks get-token`,
/// `gke-gcloud-auth-plugin` refreshing through the network); 30 s leaves room for a slow network
/// and the plugin's own retries, and is what a learner will wait before suspecting a hang.
pub const PLUGIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a credential plugin may run when it has the learner's terminal: someone may be
/// logging in through a browser. Longer than kubelogin's own login timeout (3 minutes), so that
/// its message is the one shown.
pub const INTERACTIVE_PLUGIN_TIMEOUT: Duration = Duration::from_secs(300);

/// A credential is run for again this long before its `expirationTimestamp`, so that no request
/// carries a token that expires on the way.
pub const EXPIRY_MARGIN: SignedDuration = SignedDuration::from_secs(5);

/// The most a plugin may print on standard output (an ExecCredential with a certificate chain
/// takes a few KiB).
const STDOUT_LIMIT: u64 = MIB;
/// The most of a plugin's standard error kept for the error line.
const STDERR_LIMIT: usize = 64 * 1024;
/// The most of it shown in the error line.
const SHOWN_LIMIT: usize = 400;

const EXEC_API_VERSIONS: [&str; 2] =
    ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"];

/// A credential a program printed.
#[derive(Debug)]
pub struct Credential {
    pub token: Option<String>,
    /// PEM certificate (chain) and key.
    pub client_cert: Option<(String, String)>,
    pub expires: Option<Timestamp>,
    /// Counts the runs of its plugin: a client built for an older one is rebuilt.
    pub generation: u64,
}

impl Credential {
    /// Whether it may still be used at `now`.
    pub fn is_fresh(&self, now: Timestamp) -> bool {
        self.expires.is_none_or(|expires| now < expires - EXPIRY_MARGIN)
    }

    /// The user's static credentials with this one in place of the plugin.
    pub fn apply(&self, auth: &mut AuthInfo) {
        let b64 = base64::engine::general_purpose::STANDARD;
        if let Some(token) = &self.token {
            auth.token = Some(token.clone().into());
        }
        if let Some((cert, key)) = &self.client_cert {
            auth.client_certificate_data = Some(b64.encode(cert));
            auth.client_key_data = Some(b64.encode(key).into());
            auth.client_certificate = None;
            auth.client_key = None;
        }
    }
}

/// What a user's credentials need before a connection.
#[derive(Debug)]
pub struct UserAuth {
    /// What kube can use as it is: no exec, no auth-provider, files read (with their caps).
    pub static_auth: AuthInfo,
    /// The program to run for the rest, if any.
    pub plugin: Option<Arc<Plugin>>,
}

/// Splits a kubeconfig user into what kube can use as it is and the program to run (shared by
/// every connection of the process with the same configuration). `cluster` is what an exec
/// plugin with `provideClusterInfo` gets.
pub fn resolve(user_name: &str, user: &AuthInfo, cluster: ExecAuthCluster) -> Result<UserAuth> {
    let mut static_auth = user.clone();
    static_auth.exec = None;
    static_auth.auth_provider = None;
    read_files(&mut static_auth).map_err(|e| {
        let Msg { zh, en } = e.message();
        Error::Input(Msg::new(
            format!("kubeconfig 的用户 \"{user_name}\" 有误：{zh}"),
            format!("broken kubeconfig: user \"{user_name}\": {en}"),
        ))
    })?;
    let has_static =
        static_auth.token.is_some() || (static_auth.username.is_some() && static_auth.password.is_some());
    if user.exec.is_some() && user.auth_provider.is_some() {
        return Err(Error::Input(msg!(
            "kubeconfig 的用户 \"{user_name}\" 同时有 exec 和 auth-provider：只能有一个",
            "the kubeconfig's user \"{user_name}\" has both exec and auth-provider: only one is allowed"
        )));
    }
    let spec = match (&user.exec, &user.auth_provider) {
        // Credentials in the kubeconfig are used before a plugin's, as client-go does.
        _ if has_static => None,
        (Some(exec), _) => Some(Spec::Exec(ExecSpec::new(user_name, exec, cluster)?)),
        (None, Some(provider)) => match provider_credential(user_name, provider)? {
            Provided::Token(token) => {
                static_auth.token = Some(token.into());
                None
            }
            Provided::Run(spec) => Some(spec),
        },
        (None, None) => None,
    };
    Ok(UserAuth { static_auth, plugin: spec.map(Plugin::shared) })
}

/// `tokenFile`, `client-certificate` and `client-key` read now, bounded, into the data fields
/// (kube would read them itself, unbounded, on the async runtime). Data given inline wins.
fn read_files(auth: &mut AuthInfo) -> Result<()> {
    let b64 = base64::engine::general_purpose::STANDARD;
    if auth.token.is_none()
        && let Some(file) = auth.token_file.take().filter(|f| !f.is_empty())
    {
        let token = input::read_text(std::path::Path::new(&file), CREDENTIAL_FILE_LIMIT)?;
        auth.token = Some(token.trim().to_string().into());
    }
    auth.token_file = None;
    if let Some(file) = auth.client_certificate.take().filter(|f| !f.is_empty())
        && auth.client_certificate_data.is_none()
    {
        auth.client_certificate_data =
            Some(b64.encode(input::read_text(std::path::Path::new(&file), CREDENTIAL_FILE_LIMIT)?));
    }
    if let Some(file) = auth.client_key.take().filter(|f| !f.is_empty())
        && auth.client_key_data.is_none()
    {
        let key = input::read_text(std::path::Path::new(&file), CREDENTIAL_FILE_LIMIT)?;
        auth.client_key_data = Some(b64.encode(key).into());
    }
    Ok(())
}

enum Provided {
    Token(String),
    Run(Spec),
}

/// The legacy `auth-provider`: `oidc` uses its `id-token`; `gcp` its cached `access-token` while
/// valid, else its `cmd-path` (bounded like an exec plugin). client-go dropped `gcp` and `azure`.
fn provider_credential(user: &str, provider: &AuthProviderConfig) -> Result<Provided> {
    let config = &provider.config;
    let name = provider.name.as_str();
    match name {
        "oidc" => match config.get("id-token").filter(|t| !t.is_empty()) {
            Some(token) => Ok(Provided::Token(token.clone())),
            None => Err(Error::Input(msg!(
                "kubeconfig 的用户 \"{user}\" 的 oidc auth-provider 没有 id-token：先用 kubectl 登录一次（例如 kubectl get pods）",
                "the oidc auth-provider of the kubeconfig's user \"{user}\" has no id-token: log in with kubectl once (e.g. kubectl get pods)"
            ))),
        },
        "gcp" => {
            let cached = config.get("access-token").zip(config.get("expiry"));
            if let Some((token, expiry)) = cached
                && expiry.parse::<Timestamp>().is_ok_and(|e| Timestamp::now() < e - EXPIRY_MARGIN)
            {
                return Ok(Provided::Token(token.clone()));
            }
            match config.get("cmd-path").filter(|c| !c.is_empty()) {
                Some(command) => Ok(Provided::Run(Spec::Gcp(GcpSpec {
                    user: user.to_string(),
                    command: command.clone(),
                    args: config
                        .get("cmd-args")
                        .map(|a| a.split_whitespace().map(String::from).collect())
                        .unwrap_or_default(),
                    token_key: config.get("token-key").cloned().unwrap_or_else(|| "{.access_token}".into()),
                    expiry_key: config.get("expiry-key").cloned().unwrap_or_else(|| "{.token_expiry}".into()),
                }))),
                None => Err(Error::Input(msg!(
                    "kubeconfig 的用户 \"{user}\" 使用已被 kubectl 移除的 gcp auth-provider：改用 gke-gcloud-auth-plugin（gcloud components install gke-gcloud-auth-plugin，再运行 gcloud container clusters get-credentials）",
                    "the kubeconfig's user \"{user}\" uses the gcp auth-provider, which kubectl removed: use gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin, then gcloud container clusters get-credentials)"
                ))),
            }
        }
        "azure" => Err(Error::Input(msg!(
            "kubeconfig 的用户 \"{user}\" 使用已被 kubectl 移除的 azure auth-provider：改用 kubelogin（kubelogin convert-kubeconfig）",
            "the kubeconfig's user \"{user}\" uses the azure auth-provider, which kubectl removed: use kubelogin (kubelogin convert-kubeconfig)"
        ))),
        other => Err(Error::Input(msg!(
            "kubeconfig 的用户 \"{user}\" 使用未知的 auth-provider \"{other}\"",
            "the kubeconfig's user \"{user}\" uses the unknown auth-provider \"{other}\""
        ))),
    }
}

/// A program that prints credentials.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
enum Spec {
    Exec(ExecSpec),
    Gcp(GcpSpec),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
struct ExecSpec {
    user: String,
    command: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    api_version: String,
    interactive: Interactive,
    install_hint: Option<String>,
    /// `KUBERNETES_EXEC_INFO`'s `spec.cluster`, as JSON, when `provideClusterInfo` is set.
    cluster: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
enum Interactive {
    Never,
    IfAvailable,
    Always,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
struct GcpSpec {
    user: String,
    command: String,
    args: Vec<String>,
    token_key: String,
    expiry_key: String,
}

impl ExecSpec {
    /// Checks the `exec` section as client-go validates it.
    fn new(user: &str, exec: &ExecConfig, cluster: ExecAuthCluster) -> Result<ExecSpec> {
        let invalid = |zh: String, en: String| {
            Error::Input(Msg::new(
                format!("kubeconfig 的用户 \"{user}\" 的 exec 插件配置有误：{zh}"),
                format!("the exec plugin of the kubeconfig's user \"{user}\" is misconfigured: {en}"),
            ))
        };
        let command = exec
            .command
            .clone()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| invalid("缺少 command".into(), "command is missing".into()))?;
        let api_version = exec.api_version.clone().unwrap_or_default();
        if !EXEC_API_VERSIONS.contains(&api_version.as_str()) {
            return Err(invalid(
                format!(
                    "apiVersion \"{api_version}\" 无效（应为 client.authentication.k8s.io/v1 或 v1beta1）"
                ),
                format!("invalid apiVersion \"{api_version}\" (client.authentication.k8s.io/v1 or v1beta1)"),
            ));
        }
        let interactive = match &exec.interactive_mode {
            Some(ExecInteractiveMode::Never) => Interactive::Never,
            Some(ExecInteractiveMode::IfAvailable) => Interactive::IfAvailable,
            Some(ExecInteractiveMode::Always) => Interactive::Always,
            // v1beta1 defaults to IfAvailable; v1 requires it.
            None if api_version.ends_with("/v1beta1") => Interactive::IfAvailable,
            None => {
                return Err(invalid(
                    "apiVersion v1 必须给出 interactiveMode（Never、IfAvailable 或 Always）".into(),
                    "interactiveMode must be given with apiVersion v1 (Never, IfAvailable or Always)".into(),
                ));
            }
        };
        let mut env = Vec::new();
        for entry in exec.env.iter().flatten() {
            match (entry.get("name").filter(|n| !n.is_empty()), entry.get("value")) {
                (Some(name), value) => env.push((name.clone(), value.cloned().unwrap_or_default())),
                (None, _) => {
                    return Err(invalid("env 的条目缺少 name".into(), "an env entry has no name".into()));
                }
            }
        }
        let cluster = match exec.provide_cluster_info {
            true => Some(serde_json::to_string(&cluster).unwrap_or_default()),
            false => None,
        };
        Ok(ExecSpec {
            user: user.to_string(),
            command,
            args: exec.args.clone().unwrap_or_default(),
            env,
            api_version,
            interactive,
            install_hint: exec.install_hint.clone(),
            cluster,
        })
    }
}

/// A credential program and the credential it last printed.
#[derive(Debug)]
pub struct Plugin {
    spec: Spec,
    state: tokio::sync::Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    credential: Option<Arc<Credential>>,
    runs: u64,
}

/// One [`Plugin`] per configuration in this process (`checker serve` connects per request).
static PLUGINS: LazyLock<Mutex<HashMap<Spec, Arc<Plugin>>>> = LazyLock::new(Default::default);

impl Plugin {
    fn shared(spec: Spec) -> Arc<Plugin> {
        let mut plugins = PLUGINS.lock().unwrap_or_else(|e| e.into_inner());
        let plugin = plugins
            .entry(spec.clone())
            .or_insert_with(|| Arc::new(Plugin { spec, state: Default::default() }));
        Arc::clone(plugin)
    }

    /// The credential: the one printed last while it is fresh, else a new run's.
    pub async fn credential(&self) -> Result<Arc<Credential>> {
        let mut state = self.state.lock().await;
        if let Some(credential) = state.credential.as_ref().filter(|c| c.is_fresh(Timestamp::now())) {
            return Ok(Arc::clone(credential));
        }
        state.runs += 1;
        let mut credential = match &self.spec {
            Spec::Exec(spec) => run_exec(spec).await?,
            Spec::Gcp(spec) => run_gcp(spec).await?,
        };
        credential.generation = state.runs;
        let credential = Arc::new(credential);
        state.credential = Some(Arc::clone(&credential));
        Ok(credential)
    }

    /// The command as the kubeconfig names it, for messages.
    pub fn name(&self) -> &str {
        match &self.spec {
            Spec::Exec(spec) => &spec.command,
            Spec::Gcp(spec) => &spec.command,
        }
    }

    /// The kubeconfig user it runs for.
    pub fn user(&self) -> &str {
        match &self.spec {
            Spec::Exec(spec) => &spec.user,
            Spec::Gcp(spec) => &spec.user,
        }
    }
}

/// A program to run and how.
struct Program<'a> {
    command: &'a str,
    args: &'a [String],
    env: Vec<(String, String)>,
    user: &'a str,
    /// Whether it gets the terminal: standard input and standard error.
    interactive: bool,
    install_hint: Option<&'a str>,
}

impl Program<'_> {
    fn fail(&self, zh: String, en: String) -> Error {
        let (command, user) = (self.command, self.user);
        Error::Credentials(Msg::new(
            format!("凭据插件 \"{command}\"（kubeconfig 用户 \"{user}\"）{zh}"),
            format!("credential plugin \"{command}\" (kubeconfig user \"{user}\") {en}"),
        ))
    }
}

async fn run_exec(spec: &ExecSpec) -> Result<Credential> {
    let terminal = std::io::stdin().is_terminal();
    let interactive = match spec.interactive {
        Interactive::Never => false,
        Interactive::IfAvailable => terminal,
        Interactive::Always => true,
    };
    let mut program = Program {
        command: &spec.command,
        args: &spec.args,
        env: spec.env.clone(),
        user: &spec.user,
        interactive,
        install_hint: spec.install_hint.as_deref(),
    };
    if spec.interactive == Interactive::Always && !terminal {
        return Err(program.fail(
            "需要与你交互（interactiveMode: Always），但标准输入不是终端：请在终端中运行 checker".into(),
            "must interact with you (interactiveMode: Always), but standard input is not a terminal: run the checker in a terminal".into(),
        ));
    }
    let cluster = spec.cluster.as_deref().map(|c| format!(",\"cluster\":{c}")).unwrap_or_default();
    let info = format!(
        "{{\"kind\":\"ExecCredential\",\"apiVersion\":{},\"spec\":{{\"interactive\":{interactive}{cluster}}}}}",
        serde_json::Value::from(spec.api_version.as_str())
    );
    program.env.push(("KUBERNETES_EXEC_INFO".into(), info));
    let stdout = run(&program).await?;
    parse_exec_credential(&stdout, &spec.api_version).map_err(|(zh, en)| program.fail(zh, en))
}

/// An ExecCredential as a plugin prints it (JSON, or YAML as client-go also reads).
#[derive(Deserialize)]
struct ExecCredentialOut {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    status: Option<ExecStatusOut>,
}

#[derive(Deserialize)]
struct ExecStatusOut {
    token: Option<String>,
    #[serde(rename = "clientCertificateData")]
    client_certificate_data: Option<String>,
    #[serde(rename = "clientKeyData")]
    client_key_data: Option<String>,
    #[serde(rename = "expirationTimestamp")]
    expiration_timestamp: Option<String>,
}

/// The credential in a plugin's standard output, checked as client-go checks it; else what is
/// wrong (Chinese, English).
fn parse_exec_credential(stdout: &[u8], api_version: &str) -> Result<Credential, (String, String)> {
    if stdout.iter().all(u8::is_ascii_whitespace) {
        return Err(("在标准输出上什么也没打印".into(), "printed nothing on standard output".into()));
    }
    let parsed: ExecCredentialOut = serde_yaml::from_slice(stdout).map_err(|e| {
        let e = one_line(&e.to_string());
        (
            format!("的输出不是 ExecCredential：{e}"),
            format!("printed something that is not an ExecCredential: {e}"),
        )
    })?;
    if parsed.kind.as_deref() != Some("ExecCredential") {
        let kind = parsed.kind.unwrap_or_default();
        return Err((
            format!("的输出不是 ExecCredential（kind 为 \"{kind}\"）"),
            format!("printed something that is not an ExecCredential (kind \"{kind}\")"),
        ));
    }
    let returned = parsed.api_version.unwrap_or_default();
    if returned != api_version {
        return Err((
            format!("返回的 apiVersion 是 \"{returned}\"，而 kubeconfig 要求 \"{api_version}\""),
            format!("returned apiVersion \"{returned}\" where the kubeconfig asks for \"{api_version}\""),
        ));
    }
    let Some(status) = parsed.status else {
        return Err(("的输出没有 status".into(), "returned no status".into()));
    };
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let token = nonempty(status.token);
    let cert = nonempty(status.client_certificate_data);
    let key = nonempty(status.client_key_data);
    let client_cert = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) if token.is_none() => {
            return Err((
                "既没有返回 token，也没有返回证书和私钥".into(),
                "returned neither a token nor a certificate and key".into(),
            ));
        }
        (None, None) => None,
        _ => {
            return Err((
                "只返回了证书或私钥中的一个".into(),
                "returned only one of the certificate and the key".into(),
            ));
        }
    };
    let expires = match status.expiration_timestamp {
        None => None,
        Some(text) => Some(text.parse::<Timestamp>().map_err(|_| {
            let text = one_line(&text);
            (
                format!("返回的 expirationTimestamp \"{text}\" 不是 RFC 3339 时间"),
                format!("returned an expirationTimestamp \"{text}\" that is not an RFC 3339 time"),
            )
        })?),
    };
    Ok(Credential { token, client_cert, expires, generation: 0 })
}

async fn run_gcp(spec: &GcpSpec) -> Result<Credential> {
    let program = Program {
        command: &spec.command,
        args: &spec.args,
        env: Vec::new(),
        user: &spec.user,
        interactive: false,
        install_hint: None,
    };
    let stdout = run(&program).await?;
    let json: serde_json::Value = serde_json::from_slice(&stdout).map_err(|e| {
        let e = one_line(&e.to_string());
        program.fail(format!("的输出不是 JSON：{e}"), format!("printed something that is not JSON: {e}"))
    })?;
    let field = |path: &str| -> Result<String> {
        json_path(&json, path)
            .ok_or_else(|| program.fail(format!("的输出中没有 {path}"), format!("printed no {path}")))
    };
    let token = field(&spec.token_key)?;
    let expires = field(&spec.expiry_key).ok().and_then(|e| e.parse::<Timestamp>().ok());
    Ok(Credential { token: Some(token), client_cert: None, expires, generation: 0 })
}

/// The string at a simple JSONPath such as `{.credential.access_token}`.
fn json_path(json: &serde_json::Value, path: &str) -> Option<String> {
    let path = path.trim().trim_start_matches('{').trim_end_matches('}').trim_start_matches('$');
    let mut value = json;
    for key in path.split('.').filter(|k| !k.is_empty()) {
        value = value.get(key)?;
    }
    value.as_str().map(str::to_string)
}

/// Runs the program within its bound; its standard output, or an error naming it.
async fn run(program: &Program<'_>) -> Result<Vec<u8>> {
    let bound = if program.interactive { INTERACTIVE_PLUGIN_TIMEOUT } else { PLUGIN_TIMEOUT };
    let mut command = tokio::process::Command::new(program.command);
    command
        .args(program.args)
        .envs(program.env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    if program.interactive {
        command.stdin(Stdio::inherit()).stderr(Stdio::inherit());
    } else {
        command.stdin(Stdio::null()).stderr(Stdio::piped());
        // Its own process group, so that what it started goes with it when it is stopped (a
        // plugin with the terminal stays in the terminal's group, or it could not read it).
        #[cfg(unix)]
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(|e| spawn_error(program, &e))?;
    let mut group = Group::of(&child, !program.interactive);
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let finished = async {
        let (stdout, stderr, status) = tokio::join!(
            read_capped(stdout, STDOUT_LIMIT),
            read_capped(stderr, STDERR_LIMIT as u64),
            child.wait()
        );
        (stdout, stderr, status)
    };
    let (stdout, stderr, status) = match tokio::time::timeout(bound, finished).await {
        Ok(done) => {
            group.exited();
            done
        }
        Err(_) => {
            let secs = bound.as_secs();
            return Err(program.fail(
                format!("在 {secs} 秒内没有结束，已被停止；手动运行它看看原因"),
                format!("did not finish within {secs}s and was stopped; run it by hand to see why"),
            ));
        }
    };
    let status = status
        .map_err(|e| program.fail(format!("无法等待：{e}"), format!("could not be waited for: {e}")))?;
    if !status.success() {
        let said = one_line(&String::from_utf8_lossy(&stderr.unwrap_or_default().0));
        let how = exit_description(status);
        return Err(match said.is_empty() {
            true => program.fail(format!("失败（{}）", how.0), format!("failed ({})", how.1)),
            false => {
                program.fail(format!("失败（{}）：{said}", how.0), format!("failed ({}): {said}", how.1))
            }
        });
    }
    match stdout {
        Ok((bytes, false)) => Ok(bytes),
        Ok((_, true)) => {
            let cap = input::format_size(STDOUT_LIMIT);
            Err(program.fail(
                format!("在标准输出上打印了超过 {cap} 的内容"),
                format!("printed more than {cap} on standard output"),
            ))
        }
        Err(e) => Err(program.fail(format!("的输出无法读取：{e}"), format!("output could not be read: {e}"))),
    }
}

/// Reads a pipe to its end, keeping at most `limit` bytes (the rest is read and dropped, so
/// that the program is not blocked writing); `true` when there was more.
async fn read_capped(pipe: Option<impl AsyncRead + Unpin>, limit: u64) -> std::io::Result<(Vec<u8>, bool)> {
    let Some(mut pipe) = pipe else {
        return Ok((Vec::new(), false));
    };
    let mut kept = Vec::new();
    (&mut pipe).take(limit).read_to_end(&mut kept).await?;
    let more = tokio::io::copy(&mut pipe, &mut tokio::io::sink()).await?;
    Ok((kept, more > 0))
}

fn exit_description(status: ExitStatus) -> (String, String) {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return (format!("被信号 {signal} 终止"), format!("killed by signal {signal}"));
    }
    let code = status.code().unwrap_or(-1);
    (format!("退出码 {code}"), format!("exit code {code}"))
}

fn spawn_error(program: &Program<'_>, e: &std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            let hint = program.install_hint.map(one_line).filter(|h| !h.is_empty());
            let hint = hint.map(|h| format!(": {h}")).unwrap_or_default();
            program.fail(
                format!("找不到（不在 PATH 中？）{hint}"),
                format!("was not found (is it on PATH?){hint}"),
            )
        }
        std::io::ErrorKind::PermissionDenied => {
            program.fail("无法运行：没有执行权限".into(), "cannot be run: permission denied".into())
        }
        _ => program.fail(format!("无法运行：{e}"), format!("cannot be run: {e}")),
    }
}

/// Text a program printed, as one line a terminal shows safely: control characters and line
/// breaks become spaces, runs of spaces one, and at most [`SHOWN_LIMIT`] characters.
fn one_line(text: &str) -> String {
    let mut line = String::new();
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' && (line.is_empty() || line.ends_with(' ')) {
            continue;
        }
        line.push(c);
    }
    let line = line.trim_end();
    match line.char_indices().nth(SHOWN_LIMIT) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// Kills a program's process group when dropped before the program finished (it hung, or the
/// command ended while it ran); tokio's `kill_on_drop` kills the program itself. The program
/// must have been started in a group of its own (`process_group(0)`).
pub(crate) struct Group(#[cfg_attr(not(unix), allow(dead_code))] Option<u32>);

impl Group {
    pub(crate) fn of(child: &tokio::process::Child, own_group: bool) -> Group {
        Group(child.id().filter(|_| own_group && cfg!(unix)))
    }

    /// The program has exited: its process group may be gone and its number reused.
    pub(crate) fn exited(&mut self) {
        self.0 = None;
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.0.and_then(|p| i32::try_from(p).ok()) {
            use nix::sys::signal::{Signal, killpg};
            // Gone already when the plugin and all it started have exited: nothing to do.
            let _ = killpg(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests;
