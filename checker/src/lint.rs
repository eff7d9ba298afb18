//! `checker lint`: a lab is data, and this checks the data before a learner meets it.
//!
//! The rules, each named in the one-line report of a problem (`FILE[:LINE]: RULE: reason`):
//!
//! - `schema`: the catalog and each spec parse and validate (unknown fields, duplicate numbers,
//!   references that do not resolve);
//! - `text`: every text a learner reads has Chinese and English, neither empty, and the Chinese
//!   one is Chinese (has CJK characters) unless it reads the same in both (`restartPolicy:
//!   Never`);
//! - `manifest`: every manifest a step or the `rbac:` field names, and every `manifests/….yaml`
//!   a text names, exists and parses as Kubernetes objects (`apiVersion`, `kind`,
//!   `metadata.name`);
//! - `created`: every object a check names is created by a manifest of its step or an earlier
//!   one, in the lab's namespace: by name, or as a StatefulSet's pod (`web-0`) or claim
//!   (`data-web-0`); an expectation marked `created_by: learner` or `controller` is exempt;
//! - `box`: every step of a lab the book lists has exactly one verify box in the book, and every
//!   box names a step (the rules of `mdbook-lab`, on the chapters of `src/SUMMARY.md`);
//! - `image`: every container image of the manifests is pinned (an exact tag or a digest);
//! - `rbac`: the lab names an RBAC manifest and it grants every read the checks make
//!   ([`crate::permissions`]).
//!
//! Pure but for reading the files: the checkout's root and labs in, the problems out.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use lab_spec::{Check, Lab, LabSpec, Labs, Lang, Named, Text};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::input;
use crate::inspect::image_is_pinned;
use crate::msg;
use crate::permissions::{self, Grants};

/// The rules, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rule {
    Schema,
    Text,
    Manifest,
    Created,
    Box,
    Image,
    Rbac,
}

impl Rule {
    pub const ALL: [Rule; 7] =
        [Rule::Schema, Rule::Text, Rule::Manifest, Rule::Created, Rule::Box, Rule::Image, Rule::Rbac];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Schema => "schema",
            Rule::Text => "text",
            Rule::Manifest => "manifest",
            Rule::Created => "created",
            Rule::Box => "box",
            Rule::Image => "image",
            Rule::Rbac => "rbac",
        }
    }
}

/// One problem: where, which rule, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The lab it belongs to (none for the catalog, or a box naming no lab).
    pub lab: Option<String>,
    /// Relative to the checkout's root.
    pub file: String,
    pub line: Option<usize>,
    pub rule: Rule,
    pub message: Msg,
}

impl Problem {
    /// `FILE[:LINE]: RULE: reason`, one line, safe for a terminal (a file's text may hold
    /// anything).
    pub fn line(&self, lang: Lang) -> String {
        let at = self.line.map(|l| format!(":{l}")).unwrap_or_default();
        let line = format!("{}{at}: {}: {}", self.file, self.rule.as_str(), self.message.get(lang));
        crate::sanitize::line(&line).into_owned()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line(crate::i18n::lang()))
    }
}

/// What to lint: a checkout and some of its labs.
#[derive(Debug)]
pub struct Target {
    /// The root manifests, `rbac:` and the book are read from.
    pub root: PathBuf,
    pub labs: Labs,
    /// The ids of the labs to lint.
    pub ids: Vec<String>,
}

/// What `checker lint [--lab ID | --all] [PATH]` lints. PATH is a checkout (a directory holding
/// `book.toml` and `labs/labs.yaml`), a lab's directory or its spec file (linted as part of the
/// checkout it is in, in place of the lab of its id); by default the checkout the current
/// directory is in. A spec or catalog that does not load is the `schema` problem.
pub fn target(path: Option<&Path>, lab: Option<&str>, all: bool) -> Result<Result<Target, Problem>> {
    let cwd = std::env::current_dir()
        .map_err(|e| Error::Input(msg!("无法读取当前目录：{e}", "cannot read the current directory: {e}")))?;
    let path = path.map(Path::to_path_buf).unwrap_or_else(|| cwd.clone());
    let spec_file = match (path.is_dir(), path.join(lab_spec::SPEC_FILE).is_file()) {
        (true, true) if !path.join(lab_spec::catalog::CATALOG_PATH).is_file() => {
            Some(path.join(lab_spec::SPEC_FILE))
        }
        (true, _) => None,
        (false, _) if path.is_file() => Some(path.clone()),
        (false, _) => {
            let shown = path.display();
            return Err(Error::Usage(msg!("{shown} 不存在", "{shown} does not exist")));
        }
    };
    let start = spec_file.as_deref().and_then(Path::parent).unwrap_or(&path);
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let root = Labs::find_checkout(&start);
    let Some(root) = root.or_else(|| spec_file.as_ref().map(|_| cwd.clone())) else {
        let shown = path.display();
        return Err(Error::Usage(msg!(
            "{shown} 不是书的仓库（没有 book.toml 和 labs/labs.yaml）：在仓库中运行，或给出 PATH",
            "{shown} is not the book's checkout (no book.toml and labs/labs.yaml): run inside it or give PATH"
        )));
    };
    let schema = |e: lab_spec::SpecError| Problem {
        lab: None,
        file: relative(&root, &e.file),
        line: e.line,
        rule: Rule::Schema,
        message: match e.unreadable {
            Some(lab_spec::bounded::Unreadable(why)) => Msg::new(why.zh, why.en),
            None => Msg::new(e.reason.clone(), e.reason),
        },
    };
    let labs = match root.join(lab_spec::catalog::CATALOG_PATH).is_file() {
        true => match Labs::load(&root) {
            Ok(labs) => labs,
            Err(e) => return Ok(Err(schema(e))),
        },
        false => Labs::embedded()?,
    };
    let (labs, ids) = match &spec_file {
        Some(file) => match LabSpec::load(file) {
            Ok(spec) => {
                let id = spec.id.clone();
                (labs.with_spec(spec, relative(&root, &file.display().to_string())), vec![id])
            }
            Err(e) => return Ok(Err(schema(e))),
        },
        None => {
            let ids = match lab.filter(|_| !all) {
                Some(id) if labs.get(id).is_none() => {
                    let known = labs.ids();
                    return Err(Error::Usage(msg!(
                        "没有实验 {id}：本书的实验为 {known}",
                        "unknown lab {id}: the book's labs are {known}"
                    )));
                }
                Some(id) => vec![id.to_string()],
                None => labs.iter().map(|l| l.id().to_string()).collect(),
            };
            (labs, ids)
        }
    };
    Ok(Ok(Target { root, labs, ids }))
}

/// A manifest's text, within the bounds of a lab spec (its size, and what its aliases expand to).
fn read_yaml(full: &Path) -> Result<String> {
    let text = input::read_text(full, lab_spec::bounded::SPEC_LIMIT)?;
    input::check_yaml(&text, full, &lab_spec::bounded::SPEC_YAML)?;
    Ok(text)
}

/// `file` relative to `root` when it is under it.
fn relative(root: &Path, file: &str) -> String {
    let path = Path::new(file);
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match absolute.strip_prefix(root) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => file.to_string(),
    }
}

/// Every problem of the target's labs, lab by lab and rule by rule.
pub fn lint(target: &Target) -> Vec<Problem> {
    let book = book_problems(target);
    let mut problems = Vec::new();
    // Boxes that name no lab concern the book, whichever lab is linted.
    problems.extend(book.iter().filter(|p| p.lab.is_none()).cloned());
    for id in &target.ids {
        let Some(lab) = target.labs.get(id) else { continue };
        let mut linter = Linter { root: &target.root, lab, problems: Vec::new() };
        linter.texts();
        let manifests = linter.manifests();
        linter.created(&manifests);
        linter.problems.extend(book.iter().filter(|p| p.lab.as_deref() == Some(id.as_str())).cloned());
        linter.images(&manifests);
        linter.rbac();
        problems.extend(linter.problems);
    }
    problems
}

struct Linter<'a> {
    root: &'a Path,
    lab: &'a Lab,
    problems: Vec<Problem>,
}

/// A manifest's objects, by the step that applies it (none for the `rbac:` manifest).
struct Manifest {
    step: Option<u32>,
    file: String,
    /// `None` when the file cannot be used (a `manifest` problem).
    objects: Option<Vec<Object>>,
}

/// One object of a manifest.
#[derive(Debug, Clone)]
struct Object {
    group: String,
    kind: String,
    name: String,
    namespace: Option<String>,
    value: Value,
}

impl<'a> Linter<'a> {
    fn problem(&mut self, file: &str, rule: Rule, message: Msg) {
        let lab = Some(self.lab.id().to_string());
        self.problems.push(Problem { lab, file: file.to_string(), line: None, rule, message });
    }

    fn spec(&self) -> &'a LabSpec {
        &self.lab.spec
    }

    fn texts(&mut self) {
        let file = self.lab.file.clone();
        for (place, text) in texts(self.spec()) {
            if let Some(why) = text_problem(text) {
                self.problem(
                    &file,
                    Rule::Text,
                    Msg::new(format!("{place}：{}", why.zh), format!("{place}: {}", why.en)),
                );
            }
        }
    }

    /// Reads and parses every manifest the lab names (reporting those that cannot be used, whose
    /// objects are then unknown: `objects: None`), and checks that every manifest a text names
    /// exists.
    fn manifests(&mut self) -> Vec<Manifest> {
        let spec = self.spec();
        let file = self.lab.file.clone();
        let mut named: Vec<(Option<u32>, String)> =
            spec.steps.iter().filter_map(|s| s.manifest.clone().map(|m| (Some(s.number), m))).collect();
        if let Some(rbac) = &spec.rbac {
            named.push((None, rbac.clone()));
        }
        let mut manifests = Vec::new();
        // Each file once: steps 1 and 2 may apply the same manifest.
        let mut read: BTreeMap<String, Option<Vec<Object>>> = BTreeMap::new();
        for (step, path) in named {
            if !read.contains_key(&path) {
                let objects = match self.read_manifest(&path) {
                    Ok(objects) => Some(objects),
                    Err(why) => {
                        let what = match step {
                            Some(n) => Msg::new(
                                format!("步骤 {n} 的清单 {path}"),
                                format!("step {n}'s manifest {path}"),
                            ),
                            None => {
                                Msg::new(format!("rbac 清单 {path}"), format!("the rbac manifest {path}"))
                            }
                        };
                        let message =
                            Msg::new(format!("{}：{}", what.zh, why.zh), format!("{}: {}", what.en, why.en));
                        self.problem(&file, Rule::Manifest, message);
                        None
                    }
                };
                read.insert(path.clone(), objects);
            }
            let objects = read[&path].clone();
            manifests.push(Manifest { step, file: path, objects });
        }
        let pattern =
            regex::Regex::new(r"[A-Za-z0-9_./-]*manifests/[A-Za-z0-9_./-]+\.ya?ml").expect("a valid regex");
        let mut mentioned: Vec<(String, String)> = Vec::new();
        for (place, text) in texts(spec) {
            for found in pattern.find_iter(&text.zh).chain(pattern.find_iter(&text.en)) {
                if !mentioned.iter().any(|(m, _)| m == found.as_str()) {
                    mentioned.push((found.as_str().to_string(), place.clone()));
                }
            }
        }
        for (path, place) in mentioned {
            if !self.root.join(&path).is_file() {
                self.problem(
                    &file,
                    Rule::Manifest,
                    msg!("{place} 提到的 {path} 不存在", "{place} names {path}, which does not exist"),
                );
            }
        }
        manifests
    }

    /// The objects of a manifest, or why it cannot be used ("does not exist", ...).
    fn read_manifest(&self, path: &str) -> Result<Vec<Object>, Msg> {
        let full = self.root.join(path);
        if !full.is_file() {
            return Err(msg!("不存在", "does not exist"));
        }
        let text = read_yaml(&full).map_err(|e| {
            let why = e.message().clone();
            Msg::new(format!("无法读取：{}", why.zh), format!("cannot be read: {}", why.en))
        })?;
        parse_objects(&text)
    }

    /// Every object a check names is created by a manifest of its step or an earlier one.
    fn created(&mut self, manifests: &[Manifest]) {
        let spec = self.spec();
        let file = self.lab.file.clone();
        let mut steps: Vec<&lab_spec::Step> = spec.steps.iter().collect();
        steps.sort_by_key(|s| s.number);
        for step in steps {
            let applied: Vec<&Manifest> =
                manifests.iter().filter(|m| m.step.is_some_and(|n| n <= step.number)).collect();
            if applied.iter().any(|m| m.objects.is_none()) {
                continue; // what a broken manifest creates is unknown: its problem says enough
            }
            let made: Vec<&Object> = applied.iter().flat_map(|m| m.objects.iter().flatten()).collect();
            for e in &step.expectations {
                if e.created_by.is_some() || matches!(e.check, Check::LabPodsGone) {
                    continue;
                }
                for named in e.check.named() {
                    let found: Vec<&&Object> = made.iter().filter(|o| creates(o, &named)).collect();
                    let (n, id, kind, name, ns) =
                        (step.number, &e.id, &named.kind, &named.name, &spec.namespace);
                    let message = match found.iter().find(|o| o.namespace.as_deref().is_none_or(|n| n == ns))
                    {
                        Some(_) => continue,
                        None if found.is_empty() => msg!(
                            "步骤 {n} 的检查 `{id}` 所说的 {kind} {name} 不由步骤 {n} 及之前的任何清单创建：改正名称，或在该检查上标注 `created_by: learner`（或 `controller`）",
                            "step {n}, expectation `{id}`: {kind} {name} is created by no manifest of step {n} or before: fix the name, or mark the expectation `created_by: learner` (or `controller`)"
                        ),
                        None => {
                            let other = found[0].namespace.clone().unwrap_or_default();
                            msg!(
                                "步骤 {n} 的检查 `{id}`：{kind} {name} 创建在命名空间 {other}，但检查读取的是本实验的命名空间 {ns}",
                                "step {n}, expectation `{id}`: {kind} {name} is created in namespace {other}, but the checks read the lab's namespace {ns}"
                            )
                        }
                    };
                    self.problem(&file, Rule::Created, message);
                }
            }
        }
    }

    fn images(&mut self, manifests: &[Manifest]) {
        for manifest in manifests.iter().filter(|m| m.step.is_some()) {
            let mut seen: Vec<String> = Vec::new();
            for object in manifest.objects.iter().flatten() {
                for (container, image) in images(&object.value) {
                    if image_is_pinned(&image) || seen.contains(&image) {
                        continue;
                    }
                    seen.push(image.clone());
                    let (kind, name) = (&object.kind, &object.name);
                    self.problem(
                        &manifest.file,
                        Rule::Image,
                        msg!(
                            "{kind} {name} 的容器 {container} 的镜像 {image} 没有固定版本：写明确切的标签（不是 latest）或摘要",
                            "{kind} {name}, container {container}: image {image} is not pinned: give an exact tag (not latest) or a digest"
                        ),
                    );
                }
            }
        }
    }

    fn rbac(&mut self) {
        let file = self.lab.file.clone();
        let Some(rbac) = self.spec().rbac.clone() else {
            self.problem(
                &file,
                Rule::Rbac,
                msg!(
                    "没有 `rbac:`：写出授予检查所需读取权限的 RBAC 清单",
                    "no `rbac:`: name the RBAC manifest that grants the reads the checks make"
                ),
            );
            return;
        };
        let full = self.root.join(&rbac);
        // A manifest that cannot be read is the `manifest` rule's problem.
        let Ok(text) = read_yaml(&full) else { return };
        let grants = match Grants::parse(&text) {
            Ok(grants) => grants,
            Err(why) => {
                self.problem(
                    &rbac,
                    Rule::Rbac,
                    msg!("无法读取其中的 Role：{why}", "cannot read its Roles: {why}"),
                );
                return;
            }
        };
        let missing = grants.missing(&permissions::needed(self.spec()));
        if !missing.is_empty() {
            let list = missing.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
            let id = self.lab.id();
            let message = msg!(
                "没有授予实验 {id} 的检查所需的 {list}：把它们加到 Role 中",
                "does not grant {list}, which the checks of lab {id} need: add them to its Role"
            );
            self.problem(&rbac, Rule::Rbac, message);
        }
    }
}

/// Whether `object` creates the object `named`: by kind and name, or as a StatefulSet whose
/// pods (`NAME-N`) and claims (`TEMPLATE-NAME-N`) its controller makes.
fn creates(object: &Object, named: &Named) -> bool {
    let group_ok = |group: &str| named.group.as_deref().is_none_or(|g| g == group);
    if object.kind == named.kind && group_ok(&object.group) && object.name == named.name {
        return true;
    }
    if object.kind != "StatefulSet" || object.group != "apps" {
        return false;
    }
    let ordinal_of = |prefix: &str| {
        named
            .name
            .strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    match (named.kind.as_str(), group_ok("")) {
        ("Pod", true) => ordinal_of(&format!("{}-", object.name)),
        ("PersistentVolumeClaim", true) => object.value["spec"]["volumeClaimTemplates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["metadata"]["name"].as_str())
            .any(|template| ordinal_of(&format!("{template}-{}-", object.name))),
        _ => false,
    }
}

/// The objects of a (multi-document) manifest; a `List`'s items are its objects.
fn parse_objects(text: &str) -> Result<Vec<Object>, Msg> {
    use serde::Deserialize as _;
    let mut objects = Vec::new();
    for (i, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let n = i + 1;
        let value = serde_yaml::Value::deserialize(document)
            .map_err(|e| msg!("第 {n} 个文档不是 YAML：{e}", "document {n} is not YAML: {e}"))?;
        if value.is_null() {
            continue;
        }
        let value: Value = serde_json::to_value(&value)
            .map_err(|e| msg!("第 {n} 个文档不是对象：{e}", "document {n} is not an object: {e}"))?;
        let items = match value.get("kind").and_then(Value::as_str) {
            Some("List") => value["items"].as_array().cloned().unwrap_or_default(),
            _ => vec![value],
        };
        for item in items {
            objects.push(object(item).map_err(|why| {
                Msg::new(format!("第 {n} 个文档{}", why.zh), format!("document {n}{}", why.en))
            })?);
        }
    }
    if objects.is_empty() {
        return Err(msg!("其中没有 Kubernetes 对象", "it holds no Kubernetes object"));
    }
    Ok(objects)
}

fn object(value: Value) -> Result<Object, Msg> {
    let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty());
    let Some(api_version) = text("/apiVersion") else {
        return Err(msg!("没有 apiVersion", " has no apiVersion"));
    };
    let Some(kind) = text("/kind") else {
        return Err(msg!("没有 kind", " has no kind"));
    };
    let Some(name) = text("/metadata/name").or_else(|| text("/metadata/generateName")) else {
        return Err(msg!("没有 metadata.name", " has no metadata.name"));
    };
    Ok(Object {
        group: api_version.rsplit_once('/').map_or("", |(g, _)| g).to_string(),
        kind: kind.to_string(),
        name: name.to_string(),
        namespace: text("/metadata/namespace").map(str::to_string),
        value: value.clone(),
    })
}

/// Every container of an object (a pod, or the pod template of a workload, at any depth) as
/// (name, image).
fn images(value: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    walk(value, &mut found);
    found
}

fn walk(value: &Value, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if matches!(key.as_str(), "containers" | "initContainers" | "ephemeralContainers")
                    && let Some(list) = child.as_array()
                {
                    for c in list {
                        let name = c["name"].as_str().unwrap_or("?").to_string();
                        found.push((name, c["image"].as_str().unwrap_or("").to_string()));
                    }
                }
                walk(child, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
        _ => {}
    }
}

/// Every text of a spec a learner reads, with where it is, in English.
fn texts(spec: &LabSpec) -> Vec<(String, &Text)> {
    let mut out = vec![("title".to_string(), &spec.title)];
    for goal in &spec.goals {
        out.push((format!("goal `{}`", goal.id), &goal.text));
    }
    for step in &spec.steps {
        let n = step.number;
        out.push((format!("step {n} title"), &step.title));
        out.push((format!("step {n} pending_hint"), &step.pending_hint));
        for e in &step.expectations {
            out.push((format!("step {n} expectation `{}` description", e.id), &e.description));
            out.push((format!("step {n} expectation `{}` hint", e.id), &e.hint));
        }
    }
    // Where a report table's texts are, as a path into the spec: `report[0].rows[2].title`.
    for (t, table) in spec.report.iter().enumerate() {
        out.push((format!("report[{t}].title"), &table.title));
        for (i, column) in table.columns.iter().enumerate() {
            out.push((format!("report[{t}].columns[{i}]"), column));
        }
        for (i, row) in table.rows.iter().enumerate() {
            out.push((format!("report[{t}].rows[{i}].title"), &row.title));
        }
    }
    out
}

/// What is wrong with a text, if anything.
fn text_problem(text: &Text) -> Option<Msg> {
    let (zh, en) = (text.zh.trim(), text.en.trim());
    if zh.is_empty() {
        return Some(msg!("中文（zh）为空", "the Chinese (zh) is empty"));
    }
    if en.is_empty() {
        return Some(msg!("英文（en）为空", "the English (en) is empty"));
    }
    if zh != en && !zh.chars().any(is_cjk) {
        return Some(msg!(
            "中文（zh）没有汉字：“{zh}”；翻译它，或在两种语言中写成一样（名称、命令）",
            "the Chinese (zh) has no Chinese in it: \"{zh}\"; translate it, or write it the same in both (a name, a command)"
        ));
    }
    None
}

/// A CJK ideograph.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

/// The box rule, on the book at the root (when there is one): every problem of `mdbook-lab`'s,
/// with the lab it concerns.
fn book_problems(target: &Target) -> Vec<Problem> {
    let root = &target.root;
    if !root.join(lab_spec::catalog::BOOK_TOML).is_file() || target.labs.in_book() == 0 {
        return Vec::new();
    }
    let fail = |message: Msg| {
        vec![Problem { lab: None, file: "book.toml".into(), line: None, rule: Rule::Box, message }]
    };
    let mut config = match mdbook_driver::config::Config::from_disk(root.join("book.toml")) {
        Ok(config) => config,
        Err(e) => return fail(msg!("无法读取：{e:#}", "cannot be read: {e:#}")),
    };
    // Never write: a chapter SUMMARY.md names that does not exist is a problem, not a new file.
    config.build.create_missing = false;
    let lang = mdbook_lab::lang_of(config.book.language.as_deref());
    let src = config.book.src.clone();
    let book = match mdbook_driver::MDBook::load_with_config(root, config) {
        Ok(book) => book,
        Err(e) => return fail(msg!("无法载入书：{e:#}", "cannot load the book: {e:#}")),
    };
    let mut expander = mdbook_lab::Expander::new(&target.labs, lang);
    for item in book.iter() {
        if let mdbook_driver::book::BookItem::Chapter(ch) = item
            && let Some(source) = ch.source_path.clone().or_else(|| ch.path.clone())
        {
            expander.expand(&src.join(&source), &source, &ch.content);
        }
    }
    expander
        .problems()
        .into_iter()
        .map(|p| {
            let (file, line) = match (&p.at, &p.lab) {
                (Some(at), _) => (at.file.display().to_string(), Some(at.line)),
                (None, Some(lab)) => (target.labs.get(lab).map_or(String::new(), |l| l.file.clone()), None),
                (None, None) => ("book.toml".into(), None),
            };
            Problem {
                lab: p.lab,
                file,
                line,
                rule: Rule::Box,
                message: Msg::new(p.message.clone(), p.message),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
