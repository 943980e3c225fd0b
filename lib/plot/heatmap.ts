/**
 * Strategy x symbol heatmap of one metric from a batch run's results.json
 * (`deno task backtest:batch` writes logs/backtests/run_<stamp>/results.json).
 *
 * @module
 */
import { TIMEFRAME_MINUTES } from "../data/types.ts";
import { axis, baseLayout, type Figure, formatNumber } from "./figure.ts";

/** One (strategy, symbol) result, as read from results.json. */
export interface ResultRow {
  /** Strategy name. */
  strategy: string;
  /** Instrument. */
  symbol: string;
  /** Timeframe, or null when unknown. */
  timeframe: string | null;
  /** Numeric stats of the run (flattened from `stats` when nested). */
  values: Record<string, number | null>;
  /** The run's error message when it failed. */
  error: string | null;
}

/** Options of {@link strategySymbolHeatmap}. */
export interface HeatmapOptions {
  /** The stat to colour by (default `return_pct`). */
  metric?: string;
  /** Figure title. */
  title?: string;
  /** Colour scale centre (default 0 when values have both signs). */
  zmid?: number;
  /** Figure height in px. */
  height?: number;
}

function rowsOf(results: unknown): unknown[] {
  if (Array.isArray(results)) return results;
  if (results && typeof results === "object") {
    const o = results as Record<string, unknown>;
    for (const k of ["results", "runs", "rows", "items"]) if (Array.isArray(o[k])) return o[k] as unknown[];
  }
  return [];
}

function symbolFromPath(p: string): string {
  const base = p.split(/[\\/]/).pop() ?? p;
  return base.replace(/\.[a-z0-9]+$/i, "").split("_")[0];
}

/**
 * Normalise a batch run's results (an array of run records, or an object holding one under
 * `results`/`runs`/`rows`) into rows. A record needs a strategy name and a symbol (or a file path
 * whose name starts with the symbol); its numbers are taken from `stats` or from the record.
 */
export function resultRows(results: unknown): ResultRow[] {
  const out: ResultRow[] = [];
  for (const r of rowsOf(results)) {
    if (!r || typeof r !== "object") continue;
    const o = r as Record<string, unknown>;
    const meta = (o.meta && typeof o.meta === "object" ? o.meta : {}) as Record<string, unknown>;
    const strategy = String(o.strategy ?? o.strategy_name ?? meta.strategy ?? "");
    const file = String(o.file ?? o.source ?? o.path ?? meta.source ?? "");
    const symbol = String(o.symbol ?? meta.symbol ?? (file ? symbolFromPath(file) : ""));
    if (!strategy || !symbol) continue;
    const tf = o.timeframe ?? meta.timeframe ?? null;
    const values: Record<string, number | null> = {};
    const stats = (o.stats && typeof o.stats === "object" ? o.stats : o) as Record<string, unknown>;
    for (const [k, v] of Object.entries(stats)) {
      if (typeof v === "number") values[k] = Number.isFinite(v) ? v : null;
      else if (v === null) values[k] = null;
    }
    const err = o.error;
    const error = err == null
      ? null
      : typeof err === "string"
      ? err
      : String((err as { message?: unknown }).message ?? JSON.stringify(err));
    out.push({ strategy, symbol, timeframe: tf == null ? null : String(tf), values, error });
  }
  return out;
}

/**
 * Heatmap: one row per strategy, one column per symbol (symbol + timeframe when the run mixes
 * timeframes), coloured by `metric` (mean when a pair occurs more than once); failed runs show
 * "error". With more than 12 symbols it is transposed (one row per symbol). The colour scale is
 * clipped at the 95th percentile of the distance from its centre, so one outlier cannot wash it out. Accepts the parsed results.json or rows from {@link resultRows}.
 *
 * @example
 * ```ts
 * const fig = strategySymbolHeatmap([{ strategy: "sniper", symbol: "EURUSD+", stats: { return_pct: 3.2 } }]);
 * console.log(fig.data[0].type); // "heatmap"
 * ```
 */
export function strategySymbolHeatmap(results: unknown, opts: HeatmapOptions = {}): Figure {
  const metric = opts.metric ?? "return_pct";
  const rows = Array.isArray(results) && results.every((r) => r && typeof r === "object" && "values" in r)
    ? results as ResultRow[]
    : resultRows(results);
  const mixedTf = new Set(rows.map((r) => r.timeframe)).size > 1;
  const col = (r: ResultRow) => (mixedTf && r.timeframe ? `${r.symbol} ${r.timeframe}` : r.symbol);
  const strategies = [...new Set(rows.map((r) => r.strategy))].sort();
  // Symbols alphabetically, then timeframes from short to long.
  const order = new Map(
    rows.map((r) => [col(r), [r.symbol, TIMEFRAME_MINUTES[r.timeframe ?? ""] ?? 0] as const]),
  );
  const columns = [...order.keys()].sort((a, b) => {
    const [sa, ta] = order.get(a)!, [sb, tb] = order.get(b)!;
    return sa < sb ? -1 : sa > sb ? 1 : ta - tb;
  });
  const sum = strategies.map(() => columns.map(() => 0));
  const cnt = strategies.map(() => columns.map(() => 0));
  const errs = strategies.map(() => columns.map(() => 0));
  for (const r of rows) {
    const i = strategies.indexOf(r.strategy), j = columns.indexOf(col(r));
    const v = r.values[metric];
    if (r.error) errs[i][j]++;
    else if (v != null && Number.isFinite(v)) {
      sum[i][j] += v;
      cnt[i][j]++;
    }
  }
  const z = sum.map((row, i) => row.map((s, j) => (cnt[i][j] ? s / cnt[i][j] : null)));
  const cellText = (
    v: number,
  ) => (Math.abs(v) >= 1000 || Number.isInteger(v) ? formatNumber(v) : v.toFixed(2));
  const text = z.map((row, i) => row.map((v, j) => (v != null ? cellText(v) : errs[i][j] ? "error" : "")));
  const finite = z.flat().filter((v): v is number => v != null);
  const both = finite.some((v) => v < 0) && finite.some((v) => v > 0);
  const zmid = opts.zmid ?? (both ? 0 : undefined);
  // One outlier must not wash out the colours: clip the scale at the 95th percentile of |v - mid|.
  const mid = zmid ?? 0;
  const dev = finite.map((v) => Math.abs(v - mid)).sort((a, b) => a - b);
  const span = dev.length >= 20 ? dev[Math.floor(0.95 * (dev.length - 1))] : dev[dev.length - 1];
  const range = zmid !== undefined && span > 0 ? { zmin: mid - span, zmax: mid + span } : {};
  // Many symbols: one row per symbol (labels stay horizontal and readable), strategies as columns.
  const tall = columns.length > 12;
  const t = <T>(m: T[][]): T[][] => (m.length ? m[0].map((_, j) => m.map((row) => row[j])) : []);
  return {
    data: [{
      type: "heatmap",
      x: tall ? strategies : columns,
      y: tall ? columns : strategies,
      z: tall ? t(z) : z,
      text: tall ? t(text) : text,
      texttemplate: "%{text}",
      hovertemplate: tall
        ? `%{x} on %{y}<br>${metric}: %{text}<extra></extra>`
        : `%{y} on %{x}<br>${metric}: %{text}<extra></extra>`,
      // Explicit scale: red for bad, pale at the centre, green for good (named scales vary across plotly versions).
      colorscale: [[0, "#c62828"], [0.25, "#ef9a9a"], [0.5, "#f5f5f5"], [0.75, "#a5d6a7"], [1, "#2e7d32"]],
      zmid,
      ...range,
      colorbar: { title: { text: metric } },
      xgap: 2,
      ygap: 2,
    }],
    layout: baseLayout(opts.title ?? `${metric} by strategy and symbol`, {
      hovermode: "closest",
      xaxis: axis({ showgrid: false, type: "category", automargin: true, side: tall ? "top" : "bottom" }),
      yaxis: axis({
        showgrid: false,
        type: "category",
        automargin: true,
        autorange: tall ? "reversed" : true,
      }),
      height: opts.height ?? (tall ? 140 + 20 * columns.length : Math.max(260, 120 + 60 * strategies.length)),
    }),
  };
}
