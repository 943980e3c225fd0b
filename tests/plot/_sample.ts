/**
 * Test helper: a ReportInput from a real bundled sample file, read with plain JS (so the plot tests
 * do not depend on other rooms), traded by a textbook SMA(10/30) crossover that is always in the
 * market, with equity, drawdown, MFE and MAE computed bar by bar.
 */
import type { ReportInput, ReportTrade } from "../../lib/plot/mod.ts";

export const SAMPLE_FILE = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

/** Read an MT5 bars export (tab-separated, <DATE> <TIME> header). */
export function readMt5(
  path: string,
): { time: number[]; open: number[]; high: number[]; low: number[]; close: number[] } {
  const lines = Deno.readTextFileSync(path).split(/\r?\n/).filter((l) => l.trim());
  const out = {
    time: [] as number[],
    open: [] as number[],
    high: [] as number[],
    low: [] as number[],
    close: [] as number[],
  };
  for (const line of lines.slice(1)) {
    const [d, t, o, h, l, c] = line.split("\t");
    out.time.push(Date.parse(`${d.replaceAll(".", "-")}T${t}Z`));
    out.open.push(Number(o));
    out.high.push(Number(h));
    out.low.push(Number(l));
    out.close.push(Number(c));
  }
  return out;
}

function sma(x: number[], n: number): number[] {
  const out = new Array<number>(x.length).fill(NaN);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i];
    if (i >= n) s -= x[i - n];
    if (i >= n - 1) out[i] = s / n;
  }
  return out;
}

/** ReportInput for `path`: SMA crossover, one unit per trade, fills at the next bar's open. */
export function sampleReportInput(path = SAMPLE_FILE): ReportInput {
  const b = readMt5(path);
  const n = b.time.length;
  const fast = sma(b.close, 10), slow = sma(b.close, 30);
  const cash = 10_000;
  const size = 10_000;
  const trades: ReportTrade[] = [];
  const equity = new Array<number>(n).fill(cash);
  const dd = new Array<number>(n).fill(0);
  let realised = 0;
  let pos: { side: 1 | -1; bar: number; price: number; hi: number; lo: number } | null = null;
  let peak = cash;
  const iso = (t: number) => new Date(t).toISOString();
  for (let i = 1; i < n; i++) {
    const s = i - 1; // signal bar
    const cross = Number.isFinite(slow[s - 1])
      ? Math.sign(fast[s] - slow[s]) - Math.sign(fast[s - 1] - slow[s - 1])
      : 0;
    if (cross !== 0) {
      const side: 1 | -1 = cross > 0 ? 1 : -1;
      if (pos) {
        const pnl = (b.open[i] - pos.price) * pos.side * size;
        realised += pnl;
        const fav = pos.side > 0 ? pos.hi - pos.price : pos.price - pos.lo;
        const adv = pos.side > 0 ? pos.lo - pos.price : pos.price - pos.hi;
        trades.push({
          entry_bar: pos.bar,
          exit_bar: i,
          entry_time: iso(b.time[pos.bar]),
          exit_time: iso(b.time[i]),
          side: pos.side,
          entry_price: pos.price,
          exit_price: b.open[i],
          size,
          pnl,
          return_pct: 100 * (b.open[i] / pos.price - 1) * pos.side,
          mfe: 100 * fav / pos.price,
          mae: 100 * adv / pos.price,
        });
      }
      pos = { side, bar: i, price: b.open[i], hi: b.high[i], lo: b.low[i] };
    }
    if (pos) {
      pos.hi = Math.max(pos.hi, b.high[i]);
      pos.lo = Math.min(pos.lo, b.low[i]);
    }
    equity[i] = cash + realised + (pos ? (b.close[i] - pos.price) * pos.side * size : 0);
    peak = Math.max(peak, equity[i]);
    dd[i] = 100 * (equity[i] / peak - 1);
  }
  const wins = trades.filter((t) => (t.pnl ?? 0) > 0).length;
  return {
    title: "GBPUSD+ H4: SMA(10/30) crossover (plot test)",
    subtitle: `source ${path}`,
    ...b,
    equity,
    drawdownPct: dd,
    trades,
    stats: {
      trades: trades.length,
      equity_final: equity[n - 1],
      return_pct: 100 * (equity[n - 1] / cash - 1),
      max_drawdown_pct: Math.min(...dd),
      win_rate_pct: trades.length ? 100 * wins / trades.length : null,
      strategy: "sma_cross(10, 30)",
    },
  };
}
