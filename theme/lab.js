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
 *   <div class="quiz-end" hidden>…</div>              (optional: shown once every question is
 *                                                     answered: the closing words)
 *
 * Scoring: the first answer checked to each question is the one that counts; once checked, the
 * question shows the answer and its explanation and takes no other answer until the quiz is
 * reset (the reset button after the last question clears the answers, not the ratings). After
 * the last question a summary gives the score so far and, once every question is answered, the
 * score k/n and which questions were wrong.
 *
 * Where it is kept: the state of a page's quiz (first answers and ratings) belongs to a lab (the
 * `data-lab` of a quiz or of the score line `[data-quiz-score]`, else the lab `checker serve`
 * serves, else init-container). In the book
 * served by `checker serve` (the page carries its /_checker/serve.js and /api/health answers
 * ok), it is loaded and saved through GET/POST /api/quiz?lab=&lang=, so it lives in the progress
 * file: a server on another port (another origin) still has it, and `checker progress` and
 * `checker report` show it. In the static book it is kept in localStorage under
 * "k8s-lab.<lab>.quiz"; a browser that refuses localStorage just forgets. Pages without these
 * elements are left alone.
 */
(function () {
    'use strict';

    var DEFAULT_LAB = 'init-container';

    // The words of the page's language: <html lang> is zh-CN in the book, en in its English
    // edition. The stored answers and ratings are the same in both.
    var EN = (document.documentElement.lang || '').toLowerCase().indexOf('en') === 0;
    var T = EN
        ? {
            total: function (n) { return n + ' question' + (n === 1 ? '' : 's') + '.'; },
            score: function (answered, n, right) {
                return 'Answered ' + answered + ' of ' + n + ', ' + right + ' right.';
            },
            done: function (right, n) { return 'Quiz done: ' + right + ' of ' + n + ' right on the first answer.'; },
            wrongList: function (list) { return 'Wrong: question' + (list.length === 1 ? ' ' : 's ') + list.join(', ') + '.'; },
            allRight: 'Every question right.',
            toGo: function (left) { return left + ' question' + (left === 1 ? '' : 's') + ' to go.'; },
            reset: 'Start the quiz again',
            right: '✔ Correct.',
            wrong: function (answer) { return '✘ Not quite: the answer is ' + answer + '.'; },
            choose: 'Choose an answer first.',
            unsaved: function (why) { return 'Not saved: ' + why; },
            unrated: 'Not rated',
            star: function (i) { return i + (i === 1 ? ' star' : ' stars'); },
        }
        : {
            total: function (n) { return '共 ' + n + ' 题。'; },
            score: function (answered, n, right) {
                return '已作答 ' + answered + ' / ' + n + ' 题，答对 ' + right + ' 题。';
            },
            done: function (right, n) { return '测验完成：按第一次作答，答对 ' + right + ' / ' + n + ' 题。'; },
            wrongList: function (list) { return '答错：第 ' + list.join('、') + ' 题。'; },
            allRight: '全部答对。',
            toGo: function (left) { return '还有 ' + left + ' 题未作答。'; },
            reset: '重新开始测验',
            right: '✔ 回答正确。',
            wrong: function (answer) { return '✘ 不对，正确答案是 ' + answer + '。'; },
            choose: '请先选择一个选项。',
            unsaved: function (why) { return '未能保存：' + why; },
            unrated: '未评分',
            star: function (i) { return i + ' 星'; },
        };

    /* ---------- where the quiz is kept ---------- */

    // The whole state of the page's quiz: the first answer to each question, the ratings.
    var state = { answers: {}, ratings: {} };

    function clean(raw) {
        var s = { answers: {}, ratings: {} };
        if (!raw || typeof raw !== 'object') return s;
        Object.keys(raw.answers || {}).forEach(function (id) {
            var a = raw.answers[id];
            if (a && typeof a.choice === 'string') s.answers[id] = { choice: a.choice, right: !!a.right };
        });
        Object.keys(raw.ratings || {}).forEach(function (k) {
            var v = raw.ratings[k];
            if (typeof v === 'number' && v >= 1 && v <= 5) s.ratings[k] = Math.round(v);
        });
        return s;
    }

    // The static book: localStorage of this origin.
    function localStore(lab) {
        var prefix = 'k8s-lab.' + lab + '.';
        function get(key) {
            try {
                var raw = window.localStorage.getItem(prefix + key);
                return raw === null ? null : JSON.parse(raw);
            } catch (e) {
                return null; // storage disabled or the value is not ours
            }
        }
        return {
            load: function () {
                var kept = get('quiz');
                if (kept) return Promise.resolve(clean(kept));
                // An older page kept each question's latest choice and each rating apart.
                var s = { answers: {}, ratings: {} };
                quizzes.forEach(function (q) {
                    var old = get('quiz.' + q.id);
                    if (old && old.checked && typeof old.choice === 'string') {
                        s.answers[q.id] = { choice: old.choice, right: old.choice === q.answer };
                    }
                });
                ratingKeys.forEach(function (k) {
                    var old = get('rating.' + k);
                    if (typeof old === 'number' && old >= 1) s.ratings[k] = old;
                });
                return Promise.resolve(clean(s));
            },
            save: function (s) {
                try {
                    window.localStorage.setItem(prefix + 'quiz', JSON.stringify(s));
                } catch (e) {
                    // storage disabled or full: the page still works, it just will not remember
                }
                return Promise.resolve(null);
            },
        };
    }

    // The book served by `checker serve`: the progress file, through /api/quiz.
    function serverStore(lab) {
        var query = '?lab=' + encodeURIComponent(lab) + '&lang=' + (EN ? 'en' : 'zh');
        var queue = Promise.resolve(null);
        return {
            load: function () {
                return fetch('/api/quiz' + query, { headers: { Accept: 'application/json' } })
                    .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
                    .then(function (data) { return clean(data.quiz); });
            },
            // One save after another, each the whole state, so the last one wins.
            save: function (s) {
                var body = JSON.stringify({ total: quizzes.length, answers: s.answers, ratings: s.ratings });
                queue = queue.then(function () {
                    return fetch('/api/quiz' + query, {
                        method: 'POST',
                        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
                        body: body,
                    }).then(function (res) {
                        return res.json().then(function (data) {
                            document.dispatchEvent(new CustomEvent('lab-quiz-saved', { detail: { lab: lab } }));
                            return res.ok ? null : data.error || String(res.status);
                        }, function () { return String(res.status); });
                    }, function (e) { return String(e); });
                });
                return queue;
            },
        };
    }

    // The lab of the page's quiz, and where it is kept: through the server when the page is
    // served by `checker serve` (its script is on the page and /api/health says ok), else here.
    function chooseStore() {
        var first = document.querySelector('.quiz, .rating[data-rating]');
        var marked = document.querySelector('.quiz[data-lab], [data-quiz-score][data-lab]') ||
            (first && first.closest('[data-lab]'));
        var lab = marked ? marked.getAttribute('data-lab') : null;
        var served = document.querySelector('script[src$="/_checker/serve.js"]');
        if (!served || !window.fetch) return Promise.resolve(localStore(lab || DEFAULT_LAB));
        return fetch('/api/health', { headers: { Accept: 'application/json' } })
            .then(function (res) { return res.ok ? res.json() : null; })
            .then(function (health) {
                if (!health || health.ok !== true) return localStore(lab || DEFAULT_LAB);
                return serverStore(lab || health.lab || DEFAULT_LAB);
            }, function () { return localStore(lab || DEFAULT_LAB); });
    }

    var store = null;

    function persist() {
        if (!store) return;
        store.save(state).then(function (problem) {
            var note = document.querySelector('.quiz-save-problem');
            if (note) note.textContent = problem ? T.unsaved(problem) : '';
        });
    }

    /* ---------- quiz ---------- */

    var quizzes = []; // { id, answer, show(answer or null) }
    var ratingKeys = [];
    var summary = null; // the box after the last question

    function counts() {
        var answered = 0;
        var right = 0;
        var wrong = [];
        quizzes.forEach(function (q, i) {
            var a = state.answers[q.id];
            if (!a) return;
            answered++;
            if (a.right) right++;
            else wrong.push(q.number || String(i + 1));
        });
        return { answered: answered, right: right, wrong: wrong, n: quizzes.length };
    }

    function updateScore() {
        if (quizzes.length === 0) return;
        var c = counts();
        var finished = c.answered === c.n;
        var boxes = document.querySelectorAll('[data-quiz-score]');
        var text = c.answered === 0 ? T.total(c.n) : T.score(c.answered, c.n, c.right);
        for (var i = 0; i < boxes.length; i++) {
            boxes[i].textContent = text;
        }
        if (summary) {
            var line = summary.querySelector('.quiz-summary-text');
            if (finished) {
                line.textContent = T.done(c.right, c.n) + ' ' + (c.wrong.length ? T.wrongList(c.wrong) : T.allRight);
            } else {
                line.textContent = c.answered === 0 ? T.total(c.n) : T.score(c.answered, c.n, c.right) + ' ' + T.toGo(c.n - c.answered);
            }
            summary.classList.toggle('quiz-finished', finished);
            summary.querySelector('.quiz-reset').hidden = c.answered === 0;
        }
        // The closing words are earned by answering every question.
        var ends = document.querySelectorAll('.quiz-end');
        for (var j = 0; j < ends.length; j++) {
            ends[j].hidden = !finished;
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
        var m = /quiz-(\d+)$/.exec(id);

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

        // The question as `first` (its first answer, or null) leaves it.
        function show(first) {
            quiz.classList.remove('quiz-right', 'quiz-wrong');
            quiz.classList.toggle('quiz-answered', !!first);
            feedback.textContent = '';
            if (explanation) explanation.hidden = !first;
            button.disabled = !!first;
            for (var i = 0; i < inputs.length; i++) {
                var value = inputs[i].value.toLowerCase();
                var option = optionOf(inputs[i]);
                option.classList.remove('quiz-answer', 'quiz-mistake');
                inputs[i].disabled = !!first;
                if (!first) {
                    continue;
                }
                inputs[i].checked = value === first.choice;
                if (value === answer) {
                    option.classList.add('quiz-answer');
                } else if (value === first.choice) {
                    option.classList.add('quiz-mistake');
                }
            }
            if (first) {
                quiz.classList.add(first.right ? 'quiz-right' : 'quiz-wrong');
                feedback.textContent = first.right ? T.right : T.wrong(answer.toUpperCase());
            } else {
                for (var j = 0; j < inputs.length; j++) inputs[j].checked = false;
            }
        }

        quizzes.push({ id: id, answer: answer, number: m ? m[1] : null, show: show });

        button.addEventListener('click', function () {
            if (!store || state.answers[id]) {
                return; // not loaded yet, or answered: the first answer stays
            }
            var choice = selected();
            if (choice === null) {
                feedback.textContent = T.choose;
                return;
            }
            state.answers[id] = { choice: choice, right: choice === answer };
            show(state.answers[id]);
            updateScore();
            persist();
        });

        quiz.addEventListener('change', function (e) {
            if (e.target && e.target.type === 'radio' && !state.answers[id]) {
                feedback.textContent = '';
            }
        });
    }

    // The summary and the reset button, after the last question.
    function setupSummary() {
        var all = document.querySelectorAll('.quiz');
        if (quizzes.length === 0 || all.length === 0) return;
        var last = all[all.length - 1];
        summary = document.createElement('div');
        summary.className = 'quiz-summary';
        var text = document.createElement('p');
        text.className = 'quiz-summary-text';
        text.setAttribute('aria-live', 'polite');
        var reset = document.createElement('button');
        reset.type = 'button';
        reset.className = 'quiz-reset';
        reset.textContent = T.reset;
        reset.hidden = true;
        var problem = document.createElement('p');
        problem.className = 'quiz-save-problem';
        summary.appendChild(text);
        summary.appendChild(reset);
        summary.appendChild(problem);
        last.parentNode.insertBefore(summary, last.nextSibling);
        reset.addEventListener('click', function () {
            state.answers = {};
            quizzes.forEach(function (q) { q.show(null); });
            updateScore();
            persist();
        });
    }

    /* ---------- star ratings ---------- */

    var ratings = []; // { key, render }

    function setupRating(box) {
        var key = box.getAttribute('data-rating');
        if (!key || box.querySelector('.rating-stars')) {
            return;
        }
        var max = Math.min(parseInt(box.getAttribute('data-max'), 10) || 5, 5);
        var label = box.querySelector('.rating-label');
        var name = label ? label.textContent.trim() : key;
        ratingKeys.push(key);

        var group = document.createElement('span');
        group.className = 'rating-stars';
        group.setAttribute('role', 'radiogroup');
        group.setAttribute('aria-label', name);
        var text = document.createElement('span');
        text.className = 'rating-text';
        var stars = [];

        function value() {
            return state.ratings[key] || 0;
        }

        function paint(upTo) {
            for (var i = 0; i < stars.length; i++) {
                stars[i].classList.toggle('on', i < upTo);
            }
        }

        function render() {
            var v = value();
            paint(v);
            for (var i = 0; i < stars.length; i++) {
                stars[i].setAttribute('aria-checked', i + 1 === v ? 'true' : 'false');
                stars[i].tabIndex = i + 1 === Math.max(v, 1) ? 0 : -1;
            }
            text.textContent = v === 0 ? T.unrated : v + ' / ' + max;
        }

        function set(v) {
            if (!store) return;
            v = Math.max(0, Math.min(max, v));
            if (v === 0) delete state.ratings[key];
            else state.ratings[key] = v;
            render();
            persist();
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
                set(v === value() ? 0 : v); // clicking the current rating clears it
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
                set(Math.max(1, value() + step));
                stars[value() - 1].focus();
            }
        });

        box.appendChild(group);
        box.appendChild(text);
        render();
        ratings.push({ key: key, render: render });
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
        setupSummary();
        var r = document.querySelectorAll('.rating[data-rating]');
        for (var j = 0; j < r.length; j++) {
            setupRating(r[j]);
        }
        updateScore();
        if (quizzes.length === 0 && ratings.length === 0) {
            return;
        }
        // The kept state, once it is known where it is kept; until then nothing is recorded.
        chooseStore().then(function (chosen) {
            return chosen.load().then(function (kept) {
                return { store: chosen, state: kept };
            }, function () {
                // The server could not read its progress file: keep it in this browser.
                var local = localStore(DEFAULT_LAB);
                return local.load().then(function (kept) { return { store: local, state: kept }; });
            });
        }).then(function (loaded) {
            store = loaded.store;
            // Only this page's questions and ratings (a question the chapter dropped is forgotten).
            quizzes.forEach(function (quiz) {
                if (loaded.state.answers[quiz.id]) state.answers[quiz.id] = loaded.state.answers[quiz.id];
            });
            ratingKeys.forEach(function (key) {
                if (loaded.state.ratings[key]) state.ratings[key] = loaded.state.ratings[key];
            });
            quizzes.forEach(function (quiz) { quiz.show(state.answers[quiz.id] || null); });
            ratings.forEach(function (rating) { rating.render(); });
            updateScore();
            document.documentElement.setAttribute('data-quiz-ready', 'true');
        });
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', init);
    } else {
        init();
    }
})();
