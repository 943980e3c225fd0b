/**
 * Outputs carry money in cents and prices to the symbol's digits (no float noise such as
 * -43.750000000018346), while the in-memory result keeps full precision.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runBatch } from "../../lib/backtest/batch.ts";
import { runBacktest } from "../../lib/backtest/run.ts";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";

const FILE = "data/sample/metals/XAUUSD+_H4_202401020000_202512262000.csv";
const MONEY = ["pnl", "commission", "spread_cost", "slippage_cost", "swap"];
const PRICES = ["entry_price", "exit_price", "sl", "tp", "mfe", "mae"];

function decimals(x: unknown): number {
  if (typeof x !== "number") return 0;
  const s = String(x);
  assert.ok(!/e/i.test(s), `no exponent notation: ${s}`);
  return s.includes(".") ? s.split(".")[1].length : 0;
}

Deno.test("backtest JSON: money in cents, prices to the symbol's digits; the result keeps full precision", async () => {
  const bars = await readBars(FILE);
  const r = runBacktest({ bars: toArrays(bars), meta: bars.meta, strategy: getStrategy("sma_cross") });
  const digits = r.symbol.digits;
  assert.ok(r.trades.some((t) => decimals(t.pnl) > 2), "in memory some pnl has more than 2 decimals");
  const j = r.toJSON();
  assert.ok(j.trades.length > 10);
  for (const t of j.trades) {
    for (const k of MONEY) assert.ok(decimals(t[k]) <= 2, `${k} = ${t[k]}`);
    for (const k of PRICES) assert.ok(decimals(t[k]) <= digits, `${k} = ${t[k]} (digits ${digits})`);
  }
  for (const k of ["equity_final", "equity_peak", "total_costs", "commissions", "spread_costs", "swap"]) {
    assert.ok(decimals(j.stats[k]) <= 2, `${k} = ${j.stats[k]}`);
  }
  // Rounded, not changed: each output is within half a cent / half a point of the full value.
  r.trades.forEach((t, i) => assert.ok(Math.abs(t.pnl - (j.trades[i].pnl as number)) <= 0.005 + 1e-9));
});

Deno.test("batch trade CSVs and results.json: money in cents, prices to the symbol's digits", async () => {
  const out = await Deno.makeTempDir({ prefix: "kinetra-rounding-" });
  try {
    const run = await runBatch({
      source: "data/sample/metals",
      workers: 0,
      outDir: out,
      strategies: ["sma_cross"],
    });
    const csv = (await Deno.readTextFile(join(run.runDir, run.results[0].trades_file!))).trim().split("\n");
    const head = csv[0].split(",");
    assert.ok(csv.length > 10);
    for (const line of csv.slice(1)) {
      const cells = line.split(",");
      for (const k of MONEY) {
        const c = cells[head.indexOf(k)];
        assert.ok(!c.includes(".") || c.split(".")[1].length <= 2, `${k} = ${c}`);
      }
      for (const k of ["entry_price", "exit_price"]) {
        const c = cells[head.indexOf(k)];
        assert.ok(!c.includes(".") || c.split(".")[1].length <= 2, `${k} = ${c} (XAUUSD+ has 2 digits)`);
      }
    }
    const saved = JSON.parse(await Deno.readTextFile(join(run.runDir, "results.json")));
    assert.ok(
      decimals(saved.results[0].stats.equity_final) <= 2,
      String(saved.results[0].stats.equity_final),
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
