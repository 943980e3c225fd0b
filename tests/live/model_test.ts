/**
 * `--model` on virtual live (issue 17): the paper broker's stop-loss/take-profit fills follow each
 * replayed bar's path (segment by segment), so a virtual replay under `lower` ends its trades as the
 * backtest under `lower` does (and differently from `ohlc`); the summary states the model; bad
 * combinations are refused. Data: the synthetic M15/H1 pair of tests/research/_model_data.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runBacktest } from "../../lib/backtest/run.ts";
import { loadIntrabarPath } from "../../lib/backtest/model_data.ts";
import type { IntrabarPath } from "../../lib/backtest/intrabar.ts";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import { computeFeatures } from "../../lib/features/mod.ts";
import { runLive } from "../../lib/live/mod.ts";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";
import { synthetic } from "../research/_model_data.ts";
import { taskCommand } from "../../lib/util/tasks.ts";
import type { TradeRecord } from "../../lib/execution/types.ts";

const quiet = { print: () => {} };
const PARAMS = { sl_atr: 1, tp_atr: 0.5, warmup_bars: 0 };
const outcome = (ts: readonly TradeRecord[]) =>
  ts.map((t) => [t.entry_time, t.side, t.entry_price, t.exit_time, t.exit_reason, t.exit_price]);

async function backtest(file: string, model: "ohlc" | "lower") {
  const b = await readBars(file);
  const a = toArrays(b);
  const s = getStrategy("berserker");
  const intrabar: IntrabarPath | null = model === "ohlc" ? null : await loadIntrabarPath(model, a, {
    file,
    symbol: b.meta.symbol,
    timeframe: "H1",
    point: symbolSpec(b.meta.symbol).point,
  });
  return runBacktest({
    bars: a,
    meta: b.meta,
    strategy: s,
    params: PARAMS,
    features: computeFeatures(a, s.features),
    intrabar,
  });
}

Deno.test("virtual live --model lower: SL/TP fills along the path, as the backtest under lower; the summary states the model", async () => {
  const { dir, h1, m15 } = synthetic(60);
  const logsDir = join(dir, "logs");
  try {
    const run = (extra: Record<string, unknown>) =>
      runLive({
        mode: "virtual",
        strategy: "berserker",
        params: PARAMS,
        data: h1,
        logsDir,
        chsThreshold: 0,
        ...extra,
      }, quiet);
    const lower = await run({ model: "lower" });
    const ohlc = await run({});
    const btLower = await backtest(h1, "lower"), btOhlc = await backtest(h1, "ohlc");
    assert.ok(btLower.trades.length > 5);
    // The control: ohlc replays exactly like the ohlc backtest.
    assert.deepEqual(outcome(ohlc.trades), outcome(btOhlc.trades));
    // The model changes something here, and the replay follows the backtest under lower.
    assert.notDeepEqual(outcome(btLower.trades), outcome(btOhlc.trades));
    assert.deepEqual(outcome(lower.trades), outcome(btLower.trades));
    assert.equal(lower.model?.name, "lower");
    assert.equal(lower.model?.source, m15);
    assert.equal(lower.model?.bars_fallback, 0);
    assert.equal(ohlc.model, undefined);
    // The journal's run_start says it too.
    const journal = await Deno.readTextFile(join(logsDir, lower.run_id, "journal.jsonl"));
    const start = JSON.parse(journal.split("\n")[0]);
    assert.equal(start.model?.name ?? start.data?.model?.name, "lower");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("virtual live: --lower without --model lower, a missing lower file and --model on a basket are refused (exit 2)", async () => {
  const { dir, h1, m15 } = synthetic(10);
  const logsDir = join(dir, "logs");
  try {
    await assert.rejects(
      runLive({ mode: "virtual", strategy: "sma_cross", data: h1, logsDir, lower: m15 }, quiet),
      /--lower goes with --model lower/,
    );
    await Deno.remove(m15);
    await assert.rejects(
      runLive({ mode: "virtual", strategy: "sma_cross", data: h1, logsDir, model: "lower" }, quiet),
      /no lower-timeframe file of GBPUSD\+/,
    );
    const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
    delete env.RUST_BACKTRACE;
    const o = await new Deno.Command(Deno.execPath(), {
      args: taskCommand("live", [
        "--mode",
        "virtual",
        "--strategy",
        "sma_cross",
        "--symbols",
        "GBPUSD+,XAUUSD+",
        "--timeframe",
        "H4",
        "--model",
        "lower",
        "--logs-dir",
        logsDir,
      ]),
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(o.stderr);
    assert.equal(o.code, 2, err);
    assert.match(err, /--model\/--lower\/--ticks are for one symbol/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
