/**
 * Closed trades stored column-wise (growable typed arrays): the execution core's trade book
 * (lib/execution/trade_book.ts) appends without allocating an object per trade, the statistics
 * read the columns, and `TradeRecord` objects are built only when someone asks for them
 * (`toRecords`, `recordAt`).
 *
 * @module
 */
import type { ExitReason, TradeRecord } from "./types.ts";
import { isoTime } from "../util/iso_time.ts";
import { sideName, sideOf } from "../market/side.ts";

const NUMERIC = [
  "entryBar",
  "exitBar",
  "entryTime",
  "exitTime",
  "side",
  "entryPrice",
  "exitPrice",
  "size",
  "pnl",
  "returnPct",
  "commission",
  "spreadCost",
  "slippageCost",
  "swap",
  "mfe",
  "mae",
  "energy",
  "sl",
  "tp",
] as const;

/** Name of a numeric column of a TradeLog. */
export type TradeColumn = typeof NUMERIC[number];

/** Column-wise closed trades. `side` is +1/-1, `size` is absolute, `sl`/`tp` NaN when unset. */
export class TradeLog {
  /** Number of trades. */
  length = 0;
  /** Bar index of each entry fill. */
  entryBar: Float64Array;
  /** Bar index of each exit fill. */
  exitBar: Float64Array;
  /** Time of each entry fill (epoch ms; the entry bar's open in a backtest). */
  entryTime: Float64Array;
  /** Time of each exit fill (epoch ms; the exit bar's open in a backtest). */
  exitTime: Float64Array;
  /** +1 long, -1 short. */
  side: Float64Array;
  /** Entry fill prices. */
  entryPrice: Float64Array;
  /** Exit fill prices. */
  exitPrice: Float64Array;
  /** Absolute sizes (units or lots). */
  size: Float64Array;
  /** Net pnl, money. */
  pnl: Float64Array;
  /** Net return, %. */
  returnPct: Float64Array;
  /** Commission of both sides, money. */
  commission: Float64Array;
  /** Spread cost, money. */
  spreadCost: Float64Array;
  /** Slippage cost, money. */
  slippageCost: Float64Array;
  /** Swap accrued (negative = paid), money. */
  swap: Float64Array;
  /** Maximum favourable excursion, price units. */
  mfe: Float64Array;
  /** Maximum adverse excursion, price units. */
  mae: Float64Array;
  /** Energy feature at the decision bar (NaN without one). */
  energy: Float64Array;
  /** Stop-loss in force at the exit (NaN when none). */
  sl: Float64Array;
  /** Take-profit in force at the exit (NaN when none). */
  tp: Float64Array;
  /** Strategy labels. */
  tag: (string | null)[] = [];
  /** Exit reasons. */
  reason: ExitReason[] = [];

  /** An empty log with room for `capacity` trades (it grows as needed). */
  constructor(capacity = 64) {
    const c = Math.max(4, capacity);
    this.entryBar = new Float64Array(c);
    this.exitBar = new Float64Array(c);
    this.entryTime = new Float64Array(c);
    this.exitTime = new Float64Array(c);
    this.side = new Float64Array(c);
    this.entryPrice = new Float64Array(c);
    this.exitPrice = new Float64Array(c);
    this.size = new Float64Array(c);
    this.pnl = new Float64Array(c);
    this.returnPct = new Float64Array(c);
    this.commission = new Float64Array(c);
    this.spreadCost = new Float64Array(c);
    this.slippageCost = new Float64Array(c);
    this.swap = new Float64Array(c);
    this.mfe = new Float64Array(c);
    this.mae = new Float64Array(c);
    this.energy = new Float64Array(c);
    this.sl = new Float64Array(c);
    this.tp = new Float64Array(c);
  }

  /** Empty the log, keeping its columns' capacity (a sweep reuses one log across runs). */
  clear(): void {
    this.length = 0;
    this.tag.length = 0;
    this.reason.length = 0;
  }

  /** Make room for one more trade and return its index. */
  next(): number {
    const k = this.length;
    if (k === this.entryBar.length) {
      const self = this as unknown as Record<TradeColumn, Float64Array>;
      for (const name of NUMERIC) {
        const grown = new Float64Array(k * 2);
        grown.set(self[name]);
        self[name] = grown;
      }
    }
    this.length = k + 1;
    return k;
  }

  /** Trade k as a TradeRecord (times from `time`, epoch ms per bar). */
  record(k: number, time: Float64Array): TradeRecord {
    return this.recordAt(k, time[this.entryBar[k]], time[this.exitBar[k]]);
  }

  /** Trade k as a TradeRecord with the given entry and exit times (epoch ms). */
  recordAt(k: number, entryMs: number = this.entryTime[k], exitMs: number = this.exitTime[k]): TradeRecord {
    const eb = this.entryBar[k], xb = this.exitBar[k];
    const sl = this.sl[k], tp = this.tp[k];
    return {
      entry_bar: eb,
      exit_bar: xb,
      entry_time: isoTime(entryMs),
      exit_time: isoTime(exitMs),
      side: sideName(this.side[k]),
      entry_price: this.entryPrice[k],
      exit_price: this.exitPrice[k],
      size: this.size[k],
      pnl: this.pnl[k],
      return_pct: this.returnPct[k],
      commission: this.commission[k],
      spread_cost: this.spreadCost[k],
      slippage_cost: this.slippageCost[k],
      swap: this.swap[k],
      mfe: this.mfe[k],
      mae: this.mae[k],
      energy_at_entry: this.energy[k],
      sl: sl === sl ? sl : null,
      tp: tp === tp ? tp : null,
      tag: this.tag[k],
      exit_reason: this.reason[k],
      duration_bars: xb - eb,
    };
  }

  /** Every trade as a TradeRecord. */
  toRecords(time: Float64Array): TradeRecord[] {
    const out: TradeRecord[] = new Array(this.length);
    for (let k = 0; k < this.length; k++) out[k] = this.record(k, time);
    return out;
  }

  /** A log holding `records` (used by `computeStats` for callers that have records). */
  static fromRecords(records: readonly TradeRecord[]): TradeLog {
    const log = new TradeLog(records.length);
    for (const r of records) {
      const k = log.next();
      log.entryBar[k] = r.entry_bar;
      log.exitBar[k] = r.exit_bar;
      log.entryTime[k] = Date.parse(r.entry_time);
      log.exitTime[k] = Date.parse(r.exit_time);
      log.side[k] = sideOf(r.side);
      log.entryPrice[k] = r.entry_price;
      log.exitPrice[k] = r.exit_price;
      log.size[k] = r.size;
      log.pnl[k] = r.pnl;
      log.returnPct[k] = r.return_pct;
      log.commission[k] = r.commission;
      log.spreadCost[k] = r.spread_cost;
      log.slippageCost[k] = r.slippage_cost;
      log.swap[k] = r.swap;
      log.mfe[k] = r.mfe;
      log.mae[k] = r.mae;
      log.energy[k] = r.energy_at_entry ?? NaN;
      log.sl[k] = r.sl ?? NaN;
      log.tp[k] = r.tp ?? NaN;
      log.tag[k] = r.tag;
      log.reason[k] = r.exit_reason;
    }
    return log;
  }
}
