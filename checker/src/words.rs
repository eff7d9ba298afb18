//! The words and marks of verdicts and outcomes, in one table: the terminal ([`crate::report`]),
//! the Markdown record ([`crate::record`]) and the page of `checker serve` (which receives them
//! in `GET /api/health`, see [`json`]) all show these.

use lab_spec::Lang;
use serde_json::{Value, json};

use crate::evaluate::{Outcome, Verdict};
use crate::i18n::tr;

const VERDICTS: [Verdict; 3] = [Verdict::Pass, Verdict::Pending, Verdict::Fail];
const OUTCOMES: [Outcome; 5] =
    [Outcome::Pass, Outcome::Pending, Outcome::Fail, Outcome::Unverifiable, Outcome::Skipped];

/// A step's verdict in words.
pub fn verdict(verdict: Verdict, lang: Lang) -> String {
    match verdict {
        Verdict::Pass => tr(lang, "通过", "pass"),
        Verdict::Pending => tr(lang, "进行中", "pending"),
        Verdict::Fail => tr(lang, "未通过", "fail"),
    }
}

/// The outcome a verdict stands for (for marks on whole steps).
pub fn outcome_of(verdict: Verdict) -> Outcome {
    match verdict {
        Verdict::Pass => Outcome::Pass,
        Verdict::Pending => Outcome::Pending,
        Verdict::Fail => Outcome::Fail,
    }
}

/// An expectation's mark in plain text (terminal, page).
pub fn mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✔",
        Outcome::Pending => "…",
        Outcome::Fail => "✘",
        Outcome::Unverifiable => "?",
        Outcome::Skipped => "-",
    }
}

/// An expectation's mark as an emoji (Markdown, where colour is not available).
pub fn emoji(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✅",
        Outcome::Pending => "⏳",
        Outcome::Fail => "❌",
        Outcome::Unverifiable => "❔",
        Outcome::Skipped => "➖",
    }
}

fn outcome_key(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Pending => "pending",
        Outcome::Fail => "fail",
        Outcome::Unverifiable => "unverifiable",
        Outcome::Skipped => "skipped",
    }
}

/// The table for the page: `{"verdicts": {"pass": "通过", …}, "marks": {"pass": "✔", …}}`.
pub fn json(lang: Lang) -> Value {
    let verdicts: serde_json::Map<String, Value> =
        VERDICTS.iter().map(|v| (v.as_str().to_string(), json!(verdict(*v, lang)))).collect();
    let marks: serde_json::Map<String, Value> =
        OUTCOMES.iter().map(|o| (outcome_key(*o).to_string(), json!(mark(*o)))).collect();
    json!({ "verdicts": verdicts, "marks": marks })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_keys_are_the_json_names_of_verdicts_and_outcomes() {
        let table = json(Lang::En);
        for v in VERDICTS {
            assert_eq!(table["verdicts"][v.as_str()], verdict(v, Lang::En));
        }
        for o in OUTCOMES {
            let key = serde_json::to_value(o).unwrap();
            assert_eq!(table["marks"][key.as_str().unwrap()], mark(o));
        }
        assert_eq!(json(Lang::Zh)["verdicts"]["pending"], "进行中");
    }
}
