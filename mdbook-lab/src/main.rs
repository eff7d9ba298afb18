//! The `mdbook-lab` preprocessor binary, speaking mdBook's preprocessor protocol:
//! `mdbook-lab supports <renderer>` exits 0 when the renderer is supported; without arguments it
//! reads `[context, book]` as JSON on stdin and writes the processed book as JSON to stdout.

use std::io;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use mdbook_lab::LabPreprocessor;
use mdbook_preprocessor::Preprocessor as _;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("mdbook-lab: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pre = LabPreprocessor::new();
    match args.as_slice() {
        [cmd, renderer] if cmd == "supports" => {
            Ok(if pre.supports_renderer(renderer)? { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        [] => {
            let (ctx, book) = mdbook_preprocessor::parse_input(io::stdin().lock())?;
            if ctx.mdbook_version != mdbook_preprocessor::MDBOOK_VERSION {
                eprintln!(
                    "mdbook-lab: warning: built against mdBook {}, called from mdBook {}",
                    mdbook_preprocessor::MDBOOK_VERSION,
                    ctx.mdbook_version
                );
            }
            let book = pre.run(&ctx, book)?;
            serde_json::to_writer(io::stdout().lock(), &book).context("writing the book to stdout")?;
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            bail!("usage: mdbook-lab [supports <renderer>]  (an mdBook preprocessor: run by `mdbook build`)")
        }
    }
}
