use std::process::ExitCode;

use checker::i18n::{self, Lang, tr};
use clap::Parser;

fn main() -> ExitCode {
    let cli = match checker::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // A value our parsers refused (`--wait 300000000000y`): clap's first line says it all.
        Err(e) if e.kind() == clap::error::ErrorKind::ValueValidation => {
            let text = e.to_string();
            i18n::say(text.lines().next().unwrap_or_default());
            return ExitCode::from(checker::error::exit::INPUT);
        }
        Err(e) => e.exit(),
    };
    // Every message of this process follows --lang, else the locale.
    i18n::set_lang(cli.global.lang.map(Lang::from).unwrap_or_else(i18n::lang_from_env));
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
