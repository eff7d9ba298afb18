//! The learner's progress: the last result of every step, per cluster context and namespace.
//!
//! One JSON file in the user's state directory (`$XDG_STATE_HOME/k8s-init-lab/progress.json`,
//! or `$CHECKER_STATE_DIR`). Writers take an exclusive lock on a lock file beside it, re-read,
//! change and write a temporary file that is renamed over the old one, so two checkers running
//! at once lose nothing and a crash never leaves half a file. (There is no fsync: after a power
//! loss the file may be empty, which reads as corrupt and starts afresh; a check is quick to
//! run again, and the fsync would cost every check a few milliseconds.) A corrupt file is set aside (renamed
//! with a `.corrupt-<time>` suffix), reported, and started afresh.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::evaluate::Verdict;
use crate::i18n::Msg;
use crate::msg;

const FILE_NAME: &str = "progress.json";
const FORMAT_VERSION: u32 = 1;

/// The last result of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub verdict: Verdict,
    pub at: Timestamp,
}

/// The results of one lab on one cluster context and namespace, by step number.
pub type LabProgress = BTreeMap<u32, StepRecord>;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgressFile {
    version: u32,
    /// Keyed by [`key`].
    labs: BTreeMap<String, LabProgress>,
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
    /// The store in `$CHECKER_STATE_DIR`, or the user's XDG state directory.
    pub fn from_env() -> Result<ProgressStore> {
        let dir = match std::env::var_os("CHECKER_STATE_DIR") {
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

    /// The recorded results under `key`.
    pub fn load(&self, key: &str) -> Result<Loaded> {
        let _lock = self.lock()?;
        let (mut file, warning) = self.read()?;
        Ok(Loaded { progress: file.labs.remove(key).unwrap_or_default(), warning })
    }

    /// Records a step's result under `key`; returns a warning if a corrupt file was set aside.
    pub fn record(&self, key: &str, step: u32, record: StepRecord) -> Result<Option<Msg>> {
        let _lock = self.lock()?;
        let (mut file, warning) = self.read()?;
        file.labs.entry(key.to_string()).or_default().insert(step, record);
        self.write(&file)?;
        Ok(warning)
    }

    fn lock(&self) -> Result<File> {
        fs::create_dir_all(&self.dir).map_err(|e| self.io_error(IoAction::Create, &self.dir, e))?;
        let path = self.dir.join(format!("{FILE_NAME}.lock"));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| self.io_error(IoAction::Open, &path, e))?;
        file.lock().map_err(|e| self.io_error(IoAction::Lock, &path, e))?;
        Ok(file)
    }

    fn read(&self) -> Result<(ProgressFile, Option<Msg>)> {
        let path = self.path();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((ProgressFile { version: FORMAT_VERSION, ..Default::default() }, None));
            }
            Err(e) => return Err(self.io_error(IoAction::Read, &path, e)),
        };
        match serde_json::from_str::<ProgressFile>(&text) {
            Ok(file) if file.version == FORMAT_VERSION => Ok((file, None)),
            parsed => {
                let reason = match parsed {
                    Ok(file) => format!("unknown version {}", file.version),
                    Err(e) => e.to_string(),
                };
                let aside = path.with_extension(format!("json.corrupt-{}", Timestamp::now().as_second()));
                fs::rename(&path, &aside).map_err(|e| self.io_error(IoAction::SetAside, &path, e))?;
                let (path, aside) = (path.display(), aside.display());
                let warning = msg!(
                    "进度文件 {path} 已损坏（{reason}）：已另存为 {aside}，重新开始记录",
                    "progress file {path} was corrupt ({reason}); kept it as {aside} and started afresh"
                );
                Ok((ProgressFile { version: FORMAT_VERSION, ..Default::default() }, Some(warning)))
            }
        }
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
            IoAction::Read => msg!("无法读取 {path}：{e}", "cannot read {path}: {e}"),
            IoAction::Write => msg!("无法写入 {path}：{e}", "cannot write {path}: {e}"),
            IoAction::Replace => msg!("无法替换 {path}：{e}", "cannot replace {path}: {e}"),
            IoAction::Lock => msg!("无法锁定 {path}：{e}", "cannot lock {path}: {e}"),
            IoAction::SetAside => msg!("无法移开 {path}：{e}", "cannot set aside {path}: {e}"),
        })
    }
}

/// What was being done to a file when it failed, for the error message.
#[derive(Debug, Clone, Copy)]
enum IoAction {
    Create,
    Open,
    Read,
    Write,
    Replace,
    Lock,
    SetAside,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(verdict: Verdict, second: i64) -> StepRecord {
        StepRecord { verdict, at: Timestamp::from_second(second).unwrap() }
    }

    #[test]
    fn records_are_kept_per_key_and_step() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        store.record("lab/kind/experiments", 1, record(Verdict::Pending, 10)).unwrap();
        store.record("lab/kind/experiments", 1, record(Verdict::Pass, 20)).unwrap();
        store.record("lab/kind/experiments", 3, record(Verdict::Fail, 30)).unwrap();
        store.record("lab/minikube/experiments", 2, record(Verdict::Pass, 40)).unwrap();
        let kind = store.load("lab/kind/experiments").unwrap();
        assert_eq!(kind.progress.len(), 2);
        assert_eq!(kind.progress[&1], record(Verdict::Pass, 20));
        assert_eq!(kind.progress[&3].verdict, Verdict::Fail);
        assert!(kind.warning.is_none());
        assert_eq!(store.load("lab/minikube/experiments").unwrap().progress.len(), 1);
        assert!(store.load("lab/other/experiments").unwrap().progress.is_empty());
    }

    #[test]
    fn corrupt_file_is_set_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        fs::write(store.path(), "{ not json").unwrap();
        let warning = store.record("k", 1, record(Verdict::Pass, 1)).unwrap().expect("a warning");
        assert!(warning.en.contains("was corrupt"), "{warning}");
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
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8u32)
            .map(|t| {
                let store = ProgressStore::in_dir(dir.path());
                std::thread::spawn(move || {
                    for i in 0..10u32 {
                        store.record("k", t * 100 + i, record(Verdict::Pass, i64::from(i))).unwrap();
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
