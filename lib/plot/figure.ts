/**
 * The figure shape shared by every builder of lib/plot: a plain plotly `{ data, layout }` object
 * (JSON-serialisable, no functions), plus the house style and small layout helpers.
 *
 * @module
 */

/** One plotly trace (`{ type: "scatter", x, y, ... }`). Kept loose: plotly's schema is huge. */
export type PlotTrace = Record<string, unknown>;

/** A plotly figure: traces, layout and optional config, exactly what `Plotly.newPlot` takes. */
export interface Figure {
  /** Traces. */
  data: PlotTrace[];
  /** Layout (axes, title, legend, shapes). */
  layout: Record<string, unknown>;
  /** Plotly config (merged over the house defaults). */
  config?: Record<string, unknown>;
}

/** House colours (colour-blind-safe where it matters: up/down and win/loss). */
export const COLORS = {
  up: "#26a69a",
  down: "#ef5350",
  win: "#2e7d32",
  loss: "#c62828",
  long: "#1565c0",
  short: "#ef6c00",
  equity: "#1f77b4",
  drawdown: "#d62728",
  neutral: "#607d8b",
  threshold: "#ff9800",
  grid: "#e5e8ec",
  text: "#263238",
} as const;

/** A qualitative palette for overlays, strategies and regimes. */
export const PALETTE: readonly string[] = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** Default plotly config: responsive, no logo, no network (no "edit in chart studio" link). */
export const DEFAULT_CONFIG: Readonly<Record<string, unknown>> = {
  responsive: true,
  displaylogo: false,
  showLink: false,
};

/** The house layout: white template, compact margins, a title, the legend on top or on the right. */
export function baseLayout(
  title: string | undefined,
  extra: Record<string, unknown> = {},
  legend: "top" | "right" = "top",
): Record<string, unknown> {
  return {
    // The title sits at the very top of the figure and the legend just above the plot, so they never meet.
    title: title
      ? {
        text: title,
        x: 0.01,
        xanchor: "left",
        y: 1,
        yref: "container",
        yanchor: "top",
        pad: { t: 10 },
        font: { size: 16 },
      }
      : undefined,
    font: {
      family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
      size: 12,
      color: COLORS.text,
    },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    margin: { l: 60, r: 20, t: title ? (legend === "top" ? 72 : 48) : legend === "top" ? 36 : 20, b: 40 },
    // A legend with many or long entries goes to the right, where it can never cover the title.
    legend: legend === "top"
      ? { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", bgcolor: "rgba(0,0,0,0)" }
      : { orientation: "v", x: 1.01, xanchor: "left", y: 1, yanchor: "top", bgcolor: "rgba(0,0,0,0)" },
    hovermode: "x unified",
    ...extra,
  };
}

/** A plain axis in the house style (light grid, no zero line unless asked). */
export function axis(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { gridcolor: COLORS.grid, zeroline: false, linecolor: "#b0bec5", showline: true, ...extra };
}

/**
 * Vertical domains for stacked panels sharing one x axis, top to bottom, proportional to
 * `weights`, separated by `gap` (fraction of the height).
 */
export function stackDomains(weights: readonly number[], gap = 0.04): [number, number][] {
  const total = weights.reduce((a, b) => a + b, 0);
  const usable = 1 - gap * (weights.length - 1);
  const out: [number, number][] = [];
  let top = 1;
  for (const w of weights) {
    const h = (w / total) * usable;
    const bottom = Math.max(0, top - h);
    out.push([round6(bottom), round6(top)]);
    top = bottom - gap;
  }
  return out;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Plotly axis ids: 0 → "x"/"y", 1 → "x2"/"y2"; `key` gives the layout key ("xaxis2"). */
export function axisId(letter: "x" | "y", index: number): { ref: string; key: string } {
  return index === 0 ? { ref: letter, key: `${letter}axis` } : {
    ref: `${letter}${index + 1}`,
    key: `${letter}axis${index + 1}`,
  };
}

/** Parse a time given as epoch ms, an ISO string or a Date into epoch ms (NaN when unparseable). */
export function toEpochMs(t: unknown): number {
  if (typeof t === "number") return t;
  if (t instanceof Date) return t.getTime();
  if (typeof t === "string") {
    if (/^\d{4}-\d\d-\d\d$/.test(t)) return Date.parse(t);
    // Treat a zone-less ISO time as UTC, like the rest of Kinetra (export clock, no zone).
    const s = /[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : t.replace(" ", "T") + "Z";
    return Date.parse(s);
  }
  return NaN;
}

/** A compact human number: 2 decimals from 1000, up to 4 from 1, 4 significant digits below. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return "–";
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  if (a >= 1000) return v.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
  if (a >= 1 || a === 0) return v.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
  return v.toPrecision(4);
}

/** `#rrggbb` with an alpha, as `rgba(r,g,b,a)` (other colour strings are returned unchanged). */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  return `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${alpha})`;
}
