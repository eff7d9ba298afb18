//! `checker doctor [-o json]`: the book's 环境检查, before step 1. Finds out what [`doctor`]
//! judges: the API server's version, a GET for each read the checks make (allowed or refused,
//! told by the status code: no SelfSubjectAccessReview, which would be a write), the
//! namespace, the storage classes, and the version of the kubectl on the `PATH`.
//!
//! Exit codes: 0 all set, 1 problems, 3 the cluster cannot be reached.

use std::process::{ExitCode, Stdio};
use std::time::Duration;

use futures::future::join;
use serde_json::Value;
use tokio::io::AsyncReadExt;

use super::print;
use crate::cli::Format;
use crate::cluster::Cluster;
use crate::context::Context;
use crate::doctor::{self, Answer, Answers, Facts, Kubectl, PROBE_POD, Storage, Unreached};
use crate::error::{Error, Result, exit};
use crate::i18n::Msg;
use crate::msg;
use crate::report::to_json;

/// How long `kubectl version --client` may take.
const KUBECTL_TIMEOUT: Duration = Duration::from_secs(5);
/// At most this much of kubectl's output, and of the storage class list, is read.
const OUTPUT_LIMIT: usize = 256 * 1024;

pub(super) async fn doctor(ctx: &Context, format: Format) -> Result<ExitCode> {
    let (facts, kubectl) = join(cluster_facts(ctx), kubectl_version()).await;
    let facts = Facts { kubectl, ..facts };
    let report = doctor::judge(&ctx.spec, &facts, ctx.lang);
    match format {
        Format::Text => print(&doctor::text(&report, ctx.lang))?,
        Format::Json => print(&to_json(&report))?,
    }
    Ok(ExitCode::from(match (report.reachable, report.problems) {
        (false, _) => exit::CLUSTER,
        (true, 0) => exit::PASS,
        (true, _) => exit::NOT_PASSED,
    }))
}

/// Everything but kubectl's version.
async fn cluster_facts(ctx: &Context) -> Facts {
    let namespace = ctx.target.namespace.clone();
    let mut facts = Facts {
        context: ctx.target.context.clone().unwrap_or_default(),
        server: String::new(),
        namespace: namespace.clone(),
        reached: Err(Unreached::Unreachable(Msg::new("", ""))),
        answers: Answers::default(),
        kubectl: Kubectl::NotFound,
        storage: Storage::Unknown(Msg::new("", "")),
    };
    let cluster = match Cluster::connect(&ctx.target).await {
        Ok(cluster) => cluster,
        Err(e) => {
            facts.reached = Err(unreached(e));
            return facts;
        }
    };
    facts.context = cluster.context.clone();
    facts.server = cluster.server.clone();
    facts.reached = cluster.server_version().await.map_err(unreached);
    if facts.reached.is_err() {
        return facts;
    }
    let ns = &namespace;
    let pods = format!("/api/v1/namespaces/{ns}/pods");
    let code = |answer: Result<crate::cluster::RawAnswer>| match answer {
        Ok(a) => Answer::Code(a.code),
        Err(e) => Answer::Failed(e.message().clone()),
    };
    facts.answers = Answers {
        namespace: Some(code(cluster.probe(&format!("/api/v1/namespaces/{ns}"), 0).await)),
        pods_get: Some(code(cluster.probe(&format!("{pods}/{PROBE_POD}"), 0).await)),
        pods_list: Some(code(cluster.probe(&format!("{pods}?limit=1"), 0).await)),
        pods_watch: Some(code(cluster.probe(&format!("{pods}?watch=1&timeoutSeconds=1"), 0).await)),
        logs: Some(code(cluster.probe(&format!("{pods}/{PROBE_POD}/log"), 0).await)),
        events: Some(code(cluster.probe(&format!("/api/v1/namespaces/{ns}/events?limit=1"), 0).await)),
        proxy: Some(code(cluster.probe(&format!("{pods}/{PROBE_POD}/proxy/"), 0).await)),
        services: Some(code(
            cluster.probe(&format!("/api/v1/namespaces/{ns}/services/{PROBE_POD}"), 0).await,
        )),
        nodes: Some(code(cluster.probe("/api/v1/nodes?limit=1", 0).await)),
    };
    facts.storage = storage(&cluster).await;
    facts
}

fn unreached(error: Error) -> Unreached {
    match error {
        Error::Usage(m) | Error::Input(m) | Error::Output(m) => Unreached::Kubeconfig(m),
        Error::AccessDenied(m) | Error::Credentials(m) => Unreached::Credentials(m),
        Error::Unreachable(m) | Error::Server(m) => Unreached::Unreachable(m),
    }
}

/// The storage classes, and which is the default (by the annotation the API server and
/// `kubectl get storageclass` read).
async fn storage(cluster: &Cluster) -> Storage {
    let answer = match cluster.probe("/apis/storage.k8s.io/v1/storageclasses", OUTPUT_LIMIT).await {
        Ok(answer) => answer,
        Err(e) => return Storage::Unknown(e.message().clone()),
    };
    if answer.code != 200 {
        let reason =
            http::StatusCode::from_u16(answer.code).ok().and_then(|c| c.canonical_reason()).unwrap_or("");
        let code = format!("{} {reason}", answer.code).trim_end().to_string();
        return Storage::Unknown(Msg::new(code.clone(), code));
    }
    let Ok(list) = serde_json::from_slice::<Value>(&answer.body) else {
        return Storage::Unknown(msg!("应答不是 StorageClassList", "the answer is not a StorageClassList"));
    };
    let items = list["items"].as_array().cloned().unwrap_or_default();
    let is_default = |item: &Value| {
        let annotations = &item["metadata"]["annotations"];
        ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"]
            .iter()
            .any(|key| annotations[*key].as_str() == Some("true"))
    };
    let name = |item: &Value| item["metadata"]["name"].as_str().unwrap_or_default().to_string();
    match items.iter().find(|i| is_default(i)) {
        Some(default) => Storage::Default(name(default)),
        None => Storage::NoDefault(items.iter().map(name).collect()),
    }
}

/// `kubectl version --client -o json`, within [`KUBECTL_TIMEOUT`] (killed after it, with what
/// it started: Google Cloud's kubectl is a dispatcher that asks the cluster for its version, so
/// it may run the kubeconfig's credential plugin).
async fn kubectl_version() -> Kubectl {
    let mut command = tokio::process::Command::new("kubectl");
    command
        .args(["version", "--client", "-o", "json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Kubectl::NotFound,
        Err(e) => return Kubectl::Unknown(msg!("无法运行：{e}", "cannot run it: {e}")),
    };
    let mut group = crate::auth::Group::of(&child, true);
    let Some(stdout) = child.stdout.take() else {
        return Kubectl::Unknown(msg!("没有输出", "no output"));
    };
    let run = async {
        let mut out = Vec::new();
        stdout.take(OUTPUT_LIMIT as u64).read_to_end(&mut out).await?;
        child.wait().await.map(|status| (status, out))
    };
    let (status, out) = match tokio::time::timeout(KUBECTL_TIMEOUT, run).await {
        Ok(Ok(done)) => {
            group.exited();
            done
        }
        Ok(Err(e)) => return Kubectl::Unknown(msg!("读取输出失败：{e}", "cannot read its output: {e}")),
        Err(_) => {
            let secs = KUBECTL_TIMEOUT.as_secs();
            return Kubectl::Unknown(msg!("{secs} 秒内没有结束", "it did not finish within {secs}s"));
        }
    };
    let version = serde_json::from_slice::<Value>(&out)
        .ok()
        .and_then(|v| v["clientVersion"]["gitVersion"].as_str().map(String::from));
    match (status.success(), version) {
        (true, Some(version)) => Kubectl::Version(version),
        _ => Kubectl::Unknown(msg!(
            "`kubectl version --client -o json` 没有给出版本（{status}）",
            "`kubectl version --client -o json` gave no version ({status})"
        )),
    }
}
