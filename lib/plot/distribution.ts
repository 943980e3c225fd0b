/**
 * Return distribution: histogram(s) of per-trade (or per-bar) returns in %, with the mean and the
 * zero line marked.
 *
 * @module
 */
import { axis, baseLayout, COLORS, type Figure, PALETTE, type PlotTrace } from "./figure.ts";

/** A named set of returns in %. */
export interface ReturnSeries {
  /** Legend name. */
  name: string;
  /** One value per bar (NaN for gaps). */
  values: ArrayLike<number>;
  /** Line or marker colour (default from the palette). */
  color?: string;
}

/** Options of {@link returnDistributionFigure}. */
export interface DistributionOptions {
  /** Figure title. */
  title?: string;
  /** Axis label (default "return %"). */
  xLabel?: string;
  /** Target number of bins (default 40). */
  bins?: number;
  /** Normalise each histogram to a probability density (good when comparing series). */
  density?: boolean;
  /** Figure height in px. */
  height?: number;
}

/** Summary numbers shown in the legend (finite values only). */
export function summarize(
  values: ArrayLike<number>,
): { n: number; mean: number; median: number; std: number } {
  const v = Array.from(values as ArrayLike<number>).filter(Number.isFinite).sort((a, b) => a - b);
  const n = v.length;
  if (!n) return { n: 0, mean: NaN, median: NaN, std: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, median, std };
}

/**
 * Histogram of returns for one or several series (overlaid, translucent), with a dashed line at
 * each series' mean and a solid line at zero.
 *
 * @example
 * ```ts
 * const fig = returnDistributionFigure({ name: "trades", values: [1.2, -0.4, 0.3] });
 * console.log(fig.data[0].type); // "histogram"
 * ```
 */
export function returnDistributionFigure(
  series: ReturnSeries | readonly ReturnSeries[],
  opts: DistributionOptions = {},
): Figure {
  const list = Array.isArray(series) ? series : [series as ReturnSeries];
  let lo = Infinity, hi = -Infinity;
  for (const s of list) {
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) [lo, hi] = [-1, 1];
  const size = hi > lo ? (hi - lo) / (opts.bins ?? 40) : 1;
  const data: PlotTrace[] = [];
  const shapes: Record<string, unknown>[] = [
    {
      type: "line",
      xref: "x",
      yref: "paper",
      x0: 0,
      x1: 0,
      y0: 0,
      y1: 1,
      line: { color: "#455a64", width: 1 },
    },
  ];
  list.forEach((s, k) => {
    const st = summarize(s.values);
    const color = s.color ?? (list.length === 1 ? COLORS.equity : PALETTE[k % PALETTE.length]);
    data.push({
      type: "histogram",
      name: `${s.name} (n=${st.n}, mean ${st.n ? st.mean.toFixed(2) : "–"}%, sd ${
        st.n ? st.std.toFixed(2) : "–"
      }%)`,
      x: Array.from(s.values as ArrayLike<number>).filter(Number.isFinite),
      xbins: { start: lo, end: hi + size, size },
      histnorm: opts.density ? "probability density" : "",
      marker: { color, line: { color: "#ffffff", width: 0.5 } },
      opacity: list.length > 1 ? 0.55 : 0.85,
    });
    if (st.n) {
      shapes.push({
        type: "line",
        xref: "x",
        yref: "paper",
        x0: st.mean,
        x1: st.mean,
        y0: 0,
        y1: 1,
        line: { color, width: 2, dash: "dash" },
      });
    }
  });
  return {
    data,
    layout: baseLayout(opts.title, {
      barmode: "overlay",
      hovermode: "closest",
      shapes,
      xaxis: axis({ title: { text: opts.xLabel ?? "return %" }, ticksuffix: "%" }),
      yaxis: axis({ title: { text: opts.density ? "density" : "count" } }),
      height: opts.height ?? 380,
    }, list.length > 1 ? "right" : "top"),
  };
}
