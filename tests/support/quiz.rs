//! Driving the book's quiz (theme/lab.js) in a WebDriver session: answering, rating, resetting,
//! and reading back what the page shows. Shared by the static book's and the served book's tests.

use fantoccini::Client;
use serde_json::{Value, json};

use crate::webdriver::wait_until;

/// Waits until theme/lab.js has loaded the kept quiz (from localStorage or the server).
pub async fn wait_ready(c: &Client) {
    wait_until(
        c,
        "the quiz loaded its kept state",
        "return document.documentElement.getAttribute('data-quiz-ready') === 'true';",
    )
    .await;
}

/// Chooses `choice` in question `id` and clicks its check button, as a learner would (a
/// disabled option or button ignores the click).
pub async fn answer(c: &Client, id: &str, choice: &str) {
    c.execute(
        "const q = document.getElementById(arguments[0]);\
         q.querySelector('input[value=\"' + arguments[1] + '\"]').click();\
         q.querySelector('.quiz-check').click();",
        vec![json!(id), json!(choice)],
    )
    .await
    .unwrap();
}

/// The right answer of question `id` (its `data-answer`) and a wrong one.
pub async fn answers_of(c: &Client, id: &str) -> (String, String) {
    let right = c
        .execute("return document.getElementById(arguments[0]).getAttribute('data-answer');", vec![json!(id)])
        .await
        .unwrap();
    let right = right.as_str().unwrap().to_string();
    let wrong = if right == "a" { "b" } else { "a" }.to_string();
    (right, wrong)
}

/// Clicks star `n` of rating `key`.
pub async fn rate(c: &Client, key: &str, n: u32) {
    c.execute(
        "document.querySelector('.rating[data-rating=\"' + arguments[0] + '\"] .rating-star[data-value=\"' + arguments[1] + '\"]').click();",
        vec![json!(key), json!(n.to_string())],
    )
    .await
    .unwrap();
}

pub async fn reset(c: &Client) {
    c.execute("document.querySelector('.quiz-summary .quiz-reset').click();", vec![]).await.unwrap();
}

/// What the page shows: `score` (the line above the quiz), `summary` (after the last question),
/// `end` (the closing words, "" while hidden), `reset` (the button is shown), `answered`
/// ("quiz-1:a", … for each checked question), `ratings` (each rating's text).
pub async fn shown(c: &Client) -> Value {
    c.execute(
        "const t = s => { const e = document.querySelector(s); return e ? e.textContent.trim() : null; };\
         const visible = e => !e.hidden && e.getClientRects().length > 0;\
         return {\
           score: t('[data-quiz-score]'),\
           summary: t('.quiz-summary-text'),\
           end: Array.from(document.querySelectorAll('.quiz-end')).filter(visible)\
                  .map(e => e.textContent.trim()).join(' '),\
           reset: visible(document.querySelector('.quiz-summary .quiz-reset')),\
           answered: Array.from(document.querySelectorAll('.quiz.quiz-answered'))\
                  .map(q => q.id + ':' + (q.querySelector('input:checked') || {}).value),\
           ratings: Array.from(document.querySelectorAll('.rating .rating-text')).map(e => e.textContent),\
         };",
        vec![],
    )
    .await
    .unwrap()
}

/// The words of one edition of the quiz.
pub struct Words {
    pub edition: &'static str,
    pub fresh: &'static str,
    pub one_wrong: &'static str,
    pub all_but_one: &'static str,
    pub done: &'static str,
    pub end: &'static str,
    pub four_stars: &'static str,
}

/// The questions of experiment 1.2's quiz (src/summary.md).
pub const QUESTIONS: usize = 11;

pub const ZH: Words = Words {
    edition: "",
    fresh: "共 11 题。",
    one_wrong: "已作答 1 / 11 题，答对 0 题。",
    all_but_one: "已作答 10 / 11 题，答对 9 题。 还有 1 题未作答。",
    done: "测验完成：按第一次作答，答对 10 / 11 题。 答错：第 1 题。",
    end: "恭喜完成实验 1.2！",
    four_stars: "4 / 5",
};

pub const EN: Words = Words {
    edition: "en/",
    fresh: "11 questions.",
    one_wrong: "Answered 1 of 11, 0 right.",
    all_but_one: "Answered 10 of 11, 9 right. 1 question to go.",
    done: "Quiz done: 10 of 11 right on the first answer. Wrong: question 1.",
    end: "Congratulations on finishing experiment 1.2!",
    four_stars: "4 / 5",
};

/// Answers the quiz as a learner who gets question 1 wrong, then tries the right answer after
/// the reveal (which must not count), and answers the rest right; the closing words appear only
/// with the last answer. Rates `knowledge` 4 stars.
pub async fn answer_all_but_the_first_right(c: &Client, w: &Words) {
    let s = shown(c).await;
    assert_eq!(s["score"], w.fresh, "{s}");
    assert_eq!(s["end"], "", "the closing words before any answer: {s}");
    assert_eq!(s["reset"], false, "{s}");

    let (right, wrong) = answers_of(c, "quiz-1").await;
    answer(c, "quiz-1", &wrong).await;
    answer(c, "quiz-1", &right).await; // after the reveal: changes nothing
    let s = shown(c).await;
    assert_eq!(s["score"], w.one_wrong, "re-answering raised the score: {s}");
    assert_eq!(s["answered"], json!([format!("quiz-1:{wrong}")]), "{s}");
    assert_eq!(s["reset"], true, "{s}");

    for n in 2..=QUESTIONS {
        let id = format!("quiz-{n}");
        let (right, _) = answers_of(c, &id).await;
        answer(c, &id, &right).await;
        if n == QUESTIONS - 1 {
            let s = shown(c).await;
            assert_eq!(s["summary"], w.all_but_one, "{s}");
            assert_eq!(s["end"], "", "the closing words before the last answer: {s}");
        }
    }
    let s = shown(c).await;
    assert_eq!(s["summary"], w.done, "{s}");
    assert!(s["end"].as_str().unwrap().contains(w.end), "{s}");
    // Whatever the rating was (the editions share it): 3 stars, then 4.
    rate(c, "knowledge", 3).await;
    rate(c, "knowledge", 4).await;
    assert_eq!(shown(c).await["ratings"][0], w.four_stars);
}

/// The page shows the quiz as [`answer_all_but_the_first_right`] left it.
pub fn assert_kept(s: &Value, w: &Words) {
    assert_eq!(s["summary"], w.done, "{s}");
    assert!(s["end"].as_str().unwrap().contains(w.end), "{s}");
    assert_eq!(s["answered"].as_array().map(Vec::len), Some(QUESTIONS), "{s}");
    assert_eq!(s["ratings"][0], w.four_stars, "{s}");
}

/// Resets the quiz: no answer, no closing words, the ratings kept.
pub async fn reset_and_check(c: &Client, w: &Words) {
    reset(c).await;
    let s = shown(c).await;
    assert_eq!(s["score"], w.fresh, "{s}");
    assert_eq!(s["answered"], json!([]), "{s}");
    assert_eq!(s["end"], "", "{s}");
    assert_eq!(s["reset"], false, "{s}");
    assert_eq!(s["ratings"][0], w.four_stars, "the reset keeps the ratings: {s}");
}
