/*
 * lab.js: the quiz and the self-assessment stars of the lab book (vanilla JS, no libraries).
 *
 * Markup, in the chapters (see src/summary.md): HTML <div>s around Markdown, so that the texts
 * are Markdown paragraphs and list items, which the translation (po/*.po) can reach:
 *
 *   <div class="quiz" id="quiz-1" data-answer="b">
 *   <div class="quiz-question">
 *
 *   **1.** …
 *
 *   </div>
 *   <div class="quiz-options">
 *
 *   - <label><input type="radio" name="quiz-1" value="a"> A. …</label>
 *   - …
 *
 *   </div>
 *
 *   <button type="button" class="quiz-check">检查答案</button>
 *
 *   <p class="quiz-feedback" aria-live="polite"></p>
 *   <div class="quiz-explanation" hidden>
 *
 *   …
 *
 *   </div>
 *   </div>
 *
 *   <p class="quiz-score" data-quiz-score></p>          (optional: "答对 x / n 题")
 *
 *   <div class="rating" data-rating="knowledge">
 *
 *   <span class="rating-label">知识掌握程度</span>
 *
 *   </div>
 *   (optional data-max="5"; the stars are added by this script)
 *
 * It also shows each verify box's install line for the reader's system (markSystem below).
 *
 * Answers and ratings are kept in localStorage under "k8s-lab.init-container.". Pages without
 * these elements are left alone, and a browser that refuses localStorage just forgets.
 */
(function () {
    'use strict';

    var PREFIX = 'k8s-lab.init-container.';

    // The words of the page's language: <html lang> is zh-CN in the book, en in its English
    // edition. The stored answers and ratings are the same in both.
    var EN = (document.documentElement.lang || '').toLowerCase().indexOf('en') === 0;
    var T = EN
        ? {
            total: function (n) { return n + ' question' + (n === 1 ? '' : 's') + '.'; },
            score: function (answered, n, right) {
                return 'Answered ' + answered + ' of ' + n + ', ' + right + ' right.';
            },
            right: '✔ Correct.',
            wrong: function (answer) { return '✘ Not quite: the answer is ' + answer + '.'; },
            choose: 'Choose an answer first.',
            unrated: 'Not rated',
            star: function (i) { return i + (i === 1 ? ' star' : ' stars'); },
        }
        : {
            total: function (n) { return '共 ' + n + ' 题。'; },
            score: function (answered, n, right) {
                return '已作答 ' + answered + ' / ' + n + ' 题，答对 ' + right + ' 题。';
            },
            right: '✔ 回答正确。',
            wrong: function (answer) { return '✘ 不对，正确答案是 ' + answer + '。'; },
            choose: '请先选择一个选项。',
            unrated: '未评分',
            star: function (i) { return i + ' 星'; },
        };

    function load(key) {
        try {
            var raw = window.localStorage.getItem(PREFIX + key);
            return raw === null ? null : JSON.parse(raw);
        } catch (e) {
            return null; // storage disabled or the value is not ours
        }
    }

    function save(key, value) {
        try {
            window.localStorage.setItem(PREFIX + key, JSON.stringify(value));
        } catch (e) {
            // storage disabled or full: the page still works, it just will not remember
        }
    }

    /* ---------- quiz ---------- */

    var quizzes = [];

    function updateScore() {
        var boxes = document.querySelectorAll('[data-quiz-score]');
        if (boxes.length === 0 || quizzes.length === 0) {
            return;
        }
        var answered = 0;
        var right = 0;
        quizzes.forEach(function (q) {
            var state = load('quiz.' + q.id);
            if (state && state.checked) {
                answered++;
                if (state.choice === q.answer) {
                    right++;
                }
            }
        });
        var text = answered === 0 ? T.total(quizzes.length) : T.score(answered, quizzes.length, right);
        for (var i = 0; i < boxes.length; i++) {
            boxes[i].textContent = text;
        }
    }

    function setupQuiz(quiz, index) {
        var id = quiz.id || 'quiz-' + (index + 1);
        var answer = (quiz.getAttribute('data-answer') || '').trim().toLowerCase();
        var inputs = quiz.querySelectorAll('input[type="radio"]');
        var button = quiz.querySelector('.quiz-check');
        var feedback = quiz.querySelector('.quiz-feedback');
        var explanation = quiz.querySelector('.quiz-explanation');
        if (answer === '' || inputs.length === 0 || !button) {
            return; // not a quiz we understand
        }
        if (!feedback) {
            feedback = document.createElement('p');
            feedback.className = 'quiz-feedback';
            button.parentNode.insertBefore(feedback, button.nextSibling);
        }
        quizzes.push({ id: id, answer: answer });

        function selected() {
            for (var i = 0; i < inputs.length; i++) {
                if (inputs[i].checked) {
                    return inputs[i].value.toLowerCase();
                }
            }
            return null;
        }

        function optionOf(input) {
            return input.closest('li') || input.parentNode;
        }

        function reset() {
            quiz.classList.remove('quiz-right', 'quiz-wrong');
            for (var i = 0; i < inputs.length; i++) {
                optionOf(inputs[i]).classList.remove('quiz-answer', 'quiz-mistake');
            }
            feedback.textContent = '';
            if (explanation) {
                explanation.hidden = true;
            }
        }

        function show(choice) {
            reset();
            var right = choice === answer;
            quiz.classList.add(right ? 'quiz-right' : 'quiz-wrong');
            for (var i = 0; i < inputs.length; i++) {
                var value = inputs[i].value.toLowerCase();
                if (value === answer) {
                    optionOf(inputs[i]).classList.add('quiz-answer');
                } else if (value === choice) {
                    optionOf(inputs[i]).classList.add('quiz-mistake');
                }
            }
            feedback.textContent = right ? T.right : T.wrong(answer.toUpperCase());
            if (explanation) {
                explanation.hidden = false;
            }
        }

        // Restore an earlier visit.
        var state = load('quiz.' + id);
        if (state && typeof state.choice === 'string') {
            for (var i = 0; i < inputs.length; i++) {
                inputs[i].checked = inputs[i].value.toLowerCase() === state.choice;
            }
            if (state.checked) {
                show(state.choice);
            }
        }

        button.addEventListener('click', function () {
            var choice = selected();
            if (choice === null) {
                feedback.textContent = T.choose;
                return;
            }
            save('quiz.' + id, { choice: choice, checked: true });
            show(choice);
            updateScore();
        });

        quiz.addEventListener('change', function (e) {
            if (e.target && e.target.type === 'radio') {
                save('quiz.' + id, { choice: e.target.value.toLowerCase(), checked: false });
                reset();
                updateScore();
            }
        });
    }

    /* ---------- star ratings ---------- */

    function setupRating(box) {
        var key = box.getAttribute('data-rating');
        if (!key || box.querySelector('.rating-stars')) {
            return;
        }
        var max = parseInt(box.getAttribute('data-max'), 10) || 5;
        var label = box.querySelector('.rating-label');
        var name = label ? label.textContent.trim() : key;
        var stored = load('rating.' + key);
        var value = typeof stored === 'number' && stored >= 0 && stored <= max ? Math.round(stored) : 0;

        var group = document.createElement('span');
        group.className = 'rating-stars';
        group.setAttribute('role', 'radiogroup');
        group.setAttribute('aria-label', name);
        var text = document.createElement('span');
        text.className = 'rating-text';
        var stars = [];

        function paint(upTo) {
            for (var i = 0; i < stars.length; i++) {
                stars[i].classList.toggle('on', i < upTo);
            }
        }

        function render() {
            paint(value);
            for (var i = 0; i < stars.length; i++) {
                stars[i].setAttribute('aria-checked', i + 1 === value ? 'true' : 'false');
                stars[i].tabIndex = i + 1 === Math.max(value, 1) ? 0 : -1;
            }
            text.textContent = value === 0 ? T.unrated : value + ' / ' + max;
        }

        function set(v) {
            value = Math.max(0, Math.min(max, v));
            save('rating.' + key, value);
            render();
        }

        for (var i = 1; i <= max; i++) {
            var star = document.createElement('button');
            star.type = 'button';
            star.className = 'rating-star';
            star.textContent = '★';
            star.setAttribute('role', 'radio');
            star.setAttribute('aria-label', T.star(i));
            star.setAttribute('data-value', String(i));
            stars.push(star);
            group.appendChild(star);
        }

        group.addEventListener('click', function (e) {
            var star = e.target.closest('.rating-star');
            if (star) {
                var v = Number(star.getAttribute('data-value'));
                set(v === value ? 0 : v); // clicking the current rating clears it
            }
        });
        group.addEventListener('mouseover', function (e) {
            var star = e.target.closest('.rating-star');
            if (star) {
                paint(Number(star.getAttribute('data-value')));
            }
        });
        group.addEventListener('mouseleave', render);
        // Arrow keys change the rating. Stop them here so mdBook does not turn the page.
        group.addEventListener('keydown', function (e) {
            var step = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[e.key];
            if (step) {
                e.preventDefault();
                e.stopPropagation();
                set(Math.max(1, value + step));
                stars[value - 1].focus();
            }
        });

        box.appendChild(group);
        box.appendChild(text);
        render();
    }

    // Wide tables of prose (the errata: six columns of sentences) cannot be read in mdBook's
    // 750 px column, nor by scrolling sideways on a phone. Such a table gets the class `lab-cards`
    // and every cell the name of its column (`data-label`), so that lab.css shows each row as a
    // card. A table of short values (kubectl's columns) keeps scrolling in its `.table-wrapper`.
    var CARD_COLUMNS = 5;
    var CARD_PROSE = 40;

    function setupCards(table) {
        var heads = table.querySelectorAll('thead th');
        if (heads.length < CARD_COLUMNS) return;
        var cells = table.querySelectorAll('tbody td');
        var prose = false;
        for (var i = 0; i < cells.length && !prose; i++) {
            prose = cells[i].textContent.trim().length > CARD_PROSE;
        }
        if (!prose) return;
        table.classList.add('lab-cards');
        var rows = table.querySelectorAll('tbody tr');
        for (var r = 0; r < rows.length; r++) {
            var tds = rows[r].children;
            for (var c = 0; c < tds.length && c < heads.length; c++) {
                tds[c].setAttribute('data-label', heads[c].textContent.trim());
            }
        }
    }

    /* ---------- the verify boxes' install line ---------- */

    // Marks the reader's system on <html> so that each verify box shows one installer: the
    // PowerShell one on Windows, the shell one elsewhere (see theme/lab-check.css).
    function markSystem() {
        var ua = navigator.userAgentData;
        var platform = (ua && ua.platform) || navigator.platform || '';
        var windows = /^win/i.test(platform) || /Windows/.test(navigator.userAgent || '');
        document.documentElement.setAttribute('data-lab-os', windows ? 'windows' : 'unix');
    }

    function init() {
        var tables = document.querySelectorAll('main table');
        for (var t = 0; t < tables.length; t++) {
            setupCards(tables[t]);
        }
        markSystem();
        var q = document.querySelectorAll('.quiz');
        for (var i = 0; i < q.length; i++) {
            setupQuiz(q[i], i);
        }
        updateScore();
        var r = document.querySelectorAll('.rating[data-rating]');
        for (var j = 0; j < r.length; j++) {
            setupRating(r[j]);
        }
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', init);
    } else {
        init();
    }
})();
