/**
 * MFE/MAE scatter: for each trade, how far price went against it (maximum adverse excursion) and
 * in its favour (maximum favourable excursion), coloured by outcome. Winners far right of the
 * diagonal gave back much of what they had; losers high up had a profit they never took.
 *
 * @module
 */
import { axis, baseLayout, COLORS, type Figure, formatNumber, type PlotTrace } from "./figure.ts";
import type { TradeLike } from "./candles.ts";

/** Options of {@link mfeMaeFigure}. */
export interface MfeMaeOptions {
  /** Figure title. */
  title?: string;
  /** Unit label of the excursions (as the backtest reports them), e.g. "%" or "price". */
  unit?: string;
  /** Figure height in px. */
  height?: number;
}

/**
 * Scatter of |MAE| (x) against |MFE| (y) per trade, winners green, losers red, marker size by
 * |pnl|, with the y = x diagonal. Trades without finite MFE and MAE are left out.
 *
 * @example
 * ```ts
 * const fig = mfeMaeFigure([{ entry_time: 0, entry_price: 1, side: 1, pnl: 2, mfe: 3, mae: -1 }]);
 * console.log(fig.data.length >= 1); // true
 * ```
 */
export function mfeMaeFigure(trades: readonly TradeLike[], opts: MfeMaeOptions = {}): Figure {
  const groups = {
    win: { x: [] as number[], y: [] as number[], pnl: [] as number[], text: [] as string[] },
    loss: { x: [] as number[], y: [] as number[], pnl: [] as number[], text: [] as string[] },
  };
  let maxAbsPnl = 0;
  let maxExc = 0;
  trades.forEach((t, n) => {
    if (t.mfe == null || t.mae == null || !Number.isFinite(t.mfe) || !Number.isFinite(t.mae)) return;
    const pnl = Number.isFinite(t.pnl ?? NaN) ? t.pnl as number : 0;
    const g = pnl >= 0 ? groups.win : groups.loss;
    const x = Math.abs(t.mae), y = Math.abs(t.mfe);
    g.x.push(x);
    g.y.push(y);
    g.pnl.push(pnl);
    g.text.push(`#${n + 1} pnl ${formatNumber(pnl)} MFE ${formatNumber(y)} MAE ${formatNumber(x)}`);
    maxAbsPnl = Math.max(maxAbsPnl, Math.abs(pnl));
    maxExc = Math.max(maxExc, x, y);
  });
  const unit = opts.unit ? ` (${opts.unit})` : "";
  const data: PlotTrace[] = [];
  for (
    const [key, color, name] of [["win", COLORS.win, "winners"], ["loss", COLORS.loss, "losers"]] as const
  ) {
    const g = groups[key];
    data.push({
      type: "scatter",
      mode: "markers",
      name: `${name} (${g.x.length})`,
      x: g.x,
      y: g.y,
      text: g.text,
      hovertemplate: "%{text}<extra></extra>",
      marker: {
        color,
        opacity: 0.7,
        size: g.pnl.map((p) => 6 + (maxAbsPnl > 0 ? 12 * Math.sqrt(Math.abs(p) / maxAbsPnl) : 0)),
        line: { color: "#ffffff", width: 0.5 },
      },
    });
  }
  data.push({
    type: "scatter",
    mode: "lines",
    name: "MFE = MAE",
    x: [0, maxExc || 1],
    y: [0, maxExc || 1],
    line: { color: "#90a4ae", dash: "dash", width: 1 },
    hoverinfo: "skip",
  });
  return {
    data,
    layout: baseLayout(opts.title, {
      hovermode: "closest",
      xaxis: axis({ title: { text: `MAE, adverse excursion${unit}` }, rangemode: "tozero" }),
      yaxis: axis({ title: { text: `MFE, favourable excursion${unit}` }, rangemode: "tozero" }),
      height: opts.height ?? 420,
    }),
  };
}
