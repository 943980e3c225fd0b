/**
 * CHS timeline of a live (or virtual) session from its journal (logs/live/<run>/journal.jsonl):
 * the composite health score against the circuit-breaker threshold and its reset level, breaker
 * trips and resets, and the order flow (orders, fills, rejections) underneath.
 *
 * @module
 */
import { baseLayout, COLORS, type Figure, type PlotTrace, toEpochMs } from "./figure.ts";
import { stackedPanels } from "./_panels.ts";
import { DEFAULT_CHS_THRESHOLD } from "../util/defaults.ts";

/** A journal record: one JSON object per line. Only a few fields are read; see {@link journalPoint}. */
export type JournalRecord = Record<string, unknown>;

/** Options of {@link chsTimelineFigure}. */
export interface ChsTimelineOptions {
  /** Figure title. */
  title?: string;
  /** Breaker threshold (default: the journal's `threshold`/`chs_threshold` field, else 0.55). */
  threshold?: number;
  /** Hysteresis: the breaker resets above threshold + this (default 0.10). */
  resetMargin?: number;
  /** Figure height in px. */
  height?: number;
}

/** What a journal record means for the chart. */
export interface JournalPoint {
  /**
   * Epoch ms on the market clock: the record's bar time (`bar_time`, `time`, `exit_time`), or, for
   * records without one (orders, limits), the bar time of the latest record before it; the
   * wall-clock `ts` only when the journal has no bar times at all.
   */
  time: number;
  /** What the record is on the chart. */
  kind: "chs" | "breaker_on" | "breaker_off" | "order" | "fill" | "close" | "reject" | "limit" | "other";
  /** CHS carried by the record, or null. */
  chs: number | null;
  /** Equity carried by the record, or null. */
  equity: number | null;
  /** Hover text. */
  label: string;
}

/** Parse JSON Lines text (blank lines skipped; a bad line throws with its line number). */
export function parseJsonLines(text: string): JournalRecord[] {
  const out: JournalRecord[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      throw new SyntaxError(`journal line ${i + 1} is not JSON: ${(e as Error).message}`);
    }
  });
  return out;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** The record's own market-clock time (epoch ms), NaN when it has none. */
function barClock(r: JournalRecord): number {
  const t = r.bar_time ?? r.time ?? r.exit_time ?? r.entry_time;
  return t === undefined || t === null ? NaN : toEpochMs(t);
}

/**
 * Classify one journal record (the lib/live journal: `type` is chs, breaker, order_pending,
 * order_result, fill, rejection, limit, halt, ...; other producers' `kind`/`event` also work).
 * `time` is the record's own bar time, else `fallbackTime`, else its wall-clock `ts`.
 */
export function journalPoint(r: JournalRecord, fallbackTime = NaN): JournalPoint {
  const type = String(r.type ?? r.kind ?? r.event ?? "").toLowerCase();
  const own = barClock(r);
  const time = Number.isFinite(own)
    ? own
    : Number.isFinite(fallbackTime)
    ? fallbackTime
    : toEpochMs(r.ts ?? r.timestamp ?? r.at ?? NaN);
  const chs = num(r.chs) ?? (type === "chs" ? num(r.value) : null);
  const equity = num(r.equity);
  const state = String(r.state ?? r.what ?? r.action ?? r.status ?? "").toLowerCase();
  let kind: JournalPoint["kind"] = "other";
  if (type.includes("breaker")) {
    const off = r.active === false || /reset|clear|resume|deactiv|closed/.test(`${type} ${state}`);
    kind = off ? "breaker_off" : "breaker_on";
  } else if (type.includes("reject") || r.ok === false || /reject|error|fail/.test(state)) kind = "reject";
  else if (type === "fill" || type === "deal") kind = /exit|close/.test(state) ? "close" : "fill";
  else if (type.includes("close") || type.includes("exit")) kind = "close";
  else if (type === "limit" || type === "halt") kind = "limit";
  else if (type === "order_pending" || type === "order" || type === "intent") kind = "order";
  else if (type === "chs" || (chs !== null && !type)) kind = "chs";
  const what = [
    type || "record",
    state,
    r.kind,
    r.by,
    r.reason,
    typeof r.side === "number" ? (r.side > 0 ? "long" : "short") : r.side,
    r.price ?? r.exit_price,
    r.pnl !== undefined && r.pnl !== null ? `pnl ${Number(r.pnl).toFixed(2)}` : undefined,
    r.retcode,
    r.message,
  ];
  const label = what.filter((x) => x !== undefined && x !== null && x !== "").join(" ");
  return { time, kind, chs, equity, label };
}

/**
 * Classify every record on the market clock. A record without a bar time of its own (an order is
 * journalled before its fill, a limit before the next bar) takes the bar time of the next record
 * that has one, else of the last one before it; only a journal without any bar time falls back to
 * the wall-clock `ts`.
 */
export function journalPoints(records: readonly JournalRecord[]): JournalPoint[] {
  const clocks = records.map(barClock);
  if (!clocks.some(Number.isFinite)) {
    return records.map((r) => journalPoint(r)).filter((p) => Number.isFinite(p.time));
  }
  const next = new Float64Array(records.length).fill(NaN);
  let ahead = NaN;
  for (let i = records.length - 1; i >= 0; i--) {
    if (Number.isFinite(clocks[i])) ahead = clocks[i];
    next[i] = ahead;
  }
  let behind = NaN;
  const out: JournalPoint[] = [];
  records.forEach((r, i) => {
    if (Number.isFinite(clocks[i])) behind = clocks[i];
    const p = journalPoint(r, Number.isFinite(next[i]) ? next[i] : behind);
    if (Number.isFinite(p.time)) out.push(p);
  });
  return out;
}

/**
 * CHS over time (top), equity when the journal carries it (middle), and order-flow events
 * (bottom strip). Breaker trips are red ▼ markers and shaded spans until the reset.
 *
 * @example
 * ```ts
 * const fig = chsTimelineFigure([
 *   { type: "chs", time: "2025-01-02T00:00:00Z", chs: 0.8 },
 *   { type: "chs", time: "2025-01-02T04:00:00Z", chs: 0.5 },
 * ]);
 * console.log(fig.data[0].name); // "CHS"
 * ```
 */
export function chsTimelineFigure(records: readonly JournalRecord[], opts: ChsTimelineOptions = {}): Figure {
  const points = journalPoints(records);
  points.sort((a, b) => a.time - b.time);
  const fromJournal = records.map((r) => num(r.threshold) ?? num(r.chs_threshold)).find((v) => v !== null);
  const threshold = opts.threshold ?? fromJournal ?? DEFAULT_CHS_THRESHOLD;
  const reset = threshold + (opts.resetMargin ?? 0.1);
  // Breaker records repeat the CHS that tripped them; the line takes CHS records only.
  const chsPts = points.filter((p) => p.chs !== null && p.kind !== "breaker_on" && p.kind !== "breaker_off");
  const eqPts = points.filter((p) => p.equity !== null);
  const hasEquity = eqPts.length > 1;
  const specs = [{ weight: 2, yaxis: { title: { text: "CHS" }, range: [0, 1.05] } }];
  if (hasEquity) specs.push({ weight: 1.2, yaxis: { title: { text: "equity" } } as never });
  specs.push({
    weight: 0.8,
    yaxis: {
      type: "category",
      categoryorder: "array",
      categoryarray: ["breaker", "reject", "limit", "close", "fill", "order"],
      showgrid: false,
    } as never,
  });
  const { refs, axes } = stackedPanels(specs);
  const ev = refs[refs.length - 1];
  const t0 = points.length ? points[0].time : 0;
  const t1 = points.length ? points[points.length - 1].time : 1;
  const data: PlotTrace[] = [
    {
      type: "scatter",
      mode: chsPts.length > 200 ? "lines" : "lines+markers",
      name: "CHS",
      x: chsPts.map((p) => p.time),
      y: chsPts.map((p) => p.chs),
      line: { color: COLORS.equity, width: 1.6, shape: "hv" },
      marker: { size: 4 },
      xaxis: refs[0].x,
      yaxis: refs[0].y,
    },
    {
      type: "scatter",
      mode: "lines",
      name: `breaker threshold ${threshold}`,
      x: [t0, t1],
      y: [threshold, threshold],
      line: { color: COLORS.loss, dash: "dash", width: 1.2 },
      hoverinfo: "skip",
      xaxis: refs[0].x,
      yaxis: refs[0].y,
    },
    {
      type: "scatter",
      mode: "lines",
      name: `reset level ${Math.round(reset * 100) / 100}`,
      x: [t0, t1],
      y: [reset, reset],
      line: { color: COLORS.threshold, dash: "dot", width: 1.2 },
      hoverinfo: "skip",
      xaxis: refs[0].x,
      yaxis: refs[0].y,
    },
  ];
  // Breaker spans: from each trip to the next reset (or the end).
  const shapes: Record<string, unknown>[] = [];
  let openAt: number | null = null;
  const trips: JournalPoint[] = [];
  for (const p of points) {
    if (p.kind === "breaker_on") {
      trips.push(p);
      if (openAt === null) openAt = p.time;
    } else if (p.kind === "breaker_off" && openAt !== null) {
      shapes.push(span(openAt, p.time, refs[0].x));
      openAt = null;
    }
  }
  if (openAt !== null) shapes.push(span(openAt, t1, refs[0].x));
  if (trips.length) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: `breaker trips (${trips.length})`,
      x: trips.map((p) => p.time),
      y: trips.map((p) => p.chs ?? threshold),
      text: trips.map((p) => p.label),
      hovertemplate: "%{text}<extra></extra>",
      marker: { symbol: "triangle-down", color: COLORS.loss, size: 11 },
      xaxis: refs[0].x,
      yaxis: refs[0].y,
    });
  }
  if (hasEquity) {
    data.push({
      type: "scatter",
      mode: "lines",
      name: "equity",
      x: eqPts.map((p) => p.time),
      y: eqPts.map((p) => p.equity),
      line: { color: COLORS.neutral, width: 1.3 },
      xaxis: refs[1].x,
      yaxis: refs[1].y,
    });
  }
  const lanes: [JournalPoint["kind"][], string, string, string][] = [
    [["order"], "order", COLORS.long, "circle-open"],
    [["fill"], "fill", COLORS.win, "circle"],
    [["close"], "close", COLORS.neutral, "square"],
    [["limit"], "limit", COLORS.short, "line-ns-open"],
    [["reject"], "reject", COLORS.loss, "x"],
    [["breaker_on", "breaker_off"], "breaker", COLORS.threshold, "diamond"],
  ];
  for (const [kinds, lane, color, symbol] of lanes) {
    const ps = points.filter((p) => kinds.includes(p.kind));
    if (!ps.length) continue;
    data.push({
      type: "scatter",
      mode: "markers",
      name: `${lane} (${ps.length})`,
      x: ps.map((p) => p.time),
      y: ps.map(() => lane),
      text: ps.map((p) => p.label),
      hovertemplate: "%{text}<extra></extra>",
      marker: { color, symbol, size: 8 },
      xaxis: ev.x,
      yaxis: ev.y,
    });
  }
  return {
    data,
    layout: baseLayout(opts.title ?? "Composite health score (CHS) and circuit breaker", {
      ...axes,
      shapes,
      hovermode: "closest",
      height: opts.height ?? (hasEquity ? 560 : 440),
    }, "right"),
  };
}

function span(x0: number, x1: number, xref: string): Record<string, unknown> {
  return {
    type: "rect",
    xref,
    yref: "paper",
    x0,
    x1,
    y0: 0,
    y1: 1,
    fillcolor: "rgba(198,40,40,0.08)",
    line: { width: 0 },
    layer: "below",
  };
}
