//! `kubectl-lab`: the checker as a kubectl plugin. kubectl runs an executable `kubectl-lab` on
//! PATH for `kubectl lab …`; it is the same program as `checker` (see [`checker::cmd::main`]),
//! which names itself after the executable it runs as. Built as a second binary so that release
//! archives and installers ship it as a file on every platform, Windows included.

fn main() -> std::process::ExitCode {
    checker::cmd::main()
}
