//! `checker doctor`, the book's 环境检查: can this machine and this cluster take the learner to
//! the last step? What was found out ([`Facts`]) is judged here, purely, item by item: the
//! cluster answers, its version is new enough for every step (each step's
//! `min_server_version`), the namespace, the reads the checks need (pods, their logs, events,
//! the pod proxy, Services, each found out with a GET: the checker never writes, not even a
//! SelfSubjectAccessReview), the optional list of nodes (shown next to a pod's resources),
//! kubectl's version skew, and a default StorageClass (a problem for a lab that `requires` one).
//! Every problem comes with the command that fixes it.
//!
//! The facts are gathered by `cmd/doctor.rs`.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};
use lab_spec::{LabSpec, Lang, MinorVersion, Requirement, Step};
use serde::Serialize;

use crate::i18n::{Msg, tr};
use crate::sanitize::line;

/// What `checker doctor` found out, before it is judged.
#[derive(Debug, Clone)]
pub struct Facts {
    pub context: String,
    pub server: String,
    pub namespace: String,
    /// The API server's `gitVersion`, or why it could not be reached.
    pub reached: Result<String, Unreached>,
    /// The answers to the probes, by what they asked.
    pub answers: Answers,
    pub kubectl: Kubectl,
    pub storage: Storage,
}

/// Why the cluster could not be reached.
#[derive(Debug, Clone)]
pub enum Unreached {
    /// The kubeconfig cannot be used (missing, broken, no such context).
    Kubeconfig(Msg),
    /// The server did not answer, or not in time.
    Unreachable(Msg),
    /// The server rejected the credentials (401), or none could be had.
    Credentials(Msg),
}

/// The status codes of the probes (`None`: not asked, the cluster being unreachable).
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// `GET namespaces/NS`.
    pub namespace: Option<Answer>,
    /// `GET pods/NAME` of a pod that does not exist.
    pub pods_get: Option<Answer>,
    /// `GET pods?limit=1`.
    pub pods_list: Option<Answer>,
    /// `GET pods?watch=1&timeoutSeconds=1`.
    pub pods_watch: Option<Answer>,
    /// `GET pods/NAME/log` of a pod that does not exist.
    pub logs: Option<Answer>,
    /// `GET events?limit=1`.
    pub events: Option<Answer>,
    /// `GET pods/NAME/proxy/` of a pod that does not exist.
    pub proxy: Option<Answer>,
    /// `GET services/NAME` of a Service that does not exist.
    pub services: Option<Answer>,
    /// `GET nodes?limit=1` (cluster-wide; optional: the nodes shown next to a pod's resources).
    pub nodes: Option<Answer>,
}

/// How the API server answered a probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The HTTP status code.
    Code(u16),
    /// No answer (the connection failed, or it took too long).
    Failed(Msg),
}

/// The kubectl on the `PATH`, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kubectl {
    NotFound,
    /// Its client `gitVersion`, e.g. `v1.34.0`.
    Version(String),
    /// It ran but did not say its version (why, in one line).
    Unknown(Msg),
}

/// What the cluster says about storage classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// The default class's name.
    Default(String),
    /// The classes there are, none of them the default.
    NoDefault(Vec<String>),
    /// The list could not be read (its status code, or why).
    Unknown(Msg),
}

/// How an item came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Something to fix before (or for) a step.
    Problem,
    /// Worth knowing, nothing to fix now.
    Info,
}

/// One line of the check.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Stable: `cluster`, `server-version`, `namespace`, `pods`, `pods-log`, `events`,
    /// `pods-proxy`, `services`, `nodes`, `kubectl`, `storage-class`.
    pub id: &'static str,
    pub status: Status,
    /// What was checked, and what was found.
    pub text: String,
    /// The steps it matters for (the steps a problem keeps from passing).
    pub steps: Vec<u32>,
    /// The command or action that fixes a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// The whole check, as `checker doctor -o json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub context: String,
    pub server: String,
    pub namespace: String,
    /// The API server's version, when it answered.
    pub server_version: Option<String>,
    /// Whether the cluster could be reached at all (exit code 3 when not).
    pub reachable: bool,
    /// How many items are problems (exit code 1 when any).
    pub problems: usize,
    pub items: Vec<Item>,
}

/// The name probed where a pod that does not exist is wanted: a 404 says the read is allowed.
pub const PROBE_POD: &str = "checker-doctor-no-such-pod";

/// Judges the facts against the lab's needs.
pub fn judge(spec: &LabSpec, facts: &Facts, lang: Lang) -> Report {
    let words = Words { spec, facts, lang };
    let mut items = Vec::new();
    let reachable = facts.reached.is_ok();
    match &facts.reached {
        Err(why) => items.push(words.unreached(why)),
        Ok(version) => {
            items.push(words.reached(version));
            items.push(words.server_version(version));
            items.extend(words.namespace());
            items.extend(words.reads());
        }
    }
    items.push(words.kubectl());
    if reachable {
        items.push(words.storage());
    }
    let problems = items.iter().filter(|i| i.status == Status::Problem).count();
    Report {
        context: facts.context.clone(),
        server: facts.server.clone(),
        namespace: facts.namespace.clone(),
        server_version: facts.reached.as_ref().ok().cloned(),
        reachable,
        problems,
        items,
    }
}

/// The steps that read something: every step reads pods; these read more.
/// The numbers of the steps that make a read, in ascending order (the book's order puts the
/// cleanup, step 6, last).
fn steps_where(spec: &LabSpec, reads: impl Fn(&Step) -> bool) -> Vec<u32> {
    let mut steps: Vec<u32> = spec.steps.iter().filter(|s| reads(s)).map(|s| s.number).collect();
    steps.sort_unstable();
    steps
}

fn list(steps: &[u32], separator: &str) -> String {
    steps.iter().map(u32::to_string).collect::<Vec<_>>().join(separator)
}

struct Words<'a> {
    spec: &'a LabSpec,
    facts: &'a Facts,
    lang: Lang,
}

impl Words<'_> {
    fn tr(&self, zh: &str, en: &str) -> String {
        tr(self.lang, zh, en)
    }

    fn item(&self, id: &'static str, status: Status, text: String) -> Item {
        Item { id, status, text, steps: Vec::new(), fix: None }
    }

    fn unreached(&self, why: &Unreached) -> Item {
        let (message, fix) = match why {
            Unreached::Kubeconfig(m) | Unreached::Unreachable(m) => (
                m.get(self.lang),
                self.tr(
                    "确认集群正在运行、当前上下文就是它：`kubectl config current-context`，`kubectl cluster-info`；还没有集群就按「实验准备」一章创建一个（kind、minikube 或 k3d）",
                    "Make sure the cluster runs and the current context is it: `kubectl config current-context`, `kubectl cluster-info`; without a cluster, make one as the setup chapter says (kind, minikube or k3d)",
                ),
            ),
            Unreached::Credentials(m) => (
                m.get(self.lang),
                self.tr(
                    "更新 kubeconfig 中的凭据（重新登录，或重新导出集群的 kubeconfig，例如 `kind export kubeconfig --name init-lab`）；`kubectl get pods` 会给出同样的错误",
                    "Renew the credentials in your kubeconfig (log in again, or export the cluster's kubeconfig again, e.g. `kind export kubeconfig --name init-lab`); `kubectl get pods` gives the same error",
                ),
            ),
        };
        let text =
            self.tr(&format!("连不上集群：{message}"), &format!("cannot reach the cluster: {message}"));
        Item { fix: Some(fix), steps: self.all_steps(), ..self.item("cluster", Status::Problem, text) }
    }

    fn all_steps(&self) -> Vec<u32> {
        steps_where(self.spec, |_| true)
    }

    fn reached(&self, version: &str) -> Item {
        let text = self.tr(
            &format!("集群可以连接：API server {version}"),
            &format!("the cluster answers: API server {version}"),
        );
        self.item("cluster", Status::Ok, text)
    }

    /// The server's version against every step's `min_server_version`.
    fn server_version(&self, version: &str) -> Item {
        let needs: Vec<(&Step, MinorVersion)> =
            self.spec.steps.iter().filter_map(|s| s.min_server_version.map(|v| (s, v))).collect();
        let Some(have) = MinorVersion::parse(version) else {
            let text = self.tr(
                &format!("Kubernetes 版本：无法解读 {version}，未能与各步骤的要求比较"),
                &format!(
                    "Kubernetes version: cannot read {version}, so it was not compared with the steps' needs"
                ),
            );
            return self.item("server-version", Status::Info, text);
        };
        let short: Vec<&(&Step, MinorVersion)> = needs.iter().filter(|(_, need)| have < *need).collect();
        if short.is_empty() {
            let needed = needs
                .iter()
                .map(|(s, v)| {
                    self.tr(
                        &format!("步骤 {} 需要 ≥ {v}", s.number),
                        &format!("step {} needs ≥ {v}", s.number),
                    )
                })
                .collect::<Vec<_>>()
                .join(if self.lang == Lang::Zh { "，" } else { ", " });
            let text = match needed.is_empty() {
                true => {
                    self.tr(&format!("Kubernetes 版本：{version}"), &format!("Kubernetes version: {version}"))
                }
                false => self.tr(
                    &format!("Kubernetes 版本：{version} 满足每一步（{needed}）"),
                    &format!("Kubernetes version: {version} is enough for every step ({needed})"),
                ),
            };
            return self.item("server-version", Status::Ok, text);
        }
        let which = short
            .iter()
            .map(|(s, v)| {
                let title = s.title.get(self.lang);
                self.tr(
                    &format!("步骤 {}「{title}」需要 ≥ {v}", s.number),
                    &format!("step {} ({title}) needs ≥ {v}", s.number),
                )
            })
            .collect::<Vec<_>>()
            .join(if self.lang == Lang::Zh { "；" } else { "; " });
        let text = self.tr(
            &format!("Kubernetes 版本 {version} 太旧：{which}"),
            &format!("Kubernetes {version} is too old: {which}"),
        );
        let newest_need = short.iter().map(|(_, v)| *v).max().unwrap_or(have);
        let fix = match &self.spec.cluster_setup {
            Some(setup) => setup.get(self.lang).to_string(),
            None => self.tr(
                &format!("换用 Kubernetes {newest_need} 或更新的集群"),
                &format!("Use a cluster of Kubernetes {newest_need} or later"),
            ),
        };
        Item {
            steps: short.iter().map(|(s, _)| s.number).collect(),
            fix: Some(fix),
            ..self.item("server-version", Status::Problem, text)
        }
    }

    fn namespace(&self) -> Option<Item> {
        let ns = &self.facts.namespace;
        let answer = self.facts.answers.namespace.as_ref()?;
        let creating = self.spec.steps.iter().find(|s| s.manifest.is_some());
        Some(match answer {
            Answer::Code(200) => self.item(
                "namespace",
                Status::Ok,
                self.tr(&format!("命名空间 {ns}：存在"), &format!("namespace {ns} exists")),
            ),
            Answer::Code(404) => {
                let fix =
                    creating.and_then(|s| s.manifest.as_deref().map(|m| (s.number, m))).map(|(n, m)| {
                        self.tr(
                            &format!("步骤 {n} 的清单会创建它：`kubectl apply -f {m}`"),
                            &format!("step {n}'s manifest creates it: `kubectl apply -f {m}`"),
                        )
                    });
                let text = self
                    .tr(&format!("命名空间 {ns}：还不存在"), &format!("namespace {ns} does not exist yet"));
                Item { fix, ..self.item("namespace", Status::Info, text) }
            }
            other => {
                let text = self.tr(
                    &format!("命名空间 {ns}：无法确认（{}），这不影响检查", self.answer(other)),
                    &format!(
                        "namespace {ns}: cannot tell ({}); the checks do not need to",
                        self.answer(other)
                    ),
                );
                self.item("namespace", Status::Info, text)
            }
        })
    }

    fn answer(&self, answer: &Answer) -> String {
        match answer {
            Answer::Code(code) => {
                let reason =
                    http::StatusCode::from_u16(*code).ok().and_then(|c| c.canonical_reason()).unwrap_or("");
                format!("{code} {reason}").trim_end().to_string()
            }
            Answer::Failed(why) => why.get(self.lang).to_string(),
        }
    }

    /// The reads the checks make, each told allowed or refused by its status code.
    fn reads(&self) -> Vec<Item> {
        let a = &self.facts.answers;
        let all = self.all_steps();
        let logs = steps_where(self.spec, |s| !s.logs().is_empty());
        let pages = steps_where(self.spec, |s| !s.pages().is_empty());
        let services = steps_where(self.spec, |s| {
            s.selects().iter().any(|sel| sel.group().is_empty() && sel.kind == "Service")
        });
        let mut items = Vec::new();
        // pods: get (404 for the probe), list and watch, in one line.
        let pods = [
            ("get", &a.pods_get, &[200, 404][..]),
            ("list", &a.pods_list, &[200]),
            ("watch", &a.pods_watch, &[200]),
        ];
        if pods.iter().any(|(_, answer, _)| answer.is_some()) {
            let refused: Vec<&str> = pods
                .iter()
                .filter(|(_, answer, ok)| !allowed(answer.as_ref(), ok))
                .map(|(verb, ..)| *verb)
                .collect();
            let first_bad =
                pods.iter().find_map(|(_, answer, ok)| answer.as_ref().filter(|x| !allowed(Some(x), ok)));
            let what = self.tr("读取 Pod（get、list、watch）", "read pods (get, list, watch)");
            items.push(self.read_item("pods", "pods", &what, &refused, first_bad, all.clone()));
        }
        let simple = [
            (
                "pods-log",
                "pods/log",
                &a.logs,
                &[200, 400, 404][..],
                self.tr("读取容器日志（pods/log）", "read container logs (pods/log)"),
                logs,
            ),
            ("events", "events", &a.events, &[200], self.tr("读取事件（events）", "read events"), all),
            (
                "pods-proxy",
                "pods/proxy",
                &a.proxy,
                &[200, 404, 502, 503],
                self.tr(
                    "经 API server 读取 Pod 的页面（pods/proxy）",
                    "read a pod's page through the API server (pods/proxy)",
                ),
                pages,
            ),
        ];
        let services_item = (
            "services",
            "services",
            &a.services,
            &[200, 404][..],
            self.tr("读取 Service（services）", "read services"),
            services,
        );
        let needed = (!services_item.5.is_empty()).then_some(services_item);
        for (id, resource, answer, ok, what, steps) in simple.into_iter().chain(needed) {
            let Some(answer) = answer else { continue };
            let refused: Vec<&str> = match allowed(Some(answer), ok) {
                true => Vec::new(),
                false => vec!["get"],
            };
            items.push(self.read_item(id, resource, &what, &refused, Some(answer), steps));
        }
        if let Some(answer) = &a.nodes {
            items.push(self.nodes(answer));
        }
        items
    }

    /// The optional list of nodes: no check needs it, but with it a step's report shows what the
    /// nodes can allocate next to a pod's effective requests (step 7 of experiment 1.2).
    fn nodes(&self, answer: &Answer) -> Item {
        let what = self.tr("列出节点（nodes，集群范围，可选）", "list nodes (cluster-wide, optional)");
        let use_ = self.tr(
            "用于在 Pod 的有效请求旁边显示节点的可分配资源",
            "to show what the nodes can allocate next to a pod's effective requests",
        );
        if allowed(Some(answer), &[200]) {
            let text = self.tr(&format!("{what}：允许，{use_}"), &format!("{what}: allowed, {use_}"));
            return self.item("nodes", Status::Ok, text);
        }
        let said = self.answer(answer);
        let text = self.tr(
            &format!("{what}：不允许（{said}）；检查照常进行，只是不显示节点"),
            &format!(
                "{what}: not allowed ({said}); the checks work without it, the nodes are just not shown"
            ),
        );
        let fix = match &self.spec.rbac {
            Some(rbac) => self.tr(
                &format!("想看到节点，请集群管理员应用 `{rbac}` 中的 ClusterRole `checker-node-reader`，再 `kubectl create clusterrolebinding checker-node-reader --clusterrole=checker-node-reader --user=<你的用户名>`"),
                &format!("To see the nodes, ask a cluster admin to apply the ClusterRole `checker-node-reader` of `{rbac}`, then `kubectl create clusterrolebinding checker-node-reader --clusterrole=checker-node-reader --user=<your-user-name>`"),
            ),
            None => self.tr(
                "想看到节点，请集群管理员授予你集群范围内 nodes 的 list 权限",
                "To see the nodes, ask a cluster admin to grant you list on nodes, cluster-wide",
            ),
        };
        Item { fix: Some(fix), ..self.item("nodes", Status::Info, text) }
    }

    fn read_item(
        &self,
        id: &'static str,
        resource: &str,
        what: &str,
        refused: &[&str],
        answer: Option<&Answer>,
        steps: Vec<u32>,
    ) -> Item {
        let for_steps = match steps.as_slice() {
            [] => String::new(),
            _ if steps == self.all_steps() => self.tr("（每一步都需要）", " (every step needs it)"),
            [one] => self.tr(&format!("（步骤 {one} 需要）"), &format!(" (step {one} needs it)")),
            _ => self.tr(
                &format!("（步骤 {} 需要）", list(&steps, "、")),
                &format!(" (steps {} need it)", list(&steps, ", ")),
            ),
        };
        if refused.is_empty() {
            let text = self.tr(&format!("{what}：允许{for_steps}"), &format!("{what}: allowed{for_steps}"));
            return Item { steps, ..self.item(id, Status::Ok, text) };
        }
        let said = answer.map(|a| self.answer(a)).unwrap_or_default();
        // A refusal (401/403) is a permission to grant; anything else is unexplained.
        let denied = matches!(answer, Some(Answer::Code(401 | 403)));
        if !denied {
            let text =
                self.tr(&format!("{what}：无法确认（{said}）"), &format!("{what}: cannot tell ({said})"));
            return Item { steps, ..self.item(id, Status::Info, text) };
        }
        let verbs = refused.join(", ");
        if steps.is_empty() {
            // No check of this lab reads it (its Role need not grant it): worth knowing only.
            let text = self.tr(
                &format!("{what}：被拒绝（{said}，{verbs}；本实验的检查不需要）"),
                &format!("{what}: refused ({said}, {verbs}; this lab's checks do not need it)"),
            );
            return self.item(id, Status::Info, text);
        }
        let text = self.tr(
            &format!("{what}：被拒绝（{said}，{verbs}）{for_steps}"),
            &format!("{what}: refused ({said}, {verbs}){for_steps}"),
        );
        Item { steps, fix: Some(self.rbac_fix(resource, &verbs)), ..self.item(id, Status::Problem, text) }
    }

    /// Grant the lab's read-only Role (the spec's `rbac`), or the missing verbs.
    fn rbac_fix(&self, resource: &str, verbs: &str) -> String {
        let ns = &self.facts.namespace;
        match &self.spec.rbac {
            Some(rbac) => self.tr(
                &format!("请集群管理员授予只读权限：`kubectl apply -f {rbac}`，再 `kubectl create rolebinding checker-reader -n {ns} --role=checker-reader --user=<你的用户名>`"),
                &format!("Ask a cluster admin for the read-only Role: `kubectl apply -f {rbac}`, then `kubectl create rolebinding checker-reader -n {ns} --role=checker-reader --user=<your-user-name>`"),
            ),
            None => self.tr(
                &format!("请集群管理员授予你命名空间 {ns} 中 {resource} 的 {verbs} 权限"),
                &format!("Ask a cluster admin to grant you {verbs} on {resource} in namespace {ns}"),
            ),
        }
    }

    /// kubectl within one minor version of the server, as the skew policy asks.
    fn kubectl(&self) -> Item {
        let server = self.facts.reached.as_ref().ok().and_then(|v| MinorVersion::parse(v));
        let install = |minor: Option<MinorVersion>| {
            let version = minor.map(|v| format!("v{v}")).unwrap_or_else(|| "v1.34".into());
            self.tr(
                &format!("安装与集群相差不超过一个次版本的 kubectl（例如 {version}）：https://kubernetes.io/zh-cn/docs/tasks/tools/"),
                &format!("Install a kubectl within one minor version of the cluster (e.g. {version}): https://kubernetes.io/docs/tasks/tools/"),
            )
        };
        match &self.facts.kubectl {
            Kubectl::NotFound => {
                let text = self.tr(
                    "kubectl：PATH 中没有找到（每一步都要用它部署和观察）",
                    "kubectl: not found on PATH (every step deploys and looks with it)",
                );
                Item {
                    fix: Some(install(server)),
                    steps: self.all_steps(),
                    ..self.item("kubectl", Status::Problem, text)
                }
            }
            Kubectl::Unknown(why) => {
                let why = why.get(self.lang);
                let text = self.tr(
                    &format!("kubectl：无法得知它的版本（{why}）"),
                    &format!("kubectl: cannot tell its version ({why})"),
                );
                self.item("kubectl", Status::Info, text)
            }
            Kubectl::Version(client) => {
                let (Some(have), Some(server)) = (MinorVersion::parse(client), server) else {
                    let text = self.tr(&format!("kubectl {client}"), &format!("kubectl {client}"));
                    return self.item("kubectl", Status::Info, text);
                };
                let apart = have.minors_apart(server);
                if apart <= 1 {
                    let text = self.tr(
                        &format!("kubectl {client}：与集群（{server}）相差 {apart} 个次版本，在 ±1 之内"),
                        &format!("kubectl {client}: {apart} minor version(s) from the cluster ({server}), within ±1"),
                    );
                    return self.item("kubectl", Status::Ok, text);
                }
                let text = self.tr(
                    &format!("kubectl {client} 与集群（{server}）相差 {apart} 个次版本，超出 ±1 的支持范围"),
                    &format!("kubectl {client} is {apart} minor versions from the cluster ({server}), beyond the supported ±1"),
                );
                Item {
                    fix: Some(install(Some(server))),
                    steps: self.all_steps(),
                    ..self.item("kubectl", Status::Problem, text)
                }
            }
        }
    }

    /// A default StorageClass: a problem for a lab that `requires` one (its claims name no
    /// class), worth knowing for the others.
    fn storage(&self) -> Item {
        if !self.spec.requires.contains(&Requirement::DefaultStorageClass) {
            return self.storage_for_later();
        }
        let why = self.tr(
            "本实验的 PVC 没有写 storageClassName，要用默认的 StorageClass",
            "this lab's claims name no storageClassName and use the default StorageClass",
        );
        match &self.facts.storage {
            Storage::Default(name) => {
                let text = self.tr(
                    &format!("默认 StorageClass：{name}（{why}）"),
                    &format!("default StorageClass: {name} ({why})"),
                );
                self.item("storage-class", Status::Ok, text)
            }
            Storage::NoDefault(names) => {
                let found = match names.is_empty() {
                    true => self.tr("没有 StorageClass", "no StorageClass"),
                    false => self.tr(
                        &format!("有 StorageClass（{}），但没有默认的", names.join(", ")),
                        &format!("StorageClasses ({}) but no default one", names.join(", ")),
                    ),
                };
                let text = self.tr(
                    &format!("{found}：{why}；没有它，PVC 会一直 Pending，Pod 也就无法启动"),
                    &format!("{found}: {why}; without one the claims stay Pending and so do the pods"),
                );
                let fix = self.tr(
                    "在自己的测试集群上安装一个卷制备器并设为默认，例如 `kubectl apply -f https://raw.githubusercontent.com/rancher/local-path-provisioner/v0.0.30/deploy/local-path-storage.yaml`，再 `kubectl patch storageclass local-path -p '{\"metadata\": {\"annotations\": {\"storageclass.kubernetes.io/is-default-class\": \"true\"}}}'`；在共享集群上不要改默认设置，把一个现有的类写进清单的 `storageClassName`（`kubectl get storageclass`）",
                    "On a test cluster of your own, install a volume provisioner and make it the default, e.g. `kubectl apply -f https://raw.githubusercontent.com/rancher/local-path-provisioner/v0.0.30/deploy/local-path-storage.yaml`, then `kubectl patch storageclass local-path -p '{\"metadata\": {\"annotations\": {\"storageclass.kubernetes.io/is-default-class\": \"true\"}}}'`; on a shared cluster, leave the default alone and write an existing class into the manifest's `storageClassName` (`kubectl get storageclass`)",
                );
                Item {
                    fix: Some(fix),
                    steps: self.all_steps(),
                    ..self.item("storage-class", Status::Problem, text)
                }
            }
            Storage::Unknown(reason) => {
                let text = self.tr(
                    &format!("默认 StorageClass：无法读取（{}；{why}）", reason.get(self.lang)),
                    &format!("default StorageClass: cannot tell ({}; {why})", reason.get(self.lang)),
                );
                self.item("storage-class", Status::Info, text)
            }
        }
    }

    /// The default StorageClass for a lab that needs none, for the later ones that do.
    fn storage_for_later(&self) -> Item {
        let later = self.tr(
            "本实验不需要；后续的 2.1 StatefulSet 实验需要",
            "this lab needs none; the later 2.1 StatefulSet lab does",
        );
        let text = match &self.facts.storage {
            Storage::Default(name) => self.tr(
                &format!("默认 StorageClass：{name}（{later}）"),
                &format!("default StorageClass: {name} ({later})"),
            ),
            Storage::NoDefault(names) if names.is_empty() => {
                self.tr(&format!("没有 StorageClass（{later}）"), &format!("no StorageClass ({later})"))
            }
            Storage::NoDefault(names) => self.tr(
                &format!("有 StorageClass（{}），但没有默认的（{later}）", names.join(", ")),
                &format!("StorageClasses ({}) but no default one ({later})", names.join(", ")),
            ),
            Storage::Unknown(why) => self.tr(
                &format!("默认 StorageClass：无法读取（{}；{later}）", why.get(self.lang)),
                &format!("default StorageClass: cannot tell ({}; {later})", why.get(self.lang)),
            ),
        };
        self.item("storage-class", Status::Info, text)
    }
}

/// Whether the answer shows the read is allowed: one of the codes an allowed request gets.
fn allowed(answer: Option<&Answer>, ok: &[u16]) -> bool {
    match answer {
        None => true,
        Some(Answer::Code(code)) => ok.contains(code),
        Some(Answer::Failed(_)) => false,
    }
}

const GREEN: Style = AnsiColor::Green.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// The check for the terminal.
pub fn text(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let heading = tr(lang, "环境检查", "Environment check");
    let (context, server, ns) = (&report.context, &report.server, &report.namespace);
    let place = match context.is_empty() {
        true => tr(lang, &format!("命名空间 {ns}"), &format!("namespace {ns}")),
        false => tr(
            lang,
            &format!("上下文 {context}（{server}）· 命名空间 {ns}"),
            &format!("context {context} ({server}) · namespace {ns}"),
        ),
    };
    let _ = writeln!(out, "{} · {}", paint(BOLD, &heading), line(&place));
    let sep = if lang == Lang::Zh { "：" } else { ": " };
    for item in &report.items {
        let mark = match item.status {
            Status::Ok => paint(GREEN, "✔"),
            Status::Problem => paint(RED, "✘"),
            Status::Info => paint(DIM, "•"),
        };
        let _ = writeln!(out, "  {mark} {}", line(&item.text));
        if let Some(fix) = &item.fix {
            let label = match item.status {
                Status::Problem => tr(lang, "修复", "fix"),
                _ => tr(lang, "提示", "hint"),
            };
            let _ = writeln!(out, "      {}{sep}{}", paint(DIM, &label), line(fix));
        }
    }
    out.push('\n');
    let result = match (report.reachable, report.problems) {
        (false, _) => paint(RED, &tr(lang, "连不上集群", "the cluster cannot be reached")),
        (true, 0) => paint(GREEN, &tr(lang, "一切就绪，可以从步骤 1 开始", "all set: start with step 1")),
        (true, n) => paint(
            RED,
            &tr(
                lang,
                &format!("发现 {n} 个问题，修复后再运行 `checker doctor`"),
                &format!("{n} problem(s): fix them and run `checker doctor` again"),
            ),
        ),
    };
    let _ = writeln!(out, "{}{result}", tr(lang, "结果：", "Result: "));
    out
}

#[cfg(test)]
mod tests;
