//! A learner's machine for the end-to-end tests: a home and a state directory of its own and a
//! kubeconfig for the fake API server, and the real `checker` run there with nothing of this
//! machine's environment but PATH (English, unless a test sets LANG).
#![allow(dead_code)] // each test binary uses the part it needs

use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::FakeApiServer;

use crate::run::Run;

pub struct Learner {
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    /// Arguments before each command's own (`--lab ID`, `--spec FILE`).
    first: Vec<String>,
    /// The working directory: the test's own (inside the checkout) unless set.
    cwd: Option<PathBuf>,
    /// Variables set besides the usual ones (`TZ`).
    env: Vec<(String, String)>,
}

impl Learner {
    pub fn new(server: &FakeApiServer) -> Learner {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = server.write_kubeconfig(dir.path());
        Learner { dir, kubeconfig, first: Vec::new(), cwd: None, env: Vec::new() }
    }

    /// Every command works on this lab (`--lab ID`).
    pub fn lab(mut self, id: &str) -> Learner {
        self.first = vec!["--lab".into(), id.into()];
        self
    }

    /// Every command uses this lab spec (`--spec FILE`).
    pub fn spec(mut self, spec: &Path) -> Learner {
        self.first = vec!["--spec".into(), spec.to_str().expect("a UTF-8 path").into()];
        self
    }

    /// Commands run in `dir`.
    pub fn in_dir(mut self, dir: &Path) -> Learner {
        self.cwd = Some(dir.to_path_buf());
        self
    }

    /// Commands run in the learner's home, outside the checkout: the labs as built in.
    pub fn at_home(self) -> Learner {
        let home = self.dir.path().to_path_buf();
        self.in_dir(&home)
    }

    pub fn env(mut self, key: &str, value: &str) -> Learner {
        self.env.push((key.into(), value.into()));
        self
    }

    /// `checker ARGS` on this machine (after the learner's own first arguments).
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_after(&self.first, args)
    }

    /// `checker --spec SPEC ARGS`, with this spec in place of the learner's own first arguments.
    pub fn run_with_spec(&self, spec: &Path, args: &[&str]) -> Run {
        let first = ["--spec".to_string(), spec.to_str().expect("a UTF-8 path").to_string()];
        Run::from(self.command_after(&first, args).output().unwrap())
    }

    fn command_after(&self, first: &[String], args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_checker"));
        command
            .args(first)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("KUBECONFIG", &self.kubeconfig)
            .env("CHECKER_STATE_DIR", self.dir.path().join("state"))
            .env("LANG", "en_US.UTF-8")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
        }
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// `checker step N -o json`.
    pub fn step(&self, n: u32) -> Run {
        self.run(&["step", &n.to_string(), "-o", "json"])
    }
}
