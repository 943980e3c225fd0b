/**
 * Plots for Kinetra: plotly figure builders (pure functions returning `{ data, layout }`),
 * self-contained offline HTML pages, the one-file backtest report, rich display in the Deno
 * Jupyter kernel, and the headless notebook runner with its output checks (`deno task notebooks`,
 * `deno task jupyter:install`).
 *
 * ```ts ignore
 * import { backtestReportHtml, candlestickFigure, display, figureHtml } from "kinetra/plot/mod.ts";
 * const fig = candlestickFigure({ time, open, high, low, close, trades });
 * await Deno.writeTextFile("chart.html", figureHtml(fig, { title: "EURUSD H4" }));  // offline page
 * await display(fig);                                                             // in a notebook
 * ```
 *
 * @module
 */
export * from "./figure.ts";
export * from "./decimate.ts";
export * from "./candles.ts";
export * from "./equity.ts";
export * from "./distribution.ts";
export * from "./mfe_mae.ts";
export * from "./heatmap.ts";
export * from "./research.ts";
export * from "./chs_timeline.ts";
export * from "./html.ts";
export * from "./report.ts";
export * from "./report_tables.ts";
export * from "./strategy_overlays.ts";
export * from "./backtest_report.ts";
export * from "./batch_report.ts";
export * from "./display.ts";
export * from "./notebooks.ts";
export * from "./jupyter_install.ts";
export * from "./portfolio.ts";
