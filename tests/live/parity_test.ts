// Parity: replaying a file through the live runner in virtual mode (strategy → validator → paper
// broker → ledger) gives exactly the backtest's trades and statistics.
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import { computeFeatures } from "../../lib/features/mod.ts";
import { runLive } from "../../lib/live/mod.ts";
import { getStrategy, type Strategy } from "../../lib/strategies/mod.ts";
import { bracket, flip } from "./bracket_strategy.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
const XAUUSD = "data/sample/metals/XAUUSD+_H4_202401020000_202512262000.csv";
const quiet = { print: () => {} };

async function backtestOf(file: string, strategy: string | Strategy) {
  const b = await readBars(file);
  const a = toArrays(b);
  const s = typeof strategy === "string" ? getStrategy(strategy) : strategy;
  const features = s.features.length ? computeFeatures(a, s.features) : {};
  return runBacktest({ bars: a, meta: b.meta, strategy: s, features });
}

async function virtualOf(file: string, strategy: string | Strategy, extra: Record<string, unknown> = {}) {
  const logsDir = await Deno.makeTempDir();
  const s = await runLive(
    { mode: "virtual", strategy, data: file, logsDir, chsThreshold: 0, ...extra },
    quiet,
  );
  return { s, logsDir };
}

const plain = (x: unknown) => JSON.parse(JSON.stringify(x));

for (const file of [GBPUSD, XAUUSD]) {
  Deno.test(`virtual replay of ${file.split("/").pop()} gives exactly the backtest's sma_cross trades and stats`, async () => {
    const bt = await backtestOf(file, "sma_cross");
    const { s, logsDir } = await virtualOf(file, "sma_cross");
    assert.ok(bt.trades.length > 50, `expected a real trade list, got ${bt.trades.length}`);
    assert.equal(s.trades.length, bt.trades.length);
    assert.deepEqual(plain(s.trades), plain(bt.trades));
    assert.deepEqual(plain(s.open_trades), plain(bt.openTrades));
    assert.deepEqual(plain(s.stats), plain(bt.stats));
    // The online CHS ends exactly where the backtest statistics put it.
    assert.equal(s.chs.last, bt.stats.chs);
    assert.equal(s.validator_rejections, 0);
    assert.equal(s.duplicate_orders, 0);
    await Deno.remove(logsDir, { recursive: true });
  });
}

Deno.test("recomputing the strategy on every bar (the demo/live path) gives the same trades as computing it once", async () => {
  // A shorter real file: the first 500 bars of the GBPUSD sample.
  const dir = await Deno.makeTempDir();
  const lines = (await Deno.readTextFile(GBPUSD)).split("\n").slice(0, 501);
  const cut = `${dir}/GBPUSD+_H4_202401020000_202405310000.csv`;
  await Deno.writeTextFile(cut, lines.join("\n") + "\n");
  for (const strategy of ["sma_cross", "berserker"]) {
    const once = await virtualOf(cut, strategy);
    const perBar = await virtualOf(cut, strategy, { recompute: "per_bar" });
    assert.deepEqual(plain(perBar.s.trades), plain(once.s.trades), strategy);
    assert.deepEqual(plain(perBar.s.stats), plain(once.s.stats), strategy);
    await Deno.remove(once.logsDir, { recursive: true });
    await Deno.remove(perBar.logsDir, { recursive: true });
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("strategies with stops: same trades as the backtest except that live stops sit on the price grid", async () => {
  // MT5 refuses SL/TP off the tick grid (10016); the runner's validator normalises them, the backtest
  // keeps the raw level. Entries, exits, sides and sizes must still agree; prices within a tick.
  const bt = await backtestOf(GBPUSD, "berserker");
  const { s, logsDir } = await virtualOf(GBPUSD, "berserker");
  assert.ok(bt.trades.length >= 10);
  assert.equal(s.trades.length, bt.trades.length);
  const tick = 0.00001;
  for (let k = 0; k < bt.trades.length; k++) {
    const a = bt.trades[k], b = s.trades[k];
    assert.equal(b.entry_bar, a.entry_bar);
    assert.equal(b.exit_bar, a.exit_bar);
    assert.equal(b.side, a.side);
    assert.equal(b.size, a.size);
    assert.equal(b.exit_reason, a.exit_reason);
    assert.equal(b.entry_price, a.entry_price);
    assert.ok(
      Math.abs(b.exit_price - a.exit_price) <= tick / 2 + 1e-12,
      `trade ${k} exit ${b.exit_price} vs ${a.exit_price}`,
    );
    if (a.sl !== null) {
      assert.ok(Math.abs(b.sl! - a.sl) <= tick / 2 + 1e-12, `trade ${k} sl ${b.sl} vs ${a.sl}`);
    }
  }
  assert.ok(s.adjustments > 0, "the SL normalisations are reported as adjustments");
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("stop-loss and take-profit exits (on the price grid) replay exactly like the backtest", async () => {
  const bt = await backtestOf(GBPUSD, bracket as Strategy);
  const { s, logsDir } = await virtualOf(GBPUSD, bracket as Strategy);
  const reasons = new Set(bt.trades.map((t) => t.exit_reason));
  assert.ok(reasons.has("sl") && reasons.has("tp"), `exits: ${[...reasons]}`);
  assert.ok(bt.trades.length > 50);
  assert.deepEqual(plain(s.trades), plain(bt.trades));
  assert.deepEqual(plain(s.stats), plain(bt.stats));
  assert.equal(s.adjustments, 0);
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("reversals without a close (netting, first-in first-out) replay exactly like the backtest", async () => {
  const bt = await backtestOf(GBPUSD, flip as Strategy);
  const { s, logsDir } = await virtualOf(GBPUSD, flip as Strategy);
  assert.ok(bt.trades.some((t) => t.exit_reason === "reverse"));
  assert.deepEqual(plain(s.trades), plain(bt.trades));
  assert.deepEqual(plain(s.stats), plain(bt.stats));
  await Deno.remove(logsDir, { recursive: true });
});
