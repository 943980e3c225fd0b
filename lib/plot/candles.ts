/**
 * Price chart: candlesticks (aggregated when long) with feature overlays on the price or in their
 * own panels, a regime strip, and trade entries and exits.
 *
 * @module
 */
import { aggregateOhlc } from "./decimate.ts";
import {
  baseLayout,
  COLORS,
  type Figure,
  formatNumber as fmt,
  PALETTE,
  type PlotTrace,
  toEpochMs,
} from "./figure.ts";
import { type PanelSpec, stackedPanels } from "./_panels.ts";

/**
 * A trade as the backtest and the live runner report it (only the fields the charts read).
 * Times are ISO strings or epoch ms; `side` is +1/-1 or "long"/"short"/"buy"/"sell".
 */
export interface TradeLike {
  /** Entry time: ISO 8601 string or epoch ms. */
  entry_time: string | number;
  /** Exit time (ISO or epoch ms); absent or null while the trade is open. */
  exit_time?: string | number | null;
  /** Fill price of the entry. */
  entry_price: number;
  /** Fill price of the exit; absent or null while open. */
  exit_price?: number | null;
  /** +1/-1 or "long"/"short"/"buy"/"sell". */
  side: number | string;
  /** Units or lots. */
  size?: number | null;
  /** Net profit in the account currency. */
  pnl?: number | null;
  /** Net return in percent. */
  return_pct?: number | null;
  /** Maximum favourable excursion (price units in the backtest). */
  mfe?: number | null;
  /** Maximum adverse excursion (either sign). */
  mae?: number | null;
  /** Free label (e.g. the agent that opened it). */
  tag?: string | null;
  /** Why the trade closed (signal, sl, tp, ...). */
  exit_reason?: string | null;
  /** Stop-loss in force (price), if any: drawn as a dotted level from entry to exit. */
  sl?: number | null;
  /** Take-profit in force (price), if any. */
  tp?: number | null;
}

/** A feature line aligned with the bars. `panel` absent: drawn on the price; else in that panel. */
export interface Overlay {
  /** Legend name. */
  name: string;
  /** One value per bar (NaN for gaps). */
  values: ArrayLike<number>;
  /** Panel name; overlays with the same panel share it. Absent: on the price panel. */
  panel?: string;
  /** Line or marker colour (default from the palette). */
  color?: string;
}

/** Regime labels per bar, drawn as a coloured strip under the price. */
export interface RegimeStrip {
  /** Label per bar (string or numeric code); null/NaN/"" for "no regime yet" (warm-up). */
  labels: ArrayLike<string | number | null>;
  /** Display names for codes, e.g. `{ 0: "laminar", 1: "turbulent" }`. */
  names?: Record<string, string>;
  /** Colours per display name. */
  colors?: Record<string, string>;
  /** Strip title (default "regime"). */
  title?: string;
}

/** Input of {@link candlestickFigure}. */
export interface CandlestickInput {
  /** Figure title. */
  title?: string;
  /** Bar open times, epoch ms. */
  time: ArrayLike<number>;
  /** Open prices. */
  open: ArrayLike<number>;
  /** High prices. */
  high: ArrayLike<number>;
  /** Low prices. */
  low: ArrayLike<number>;
  /** Close prices. */
  close: ArrayLike<number>;
  /** Feature lines to draw. */
  overlays?: readonly Overlay[];
  /** Regime strip under the price. */
  regimes?: RegimeStrip;
  /** Trades to mark. */
  trades?: readonly TradeLike[];
  /** Aggregate into at most this many candles (default 2000). */
  maxCandles?: number;
  /** Figure height in px (default grows with the panels). */
  height?: number;
}

/** +1 for long/buy, -1 for short/sell. */
export function tradeSide(side: number | string): 1 | -1 {
  if (typeof side === "number") return side < 0 ? -1 : 1;
  return /^(s|short|sell|-1)/i.test(side.trim()) ? -1 : 1;
}

/**
 * Candlesticks with overlays, a regime strip and trade markers. Long series are aggregated into
 * coarser candles (the title says by how much); overlays and regimes are sampled at each candle's
 * last bar, so nothing from the future leaks into a candle.
 *
 * @example
 * ```ts
 * const fig = candlestickFigure({ time: [0, 3.6e6], open: [1, 2], high: [2, 3], low: [0.5, 1.5], close: [2, 2.5] });
 * console.log(fig.data[0].type); // "candlestick"
 * ```
 */
export function candlestickFigure(input: CandlestickInput): Figure {
  const agg = aggregateOhlc(
    input.time,
    input.open,
    input.high,
    input.low,
    input.close,
    input.maxCandles ?? 2000,
  );
  const overlays = input.overlays ?? [];
  const panelNames: string[] = [];
  for (const o of overlays) if (o.panel && !panelNames.includes(o.panel)) panelNames.push(o.panel);
  const specs: PanelSpec[] = [{ weight: 3, yaxis: { title: { text: "price" }, fixedrange: false } }];
  for (const p of panelNames) specs.push({ weight: 1, yaxis: { title: { text: p } } });
  const hasRegimes = !!input.regimes && input.regimes.labels.length > 0;
  if (hasRegimes) {
    specs.push({
      weight: 0.35,
      yaxis: { showticklabels: false, showgrid: false, range: [0, 1], fixedrange: true },
    });
  }
  const { refs, axes } = stackedPanels(specs);
  const data: PlotTrace[] = [];
  data.push({
    type: "candlestick",
    name: "price",
    x: agg.time,
    open: agg.open,
    high: agg.high,
    low: agg.low,
    close: agg.close,
    increasing: { line: { color: COLORS.up, width: 1 }, fillcolor: COLORS.up },
    decreasing: { line: { color: COLORS.down, width: 1 }, fillcolor: COLORS.down },
    xaxis: refs[0].x,
    yaxis: refs[0].y,
    showlegend: false,
  });
  overlays.forEach((o, k) => {
    const panel = o.panel ? 1 + panelNames.indexOf(o.panel) : 0;
    const y = agg.end.map((i) => {
      const v = o.values[i];
      return Number.isFinite(v) ? v : null;
    });
    data.push({
      type: "scatter",
      mode: "lines",
      name: o.name,
      x: agg.time,
      y,
      line: { color: o.color ?? PALETTE[k % PALETTE.length], width: 1.3 },
      xaxis: refs[panel].x,
      yaxis: refs[panel].y,
    });
  });
  if (hasRegimes) data.push(...regimeTraces(input.regimes!, agg.time, agg.end, refs[refs.length - 1]));
  if (input.trades?.length) {
    data.push(
      ...tradeTraces(input.trades, refs[0], { entryOffset: entryMarkerOffset(input.high, input.low) }),
    );
  }
  const extra = panelNames.length + (hasRegimes ? 0.4 : 0);
  const title = input.title && agg.factor > 1
    ? `${input.title} (${agg.factor} bars per candle)`
    : input.title;
  return {
    data,
    layout: baseLayout(title, {
      ...axes,
      height: input.height ?? Math.round(460 + 150 * extra),
      hovermode: "x",
      barmode: "overlay",
      bargap: 0,
    }, data.length > 6 || hasRegimes ? "right" : "top"),
  };
}

function regimeTraces(
  regimes: RegimeStrip,
  time: number[],
  end: number[],
  ref: { x: string; y: string },
): PlotTrace[] {
  const byName = new Map<string, number[]>();
  for (let k = 0; k < end.length; k++) {
    const raw = regimes.labels[end[k]];
    if (
      raw === null || raw === undefined || raw === "" || (typeof raw === "number" && !Number.isFinite(raw))
    ) {
      continue;
    }
    const name = regimes.names?.[String(raw)] ?? String(raw);
    let xs = byName.get(name);
    if (!xs) byName.set(name, xs = []);
    xs.push(time[k]);
  }
  const widths: number[] = [];
  for (let k = 1; k < time.length; k++) widths.push(time[k] - time[k - 1]);
  widths.sort((a, b) => a - b);
  const width = widths.length ? widths[Math.floor(widths.length / 2)] : 3.6e6;
  const names = [...byName.keys()].sort();
  return names.map((name, k) => {
    const xs = byName.get(name)!;
    return {
      type: "bar",
      name: `${regimes.title ?? "regime"}: ${name}`,
      legendgroup: "regime",
      x: xs,
      y: xs.map(() => 1),
      width,
      offset: 0,
      marker: { color: regimes.colors?.[name] ?? PALETTE[(k + 3) % PALETTE.length], line: { width: 0 } },
      hovertemplate: `${name}<extra></extra>`,
      xaxis: ref.x,
      yaxis: ref.y,
    };
  });
}

/**
 * How far below (long) or above (short) its price an entry marker sits: 0.8 × the median bar
 * range, so an entry is never hidden under the previous trade's exit at the same bar (strategies
 * that are always in the market exit and enter at one price).
 */
export function entryMarkerOffset(high: ArrayLike<number>, low: ArrayLike<number>): number {
  const n = Math.min(high.length, low.length);
  const step = Math.max(1, Math.floor(n / 2000));
  const ranges: number[] = [];
  for (let i = 0; i < n; i += step) {
    const r = high[i] - low[i];
    if (Number.isFinite(r) && r > 0) ranges.push(r);
  }
  ranges.sort((a, b) => a - b);
  return ranges.length ? 0.8 * ranges[Math.floor(ranges.length / 2)] : 0;
}

/**
 * Entry markers (▲ long, drawn just under the entry price; ▼ short, just above it), exit markers
 * (✕ at the exit price, green win / red loss), dotted entry-exit links and each trade's stop-loss
 * (red) and take-profit (green) levels while it was open. Hovering a marker shows the exact prices.
 */
export function tradeTraces(
  trades: readonly TradeLike[],
  ref: { x: string; y: string } = { x: "x", y: "y" },
  { entryOffset = 0 }: { entryOffset?: number } = {},
): PlotTrace[] {
  const entries = {
    long: { x: [] as number[], y: [] as number[], text: [] as string[] },
    short: { x: [] as number[], y: [] as number[], text: [] as string[] },
  };
  const exits = {
    win: { x: [] as number[], y: [] as number[], text: [] as string[] },
    loss: { x: [] as number[], y: [] as number[], text: [] as string[] },
  };
  const links = {
    win: { x: [] as (number | null)[], y: [] as (number | null)[] },
    loss: { x: [] as (number | null)[], y: [] as (number | null)[] },
  };
  const levels = {
    sl: { x: [] as (number | null)[], y: [] as (number | null)[] },
    tp: { x: [] as (number | null)[], y: [] as (number | null)[] },
  };
  trades.forEach((t, n) => {
    const side = tradeSide(t.side);
    const et = toEpochMs(t.entry_time);
    const label = `#${n + 1} ${side > 0 ? "long" : "short"}${t.tag ? ` [${t.tag}]` : ""}`;
    if (Number.isFinite(et) && Number.isFinite(t.entry_price)) {
      const e = side > 0 ? entries.long : entries.short;
      e.x.push(et);
      e.y.push(t.entry_price - side * entryOffset);
      e.text.push(`${label} entry ${fmt(t.entry_price)}${t.size != null ? ` size ${fmt(t.size)}` : ""}`);
    }
    const xt = t.exit_time == null ? NaN : toEpochMs(t.exit_time);
    const xp = t.exit_price;
    if (Number.isFinite(xt) && xp != null && Number.isFinite(xp)) {
      const pnl = t.pnl ?? (xp - t.entry_price) * side;
      const bucket = pnl >= 0 ? "win" : "loss";
      exits[bucket].x.push(xt);
      exits[bucket].y.push(xp);
      exits[bucket].text.push(
        `${label} exit ${fmt(xp)} pnl ${fmt(pnl)}${t.return_pct != null ? ` (${fmt(t.return_pct)}%)` : ""}${
          t.exit_reason ? ` ${t.exit_reason}` : ""
        }`,
      );
      links[bucket].x.push(et, xt, null);
      links[bucket].y.push(t.entry_price, xp, null);
      for (const k of ["sl", "tp"] as const) {
        const v = t[k];
        if (v != null && Number.isFinite(v)) {
          levels[k].x.push(et, xt, null);
          levels[k].y.push(v, v, null);
        }
      }
    }
  });
  const out: PlotTrace[] = [];
  // Many trades: smaller markers and no entry-exit links, so the candles stay readable.
  const many = trades.length > 400;
  const size = trades.length > 1000 ? 5 : trades.length > 150 ? 7 : 9;
  // Entries a little larger than exits: a triangle next to a cross reads as "closed and reversed".
  const entrySize = size + 2;
  for (const [bucket, color] of [["win", COLORS.win], ["loss", COLORS.loss]] as const) {
    if (!links[bucket].x.length || many) continue;
    out.push({
      type: "scatter",
      mode: "lines",
      name: `${bucket} path`,
      showlegend: false,
      hoverinfo: "skip",
      x: links[bucket].x,
      y: links[bucket].y,
      line: { color, width: 1, dash: "dot" },
      xaxis: ref.x,
      yaxis: ref.y,
    });
  }
  for (
    const [k, name, color] of [["sl", "stop-loss", COLORS.loss], ["tp", "take-profit", COLORS.win]] as const
  ) {
    if (!levels[k].x.length || many) continue;
    out.push({
      type: "scatter",
      mode: "lines",
      name,
      hoverinfo: "skip",
      x: levels[k].x,
      y: levels[k].y,
      line: { color, width: 1.2, dash: "dash" },
      opacity: 0.7,
      xaxis: ref.x,
      yaxis: ref.y,
    });
  }
  const marker = (symbol: string, color: string, markerSize = size) => ({
    symbol,
    color,
    size: markerSize,
    opacity: many ? 0.75 : 1,
    line: { color: "#ffffff", width: many ? 0.5 : 1 },
  });
  const add = (
    name: string,
    m: { x: number[]; y: number[]; text: string[] },
    mk: Record<string, unknown>,
  ) => {
    if (!m.x.length) return;
    out.push({
      type: "scatter",
      mode: "markers",
      name,
      x: m.x,
      y: m.y,
      text: m.text,
      hovertemplate: "%{text}<extra></extra>",
      marker: mk,
      xaxis: ref.x,
      yaxis: ref.y,
    });
  };
  add("long entry", entries.long, marker("triangle-up", COLORS.long, entrySize));
  add("short entry", entries.short, marker("triangle-down", COLORS.short, entrySize));
  add("exit (win)", exits.win, marker("x", COLORS.win));
  add("exit (loss)", exits.loss, marker("x", COLORS.loss));
  return out;
}
