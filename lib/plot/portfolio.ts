/**
 * Portfolio figures: stacked per-symbol contributions, the correlation heatmap of symbol returns,
 * exposure by asset class over time, and the one-file portfolio report (account equity and
 * drawdown first).
 *
 * @example
 * ```ts
 * import { correlationHeatmapFigure } from "./portfolio.ts";
 * const fig = correlationHeatmapFigure({ symbols: ["A", "B"], matrix: [[1, 0.3], [0.3, 1]] });
 * console.log(fig.data[0].type); // heatmap
 * ```
 *
 * @module
 */
import { equityDrawdownFigure } from "./equity.ts";
import { axis, baseLayout, type Figure, formatNumber, PALETTE, type PlotTrace } from "./figure.ts";
import { escapeHtml, htmlPage, type PageBlock } from "./html.ts";
import { keyStatsHtml, statsTableHtml } from "./report.ts";

/** Evenly spaced indices (first and last kept) so long series stay light. */
function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  const step = (n - 1) / (max - 1);
  for (let k = 0; k < max; k++) out.push(Math.round(k * step));
  return out;
}

/** Per-symbol P&L contributions over time, stacked (money). */
export function contributionsFigure(
  input: { time: ArrayLike<number>; series: readonly { symbol: string; values: ArrayLike<number> }[] },
  opts: { title?: string; maxPoints?: number; height?: number } = {},
): Figure {
  const idx = thin(input.time.length, opts.maxPoints ?? 1500);
  const data: PlotTrace[] = input.series.map((s, k) => ({
    type: "scatter",
    mode: "lines",
    name: s.symbol,
    stackgroup: "pnl",
    x: idx.map((i) => input.time[i]),
    y: idx.map((i) => (Number.isFinite(s.values[i]) ? s.values[i] : null)),
    line: { width: 0.5, color: PALETTE[k % PALETTE.length] },
  }));
  return {
    data,
    layout: baseLayout(opts.title, {
      height: opts.height ?? 420,
      xaxis: axis({ type: "date" }),
      yaxis: axis({ title: { text: "P&L contribution" }, zeroline: true }),
    }, input.series.length > 3 ? "right" : "top"),
  };
}

/** Correlation heatmap of the symbols' returns (−1 blue … +1 red, centred at 0). */
export function correlationHeatmapFigure(
  corr: { symbols: readonly string[]; matrix: readonly (readonly (number | null)[])[] },
  opts: { title?: string; height?: number } = {},
): Figure {
  const z = corr.matrix.map((r) => r.map((v) => (v === null || !Number.isFinite(v) ? null : v)));
  return {
    data: [{
      type: "heatmap",
      x: [...corr.symbols],
      y: [...corr.symbols],
      z,
      zmin: -1,
      zmax: 1,
      zmid: 0,
      colorscale: "RdBu",
      reversescale: true,
      text: z.map((r) => r.map((v) => (v === null ? "" : formatNumber(v)))),
      hovertemplate: "%{y} / %{x}: %{z:.2f}<extra></extra>",
    }],
    layout: baseLayout(opts.title, {
      height: opts.height ?? Math.max(360, 40 + corr.symbols.length * 26),
      xaxis: axis({ type: "category", tickangle: -45 }),
      yaxis: axis({ type: "category", autorange: "reversed" }),
      hovermode: "closest",
    }),
  };
}

/** Notional exposure per asset class over time, % of equity (stacked). */
export function classExposureFigure(
  input: { time: ArrayLike<number>; byClass: Readonly<Record<string, ArrayLike<number>>> },
  opts: { title?: string; maxPoints?: number; height?: number } = {},
): Figure {
  const idx = thin(input.time.length, opts.maxPoints ?? 1500);
  const data: PlotTrace[] = Object.entries(input.byClass).map(([c, v], k) => ({
    type: "scatter",
    mode: "lines",
    name: c,
    stackgroup: "exposure",
    x: idx.map((i) => input.time[i]),
    y: idx.map((i) => (Number.isFinite(v[i]) ? v[i] : null)),
    line: { width: 0.5, color: PALETTE[k % PALETTE.length] },
  }));
  return {
    data,
    layout: baseLayout(opts.title, {
      height: opts.height ?? 320,
      xaxis: axis({ type: "date" }),
      yaxis: axis({ title: { text: "exposure % of equity" }, ticksuffix: "%" }),
    }),
  };
}

/** What the portfolio report shows. */
export interface PortfolioReportInput {
  /** Page title. */
  title: string;
  /** A line under the title (profile, parameters, data). */
  subtitle?: string;
  /** Union times, epoch ms. */
  time: ArrayLike<number>;
  /** Account equity per time. */
  equity: ArrayLike<number>;
  /** Drawdown in % per time (computed when absent). */
  drawdownPct?: ArrayLike<number>;
  /** The account's statistics. */
  stats: Record<string, number | string | null>;
  /** Per symbol: its P&L contribution per time. */
  contributions: readonly { symbol: string; values: ArrayLike<number> }[];
  /** Correlation matrix of the symbols' returns. */
  correlation: { symbols: readonly string[]; matrix: readonly (readonly (number | null)[])[] };
  /** Notional exposure per asset class, % of equity per time. */
  exposureByClass: Readonly<Record<string, ArrayLike<number>>>;
  /** One row per symbol: name and figures (net profit, trades, exposure, conversion, …). */
  symbolRows: readonly Record<string, number | string | null>[];
}

/**
 * The portfolio report as one self-contained HTML page: key figures, account equity and drawdown,
 * stacked contributions, exposure by asset class, the correlation heatmap, per-symbol table and
 * the account statistics. Sets `body[data-rendered="1"]` when every chart has rendered.
 */
export function portfolioReportHtml(input: PortfolioReportInput, opts: { plotly?: string } = {}): string {
  const cols = input.symbolRows.length ? Object.keys(input.symbolRows[0]) : [];
  const rows = input.symbolRows.map((r) =>
    `<tr>${
      cols.map((c) => {
        const v = r[c];
        const cls = typeof v === "number" ? (v > 0 ? ' class="k-pos"' : v < 0 ? ' class="k-neg"' : "") : "";
        return `<td${c === "net_profit" ? cls : ""}>${
          escapeHtml(typeof v === "number" ? formatNumber(v) : String(v ?? "-"))
        }</td>`;
      }).join("")
    }</tr>`
  ).join("");
  const table = `<div class="k-scroll"><table class="k-table" id="k-symbols"><thead><tr>${
    cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")
  }</tr></thead><tbody>${rows}</tbody></table></div>`;
  const blocks: PageBlock[] = [
    { kind: "html", html: input.subtitle ? `<p class="k-note">${escapeHtml(input.subtitle)}</p>` : "" },
    { kind: "html", html: keyStatsHtml(input.stats) },
    { kind: "html", html: "<h2>Account equity and drawdown</h2>" },
    {
      kind: "figure",
      id: "k-equity",
      figure: equityDrawdownFigure({
        time: input.time,
        equity: input.equity,
        drawdownPct: input.drawdownPct,
      }),
    },
    { kind: "html", html: "<h2>Contribution by symbol</h2>" },
    {
      kind: "figure",
      id: "k-contributions",
      figure: contributionsFigure({ time: input.time, series: input.contributions }),
      caption: "Realised plus unrealised P&L of each symbol, stacked (account currency).",
    },
    { kind: "html", html: "<h2>Exposure by asset class</h2>" },
    {
      kind: "figure",
      id: "k-exposure",
      figure: classExposureFigure({ time: input.time, byClass: input.exposureByClass }),
      caption: "Notional of the open trades at their last close, % of account equity.",
    },
    { kind: "html", html: "<h2>Correlation of daily returns</h2>" },
    { kind: "figure", id: "k-correlation", figure: correlationHeatmapFigure(input.correlation) },
    { kind: "html", html: `<h2>Symbols</h2>${table}` },
    { kind: "html", html: `<h2>Account statistics</h2>${statsTableHtml(input.stats)}` },
    {
      kind: "html",
      html: `<p class="k-note">Generated by Kinetra on ${
        new Date().toISOString()
      }. Charts: plotly.js, inlined.</p>`,
    },
  ];
  return htmlPage(blocks, { title: input.title, plotly: opts.plotly });
}
