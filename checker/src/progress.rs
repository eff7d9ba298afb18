//! The learner's progress, per lab, cluster context and namespace: for every step its latest
//! result and, once it has passed, when it last passed and what was observed then
//! ([`PassRecord`]); and the lab checked last (the default lab of the next command).
//! An achievement lasts: a later failing check (after cleanup, say) is the latest result, but
//! the pass and its observation stay, so that `checker report` can still write the record.
//!
//! One JSON file in the user's state directory (`$XDG_STATE_HOME/k8s-init-lab/progress.json`,
//! or `$CHECKER_STATE_DIR`). Writers take an exclusive lock on a lock file beside it, re-read,
//! change and write a temporary file that is renamed over the old one, so two checkers running
//! at once lose nothing and a crash never leaves half a file. (There is no fsync: after a power
//! loss the file may be empty, which reads as corrupt and starts afresh; a check is quick to
//! run again, and the fsync would cost every check a few milliseconds.) A file that cannot be read
//! (not JSON, not UTF-8, larger than [`input::PROGRESS_LIMIT`], not a regular file) is set aside
//! under a unique name (`.corrupt-<time>[-N]`), reported once, and started afresh; reading works
//! in a read-only state directory. Nothing waits more than [`LOCK_TIMEOUT`] for the lock.
//!
//! The book's quiz and self-ratings are kept per lab (not per cluster: they are the learner's,
//! whatever cluster they use) as a [`QuizRecord`], which `checker serve` writes for the served
//! book (`POST /api/quiz`).
//!
//! Format versions: 1 kept only the latest verdict and time of each step; 2 adds `last_lab`,
//! `passed_at` and `pass`; 3 adds `quizzes`. Older files are read as version 3 without loss (a
//! version 1 latest pass is also the last pass, with nothing recorded of what was observed;
//! neither has quizzes) and written as version 3 on the next write. A version 2 checker sets a
//! version 3 file aside as unknown rather than drop its quizzes when it rewrites it.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::evaluate::{Outcome, Verdict, evaluate};
use crate::i18n::{Lang, Msg};
use crate::observation::Observation;
use crate::resources::{Nodes, PodResources};
use crate::restarts::{self, MeasuredRestart, measured_restarts};
use crate::status::PodRow;
use crate::timeline::{TimelineEntry, reconstruct};
use crate::timing::PodTimings;
use crate::{input, msg};

/// How long a reader or writer waits for another checker's lock on the progress file.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);

const FILE_NAME: &str = "progress.json";
/// Version 2 added `last_lab`, and `passed_at` and `pass` to each step; version 3 `quizzes`.
/// Versions 1 and 2 are read and migrated without loss (see [`ProgressFile::migrated`]).
const FORMAT_VERSION: u32 = 3;

/// Bounds of a [`QuizRecord`]: the number of questions and ratings, the length of their names.
pub const QUIZ_MAX_QUESTIONS: usize = 100;
pub const QUIZ_MAX_RATINGS: usize = 20;
pub const QUIZ_MAX_NAME: usize = 40;
/// The most stars of a self-rating.
pub const QUIZ_MAX_STARS: u8 = 5;

/// What is kept of one step: its latest result, and its last pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The latest result.
    pub verdict: Verdict,
    /// When the latest result was had.
    pub at: Timestamp,
    /// When the step last passed (the latest result may since have changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed_at: Option<Timestamp>,
    /// What was observed at that pass (none for a pass recorded by a format 1 file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass: Option<PassRecord>,
}

impl StepRecord {
    /// The record after a new result: the latest result is replaced; a pass replaces the
    /// previous pass, anything else keeps it.
    pub fn updated(
        previous: Option<StepRecord>,
        verdict: Verdict,
        at: Timestamp,
        pass: Option<PassRecord>,
    ) -> StepRecord {
        let (passed_at, pass) = match verdict {
            Verdict::Pass => (Some(at), pass),
            Verdict::Pending | Verdict::Fail => match previous {
                Some(p) => (p.passed_at, p.pass),
                None => (None, None),
            },
        };
        StepRecord { verdict, at, passed_at, pass }
    }

    /// Whether the step has passed at least once.
    pub fn ever_passed(&self) -> bool {
        self.passed_at.is_some()
    }

    /// The record without its observation, as `progress -o json`, `list -o json` and
    /// `/api/progress` show it.
    pub fn summary(&self) -> StepSummary {
        StepSummary { verdict: self.verdict, at: self.at, passed_at: self.passed_at }
    }
}

/// A step's latest result and last pass, without the observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StepSummary {
    pub verdict: Verdict,
    pub at: Timestamp,
    pub passed_at: Option<Timestamp>,
}

/// What was observed when a step passed: enough to write the learner's record after the pods
/// are gone. Compact: the expectations' observed values (in both languages, as the record may
/// be written in either), the pods' kubectl rows, their timings and STATUS changes, and the
/// resources of the pods that declare some (nodes trimmed to their allocatable resources).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassRecord {
    pub checks: Vec<RecordedCheck>,
    #[serde(default)]
    pub pods: Vec<PodRow>,
    #[serde(default)]
    pub timings: Vec<PodTimings>,
    /// The STATUS changes of the pods with init containers, rebuilt from their timestamps.
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    /// The API server's version, for the steps that read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// The restarts measured at the pass, and those seen while `--wait` watched before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restarts: Vec<MeasuredRestart>,
    /// The resources of the step's pods that declare some (effective requests, QoS class).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<PodResources>,
    /// What the nodes could allocate, next to them.
    #[serde(default, skip_serializing_if = "Nodes::is_unknown")]
    pub nodes: Nodes,
}

/// One expectation at a pass: its outcome and what was observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedCheck {
    pub id: String,
    pub outcome: Outcome,
    pub observed: Msg,
}

impl PassRecord {
    /// What `obs` shows of `step` (evaluated in both languages: the evaluation is pure).
    pub fn new(spec: &lab_spec::LabSpec, step: &lab_spec::Step, obs: &Observation) -> PassRecord {
        let zh = evaluate(spec, step, obs, Lang::Zh);
        let en = evaluate(spec, step, obs, Lang::En);
        let checks = zh
            .checks
            .iter()
            .zip(&en.checks)
            .map(|(zh, en)| RecordedCheck {
                id: zh.id.clone(),
                outcome: zh.outcome,
                observed: Msg::new(zh.observed.clone(), en.observed.clone()),
            })
            .collect();
        let timeline = zh
            .timings
            .iter()
            .filter_map(|t| obs.pod(&t.pod))
            .flat_map(|pod| reconstruct(pod).entries)
            .collect();
        PassRecord {
            checks,
            pods: zh.pods,
            timings: zh.timings,
            timeline,
            server_version: obs.server_version.clone(),
            restarts: obs.pods.iter().flat_map(measured_restarts).collect(),
            resources: zh.resources,
            nodes: zh.nodes,
        }
    }

    /// The same pass with the restarts `--wait` saw before it (the observation keeps only each
    /// container's latest).
    pub fn with_restarts_seen(mut self, seen: &[MeasuredRestart]) -> PassRecord {
        let now = std::mem::take(&mut self.restarts);
        let mut all = seen.to_vec();
        restarts::merge(&mut all, now);
        self.restarts = all;
        self
    }
}

/// The results of one lab on one cluster context and namespace, by step number.
pub type LabProgress = BTreeMap<u32, StepRecord>;

/// A lab's quiz and self-ratings, as the book's page keeps them (theme/lab.js): the first answer
/// checked for each question (the one that is scored: trying again after the reveal changes
/// nothing), and the stars of each rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizRecord {
    /// The number of questions of the quiz, as the page counted them.
    pub total: u32,
    /// The first answer to each question, by the question's id.
    #[serde(default)]
    pub answers: BTreeMap<String, QuizAnswer>,
    /// Stars (1 to [`QUIZ_MAX_STARS`]) by rating name; an unrated one is absent.
    #[serde(default)]
    pub ratings: BTreeMap<String, u8>,
    /// When the page last changed it.
    pub at: Timestamp,
}

/// The first answer checked to one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizAnswer {
    /// The option chosen (`a`, `b`, …).
    pub choice: String,
    pub right: bool,
}

impl QuizRecord {
    /// The number of questions answered right the first time.
    pub fn right(&self) -> usize {
        self.answers.values().filter(|a| a.right).count()
    }

    /// Whether every question has been answered.
    pub fn finished(&self) -> bool {
        self.total > 0 && self.answers.len() >= self.total as usize
    }

    /// Whether the record is one the book can have written: bounded counts and names, a
    /// choice of one letter, stars within range. The one-line reason otherwise.
    pub fn validate(&self) -> std::result::Result<(), Msg> {
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.len() <= QUIZ_MAX_NAME
                && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if self.total as usize > QUIZ_MAX_QUESTIONS || self.answers.len() > self.total as usize {
            let (total, answered) = (self.total, self.answers.len());
            return Err(msg!(
                "题目数不对：共 {total} 题，作答 {answered} 题（最多 {QUIZ_MAX_QUESTIONS} 题）",
                "wrong number of questions: {total} in all, {answered} answered (at most {QUIZ_MAX_QUESTIONS})"
            ));
        }
        if let Some((id, _)) = self.answers.iter().find(|(id, a)| {
            !name_ok(id) || a.choice.len() != 1 || !a.choice.bytes().all(|b| b.is_ascii_lowercase())
        }) {
            let id = crate::sanitize::line(id);
            return Err(msg!("无效的题目或选项：{id}", "invalid question or choice: {id}"));
        }
        if self.ratings.len() > QUIZ_MAX_RATINGS {
            return Err(msg!(
                "评分项太多（最多 {QUIZ_MAX_RATINGS} 项）",
                "too many ratings (at most {QUIZ_MAX_RATINGS})"
            ));
        }
        if let Some((name, _)) =
            self.ratings.iter().find(|(name, stars)| !name_ok(name) || !(1..=QUIZ_MAX_STARS).contains(*stars))
        {
            let name = crate::sanitize::line(name);
            return Err(msg!(
                "无效的评分：{name}（1 到 {QUIZ_MAX_STARS} 星）",
                "invalid rating: {name} (1 to {QUIZ_MAX_STARS} stars)"
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgressFile {
    version: u32,
    /// The lab of the latest check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_lab: Option<String>,
    /// Keyed by [`key`].
    labs: BTreeMap<String, LabProgress>,
    /// The quiz and self-ratings, keyed by lab id (version 3).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    quizzes: BTreeMap<String, QuizRecord>,
}

impl ProgressFile {
    /// The file as this version reads it, from this version's text or an older one's; `None`
    /// for another version.
    fn migrated(mut self) -> Option<ProgressFile> {
        match self.version {
            FORMAT_VERSION => Some(self),
            // Version 2 is version 3 without quizzes (which the reader refuses in a version 2
            // file: that checker could not have written them).
            2 if self.quizzes.is_empty() => {
                self.version = FORMAT_VERSION;
                Some(self)
            }
            1 if self.quizzes.is_empty() => {
                // The lab checked last is the lab of the newest record.
                let newest =
                    self.labs.iter().flat_map(|(key, steps)| steps.values().map(move |r| (r.at, key)));
                self.last_lab = newest.max().map(|(_, key)| lab_of(key).to_string());
                // A latest pass is also the last pass, with nothing recorded of what was seen.
                for record in self.labs.values_mut().flat_map(|lab| lab.values_mut()) {
                    if record.verdict == Verdict::Pass && record.passed_at.is_none() {
                        record.passed_at = Some(record.at);
                    }
                }
                self.version = FORMAT_VERSION;
                Some(self)
            }
            _ => None,
        }
    }
}

/// The lab of a [`key`] (a lab id has no `/`).
fn lab_of(key: &str) -> &str {
    key.split('/').next().unwrap_or(key)
}

/// The key progress is kept under: the lab, the context and the namespace.
pub fn key(lab: &str, context: &str, namespace: &str) -> String {
    format!("{lab}/{context}/{namespace}")
}

/// Where the progress file lives.
#[derive(Debug, Clone)]
pub struct ProgressStore {
    dir: PathBuf,
}

/// A read of the progress, with a warning when the file was corrupt and set aside.
#[derive(Debug, Default)]
pub struct Loaded {
    pub progress: LabProgress,
    pub warning: Option<Msg>,
}

impl ProgressStore {
    /// The store in `$CHECKER_STATE_DIR` (an empty value counts as unset), or the user's XDG
    /// state directory.
    pub fn from_env() -> Result<ProgressStore> {
        let dir = match std::env::var_os("CHECKER_STATE_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => dirs::state_dir()
                .or_else(dirs::data_local_dir)
                .ok_or_else(|| {
                    Error::Input(msg!(
                        "找不到存放进度的目录：设置 CHECKER_STATE_DIR",
                        "cannot find a state directory: set CHECKER_STATE_DIR"
                    ))
                })?
                .join("k8s-init-lab"),
        };
        Ok(ProgressStore { dir })
    }

    pub fn in_dir(dir: impl Into<PathBuf>) -> ProgressStore {
        ProgressStore { dir: dir.into() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// The recorded results under `key`. Works in a read-only or missing state directory (no
    /// lock is taken where none can be: writers replace the file atomically, so a reader always
    /// sees a whole one); an unreadable file is set aside where possible and reported, never an
    /// error.
    pub fn load(&self, key: &str) -> Result<Loaded> {
        let _lock = match self.lock_file(false) {
            Ok(file) => Some(file),
            Err(LockError::Unwritable) => None,
            Err(LockError::Failed(e)) => return Err(e),
        };
        let read = self.read();
        let mut file = read.file;
        Ok(Loaded { progress: file.labs.remove(key).unwrap_or_default(), warning: read.warning })
    }

    /// The lab checked last, if the file says (read without a lock or a warning: a default, not
    /// a record).
    pub fn last_lab(&self) -> Option<String> {
        let text = input::read_text(&self.path(), input::PROGRESS_LIMIT).ok()?;
        serde_json::from_str::<ProgressFile>(&text).ok()?.migrated()?.last_lab
    }

    /// Records a step's result under `key` (with what was observed, for a pass: see
    /// [`StepRecord::updated`]); returns a warning if an unreadable file was set aside.
    pub fn record(
        &self,
        key: &str,
        step: u32,
        verdict: Verdict,
        at: Timestamp,
        pass: Option<PassRecord>,
    ) -> Result<Option<Msg>> {
        self.update(|file| {
            file.last_lab = Some(lab_of(key).to_string());
            let lab = file.labs.entry(key.to_string()).or_default();
            let record = StepRecord::updated(lab.remove(&step), verdict, at, pass);
            lab.insert(step, record);
        })
    }

    /// The quiz and self-ratings of `lab`, if any were kept (read like [`ProgressStore::load`]).
    pub fn load_quiz(&self, lab: &str) -> Result<(Option<QuizRecord>, Option<Msg>)> {
        let _lock = match self.lock_file(false) {
            Ok(file) => Some(file),
            Err(LockError::Unwritable) => None,
            Err(LockError::Failed(e)) => return Err(e),
        };
        let read = self.read();
        let mut file = read.file;
        Ok((file.quizzes.remove(lab), read.warning))
    }

    /// Keeps `record` as the quiz and self-ratings of `lab`, replacing what was kept (the page
    /// holds the whole state: a reset sends an empty record); checked with
    /// [`QuizRecord::validate`] first. Returns a warning if an unreadable file was set aside.
    pub fn record_quiz(&self, lab: &str, record: QuizRecord) -> Result<Option<Msg>> {
        record.validate().map_err(Error::Input)?;
        self.update(|file| {
            file.quizzes.insert(lab.to_string(), record);
        })
    }

    /// Reads the file under the write lock, applies `change` and writes it back. Returns a
    /// warning if an unreadable file was set aside.
    fn update(&self, change: impl FnOnce(&mut ProgressFile)) -> Result<Option<Msg>> {
        let _lock = self.lock_file(true).map_err(|e| match e {
            LockError::Failed(e) => e,
            LockError::Unwritable => unreachable!("create = true reports every failure"),
        })?;
        let read = self.read();
        if read.stuck {
            // Writing would replace a file we could neither read nor move.
            return Err(Error::Input(
                read.warning.unwrap_or_else(|| msg!("进度文件无法读取", "unreadable progress file")),
            ));
        }
        let mut file = read.file;
        change(&mut file);
        self.write(&file)?;
        Ok(read.warning)
    }

    /// The lock beside the progress file, held for at most [`LOCK_TIMEOUT`] waiting. With
    /// `create` false, a directory that is missing or cannot be written is `Unwritable`.
    fn lock_file(&self, create: bool) -> Result<File, LockError> {
        if create {
            fs::create_dir_all(&self.dir)
                .map_err(|e| LockError::Failed(self.io_error(IoAction::Create, &self.dir, e)))?;
        }
        let path = self.dir.join(format!("{FILE_NAME}.lock"));
        let file = match File::options().create(true).truncate(false).write(true).open(&path) {
            Ok(file) => file,
            Err(_) if !create => return Err(LockError::Unwritable),
            Err(e) => return Err(LockError::Failed(self.io_error(IoAction::Open, &path, e))),
        };
        let deadline = Instant::now() + LOCK_TIMEOUT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    let (shown, secs) = (path.display(), LOCK_TIMEOUT.as_secs());
                    return Err(LockError::Failed(Error::Input(msg!(
                        "{shown} 被另一个进程锁住超过 {secs} 秒",
                        "{shown} has been locked by another process for more than {secs}s"
                    ))));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(LockError::Failed(self.io_error(IoAction::Lock, &path, e)));
                }
            }
        }
    }

    /// The file's contents; an unreadable file (not JSON, an unknown version, too large, not
    /// UTF-8, not a regular file, not ours to read) is set aside under a unique name.
    fn read(&self) -> Read {
        let path = self.path();
        let fresh = || ProgressFile { version: FORMAT_VERSION, ..Default::default() };
        if fs::symlink_metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            return Read { file: fresh(), warning: None, stuck: false };
        }
        let reason = match input::read_text(&path, input::PROGRESS_LIMIT) {
            Ok(text) => {
                match serde_json::from_str::<ProgressFile>(&text).map(|f| (f.version, f.migrated())) {
                    Ok((_, Some(file))) => {
                        return Read { file, warning: None, stuck: false };
                    }
                    Ok((v, None)) => msg!("未知的版本 {v}", "unknown version {v}"),
                    Err(e) => Msg::new(e.to_string(), e.to_string()),
                }
            }
            Err(e) => e.message().clone(),
        };
        let (shown, zh, en) = (path.display(), &reason.zh, &reason.en);
        match self.set_aside(&path) {
            Ok(aside) => {
                let aside = aside.display();
                let warning = msg!(
                    "进度文件 {shown} 无法读取（{zh}）：已另存为 {aside}，重新开始记录",
                    "progress file {shown} was unreadable ({en}); kept it as {aside} and started afresh"
                );
                Read { file: fresh(), warning: Some(warning), stuck: false }
            }
            Err(e) => {
                let warning = msg!(
                    "进度文件 {shown} 无法读取（{zh}），也无法移开（{e}）：进度显示为空",
                    "progress file {shown} is unreadable ({en}) and cannot be set aside ({e}): progress shows as empty"
                );
                Read { file: fresh(), warning: Some(warning), stuck: true }
            }
        }
    }

    /// Renames `path` to `<name>.corrupt-<seconds>[-N]`, a name no other file has.
    fn set_aside(&self, path: &Path) -> std::io::Result<PathBuf> {
        let stamp = Timestamp::now().as_second();
        for n in 0..1000u32 {
            let suffix = if n == 0 { format!("corrupt-{stamp}") } else { format!("corrupt-{stamp}-{n}") };
            let aside = self.dir.join(format!("{FILE_NAME}.{suffix}"));
            // Reserve the name (rename would replace a file of that name), then move onto it.
            match File::options().write(true).create_new(true).open(&aside) {
                Ok(_) => {
                    return fs::rename(path, &aside)
                        .inspect_err(|_| {
                            let _ = fs::remove_file(&aside);
                        })
                        .map(|()| aside);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("no free name"))
    }

    fn write(&self, file: &ProgressFile) -> Result<()> {
        let path = self.path();
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)
            .map_err(|e| self.io_error(IoAction::Create, &self.dir, e))?;
        let json = serde_json::to_string_pretty(file).expect("progress serializes");
        tmp.write_all(json.as_bytes()).map_err(|e| self.io_error(IoAction::Write, tmp.path(), e))?;
        tmp.persist(&path).map_err(|e| self.io_error(IoAction::Replace, &path, e.error))?;
        Ok(())
    }

    fn io_error(&self, what: IoAction, path: &Path, e: std::io::Error) -> Error {
        let path = path.display();
        Error::Input(match what {
            IoAction::Create => msg!("无法创建 {path}：{e}", "cannot create {path}: {e}"),
            IoAction::Open => msg!("无法打开 {path}：{e}", "cannot open {path}: {e}"),
            IoAction::Write => msg!("无法写入 {path}：{e}", "cannot write {path}: {e}"),
            IoAction::Replace => msg!("无法替换 {path}：{e}", "cannot replace {path}: {e}"),
            IoAction::Lock => msg!("无法锁定 {path}：{e}", "cannot lock {path}: {e}"),
        })
    }
}

/// What [`ProgressStore::read`] found.
struct Read {
    file: ProgressFile,
    warning: Option<Msg>,
    /// The file is unreadable and could not be moved: it must not be overwritten.
    stuck: bool,
}

enum LockError {
    /// The state directory is missing or read-only (only when not asked to create it).
    Unwritable,
    Failed(Error),
}

/// What was being done to a file when it failed, for the error message.
#[derive(Debug, Clone, Copy)]
enum IoAction {
    Create,
    Open,
    Write,
    Replace,
    Lock,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap()
    }

    fn pass_record(observed: &str) -> PassRecord {
        PassRecord {
            checks: vec![RecordedCheck {
                id: "pod-exists".into(),
                outcome: Outcome::Pass,
                observed: Msg::new(observed, observed),
            }],
            pods: vec![],
            timings: vec![],
            timeline: vec![],
            server_version: None,
            restarts: vec![],
            resources: vec![],
            nodes: Nodes::Unknown,
        }
    }

    #[test]
    fn records_are_kept_per_key_and_step() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        store.record("lab/kind/experiments", 1, Verdict::Pending, at(10), None).unwrap();
        store.record("lab/kind/experiments", 1, Verdict::Pass, at(20), None).unwrap();
        store.record("lab/kind/experiments", 3, Verdict::Fail, at(30), None).unwrap();
        store.record("lab/minikube/experiments", 2, Verdict::Pass, at(40), None).unwrap();
        let kind = store.load("lab/kind/experiments").unwrap();
        assert_eq!(kind.progress.len(), 2);
        assert_eq!(kind.progress[&1].passed_at, Some(at(20)));
        assert_eq!(kind.progress[&3].verdict, Verdict::Fail);
        assert!(kind.warning.is_none());
        assert_eq!(store.load("lab/minikube/experiments").unwrap().progress.len(), 1);
        assert!(store.load("lab/other/experiments").unwrap().progress.is_empty());
    }

    /// A progress file as checker 0.1 (format version 1) wrote it.
    const VERSION_1: &str = r#"{
  "version": 1,
  "labs": {
    "init-container/kind-kind/experiments": {
      "1": { "verdict": "pass", "at": "2026-11-20T10:01:00Z" },
      "3": { "verdict": "fail", "at": "2026-11-20T10:09:00Z" }
    },
    "init-container/prod/lab": {
      "2": { "verdict": "pending", "at": "2026-11-20T10:05:00Z" }
    }
  }
}"#;

    #[test]
    fn a_version_1_file_migrates_without_loss() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        fs::write(store.path(), VERSION_1).unwrap();
        assert_eq!(store.last_lab().as_deref(), Some("init-container"), "the lab of the newest record");
        let kind = store.load("init-container/kind-kind/experiments").unwrap();
        assert!(kind.warning.is_none(), "{:?}", kind.warning);
        assert_eq!(kind.progress[&1].verdict, Verdict::Pass);
        assert_eq!(kind.progress[&3].verdict, Verdict::Fail);

        store.record("other-lab/kind-kind/other", 1, Verdict::Pass, at(50), None).unwrap();
        let text = fs::read_to_string(store.path()).unwrap();
        let written: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(written["version"], 3);
        assert_eq!(written["last_lab"], "other-lab");
        let old: serde_json::Value = serde_json::from_str(VERSION_1).unwrap();
        assert_eq!(written["labs"]["init-container/prod/lab"], old["labs"]["init-container/prod/lab"]);
        let kept = &written["labs"]["init-container/kind-kind/experiments"];
        assert_eq!(kept["3"], old["labs"]["init-container/kind-kind/experiments"]["3"]);
        // Step 1's latest pass survives the rewrite, as its last pass too.
        assert_eq!(kept["1"]["at"], old["labs"]["init-container/kind-kind/experiments"]["1"]["at"]);
        assert_eq!(kept["1"]["passed_at"], "2026-11-20T10:01:00Z");
        assert_eq!(store.last_lab().as_deref(), Some("other-lab"));
    }

    #[test]
    fn another_version_is_set_aside_and_no_lab_is_last() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        fs::write(store.path(), VERSION_1.replace("\"version\": 1", "\"version\": 7")).unwrap();
        assert_eq!(store.last_lab(), None);
        let loaded = store.load("init-container/kind-kind/experiments").unwrap();
        assert!(loaded.warning.unwrap().en.contains("unknown version 7"));
        assert_eq!(ProgressStore::in_dir(dir.path()).last_lab(), None);
    }

    #[test]
    fn corrupt_file_is_set_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        fs::write(store.path(), "{ not json").unwrap();
        let warning = store.record("k", 1, Verdict::Pass, at(1), None).unwrap().expect("a warning");
        assert!(warning.en.contains("was unreadable"), "{warning}");
        let aside: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(fs::read_to_string(aside[0].path()).unwrap(), "{ not json");
        assert_eq!(store.load("k").unwrap().progress[&1].verdict, Verdict::Pass);
    }

    #[test]
    fn unreadable_files_are_set_aside_under_unique_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        for bytes in [
            &b"{\"version\": 1, \"labs\": {\"\xff\": {}}}"[..],
            b"\xfe\xff",
            b"{\"version\": 9, \"labs\": {}}",
        ] {
            fs::write(store.path(), bytes).unwrap();
            let loaded = store.load("k").unwrap();
            assert!(loaded.progress.is_empty());
            assert!(loaded.warning.expect("reported").en.contains("was unreadable"));
            // Reported once: the next read finds no file.
            assert!(store.load("k").unwrap().warning.is_none());
        }
        let aside = fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".corrupt-"))
            .count();
        assert_eq!(aside, 3, "three files set aside within a second keep three names");
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_state_directory_can_be_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path().join("state"));
        store.record("k", 1, Verdict::Pass, at(1), None).unwrap();
        fs::remove_file(dir.path().join("state/progress.json.lock")).unwrap();
        fs::set_permissions(dir.path().join("state"), fs::Permissions::from_mode(0o555)).unwrap();
        let loaded = store.load("k");
        fs::set_permissions(dir.path().join("state"), fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(loaded.unwrap().progress[&1].verdict, Verdict::Pass);
        // A missing directory reads as no progress, and is not created.
        let missing = ProgressStore::in_dir(dir.path().join("nowhere"));
        assert!(missing.load("k").unwrap().progress.is_empty());
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn a_held_lock_is_waited_for_a_bounded_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        let held = store.lock_file(true).ok().unwrap();
        let started = Instant::now();
        let err = store.record("k", 1, Verdict::Pass, at(1), None).unwrap_err();
        assert!(
            err.to_string().contains("locked by another process")
                || err.text(crate::i18n::Lang::En).contains("locked")
        );
        assert!(started.elapsed() >= LOCK_TIMEOUT && started.elapsed() < LOCK_TIMEOUT * 3);
        drop(held);
        store.record("k", 1, Verdict::Pass, at(1), None).unwrap();
    }

    #[test]
    fn a_pass_lasts_through_later_failures_and_a_new_pass_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        store.record("k", 1, Verdict::Pass, at(20), Some(pass_record("first"))).unwrap();
        store.record("k", 1, Verdict::Fail, at(30), None).unwrap();
        store.record("k", 1, Verdict::Pending, at(40), None).unwrap();
        let r = &store.load("k").unwrap().progress[&1];
        assert_eq!((r.verdict, r.at, r.passed_at), (Verdict::Pending, at(40), Some(at(20))));
        assert_eq!(r.pass, Some(pass_record("first")));
        store.record("k", 1, Verdict::Pass, at(50), Some(pass_record("second"))).unwrap();
        let r = &store.load("k").unwrap().progress[&1];
        assert_eq!((r.verdict, r.passed_at), (Verdict::Pass, Some(at(50))));
        assert_eq!(r.pass, Some(pass_record("second")));
    }

    #[test]
    fn a_format_1_file_is_read_without_loss_and_rewritten_as_format_3() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        let v1 = r#"{
  "version": 1,
  "labs": {
    "init-container/kind-kind/experiments": {
      "1": { "verdict": "pass", "at": "2026-11-20T10:05:00Z" },
      "3": { "verdict": "fail", "at": "2026-11-20T10:09:00Z" }
    },
    "init-container/minikube/experiments": {
      "2": { "verdict": "pass", "at": "2026-11-21T09:00:00Z" }
    }
  }
}"#;
        fs::write(store.path(), v1).unwrap();
        let kind = store.load("init-container/kind-kind/experiments").unwrap();
        assert!(kind.warning.is_none(), "a format 1 file is not corrupt");
        let step1 = &kind.progress[&1];
        assert_eq!(step1.passed_at, Some("2026-11-20T10:05:00Z".parse().unwrap()));
        assert_eq!(step1.pass, None, "format 1 recorded no observation");
        assert_eq!(kind.progress[&3].passed_at, None);

        // The next check writes the current format and keeps every lab and step of the old file.
        store.record("init-container/kind-kind/experiments", 3, Verdict::Fail, at(100), None).unwrap();
        let text = fs::read_to_string(store.path()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["version"], 3);
        let kind = &json["labs"]["init-container/kind-kind/experiments"];
        assert_eq!(kind["1"]["passed_at"], "2026-11-20T10:05:00Z");
        assert_eq!(
            json["labs"]["init-container/minikube/experiments"]["2"]["passed_at"],
            "2026-11-21T09:00:00Z"
        );
        let aside = fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok());
        assert!(aside.into_iter().all(|e| !e.file_name().to_string_lossy().contains(".corrupt-")));
    }

    #[test]
    fn what_a_pass_observed_is_kept_in_both_languages() {
        let spec = lab_spec::LabSpec::embedded().unwrap();
        let step = spec.step(1).unwrap();
        let obs = Observation {
            namespace: "experiments".into(),
            namespace_exists: Some(true),
            pods: vec![crate::fixtures::pod("init-demo-running")],
            logs: None,
            events: vec![],
            pages: None,
            server_version: None,
            objects: Default::default(),
            at: "2026-11-20T10:05:00Z".parse().unwrap(),
        };
        let record = PassRecord::new(&spec, step, &obs);
        assert_eq!(record.checks.len(), step.expectations.len());
        assert!(record.checks.iter().all(|c| c.outcome == Outcome::Pass));
        let completed = record.checks.iter().find(|c| c.id == "init-1-completed").unwrap();
        assert!(completed.observed.en.contains("exit code 0"), "{:?}", completed.observed);
        assert!(completed.observed.zh.contains("退出码 0"), "{:?}", completed.observed);
        assert_eq!(record.pods[0].status, "Running");
        assert_eq!(record.timings[0].containers[0].seconds, Some(5));
        let statuses: Vec<&str> = record.timeline.iter().map(|e| e.status.as_str()).collect();
        assert_eq!(statuses, ["Pending", "Init:0/2", "Init:1/2", "PodInitializing", "Running"]);
        // It survives the file.
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(serde_json::from_str::<PassRecord>(&json).unwrap(), record);
    }

    fn quiz(answers: &[(&str, &str, bool)], ratings: &[(&str, u8)]) -> QuizRecord {
        QuizRecord {
            total: 7,
            answers: answers
                .iter()
                .map(|(id, c, right)| (id.to_string(), QuizAnswer { choice: c.to_string(), right: *right }))
                .collect(),
            ratings: ratings.iter().map(|(n, s)| (n.to_string(), *s)).collect(),
            at: at(200),
        }
    }

    #[test]
    fn the_quiz_is_kept_per_lab_beside_the_steps_and_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        assert_eq!(store.load_quiz("init-container").unwrap(), (None, None));
        store.record("init-container/kind-kind/experiments", 1, Verdict::Pass, at(10), None).unwrap();
        let first = quiz(&[("quiz-1", "b", true), ("quiz-2", "a", false)], &[("knowledge", 4)]);
        store.record_quiz("init-container", first.clone()).unwrap();
        assert_eq!(store.load_quiz("init-container").unwrap().0, Some(first.clone()));
        assert_eq!(store.load_quiz("other-lab").unwrap().0, None);
        assert_eq!(first.right(), 1);
        assert!(!first.finished());
        // The steps are untouched, and a later check keeps the quiz.
        let steps = store.load("init-container/kind-kind/experiments").unwrap().progress;
        assert_eq!(steps[&1].verdict, Verdict::Pass);
        store.record("init-container/kind-kind/experiments", 2, Verdict::Fail, at(20), None).unwrap();
        assert_eq!(store.load_quiz("init-container").unwrap().0, Some(first));
        // A reset replaces it with an empty record.
        store.record_quiz("init-container", quiz(&[], &[])).unwrap();
        assert_eq!(store.load_quiz("init-container").unwrap().0.unwrap().answers.len(), 0);
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(store.path()).unwrap()).unwrap();
        assert_eq!(json["version"], 3);
        assert_eq!(json["quizzes"]["init-container"]["total"], 7);
    }

    #[test]
    fn a_quiz_the_book_cannot_have_written_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        let long = "x".repeat(QUIZ_MAX_NAME + 1);
        let bad = [
            quiz(&[("quiz-1", "bb", true)], &[]),
            quiz(&[("quiz-1", "B", true)], &[]),
            quiz(&[(&long, "a", true)], &[]),
            quiz(&[("quiz 1", "a", true)], &[]),
            quiz(&[], &[("knowledge", 0)]),
            quiz(&[], &[("knowledge", QUIZ_MAX_STARS + 1)]),
            quiz(&[], &[("", 3)]),
            QuizRecord { total: QUIZ_MAX_QUESTIONS as u32 + 1, ..quiz(&[], &[]) },
            QuizRecord { total: 1, ..quiz(&[("quiz-1", "a", true), ("quiz-2", "a", true)], &[]) },
        ];
        for record in bad {
            let e = store.record_quiz("init-container", record.clone()).unwrap_err();
            assert!(!e.to_string().is_empty(), "{record:?}");
            assert!(!store.path().exists(), "{record:?} was written");
        }
    }

    #[test]
    fn a_version_2_file_is_read_as_version_3_but_not_with_quizzes() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        let v2 = r#"{ "version": 2, "last_lab": "init-container", "labs": {
            "init-container/kind-kind/experiments": { "1": { "verdict": "pass", "at": "2026-11-20T10:05:00Z",
              "passed_at": "2026-11-20T10:05:00Z" } } } }"#;
        fs::write(store.path(), v2).unwrap();
        let loaded = store.load("init-container/kind-kind/experiments").unwrap();
        assert!(loaded.warning.is_none(), "{:?}", loaded.warning);
        assert!(loaded.progress[&1].ever_passed());
        store.record_quiz("init-container", quiz(&[("quiz-1", "b", true)], &[])).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(store.path()).unwrap()).unwrap();
        assert_eq!(json["version"], 3);
        assert_eq!(json["labs"]["init-container/kind-kind/experiments"]["1"]["verdict"], "pass");

        // Quizzes in a version 2 file: no version 2 checker wrote that; set aside, not trusted.
        let text = fs::read_to_string(store.path()).unwrap().replace("\"version\": 3", "\"version\": 2");
        fs::write(store.path(), text).unwrap();
        let (quiz, warning) = store.load_quiz("init-container").unwrap();
        assert_eq!(quiz, None);
        assert!(warning.is_some());
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8u32)
            .map(|t| {
                let store = ProgressStore::in_dir(dir.path());
                std::thread::spawn(move || {
                    for i in 0..10u32 {
                        store.record("k", t * 100 + i, Verdict::Pass, at(i64::from(i)), None).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let loaded = ProgressStore::in_dir(dir.path()).load("k").unwrap();
        assert_eq!(loaded.progress.len(), 80);
    }
}
