// Parity: replaying a file through the live runner in virtual mode (strategy → validator → paper
// broker → ledger) gives exactly the backtest's trades and statistics.
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import { computeFeatures } from "../../lib/features/mod.ts";
import { runLive } from "../../lib/live/mod.ts";
import { getStrategy, type Strategy } from "../../lib/strategies/mod.ts";
import { isNormalizedPrice } from "../../lib/market/normalize.ts";
import { bracket, flip, trail } from "./bracket_strategy.ts";

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
  // A shorter real file: the first 899 bars of the GBPUSD sample (long enough for berserker to trade).
  const dir = await Deno.makeTempDir();
  const lines = (await Deno.readTextFile(GBPUSD)).split("\n").slice(0, 900);
  const cut = `${dir}/GBPUSD+_H4_202401020000_202405310000.csv`;
  await Deno.writeTextFile(cut, lines.join("\n") + "\n");
  for (const strategy of ["sma_cross", "berserker", trail as Strategy]) {
    const once = await virtualOf(cut, strategy);
    const perBar = await virtualOf(cut, strategy, { recompute: "per_bar" });
    const label = typeof strategy === "string" ? strategy : strategy.name;
    assert.ok(once.s.trades.length > 0, label);
    assert.deepEqual(plain(perBar.s.trades), plain(once.s.trades), label);
    assert.deepEqual(plain(perBar.s.stats), plain(once.s.stats), label);
    await Deno.remove(once.logsDir, { recursive: true });
    await Deno.remove(perBar.logsDir, { recursive: true });
  }
  await Deno.remove(dir, { recursive: true });
});

const NAS100 = "data/sample/indices/NAS100_H4_202401020000_202512262000.csv";

// The strategies with stops, with their default risk-based sizing (1 % of equity over the stop
// distance): the runner normalises SL/TP to the tick grid before sizing and sending, the backtest's
// mt5 profile normalises them the same way, so everything agrees exactly.
for (const file of [GBPUSD, XAUUSD, NAS100]) {
  for (const strategy of ["berserker", "sniper", "multi_agent_v7"]) {
    Deno.test(`virtual replay of ${file.split("/").pop()} gives exactly the backtest's ${strategy} trades and stats`, async () => {
      const bt = await backtestOf(file, strategy);
      const { s, logsDir } = await virtualOf(file, strategy);
      assert.ok(bt.trades.length > 0, `${strategy} made no trade on ${file}`);
      // Risk-based sizing (no fixed lot): the sizes follow the equity and the stop distance.
      assert.ok(
        new Set(bt.trades.map((t) => t.size)).size > 1,
        "expected risk-sized trades of different sizes",
      );
      assert.ok(bt.trades.some((t) => t.sl !== null), "expected trades with a stop-loss");
      const spec = bt.symbol;
      for (const t of bt.trades) {
        if (t.sl !== null) assert.ok(isNormalizedPrice(spec, t.sl), `backtest SL ${t.sl} off the grid`);
        if (t.tp !== null) assert.ok(isNormalizedPrice(spec, t.tp), `backtest TP ${t.tp} off the grid`);
      }
      assert.deepEqual(plain(s.trades), plain(bt.trades));
      assert.deepEqual(plain(s.open_trades), plain(bt.openTrades));
      assert.deepEqual(plain(s.stats), plain(bt.stats));
      assert.equal(s.validator_rejections + s.broker_rejections, bt.rejections.length);
      // Prices go out already on the grid: the validator has nothing to adjust.
      assert.equal(s.adjustments, 0);
      await Deno.remove(logsDir, { recursive: true });
    });
  }
}

Deno.test("sma_cross on NAS100 replays exactly like the backtest", async () => {
  const bt = await backtestOf(NAS100, "sma_cross");
  const { s, logsDir } = await virtualOf(NAS100, "sma_cross");
  assert.ok(bt.trades.length > 50);
  assert.deepEqual(plain(s.trades), plain(bt.trades));
  assert.deepEqual(plain(s.stats), plain(bt.stats));
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("a trailing stop (modify intents) replays exactly like the backtest and is journalled", async () => {
  const bt = await backtestOf(GBPUSD, trail as Strategy);
  const { s, logsDir } = await virtualOf(GBPUSD, trail as Strategy);
  assert.ok(bt.trades.length > 10, `trades: ${bt.trades.length}`);
  // Most trades end on their (trailed) stop, which moved off the entry's initial 30-pip level.
  const slExits = bt.trades.filter((t) => t.exit_reason === "sl");
  assert.ok(slExits.length > 5, `sl exits: ${slExits.length}`);
  assert.ok(
    slExits.some((t) => Math.abs(Math.abs(t.entry_price - t.sl!) - 0.003) > 0.0005),
    "expected stops that were trailed",
  );
  // The wrong-side requests are refused by both sides.
  assert.ok(bt.rejections.length > 0 && bt.rejections.every((r) => r.reason === "invalid_stops"));
  assert.deepEqual(plain(s.trades), plain(bt.trades));
  assert.deepEqual(plain(s.open_trades), plain(bt.openTrades));
  assert.deepEqual(plain(s.stats), plain(bt.stats));
  assert.equal(s.validator_rejections, bt.rejections.length);
  // Every accepted move went to the broker through the journal (pending, then its result).
  const lines = (await Deno.readTextFile(s.journal)).trim().split("\n").map((l) => JSON.parse(l));
  const modifies = lines.filter((e) => e.kind === "modify" && e.type === "order_result");
  const pending = lines.filter((e) => e.kind === "modify" && e.type === "order_pending");
  assert.ok(modifies.length > 20, `journalled modify results: ${modifies.length}`);
  assert.equal(pending.length, modifies.length);
  assert.ok(modifies.every((e) => e.ok === true));
  assert.equal(
    lines.filter((e) => e.kind === "modify" && e.type === "rejection").length,
    bt.rejections.length,
  );
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
