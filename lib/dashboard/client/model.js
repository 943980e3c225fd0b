// The dashboard's view of a session, folded from its journal events one at a time (pure, no DOM).
// The browser runs it on the events of the SSE stream; tests import it to compare the page with the
// journal. The server serves it to the browser with `export` removed, inside app.js's scope.

/** A fresh, empty view. */
export function newModel() {
  return {
    run: null, // the run_start event
    threshold: 0.55,
    resetAbove: 0.65,
    limits: {},
    candles: { t: [], o: [], h: [], l: [], c: [] },
    equity: { t: [], v: [], dd: [], balance: [] },
    peak: -Infinity,
    chs: { t: [], v: [] },
    breaker: [], // { t, state, chs }
    entries: [], // { t, price, side, lots, cid }
    exits: [], // { t, price, side, pnl, reason, return_pct, entry_time }
    stops: { t: [], sl: [], tp: [] }, // SL/TP of the open position at each bar close (null when flat)
    positions: [], // the last mark's open positions
    lastMark: null,
    orders: new Map(), // cid -> { cid, kind, state, retcode, at }
    log: [], // newest last: { ts, t, kind, text, level }
    counts: {
      events: 0,
      orders: 0,
      fills: 0,
      validator_rejections: 0,
      broker_rejections: 0,
      runner_rejections: 0,
      adjustments: 0,
      breaker_trips: 0,
      breaker_resets: 0,
      entries_blocked: 0,
      limit_events: 0,
      controls: 0,
      disconnects: 0,
    },
    entryCount: 0,
    dayKey: -1,
    dayStartEquity: NaN,
    prevEquity: NaN,
    dailyLossMax: 0,
    entriesHalted: false,
    breakerTripped: false,
    halt: null,
    end: null,
    summary: null,
    firstTs: null,
    lastTs: null,
  };
}

const LOG_MAX = 400;
// A journalled request keeps MT5's market order type (the wire's ORDER_TYPE_BUY 0 / ORDER_TYPE_SELL 1,
// lib/market/mt5_constants.ts); this page runs in the browser, so it names them here.
const ORDER_TYPE_NAMES = ["buy", "sell"];
const DAY_MS = 86_400_000;

function num(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function fmt(v, d = 5) {
  const x = num(v);
  return x === null ? "–" : String(+x.toFixed(d));
}

function pushLog(m, e, kind, text, level = "info") {
  // Records without a bar time of their own (orders, results) sit at the last bar drawn.
  const t = e.bar_time ?? e.time ?? e.exit_time ?? m.lastMark?.bar_time ?? null;
  m.log.push({ ts: e.ts, t, kind, text, level });
  if (m.log.length > LOG_MAX) m.log.splice(0, m.log.length - LOG_MAX);
}

/** Fold one journal event into the model (returns the model). */
export function applyEvent(m, e) {
  if (!e || typeof e !== "object") return m;
  m.counts.events++;
  if (typeof e.ts === "string") {
    if (!m.firstTs) m.firstTs = e.ts;
    m.lastTs = e.ts;
  }
  switch (e.type) {
    case "run_start": {
      m.run = e;
      if (num(e.chs_threshold) !== null) {
        m.threshold = e.chs_threshold;
        m.resetAbove = e.chs_threshold + 0.1;
      }
      m.limits = e.limits ?? {};
      pushLog(m, e, "start", `${e.mode} ${e.symbol} ${e.timeframe} ${e.strategy}`);
      break;
    }
    case "mark": {
      const t = e.bar_time;
      m.candles.t.push(t);
      m.candles.o.push(e.open);
      m.candles.h.push(e.high);
      m.candles.l.push(e.low);
      m.candles.c.push(e.close);
      const eq = num(e.equity);
      m.equity.t.push(t);
      m.equity.v.push(eq);
      m.equity.balance.push(num(e.balance));
      if (eq !== null && eq > m.peak) m.peak = eq;
      m.equity.dd.push(eq !== null && m.peak > 0 ? (eq / m.peak - 1) * 100 : null);
      const pos = Array.isArray(e.positions) ? e.positions : [];
      m.positions = pos;
      m.stops.t.push(t);
      m.stops.sl.push(pos.length && num(pos[0].sl) !== null ? pos[0].sl : null);
      m.stops.tp.push(pos.length && num(pos[0].tp) !== null ? pos[0].tp : null);
      m.lastMark = e;
      // The runner's daily-loss rule: the day starts at the previous bar's equity.
      const key = Math.floor(Date.parse(t) / DAY_MS);
      if (key !== m.dayKey) {
        m.dayKey = key;
        m.dayStartEquity = Number.isFinite(m.prevEquity) ? m.prevEquity : (eq ?? NaN);
      }
      if (eq !== null) {
        m.prevEquity = eq;
        const loss = m.dayStartEquity - eq;
        if (loss > m.dailyLossMax) m.dailyLossMax = loss;
      }
      break;
    }
    case "chs": {
      if (num(e.value) !== null) {
        m.chs.t.push(e.bar_time ?? e.ts);
        m.chs.v.push(e.value);
      }
      break;
    }
    case "breaker": {
      m.breaker.push({ t: e.bar_time ?? e.ts, state: e.state, chs: num(e.chs) });
      if (num(e.threshold) !== null) m.threshold = e.threshold;
      if (num(e.reset_above) !== null) m.resetAbove = e.reset_above;
      if (e.state === "tripped") {
        m.counts.breaker_trips++;
        m.breakerTripped = true;
      } else {
        m.counts.breaker_resets++;
        m.breakerTripped = false;
      }
      pushLog(
        m,
        e,
        "breaker",
        e.state === "tripped"
          ? `circuit breaker TRIPPED: CHS ${fmt(e.chs, 3)} < ${fmt(m.threshold, 2)}`
          : `circuit breaker reset: CHS ${fmt(e.chs, 3)} > ${fmt(m.resetAbove, 2)}`,
        e.state === "tripped" ? "bad" : "good",
      );
      break;
    }
    case "order_pending": {
      if (!m.orders.has(e.cid)) m.counts.orders++;
      m.orders.set(e.cid, { cid: e.cid, kind: e.kind, state: "pending", retcode: null, at: e.ts });
      const r = e.request ?? {};
      const what = e.kind === "entry"
        ? `${ORDER_TYPE_NAMES[r.type] ?? "order"} ${fmt(r.volume, 2)} lots` +
          (num(r.sl) !== null ? ` SL ${fmt(r.sl)}` : "") + (num(r.tp) !== null ? ` TP ${fmt(r.tp)}` : "")
        : e.kind === "modify"
        ? `modify SL ${fmt(r.sl)} TP ${fmt(r.tp)}`
        : `close ${fmt(r.volume, 2)} lots`;
      pushLog(m, e, "order", `${e.resend ? "resend " : ""}${e.cid} ${what}`);
      break;
    }
    case "order_result":
    case "reconcile": {
      const o = m.orders.get(e.cid);
      if (o && !(e.type === "reconcile" && e.state === "not_found")) {
        o.state = e.ok ? "done" : "rejected";
        o.retcode = num(e.result?.retcode);
      }
      pushLog(
        m,
        e,
        "result",
        `${e.cid} ${e.type === "reconcile" ? `reconciled: ${e.state}` : e.ok ? "done" : "refused"}` +
          (num(e.result?.retcode) !== null ? ` (retcode ${e.result.retcode})` : ""),
        e.ok ? "info" : "bad",
      );
      break;
    }
    case "order_unknown": {
      const o = m.orders.get(e.cid);
      if (o) o.state = "unknown";
      pushLog(m, e, "unknown", `${e.cid} outcome unknown: ${e.why ?? ""}`, "bad");
      break;
    }
    case "fill": {
      m.counts.fills++;
      if (e.what === "entry") {
        m.entryCount++;
        m.entries.push({ t: e.time, price: e.price, side: e.side, lots: e.lots, cid: e.cid });
        pushLog(
          m,
          e,
          "fill",
          `entry ${e.side > 0 ? "long" : "short"} ${fmt(e.lots, 2)} lots @ ${fmt(e.price)}`,
        );
      } else {
        m.exits.push({
          t: e.exit_time,
          price: e.exit_price,
          side: e.side,
          pnl: num(e.pnl),
          reason: e.reason,
          return_pct: num(e.return_pct),
          entry_time: e.entry_time ?? null,
          entry_price: num(e.entry_price),
        });
        pushLog(
          m,
          e,
          "fill",
          `exit ${e.side} (${e.reason}) @ ${fmt(e.exit_price)}, P&L ${fmt(e.pnl, 2)}`,
          num(e.pnl) !== null && e.pnl < 0 ? "bad" : "good",
        );
      }
      break;
    }
    case "rejection": {
      const by = String(e.by ?? "");
      if (by === "validator") m.counts.validator_rejections++;
      else if (by === "broker") m.counts.broker_rejections++;
      else m.counts.runner_rejections++;
      pushLog(
        m,
        e,
        "rejection",
        `${e.kind ?? ""} refused by the ${by}: ${e.retcode ?? ""} ${e.message ?? ""}`,
        "bad",
      );
      break;
    }
    case "adjustment": {
      m.counts.adjustments++;
      pushLog(
        m,
        e,
        "adjustment",
        `adjusted ${e.field}: ${e.from ?? "none"} → ${e.to} (${e.reason ?? ""})`,
        "warn",
      );
      break;
    }
    case "limit": {
      if (e.what === "entry_blocked") m.counts.entries_blocked++;
      else m.counts.limit_events++;
      if (e.what !== "entry_blocked") pushLog(m, e, "limit", `limit: ${e.what}`, "warn");
      break;
    }
    case "control": {
      m.counts.controls++;
      if (e.action === "halt_entries" && !e.error) m.entriesHalted = true;
      pushLog(
        m,
        e,
        "control",
        e.error ? `control request ignored: ${e.error}` : `control: ${e.action} (${e.source})`,
        "warn",
      );
      break;
    }
    case "session": {
      if (e.event === "bridge_session_down") m.counts.disconnects++;
      pushLog(m, e, "session", String(e.event ?? "session").replace(/_/g, " "), "warn");
      break;
    }
    case "halt": {
      m.halt = e;
      pushLog(m, e, "halt", `halted (${e.reason}): ${e.message ?? ""}`, "bad");
      break;
    }
    case "run_end": {
      m.end = e;
      pushLog(m, e, "end", `run ended: ${e.status}, ${e.trades} trades`);
      break;
    }
  }
  return m;
}

/** Fold a list of events. */
export function foldEvents(events) {
  const m = newModel();
  for (const e of events) applyEvent(m, e);
  return m;
}

/** `running`, `completed` or `halted` (from run_end, else halt, else running). */
export function sessionStatus(m) {
  if (m.summary) return m.summary.status;
  if (m.end) return m.end.status;
  return m.halt ? "halting" : "running";
}

function omega(rets) {
  let up = 0, down = 0;
  for (const r of rets) {
    if (r > 0) up += r;
    else if (r < 0) down -= r;
  }
  return down > 0 ? up / down : up > 0 ? Infinity : null;
}

/**
 * Readiness rows against the promotion targets (`targets`: [{ name, target }] from the server).
 * Once the summary is there its own readiness is shown; before, what the journal allows: CHS,
 * Omega over the exits' return_pct, validator rejections and breaker events per closed trade
 * (energy captured needs the summary).
 */
export function readinessRows(m, targets) {
  if (m.summary && m.summary.readiness) {
    return {
      final: true,
      ready: m.summary.readiness.ready,
      next: m.summary.readiness.next_stage,
      rows: m.summary.readiness.checks.map((c) => ({ ...c })),
    };
  }
  const closed = m.exits.length;
  const chsLast = m.chs.v.length ? m.chs.v[m.chs.v.length - 1] : null;
  const om = omega(m.exits.map((x) => x.return_pct).filter((x) => x !== null));
  const rate = closed > 0 ? (m.counts.breaker_trips / closed) * 100 : (m.counts.breaker_trips ? 100 : 0);
  const values = {
    chs: chsLast,
    omega: om,
    energy_captured_pct: null,
    validator_rejections: m.counts.validator_rejections,
    breaker_events_pct: rate,
  };
  const rows = (targets ?? []).map((t) => {
    const v = values[t.name] ?? null;
    const pass = v === null ? null : passes(v, t.target);
    return { name: t.name, target: t.target, value: v === Infinity ? null : v, pass };
  });
  const next = m.run ? (m.run.mode === "virtual" ? "demo" : m.run.mode === "demo" ? "live" : null) : null;
  return { final: false, ready: null, next, rows };
}

function passes(v, target) {
  const mt = /^\s*([<>=])\s*(-?[\d.]+)/.exec(target);
  if (!mt) return null;
  const x = Number(mt[2]);
  return mt[1] === ">" ? v > x : mt[1] === "<" ? v < x : v === x;
}

/** Limits used: [{ name, used, max, unit }] (max null = no limit set). */
export function limitsRows(m, nowMs) {
  const L = m.limits ?? {};
  const start = m.run ? Date.parse(m.run.ts) : NaN;
  const endMs = m.end ? Date.parse(m.end.ts) : nowMs;
  const minutes = Number.isFinite(start) ? Math.max(0, (endMs - start) / 60_000) : 0;
  const lots = m.lastMark ? Math.abs(num(m.lastMark.lots) ?? 0) : 0;
  return [
    { name: "trades", used: m.entryCount, max: num(L.max_trades), unit: "" },
    { name: "duration", used: minutes, max: num(L.duration_min), unit: "min" },
    { name: "daily loss", used: m.dailyLossMax, max: num(L.max_daily_loss), unit: "" },
    { name: "position", used: lots, max: num(L.max_position_lots), unit: "lots" },
  ];
}

/** Cards: equity, balance, floating, drawdown, CHS, closed trades, P&L. */
export function headline(m) {
  const mk = m.lastMark;
  const eq = mk ? num(mk.equity) : null;
  const bal = mk ? num(mk.balance) : null;
  const floating = (m.positions ?? []).reduce((a, p) => a + (num(p.pnl) ?? 0), 0);
  const dd = m.equity.dd.length ? m.equity.dd[m.equity.dd.length - 1] : null;
  const maxDd = m.equity.dd.reduce((a, x) => (x !== null && x < a ? x : a), 0);
  const pnl = m.exits.reduce((a, x) => a + (x.pnl ?? 0), 0);
  return {
    equity: eq,
    balance: bal,
    floating,
    drawdown_pct: dd,
    max_drawdown_pct: maxDd,
    chs: m.chs.v.length ? m.chs.v[m.chs.v.length - 1] : null,
    closed_trades: m.exits.length,
    realised_pnl: pnl,
    bars: m.candles.t.length,
  };
}
