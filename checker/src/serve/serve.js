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
        meta: function (r) {
          return "context " + r.context + " · namespace " + r.namespace + " · " + time(r.checked_at);
        },
        noPods: function (ns) { return "No pods of this step in namespace " + ns + "."; },
        progress: function (k, n) { return "Passed " + k + "/" + n + " steps"; },
        step: function (n) { return "Step " + n; },
        last: function (v, at) { return "Last result: " + T.verdict[v] + " (" + time(at) + ")"; },
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
        meta: function (r) {
          return "上下文 " + r.context + " · 命名空间 " + r.namespace + " · " + time(r.checked_at);
        },
        noPods: function (ns) { return "命名空间 " + ns + " 中没有本步骤的 Pod。"; },
        progress: function (k, n) { return "已通过 " + k + "/" + n + " 步"; },
        step: function (n) { return "步骤 " + n; },
        last: function (v, at) { return "上次结果：" + T.verdict[v] + "（" + time(at) + "）"; },
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
    return el("table", { class: "lab-pods" }, el("thead", {}, head), body);
  }

  function renderReport(box, result, report) {
    result.textContent = "";
    result.hidden = false;
    result.setAttribute("data-verdict", report.verdict);
    result.appendChild(el("div", { class: "lab-check-head" }, badge(report.verdict), el("span", { class: "lab-check-meta" }, T.meta(report))));
    var list = el("ul", { class: "lab-check-outcomes" });
    (report.checks || []).forEach(function (c) {
      var li = el("li", { class: "lab-outcome lab-outcome-" + c.outcome, "data-check": c.id },
        el("span", { class: "lab-mark", "aria-hidden": "true" }, MARKS[c.outcome] || "?"),
        el("span", { class: "lab-desc" }, inline(c.description)));
      if (c.outcome !== "pass" && c.outcome !== "skipped") {
        var dl = el("dl", { class: "lab-details" });
        [[T.expected, c.expected], [T.observed, c.observed], [T.hint, c.hint]].forEach(function (row) {
          if (row[1]) dl.appendChild(el("div", {}, el("dt", {}, row[0]), el("dd", {}, inline(row[1]))));
        });
        li.appendChild(dl);
      }
      list.appendChild(li);
    });
    // The result lists the same expectations, marked: the plain list would only repeat them.
    var plain = box.querySelector(".lab-check-expectations");
    if (plain) plain.hidden = true;
    result.appendChild(list);
    var rows = report.pod_rows || [];
    result.appendChild(rows.length ? podsTable(rows) : el("p", { class: "lab-check-nopods" }, T.noPods(report.namespace)));
    if (report.verdict === "pending" && report.pending_hint) {
      result.appendChild(el("p", { class: "lab-check-pending-hint" }, inline(report.pending_hint)));
    }
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

  function setup(box) {
    var step = box.getAttribute("data-step");
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
      return api("POST", "/api/check/" + encodeURIComponent(step)).then(function (r) {
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

    return { step: step, bar: bar, live: live, result: result };
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

  function refreshProgress() {
    return api("GET", "/api/progress").then(function (r) {
      if (!r.ok) return;
      var p = r.data;
      var node = sidebarProgress();
      if (node) {
        node.textContent = "";
        node.appendChild(el("div", { class: "lab-serve-progress-text" }, T.progress(p.passed, p.total)));
        var bar = el("progress", { max: String(p.total), value: String(p.passed) });
        node.appendChild(bar);
        var chips = el("div", { class: "lab-serve-progress-steps" });
        (steps || []).forEach(function (n) {
          var rec = p.steps[String(n)];
          var v = rec ? rec.verdict : "none";
          chips.appendChild(el("span", { class: "lab-step-chip lab-step-" + v, title: rec ? T.last(rec.verdict, rec.at) : T.step(n) }, String(n)));
        });
        node.appendChild(chips);
      }
      boxes.forEach(function (b) {
        var rec = p.steps[b.step];
        var last = b.bar.querySelector(".lab-check-last");
        // A result on the page says more than the recorded one.
        if (!rec || !b.result.hidden) {
          if (last) last.remove();
          return;
        }
        if (!last) {
          last = el("span", { class: "lab-check-last" });
          b.bar.appendChild(last);
        }
        last.textContent = T.last(rec.verdict, rec.at);
        last.setAttribute("data-verdict", rec.verdict);
      });
    });
  }

  var steps = [];

  function start() {
    api("GET", "/api/health").then(function (r) {
      if (!r.ok || !r.data || r.data.ok !== true) return; // not served by checker serve: stay quiet
      steps = r.data.steps || [];
      var words = r.data.words || {};
      Object.keys(words.verdicts || {}).forEach(function (k) { T.verdict[k] = words.verdicts[k]; });
      MARKS = words.marks || {};
      document.documentElement.classList.add("lab-served");
      document.querySelectorAll(".lab-check[data-step]").forEach(function (box) {
        boxes.push(setup(box));
      });
      refreshProgress();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
