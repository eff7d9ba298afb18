use std::process::ExitCode;

use checker::i18n::{self, Lang, tr};
use clap::Parser;

fn main() -> ExitCode {
    let cli = checker::cli::Cli::parse();
    // Every message of this process follows --lang, else the locale.
    i18n::set_lang(cli.global.lang.map(Lang::from).unwrap_or_else(i18n::lang_from_env));
    match checker::cmd::run(cli) {
        Ok(code) => code,
        Err(error) => {
            let lang = i18n::lang();
            eprintln!("{}{}", tr(lang, "错误：", "error: "), error.text(lang));
            error.exit_code()
        }
    }
}
