// checker serve --class: the teacher's dashboard. One EventSource to /api/class/events: the
// board ("board"), then the learners whose row changed ("rows"), or why the class cannot be
// followed now ("problem"). The browser never asks anything per learner.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("class-data").textContent);
  const text = data.text;
  const table = document.getElementById("board");
  const body = table.tBodies[0];
  const summary = document.getElementById("summary");
  const problem = document.getElementById("problem");
  const rows = new Map(); // namespace → {row (the JSON), tr}
  let updated = null;

  // The header: the namespace, a column per step (its number, its title on hover), the count,
  // the last activity.
  const head = table.tHead.insertRow();
  const th = (label, title) => {
    const cell = document.createElement("th");
    cell.textContent = label;
    if (title) {
      cell.title = title;
      cell.scope = "col";
    }
    head.appendChild(cell);
  };
  th(text.namespace);
  data.steps.forEach((s) => th(String(s.number), s.number + " " + s.title));
  th(text.passed);
  th(text.activity);
  document.getElementById("legend").textContent = ["pass", "pending", "fail"]
    .map((v) => data.words.marks[v] + " " + data.words.verdicts[v])
    .join("   ") + "\n" + data.steps.map((s) => s.number + " " + s.title).join(" · ");

  function ago(iso) {
    if (!iso) return "-";
    const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    const units = data.lang === "en" ? ["s", "m", "h", "d"] : [" 秒", " 分钟", " 小时", " 天"];
    const [n, unit] =
      seconds < 60 ? [seconds, units[0]] : seconds < 3600 ? [seconds / 60, units[1]] : seconds < 86400 ? [seconds / 3600, units[2]] : [seconds / 86400, units[3]];
    return Math.floor(n) + unit + (data.lang === "en" ? " " : "") + text.ago;
  }

  function fill(tr, row) {
    tr.replaceChildren();
    const name = tr.insertCell();
    name.textContent = row.namespace;
    const byStep = new Map(row.steps.map((s) => [s.step, s.verdict]));
    data.steps.forEach((s) => {
      const verdict = byStep.get(s.number) || "fail";
      const cell = tr.insertCell();
      cell.className = "mark " + verdict;
      cell.textContent = data.words.marks[verdict] || "?";
      cell.title = s.number + " " + s.title + ": " + (data.words.verdicts[verdict] || verdict);
    });
    tr.insertCell().textContent = row.passed + "/" + data.steps.length;
    const activity = tr.insertCell();
    activity.className = "activity";
    activity.dataset.at = row.lastActivity || "";
    activity.textContent = ago(row.lastActivity);
  }

  function put(row, flash) {
    let known = rows.get(row.namespace);
    if (!known) {
      const tr = document.createElement("tr");
      tr.dataset.namespace = row.namespace;
      // Sorted by namespace, as the terminal prints them.
      const after = [...rows.keys()].filter((ns) => ns > row.namespace).sort()[0];
      body.insertBefore(tr, after ? rows.get(after).tr : null);
      known = { tr };
      rows.set(row.namespace, known);
    }
    known.row = row;
    fill(known.tr, row);
    if (flash) {
      known.tr.classList.remove("changed");
      void known.tr.offsetWidth; // restart the animation
      known.tr.classList.add("changed");
    }
  }

  function tally(at) {
    updated = at ? new Date(at) : updated;
    if (rows.size === 0) {
      summary.textContent = text.empty;
      return;
    }
    const done = [...rows.values()].filter((r) => r.row.passed === data.steps.length).length;
    const time = updated ? updated.toLocaleTimeString(data.lang === "en" ? "en" : "zh-CN") : "";
    summary.textContent =
      rows.size + " " + text.learners + " · " + done + " " + text.done + " · " + text.updated + " " + time;
  }

  summary.textContent = text.waiting;
  const source = new EventSource("/api/class/events?lang=" + data.lang);
  source.addEventListener("board", (e) => {
    const board = JSON.parse(e.data);
    problem.hidden = true;
    rows.forEach((r) => r.tr.remove());
    rows.clear();
    board.learners.forEach((row) => put(row, false));
    tally(board.at);
  });
  source.addEventListener("rows", (e) => {
    const change = JSON.parse(e.data);
    problem.hidden = true;
    change.changed.forEach((row) => put(row, true));
    change.left.forEach((ns) => {
      const known = rows.get(ns);
      if (known) {
        known.tr.remove();
        rows.delete(ns);
      }
    });
    tally(change.at);
  });
  source.addEventListener("problem", (e) => {
    problem.textContent = JSON.parse(e.data).error;
    problem.hidden = false;
  });
  // EventSource reconnects by itself and the server then sends the whole board again: say the
  // connection is lost only when no board came back within a few seconds.
  let lost = null;
  const live = () => {
    clearTimeout(lost);
    lost = null;
  };
  source.addEventListener("board", live);
  source.addEventListener("rows", live);
  source.addEventListener("error", () => {
    if (lost === null) {
      lost = setTimeout(() => {
        problem.textContent = text.lost;
        problem.hidden = false;
      }, 5000);
    }
  });
  setInterval(() => {
    body.querySelectorAll("td.activity").forEach((cell) => (cell.textContent = ago(cell.dataset.at)));
  }, 30000);
})();
