/**
 * A deliberately simple, independent implementation of SmaCross in backtesting.py's semantics
 * (objects per bar, closures, O(n·w) moving averages, no typed arrays). It exists to cross-check
 * the engine's trade list (tests) and as the baseline of `deno task bench:engine`. Not for use.
 *
 * @module
 */
import type { BarArrays } from "../data/types.ts";

/** A trade of the simple reference. */
export interface SimpleTrade {
  size: number;
  entryBar: number;
  exitBar: number;
  entryPrice: number;
  exitPrice: number;
  pnl: number;
}

/** Result of the simple reference. */
export interface SimpleResult {
  trades: SimpleTrade[];
  equity: number[];
  finalEquity: number;
}

interface Bar {
  open: number;
  high: number;
  low: number;
  close: number;
}

function floorDiv(a: number, b: number): number {
  // Python's float floor division, written plainly.
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && (b < 0) !== (mod < 0)) div -= 1;
  const f = Math.floor(div);
  return div - f > 0.5 ? f + 1 : f;
}

/** SmaCross(fast, slow), all-in, next-open fills, no costs, open trades closed at the last open. */
export function simpleSmaCross(bars: BarArrays, fast: number, slow: number, cash: number): SimpleResult {
  const rows: Bar[] = [];
  for (let i = 0; i < bars.length; i++) {
    rows.push({ open: bars.open[i], high: bars.high[i], low: bars.low[i], close: bars.close[i] });
  }
  const smaAt = (n: number, i: number): number => {
    if (i < n - 1) return NaN;
    let s = 0;
    for (let k = i - n + 1; k <= i; k++) s += rows[k].close;
    return s / n;
  };
  const fastMa = rows.map((_, i) => smaAt(fast, i));
  const slowMa = rows.map((_, i) => smaAt(slow, i));
  const trades: SimpleTrade[] = [];
  let open: { size: number; entryBar: number; entryPrice: number } | null = null;
  let pending: Array<{ type: "close" } | { type: "buy" | "sell" }> = [];
  const equity: number[] = [];
  const start = Math.max(fast, slow);
  const closeAt = (i: number, price: number) => {
    if (!open) return;
    const pnl = open.size * (price - open.entryPrice);
    trades.push({ ...open, exitBar: i, exitPrice: price, pnl });
    cash += pnl;
    open = null;
  };
  const fill = (i: number) => {
    const price = rows[i].open;
    for (const o of pending) {
      if (o.type === "close") closeAt(i, price);
      else {
        const units = Math.trunc(floorDiv(cash * (1 - Number.EPSILON), price));
        if (units > 0) open = { size: o.type === "buy" ? units : -units, entryBar: i, entryPrice: price };
      }
    }
    pending = [];
  };
  for (let i = 0; i < rows.length; i++) {
    if (i < start) {
      equity.push(cash);
      continue;
    }
    fill(i);
    const o = open as { size: number; entryPrice: number } | null;
    equity.push(cash + (o ? o.size * (rows[i].close - o.entryPrice) : 0));
    const crossUp = fastMa[i - 1] < slowMa[i - 1] && fastMa[i] > slowMa[i];
    const crossDown = slowMa[i - 1] < fastMa[i - 1] && slowMa[i] > fastMa[i];
    if (crossUp) pending = [{ type: "close" }, { type: "buy" }];
    else if (crossDown) pending = [{ type: "close" }, { type: "sell" }];
  }
  const last = rows.length - 1;
  if (open) {
    closeAt(last, rows[last].open);
    equity[last] = cash;
  }
  return { trades, equity, finalEquity: cash };
}
