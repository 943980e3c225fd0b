// The dashboard page (runs in the browser, after model.js in the same scope; see server.ts). It
// reads the token from the page's own address, opens /events?token=…&run=… and folds every journal
// event into the model, redrawing at most a few times per second. Nothing here talks to any host
// other than the dashboard's own.
/* global Plotly, newModel, applyEvent, sessionStatus, readinessRows, limitsRows, headline */

const params = new URLSearchParams(location.search);
const TOKEN = params.get("token") ?? "";
const q = (extra = {}) => "?" + new URLSearchParams({ token: TOKEN, ...extra }).toString();
const $ = (id) => document.getElementById(id);
const C = {
  up: "#26a69a",
  down: "#ef5350",
  win: "#2e7d32",
  loss: "#c62828",
  long: "#1565c0",
  short: "#ef6c00",
  equity: "#1f77b4",
  drawdown: "#d62728",
  threshold: "#ff9800",
  grid: "#e5e8ec",
  text: "#263238",
};
const CONFIRM = { halt_entries: "HALT", close_all_stop: "CLOSE ALL" };

const model = newModel();
let targets = [];
let run = params.get("run");
let controlsAllowed = false;
let pending = [];
let timer = 0;
let rendered = false;
let source = null;

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

function n(v, d = 2) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: Math.min(d, 2) });
}

function shortTime(iso) {
  if (!iso) return "";
  return String(iso).replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, "");
}

function layout(extra) {
  return {
    font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12, color: C.text },
    paper_bgcolor: "#fff",
    plot_bgcolor: "#fff",
    margin: { l: 60, r: 16, t: 34, b: 34 },
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", bgcolor: "rgba(0,0,0,0)" },
    hovermode: "x",
    uirevision: run ?? "none",
    // The model's arrays grow in place: a new revision makes Plotly.react redraw and re-range them.
    datarevision: model.counts.events,
    ...extra,
  };
}

function ax(extra = {}) {
  return { gridcolor: C.grid, zeroline: false, linecolor: "#b0bec5", showline: true, ...extra };
}

const CONFIG = { responsive: true, displaylogo: false, showLink: false, modeBarButtonsToRemove: ["toImage"] };

function priceFigure(m) {
  const longs = m.entries.filter((e) => e.side > 0), shorts = m.entries.filter((e) => e.side < 0);
  const exitText = m.exits.map((x) =>
    `exit ${x.side} (${x.reason})<br>${x.price}<br>P&L ${n(x.pnl)}${
      x.return_pct !== null ? ` (${n(x.return_pct)} %)` : ""
    }`
  );
  return {
    data: [
      {
        type: "candlestick",
        name: "price",
        x: m.candles.t,
        open: m.candles.o,
        high: m.candles.h,
        low: m.candles.l,
        close: m.candles.c,
        increasing: { line: { color: C.up, width: 1 }, fillcolor: C.up },
        decreasing: { line: { color: C.down, width: 1 }, fillcolor: C.down },
        showlegend: false,
        hoverinfo: "x+y",
      },
      {
        type: "scatter",
        mode: "lines",
        name: "SL",
        x: m.stops.t,
        y: m.stops.sl,
        line: { color: C.loss, width: 2, dash: "dash", shape: "hv" },
        opacity: 0.8,
        connectgaps: false,
        hoverinfo: "skip",
      },
      {
        type: "scatter",
        mode: "lines",
        name: "TP",
        x: m.stops.t,
        y: m.stops.tp,
        line: { color: C.win, width: 2, dash: "dash", shape: "hv" },
        opacity: 0.8,
        connectgaps: false,
        hoverinfo: "skip",
      },
      {
        type: "scatter",
        mode: "markers",
        name: "long entry",
        x: longs.map((e) => e.t),
        y: longs.map((e) => e.price),
        marker: { symbol: "triangle-up", size: 11, color: C.long, line: { color: "#fff", width: 1 } },
        text: longs.map((e) => `long entry ${n(e.lots)} lots @ ${e.price}`),
        hoverinfo: "text+x",
      },
      {
        type: "scatter",
        mode: "markers",
        name: "short entry",
        x: shorts.map((e) => e.t),
        y: shorts.map((e) => e.price),
        marker: { symbol: "triangle-down", size: 11, color: C.short, line: { color: "#fff", width: 1 } },
        text: shorts.map((e) => `short entry ${n(e.lots)} lots @ ${e.price}`),
        hoverinfo: "text+x",
      },
      {
        type: "scatter",
        mode: "markers",
        name: "exit",
        x: m.exits.map((x) => x.t),
        y: m.exits.map((x) => x.price),
        marker: {
          symbol: "x-thin-open",
          size: 10,
          line: { width: 2.5, color: m.exits.map((x) => ((x.pnl ?? 0) >= 0 ? C.win : C.loss)) },
        },
        text: exitText,
        hoverinfo: "text+x",
      },
    ],
    layout: layout({
      xaxis: ax({ rangeslider: { visible: false }, type: "date" }),
      yaxis: ax({ title: { text: m.run?.symbol ?? "price" }, automargin: true }),
      margin: { l: 64, r: 16, t: 30, b: 30 },
    }),
  };
}

function equityFigure(m) {
  return {
    data: [
      {
        type: "scatter",
        mode: "lines",
        name: "equity",
        x: m.equity.t,
        y: m.equity.v,
        line: { color: C.equity, width: 1.6 },
      },
      {
        type: "scatter",
        mode: "lines",
        name: "balance",
        x: m.equity.t,
        y: m.equity.balance,
        line: { color: "#90a4ae", width: 1, dash: "dot", shape: "hv" },
      },
      {
        type: "scatter",
        mode: "lines",
        name: "drawdown %",
        x: m.equity.t,
        y: m.equity.dd,
        yaxis: "y2",
        fill: "tozeroy",
        line: { color: C.drawdown, width: 1 },
        fillcolor: "rgba(214,39,40,0.18)",
      },
    ],
    layout: layout({
      xaxis: ax({ type: "date", anchor: "y2" }),
      yaxis: ax({ domain: [0.36, 1], title: { text: "equity" } }),
      yaxis2: ax({ domain: [0, 0.28], title: { text: "DD %" }, rangemode: "nonpositive" }),
    }),
  };
}

function chsFigure(m) {
  const trips = m.breaker.filter((b) => b.state === "tripped");
  const resets = m.breaker.filter((b) => b.state !== "tripped");
  const lastT = m.chs.t.length ? m.chs.t[m.chs.t.length - 1] : m.equity.t[m.equity.t.length - 1];
  const shapes = [];
  // A shaded span for every stretch the breaker was tripped.
  let from = null;
  for (const b of m.breaker) {
    if (b.state === "tripped") from = b.t;
    else if (from) {
      shapes.push(span(from, b.t));
      from = null;
    }
  }
  if (from && lastT) shapes.push(span(from, lastT));
  const line = (y, dash, color) => ({
    type: "line",
    xref: "paper",
    x0: 0,
    x1: 1,
    y0: y,
    y1: y,
    line: { color, width: 1.4, dash },
  });
  shapes.push(line(m.threshold, "dash", C.threshold), line(m.resetAbove, "dot", "#8d6e63"));
  const span0 = m.candles.t[0], span1 = m.candles.t[m.candles.t.length - 1];
  return {
    data: [
      {
        // Invisible: keeps the time axis on the bars' span, as on the price and equity charts.
        type: "scatter",
        mode: "lines",
        name: "span",
        x: span0 ? [span0, span1] : [],
        y: span0 ? [0, 0] : [],
        line: { width: 0 },
        showlegend: false,
        hoverinfo: "skip",
      },
      {
        type: "scatter",
        mode: "lines",
        name: "CHS",
        x: m.chs.t,
        y: m.chs.v,
        line: { color: "#5e35b1", width: 1.8, shape: "hv" },
      },
      {
        type: "scatter",
        mode: "markers",
        name: "breaker tripped",
        x: trips.map((b) => b.t),
        y: trips.map((b) => b.chs),
        marker: { symbol: "triangle-down", size: 13, color: C.loss, line: { color: "#fff", width: 1 } },
        text: trips.map((b) => `breaker tripped at CHS ${n(b.chs, 3)}`),
        hoverinfo: "text+x",
      },
      {
        type: "scatter",
        mode: "markers",
        name: "breaker reset",
        x: resets.map((b) => b.t),
        y: resets.map((b) => b.chs),
        marker: { symbol: "triangle-up", size: 13, color: C.win, line: { color: "#fff", width: 1 } },
        text: resets.map((b) => `breaker reset at CHS ${n(b.chs, 3)}`),
        hoverinfo: "text+x",
      },
    ],
    layout: layout({
      xaxis: ax({ type: "date" }),
      yaxis: ax({ range: [0, 1.02], title: { text: "CHS" } }),
      shapes,
      annotations: [{
        xref: "paper",
        x: 0.005,
        xanchor: "left",
        y: m.threshold,
        yanchor: "top",
        text: `breaker threshold ${m.threshold}`,
        showarrow: false,
        font: { size: 11, color: C.threshold },
      }],
    }),
  };
}

function span(x0, x1) {
  return {
    type: "rect",
    xref: "x",
    yref: "paper",
    x0,
    x1,
    y0: 0,
    y1: 1,
    fillcolor: "rgba(198,40,40,0.10)",
    line: { width: 0 },
    layer: "below",
  };
}

function card(label, value, cls = "") {
  return el(
    "div",
    { class: "k-card" },
    el("div", { class: "k-card-label" }, label),
    el("div", { class: "k-card-value " + cls }, value),
  );
}

function signCls(v) {
  return v === null || v === undefined || v === 0 ? "" : v > 0 ? "k-pos" : "k-neg";
}

function renderCards(m) {
  const h = headline(m);
  const cur = m.run ? "" : "";
  $("k-cards").replaceChildren(
    card("equity", n(h.equity) + cur),
    card("balance", n(h.balance)),
    card("floating P&L", n(h.floating), signCls(h.floating)),
    card("realised P&L", n(h.realised_pnl), signCls(h.realised_pnl)),
    card("drawdown", `${n(h.drawdown_pct)} %`, h.drawdown_pct < 0 ? "k-neg" : ""),
    card("max drawdown", `${n(h.max_drawdown_pct)} %`, h.max_drawdown_pct < 0 ? "k-neg" : ""),
    card(
      "CHS",
      h.chs === null ? "–" : n(h.chs, 3),
      h.chs === null ? "" : h.chs < m.threshold ? "k-neg" : "k-pos",
    ),
    card("breaker", m.breakerTripped ? "TRIPPED" : "armed", m.breakerTripped ? "k-neg" : "k-pos"),
    card("closed trades", String(h.closed_trades)),
    card("bars", String(h.bars)),
  );
}

function table(id, head, rows, empty) {
  const t = $(id);
  const thead = el("thead", {}, el("tr", {}, ...head.map((x) => el("th", {}, x))));
  const tbody = el("tbody");
  for (const r of rows) {
    const tr = el("tr", r.cls ? { class: r.cls } : {});
    for (const c of r.cells) tr.append(c instanceof Node ? el("td", {}, c) : el("td", {}, c));
    tbody.append(tr);
  }
  if (!rows.length) {
    tbody.append(el("tr", { class: "k-empty" }, el("td", { colspan: String(head.length) }, empty)));
  }
  t.replaceChildren(thead, tbody);
}

function renderPositions(m) {
  table(
    "k-positions",
    ["side", "lots", "entry time", "entry", "SL", "TP", "floating P&L"],
    (m.positions ?? []).map((p) => ({
      cells: [
        p.side,
        n(p.size),
        shortTime(p.entry_time),
        String(p.entry_price),
        p.sl === null ? "–" : String(p.sl),
        p.tp === null ? "–" : String(p.tp),
        el("span", { class: signCls(p.pnl) }, n(p.pnl)),
      ],
    })),
    "flat: no open position",
  );
}

function renderReadiness(m) {
  const r = readinessRows(m, targets);
  const verdict = r.final
    ? (r.ready ? `READY for ${r.next}` : `not ready for ${r.next ?? "the next stage"}`)
    : `so far (final verdict in the summary at the end)`;
  $("k-readiness-verdict").textContent = verdict;
  $("k-readiness-verdict").className = "k-verdict " + (r.final ? (r.ready ? "k-pos" : "k-neg") : "");
  table(
    "k-readiness",
    ["criterion", "target", "value", ""],
    r.rows.map((c) => ({
      cells: [
        c.name.replace(/_/g, " "),
        c.target,
        c.value === null ? "n/a" : n(c.value, 3),
        el(
          "span",
          { class: c.pass === null ? "" : c.pass ? "k-pos" : "k-neg" },
          c.pass === null ? "…" : c.pass ? "✔" : "✘",
        ),
      ],
    })),
    "waiting for the session",
  );
}

function renderLimits(m) {
  const box = $("k-limits");
  box.replaceChildren(
    ...limitsRows(m, Date.now()).map((l) => {
      const frac = l.max ? Math.min(1, l.used / l.max) : 0;
      const bar = el(
        "div",
        { class: "k-bar" },
        el("div", { class: "k-bar-fill" + (frac >= 1 ? " k-full" : "") }),
      );
      bar.firstChild.style.width = `${(frac * 100).toFixed(1)}%`;
      return el(
        "div",
        { class: "k-limit" },
        el("span", { class: "k-limit-name" }, l.name),
        bar,
        el(
          "span",
          { class: "k-limit-val" },
          `${n(l.used, l.name === "trades" ? 0 : 2)}${l.unit ? " " + l.unit : ""} / ${
            l.max === null ? "no limit" : n(l.max, 2)
          }`,
        ),
      );
    }),
    el(
      "div",
      { class: "k-note" },
      `entries blocked: ${m.counts.entries_blocked}` +
        (m.entriesHalted ? " · new entries halted from the dashboard" : ""),
    ),
  );
}

function renderLog(m) {
  const c = m.counts;
  $("k-counts").replaceChildren(
    ...[
      ["orders", c.orders],
      ["fills", c.fills],
      ["validator rejections", c.validator_rejections],
      ["broker rejections", c.broker_rejections],
      ["auto-adjustments", c.adjustments],
      ["breaker trips", c.breaker_trips],
      ["breaker resets", c.breaker_resets],
      ["disconnects", c.disconnects],
    ].map(([k, v]) =>
      el(
        "span",
        { class: "k-chip" + (v && /reject|trips|disconn/.test(k) ? " k-chip-bad" : "") },
        `${k} ${v}`,
      )
    ),
  );
  const rows = m.log.slice(-200).reverse().map((r) => ({
    cls: "k-lv-" + r.level,
    cells: [shortTime(r.t ?? r.ts), r.kind, r.text],
  }));
  table("k-log", ["bar time", "event", "what"], rows, "nothing journalled yet");
}

function renderHeader(m) {
  const st = sessionStatus(m);
  const s = $("k-status");
  s.textContent = st;
  s.className = "k-badge k-st-" + st;
  const r = m.run;
  $("k-meta").textContent = r
    ? `${r.mode} · ${r.symbol} ${r.timeframe} · ${r.strategy} · started ${shortTime(r.ts)} UTC`
    : "waiting for the session to start…";
  $("k-updated").textContent = m.lastTs ? `last event ${shortTime(m.lastTs)} UTC` : "";
  const live = controlsAllowed && st === "running";
  for (const b of document.querySelectorAll("[data-action]")) b.disabled = !live;
  $("k-controls-note").textContent = live
    ? "Controls act on the running session through its control file; the runner journals them."
    : "Controls are available only while the session runs.";
  const ended = m.end
    ? `ended ${shortTime(m.end.ts)} UTC: ${m.end.status}${m.halt ? ` (${m.halt.reason})` : ""}`
    : "";
  $("k-ended").textContent = ended;
}

function render() {
  timer = 0;
  const batch = pending;
  pending = [];
  for (const e of batch) applyEvent(model, e);
  const m = model;
  renderHeader(m);
  renderCards(m);
  renderPositions(m);
  renderReadiness(m);
  renderLimits(m);
  renderLog(m);
  const figs = [["k-price", priceFigure(m)], ["k-equity", equityFigure(m)], ["k-chs", chsFigure(m)]];
  Promise.all(figs.map(([id, f]) => Plotly.react($(id), f.data, f.layout, CONFIG))).then(() => {
    const b = document.body;
    b.dataset.events = String(m.counts.events);
    b.dataset.equityPoints = String(m.equity.t.length);
    b.dataset.chsPoints = String(m.chs.t.length);
    b.dataset.markers = String(m.entries.length + m.exits.length);
    b.dataset.breakerEvents = String(m.breaker.length);
    b.dataset.status = sessionStatus(m);
    b.dataset.summary = m.summary ? "1" : "0";
    if (!rendered) {
      rendered = true;
      b.dataset.rendered = "1";
    }
  }, (e) => document.body.setAttribute("data-render-error", String(e && e.message || e)));
}

function schedule() {
  if (!timer) timer = setTimeout(render, rendered ? 400 : 50);
}

function connect() {
  if (!run) return;
  source = new EventSource("/events" + q({ run }));
  source.addEventListener("hello", (ev) => {
    const h = JSON.parse(ev.data);
    targets = h.targets ?? [];
    controlsAllowed = !!h.controls;
    schedule();
  });
  // One event per batch of journal lines (the server sends whole lines only).
  source.addEventListener("j", (ev) => {
    for (const line of ev.data.split("\n")) {
      if (!line.trim()) continue;
      try {
        pending.push(JSON.parse(line));
      } catch { /* not JSON: skipped, as readJournal counts it as a bad line */ }
    }
    schedule();
  });
  source.addEventListener("summary", (ev) => {
    model.summary = JSON.parse(ev.data);
    schedule();
  });
  source.addEventListener("end", () => {
    source.close();
    document.body.dataset.ended = "1";
    schedule();
    loadSessions().catch(() => {});
  });
}

async function loadSessions() {
  const r = await fetch("/api/sessions" + q());
  if (!r.ok) throw new Error(`sessions: HTTP ${r.status}`);
  const list = await r.json();
  const sel = $("k-run");
  sel.replaceChildren(
    ...list.map((s) => el("option", { value: s.run_id }, `${s.run_id} — ${s.status}`)),
  );
  if (!run && list.length) run = list[0].run_id;
  if (run) sel.value = run;
  return list;
}

async function start() {
  let list = await loadSessions();
  // A dashboard started with the session may open before the run folder exists: wait for it.
  while (!list.length) {
    $("k-meta").textContent = "waiting for a session to start…";
    await new Promise((r) => setTimeout(r, 700));
    list = await loadSessions();
  }
  $("k-run").addEventListener("change", () => {
    location.search = q({ run: $("k-run").value });
  });
  connect();
  schedule();
  // New sessions and status changes show up in the selector.
  setInterval(() => loadSessions().catch(() => {}), 10_000);
}

// ---- Controls: typed confirmation, then a POST with the token.
let asking = null;
for (const b of document.querySelectorAll("[data-action]")) {
  b.addEventListener("click", () => {
    asking = b.dataset.action;
    $("k-confirm-word").textContent = CONFIRM[asking];
    $("k-confirm-what").textContent = asking === "halt_entries"
      ? "Stop new entries for the rest of this session (open positions keep their stops)."
      : "Close every open position and stop the session.";
    $("k-confirm-input").value = "";
    $("k-confirm-msg").textContent = "";
    $("k-confirm").hidden = false;
    $("k-confirm-input").focus();
  });
}
$("k-confirm-cancel").addEventListener("click", () => {
  $("k-confirm").hidden = true;
  asking = null;
});
$("k-confirm-send").addEventListener("click", async () => {
  const confirm = $("k-confirm-input").value;
  // The server checks the word too; the page does not even send a wrong one.
  if (confirm.trim() !== CONFIRM[asking]) {
    $("k-confirm-msg").textContent = `not confirmed: type ${CONFIRM[asking]} to confirm`;
    $("k-confirm-msg").className = "k-neg";
    return;
  }
  const r = await fetch("/api/control" + q(), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ run, action: asking, confirm }),
  });
  const body = await r.json().catch(() => ({}));
  $("k-confirm-msg").textContent = r.ok
    ? "sent: the runner acts after the current bar"
    : (body.error ?? `HTTP ${r.status}`);
  $("k-confirm-msg").className = r.ok ? "k-pos" : "k-neg";
  if (r.ok) setTimeout(() => ($("k-confirm").hidden = true), 1200);
});

start().catch((e) => document.body.setAttribute("data-render-error", String(e && e.message || e)));
