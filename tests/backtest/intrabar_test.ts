/**
 * Modelling modes on hand-made bars whose path inside the bar is known: TP first, SL first, a gap
 * through both, a trailing stop moved within the bar; M15 aggregated to H1 equals the H1 export.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { BarArrays } from "../../lib/data/types.ts";
import { runBacktest } from "../../lib/backtest/run.ts";
import {
  aggregateBars,
  type IntrabarPath,
  lowerBarsPath,
  openPricesPath,
  parseModel,
  ticksPath,
} from "../../lib/backtest/intrabar.ts";
import { modelChanges } from "../../lib/backtest/model_data.ts";
import type { OrderIntent, Strategy } from "../../lib/strategies/contract.ts";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import { realDataDir } from "../../lib/util/paths.ts";
import { taskCommand } from "../../lib/util/tasks.ts";
import { ignoreWithout, requirePrerequisite } from "../_prerequisite.ts";

const H = 3_600_000, Q = 900_000;
const T0 = Date.UTC(2024, 0, 2, 0);

const FLAT = [100, 100.5, 99.5, 100];

/** Bars from rows, with a flat bar (the engine's first decision bar) put in front. */
function bars(rows: number[][], step = H, lead = 1): BarArrays {
  rows = [...Array.from({ length: lead }, () => FLAT), ...rows];
  const n = rows.length;
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]);
  return {
    length: n,
    time: Float64Array.from({ length: n }, (_, i) => T0 + i * step),
    open: col(0),
    high: col(1),
    low: col(2),
    close: col(3),
    tickVolume: new Float64Array(n).fill(1),
    volume: new Float64Array(n),
    spread: null,
  };
}

/** Buys at bar 2's open with SL/TP (decided on bar 1, the engine's first decision); optionally moves the SL on a later bar. */
function bracket(sl: number, tp: number, trail?: { at: number; sl: number }): Strategy {
  return {
    name: "bracket_probe",
    description: "test",
    params: {},
    features: [],
    warmup: () => 0,
    init: () => null,
    decide(i: number, _c, _s, pos, out: OrderIntent[]) {
      if (i === 1) out.push({ kind: "entry", side: 1, sl, tp, size: 1 });
      if (trail && i === trail.at && pos.size) out.push({ kind: "modify", sl: trail.sl });
    },
  };
}

function run(b: BarArrays, s: Strategy, path: IntrabarPath | null) {
  return runBacktest({
    bars: b,
    strategy: s,
    config: { profile: "compat", cash: 1000, commission: 0 },
    intrabar: path,
  });
}

// H1 bars: 0 sets up; bar 1 opens at 100 and touches both 95 (SL) and 105 (TP); bar 2 quiet.
const HTF = bars([[100, 100.5, 99.5, 100], [100, 106, 94, 100], [100, 101, 99, 100], [100, 101, 99, 100]]);

function lowerFor(pathOfBar1: number[][]): BarArrays {
  // M15 bars: bar 0, 2 and 3 flat copies; bar 1 replaced by the given 4 quarter bars.
  const rows: number[][] = [];
  const flat = (r: number[]) =>
    [r, r, r, r].map((x, k) => k === 0 ? [x[0], x[1], x[2], x[0]] : [x[0], x[1], x[2], x[3]]);
  rows.push(...flat(HTF.open.length ? [100, 100.5, 99.5, 100] : []));
  rows.push(...pathOfBar1);
  rows.push(...flat([100, 101, 99, 100]));
  rows.push(...flat([100, 101, 99, 100]));
  return bars(rows, Q, 4);
}

Deno.test("ohlc: a bar touching both SL and TP exits at the SL (the documented pessimistic rule)", () => {
  const r = run(HTF, bracket(95, 105), null);
  assert.equal(r.trades.length, 1);
  assert.equal(r.trades[0].exit_reason, "sl");
  assert.equal(r.trades[0].exit_price, 95);
  assert.equal(r.model.name, "ohlc");
});

Deno.test("lower: the lower bars decide which came first (TP first, SL first)", () => {
  // Quarter bars of bar 1: up to 106 first, then down to 94.
  const tpFirst = lowerFor([[100, 106, 100, 105.5], [105.5, 105.5, 99, 99], [99, 99, 94, 95], [
    95,
    100,
    95,
    100,
  ]]);
  const p1 = lowerBarsPath(HTF, tpFirst, H, { point: 0.01 });
  assert.equal(p1.resolved, 5);
  assert.equal(p1.fallback, 0);
  const r1 = run(HTF, bracket(95, 105), p1);
  assert.equal(r1.trades[0].exit_reason, "tp");
  assert.equal(r1.trades[0].exit_price, 105);
  assert.equal(r1.model.name, "lower");
  assert.equal(r1.model.bars_resolved, 5);
  // Down to 94 first.
  const slFirst = lowerFor([[100, 100, 94, 95], [95, 99, 95, 99], [99, 106, 99, 105], [105, 105, 100, 100]]);
  const r2 = run(HTF, bracket(95, 105), lowerBarsPath(HTF, slFirst, H, { point: 0.01 }));
  assert.equal(r2.trades[0].exit_reason, "sl");
  assert.equal(r2.trades[0].exit_price, 95);
  // Within ONE lower bar, MT5's walk goes to the nearer extreme first: open 100, high 106, low 94.5
  // -> the low (5.5 away) is farther than the high (6 away)? No: 100-94.5 = 5.5 < 6, so the low first.
  const oneBar = lowerFor([[100, 106, 94.5, 100], [100, 100.2, 99.8, 100], [100, 100.2, 99.8, 100], [
    100,
    100.2,
    99.8,
    100,
  ]]);
  const hx = bars([[100, 100.5, 99.5, 100], [100, 106, 94.5, 100], [100, 101, 99, 100], [100, 101, 99, 100]]);
  const r3 = run(hx, bracket(95, 105), lowerBarsPath(hx, oneBar, H, { point: 0.01 }));
  assert.equal(r3.trades[0].exit_reason, "sl");
  const changes = modelChanges(run(HTF, bracket(95, 105), null).trades, r1.trades);
  assert.equal(changes.length, 1);
  assert.equal(changes[0].ohlc?.exit_reason, "sl");
  assert.equal(changes[0].model?.exit_reason, "tp");
});

Deno.test("lower: a gap between two lower bars fills at the later open; open model fills only at opens", () => {
  // Quarter bars: 100 -> 101, then the next quarter opens at 93 (a gap through the SL at 95).
  const gap = lowerFor([[100, 101, 100, 101], [93, 94, 93, 94], [94, 106, 94, 106], [106, 106, 100, 100]]);
  const hx = bars([[100, 100.5, 99.5, 100], [100, 106, 93, 100], [100, 101, 99, 100], [100, 101, 99, 100]]);
  const r = run(hx, bracket(95, 105), lowerBarsPath(hx, gap, H, { point: 0.01 }));
  assert.equal(r.trades[0].exit_reason, "sl");
  assert.equal(r.trades[0].exit_price, 93);
  // open: bar 1's open (100) is inside the bracket; bar 2 opens at 100 too: no exit until the end.
  const o = run(HTF, bracket(95, 105), openPricesPath(HTF));
  assert.equal(o.trades.length, 0);
  assert.equal(o.openTrades.length, 1);
  // open: a bar opening beyond the SL exits at that open.
  const down = bars([[100, 100.5, 99.5, 100], [100, 101, 99, 100], [90, 91, 89, 90], [90, 91, 89, 90]]);
  const o2 = run(down, bracket(95, 105), openPricesPath(down));
  assert.equal(o2.trades[0].exit_reason, "sl");
  assert.equal(o2.trades[0].exit_price, 90);
});

Deno.test("lower: a trailing stop moved at a bar's close is checked along the next bar's path", () => {
  // Entry at bar 1 open (100), SL 90 TP 120; at bar 1's close the SL moves to 99. Bar 2 first rises to
  // 110 then falls to 98: the moved stop exits at 99 under every model; bar 2's path decides nothing else.
  const hb = bars([[100, 100.5, 99.5, 100], [100, 103, 99.5, 102], [102, 110, 98, 100], [100, 101, 99, 100]]);
  const s = bracket(90, 120, { at: 2, sl: 99 });
  const q = (r: number[]) => [r, r, r, r];
  const lower = bars(
    [
      ...q([100, 100.5, 99.5, 100]),
      ...q([100, 103, 99.5, 102]).map((_x, k) => k === 0 ? [100, 103, 100, 102] : [102, 102, 99.5, 102]),
      [102, 110, 102, 110],
      [110, 110, 100, 100],
      [100, 100, 98, 98],
      [98, 100, 98, 100],
      ...q([100, 101, 99, 100]),
    ],
    Q,
    4,
  );
  const path = lowerBarsPath(hb, lower, H, { point: 0.01 });
  assert.equal(path.fallback, 0, JSON.stringify(path.findings));
  const r = run(hb, s, path);
  assert.equal(r.trades.length, 1);
  assert.equal(r.trades[0].exit_reason, "sl");
  assert.equal(r.trades[0].exit_price, 99);
  assert.equal(r.trades[0].exit_bar, 3);
});

Deno.test("ticks: every tick in order with its own spread decides the exit", () => {
  const t = (m: number) => T0 + 2 * H + m * 60_000;
  const ticks = {
    length: 4,
    time: Float64Array.from([t(1), t(5), t(9), t(30)]),
    bid: Float64Array.from([100, 104, 105.2, 94]),
    ask: Float64Array.from([100.01, 104.01, 105.21, 94.01]),
    last: new Float64Array(4).fill(NaN),
    volume: new Float64Array(4),
    flags: new Float64Array(4),
    digits: 2,
  };
  const p = ticksPath(HTF, ticks, H);
  assert.equal(p.resolved, 1);
  assert.equal(p.fallback, 4);
  const r = run(HTF, bracket(95, 105), p);
  assert.equal(r.trades[0].exit_reason, "tp");
  // The bid jumps from 104 to 105.2 between two ticks: a jump through the TP fills at the tick's
  // price, as a gap through a level fills at the open in every model.
  assert.equal(r.trades[0].exit_price, 105.2);
});

Deno.test("lower bars that do not aggregate to the bar fall back to ohlc and are reported", () => {
  const wrong = lowerFor([[100, 104, 100, 104], [104, 104, 99, 99], [99, 99, 96, 97], [97, 100, 97, 100]]);
  const p = lowerBarsPath(HTF, wrong, H, { point: 0.01 });
  assert.equal(p.fallback, 1);
  assert.equal(p.findings[0].code, "lower_mismatch");
  assert.match(p.findings[0].examples[0], /high 106 vs 104/);
  const r = run(HTF, bracket(95, 105), p);
  assert.equal(r.trades[0].exit_reason, "sl"); // bar 1 fell back to the pessimistic rule
  assert.equal(r.model.bars_fallback, 1);
  assert.throws(() => parseModel("tick"), /open, ohlc, lower, ticks/);
});

/** The real data set and its GBPUSD+/XAUUSD+ H1 and M15 exports (null when missing). */
const REAL = realDataDir();
function pickReal(tf: string): string | null {
  for (const sub of ["forex", "metals", "indices"]) {
    try {
      for (const e of Deno.readDirSync(join(REAL.dir, sub))) {
        if (e.name.startsWith("GBPUSD+_" + tf + "_") || e.name.startsWith("XAUUSD+_" + tf + "_")) {
          return join(REAL.dir, sub, e.name);
        }
      }
    } catch { /* missing */ }
  }
  return null;
}
const REAL_H1 = pickReal("H1"), REAL_M15 = pickReal("M15");
const H1_M15 = `an H1/M15 pair of GBPUSD+ or XAUUSD+ in ${REAL.dir} (${REAL.which})`;
/** The GBPUSD+ H1 and M15 exports of the master data set. */
const GBP_H1 = join(REAL.dir, "forex", "GBPUSD+_H1_202401020000_202512262300.csv");
const GBP_M15 = join(REAL.dir, "forex", "GBPUSD+_M15_202401020000_202512262345.csv");
const HAVE_GBP = (() => {
  try {
    return Deno.statSync(GBP_H1).isFile && Deno.statSync(GBP_M15).isFile;
  } catch {
    return false;
  }
})();
const GBP_WHAT = `the real data ${GBP_H1} and its M15 file`;

Deno.test({
  name:
    "real data: M15 aggregated to H1 equals the H1 export where they agree; ohlc on both gives the same run",
  ignore: ignoreWithout(REAL_H1 !== null && REAL_M15 !== null, H1_M15),
}, async () => {
  requirePrerequisite(REAL_H1 !== null && REAL_M15 !== null, H1_M15);
  console.error(`intrabar real-data test uses ${REAL.which}: ${REAL.dir}`);
  const h1f = REAL_H1!, m15f = REAL_M15!;
  const h1 = toArrays(await readBars(h1f));
  const agg = aggregateBars(toArrays(await readBars(m15f)), H);
  // Bars present in both with equal OHLC.
  const idx = new Map<number, number>();
  for (let i = 0; i < agg.length; i++) idx.set(agg.time[i], i);
  let same = 0, checked = 0;
  const keep: number[] = [];
  for (let i = 0; i < h1.length; i++) {
    const k = idx.get(h1.time[i]);
    if (k === undefined) continue;
    checked++;
    const eq = Math.abs(h1.open[i] - agg.open[k]) < 1e-9 && Math.abs(h1.high[i] - agg.high[k]) < 1e-9 &&
      Math.abs(h1.low[i] - agg.low[k]) < 1e-9 && Math.abs(h1.close[i] - agg.close[k]) < 1e-9;
    if (eq) {
      same++;
      keep.push(i);
    }
  }
  assert.ok(
    checked > 1000 && same / checked > 0.95,
    `only ${same}/${checked} H1 bars equal the M15 aggregate`,
  );
  // Same bars from both sources (the agreeing ones, 2,000 of them) give identical ohlc runs.
  const pickRows = (b: BarArrays, ids: number[]): BarArrays => {
    const f = (a: Float64Array) => Float64Array.from(ids, (i) => a[i]);
    return {
      length: ids.length,
      time: f(b.time),
      open: f(b.open),
      high: f(b.high),
      low: f(b.low),
      close: f(b.close),
      tickVolume: f(b.tickVolume),
      volume: f(b.volume),
      spread: null,
    };
  };
  const ids = keep.slice(0, 2000);
  const aggIds = ids.map((i) => idx.get(h1.time[i])!);
  const { getStrategy } = await import("../../lib/strategies/registry.ts");
  const s = getStrategy("sma_cross");
  const cfg = { profile: "compat" as const, cash: 10_000, commission: 0 };
  const a = runBacktest({ bars: pickRows(h1, ids), strategy: s, config: cfg });
  const b = runBacktest({ bars: pickRows(agg, aggIds), strategy: s, config: cfg });
  assert.ok(a.trades.length > 5);
  assert.deepEqual(a.trades, b.trades);
  assert.equal(a.stats.equity_final, b.stats.equity_final);
});

/** `deno task backtest ARGS` as a child process. */
async function runBacktestTask(args: string[]) {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete env.RUST_BACKTRACE;
  const o = await new Deno.Command(Deno.execPath(), {
    args: taskCommand("backtest", args),
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: o.code, out: new TextDecoder().decode(o.stdout), err: new TextDecoder().decode(o.stderr) };
}

Deno.test("backtest --model: an unknown model and a missing lower-timeframe file are refused clearly (exit 2)", async () => {
  const run = runBacktestTask;
  const sample = join(
    "data",
    "sample",
    "forex",
    [...Deno.readDirSync("data/sample/forex")].map((e) => e.name).sort()[0],
  );
  const bad = await run([
    "--data",
    sample,
    "--strategy",
    "sma_cross",
    "--model",
    "tick",
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--model must be one of open, ohlc, lower, ticks/);
  const none = await run([
    "--data",
    sample,
    "--strategy",
    "sma_cross",
    "--model",
    "lower",
  ]);
  assert.equal(none.code, 2);
  assert.match(none.err, /no lower-timeframe file of .* give one with --lower FILE/);
  assert.doesNotMatch(none.err, /at .*\.ts:\d+/);
});

Deno.test({
  name: "backtest --model lower on real data states the model and the changed trades",
  ignore: ignoreWithout(HAVE_GBP, GBP_WHAT),
}, async () => {
  requirePrerequisite(HAVE_GBP, GBP_WHAT);
  console.error(`intrabar task test uses ${REAL.which}: ${REAL.dir}`);
  const run = runBacktestTask, h1 = GBP_H1;
  const r = await run([
    "--data",
    h1,
    "--strategy",
    "sniper",
    "--param",
    "tp_atr=2",
    "--model",
    "lower",
    "--json",
  ]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.model.name, "lower");
  assert.match(j.model.source, /GBPUSD\+_M15_/);
  assert.ok(j.model.bars_resolved > 0.9 * j.stats.bars);
  assert.ok(Array.isArray(j.model_changes));
  const o = await run([
    "--data",
    h1,
    "--strategy",
    "sniper",
    "--param",
    "tp_atr=2",
    "--json",
  ]);
  const jo = JSON.parse(o.out);
  assert.equal(jo.model, undefined);
  // Every listed change is a real difference between the two runs' trade lists.
  for (const c of j.model_changes) {
    const inOhlc = jo.trades.find((t: { entry_time: string; side: string }) =>
      t.entry_time === c.entry_time && t.side === c.side
    );
    if (c.ohlc) assert.equal(inOhlc.exit_reason, c.ohlc.exit_reason);
  }
  const unchanged = j.trades.length - j.model_changes.filter((c: { model: unknown }) => c.model).length;
  assert.ok(unchanged > 0);
});

Deno.test({
  name:
    "backtest:batch --model lower resolves each file from its folder's lower timeframe; the finest file runs on ohlc with a warning",
  ignore: ignoreWithout(HAVE_GBP, GBP_WHAT),
}, async () => {
  requirePrerequisite(HAVE_GBP, GBP_WHAT);
  const h1 = GBP_H1, m15 = GBP_M15;
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-model-batch-" });
  await Deno.mkdir(join(tmp, "data", "forex"), { recursive: true });
  await Deno.copyFile(h1, join(tmp, "data", "forex", "GBPUSD+_H1_202401020000_202512262300.csv"));
  await Deno.copyFile(m15, join(tmp, "data", "forex", "GBPUSD+_M15_202401020000_202512262345.csv"));
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete env.RUST_BACKTRACE;
  const o = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-prompt",
      "tasks/backtest_batch.ts",
      "--source",
      join(tmp, "data"),
      "--strategies",
      "sniper",
      "--model",
      "lower",
      "--out",
      join(tmp, "out"),
      "--workers",
      "0",
      "--json",
    ],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
  const j = JSON.parse(new TextDecoder().decode(o.stdout).trim().split("\n").pop()!);
  const byTf = Object.fromEntries(j.results.map((r: { timeframe: string }) => [r.timeframe, r]));
  assert.equal(byTf.H1.model.name, "lower");
  assert.ok(byTf.H1.model.bars_resolved > 10_000);
  assert.equal(byTf.M15.model, undefined);
  assert.match(byTf.M15.warnings.join(" "), /no lower timeframe of GBPUSD\+ .*ohlc used/);
  await Deno.remove(tmp, { recursive: true });
});
