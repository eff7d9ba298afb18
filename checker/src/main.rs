use std::process::ExitCode;

use checker::cli;
use checker::i18n::{self, tr};

fn main() -> ExitCode {
    // Every message of this process follows --lang, else the locale: clap's help and errors too.
    let lang = cli::lang_in_args(std::env::args_os()).unwrap_or_else(i18n::lang_from_env);
    i18n::set_lang(lang);
    let cli = match cli::parse(std::env::args_os(), lang) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match checker::cmd::run(cli) {
        Ok(code) => code,
        Err(error) => {
            let lang = i18n::lang();
            let text = checker::sanitize::line(error.text(lang));
            i18n::say(&format!("{}{text}", tr(lang, "错误：", "error: ")));
            error.exit_code()
        }
    }
}
