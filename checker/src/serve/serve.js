// Run-check buttons for the lab's verify boxes.
//
// Only `checker serve` sends this script: it adds it to every page it serves, next to its API
// (/api/...). The plain book (`mdbook build`, static hosting) never loads it, so there the boxes
// keep their copyable `checker step N` command and nothing else.
//
// Every text that comes from the cluster or the API is put in with textContent, never as HTML.
// The page's language (<html lang>: zh-CN for the book, en for its English edition) picks the
// words here and goes with every API request (`lang=en`), so the results, hints and progress
// come back in it too.
(function () {
  "use strict";

  var EN = (document.documentElement.lang || "").toLowerCase().indexOf("en") === 0;
  var T = EN
    ? {
        run: "Run check",
        rerun: "Check again",
        running: "Checking…",
        watch: "Keep watching",
        stop: "Stop watching",
        verdict: { error: "Cannot check" }, // and the verdicts' words, from /api/health
        expected: "expected",
        observed: "observed",
        hint: "hint",
        cause: "Cause: ",
        inProgress: "In progress: ",
        cannotTell: "Cannot tell: ",
        next: "Next: ",
        because: "Not met because of it:",
        stillToCome: "Still to come:",
        notVerifiable: "Not verifiable:",
        keepWatching: "Press “Keep watching”: the page checks again every 2 s and stops when the step passes.",
        nextStep: function (n, title) { return "Step " + n + ": " + title; },
        then: " — then run ",
        lastStep: "This is the lab's last step. `checker progress` shows every step's result; `checker report` writes your experiment record.",
        meta: function (r) {
          return "context " + r.context + " · namespace " + r.namespace + " · " + time(r.checked_at);
        },
        noPods: function (ns) { return "No pods of this step in namespace " + ns + "."; },
        progress: function (k, n) { return "Passed " + k + "/" + n + " steps"; },
        complete: function (n) { return "🎉 Lab complete: all " + n + " steps passed"; },
        step: function (n) { return "Step " + n; },
        last: function (v, at) { return "Latest result: " + T.verdict[v] + " (" + at + ")"; },
        passedAt: function (at) { return "Passed at " + at; },
        latest: function (v, at) { return "latest: " + T.verdict[v] + " (" + at + ")"; },
        watching: function (s) { return "Watching: checking every 2 s (" + s + " s so far)"; },
        watchDone: "Stopped watching: the step is still in progress after 5 minutes. Check again when it has moved on.",
        watchStopped: "Stopped watching.",
        offline: "Cannot reach checker serve: is it still running?",
        badAnswer: function (status) { return "checker serve answered " + status + " without a report."; },
        warning: "Progress not saved: "
      }
    : {
        run: "运行检查",
        rerun: "再次检查",
        running: "检查中…",
        watch: "持续观察",
        stop: "停止观察",
        verdict: { error: "无法检查" }, // and the verdicts' words, from /api/health
        expected: "期望",
        observed: "实际",
        hint: "提示",
        cause: "原因：",
        inProgress: "进行中：",
        cannotTell: "无法判断：",
        next: "下一步：",
        because: "因此未满足的条目：",
        stillToCome: "还在等的条目：",
        notVerifiable: "无法验证的条目：",
        keepWatching: "点「持续观察」：页面每 2 秒检查一次，这一步通过时自动停下。",
        nextStep: function (n, title) { return "步骤 " + n + "：" + title; },
        then: "，完成后运行 ",
        lastStep: "这是本实验的最后一步。`checker progress` 查看各步的结果，`checker report` 写出你的实验报告。",
        meta: function (r) {
          return "上下文 " + r.context + " · 命名空间 " + r.namespace + " · " + time(r.checked_at);
        },
        noPods: function (ns) { return "命名空间 " + ns + " 中没有本步骤的 Pod。"; },
        progress: function (k, n) { return "已通过 " + k + "/" + n + " 步"; },
        complete: function (n) { return "🎉 实验完成：" + n + " 个步骤都已通过"; },
        step: function (n) { return "步骤 " + n; },
        last: function (v, at) { return "最近结果：" + T.verdict[v] + "（" + at + "）"; },
        passedAt: function (at) { return "通过于 " + at; },
        latest: function (v, at) { return "最近一次：" + T.verdict[v] + "（" + at + "）"; },
        watching: function (s) { return "持续观察中：每 2 秒检查一次（已 " + s + " 秒）"; },
        watchDone: "已停止观察：5 分钟后这一步仍在进行中。等它有了变化再检查。",
        watchStopped: "已停止观察。",
        offline: "连不上 checker serve：它还在运行吗？",
        badAnswer: function (status) { return "checker serve 返回了 " + status + "，没有检查结果。"; },
        warning: "进度没有保存："
      };

  var WATCH_INTERVAL_MS = 2000;
  var WATCH_LIMIT_MS = 5 * 60 * 1000;
  // The outcomes' marks, from /api/health (the checker's one table of words and marks).
  var MARKS = {};

  function time(at) {
    var d = new Date(at);
    if (isNaN(d.getTime())) return String(at || "");
    try {
      return d.toLocaleTimeString(document.documentElement.lang || undefined, { hour12: false });
    } catch (e) {
      return d.toLocaleTimeString();
    }
  }

  // el("div", {class: "x"}, child, "text", ...)
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "class") node.className = attrs[k];
      else if (k === "hidden") node.hidden = !!attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  // Text with `code spans`, as the lab spec writes them.
  function inline(text) {
    var frag = document.createDocumentFragment();
    var parts = String(text || "").split("`");
    if (parts.length % 2 === 0) {
      frag.appendChild(document.createTextNode(String(text || "")));
      return frag;
    }
    parts.forEach(function (part, i) {
      frag.appendChild(i % 2 ? el("code", {}, part) : document.createTextNode(part));
    });
    return frag;
  }

  function api(method, path) {
    path += (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + (EN ? "en" : "zh");
    var init = { method: method, cache: "no-store", credentials: "same-origin", headers: {} };
    if (method === "POST") {
      init.headers["Content-Type"] = "application/json";
      init.body = "{}";
    }
    return fetch(path, init).then(
      function (res) {
        return res.json().then(
          function (data) { return { ok: res.ok, status: res.status, data: data }; },
          function () { return { ok: false, status: res.status, data: { error: T.badAnswer(res.status), kind: "server" } }; }
        );
      },
      function () { return { ok: false, status: 0, data: { error: T.offline, kind: "offline" } }; }
    );
  }

  function badge(verdict) {
    return el("span", { class: "lab-verdict lab-verdict-" + verdict }, T.verdict[verdict]);
  }

  function podsTable(rows) {
    var head = el("tr", {});
    ["NAME", "READY", "STATUS", "RESTARTS", "AGE"].forEach(function (h) { head.appendChild(el("th", {}, h)); });
    var body = el("tbody", {});
    rows.forEach(function (r) {
      var tr = el("tr", {});
      [r.name, r.ready, r.status, r.restarts_column, r.age].forEach(function (v) { tr.appendChild(el("td", {}, String(v))); });
      body.appendChild(tr);
    });
    return el("div", { class: "lab-pods-scroll" }, el("table", { class: "lab-pods" }, el("thead", {}, head), body));
  }

  function outcomeItem(c, grouped) {
    var li = el("li", { class: "lab-outcome lab-outcome-" + c.outcome, "data-check": c.id },
      el("span", { class: "lab-mark", "aria-hidden": "true" }, MARKS[c.outcome] || "?"),
      el("span", { class: "lab-desc" }, inline(c.description)));
    if (grouped) {
      // The cause above says what to do: only what was seen, on the same line.
      if (c.outcome !== "skipped" && c.observed) li.appendChild(el("span", { class: "lab-observed" }, " · ", inline(c.observed)));
    } else if (c.outcome !== "pass" && c.outcome !== "skipped") {
      var dl = el("dl", { class: "lab-details" });
      [[T.expected, c.expected], [T.observed, c.observed], [T.hint, c.hint]].forEach(function (row) {
        if (row[1]) dl.appendChild(el("div", {}, el("dt", {}, row[0]), el("dd", {}, inline(row[1]))));
      });
      li.appendChild(dl);
    }
    return li;
  }

  // The one root cause and next action at the top of a result that did not pass, with the
  // expectations it explains under it. While pending, the next action is this page's own
  // "Keep watching" button, not the command line.
  function causeBox(report) {
    var c = report.cause;
    var kind = c.kind;
    var label = kind === "progressing" ? T.inProgress : kind === "unverifiable" ? T.cannotTell : T.cause;
    var under = kind === "progressing" ? T.stillToCome : kind === "unverifiable" ? T.notVerifiable : T.because;
    var box = el("div", { class: "lab-check-cause", "data-cause": kind },
      el("p", { class: "lab-check-cause-summary" }, el("strong", {}, label), inline(c.summary)),
      el("p", { class: "lab-check-cause-action" }, el("strong", {}, T.next),
        kind === "progressing" ? T.keepWatching : inline(c.action)));
    var grouped = (report.checks || []).filter(function (x) { return x.grouped; });
    if (grouped.length) {
      var list = el("ul", { class: "lab-check-outcomes lab-check-grouped" });
      grouped.forEach(function (x) { list.appendChild(outcomeItem(x, true)); });
      box.appendChild(el("p", { class: "lab-check-cause-under" }, under));
      box.appendChild(list);
    }
    return box;
  }

  // After a pass: the next step, linked to its chapter.
  function nextBox(next) {
    if (!next) return el("p", { class: "lab-check-next" }, inline(T.lastStep));
    var title = T.nextStep(next.step, next.title);
    var name = next.chapter
      ? el("a", { href: (typeof path_to_root === "string" ? path_to_root : "") + next.chapter.replace(/\.md$/, ".html") }, title)
      : el("span", {}, title);
    return el("p", { class: "lab-check-next", "data-next-step": String(next.step) },
      el("strong", {}, T.next), name, T.then, el("code", {}, next.command));
  }

  // A pod's timing table, as the checker renders it (header and rows come from the server).
  function timingTable(t) {
    var head = el("tr", {});
    (t.header || []).forEach(function (h) { head.appendChild(el("th", {}, String(h))); });
    var body = el("tbody", {});
    (t.rows || []).forEach(function (row) {
      var tr = el("tr", {});
      row.forEach(function (v) { tr.appendChild(el("td", {}, String(v))); });
      body.appendChild(tr);
    });
    return el("div", { class: "lab-check-timings", "data-pod": t.pod },
      el("p", { class: "lab-check-timings-title" }, t.title || ""),
      el("table", { class: "lab-timings" }, el("thead", {}, head), body));
  }

  function renderReport(box, result, report) {
    result.textContent = "";
    result.hidden = false;
    result.setAttribute("data-verdict", report.verdict);
    result.appendChild(el("div", { class: "lab-check-head" }, badge(report.verdict), el("span", { class: "lab-check-meta" }, T.meta(report))));
    if (report.cause) result.appendChild(causeBox(report));
    var list = el("ul", { class: "lab-check-outcomes" });
    (report.checks || []).forEach(function (c) {
      if (!c.grouped) list.appendChild(outcomeItem(c, false));
    });
    // The result lists the same expectations, marked: the plain list would only repeat them.
    var plain = box.querySelector(".lab-check-expectations");
    if (plain) plain.hidden = true;
    if (list.childNodes.length) result.appendChild(list);
    var rows = report.pod_rows || [];
    result.appendChild(rows.length ? podsTable(rows) : el("p", { class: "lab-check-nopods" }, T.noPods(report.namespace)));
    if (report.verdict === "pass") result.appendChild(nextBox(report.next));
    (report.timing_tables || []).forEach(function (t) { result.appendChild(timingTable(t)); });
    if (report.warning) result.appendChild(el("p", { class: "lab-check-warning" }, T.warning + report.warning));
  }

  function renderError(box, result, data) {
    result.textContent = "";
    result.hidden = false;
    result.setAttribute("data-verdict", "error");
    result.appendChild(el("div", { class: "lab-check-head" }, badge("error")));
    result.appendChild(el("p", { class: "lab-check-error" }, data.error || ""));
    if (data.help) result.appendChild(el("p", { class: "lab-check-help" }, data.help));
    if (data.commands && data.commands.length) {
      result.appendChild(el("pre", { class: "lab-check-commands" }, el("code", {}, data.commands.join("\n"))));
    }
    var plain = box.querySelector(".lab-check-expectations");
    if (plain) plain.hidden = false;
  }

  // Which lab a box checks: its data-lab, else the server's default lab.
  function labOf(box) {
    return box.getAttribute("data-lab") || defaultLab;
  }

  function labQuery(lab) {
    return lab ? "?lab=" + encodeURIComponent(lab) : "";
  }

  function setup(box) {
    var step = box.getAttribute("data-step");
    var lab = labOf(box);
    var result = box.querySelector(".lab-check-result");
    if (!result) {
      result = el("div", { class: "lab-check-result", hidden: true });
      box.appendChild(result);
    }
    result.setAttribute("aria-live", "polite");
    var run = el("button", { type: "button", class: "lab-check-run" }, T.run);
    var watch = el("button", { type: "button", class: "lab-check-watch", hidden: true }, T.watch);
    var live = el("span", { class: "lab-check-live", role: "status" });
    var bar = el("div", { class: "lab-check-actions" }, run, watch, live);
    result.parentNode.insertBefore(bar, result);

    var watching = null; // { started, timer }

    function check() {
      return api("POST", "/api/check/" + encodeURIComponent(step) + labQuery(lab)).then(function (r) {
        if (r.ok) renderReport(box, result, r.data);
        else renderError(box, result, r.data);
        refreshProgress();
        return r.ok ? r.data.verdict : "error";
      });
    }

    function stopWatching(message) {
      if (watching) clearTimeout(watching.timer);
      watching = null;
      watch.textContent = T.watch;
      run.disabled = false;
      live.textContent = message || "";
    }

    function tick() {
      if (!watching) return;
      var elapsed = Date.now() - watching.started;
      live.textContent = T.watching(Math.round(elapsed / 1000));
      check().then(function (verdict) {
        if (!watching) return;
        if (verdict !== "pending") {
          stopWatching("");
          watch.hidden = true;
        } else if (Date.now() - watching.started >= WATCH_LIMIT_MS) {
          stopWatching(T.watchDone);
        } else {
          // The pods' READY and STATUS as they change, like `kubectl get pods -w`.
          var rows = Array.prototype.map.call(result.querySelectorAll(".lab-pods tbody tr"), function (tr) {
            var td = tr.children;
            return td[0].textContent + " " + td[1].textContent + " " + td[2].textContent;
          });
          live.textContent = T.watching(Math.round((Date.now() - watching.started) / 1000)) +
            (rows.length ? " · " + rows.join(", ") : "");
          watching.timer = setTimeout(tick, WATCH_INTERVAL_MS);
        }
      });
    }

    run.addEventListener("click", function () {
      run.disabled = true;
      live.textContent = T.running;
      check().then(function (verdict) {
        run.disabled = false;
        run.textContent = T.rerun;
        live.textContent = "";
        watch.hidden = verdict !== "pending";
      });
    });

    watch.addEventListener("click", function () {
      if (watching) {
        stopWatching(T.watchStopped);
        return;
      }
      watching = { started: Date.now(), timer: null };
      watch.textContent = T.stop;
      run.disabled = true;
      tick();
    });

    return { lab: lab, step: step, bar: bar, live: live, result: result };
  }

  var progressBox = null;
  var boxes = [];

  function sidebarProgress() {
    if (progressBox && progressBox.isConnected) return progressBox;
    var host = document.querySelector("#mdbook-sidebar .sidebar-scrollbox") || document.getElementById("mdbook-sidebar");
    if (!host) return null;
    progressBox = el("div", { id: "lab-serve-progress", class: "lab-serve-progress", role: "status" });
    host.insertBefore(progressBox, host.firstChild);
    return progressBox;
  }

  // The lab of the page: its boxes' lab, else its quiz's (`data-lab` of the quiz or its score
  // line, see theme/lab.js), else the default one.
  function labOfPage() {
    if (boxes.length) return boxes[0].lab;
    var quiz = document.querySelector("[data-quiz-score][data-lab], .quiz[data-lab]");
    return (quiz && quiz.getAttribute("data-lab")) || defaultLab;
  }

  // The sidebar shows the progress of the page's lab; each box, the last result of its own
  // lab's step.
  function refreshProgress() {
    var pageLab = labOfPage();
    var labs = [pageLab];
    boxes.forEach(function (b) {
      if (labs.indexOf(b.lab) < 0) labs.push(b.lab);
    });
    return Promise.all(labs.map(function (lab) {
      return api("GET", "/api/progress" + labQuery(lab)).then(function (r) {
        if (r.ok) showProgress(r.data, lab, lab === pageLab);
      });
    }).concat([refreshQuiz()]));
  }

  // The quiz score and self-ratings of the page's lab, under its progress in the sidebar: the
  // server's line (`text` of /api/quiz, in the page's language), or nothing before any answer.
  var quizText = null;

  function refreshQuiz() {
    return api("GET", "/api/quiz" + labQuery(labOfPage())).then(function (r) {
      if (!r.ok) return;
      quizText = r.data.text || null;
      showQuiz();
    });
  }

  function showQuiz() {
    var node = progressBox && progressBox.isConnected ? progressBox : null;
    if (!node) return;
    var line = node.querySelector(".lab-serve-quiz");
    if (!quizText) {
      if (line) line.remove();
      return;
    }
    if (!line) {
      line = el("div", { class: "lab-serve-quiz" });
      node.appendChild(line);
    }
    line.textContent = quizText;
  }

  // A chip's words: when the step passed, and its latest result when that is not the pass.
  function chipTitle(n, rec) {
    if (!rec) return T.step(n);
    if (!rec.passed_at) return T.last(rec.verdict, rec.at_text);
    var text = T.passedAt(rec.passed_at_text);
    return rec.verdict === "pass" ? text : text + " · " + T.latest(rec.verdict, rec.at_text);
  }

  function showProgress(p, lab, sidebar) {
    var steps = labSteps[lab] || [];
    var node = sidebar ? sidebarProgress() : null;
    if (node) {
      node.textContent = "";
      node.classList.toggle("lab-serve-complete", !!p.complete);
      node.appendChild(el("div", { class: "lab-serve-progress-text" }, p.complete ? T.complete(p.total) : T.progress(p.passed, p.total)));
      var bar = el("progress", { max: String(p.total), value: String(p.passed) });
      node.appendChild(bar);
      var chips = el("div", { class: "lab-serve-progress-steps" });
      (steps || []).forEach(function (n) {
        var rec = p.steps[String(n)];
        // A step that passed once stays passed; a later result that did not pass is marked.
        var cls = "lab-step-chip lab-step-" + (rec ? (rec.passed_at ? "pass" : rec.verdict) : "none");
        if (rec && rec.passed_at && rec.verdict !== "pass") cls += " lab-step-latest-" + rec.verdict;
        var page = (labChapters[lab] || {})[String(n)];
        var label = chipLabel(lab, n, page);
        var attrs = { class: cls, title: label.title + (rec ? " · " + chipTitle(n, rec) : "") };
        if (page) attrs.href = rootPath() + page;
        chips.appendChild(el(page ? "a" : "span", attrs, label.text));
      });
      node.appendChild(chips);
      showQuiz();
    }
    boxes.forEach(function (b) {
      if (b.lab !== lab) return;
      var rec = p.steps[b.step];
      var last = b.bar.querySelector(".lab-check-last");
      // The pass lasts, shown whatever the result on the page; the recorded latest result
      // only when no result is on the page (a result on the page is the latest).
      var passed = rec && rec.passed_at ? T.passedAt(rec.passed_at_text) : "";
      var latest = "";
      if (rec && b.result.hidden && rec.verdict !== "pass") {
        latest = rec.passed_at ? T.latest(rec.verdict, rec.at_text) : T.last(rec.verdict, rec.at_text);
      }
      if (!passed && !latest) {
        if (last) last.remove();
        return;
      }
      if (!last) {
        last = el("span", { class: "lab-check-last" });
        b.bar.appendChild(last);
      }
      last.textContent = "";
      last.setAttribute("data-verdict", rec.verdict);
      if (passed) last.appendChild(el("span", { class: "lab-check-passed" }, passed));
      if (passed && latest) last.appendChild(document.createTextNode(" · "));
      if (latest) last.appendChild(el("span", { class: "lab-check-latest" }, latest));
    });
  }

  var defaultLab = null;
  var labSteps = {}; // lab id → its step numbers
  var labChapters = {}; // lab id → {step: chapter page}
  var labTitles = {}; // lab id → {step: title}

  // The relative path from this page to the book's root (mdBook's global `path_to_root`).
  function rootPath() {
    return typeof path_to_root === "string" ? path_to_root : "";
  }

  // A chip is labelled as the sidebar names the step's chapter: "步骤 3：…" / "Step 3: …" gives
  // "3"; a chapter without a step number (the clean-up) gives the step's own title, so the chips
  // never count 1–6 where the sidebar says "步骤 1–5" and "实验清理".
  function chipLabel(lab, n, page) {
    var titles = labTitles[lab] || {};
    var title = titles[String(n)] || T.step(n);
    var text = "";
    if (page) {
      var want = new URL(rootPath() + page, location.href).pathname;
      var links = document.querySelectorAll("#mdbook-sidebar a[href]");
      for (var i = 0; i < links.length; i++) {
        if (new URL(links[i].getAttribute("href"), location.href).pathname !== want) continue;
        var name = links[i].textContent.replace(/^\s*[\d.]+\s*/, "").trim();
        var m = /(?:步骤|Step)\s*(\d+)/i.exec(name);
        text = m ? m[1] : name;
        title = name || title;
        break;
      }
    }
    return { text: text || (titles[String(n)] ? titles[String(n)] : String(n)), title: title };
  }

  function start() {
    api("GET", "/api/health").then(function (r) {
      if (!r.ok || !r.data || r.data.ok !== true) return; // not served by checker serve: stay quiet
      defaultLab = r.data.lab || null;
      labSteps[defaultLab] = r.data.steps || [];
      labChapters[defaultLab] = r.data.chapters || {};
      labTitles[defaultLab] = r.data.titles || {};
      (r.data.labs || []).forEach(function (l) {
        labSteps[l.lab] = l.steps || [];
        labChapters[l.lab] = l.chapters || {};
        labTitles[l.lab] = l.titles || {};
      });
      var words = r.data.words || {};
      Object.keys(words.verdicts || {}).forEach(function (k) { T.verdict[k] = words.verdicts[k]; });
      MARKS = words.marks || {};
      document.documentElement.classList.add("lab-served");
      document.querySelectorAll(".lab-check[data-step]").forEach(function (box) {
        boxes.push(setup(box));
      });
      refreshProgress();
      // theme/lab.js saved the quiz through /api/quiz: show the new score.
      document.addEventListener("lab-quiz-saved", function () { refreshQuiz(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
