/**
 * The batch summary page (`deno task backtest:batch --report`): every run ranked by return with a
 * link to its own report, the strategies ranked over all files, the strategy × symbol heatmap and
 * the equity of the best and the worst runs on one chart.
 *
 * @module
 */
import { equityDrawdownFigure, type EquitySeries } from "./equity.ts";
import { strategySymbolHeatmap } from "./heatmap.ts";
import { escapeHtml, htmlPage, type PageBlock } from "./html.ts";
import { formatStat } from "./report_tables.ts";

/** One run of the batch, as the summary page reads it. */
export interface BatchPageRun {
  /** The data file. */
  file: string;
  /** Its symbol. */
  symbol: string;
  /** Its timeframe, or null when it could not be told. */
  timeframe: string | null;
  /** The strategy's name. */
  strategy: string;
  /** The run's statistics, or null when it failed. */
  stats: Record<string, number | string | null> | null;
  /** Why the run failed, or null. */
  error: { code: string; message: string } | null;
  /** The run's report, relative to the summary page. */
  report_file?: string;
  /** The traded bars' equity (for the best/worst overlay). */
  equity_curve?: { time: ArrayLike<number>; equity: ArrayLike<number> };
}

/** Input of {@link batchSummaryHtml}. */
export interface BatchPageInput {
  /** The page title. */
  title: string;
  /** A line under the title (source, split, profile...). */
  subtitle?: string;
  /** Every run of the batch. */
  runs: readonly BatchPageRun[];
  /** How many best and worst runs to overlay (default 3 each). */
  overlay?: number;
}

const COLS: [string, string][] = [
  ["return_pct", "Return [%]"],
  ["buy_hold_return_pct", "Buy & hold [%]"],
  ["max_drawdown_pct", "Max. drawdown [%]"],
  ["trades", "Trades"],
  ["win_rate_pct", "Win rate [%]"],
  ["profit_factor", "Profit factor"],
  ["sharpe", "Sharpe"],
  ["chs", "CHS"],
];

const ret = (r: BatchPageRun): number => {
  const v = r.stats?.return_pct;
  return typeof v === "number" && Number.isFinite(v) ? v : -Infinity;
};

function sign(v: unknown): string {
  return typeof v === "number" && v !== 0 ? (v > 0 ? ' class="k-pos"' : ' class="k-neg"') : "";
}

/** The summary page as one HTML document (plotly.js inlined). */
export function batchSummaryHtml(input: BatchPageInput): string {
  const ok = input.runs.filter((r) => !r.error && r.stats);
  const ranked = [...ok].sort((a, b) => ret(b) - ret(a));
  const failed = input.runs.filter((r) => r.error);
  const rankRows = ranked.map((r, i) =>
    `<tr><td>${i + 1}</td><td>${escapeHtml(`${r.symbol} ${r.timeframe ?? ""}`)}</td><td>${
      escapeHtml(r.strategy)
    }</td>${
      COLS.map(([k]) =>
        `<td${k === "return_pct" ? sign(r.stats![k]) : ""}>${formatStat(k, r.stats![k])}</td>`
      )
        .join("")
    }<td>${r.report_file ? `<a href="${escapeHtml(r.report_file)}">report</a>` : ""}</td><td class="k-file">${
      escapeHtml(r.file.split(/[\\/]/).pop() ?? r.file)
    }</td></tr>`
  );
  // Strategies over all their files: mean return, files with a positive return, mean drawdown.
  const byStrategy = new Map<string, BatchPageRun[]>();
  for (const r of ok) byStrategy.set(r.strategy, [...(byStrategy.get(r.strategy) ?? []), r]);
  const mean = (xs: number[]) => xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
  const stratRows = [...byStrategy.entries()].map(([s, rs]) => ({
    s,
    n: rs.length,
    ret: mean(rs.map(ret)),
    pos: rs.filter((r) => ret(r) > 0).length,
    dd: mean(rs.map((r) => Number(r.stats!.max_drawdown_pct))),
    trades: rs.reduce((a, r) => a + Number(r.stats!.trades ?? 0), 0),
  })).sort((a, b) => b.ret - a.ret).map((x, i) =>
    `<tr><td>${i + 1}</td><td>${escapeHtml(x.s)}</td><td>${x.n}</td><td${sign(x.ret)}>${
      x.ret.toFixed(2)
    }</td><td>${x.pos} of ${x.n}</td><td>${x.dd.toFixed(2)}</td><td>${
      x.trades.toLocaleString("en-US")
    }</td></tr>`
  );
  const k = input.overlay ?? 3;
  const withCurve = ranked.filter((r) => r.equity_curve && r.equity_curve.time.length > 1);
  const chosen = [...withCurve.slice(0, k), ...withCurve.slice(Math.max(k, withCurve.length - k))];
  const series: EquitySeries[] = chosen.map((r, i) => ({
    name: `${i < Math.min(k, withCurve.length) ? "best" : "worst"}: ${r.strategy} · ${r.symbol} ${
      r.timeframe ?? ""
    } (${ret(r).toFixed(1)} %)`,
    time: r.equity_curve!.time,
    // Each curve as % of its own start, so different files and sizes compare.
    equity: Float64Array.from(r.equity_curve!.equity, (e) => 100 * e / r.equity_curve!.equity[0]),
  }));
  const blocks: PageBlock[] = [
    {
      kind: "html",
      html: `<p class="k-note">${
        input.subtitle ? escapeHtml(input.subtitle) + "<br>" : ""
      }${ok.length} runs, ${byStrategy.size} strategies, ${new Set(ok.map((r) => r.file)).size} files${
        failed.length ? `, ${failed.length} failed runs (listed at the bottom)` : ""
      }.</p>`,
    },
    {
      kind: "html",
      html:
        `<h2>Strategies over all files</h2><table class="k-table" id="k-strategies"><thead><tr><th>#</th><th>Strategy</th><th>Files</th><th>Mean return [%]</th><th>Profitable files</th><th>Mean max. drawdown [%]</th><th>Trades</th></tr></thead><tbody>${
          stratRows.join("")
        }</tbody></table>`,
    },
    { kind: "html", html: "<h2>Strategy × symbol: return [%]</h2>" },
    {
      kind: "figure",
      id: "k-heatmap",
      figure: strategySymbolHeatmap(ok, { metric: "return_pct", title: "Return [%] by strategy and symbol" }),
    },
  ];
  if (series.length) {
    blocks.push(
      { kind: "html", html: `<h2>Equity of the ${k} best and ${k} worst runs (% of their start)</h2>` },
      { kind: "figure", id: "k-overlay", figure: equityDrawdownFigure(series, { height: 520 }) },
    );
  }
  blocks.push({
    kind: "html",
    html:
      `<h2>Every run, best return first</h2><div class="k-scroll"><table class="k-table" id="k-ranking"><thead><tr><th>#</th><th>Symbol</th><th>Strategy</th>${
        COLS.map(([, l]) => `<th>${escapeHtml(l)}</th>`).join("")
      }<th>Report</th><th>File</th></tr></thead><tbody>${rankRows.join("")}</tbody></table></div>`,
  });
  if (failed.length) {
    blocks.push({
      kind: "html",
      html: `<h2>Failed runs</h2><ul id="k-failed">${
        failed.map((r) =>
          `<li>${escapeHtml(`${r.file} ${r.strategy}: [${r.error!.code}] ${r.error!.message}`)}</li>`
        ).join("")
      }</ul>`,
    });
  }
  return htmlPage(blocks, { title: input.title });
}
