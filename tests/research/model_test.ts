/**
 * Modelling modes in research (issue 17): `slicePath` cuts a path for a bar range exactly as if it
 * had been built on those bars; optimize and walk-forward run every trial on the chosen model (each
 * trial equals the single backtest of its parameters on that model, inline and in workers), state
 * the model, and the tasks take `--model`/`--lower`; the cluster's sweep schema accepts the model
 * but not a lower or tick file.
 *
 * Data: a seeded synthetic M15 random walk and its H1 aggregate, written as MT5 exports to a
 * temporary folder (so the lower file sits beside the H1 file as in the master data).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { BarArrays } from "../../lib/data/types.ts";
import { aggregateBars, lowerBarsPath, slicePath } from "../../lib/backtest/intrabar.ts";
import { loadIntrabarPath } from "../../lib/backtest/model_data.ts";
import { runBacktest } from "../../lib/backtest/run.ts";
import { loadDataset, sliceBars, sliceFeatures } from "../../lib/research/data.ts";
import {
  conversionFor,
  engineConfig,
  evaluateTestPart,
  intrabarFor,
  jsonStats,
  type TrialContext,
} from "../../lib/research/evaluate.ts";
import { optimize, optimizeJson } from "../../lib/research/optimize.ts";
import { walkForward, walkForwardJson } from "../../lib/research/walkforward.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";
import { checkJob, makeJob } from "../../lib/cluster/job.ts";
import "../../lib/cluster/kinds.ts";
import { H, m15, synthetic } from "./_model_data.ts";
import { taskCommand } from "../../lib/util/tasks.ts";
import { startRedis } from "../../lib/cluster/redis_server.ts";
import { type Child, HAVE_REDIS, startTask } from "../cluster/_cluster.ts";

// berserker with ATR brackets: the take-profit makes SL-and-TP bars (the case lower decides) common.
const STRATEGY = "berserker";
const GRID = ["sl_atr=0.5,1", "tp_atr=0.5,1", "warmup_bars=0"];

Deno.test("slicePath: the path of bars [from, to) equals the path built on those bars; counts are the slice's", () => {
  const low = m15(96 * 6);
  const hi = aggregateBars(low, H);
  // Drop two lower bars inside H1 bar 30 (not covered then: the aggregate no longer matches).
  const keep = Array.from({ length: low.length }, (_, i) => i).filter((i) => i !== 121 && i !== 122);
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]);
  const holed: BarArrays = {
    ...low,
    length: keep.length,
    time: pick(low.time),
    open: pick(low.open),
    high: pick(low.high),
    low: pick(low.low),
    close: pick(low.close),
    tickVolume: pick(low.tickVolume),
    volume: pick(low.volume),
    spread: pick(low.spread!),
  };
  const whole = lowerBarsPath(hi, holed, H, { point: 0.00001, source: "x" });
  assert.equal(whole.fallback, 1);
  for (const [from, to] of [[0, hi.length], [10, 50], [0, 31], [30, 31], [31, 100], [7, 7]]) {
    const s = slicePath(whole, from, to);
    const direct = lowerBarsPath(sliceBars(hi, from, to), holed, H, { point: 0.00001, source: "x" });
    assert.deepEqual([...s.segStart], [...direct.segStart], `segStart [${from}, ${to})`);
    assert.deepEqual([...s.segOpen], [...direct.segOpen]);
    assert.deepEqual([...s.segHigh], [...direct.segHigh]);
    assert.deepEqual([...s.segLow], [...direct.segLow]);
    assert.deepEqual([...s.segSpread], [...direct.segSpread]);
    assert.deepEqual([...s.pathHigh], [...direct.pathHigh]);
    assert.deepEqual([...s.pathLow], [...direct.pathLow]);
    assert.equal(s.resolved, direct.resolved, `resolved [${from}, ${to})`);
    assert.equal(s.fallback, direct.fallback);
    assert.equal(s.model, "lower");
    assert.equal(s.source, "x");
  }
  assert.equal(slicePath(whole, 30, 31).fallback, 1);
  assert.equal(slicePath(whole, 31, 60).fallback, 0);
  assert.throws(() => slicePath(whole, 5, 4), RangeError);
  assert.throws(() => slicePath(whole, 0, hi.length + 1), RangeError);
  // The engine refuses a path that does not match the bars; a slice matches its bars.
  const strategy = getStrategy("sma_cross");
  const b = sliceBars(hi, 20, 120);
  assert.throws(() => runBacktest({ bars: b, strategy, config: { profile: "compat" }, intrabar: whole }));
  const r = runBacktest({
    bars: b,
    strategy,
    config: { profile: "compat" },
    intrabar: slicePath(whole, 20, 120),
  });
  assert.equal(r.model.name, "lower");
  assert.equal(r.model.bars_resolved, 99); // bar 30 has no path
});

Deno.test("optimize --model lower: every trial equals the single lower backtest of its parameters (inline and 2 workers), and the result states the model", async () => {
  const { dir, h1, m15: lowFile } = synthetic(60);
  try {
    const base = { data: { file: h1 }, strategy: STRATEGY, grid: GRID, minTrades: 0 };
    const config = { profile: "mt5" as const, model: "lower" as const };
    const inline = await optimize({ ...base, config, workers: 0 });
    const workers = await optimize({ ...base, config, workers: 2 });
    const ohlc = await optimize({ ...base, config: { profile: "mt5" }, workers: 0 });
    assert.equal(inline.trials, 4);
    assert.deepEqual(workers.results.map((t) => t.stats), inline.results.map((t) => t.stats));
    assert.equal(inline.model.name, "lower");
    assert.equal(inline.model.source, lowFile);
    const ds = await loadDataset({ file: h1 }, getStrategy(STRATEGY).features);
    assert.equal(inline.model.bars_resolved, ds.bars.length);
    assert.equal(inline.model.bars_fallback, 0);
    assert.equal(ohlc.model.name, "ohlc");
    assert.deepEqual((optimizeJson(inline).model as { name: string }).name, "lower");
    const cfg = engineConfig(config, ds.meta.symbol, ds.meta);
    const conversion = await conversionFor(ds, h1, cfg);
    const path = await loadIntrabarPath("lower", ds.bars, {
      file: h1,
      symbol: ds.meta.symbol,
      timeframe: "H1",
      point: cfg.symbol!.point,
    });
    let differ = 0;
    for (const [k, t] of inline.results.entries()) {
      const single = runBacktest({
        bars: ds.bars,
        meta: ds.meta,
        strategy: getStrategy(STRATEGY),
        params: t.params,
        features: ds.features,
        config: cfg,
        conversion,
        intrabar: path,
      });
      assert.deepEqual(t.stats, jsonStats(single.stats), `params ${JSON.stringify(t.params)}`);
      if (JSON.stringify(t.stats) !== JSON.stringify(ohlc.results[k].stats)) differ++;
    }
    // The model reached the trials: with take-profits, some outcome differs from ohlc.
    assert.ok(differ > 0, "no trial differs between lower and ohlc");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("walkforward --model lower: test parts run on the slice of the path (equal to a path built on those bars); the result states the model", async () => {
  const { dir, h1 } = synthetic(90);
  try {
    const opts = {
      data: { file: h1 },
      strategy: STRATEGY,
      grid: GRID,
      minTrades: 0,
      train: "1M",
      test: "2W",
      workers: 0,
    };
    const lower = await walkForward({ ...opts, config: { profile: "mt5", model: "lower" } });
    const ohlc = await walkForward({ ...opts, config: { profile: "mt5" } });
    assert.ok(lower.windows.length >= 2);
    assert.equal(lower.model.name, "lower");
    assert.equal(lower.model.bars_fallback, 0);
    assert.equal(ohlc.model.name, "ohlc");
    assert.equal((walkForwardJson(lower).model as { name: string }).name, "lower");
    assert.notDeepEqual(
      lower.windows.map((w) => w.is_stats),
      ohlc.windows.map((w) => w.is_stats),
      "lower and ohlc give the same in-sample results: the model did not reach the windows",
    );
    // One test part by hand: the context's sliced path against a path built on the part's bars.
    const strategy = getStrategy(STRATEGY);
    const ds = await loadDataset({ file: h1 }, strategy.features);
    const config = engineConfig({ profile: "mt5" }, ds.meta.symbol, ds.meta);
    const ctx: TrialContext = {
      dataset: ds,
      strategy,
      config,
      objective: "sharpe",
      minTrades: 0,
      partitions: 16,
      conversion: await conversionFor(ds, h1, config),
      intrabar: await intrabarFor(ds, h1, { model: "lower" }, config),
    };
    const params = { ...lower.windows[0].best_params!, warmup_bars: 0 };
    const from = 300, to = 2100;
    const run = evaluateTestPart(ctx, params, 0, { from, to });
    const warm = strategy.warmup(params);
    const b = sliceBars(ds.bars, from - warm, to);
    const direct = runBacktest({
      bars: b,
      meta: ds.meta,
      strategy,
      params,
      features: sliceFeatures(ds.features, from - warm, to),
      config: { ...config, finalize: true },
      conversion: null,
      intrabar: await loadIntrabarPath("lower", b, {
        file: h1,
        symbol: ds.meta.symbol,
        timeframe: "H1",
        point: config.symbol!.point,
      }),
    });
    const outcomes = (ts: typeof direct.trades) =>
      ts.map((t) => [t.entry_time, t.exit_time, t.exit_reason, t.exit_price]);
    assert.ok(direct.trades.length > 0);
    assert.deepEqual(outcomes(run.trades), outcomes(direct.trades));
    // And the part's trades are not those of ohlc (the path decided something there).
    const plain = evaluateTestPart({ ...ctx, intrabar: null }, params, 0, { from, to });
    assert.notDeepEqual(outcomes(plain.trades), outcomes(direct.trades));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("optimize/walkforward tasks: --model lower in the JSON and text; --lower without --model lower and a missing lower file are refused (exit 2)", async () => {
  const { dir, h1, m15: lowFile } = synthetic(40);
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete env.RUST_BACKTRACE;
  const run = async (script: string, args: string[]) => {
    const o = await new Deno.Command(Deno.execPath(), {
      args: taskCommand(script, args),
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: o.code, out: new TextDecoder().decode(o.stdout), err: new TextDecoder().decode(o.stderr) };
  };
  try {
    const base = ["--data", h1, "--strategy", STRATEGY, "--min-trades", "0", "--workers", "0"];
    const grid = GRID.flatMap((g) => ["--grid", g]);
    const out = join(dir, "out");
    const j = await run("optimize", [...base, ...grid, "--model", "lower", "--json", "--out", out]);
    assert.equal(j.code, 0, j.err);
    const res = JSON.parse(j.out.trim().split("\n").pop()!);
    assert.equal(res.model.name, "lower");
    assert.equal(res.model.source, lowFile);
    const t = await run("optimize", [
      ...base,
      ...grid,
      "--model",
      "lower",
      "--lower",
      lowFile,
      "--out",
      out,
    ]);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /model: lower \(.*M15.*\): \d+ bars resolved, 0 on ohlc/);
    const w = await run("walkforward", [
      ...base,
      ...grid,
      "--train",
      "2W",
      "--test",
      "1W",
      "--model",
      "open",
      "--json",
    ]);
    assert.equal(w.code, 0, w.err);
    assert.equal(JSON.parse(w.out.trim().split("\n").pop()!).model.name, "open");
    const bad = await run("optimize", [...base, ...grid, "--lower", lowFile, "--out", out]);
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, /--lower goes with --model lower/);
    assert.doesNotMatch(bad.err, /\bat .*\.ts:\d+/);
    await Deno.remove(lowFile);
    const none = await run("optimize", [...base, ...grid, "--model", "lower", "--out", out]);
    assert.equal(none.code, 2, none.err);
    assert.match(none.err, /no lower-timeframe file of GBPUSD\+/);
    const badModel = await run("walkforward", [
      ...base,
      ...grid,
      "--train",
      "2W",
      "--test",
      "1W",
      "--model",
      "m1",
    ]);
    assert.equal(badModel.code, 2, badModel.err);
    assert.match(badModel.err, /--model must be one of/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cluster sweep jobs: model open/ohlc/lower accepted; a lower or tick file, ticks and unknown models refused", async () => {
  const job = {
    id: "opt-000001",
    kind: "train",
    data: { file: "forex/X.csv" },
    strategy: "sma_cross",
    config: { profile: "compat", model: "lower" },
    objective: "sharpe",
    minTrades: 1,
    partitions: 16,
    combos: [{ index: 0, params: { fast: 5, slow: 20 } }],
  };
  const sha256 = "c".repeat(64);
  for (const model of ["open", "ohlc", "lower"]) {
    const ok = await makeJob("sweep", { job: { ...job, config: { model } }, sha256 });
    assert.equal((await checkJob(ok)).id, ok.id);
  }
  await assert.rejects(
    makeJob("sweep", { job: { ...job, config: { model: "lower", lower: "/etc/passwd" } }, sha256 }),
    /lower-timeframe or tick file/,
  );
  await assert.rejects(
    makeJob("sweep", { job: { ...job, config: { model: "ticks", ticks: "t.csv" } }, sha256 }),
    /open, ohlc or lower/,
  );
  await assert.rejects(makeJob("sweep", { job: { ...job, config: { model: "m1" } }, sha256 }), /model/);
});

Deno.test({
  name:
    "cluster: optimize and walkforward --model lower on two workers equal the local runs (the workers find the M15 file beside the data)",
  ignore: !HAVE_REDIS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { dir, h1, m15: lowFile } = synthetic(40);
    const redis = await startRedis();
    const ws: Child[] = [1, 2].map(() =>
      startTask("worker.ts", ["--cluster", redis.url, "--concurrency", "1", "--data-root", dir])
    );
    const task = async (script: string, args: string[]) => {
      const c = startTask(script, [...args, "--json"]);
      const st = await c.status;
      assert.equal(st.code, 0, c.err());
      const out = JSON.parse(c.out().trim().split("\n").pop()!);
      delete out.seconds;
      return out;
    };
    try {
      for (const w of ws) await w.waitErr(/connected/);
      const grid = GRID.flatMap((g) => ["--grid", g]);
      const base = ["--data", h1, "--strategy", STRATEGY, ...grid, "--min-trades", "0", "--model", "lower"];
      const opt = [...base, "--out", join(dir, "out")];
      const local = await task("optimize.ts", [...opt, "--workers", "2"]);
      const remote = await task("optimize.ts", [...opt, "--cluster", redis.url, "--data-root", dir]);
      assert.equal(local.model.name, "lower");
      assert.deepEqual(remote, local);
      const wf = [...base, "--train", "2W", "--test", "1W"];
      const wl = await task("walkforward.ts", [...wf, "--workers", "2"]);
      const wr = await task("walkforward.ts", [...wf, "--cluster", redis.url, "--data-root", dir]);
      assert.deepEqual(wr, wl);
      // A lower file named by the submitter is refused before anything is queued.
      const c = startTask("optimize.ts", [
        ...opt,
        "--lower",
        lowFile,
        "--cluster",
        redis.url,
        "--data-root",
        dir,
      ]);
      assert.equal((await c.status).code, 2, c.err());
      assert.match(c.err(), /--cluster runs --model open\|ohlc\|lower only/);
    } finally {
      for (const w of ws) w.proc.kill("SIGTERM");
      await Promise.all(ws.map((w) => w.status));
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
