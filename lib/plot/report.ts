/**
 * The one-file backtest report (`deno task backtest --report FILE.html`): price with entries and
 * exits, equity, drawdown, MFE/MAE per trade, the return distribution, the stats table and the
 * trade list, in one offline HTML page built from the same figure builders as the notebooks.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import type { ModelSummary } from "../backtest/intrabar.ts";
import type { ModelChange } from "../backtest/model_data.ts";
import { candlestickFigure, type Overlay, type RegimeStrip, type TradeLike } from "./candles.ts";
import { aggregateOhlc } from "./decimate.ts";
import { returnDistributionFigure } from "./distribution.ts";
import { equityDrawdownFigure } from "./equity.ts";
import { escapeHtml, type HtmlOptions, htmlPage, type PageBlock, scriptJson } from "./html.ts";
import { mfeMaeFigure } from "./mfe_mae.ts";
import {
  exportTime,
  formatStat,
  inferPriceDigits,
  modelChangesHtml,
  modelLineHtml,
  monthlyReturnsHtml,
  statLabel,
  tradeListHtml,
  type TradeRow,
} from "./report_tables.ts";

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
  /** The strategy's indicators (SMAs, ...): on the price or in their own panel. */
  overlays?: readonly Overlay[];
  /** The regime per bar, as a strip under the price. */
  regimes?: RegimeStrip;
  /** The first traded bar (after the warm-up): the buy & hold line starts there (default 0). */
  firstBar?: number;
  /** Decimals of the symbol's prices (default: inferred from the closes). */
  priceDigits?: number;
  /** Account currency, for the money labels (e.g. "USD"). */
  currency?: string;
  /** The modelling mode of the run (shown with the statistics; absent: not shown). */
  model?: ModelSummary;
  /** Trades whose outcome changed against the same run under `ohlc` (a section when `model` is not ohlc). */
  modelChanges?: readonly ModelChange[];
}

/** Options of {@link backtestReportHtml}. */
export interface ReportOptions extends Pick<HtmlOptions, "plotly" | "plotlySrc"> {
  /** Candles drawn at most (longer series are aggregated, and re-aggregated on zoom; default 2000). */
  maxCandles?: number;
  /**
   * Bars kept at full resolution in the page for re-aggregation on zoom (default 60,000: two years
   * of M15; a longer series keeps this many finer candles, so the page stays a few MB).
   */
  maxZoomBars?: number;
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

function signName(key: string, v: number | string | null): string {
  if (typeof v !== "number" || !/return|pnl|expectancy|alpha/.test(key)) return "";
  return v > 0 ? "k-pos" : v < 0 ? "k-neg" : "";
}

function signClass(key: string, v: number | string | null): string {
  const name = signName(key, v);
  return name ? ` class="${name}"` : "";
}

/**
 * The stats as HTML tables in columns (key stats first), inside `<div id="k-stats">`: readable
 * names with units (`Return [%]`, `Max. drawdown duration [days]`) and one format per kind of value.
 */
export function statsTableHtml(
  stats: Record<string, number | string | null>,
  columns = 3,
  currency = "",
): string {
  const keys = [
    ...KEY_STATS.filter((k) => k in stats),
    ...Object.keys(stats).filter((k) => !KEY_STATS.includes(k)),
  ];
  const per = Math.max(1, Math.ceil(keys.length / columns));
  const tables: string[] = [];
  for (let c = 0; c * per < keys.length; c++) {
    const rows = keys.slice(c * per, (c + 1) * per).map((k) =>
      `<tr data-key="${escapeHtml(k)}"><td>${escapeHtml(statLabel(k, currency))}</td><td${
        signClass(k, stats[k])
      }>${escapeHtml(formatStat(k, stats[k]))}</td></tr>`
    );
    tables.push(
      `<table class="k-table"><thead><tr><th>Statistic</th><th>Value</th></tr></thead><tbody>${
        rows.join("")
      }</tbody></table>`,
    );
  }
  return `<div id="k-stats" class="k-stats">${tables.join("")}</div>`;
}

/** Headline numbers as cards (only those present in `stats`). */
export function keyStatsHtml(stats: Record<string, number | string | null>): string {
  const cards: [string, string][] = [
    ["return_pct", "return %"],
    ["buy_hold_return_pct", "buy & hold %"],
    ["max_drawdown_pct", "max drawdown %"],
    ["trades", "trades"],
    ["win_rate_pct", "win rate %"],
    ["profit_factor", "profit factor"],
    ["sharpe", "Sharpe"],
    ["chs", "CHS"],
  ];
  const html = cards.filter(([k]) => k in stats).map(([k, label]) =>
    `<div class="k-card"><div class="k-card-label">${escapeHtml(label)}</div><div class="k-card-value ${
      signName(k, stats[k])
    }">${escapeHtml(formatStat(k, stats[k]))}</div></div>`
  );
  return `<div class="k-cards">${html.join("")}</div>`;
}

/**
 * The first `max` trades as an HTML table: times (export clock), duration, side, size, prices to
 * `priceDigits` decimals, stop-loss/take-profit, P&L, return, costs, swap, MFE/MAE, exit reason.
 */
export function tradesTableHtml(
  trades: readonly ReportTrade[],
  max = 500,
  opts: { priceDigits?: number; currency?: string } = {},
): string {
  const rows = trades as unknown as readonly TradeRow[];
  const digits = opts.priceDigits ?? inferPriceDigits(trades.map((t) => t.entry_price));
  return tradeListHtml(rows, { priceDigits: digits, max, currency: opts.currency });
}

/** Buy & hold equity: the starting equity times close / close at `from` (NaN before `from`). */
export function buyAndHoldEquity(
  close: ArrayLike<number>,
  startEquity: number,
  from = 0,
): Float64Array {
  const out = new Float64Array(close.length).fill(NaN);
  const c0 = close[Math.min(Math.max(0, from), close.length - 1)];
  if (!(c0 > 0)) return out;
  for (let i = Math.max(0, from); i < close.length; i++) out[i] = startEquity * close[i] / c0;
  return out;
}

/** Integer steps of 10^-decimals, each the difference to the previous one; null (and a restart) for NaN. */
function packSeries(values: ArrayLike<number>, decimals: number): { d: number; v: (number | null)[] } {
  const scale = 10 ** decimals;
  const v: (number | null)[] = [];
  let prev = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) {
      v.push(null);
      prev = 0;
      continue;
    }
    const q = Math.round(x * scale);
    v.push(q - prev);
    prev = q;
  }
  return { d: decimals, v };
}

/** `[first, [[step, count], ...]]`: times as runs of equal steps. */
function packTimes(time: ArrayLike<number>): [number, [number, number][]] {
  const runs: [number, number][] = [];
  for (let i = 1; i < time.length; i++) {
    const d = time[i] - time[i - 1];
    const last = runs[runs.length - 1];
    if (last && last[0] === d) last[1]++;
    else runs.push([d, 1]);
  }
  return [time.length ? time[0] : 0, runs];
}

/**
 * The page script that re-aggregates the candles (and the indicator lines) for the visible range
 * after each zoom or pan, so zooming in shows the real bars; double-click (autorange) goes back.
 */
const ZOOM_JS = `
var packed = JSON.parse(document.getElementById("k-raw-ohlc").textContent);
function unpack(p) {
  var s = Math.pow(10, p.d), out = new Array(p.v.length), prev = 0;
  for (var i = 0; i < p.v.length; i++) {
    var x = p.v[i];
    if (x === null) { out[i] = NaN; prev = 0; } else { prev += x; out[i] = prev / s; }
  }
  return out;
}
function unpackTimes(p) {
  var out = [p[0]], t = p[0];
  for (var k = 0; k < p[1].length; k++) for (var j = 0; j < p[1][k][1]; j++) { t += p[1][k][0]; out.push(t); }
  return out;
}
var raw = {
  max: packed.max, factor: packed.factor, t: unpackTimes(packed.t),
  o: unpack(packed.o), h: unpack(packed.h), l: unpack(packed.l), c: unpack(packed.c),
  overlays: packed.overlays.map(function (ov) { return { trace: ov.trace, v: unpack(ov.v) }; })
};
var el = document.getElementById("k-price");
if (!el || !raw.t.length) return;
function toMs(v) {
  if (typeof v === "number") return v;
  var s = String(v).trim().replace(" ", "T");
  if (s.length === 10) s += "T00:00";
  return Date.parse(s.slice(0, 23) + "Z");
}
function lower(x) {
  var lo = 0, hi = raw.t.length;
  while (lo < hi) { var m = (lo + hi) >> 1; if (raw.t[m] < x) lo = m + 1; else hi = m; }
  return lo;
}
function aggregate(s, e) {
  var f = Math.max(1, Math.ceil((e - s + 1) / raw.max));
  var out = { t: [], o: [], h: [], l: [], c: [], end: [], f: f };
  for (var a = s; a <= e; a += f) {
    var b = Math.min(e, a + f - 1), h = -Infinity, l = Infinity;
    for (var i = a; i <= b; i++) { if (raw.h[i] > h) h = raw.h[i]; if (raw.l[i] < l) l = raw.l[i]; }
    out.t.push(new Date(raw.t[a]).toISOString().slice(0, 19).replace("T", " ")); out.o.push(raw.o[a]); out.h.push(h); out.l.push(l); out.c.push(raw.c[b]); out.end.push(b);
  }
  return out;
}
var busy = false;
el.setAttribute("data-bars-per-candle", String(raw.factor));
el.on("plotly_relayout", function (ev) {
  if (busy || !ev) return;
  var r0 = ev["xaxis.range[0]"], r1 = ev["xaxis.range[1]"];
  if (ev["xaxis.range"]) { r0 = ev["xaxis.range"][0]; r1 = ev["xaxis.range"][1]; }
  var s = 0, e = raw.t.length - 1;
  if (!ev["xaxis.autorange"]) {
    if (r0 === undefined || r1 === undefined) return;
    s = Math.max(0, lower(toMs(r0)) - 1);
    e = Math.min(raw.t.length - 1, lower(toMs(r1)));
  }
  var a = aggregate(s, e);
  var traces = [0], upd = { x: [a.t], open: [a.o], high: [a.h], low: [a.l], close: [a.c] };
  busy = true;
  Plotly.restyle(el, upd, traces).then(function () {
    var ys = [], xs = [], idx = [];
    raw.overlays.forEach(function (ov) {
      idx.push(ov.trace); xs.push(a.t);
      ys.push(a.end.map(function (i) { var v = ov.v[i]; return v === null || isNaN(v) ? null : v; }));
    });
    return idx.length ? Plotly.restyle(el, { x: xs, y: ys }, idx) : null;
  }).then(function () {
    // Fit the price axis to the candles now shown, and keep the time axis a date axis.
    // (autorange would span every trace over the whole run, so the range comes from the candles).
    var fit = { "xaxis.type": "date" };
    if (ev["xaxis.autorange"]) { fit["xaxis.autorange"] = true; fit["yaxis.autorange"] = true; }
    else {
      var lo = Math.min.apply(null, a.l), hi = Math.max.apply(null, a.h), pad = (hi - lo) * 0.06 || hi * 0.001;
      fit["xaxis.range"] = [r0, r1];
      fit["yaxis.range"] = [lo - pad, hi + pad];
    }
    return Plotly.relayout(el, fit);
  }).then(function () {
    el.setAttribute("data-bars-per-candle", String(a.f));
    el.setAttribute("data-candles", String(a.t.length));
    var cap = document.getElementById("k-price-agg");
    if (cap) cap.textContent = a.f > 1 ? a.f + " bars per candle (zoom in for the real bars)." : "Real bars (1 bar per candle).";
    busy = false;
  }, function () { busy = false; });
});
`;

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
  const closed = input.trades.filter((t) => t.exit_price != null && Number.isFinite(t.exit_price as number));
  const summary = `${n.toLocaleString("en-US")} bars from ${exportTime(input.time[0])} to ${
    exportTime(input.time[n - 1])
  } (export clock), ${input.trades.length} trades`;
  const digits = input.priceDigits ?? inferPriceDigits(input.close);
  const firstBar = Math.min(Math.max(0, input.firstBar ?? 0), n - 1);
  const price = candlestickFigure({
    time: input.time,
    open: input.open,
    high: input.high,
    low: input.low,
    close: input.close,
    trades: input.trades,
    overlays: input.overlays,
    regimes: input.regimes,
    maxCandles,
    height: 520,
  });
  price.layout = {
    ...price.layout,
    yaxis: { ...(price.layout.yaxis as object), tickformat: `,.${digits}f` },
  };
  // Full-resolution bars for re-aggregation on zoom (a very long series keeps a finer aggregation).
  const zoomAgg = aggregateOhlc(
    input.time,
    input.open,
    input.high,
    input.low,
    input.close,
    opts.maxZoomBars ?? 60_000,
  );
  const overlayTrace = (name: string) => price.data.findIndex((d) => d.name === name);
  // Compact: times run-length coded, prices as integer steps of the symbol's digits, delta coded.
  const raw = {
    max: maxCandles,
    factor: Math.ceil(n / maxCandles) > 1 ? Math.ceil(n / maxCandles) : 1,
    t: packTimes(zoomAgg.time),
    o: packSeries(zoomAgg.open, digits),
    h: packSeries(zoomAgg.high, digits),
    l: packSeries(zoomAgg.low, digits),
    c: packSeries(zoomAgg.close, digits),
    overlays: (input.overlays ?? []).map((o) => ({
      trace: overlayTrace(o.name),
      v: packSeries(zoomAgg.end.map((i) => o.values[i]), o.panel ? 4 : digits + 1),
    })).filter((o) => o.trace >= 0),
  };
  const startEquity = input.equity[firstBar];
  const blocks: PageBlock[] = [
    {
      kind: "html",
      html: `<p class="k-note">${input.subtitle ? escapeHtml(input.subtitle) + "<br>" : ""}${
        escapeHtml(summary)
      }</p>`,
    },
    { kind: "html", html: keyStatsHtml(input.stats) + (input.model ? modelLineHtml(input.model) : "") },
    { kind: "html", html: "<h2>Price, entries and exits</h2>" },
    {
      kind: "figure",
      id: "k-price",
      figure: price,
      caption: "▲ long entry (just under its price), ▼ short entry (just above), ✕ exit at its price " +
        "(green: win, red: loss); dotted lines join entry and exit; dashed: stop-loss (red) and " +
        "take-profit (green) while the trade was open. Hover a marker for the exact prices.",
    },
    {
      kind: "html",
      html: `<p class="k-note" id="k-price-agg">${
        n > maxCandles
          ? `${Math.ceil(n / maxCandles)} bars per candle (zoom in for the real bars).`
          : "Real bars (1 bar per candle)."
      }</p><script type="application/json" id="k-raw-ohlc">${scriptJson(raw)}</script>`,
    },
    { kind: "html", html: "<h2>Equity and drawdown</h2>" },
    {
      kind: "figure",
      id: "k-equity",
      figure: equityDrawdownFigure(
        { time: input.time, equity: input.equity, drawdownPct: input.drawdownPct },
        {
          maxPoints: opts.maxPoints ?? 4000,
          benchmark: Number.isFinite(startEquity)
            ? {
              name: "buy & hold",
              time: input.time,
              equity: buyAndHoldEquity(input.close, startEquity, firstBar),
            }
            : undefined,
        },
      ),
      caption: `Equity in ${input.currency ?? "the account currency"}; dashed: buy & hold of the symbol ` +
        `from the first traded bar (${exportTime(input.time[firstBar])}).`,
    },
    { kind: "html", html: `<h2>Monthly returns [%]</h2>${monthlyReturnsHtml(input.time, input.equity)}` },
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
    {
      kind: "html",
      html: `<h2>Statistics</h2>${statsTableHtml(input.stats, 3, input.currency ?? "")}`,
    },
    ...(input.model && input.model.name !== "ohlc" && input.modelChanges
      ? [{
        kind: "html" as const,
        html: modelChangesHtml(input.model.name, input.modelChanges, {
          priceDigits: digits,
          max: opts.maxTradeRows,
          currency: input.currency,
        }),
      }]
      : []),
    {
      kind: "html",
      html: `<h2>Trades</h2>${
        tradesTableHtml(input.trades, opts.maxTradeRows ?? 500, {
          priceDigits: digits,
          currency: input.currency,
        })
      }`,
    },
    {
      kind: "html",
      html: `<p class="k-note">Times are the export's clock (as in the data file). Generated by Kinetra on ${
        exportTime(Date.now())
      } UTC. Charts: plotly.js, inlined (works offline).</p>`,
    },
  ];
  return htmlPage(blocks, {
    title: input.title,
    plotly: opts.plotly,
    plotlySrc: opts.plotlySrc,
    afterRender: ZOOM_JS,
    css: REPORT_CSS,
  });
}

/** Long/short colours in the trade table. */
const REPORT_CSS = `.k-long { color: #1565c0; } .k-short { color: #ef6c00; }`;
