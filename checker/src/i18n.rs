//! The checker's own words in the lab's two languages.
//!
//! The lab spec carries the texts of steps and expectations; this module covers what the checker
//! composes itself. Where the reader's language is at hand, [`tr`] picks the text at once. Where
//! a message arises far from the reader (an error deep in the cluster edge), it is a [`Msg`] that
//! carries both texts and is shown in the reader's language where it is printed or served.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

pub use lab_spec::Lang;

/// Picks the text for the language.
pub fn tr(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// A message in both languages. Make one with [`msg!`](crate::msg).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Msg {
    pub zh: String,
    pub en: String,
}

impl Msg {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg { zh: zh.into(), en: en.into() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl std::fmt::Display for Msg {
    /// In the process's language ([`lang`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.get(lang()))
    }
}

/// A [`Msg`] from two format strings, Chinese first: `msg!("找不到 {path}", "cannot find {path}")`.
/// Both take the same inline arguments, as `format!` does.
#[macro_export]
macro_rules! msg {
    ($zh:literal, $en:literal $(,)?) => {
        $crate::i18n::Msg::new(format!($zh), format!($en))
    };
}

const UNSET: u8 = 0;
const ZH: u8 = 1;
const EN: u8 = 2;

/// The language of this process's own output (stderr, the server's log), set once at start-up.
static LANG: AtomicU8 = AtomicU8::new(UNSET);

/// Sets the language of this process's own output.
pub fn set_lang(lang: Lang) {
    LANG.store(if lang == Lang::En { EN } else { ZH }, Ordering::Relaxed);
}

/// The language of this process's own output: the one set at start-up, else the environment's.
pub fn lang() -> Lang {
    match LANG.load(Ordering::Relaxed) {
        ZH => Lang::Zh,
        EN => Lang::En,
        _ => lang_from_env(),
    }
}

/// The command as the learner types it (`checker`, or `kubectl lab` when kubectl runs us as its
/// plugin), set once at start-up; messages that name a command to run use it.
static PROGRAM: OnceLock<String> = OnceLock::new();

/// Sets the command this process's messages name (once; later calls are ignored).
pub fn set_program(command: &str) {
    let _ = PROGRAM.set(command.to_string());
}

/// The command this process's messages name: the one set at start-up, else `checker`.
pub fn program() -> &'static str {
    PROGRAM.get().map_or("checker", String::as_str)
}

/// Prints a warning on stderr, in the process's language, as one line with its control
/// characters escaped (a warning may quote the cluster). A stderr that cannot be written is
/// ignored: there is nowhere else to say it.
pub fn warn(message: impl std::fmt::Display) {
    let text = message.to_string();
    say(&format!("{}{}", tr(lang(), "警告：", "warning: "), crate::sanitize::line(&text)));
}

/// Prints a line on stderr (never panics, unlike `eprintln!`, when stderr is closed or full).
pub fn say(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// The language from the environment, as a learner's shell sets it: `LC_ALL`, `LC_MESSAGES`,
/// then `LANG`. Chinese unless the locale is English or the plain C locale.
pub fn lang_from_env() -> Lang {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    if locale.starts_with("en") || locale == "C" || locale.starts_with("C.") || locale == "POSIX" {
        Lang::En
    } else {
        Lang::Zh
    }
}

#[cfg(test)]
mod completeness;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msg_formats_both_languages_with_inline_arguments() {
        let path = "/tmp/x";
        let m = msg!("找不到 {path}", "cannot find {path}");
        assert_eq!(m.get(Lang::Zh), "找不到 /tmp/x");
        assert_eq!(m.get(Lang::En), "cannot find /tmp/x");
    }
}
