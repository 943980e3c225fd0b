/**
 * The report's tables and labels for a trader: statistics with readable names and units, one
 * number format per kind of value (money, %, ratio, count, days, time), the monthly returns table
 * and the trade list with costs and duration. Times are the export's clock (no "Z": not UTC).
 *
 * @module
 */
import { escapeHtml } from "./html.ts";
import type { ModelSummary } from "../backtest/intrabar.ts";
import type { ModelChange } from "../backtest/model_data.ts";

/** Readable names (with units) of the backtest statistics; unknown keys are humanised. */
export const STAT_LABELS: Readonly<Record<string, string>> = {
  profile: "Profile",
  start: "Start",
  end: "End",
  bars: "Bars",
  duration_days: "Duration [days]",
  exposure_pct: "Exposure time [%]",
  equity_final: "Equity final [money]",
  equity_peak: "Equity peak [money]",
  return_pct: "Return [%]",
  buy_hold_return_pct: "Buy & hold return [%]",
  return_ann_pct: "Return, annualised [%]",
  volatility_ann_pct: "Volatility, annualised [%]",
  cagr_pct: "CAGR [%]",
  sharpe: "Sharpe ratio",
  sortino: "Sortino ratio",
  calmar: "Calmar ratio",
  alpha_pct: "Alpha [%]",
  beta: "Beta",
  max_drawdown_pct: "Max. drawdown [%]",
  avg_drawdown_pct: "Avg. drawdown [%]",
  max_drawdown_duration_bars: "Max. drawdown duration [bars]",
  max_drawdown_duration_days: "Max. drawdown duration [days]",
  avg_drawdown_duration_bars: "Avg. drawdown duration [bars]",
  avg_drawdown_duration_days: "Avg. drawdown duration [days]",
  trades: "Trades",
  win_rate_pct: "Win rate [%]",
  best_trade_pct: "Best trade [%]",
  worst_trade_pct: "Worst trade [%]",
  avg_trade_pct: "Avg. trade [%]",
  expectancy_pct: "Expectancy [%]",
  max_trade_duration_days: "Max. trade duration [days]",
  avg_trade_duration_days: "Avg. trade duration [days]",
  profit_factor: "Profit factor",
  sqn: "SQN",
  kelly: "Kelly criterion",
  omega: "Omega ratio (bar returns)",
  omega_trades: "Omega ratio (trades)",
  z_factor: "Z-factor",
  avg_mfe: "Avg. MFE [price]",
  avg_mae: "Avg. MAE [price]",
  mfe_captured_pct: "MFE captured [%]",
  energy_captured_pct: "Energy captured [%]",
  chs: "CHS (composite health score, 0-1)",
  risk_of_ruin: "Risk of ruin [0-1]",
  total_costs: "Total costs [money]",
  commissions: "Commissions [money]",
  spread_costs: "Spread costs [money]",
  slippage_costs: "Slippage costs [money]",
  swap: "Swap [money]",
  open_trades: "Open trades",
  rejected_orders: "Rejected orders",
  cancelled_orders: "Cancelled orders",
  annual_periods: "Periods per year",
};

const MONEY = new Set([
  "equity_final",
  "equity_peak",
  "total_costs",
  "commissions",
  "spread_costs",
  "slippage_costs",
  "swap",
]);
const COUNTS = /^(trades|bars|open_trades|rejected_orders|cancelled_orders|annual_periods)$|_bars$/;

/** The label of a statistic: its readable name, `[money]` replaced by the account currency when known. */
export function statLabel(key: string, currency = ""): string {
  const base = STAT_LABELS[key] ??
    key.replace(/_pct$/, " [%]").replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  return base.replace("[money]", currency ? `[${currency}]` : "[account currency]");
}

/** `YYYY-MM-DD HH:MM` of an epoch-ms or ISO time, in the export's clock (no "Z"). */
export function exportTime(t: number | string): string {
  const ms = typeof t === "number" ? t : Date.parse(t);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace("T", " ") : String(t);
}

/** `1 234.50`-style money: two decimals, thousands separated. */
export function formatMoney(v: number): string {
  return v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** One statistic's value, formatted by its kind (money, %, count, days, time, ratio). */
export function formatStat(key: string, v: number | string | null | undefined): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return /^(start|end)$/.test(key) ? exportTime(v) : v;
  if (!Number.isFinite(v)) return "–";
  if (MONEY.has(key)) return formatMoney(v);
  if (COUNTS.test(key)) return Math.round(v).toLocaleString("en-US");
  if (/_days$/.test(key)) return v.toFixed(1);
  if (key === "risk_of_ruin") return v.toFixed(4);
  return v.toFixed(2);
}

/** `2d 4h`, `3h 15m`, `45m` from a duration in ms. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  const m = Math.round(ms / 60000);
  const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return mm ? `${h}h ${mm}m` : `${h}h`;
  return `${mm}m`;
}

/** Calendar-month returns in % from an equity curve: month-end over the previous month-end. */
export function monthlyReturns(
  time: ArrayLike<number>,
  equity: ArrayLike<number>,
): { year: number; month: number; pct: number }[] {
  const out: { year: number; month: number; pct: number }[] = [];
  let prev = NaN, curKey = -1, last = NaN;
  for (let i = 0; i < time.length; i++) {
    const e = equity[i];
    if (!Number.isFinite(e)) continue;
    const d = new Date(time[i]);
    const key = d.getUTCFullYear() * 12 + d.getUTCMonth();
    if (Number.isNaN(prev)) prev = e;
    if (curKey !== -1 && key !== curKey) {
      out.push({ year: Math.floor(curKey / 12), month: curKey % 12, pct: (last / prev - 1) * 100 });
      prev = last;
    }
    curKey = key;
    last = e;
  }
  if (curKey !== -1) {
    out.push({ year: Math.floor(curKey / 12), month: curKey % 12, pct: (last / prev - 1) * 100 });
  }
  return out;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function signCell(v: number): string {
  const cls = v > 0 ? "k-pos" : v < 0 ? "k-neg" : "";
  // A light background scaled with the size of the move, so good and bad months stand out.
  const a = Math.min(0.35, Math.abs(v) / 20).toFixed(2);
  const bg = v > 0 ? `rgba(46,125,50,${a})` : v < 0 ? `rgba(198,40,40,${a})` : "transparent";
  return `<td class="${cls}" style="background:${bg}">${v.toFixed(2)}</td>`;
}

/** The monthly returns table (years × months, and the year's compounded return), in %. */
export function monthlyReturnsHtml(time: ArrayLike<number>, equity: ArrayLike<number>): string {
  const rows = monthlyReturns(time, equity);
  if (!rows.length) return '<p class="k-note" id="k-monthly">No equity to summarise.</p>';
  const years = [...new Set(rows.map((r) => r.year))];
  const body = years.map((y) => {
    const cells = MONTHS.map((_, m) => {
      const r = rows.find((x) => x.year === y && x.month === m);
      return r ? signCell(r.pct) : "<td></td>";
    });
    const total = rows.filter((r) => r.year === y).reduce((acc, r) => acc * (1 + r.pct / 100), 1);
    return `<tr><td>${y}</td>${cells.join("")}${signCell((total - 1) * 100)}</tr>`;
  });
  return `<div class="k-scroll"><table class="k-table" id="k-monthly"><thead><tr><th>Year</th>${
    MONTHS.map((m) => `<th>${m}</th>`).join("")
  }<th>Year [%]</th></tr></thead><tbody>${body.join("")}</tbody></table></div>`;
}

/** Decimals that show the prices as the symbol quotes them (the most used in the first values). */
export function inferPriceDigits(prices: ArrayLike<number>): number {
  let digits = 0;
  for (let i = 0; i < Math.min(prices.length, 300); i++) {
    const v = prices[i];
    if (!Number.isFinite(v)) continue;
    const s = String(Math.round(v * 1e6) / 1e6);
    const d = s.includes(".") ? s.split(".")[1].length : 0;
    if (d > digits) digits = d;
  }
  return Math.min(digits, 6);
}

/** A trade row as the table reads it (backtest TradeRecord and live trades fit). */
export type TradeRow = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * The trade list: times, duration, side, size, prices (to the symbol's digits), stop-loss and
 * take-profit, P&L, return, costs (commission + spread + slippage) and swap, MFE/MAE, exit reason.
 */
export function tradeListHtml(
  trades: readonly TradeRow[],
  opts: { priceDigits: number; max?: number; currency?: string },
): string {
  if (!trades.length) return '<p class="k-note" id="k-trades">No trades.</p>';
  const max = opts.max ?? 500;
  const ccy = opts.currency ? ` [${opts.currency}]` : "";
  const px = (v: unknown) => {
    const n = num(v);
    return n === null ? "" : n.toLocaleString("en-US", {
      minimumFractionDigits: opts.priceDigits,
      maximumFractionDigits: opts.priceDigits,
    });
  };
  const money = (v: unknown) => (num(v) === null ? "" : formatMoney(num(v)!));
  const costs = (t: TradeRow) => {
    const parts = [t.commission, t.spread_cost, t.slippage_cost].map(num).filter((x) =>
      x !== null
    ) as number[];
    return parts.length ? parts.reduce((a, b) => a + b, 0) : null;
  };
  const time = (v: unknown) => (typeof v === "string" || typeof v === "number" ? exportTime(v) : "");
  const duration = (t: TradeRow) => {
    const a = typeof t.entry_time === "number" ? t.entry_time : Date.parse(String(t.entry_time));
    const b = typeof t.exit_time === "number" ? t.exit_time : Date.parse(String(t.exit_time ?? ""));
    const d = formatDuration(b - a);
    return d || (num(t.duration_bars) !== null ? `${t.duration_bars} bars` : "");
  };
  const side = (v: unknown) =>
    typeof v === "number"
      ? (v < 0 ? "short" : "long")
      : /^(s|short|sell)/i.test(String(v))
      ? "short"
      : "long";
  type Col = {
    head: string;
    cell: (t: TradeRow) => string;
    cls?: (t: TradeRow) => string;
    when?: (t: TradeRow) => boolean;
  };
  const signed = (k: string) => (t: TradeRow) => {
    const v = num(k === "costs" ? costs(t) : t[k]);
    return v === null || v === 0 || k === "costs" ? "" : v > 0 ? "k-pos" : "k-neg";
  };
  const all: Col[] = [
    { head: "Entry time", cell: (t) => time(t.entry_time) },
    { head: "Exit time", cell: (t) => time(t.exit_time) },
    { head: "Duration", cell: duration },
    { head: "Side", cell: (t) => side(t.side), cls: (t) => (side(t.side) === "long" ? "k-long" : "k-short") },
    {
      head: "Size [lots]",
      cell: (t) => (num(t.size) === null ? "" : num(t.size)!.toFixed(2)),
      when: (t) => t.size != null,
    },
    { head: "Entry price", cell: (t) => px(t.entry_price) },
    { head: "Exit price", cell: (t) => px(t.exit_price) },
    { head: "Stop-loss", cell: (t) => px(t.sl), when: (t) => num(t.sl) !== null },
    { head: "Take-profit", cell: (t) => px(t.tp), when: (t) => num(t.tp) !== null },
    { head: `P&L${ccy}`, cell: (t) => money(t.pnl), cls: signed("pnl"), when: (t) => t.pnl != null },
    {
      head: "Return [%]",
      cell: (t) => (num(t.return_pct) === null ? "" : num(t.return_pct)!.toFixed(2)),
      cls: signed("return_pct"),
      when: (t) => t.return_pct != null,
    },
    { head: `Costs${ccy}`, cell: (t) => money(costs(t)), when: (t) => costs(t) !== null },
    { head: `Swap${ccy}`, cell: (t) => money(t.swap), when: (t) => num(t.swap) !== null },
    { head: "MFE [price]", cell: (t) => px(t.mfe), when: (t) => num(t.mfe) !== null },
    { head: "MAE [price]", cell: (t) => px(t.mae), when: (t) => num(t.mae) !== null },
    { head: "Exit reason", cell: (t) => String(t.exit_reason ?? ""), when: (t) => t.exit_reason != null },
    { head: "Tag", cell: (t) => String(t.tag ?? ""), when: (t) => t.tag != null && t.tag !== "" },
  ];
  const cols = all.filter((c) => !c.when || trades.some(c.when));
  const body = trades.slice(0, max).map((t, i) =>
    `<tr><td>${i + 1}</td>${
      cols.map((c) => {
        const cls = c.cls?.(t);
        return `<td${cls ? ` class="${cls}"` : ""}>${escapeHtml(c.cell(t))}</td>`;
      }).join("")
    }</tr>`
  );
  const more = trades.length > max
    ? `<p class="k-note">Showing the first ${max} of ${trades.length} trades; every trade is on the charts.</p>`
    : "";
  return `<div class="k-scroll"><table class="k-table" id="k-trades"><thead><tr><th>#</th>${
    cols.map((c) => `<th>${escapeHtml(c.head)}</th>`).join("")
  }</tr></thead><tbody>${body.join("")}</tbody></table></div>${more}`;
}

/** The modelling mode of a run in one line: name, where its path came from, bars resolved and on ohlc. */
export function modelLineHtml(m: ModelSummary): string {
  const n = (v: number) => v.toLocaleString("en-US");
  const text = m.name === "ohlc"
    ? "ohlc: one look at each bar's open, high and low; a bar touching both stop-loss and take-profit exits at the stop-loss"
    : `${m.name} (path from ${m.source ?? "the bar opens"}): ${n(m.bars_resolved)} bars resolved, ${
      n(m.bars_fallback)
    } on ohlc${
      m.findings.length ? ` (${m.findings.map((f) => `${f.code}: ${n(f.count)}`).join(", ")})` : ""
    }`;
  return `<p class="k-note" id="k-model"><b>Model</b>: ${escapeHtml(text)}</p>`;
}

/**
 * The trades whose outcome changed between `ohlc` and the chosen model (lib/backtest/model_data.ts
 * `modelChanges`): entry time and side, then each run's exit (reason, time, price, P&L).
 */
export function modelChangesHtml(
  model: string,
  changes: readonly ModelChange[],
  opts: { priceDigits: number; max?: number; currency?: string },
): string {
  const head = `<h2 id="k-model-changes-title">Trades whose outcome changed under ${escapeHtml(model)}</h2>`;
  if (!changes.length) {
    return `${head}<p class="k-note" id="k-model-changes">No trade ended differently than under ohlc.</p>`;
  }
  const max = opts.max ?? 500;
  const ccy = opts.currency ? ` [${opts.currency}]` : "";
  const px = (v: number) =>
    v.toLocaleString("en-US", {
      minimumFractionDigits: opts.priceDigits,
      maximumFractionDigits: opts.priceDigits,
    });
  const sideOf = (s: string) => (/^(s|short|sell|-)/i.test(s) ? "short" : "long");
  const cells = (o: ModelChange["ohlc"]) =>
    o
      ? `<td>${escapeHtml(o.exit_reason)}</td><td>${escapeHtml(exportTime(o.exit_time))}</td><td>${
        px(o.exit_price)
      }</td><td class="${o.pnl > 0 ? "k-pos" : o.pnl < 0 ? "k-neg" : ""}">${formatMoney(o.pnl)}</td>`
      : '<td colspan="4" class="k-note">no such trade</td>';
  const body = changes.slice(0, max).map((c, i) => {
    const d = c.ohlc && c.model ? c.model.pnl - c.ohlc.pnl : null;
    return `<tr><td>${i + 1}</td><td>${escapeHtml(exportTime(c.entry_time))}</td><td class="k-${
      sideOf(c.side)
    }">${sideOf(c.side)}</td>${cells(c.ohlc)}${cells(c.model)}<td class="${
      d === null ? "" : d > 0 ? "k-pos" : d < 0 ? "k-neg" : ""
    }">${d === null ? "" : formatMoney(d)}</td></tr>`;
  });
  const m = escapeHtml(model);
  const more = changes.length > max
    ? `<p class="k-note">Showing the first ${max} of ${changes.length} changed trades.</p>`
    : "";
  return `${head}<p class="k-note">${changes.length} trade(s) ended differently than in the same run under ohlc ` +
    `(matched by entry time and side; "no such trade": the trade exists in one run only).</p>` +
    `<div class="k-scroll"><table class="k-table" id="k-model-changes"><thead>` +
    `<tr><th rowspan="2">#</th><th rowspan="2">Entry time</th><th rowspan="2">Side</th>` +
    `<th colspan="4" style="text-align:center">ohlc</th><th colspan="4" style="text-align:center">${m}</th><th rowspan="2">P&amp;L change${
      escapeHtml(ccy)
    }</th></tr>` +
    `<tr>${
      `<th>Exit reason</th><th>Exit time</th><th>Exit price</th><th>P&amp;L${escapeHtml(ccy)}</th>`.repeat(2)
    }</tr>` +
    `</thead><tbody>${body.join("")}</tbody></table></div>${more}`;
}
