//! The class file a teacher writes for `checker class manifests --learners FILE`: the class's
//! name, the teacher, and one entry per learner (a user of the cluster's authentication, or a
//! ServiceAccount made for them in their namespace).
//!
//! ```yaml
//! version: 1
//! class: k8s-spring          # labels every learner namespace: lab-checker/class=k8s-spring
//! prefix: lab-               # optional (default lab-): alice works in namespace lab-alice
//! teacher: {user: teacher@example.edu}     # or {group: teachers}
//! learners:
//!   - {name: alice, user: alice@example.edu}
//!   - {name: bob, serviceAccount: bob}
//! ```
//!
//! Read with a bound, checked whole: one line names the first problem (exit 2).

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

use crate::cli::is_dns_label;
use crate::error::{Error, Result};
use crate::input::{self, MIB, YamlLimits};
use crate::msg;

/// The class file's format version.
pub const FORMAT_VERSION: u32 = 1;
/// The cap on a class file: a few dozen bytes a learner.
pub const LIMIT: u64 = MIB;
/// At most this many learners: beyond it, split the course into classes.
pub const MAX_LEARNERS: usize = 5_000;
/// What a class file's YAML may expand to.
const YAML: YamlLimits =
    YamlLimits { events: 100_000, nodes: 100_000, mappings: 12_000, scalar_bytes: MIB, depth: 16 };
/// The longest user or group name accepted (Kubernetes sets none; a kubeconfig's is far shorter).
const MAX_SUBJECT: usize = 256;

/// A class, as read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub name: String,
    pub prefix: String,
    pub teacher: Teacher,
    pub learners: Vec<Learner>,
}

/// Who teaches: a user or a group, as the cluster's authentication names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Teacher {
    User(String),
    Group(String),
}

/// One learner and who they are to the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learner {
    pub name: String,
    pub subject: Subject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    User(String),
    /// A ServiceAccount of this name in the learner's namespace (the manifests create it).
    ServiceAccount(String),
}

impl Class {
    /// The namespace a learner works in.
    pub fn namespace(&self, learner: &Learner) -> String {
        format!("{}{}", self.prefix, learner.name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    class: String,
    #[serde(default)]
    prefix: Option<String>,
    teacher: TeacherEntry,
    learners: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeacherEntry {
    user: Option<String>,
    group: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Entry {
    name: String,
    user: Option<String>,
    service_account: Option<String>,
}

/// Reads and checks a class file.
pub fn load(path: &Path) -> Result<Class> {
    let text = input::read_text(path, LIMIT)?;
    input::check_yaml(&text, path, &YAML)?;
    parse(&text).map_err(|reason| {
        let (shown, zh, en) = (path.display(), reason.zh, reason.en);
        Error::Input(msg!("班级文件 {shown} 有误：{zh}", "bad class file {shown}: {en}"))
    })
}

/// Checks a class file's text: the reason for the first problem, in both languages.
pub fn parse(text: &str) -> std::result::Result<Class, crate::i18n::Msg> {
    let file: File = serde_yaml::from_str(text).map_err(|e| {
        let e = crate::cluster::root_cause(&e);
        msg!("{e}", "{e}")
    })?;
    if file.version != FORMAT_VERSION {
        let (v, want) = (file.version, FORMAT_VERSION);
        return Err(msg!(
            "version 为 {v}，本 checker 只读 {want}",
            "version is {v}; this checker reads {want}"
        ));
    }
    let shown = |text: &str| crate::sanitize::line(text).into_owned();
    if !is_dns_label(&file.class) {
        let class = shown(&file.class);
        return Err(msg!(
            "class \"{class}\" 不是合法的标签值（小写字母、数字和 -，最多 63 个字符）",
            "class \"{class}\" is not a valid label value (lower-case letters, digits and '-', at most 63 characters)"
        ));
    }
    let prefix = file.prefix.unwrap_or_else(|| "lab-".to_string());
    let teacher = match (file.teacher.user, file.teacher.group) {
        (Some(user), None) => Teacher::User(subject_name(&user)?),
        (None, Some(group)) => Teacher::Group(subject_name(&group)?),
        _ => {
            return Err(msg!(
                "teacher 需要 user 或 group 之一（只能一个）",
                "teacher needs one of user or group (not both)"
            ));
        }
    };
    if file.learners.is_empty() {
        return Err(msg!("learners 为空", "learners is empty"));
    }
    if file.learners.len() > MAX_LEARNERS {
        let (n, max) = (file.learners.len(), MAX_LEARNERS);
        return Err(msg!(
            "{n} 名学员超过上限 {max}：请拆成几个班级",
            "{n} learners is more than the limit of {max}: split the course into classes"
        ));
    }
    let mut names = BTreeSet::new();
    let mut learners = Vec::with_capacity(file.learners.len());
    for (i, entry) in file.learners.into_iter().enumerate() {
        let n = i + 1;
        let namespace = format!("{prefix}{}", entry.name);
        if !is_dns_label(&entry.name) || !is_dns_label(&namespace) {
            let (name, namespace) = (shown(&entry.name), shown(&namespace));
            return Err(msg!(
                "第 {n} 名学员 \"{name}\"：命名空间 \"{namespace}\" 不是合法的名字（小写字母、数字和 -，最多 63 个字符，以字母或数字开头和结尾）",
                "learner {n} \"{name}\": namespace \"{namespace}\" is not a valid name (lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit)"
            ));
        }
        if !names.insert(entry.name.clone()) {
            let name = &entry.name;
            return Err(msg!("学员 \"{name}\" 出现了两次", "learner \"{name}\" is listed twice"));
        }
        let subject = match (entry.user, entry.service_account) {
            (Some(user), None) => Subject::User(subject_name(&user)?),
            (None, Some(account)) if is_dns_label(&account) => Subject::ServiceAccount(account),
            (None, Some(account)) => {
                let account = shown(&account);
                return Err(msg!(
                    "第 {n} 名学员：serviceAccount \"{account}\" 不是合法的名字",
                    "learner {n}: serviceAccount \"{account}\" is not a valid name"
                ));
            }
            _ => {
                let name = &entry.name;
                return Err(msg!(
                    "第 {n} 名学员 \"{name}\" 需要 user 或 serviceAccount 之一（只能一个）",
                    "learner {n} \"{name}\" needs one of user or serviceAccount (not both)"
                ));
            }
        };
        learners.push(Learner { name: entry.name, subject });
    }
    Ok(Class { name: file.class, prefix, teacher, learners })
}

/// A user or group name: not empty, no control characters, bounded.
fn subject_name(name: &str) -> std::result::Result<String, crate::i18n::Msg> {
    if name.trim().is_empty() || name.len() > MAX_SUBJECT || name.chars().any(char::is_control) {
        let shown = crate::sanitize::line(name);
        return Err(msg!(
            "\"{shown}\" 不是用户或组的名字（不能为空、不能含控制字符、最多 {MAX_SUBJECT} 字节）",
            "\"{shown}\" is not a user or group name (not empty, no control characters, at most {MAX_SUBJECT} bytes)"
        ));
    }
    Ok(name.to_string())
}
