//! What a run of the `checker` binary left: its exit code and its output, with the readers and
//! the one-line-error assertion the end-to-end tests share.
#![allow(dead_code)] // each test binary uses the part it needs

use std::process::Output;

use serde_json::Value;

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or_else(|| panic!("killed by a signal: {o:?}")),
            // Lossy: a hostile input may be echoed back in an error.
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", self.stdout, self.stderr))
    }

    /// A step's verdict (`checker step N -o json`).
    pub fn verdict(&self) -> String {
        self.json()["verdict"].as_str().unwrap().to_string()
    }

    /// One expectation's result of a step, by id.
    pub fn check(&self, id: &str) -> Value {
        let json = self.json();
        let found = json["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).cloned();
        found.unwrap_or_else(|| panic!("no check {id}: {json}"))
    }

    pub fn outcome(&self, id: &str) -> String {
        self.check(id)["outcome"].as_str().unwrap().to_string()
    }

    pub fn observed(&self, id: &str) -> String {
        self.check(id)["observed"].as_str().unwrap().to_string()
    }

    pub fn hint(&self, id: &str) -> String {
        self.check(id)["hint"].as_str().unwrap().to_string()
    }

    /// Every check's outcome, `id=outcome`, in the spec's order (for messages).
    pub fn outcomes(&self) -> Vec<String> {
        self.json()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{}={}", c["id"].as_str().unwrap(), c["outcome"].as_str().unwrap()))
            .collect()
    }

    /// Exit `code`, one line on stderr containing `needle`, no panic.
    pub fn fails(&self, code: i32, needle: &str) {
        self.assert_error_line(code, &[needle], false);
    }

    /// Exit code `code` and one line on stderr, `error: …` holding every needle.
    pub fn assert_error(&self, code: i32, needles: &[&str]) {
        self.assert_error_line(code, needles, true);
    }

    fn assert_error_line(&self, code: i32, needles: &[&str], english_prefix: bool) {
        assert_eq!(self.code, code, "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "one line: {self:?}");
        if english_prefix {
            assert!(self.stderr.starts_with("error: "), "{self:?}");
        }
        for needle in needles {
            assert!(self.stderr.contains(needle), "{needle:?} in {self:?}");
        }
        assert!(!self.stderr.contains("panicked"), "{self:?}");
    }
}
