/**
 * The one-file backtest report (`deno task backtest --report FILE.html`): price with entries and
 * exits, equity, drawdown, MFE/MAE per trade, the return distribution, the stats table and the
 * trade list, in one offline HTML page built from the same figure builders as the notebooks.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import { candlestickFigure, type TradeLike } from "./candles.ts";
import { returnDistributionFigure } from "./distribution.ts";
import { equityDrawdownFigure } from "./equity.ts";
import { formatNumber } from "./figure.ts";
import { escapeHtml, type HtmlOptions, htmlPage, type PageBlock } from "./html.ts";
import { mfeMaeFigure } from "./mfe_mae.ts";

/**
 * A trade record of a backtest result: the fields the report reads. The backtest's TradeRecord
 * (and the live runner's trades) fit it as they are; extra fields are ignored.
 */
export interface ReportTrade extends TradeLike {
  /** Bar index of the entry. */
  entry_bar?: number;
  /** Bar index of the exit. */
  exit_bar?: number;
}

/** What {@link backtestReportHtml} needs: the bars, the equity and drawdown per bar, trades, stats. */
export interface ReportInput {
  /** Page title. */
  title: string;
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
  /** Equity per bar. */
  equity: ArrayLike<number>;
  /** Drawdown in % per bar (either sign; drawn below zero). */
  drawdownPct: ArrayLike<number>;
  /** Closed (and open) trades. */
  trades: readonly ReportTrade[];
  /** The run's statistics by name. */
  stats: Record<string, number | string | null>;
  /** Optional lines under the title (symbol, strategy, parameters...). */
  subtitle?: string;
  /** Unit of the trades' `mfe`/`mae` (default "price": the backtest reports price distances). */
  excursionUnit?: string;
}

/** Options of {@link backtestReportHtml}. */
export interface ReportOptions extends Pick<HtmlOptions, "plotly"> {
  /** Candles drawn at most (longer series are aggregated; default 2000). */
  maxCandles?: number;
  /** Points per equity/drawdown line at most (default 4000). */
  maxPoints?: number;
  /** Trades listed in the table at most (default 500; all are charted). */
  maxTradeRows?: number;
}

/** Stats shown first, in this order, when present (the rest follow alphabetically). */
const KEY_STATS = [
  "trades",
  "return_pct",
  "buy_hold_return_pct",
  "equity_final",
  "equity_peak",
  "max_drawdown_pct",
  "win_rate_pct",
  "profit_factor",
  "sharpe",
  "sortino",
  "calmar",
  "omega",
  "sqn",
  "exposure_pct",
  "chs",
];

function checkLengths(input: ReportInput): void {
  const n = input.time.length;
  for (const k of ["open", "high", "low", "close", "equity", "drawdownPct"] as const) {
    if (input[k].length !== n) {
      throw new KinetraError(
        "bad_report_input",
        `report input: ${k} has ${
          input[k].length
        } values but time has ${n}; every series must have one value per bar`,
      );
    }
  }
  if (n === 0) throw new KinetraError("bad_report_input", "report input has no bars");
}

function statValue(key: string, v: number | string | null): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return escapeHtml(v);
  const s = key === "trades" || /_bars$|_count$/.test(key) ? String(v) : formatNumber(v);
  return /_pct$/.test(key) ? `${s}%` : s;
}

function signName(key: string, v: number | string | null): string {
  if (typeof v !== "number" || !/return|pnl|expectancy/.test(key)) return "";
  return v > 0 ? "k-pos" : v < 0 ? "k-neg" : "";
}

function signClass(key: string, v: number | string | null): string {
  const name = signName(key, v);
  return name ? ` class="${name}"` : "";
}

/** The stats as HTML tables in columns (key stats first), inside `<div id="k-stats">`. */
export function statsTableHtml(stats: Record<string, number | string | null>, columns = 3): string {
  const keys = [
    ...KEY_STATS.filter((k) => k in stats),
    ...Object.keys(stats).filter((k) => !KEY_STATS.includes(k)).sort(),
  ];
  const per = Math.max(1, Math.ceil(keys.length / columns));
  const tables: string[] = [];
  for (let c = 0; c * per < keys.length; c++) {
    const rows = keys.slice(c * per, (c + 1) * per).map((k) =>
      `<tr><td>${escapeHtml(k)}</td><td${signClass(k, stats[k])}>${statValue(k, stats[k])}</td></tr>`
    );
    tables.push(
      `<table class="k-table"><thead><tr><th>statistic</th><th>value</th></tr></thead><tbody>${
        rows.join("")
      }</tbody></table>`,
    );
  }
  return `<div id="k-stats" class="k-stats">${tables.join("")}</div>`;
}

function cardValue(key: string, v: number | string | null): string {
  if (typeof v !== "number" || Number.isInteger(v) || !Number.isFinite(v)) return statValue(key, v);
  return `${v.toFixed(2)}${/_pct$/.test(key) ? "%" : ""}`;
}

/** Headline numbers as cards (only those present in `stats`). */
export function keyStatsHtml(stats: Record<string, number | string | null>): string {
  const cards: [string, string][] = [
    ["return_pct", "return"],
    ["max_drawdown_pct", "max drawdown"],
    ["trades", "trades"],
    ["win_rate_pct", "win rate"],
    ["profit_factor", "profit factor"],
    ["sharpe", "Sharpe"],
    ["omega", "Omega"],
    ["chs", "CHS"],
  ];
  const html = cards.filter(([k]) => k in stats).map(([k, label]) =>
    `<div class="k-card"><div class="k-card-label">${escapeHtml(label)}</div><div class="k-card-value ${
      signName(k, stats[k])
    }">${cardValue(k, stats[k])}</div></div>`
  );
  return `<div class="k-cards">${html.join("")}</div>`;
}

function field(t: ReportTrade, key: string): unknown {
  return (t as unknown as Record<string, unknown>)[key];
}

/** The first `max` trades as an HTML table. */
export function tradesTableHtml(trades: readonly ReportTrade[], max = 500): string {
  if (!trades.length) return '<p class="k-note" id="k-trades">No trades.</p>';
  const cols = [
    "entry_time",
    "exit_time",
    "side",
    "size",
    "entry_price",
    "exit_price",
    "pnl",
    "return_pct",
    "mfe",
    "mae",
    "exit_reason",
    "tag",
  ]
    .filter((c) => trades.some((t) => field(t, c) !== undefined && field(t, c) !== null));
  const cell = (c: string, v: unknown): string => {
    if (v === undefined || v === null) return "<td></td>";
    if (typeof v === "number") {
      const cls = (c === "pnl" || c === "return_pct") && v !== 0
        ? (v > 0 ? ' class="k-pos"' : ' class="k-neg"')
        : "";
      return `<td${cls}>${c === "side" ? (v > 0 ? "long" : "short") : formatNumber(v)}</td>`;
    }
    const s = String(v);
    return `<td>${escapeHtml(/_time$/.test(c) ? s.replace("T", " ").replace(/:00(\.000)?Z?$/, "") : s)}</td>`;
  };
  const body = trades.slice(0, max).map((t, i) =>
    `<tr><td>${i + 1}</td>${cols.map((c) => cell(c, field(t, c))).join("")}</tr>`
  );
  const more = trades.length > max
    ? `<p class="k-note">Showing the first ${max} of ${trades.length} trades; every trade is on the charts.</p>`
    : "";
  return `<div class="k-scroll"><table class="k-table" id="k-trades"><thead><tr><th>#</th>${
    cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")
  }</tr></thead><tbody>${body.join("")}</tbody></table></div>${more}`;
}

/**
 * The backtest report as one self-contained HTML page (works offline; about 5 MB, mostly
 * plotly.js). Long series are aggregated/decimated so the page stays light whatever the bar count.
 * Sets `body[data-rendered="1"]` when every chart has rendered.
 *
 * @throws KinetraError `bad_report_input` when series lengths differ or there are no bars.
 */
export function backtestReportHtml(input: ReportInput, opts: ReportOptions = {}): string {
  checkLengths(input);
  const n = input.time.length;
  const maxCandles = opts.maxCandles ?? 2000;
  const fmtDay = (t: number) => new Date(t).toISOString().slice(0, 16).replace("T", " ");
  const closed = input.trades.filter((t) => t.exit_price != null && Number.isFinite(t.exit_price as number));
  const summary =
    `${n.toLocaleString("en-US")} bars from ${fmtDay(input.time[0])} to ${fmtDay(input.time[n - 1])}, ` +
    `${input.trades.length} trades`;
  const blocks: PageBlock[] = [
    {
      kind: "html",
      html: `<p class="k-note">${input.subtitle ? escapeHtml(input.subtitle) + "<br>" : ""}${
        escapeHtml(summary)
      }</p>`,
    },
    { kind: "html", html: keyStatsHtml(input.stats) },
    { kind: "html", html: "<h2>Price, entries and exits</h2>" },
    {
      kind: "figure",
      id: "k-price",
      figure: candlestickFigure({
        time: input.time,
        open: input.open,
        high: input.high,
        low: input.low,
        close: input.close,
        trades: input.trades,
        maxCandles,
        height: 480,
      }),
      caption:
        "▲ long entry, ▼ short entry, ✕ exit (green: win, red: loss); dotted lines join entry and exit." +
        (n > maxCandles
          ? ` Candles aggregated: ${Math.ceil(n / maxCandles)} bars per candle (zoom in for detail).`
          : ""),
    },
    { kind: "html", html: "<h2>Equity and drawdown</h2>" },
    {
      kind: "figure",
      id: "k-equity",
      figure: equityDrawdownFigure(
        { time: input.time, equity: input.equity, drawdownPct: input.drawdownPct },
        {
          maxPoints: opts.maxPoints ?? 4000,
        },
      ),
    },
    { kind: "html", html: '<div class="k-grid"><div>' },
    { kind: "html", html: "<h2>MFE / MAE per trade</h2>" },
    {
      kind: "figure",
      id: "k-mfe-mae",
      figure: mfeMaeFigure(closed, { unit: input.excursionUnit ?? "price" }),
    },
    { kind: "html", html: "</div><div>" },
    { kind: "html", html: "<h2>Trade returns</h2>" },
    {
      kind: "figure",
      id: "k-returns",
      figure: returnDistributionFigure({
        name: "trades",
        values: closed.map((t) => (typeof t.return_pct === "number" ? t.return_pct : NaN)),
      }),
    },
    { kind: "html", html: "</div></div>" },
    { kind: "html", html: `<h2>Statistics</h2>${statsTableHtml(input.stats)}` },
    { kind: "html", html: `<h2>Trades</h2>${tradesTableHtml(input.trades, opts.maxTradeRows ?? 500)}` },
    {
      kind: "html",
      html: `<p class="k-note">Generated by Kinetra on ${
        new Date().toISOString()
      }. Charts: plotly.js, inlined (works offline).</p>`,
    },
  ];
  return htmlPage(blocks, { title: input.title, plotly: opts.plotly });
}
