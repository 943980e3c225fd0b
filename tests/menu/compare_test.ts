/**
 * Compare Strategies is like-for-like: one common evaluation window (after the longest warm-up of
 * the set), stated on screen; every strategy's buy & hold and bar count agree; full column labels
 * and counts printed as counts.
 */
import assert from "node:assert/strict";
import { runScripted, tempOptions } from "./_helpers.ts";

Deno.test("Compare Strategies evaluates every strategy over one stated window", async () => {
  const opts = await tempOptions();
  try {
    // Backtesting > Compare Strategies, first symbol (its only timeframe).
    const { out } = await runScripted(["3", "3", ""], opts);
    assert.match(
      out,
      /Common evaluation window: \d{4}-\d\d-\d\d \d\d:\d\d \.\. \d{4}-\d\d-\d\d \d\d:\d\d \(\d+ bars, export clock\); the \d+ bars before it are the warm-up \(the longest of the set: \w+\)/,
    );
    const line = (label: string) => out.split("\n").find((l) => l.trimStart().startsWith(label))!;
    const bh = line("buy & hold %").trim().split(/\s+/).slice(4);
    assert.ok(bh.length >= 4, line("buy & hold %"));
    assert.equal(new Set(bh).size, 1, `one buy & hold for every strategy: ${bh.join(" ")}`);
    const trades = line("trades").trim().split(/\s+/).slice(1);
    for (const t of trades) assert.match(t, /^\d+$/, "trade counts are whole numbers");
    assert.doesNotMatch(out, /\bNaN\b/, "no NaN on screen");
    assert.match(out, /max drawdown %/, "labels are not truncated");
    const saved = JSON.parse(
      await Deno.readTextFile(out.match(/Saved: (\S+\.json)/)![1]),
    );
    assert.ok(saved.evaluation_window.bars > 0);
    const bhs = new Set(
      saved.results.map((r: { stats: { buy_hold_return_pct: number } }) => r.stats.buy_hold_return_pct),
    );
    assert.equal(bhs.size, 1, "every row is evaluated over the same bars");
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});
