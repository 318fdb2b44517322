// The ops page: reads the operator's token (localStorage "ministry-ops.token", written by the dev sign-in,
// or pasted here), polls /v1/ops/overview and redraws the tables and charts; lists dead letters with a
// Replay button each. Everything shown is built with textContent, never as HTML: dead letters carry
// text from events, which no one vetted.
import { lineChart } from "./charts.js";

const TOKEN_KEY = "ministry-ops.token";
const $ = (id) => document.getElementById(id);
let timer;
let polling = false;

// ------------------------------------------------------------------ formatting

const fmt = {
  rate: (v) => (v === null || v === undefined ? "–" : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)),
  percent: (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(v > 0 && v < 0.01 ? 2 : 1)}%`),
  seconds: (v) => (v === null || v === undefined ? "–" : v < 1 ? `${(v * 1000).toFixed(v < 0.01 ? 1 : 0)} ms` : `${v.toFixed(2)} s`),
  count: (v) => (v === null || v === undefined ? "–" : String(Math.round(v))),
  age: (v) =>
    v === null || v === undefined
      ? "–"
      : v < 120
        ? `${Math.round(v)} s`
        : v < 7200
          ? `${Math.round(v / 60)} ph/min`
          : `${(v / 3600).toFixed(1)} h`,
  time: (iso) => (iso ? new Date(iso).toLocaleString("vi-VN", { hour12: false }) : "–"),
};

function cell(text, opts = {}) {
  const td = document.createElement("td");
  td.textContent = text;
  if (opts.num) td.className = "num";
  if (opts.className) td.className += ` ${opts.className}`;
  if (opts.title) td.title = opts.title;
  return td;
}

function row(cells, attrs = {}) {
  const tr = document.createElement("tr");
  for (const [k, v] of Object.entries(attrs)) tr.setAttribute(k, v);
  tr.append(...cells);
  return tr;
}

function fill(tableId, rows, empty) {
  const body = $(tableId).tBodies[0];
  if (rows.length === 0) {
    const td = cell(empty);
    td.colSpan = $(tableId).tHead.rows[0].cells.length;
    td.className = "note";
    body.replaceChildren(row([td]));
  } else body.replaceChildren(...rows);
}

// ------------------------------------------------------------------ token

function token() {
  try {
    return localStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

function askForToken(message) {
  clearTimeout(timer);
  $("token-message").textContent = message || "";
  $("token-panel").hidden = false;
  $("dashboard").hidden = !message;
  setStatus("error", message || "Cần mã truy cập / Token needed");
}

$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const value = $("token-input")
    .value.trim()
    .replace(/^Bearer\s+/i, "");
  if (!value) return;
  try {
    localStorage.setItem(TOKEN_KEY, value);
  } catch {}
  $("token-input").value = "";
  $("token-panel").hidden = true;
  poll();
});
$("change-token").addEventListener("click", () => askForToken(""));

// ------------------------------------------------------------------ API

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token()}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (res.status === 401)
    throw Object.assign(new Error(json.detail || "401"), {
      auth: "Mã truy cập không hợp lệ hoặc đã hết hạn / The token is invalid or expired",
    });
  if (res.status === 403)
    throw Object.assign(new Error(json.detail || "403"), {
      auth: "Tài khoản này không có vai trò vận hành / This account is not an operator",
    });
  if (!res.ok) throw new Error(json.detail || `HTTP ${res.status}`);
  return json;
}

function setStatus(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
}

// ------------------------------------------------------------------ rendering

function healthOf(s) {
  if (!s.up) return ["down", "Ngừng / Down"];
  if (!s.ready) return ["unready", "Chưa sẵn sàng / Not ready"];
  return ["healthy", "Hoạt động / Healthy"];
}

function renderServices(o) {
  fill(
    "services",
    o.services.map((s) => {
      const [health, words] = healthOf(s);
      const failing = Object.entries(s.checks)
        .filter(([, v]) => v !== true)
        .map(([k, v]) => `${k}: ${v}`);
      const status = cell(words, { className: "health", title: [s.error, ...failing].filter(Boolean).join("\n") });
      status.dataset.health = health;
      return row(
        [
          cell(s.label),
          status,
          cell(s.version ?? "–"),
          cell(fmt.rate(s.requestRate), { num: true }),
          cell(fmt.percent(s.errorRatio), { num: true, className: s.errorRatio > 0.05 ? "nonzero" : "" }),
          cell(fmt.seconds(s.p99Seconds), { num: true }),
          cell(s.outbox ? fmt.count(s.outbox.backlog) : "–", { num: true }),
          cell(fmt.count(s.deadLetters), { num: true, className: s.deadLetters > 0 ? "nonzero" : "" }),
        ],
        { "data-service": s.name, "data-health": health },
      );
    }),
    "",
  );
  $("window-note").textContent =
    `Tỷ lệ và p99 tính trong ${o.windowSeconds} giây gần nhất; lỗi = mã gRPC khác OK (cổng: HTTP 5xx). / Rates and p99 over the last ${o.windowSeconds} s; errors = gRPC codes other than OK (gateway: HTTP 5xx).`;
}

function renderEvents(o) {
  fill(
    "events",
    o.events.map((e) =>
      row([
        cell(e.type),
        cell(fmt.rate(e.publishedPerMinute), { num: true }),
        cell(fmt.rate(e.consumedPerMinute), { num: true }),
        cell(fmt.rate(e.failedPerMinute), { num: true, className: e.failedPerMinute > 0 ? "nonzero" : "" }),
        cell(fmt.rate(e.deadLetteredPerMinute), { num: true, className: e.deadLetteredPerMinute > 0 ? "nonzero" : "" }),
      ]),
    ),
    "Chưa có sự kiện / No events yet",
  );
}

function renderQueues(o) {
  const withOutbox = o.services.filter((s) => s.outbox);
  fill(
    "outbox",
    withOutbox.map((s) =>
      row([
        cell(s.label),
        cell(fmt.count(s.outbox.backlog), { num: true }),
        cell(fmt.age(s.outbox.oldestAgeSeconds), { num: true, className: s.outbox.oldestAgeSeconds > 60 ? "nonzero" : "" }),
        cell(fmt.count(s.outbox.parked), { num: true, className: s.outbox.parked > 0 ? "nonzero" : "" }),
      ]),
    ),
    "–",
  );
  const consumers = o.services.flatMap((s) => s.consumers);
  fill(
    "consumers",
    consumers.map((c) =>
      row([
        cell(c.consumer),
        cell(c.stream),
        cell(fmt.count(c.pending), { num: true }),
        cell(fmt.count(c.ackPending), { num: true }),
        cell(fmt.count(c.deadLetters), { num: true, className: c.deadLetters > 0 ? "nonzero" : "" }),
      ]),
    ),
    "–",
  );
}

function renderUnits(tableId, byUnit, hot) {
  if (!byUnit) {
    fill(tableId, [], "Dịch vụ chưa báo số liệu này / Not reported by the service");
    return;
  }
  const entries = Object.entries(byUnit).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const max = Math.max(1, ...entries.map(([, v]) => v));
  fill(
    tableId,
    entries.map(([unit, v]) => {
      const bar = document.createElement("div");
      bar.className = hot && v > 0 ? "bar hot" : "bar";
      bar.style.width = `${(v / max) * 12}rem`;
      const td = document.createElement("td");
      td.append(bar);
      return row([cell(unit), cell(fmt.count(v), { num: true, className: hot && v > 0 ? "nonzero" : "" }), td], { "data-unit": unit });
    }),
    "–",
  );
}

const chartBoxes = new Map();

function chartBox(key) {
  let box = chartBoxes.get(key);
  if (!box) {
    box = document.createElement("div");
    box.dataset.chart = key;
    $("charts").append(box);
    chartBoxes.set(key, box);
  }
  return box;
}

function renderCharts(o) {
  const s = o.series;
  const perService = (key) => o.services.map((svc) => ({ name: svc.name, values: s.services[svc.name]?.[key] ?? [] }));
  lineChart(chartBox("requests"), {
    title: "Yêu cầu/giây / Requests per second",
    t: s.t,
    lines: perService("requestRate"),
    format: fmt.rate,
  });
  lineChart(chartBox("errors"), { title: "Tỷ lệ lỗi / Error ratio", t: s.t, lines: perService("errorRatio"), format: fmt.percent });
  lineChart(chartBox("p99"), { title: "Độ trễ p99 / p99 latency", t: s.t, lines: perService("p99Seconds"), format: fmt.seconds });
  lineChart(chartBox("events"), {
    title: "Sự kiện mỗi phút / Events per minute",
    t: s.t,
    lines: [
      { name: "phát / published", values: s.publishedPerMinute },
      { name: "nhận / consumed", values: s.consumedPerMinute },
    ],
    format: fmt.rate,
  });
  lineChart(chartBox("queues"), {
    title: "Outbox và hàng đợi / Outbox and consumer pending",
    t: s.t,
    lines: [
      { name: "outbox", values: s.outboxBacklog },
      { name: "pending", values: s.consumerPending },
    ],
    format: fmt.count,
  });
  lineChart(chartBox("dead-letters"), {
    title: "Thư chết / Dead letters",
    t: s.t,
    lines: [{ name: "tổng / total", values: s.deadLetters, color: "#c62828" }],
    format: fmt.count,
  });
  lineChart(chartBox("domain"), {
    title: "Quá hạn và chờ xử lý / Overdue and awaiting",
    t: s.t,
    lines: [
      { name: "nhiệm vụ quá hạn / overdue tasks", values: s.overdueTasks },
      { name: "văn bản chờ / documents awaiting", values: s.documentsAwaiting },
    ],
    format: fmt.count,
  });
}

// ------------------------------------------------------------------ dead letters

let deadLetterKey = "";

async function renderDeadLetters(o) {
  $("dead-letter-total").textContent = String(o.deadLetters.total);
  $("dead-letter-total").dataset.count = String(o.deadLetters.total);
  // The list is fetched only when the counts change (or a replay/discard happened).
  const key = JSON.stringify(o.deadLetters.byService);
  if (key === deadLetterKey) return;
  const list = o.deadLetters.total > 0 ? (await api("GET", "/v1/ops/dead-letters?pageSize=100")).deadLetters : [];
  deadLetterKey = key;
  fill(
    "dead-letters",
    list.map((d) => {
      const actions = document.createElement("td");
      const replay = document.createElement("button");
      replay.type = "button";
      replay.className = "replay";
      replay.textContent = "Xử lý lại / Replay";
      replay.addEventListener("click", () => act(replay, "replay", d));
      const discard = document.createElement("button");
      discard.type = "button";
      discard.className = "discard";
      discard.textContent = "Hủy / Discard";
      discard.addEventListener("click", () => act(discard, "discard", d));
      actions.append(replay, " ", discard);
      return row(
        [
          cell(d.service),
          cell(d.consumer),
          cell(d.eventType || d.subject),
          cell(d.error, {
            className: "error-text",
            title: d.attempts.map((a) => `${a.at} ${a.replay ? `replay by ${a.by}` : "delivery"}: ${a.error}`).join("\n"),
          }),
          cell(String(d.attempts.length), { num: true, className: "attempts" }),
          cell(fmt.time(d.failedAt)),
          actions,
        ],
        { "data-id": d.id, "data-service": d.service },
      );
    }),
    "Không có thư chết / No dead letters",
  );
}

async function act(button, action, d) {
  let body;
  if (action === "discard") {
    const reason = prompt("Lý do hủy / Why discard it?");
    if (!reason) return;
    body = { reason };
  }
  button.disabled = true;
  try {
    const res = await api("POST", `/v1/ops/dead-letters/${encodeURIComponent(d.service)}/${encodeURIComponent(d.id)}/${action}`, body);
    $("dl-message").textContent =
      action === "discard"
        ? `Đã hủy / Discarded ${d.id}`
        : res.replayed
          ? `Đã xử lý lại thành công / Replayed ${d.id}`
          : `Xử lý lại vẫn lỗi / Replay failed again (${d.id}): ${res.error}`;
    $("dl-message").dataset.outcome = action === "discard" ? "discarded" : res.replayed ? "replayed" : "failed";
  } catch (err) {
    $("dl-message").textContent = `Lỗi / Error: ${err.message}`;
    $("dl-message").dataset.outcome = "error";
  } finally {
    button.disabled = false;
    deadLetterKey = "";
    poll();
  }
}

// ------------------------------------------------------------------ polling

async function poll() {
  clearTimeout(timer);
  if (!token()) {
    askForToken("");
    return;
  }
  if (polling) return;
  polling = true;
  let next = 3000;
  try {
    const o = await api("GET", "/v1/ops/overview");
    next = Math.min(5000, Math.max(1000, o.scrapeIntervalMs));
    $("dashboard").hidden = false;
    renderServices(o);
    renderCharts(o);
    renderEvents(o);
    renderQueues(o);
    renderUnits("overdue", o.domain.overdueTasksByUnit, true);
    renderUnits("awaiting", o.domain.documentsAwaitingByUnit, false);
    await renderDeadLetters(o);
    const healthy = o.services.filter((s) => s.up && s.ready).length;
    setStatus("ok", `${healthy}/${o.services.length} dịch vụ hoạt động / services healthy`);
    $("updated").textContent = `· ${fmt.time(o.at)}`;
  } catch (err) {
    if (err.auth) {
      polling = false;
      askForToken(err.auth);
      return;
    }
    setStatus("error", `Không đọc được số liệu / Cannot read the figures: ${err.message}`);
  } finally {
    polling = false;
  }
  timer = setTimeout(poll, next);
}

poll();
