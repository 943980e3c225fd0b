/**
 * Charts of parameter research (lib/research): the objective over two parameters (heatmap), over
 * more (parallel coordinates), the walk-forward chart (training/test windows shaded, stitched
 * out-of-sample equity) and the Monte Carlo fan. Builders take plain numbers, no lib/research types.
 *
 * @module
 */
import { axis, baseLayout, COLORS, type Figure } from "./figure.ts";

/** A heatmap of an objective: `z[yi][xi]` for `x.values[xi]`, `y.values[yi]` (null = no result). */
export interface ObjectiveGrid {
  /** Statistic shown. */
  objective: string;
  /** Parameter on the x axis and its values. */
  x: { name: string; values: readonly number[] };
  /** Parameter on the y axis and its values. */
  y: { name: string; values: readonly number[] };
  /** Objective per cell, `z[yi][xi]`. */
  z: (number | null)[][];
  /** The best point, marked with a star. */
  best?: { x: number; y: number } | null;
}

/** Heatmap of the objective over two parameters (other parameters: their best value per cell). */
export function objectiveHeatmapFigure(g: ObjectiveGrid, opts: { title?: string } = {}): Figure {
  const finite = g.z.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const both = finite.some((v) => v < 0) && finite.some((v) => v > 0);
  const data: Record<string, unknown>[] = [{
    type: "heatmap",
    x: g.x.values.map(String),
    y: g.y.values.map(String),
    z: g.z,
    colorscale: both ? "RdBu" : "Viridis",
    reversescale: false,
    zmid: both ? 0 : undefined,
    colorbar: { title: { text: g.objective } },
    hovertemplate: `${g.x.name}=%{x}<br>${g.y.name}=%{y}<br>${g.objective}=%{z}<extra></extra>`,
  }];
  if (g.best) {
    data.push({
      type: "scatter",
      mode: "markers",
      x: [String(g.best.x)],
      y: [String(g.best.y)],
      marker: { symbol: "star", size: 14, color: "#ffffff", line: { color: "#000000", width: 1 } },
      name: "best",
      hoverinfo: "skip",
    });
  }
  return {
    data,
    layout: baseLayout(opts.title ?? `${g.objective} by ${g.x.name} and ${g.y.name}`, {
      xaxis: axis({ title: { text: g.x.name }, type: "category" }),
      yaxis: axis({ title: { text: g.y.name }, type: "category" }),
      hovermode: "closest",
      showlegend: false,
    }),
  };
}

/** Parallel coordinates of every result: one axis per parameter, the last one the objective. */
export function parallelCoordinatesFigure(
  params: { name: string; values: readonly number[] }[],
  objective: { name: string; values: readonly (number | null)[] },
  opts: { title?: string } = {},
): Figure {
  const obj = objective.values.map((v) => (v === null || !Number.isFinite(v) ? NaN : v));
  return {
    data: [{
      type: "parcoords",
      line: {
        color: obj,
        colorscale: "Viridis",
        showscale: true,
        colorbar: { title: { text: objective.name } },
      },
      dimensions: [
        ...params.map((p) => ({ label: p.name, values: p.values })),
        { label: objective.name, values: obj },
      ],
    }],
    layout: baseLayout(opts.title ?? `${objective.name} over the parameters`, { hovermode: false }),
  };
}

/** One walk-forward window (epoch ms, inclusive bar times). */
export interface WindowSpan {
  /** First training bar time. */
  trainStart: number;
  /** Last training bar time. */
  trainEnd: number;
  /** First test bar time. */
  testStart: number;
  /** Last test bar time. */
  testEnd: number;
  /** Label of the chosen parameters. */
  label?: string;
}

/** Walk-forward chart: training (grey) and test (green) windows as bands, stitched out-of-sample equity. */
export function walkForwardFigure(
  windows: readonly WindowSpan[],
  equity: { time: ArrayLike<number>; equity: ArrayLike<number> },
  opts: { title?: string } = {},
): Figure {
  const iso = (t: number) => new Date(t).toISOString();
  const n = windows.length;
  const shapes: Record<string, unknown>[] = [];
  const labels: Record<string, unknown>[] = [];
  windows.forEach((w, k) => {
    // Each window on its own row in the lower band: train grey, test green.
    const y0 = (k / Math.max(1, n)) * 0.25, y1 = ((k + 0.8) / Math.max(1, n)) * 0.25;
    shapes.push(
      {
        type: "rect",
        xref: "x",
        yref: "paper",
        x0: iso(w.trainStart),
        x1: iso(w.trainEnd),
        y0,
        y1,
        fillcolor: "#b0bec5",
        opacity: 0.6,
        line: { width: 0 },
      },
      {
        type: "rect",
        xref: "x",
        yref: "paper",
        x0: iso(w.testStart),
        x1: iso(w.testEnd),
        y0,
        y1,
        fillcolor: COLORS.up,
        opacity: 0.8,
        line: { width: 0 },
      },
      {
        type: "rect",
        xref: "x",
        yref: "paper",
        x0: iso(w.testStart),
        x1: iso(w.testEnd),
        y0: 0.3,
        y1: 1,
        fillcolor: k % 2 ? "#e8f5e9" : "#f1f8e9",
        opacity: 0.5,
        line: { width: 0 },
        layer: "below",
      },
    );
    if (w.label) {
      labels.push({
        x: iso(w.testStart),
        y: 1,
        xref: "x",
        yref: "paper",
        text: w.label,
        showarrow: false,
        xanchor: "left",
        yanchor: "top",
        font: { size: 9 },
      });
    }
  });
  const t = Array.from(equity.time, iso);
  return {
    data: [{
      type: "scatter",
      mode: "lines",
      x: t,
      y: Array.from(equity.equity),
      name: "out-of-sample equity (stitched)",
      line: { color: COLORS.equity, width: 1.5 },
    }],
    layout: baseLayout(opts.title ?? "Walk-forward: windows and stitched out-of-sample equity", {
      xaxis: axis({ type: "date" }),
      yaxis: axis({ title: { text: "equity" }, domain: [0.3, 1] }),
      shapes,
      annotations: labels.slice(0, 40),
    }),
  };
}

/** Monte Carlo fan: low/median/high equity (start = 1) per trade step, with the actual path. */
export function monteCarloFanFigure(
  fan: {
    step: readonly number[];
    low: readonly number[];
    median: readonly number[];
    high: readonly number[];
  },
  opts: {
    title?: string;
    actual?: { step: readonly number[]; equity: readonly number[] };
    interval?: [number, number];
  } = {},
): Figure {
  const [lo, hi] = opts.interval ?? [5, 95];
  const data: Record<string, unknown>[] = [
    {
      type: "scatter",
      mode: "lines",
      x: fan.step,
      y: fan.high,
      line: { width: 0, color: COLORS.equity },
      name: `p${hi}`,
      showlegend: false,
    },
    {
      type: "scatter",
      mode: "lines",
      x: fan.step,
      y: fan.low,
      fill: "tonexty",
      fillcolor: "rgba(31,119,180,0.2)",
      line: { width: 0, color: COLORS.equity },
      name: `p${lo}–p${hi}`,
    },
    {
      type: "scatter",
      mode: "lines",
      x: fan.step,
      y: fan.median,
      line: { color: COLORS.equity, width: 2 },
      name: "median",
    },
  ];
  if (opts.actual) {
    data.push({
      type: "scatter",
      mode: "lines",
      x: opts.actual.step,
      y: opts.actual.equity,
      line: { color: COLORS.text, width: 1, dash: "dot" },
      name: "actual",
    });
  }
  return {
    data,
    layout: baseLayout(opts.title ?? "Monte Carlo equity fan (trades resampled)", {
      xaxis: axis({ title: { text: "trade" } }),
      yaxis: axis({ title: { text: "equity (start = 1)" }, type: "log" }),
    }),
  };
}
