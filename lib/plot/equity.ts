/**
 * Equity and drawdown: the equity curve on top, the drawdown (always drawn below zero, in %)
 * underneath, sharing the time axis. Long curves are min/max decimated so peaks and troughs stay.
 *
 * @module
 */
import { minMaxIndices } from "./decimate.ts";
import { baseLayout, COLORS, type Figure, PALETTE, type PlotTrace, withAlpha } from "./figure.ts";
import { stackedPanels } from "./_panels.ts";

/** One equity curve (several can be compared on the same figure). */
export interface EquitySeries {
  /** Legend name. */
  name?: string;
  /** Epoch ms per point. */
  time: ArrayLike<number>;
  /** Equity per point. */
  equity: ArrayLike<number>;
  /** Drawdown in % per point (sign ignored: drawn as -|dd|). Computed from equity when absent. */
  drawdownPct?: ArrayLike<number>;
  /** Line or marker colour (default from the palette). */
  color?: string;
}

/** Options of {@link equityDrawdownFigure}. */
export interface EquityOptions {
  /** Figure title. */
  title?: string;
  /** Points per line after decimation (default 4000). */
  maxPoints?: number;
  /** Figure height in px. */
  height?: number;
  /** Draw the equity on a log scale. */
  logEquity?: boolean;
  /** A reference curve on the equity panel only (e.g. buy & hold), dashed grey; NaN where undefined. */
  benchmark?: { name: string; time: ArrayLike<number>; equity: ArrayLike<number> };
}

/** Drawdown in % (≤ 0) from an equity curve: 100 · (equity / running peak − 1). */
export function drawdownFromEquity(equity: ArrayLike<number>): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i];
    if (e > peak) peak = e;
    out[i] = Number.isFinite(e) && peak > 0 ? 100 * (e / peak - 1) : NaN;
  }
  return out;
}

/**
 * Equity (top) and drawdown % (bottom) for one or more curves.
 *
 * @example
 * ```ts
 * const fig = equityDrawdownFigure({ time: [0, 1, 2], equity: [100, 90, 120] });
 * console.log(fig.data.length); // 2 (equity, drawdown)
 * ```
 */
export function equityDrawdownFigure(
  series: EquitySeries | readonly EquitySeries[],
  opts: EquityOptions = {},
): Figure {
  const list = Array.isArray(series) ? series : [series as EquitySeries];
  const { refs, axes } = stackedPanels([
    { weight: 2.2, yaxis: { title: { text: "equity" }, type: opts.logEquity ? "log" : "linear" } },
    { weight: 1, yaxis: { title: { text: "drawdown %" }, ticksuffix: "%", rangemode: "tozero" } },
  ]);
  const data: PlotTrace[] = [];
  const maxPoints = opts.maxPoints ?? 4000;
  list.forEach((s, k) => {
    const color = s.color ?? (list.length === 1 ? COLORS.equity : PALETTE[k % PALETTE.length]);
    const name = s.name ?? "equity";
    const eqIdx = minMaxIndices(s.equity, maxPoints);
    data.push({
      type: "scatter",
      mode: "lines",
      name,
      legendgroup: name,
      x: Array.from(eqIdx, (i) => s.time[i]),
      y: Array.from(eqIdx, (i) => (Number.isFinite(s.equity[i]) ? s.equity[i] : null)),
      line: { color, width: 1.5 },
      xaxis: refs[0].x,
      yaxis: refs[0].y,
    });
    const dd = s.drawdownPct ?? drawdownFromEquity(s.equity);
    const neg = Float64Array.from({ length: dd.length }, (_, i) => (dd[i] === 0 ? 0 : -Math.abs(dd[i])));
    const ddIdx = minMaxIndices(neg, maxPoints);
    data.push({
      type: "scatter",
      mode: "lines",
      name: list.length === 1 ? "drawdown" : `${name} drawdown`,
      legendgroup: name,
      showlegend: list.length === 1,
      x: Array.from(ddIdx, (i) => s.time[i]),
      y: Array.from(ddIdx, (i) => (Number.isFinite(neg[i]) ? neg[i] : null)),
      line: { color: list.length === 1 ? COLORS.drawdown : color, width: 1 },
      fill: "tozeroy",
      fillcolor: withAlpha(list.length === 1 ? COLORS.drawdown : color, list.length === 1 ? 0.25 : 0.12),
      xaxis: refs[1].x,
      yaxis: refs[1].y,
    });
  });
  if (opts.benchmark) {
    const b = opts.benchmark;
    const idx = minMaxIndices(b.equity, maxPoints);
    data.push({
      type: "scatter",
      mode: "lines",
      name: b.name,
      x: Array.from(idx, (i) => b.time[i]),
      y: Array.from(idx, (i) => (Number.isFinite(b.equity[i]) ? b.equity[i] : null)),
      line: { color: COLORS.neutral, width: 1.2, dash: "dash" },
      xaxis: refs[0].x,
      yaxis: refs[0].y,
    });
  }
  const legend = list.length > 3 ? "right" : "top";
  return { data, layout: baseLayout(opts.title, { ...axes, height: opts.height ?? 480 }, legend) };
}
