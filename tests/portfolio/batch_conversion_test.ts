/** backtest:batch and the menu convert currencies as `deno task backtest` does (the same rates of the time). */
import assert from "node:assert/strict";

import { runBatch } from "../../lib/backtest/batch.ts";
import { backtestFile } from "../../lib/menu/actions/backtesting.ts";
import type { OperationHandle } from "../../lib/menu/operation.ts";

const FIX = "tests/fixtures/portfolio";
const EURJPY = `${FIX}/forex/EURJPY+_H1_202401020000_202402120300.csv`;

Deno.test("backtest:batch on a JPY symbol: data conversion, and the same figures as deno task backtest", async () => {
  const out = await Deno.makeTempDir();
  try {
    const run = await runBatch({
      source: FIX,
      strategies: ["sma_cross"],
      workers: 0,
      outDir: out,
      timeframes: ["H1"],
    });
    const r = run.results.find((x) => x.symbol === "EURJPY+")!;
    assert.equal(r.error, null);
    assert.equal(r.conversion?.source, "data");
    assert.deepEqual(r.conversion?.via, ["AUDJPY+", "AUDUSD+"]);
    const usd = run.results.find((x) => x.symbol === "AUDUSD+")!;
    assert.equal(usd.conversion?.source, "none");
    const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
    delete (env as Record<string, string>).RUST_BACKTRACE;
    const cli = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "-A",
        "tasks/backtest.ts",
        "--data",
        EURJPY,
        "--strategy",
        "sma_cross",
        "--json",
      ],
      env,
      stdout: "piped",
    }).output();
    const j = JSON.parse(new TextDecoder().decode(cli.stdout));
    for (const k of ["trades", "equity_final", "return_pct", "max_drawdown_pct"]) {
      assert.equal(r.stats![k], j.stats[k], k);
    }
    // The menu's quick backtest: same trades as the task.
    const op: OperationHandle = {
      signal: new AbortController().signal,
      progress: () => {},
      checkCancelled: () => {},
      log: () => {},
      runChild: () => Promise.reject(new Error("not used")),
    };
    const menu = await backtestFile(
      {
        path: EURJPY,
        rel: "forex/EURJPY+_H1_202401020000_202402120300.csv",
        assetClass: "forex",
        symbol: "EURJPY+",
        timeframe: "H1",
      },
      ["sma_cross"],
      op,
    );
    const m = menu.results[0].result.toJSON();
    assert.deepEqual(m.trades, j.trades);
    assert.equal(m.conversion?.source, "data");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
