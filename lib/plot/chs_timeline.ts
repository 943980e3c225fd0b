/**
 * CHS timeline of a live (or virtual) session from its journal (logs/live/<run>/journal.jsonl):
 * the composite health score against the circuit-breaker threshold and its reset level, breaker
 * trips and resets, and the order flow (orders, fills, rejections) underneath.
 *
 * @module
 */
import { baseLayout, COLORS, type Figure, type PlotTrace, toEpochMs } from "./figure.ts";
import { stackedPanels } from "./_panels.ts";

/** A journal record: one JSON object per line. Only a few fields are read; see {@link journalPoint}. */
export type JournalRecord = Record<string, unknown>;

/** Options of {@link chsTimelineFigure}. */
export interface ChsTimelineOptions {
  title?: string;
  /** Breaker threshold (default: the journal's `threshold`/`chs_threshold` field, else 0.55). */
  threshold?: number;
  /** Hysteresis: the breaker resets above threshold + this (default 0.10). */
  resetMargin?: number;
  height?: number;
}

/** What a journal record means for the chart. */
export interface JournalPoint {
  /** Epoch ms (the bar time when the record has one, else its wall-clock time). */
  time: number;
  kind: "chs" | "breaker_on" | "breaker_off" | "order" | "fill" | "reject" | "close" | "other";
  chs: number | null;
  equity: number | null;
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

/** Classify one journal record (tolerant of field names: type/kind/event, time/ts/bar_time). */
export function journalPoint(r: JournalRecord): JournalPoint {
  const type = String(r.type ?? r.kind ?? r.event ?? "").toLowerCase();
  const time = toEpochMs(r.bar_time ?? r.time ?? r.ts ?? r.timestamp ?? r.at);
  const chs = num(r.chs) ?? (type === "chs" ? num(r.value) : null);
  const equity = num(r.equity);
  let kind: JournalPoint["kind"] = "other";
  const state = String(r.state ?? r.action ?? r.status ?? "").toLowerCase();
  if (type.includes("breaker")) {
    const off = r.active === false || /reset|clear|resume|deactiv|closed/.test(`${type} ${state}`);
    kind = off ? "breaker_off" : "breaker_on";
  } else if (type.includes("reject") || /reject|error|fail/.test(state)) kind = "reject";
  else if (type.includes("fill") || type === "deal") kind = "fill";
  else if (type.includes("close") || type.includes("exit")) kind = "close";
  else if (type.includes("order") || type.includes("intent") || type.includes("send")) kind = "order";
  else if (chs !== null) kind = "chs";
  const label = [type || "record", state, r.side, r.price ?? r.fill_price, r.retcode, r.message ?? r.reason]
    .filter((x) => x !== undefined && x !== null && x !== "")
    .join(" ");
  return { time, kind, chs, equity, label };
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
  const points = records.map(journalPoint).filter((p) => Number.isFinite(p.time));
  points.sort((a, b) => a.time - b.time);
  const fromJournal = records.map((r) => num(r.threshold) ?? num(r.chs_threshold)).find((v) => v !== null);
  const threshold = opts.threshold ?? fromJournal ?? 0.55;
  const reset = threshold + (opts.resetMargin ?? 0.1);
  const chsPts = points.filter((p) => p.chs !== null);
  const eqPts = points.filter((p) => p.equity !== null);
  const hasEquity = eqPts.length > 1;
  const specs = [{ weight: 2, yaxis: { title: { text: "CHS" }, range: [0, 1.05] } }];
  if (hasEquity) specs.push({ weight: 1.2, yaxis: { title: { text: "equity" } } as never });
  specs.push({
    weight: 0.8,
    yaxis: {
      type: "category",
      categoryorder: "array",
      categoryarray: ["breaker", "reject", "close", "fill", "order"],
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
