//! `checker`: see [`checker::cmd::main`]. The same program is built as `kubectl-lab`, the kubectl
//! plugin (src/bin/kubectl-lab.rs).

fn main() -> std::process::ExitCode {
    checker::cmd::main()
}
