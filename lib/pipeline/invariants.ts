/**
 * Backtest invariants the pipeline checks on every result: finite equity, non-negative costs,
 * and the same trade count in the trades list and in the stats.
 *
 * @module
 */

/** One broken invariant. */
export interface InvariantViolation {
  code: "non_finite_equity" | "negative_cost" | "trade_count_mismatch" | "backtest_invariant";
  message: string;
}

/** The parts of a backtest result the invariants read. */
export interface ResultLike {
  stats: Record<string, unknown>;
  trades: readonly object[];
  equity: ArrayLike<number>;
}

const COST_FIELDS = ["commission", "spread_cost", "slippage_cost", "costs", "cost"] as const;

/** Check a backtest result; returns every violation found (empty when all hold). */
export function checkBacktestInvariants(r: ResultLike): InvariantViolation[] {
  const out: InvariantViolation[] = [];
  if (!r || typeof r !== "object" || !r.stats || !Array.isArray(r.trades) || !r.equity) {
    return [{ code: "backtest_invariant", message: "invariant: result lacks stats, trades or equity" }];
  }
  let firstBad = -1;
  for (let i = 0; i < r.equity.length; i++) {
    if (!Number.isFinite(r.equity[i])) {
      firstBad = i;
      break;
    }
  }
  if (firstBad >= 0) {
    out.push({
      code: "non_finite_equity",
      message: `non-finite equity ${r.equity[firstBad]} at bar ${firstBad}`,
    });
  }
  for (const k of ["equity_final", "equity_peak"]) {
    const v = r.stats[k];
    if (typeof v === "number" && !Number.isFinite(v)) {
      out.push({ code: "non_finite_equity", message: `non-finite equity: stats.${k} = ${v}` });
    }
  }
  const tc = r.stats.total_costs;
  if (typeof tc === "number" && (tc < 0 || Number.isNaN(tc))) {
    out.push({ code: "negative_cost", message: `negative cost: stats.total_costs = ${tc}` });
  }
  let negTrades = 0;
  let example = "";
  for (const t of r.trades) {
    for (const f of COST_FIELDS) {
      const v = (t as Record<string, unknown>)[f];
      if (typeof v === "number" && (v < 0 || Number.isNaN(v))) {
        negTrades++;
        if (!example) example = `${f} = ${v}`;
        break;
      }
    }
  }
  if (negTrades) {
    out.push({ code: "negative_cost", message: `negative cost in ${negTrades} trade(s), e.g. ${example}` });
  }
  const n = r.stats.trades;
  if (typeof n === "number" && n !== r.trades.length) {
    out.push({
      code: "trade_count_mismatch",
      message: `trade count: stats.trades = ${n} but the trades list holds ${r.trades.length}`,
    });
  }
  return out;
}
