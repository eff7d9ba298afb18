//! The checker's own words in the lab's two languages.
//!
//! The lab spec carries the texts of steps and expectations; this module only covers the short
//! phrases the checker composes itself (expected/observed values, headings).

pub use lab_spec::Lang;

/// Picks the text for the language.
pub fn tr(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
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
