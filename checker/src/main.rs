use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = checker::cli::Cli::parse();
    match checker::run::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    }
}
