// One strategy on one file through every entry point (the backtest task, the batch, the menu
// action and the virtual live runner) gives the same trades and the same CHS: runBacktest computes
// the declared features and the energy column by one policy, and the live runner uses that policy.
import assert from "node:assert/strict";
import { join } from "node:path";
import { runBatch } from "../../lib/backtest/batch.ts";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { roundTradeForOutput } from "../../lib/backtest/output_rounding.ts";
import { readBars } from "../../lib/data/mod.ts";
import { runLive } from "../../lib/live/mod.ts";
import { backtestFile } from "../../lib/menu/actions/backtesting.ts";
import type { OperationHandle } from "../../lib/menu/operation.ts";
import { getStrategy } from "../../lib/strategies/mod.ts";

const FILE = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
const NAME = "GBPUSD+_H4_202401020000_202512262000.csv";
const STRATEGIES = ["sma_cross", "berserker"];

interface Row {
  entry_time: string;
  exit_time: string;
  side: string;
  entry_price: number;
  exit_price: number;
  size: number;
  pnl: number;
}

const key = (t: Record<string, unknown>): Row => ({
  entry_time: String(t.entry_time),
  exit_time: String(t.exit_time),
  side: String(t.side),
  entry_price: Number(t.entry_price),
  exit_price: Number(t.exit_price),
  size: Number(t.size),
  pnl: Number(t.pnl),
});

async function viaTask(strategy: string): Promise<{ chs: number; trades: Row[] }> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", "tasks/backtest.ts", "--data", FILE, "--strategy", strategy, "--json"],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const j = JSON.parse(new TextDecoder().decode(out.stdout));
  return { chs: j.stats.chs, trades: j.trades.map(key) };
}

function csvRows(text: string): Row[] {
  const [head, ...lines] = text.trim().split("\n");
  const cols = head.split(",");
  return lines.map((l) => {
    const cells = l.split(",");
    return key(Object.fromEntries(cols.map((c, k) => [c, cells[k]])));
  });
}

const op: OperationHandle = {
  signal: new AbortController().signal,
  progress: () => {},
  checkCancelled: () => {},
  log: () => {},
  runChild: () => Promise.reject(new Error("not used")),
};

Deno.test("task, batch, menu and virtual live give identical trades and CHS (sma_cross, berserker on GBPUSD+ H4)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "src", "forex"), { recursive: true });
    await Deno.copyFile(FILE, join(dir, "src", "forex", NAME));
    const batch = await runBatch({
      source: join(dir, "src"),
      strategies: STRATEGIES,
      workers: 0,
      outDir: join(dir, "out"),
    });
    const menu = await backtestFile(
      { path: FILE, rel: `forex/${NAME}`, assetClass: "forex", symbol: "GBPUSD+", timeframe: "H4" },
      STRATEGIES,
      op,
    );
    const bars = await readBars(FILE);
    for (const strategy of STRATEGIES) {
      const direct = runBacktest({ bars, strategy: getStrategy(strategy) }); // Bars accepted directly
      const task = await viaTask(strategy);
      const b = batch.results.find((r) => r.strategy === strategy)!;
      assert.equal(b.error, null, JSON.stringify(b.error));
      const batchTrades = csvRows(await Deno.readTextFile(join(batch.runDir, b.trades_file!)));
      const m = menu.results.find((r) => r.strategy === strategy)!.result;
      const live = await runLive(
        { mode: "virtual", strategy, data: FILE, logsDir: join(dir, "live"), chsThreshold: 0 },
        { print: () => {} },
      );
      const ref = direct.trades.map((t) => key(t as unknown as Record<string, unknown>));
      // What the task and the batch write is rounded at the output edge (cents, the symbol's digits).
      const written = direct.trades.map((t) =>
        key(roundTradeForOutput(t, direct.symbol.digits) as unknown as Record<string, unknown>)
      );
      assert.ok(ref.length > 10, `${strategy}: expected real trades, got ${ref.length}`);
      assert.ok(
        direct.trades.every((t) => Number.isFinite(t.energy_at_entry)),
        "every trade carries its energy at entry",
      );
      assert.ok(Number.isFinite(direct.stats.energy_captured_pct));
      assert.deepEqual(task.trades, written, `${strategy}: task trades`);
      assert.deepEqual(batchTrades, written, `${strategy}: batch trades`);
      assert.deepEqual(m.trades.map((t) => key(t as unknown as Record<string, unknown>)), ref, "menu trades");
      assert.deepEqual(
        live.trades.map((t) => key(t as unknown as Record<string, unknown>)),
        ref,
        "live trades",
      );
      const chs = direct.stats.chs;
      assert.ok(chs > 0 && chs < 1, `${strategy}: CHS ${chs}`);
      assert.equal(task.chs, chs, `${strategy}: task CHS`);
      assert.equal(b.stats!.chs, chs, `${strategy}: batch CHS`);
      assert.equal(m.stats.chs, chs, `${strategy}: menu CHS`);
      assert.equal(live.stats.chs, chs, `${strategy}: live stats CHS`);
      assert.equal(live.chs.last, chs, `${strategy}: live breaker's CHS`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
