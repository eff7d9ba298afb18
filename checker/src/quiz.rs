//! The book's quiz and self-ratings as the learner reads them back, from the [`QuizRecord`] the
//! page keeps (theme/lab.js; the served book through `POST /api/quiz`): one [`QuizSummary`],
//! rendered as `checker progress`'s lines and JSON, a section of `checker report`, and the
//! served book's sidebar line (`GET /api/quiz` gives `text`).
//!
//! The score counts the first answer to each question; the quiz is finished when every question
//! has been answered (the rule the summary chapter states, and the one that shows the page's
//! closing words).

use std::fmt::Write as _;

use serde::Serialize;

use crate::i18n::{Lang, tr};
use crate::progress::{QUIZ_MAX_STARS, QuizRecord};
use crate::sanitize::line;

/// The ratings the book asks for (the summary chapters' `data-rating`, also with a lab's prefix:
/// `rp-knowledge`), with their names as the chapters word them in each edition. Another name is
/// shown as it is.
const RATINGS: &[(&str, &str, &str)] = &[
    ("knowledge", "知识掌握程度", "How well I understand it"),
    ("practice", "实践能力提升", "How much my hands-on skills grew"),
    ("recommend", "推荐给其他学习者", "Would I recommend it to other learners"),
];

/// What the learner reads of a quiz: its score on first answers, which were wrong, the stars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuizSummary {
    pub total: usize,
    pub answered: usize,
    /// Answered right the first time.
    pub right: usize,
    /// Every question has been answered.
    pub finished: bool,
    /// The questions answered wrong, by their number in the chapter (`quiz-3` → `3`).
    pub wrong: Vec<String>,
    pub ratings: Vec<Rating>,
}

/// One self-rating: its name in the learner's language and its stars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rating {
    pub id: String,
    pub name: String,
    pub stars: u8,
    pub max: u8,
}

impl QuizSummary {
    pub fn new(record: &QuizRecord, lang: Lang) -> Self {
        let mut wrong: Vec<String> =
            record.answers.iter().filter(|(_, a)| !a.right).map(|(id, _)| question_label(id)).collect();
        // quiz-10 after quiz-9, not after quiz-1.
        wrong.sort_by_key(|label| (label.parse::<u32>().unwrap_or(u32::MAX), label.clone()));
        // In the chapter's order where the book's names are known, then the others.
        let rank =
            |id: &str| RATINGS.iter().position(|(known, ..)| is_rating(id, known)).unwrap_or(RATINGS.len());
        let mut ratings: Vec<Rating> = record
            .ratings
            .iter()
            .map(|(id, stars)| Rating {
                id: id.clone(),
                name: rating_name(id, lang),
                stars: *stars,
                max: QUIZ_MAX_STARS,
            })
            .collect();
        ratings.sort_by_key(|r| rank(&r.id));
        QuizSummary {
            total: record.total as usize,
            answered: record.answers.len(),
            right: record.right(),
            finished: record.finished(),
            wrong,
            ratings,
        }
    }

    /// Nothing answered and nothing rated (a fresh or reset quiz).
    pub fn is_empty(&self) -> bool {
        self.answered == 0 && self.ratings.is_empty()
    }

    /// "答对 5/7 题；答错：第 3、6 题" / "5 of 7 right; wrong: 3, 6", or how many are answered
    /// while the quiz is not finished.
    pub fn score_text(&self, lang: Lang) -> String {
        let (total, answered, right) = (self.total, self.answered, self.right);
        let mut text = match self.finished {
            true => tr(lang, &format!("答对 {right}/{total} 题"), &format!("{right} of {total} right")),
            false => tr(
                lang,
                &format!("已作答 {answered}/{total} 题，答对 {right} 题"),
                &format!("{answered} of {total} answered, {right} right"),
            ),
        };
        if !self.wrong.is_empty() {
            let (zh, en) = (self.wrong.join("、"), self.wrong.join(", "));
            text += &tr(lang, &format!("；答错：第 {zh} 题"), &format!("; wrong: {en}"));
        }
        text
    }

    /// "知识掌握程度 4/5 · 实践能力提升 3/5", or `None` with no rating.
    pub fn ratings_text(&self, lang: Lang) -> Option<String> {
        if self.ratings.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .ratings
            .iter()
            .map(|r| format!("{}{}{}/{}", r.name, tr(lang, "：", ": "), r.stars, r.max))
            .collect();
        Some(parts.join(" · "))
    }

    /// One line for the served book's sidebar: the score, then the ratings.
    pub fn line(&self, lang: Lang) -> String {
        let mut text = tr(lang, "测验：", "Quiz: ") + &self.score_text(lang);
        if let Some(ratings) = self.ratings_text(lang) {
            text += &tr(lang, "。自评：", ". Self-rating: ");
            text += &ratings;
        }
        text
    }
}

/// `checker progress`'s lines about the quiz, after the goals.
pub fn progress_text(quiz: Option<&QuizSummary>, lang: Lang) -> String {
    let mut out = String::new();
    match quiz.filter(|q| !q.is_empty()) {
        None => {
            let _ = writeln!(
                out,
                "{}",
                tr(
                    lang,
                    "小测验：尚未作答（在本书的“总结与自我评估”一章）",
                    "Quiz: not answered yet (in the book's chapter “Summary and self-assessment”)"
                )
            );
        }
        Some(q) => {
            let _ = writeln!(out, "{}{}", tr(lang, "小测验：", "Quiz: "), q.score_text(lang));
            if let Some(ratings) = q.ratings_text(lang) {
                let _ = writeln!(out, "{}{ratings}", tr(lang, "自我评估：", "Self-assessment: "));
            }
        }
    }
    out
}

/// `checker report`'s section on the quiz, or nothing when it was neither answered nor rated.
pub fn markdown(quiz: Option<&QuizSummary>, lang: Lang) -> String {
    let Some(q) = quiz.filter(|q| !q.is_empty()) else {
        return String::new();
    };
    let mut out = String::new();
    let _ = writeln!(out, "## 📝 {}\n", tr(lang, "小测验与自我评估", "Quiz and self-assessment"));
    let _ = writeln!(
        out,
        "- {}: {}",
        tr(lang, "小测验（按第一次作答计分）", "Quiz (scored on first answers)"),
        q.score_text(lang)
    );
    for r in &q.ratings {
        let stars = "★".repeat(r.stars as usize) + &"☆".repeat(r.max.saturating_sub(r.stars) as usize);
        let _ = writeln!(out, "- {}: {stars} {}/{}", line(&r.name), r.stars, r.max);
    }
    out.push('\n');
    out
}

/// A rating's name in `lang`: the book's words for its own ratings, else the id.
pub fn rating_name(id: &str, lang: Lang) -> String {
    match RATINGS.iter().find(|(known, ..)| is_rating(id, known)) {
        Some((_, zh, en)) => tr(lang, zh, en),
        None => line(id).into_owned(),
    }
}

/// Whether `id` is the book's rating `known`, with or without a lab's prefix (`rp-knowledge`).
fn is_rating(id: &str, known: &str) -> bool {
    id == known || id.strip_suffix(known).is_some_and(|prefix| prefix.ends_with('-'))
}

/// A question's number as the chapter shows it (`quiz-3`, `rp-quiz-3` → `3`), else its id.
fn question_label(id: &str) -> String {
    let number = id.rsplit_once("quiz-");
    match number {
        Some((prefix, n))
            if (prefix.is_empty() || prefix.ends_with('-'))
                && !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            n.to_string()
        }
        _ => line(id).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::QuizAnswer;

    fn record(total: u32, answers: &[(&str, bool)], ratings: &[(&str, u8)]) -> QuizRecord {
        QuizRecord {
            total,
            answers: answers
                .iter()
                .map(|(id, right)| (id.to_string(), QuizAnswer { choice: "a".into(), right: *right }))
                .collect(),
            ratings: ratings.iter().map(|(n, s)| (n.to_string(), *s)).collect(),
            at: "2026-11-30T10:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn a_finished_quiz_gives_its_score_and_the_wrong_questions_in_order() {
        let answers =
            [("quiz-1", true), ("quiz-10", false), ("quiz-2", true), ("quiz-9", false), ("quiz-3", false)];
        let r = record(5, &answers, &[("recommend", 5), ("knowledge", 4)]);
        let q = QuizSummary::new(&r, Lang::Zh);
        assert!(q.finished);
        assert_eq!(q.wrong, ["3", "9", "10"]);
        assert_eq!(q.score_text(Lang::Zh), "答对 2/5 题；答错：第 3、9、10 题");
        assert_eq!(q.score_text(Lang::En), "2 of 5 right; wrong: 3, 9, 10");
        // The chapter's order of ratings, in the learner's words.
        assert_eq!(q.ratings_text(Lang::Zh).unwrap(), "知识掌握程度：4/5 · 推荐给其他学习者：5/5");
        let en = QuizSummary::new(&r, Lang::En);
        assert_eq!(
            en.line(Lang::En),
            "Quiz: 2 of 5 right; wrong: 3, 9, 10. Self-rating: How well I understand it: 4/5 · \
             Would I recommend it to other learners: 5/5"
        );
    }

    #[test]
    fn an_unfinished_quiz_says_how_many_are_answered() {
        let q = QuizSummary::new(&record(7, &[("quiz-1", true), ("quiz-2", true)], &[]), Lang::En);
        assert!(!q.finished);
        assert_eq!(q.score_text(Lang::En), "2 of 7 answered, 2 right");
        assert_eq!(q.score_text(Lang::Zh), "已作答 2/7 题，答对 2 题");
        assert_eq!(q.ratings_text(Lang::En), None);
        assert_eq!(q.line(Lang::Zh), "测验：已作答 2/7 题，答对 2 题");
    }

    #[test]
    fn progress_and_report_show_the_quiz_in_both_languages() {
        let q = QuizSummary::new(
            &record(2, &[("quiz-1", true), ("quiz-2", false)], &[("practice", 3)]),
            Lang::Zh,
        );
        let text = progress_text(Some(&q), Lang::Zh);
        assert_eq!(text, "小测验：答对 1/2 题；答错：第 2 题\n自我评估：实践能力提升：3/5\n");
        let md = markdown(Some(&q), Lang::Zh);
        assert!(md.starts_with("## 📝 小测验与自我评估\n"), "{md}");
        assert!(md.contains("- 小测验（按第一次作答计分）: 答对 1/2 题；答错：第 2 题\n"), "{md}");
        assert!(md.contains("- 实践能力提升: ★★★☆☆ 3/5\n"), "{md}");
        let en = QuizSummary::new(
            &record(2, &[("quiz-1", true), ("quiz-2", false)], &[("practice", 3)]),
            Lang::En,
        );
        let md = markdown(Some(&en), Lang::En);
        assert!(md.contains("## 📝 Quiz and self-assessment"), "{md}");
        assert!(md.contains("- How much my hands-on skills grew: ★★★☆☆ 3/5"), "{md}");

        // Nothing answered or rated: progress says where the quiz is; the report leaves it out.
        let empty = QuizSummary::new(&record(7, &[], &[]), Lang::En);
        for q in [None, Some(&empty)] {
            assert_eq!(markdown(q, Lang::En), "");
            assert!(progress_text(q, Lang::En).starts_with("Quiz: not answered yet"));
            assert!(progress_text(q, Lang::Zh).starts_with("小测验：尚未作答"));
        }
    }

    #[test]
    fn names_from_the_page_are_shown_safely() {
        assert_eq!(question_label("quiz-12"), "12");
        assert_eq!(question_label("rp-quiz-3"), "3");
        assert_eq!(question_label("myquiz-3"), "myquiz-3");
        assert_eq!(rating_name("rp-knowledge", Lang::Zh), "知识掌握程度");
        assert_eq!(rating_name("xknowledge", Lang::Zh), "xknowledge");
        assert_eq!(question_label("quiz-x"), "quiz-x");
        assert_eq!(rating_name("fun", Lang::Zh), "fun");
        assert_eq!(rating_name("knowledge", Lang::En), "How well I understand it");
    }
}
