//! Running the real `kubectl` against a kubeconfig, hermetically and with a time limit.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The kubectl that [`kubectl`] runs, unless the `TESTKIT_KUBECTL` environment variable names
/// another.
pub const KUBECTL: &str = "/usr/bin/kubectl";

/// kubectl is killed after this long (a forgotten `-w` must not hang a test).
const HARD_LIMIT: Duration = Duration::from_secs(60);

/// Runs `kubectl --kubeconfig KC --cache-dir TEMP --request-timeout=5s ARGS…` (no
/// `--request-timeout` is added when `args` has one) and returns its output. `HOME` is a
/// temporary folder and `KUBECONFIG` is unset, so nothing of the machine's own configuration
/// is read or written. Killed after 60 s.
pub fn kubectl(kubeconfig: &Path, args: &[&str]) -> Output {
    let binary = std::env::var_os("TESTKIT_KUBECTL").unwrap_or_else(|| KUBECTL.into());
    kubectl_at(Path::new(&binary), kubeconfig, args)
}

/// [`kubectl`] with a given binary, e.g. `/usr/lib/google-cloud-sdk/bin/kubectl.1.27`.
pub fn kubectl_at(binary: &Path, kubeconfig: &Path, args: &[&str]) -> Output {
    run(binary, kubeconfig, args, &[])
}

/// [`kubectl`] with these environment variables set (e.g. `HTTPS_PROXY`).
pub fn kubectl_with_env(kubeconfig: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let binary = std::env::var_os("TESTKIT_KUBECTL").unwrap_or_else(|| KUBECTL.into());
    run(Path::new(&binary), kubeconfig, args, env)
}

fn run(binary: &Path, kubeconfig: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let scratch = tempfile::tempdir().expect("cannot create a temporary folder");
    let mut command = Command::new(binary);
    command.arg("--kubeconfig").arg(kubeconfig).arg("--cache-dir").arg(scratch.path().join("cache"));
    if !args.iter().any(|a| a.starts_with("--request-timeout")) {
        command.arg("--request-timeout=5s");
    }
    command
        .args(args)
        .env_remove("KUBECONFIG")
        .env("HOME", scratch.path())
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = Instant::now() + HARD_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                break child.wait().expect("a killed child can be waited for");
            }
        }
    };
    Output { status, stdout: stdout.join().unwrap_or_default(), stderr: stderr.join().unwrap_or_default() }
}
