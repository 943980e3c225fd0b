/**
 * `deno task bench:engine [--bars N] [--runs K] [--json]`: SmaCross(10, 30), compat profile, on a
 * series of N (default 1,000,000) hourly bars built by tiling the bar shapes of
 * backtesting.py's EURUSD.csv (referenceDataDir(): ../shared/data/reference or tests/fixtures/reference; open/high/low/close relative to the previous close).
 *
 * Each 5000-bar block is detrended (its net drift removed) so the price level stays realistic.
 *
 * Reports the first (cold) runBacktest of the process, then, after five untimed warm-up runs,
 * bars per second (median of K runs) for
 * - engine loop: `Engine.run` alone (strategy init + event loop, no statistics),
 * - engine: `runBacktest` (validation + loop + every statistic + CHS),
 * - end to end: read an MT5 CSV of the series from disk, bars to typed arrays, runBacktest, the
 *   trades and equity polars frames and the JSON output,
 * - the deliberately simple reference implementation (lib/backtest/simple_reference.ts),
 * and checks that engine and reference agree on the trades.
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { join } from "node:path";
import { resolveConfig } from "../lib/backtest/config.ts";
import { Engine } from "../lib/backtest/engine.ts";
import { runBacktest } from "../lib/backtest/run.ts";
import { simpleSmaCross } from "../lib/backtest/simple_reference.ts";
import { symbolSpec } from "../lib/market/instrument.ts";
import type { BarArrays } from "../lib/data/types.ts";
import { readBars, toArrays } from "../lib/data/mod.ts";
import { KinetraError } from "../lib/errors.ts";
import { smaCross } from "../lib/strategies/sma_cross.ts";
import { numberOption, runTask } from "../lib/util/cli.ts";
import { referenceDataDir } from "../lib/util/paths.ts";
import { benchModels } from "./_bench_models.ts";

const REFERENCE = `${referenceDataDir()}/EURUSD.csv`;
/** Untimed runs before measuring (steady state of the JIT). */
const WARMUP = 5;
const HOUR = 3_600_000;

/** Tile EURUSD's bar shapes to `n` bars. */
export function tiledEurusd(n: number, path = REFERENCE): BarArrays {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    throw new KinetraError("file_not_found", `benchmark data not found: ${path}`);
  }
  const rows = text.trim().split(/\r?\n/).slice(1).map((l) => l.split(",").map(Number));
  const m = rows.length;
  const ro = new Float64Array(m),
    rh = new Float64Array(m),
    rl = new Float64Array(m),
    rc = new Float64Array(m);
  // Remove the block's net drift (EURUSD rose 16 % over these bars; tiled 200 times that would be
  // a factor 10^13 and the account could no longer buy a single unit), keeping every bar's shape.
  const drift = Math.exp(Math.log(rows[m - 1][4] / rows[0][4]) / (m - 1));
  for (let k = 1; k < m; k++) {
    const pc = rows[k - 1][4] * drift;
    ro[k] = rows[k][1] / pc;
    rh[k] = rows[k][2] / pc;
    rl[k] = rows[k][3] / pc;
    rc[k] = rows[k][4] / pc;
  }
  const time = new Float64Array(n), open = new Float64Array(n), high = new Float64Array(n);
  const low = new Float64Array(n), close = new Float64Array(n);
  const t0 = Date.UTC(2017, 3, 19, 9);
  let prev = rows[0][4];
  open[0] = rows[0][1];
  high[0] = rows[0][2];
  low[0] = rows[0][3];
  close[0] = prev;
  time[0] = t0;
  for (let i = 1; i < n; i++) {
    const k = 1 + ((i - 1) % (m - 1));
    open[i] = prev * ro[k];
    high[i] = prev * rh[k];
    low[i] = prev * rl[k];
    close[i] = prev * rc[k];
    prev = close[i];
    time[i] = t0 + i * HOUR;
  }
  return {
    length: n,
    time,
    open,
    high,
    low,
    close,
    tickVolume: new Float64Array(n),
    volume: new Float64Array(n),
    spread: null,
  };
}

function toMt5Csv(b: BarArrays): string {
  const out: string[] = ["<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>"];
  for (let i = 0; i < b.length; i++) {
    const iso = new Date(b.time[i]).toISOString();
    out.push(
      `${iso.slice(0, 10).replaceAll("-", ".")}\t${iso.slice(11, 19)}\t${b.open[i].toFixed(5)}\t${
        b.high[i].toFixed(5)
      }\t${b.low[i].toFixed(5)}\t${b.close[i].toFixed(5)}\t100\t0\t0`,
    );
  }
  return out.join("\r\n") + "\r\n";
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Timing {
  wall: number[];
  cpu: number[];
}

/** Wall-clock and process CPU time (user + system) of each of `k` runs, in ms. */
function timeRuns(k: number, f: () => void): Timing {
  const wall: number[] = [], cpu: number[] = [];
  for (let r = 0; r < k; r++) {
    const c = process.cpuUsage();
    const t = performance.now();
    f();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall, cpu };
}

async function timeRunsAsync(k: number, f: () => Promise<void>): Promise<Timing> {
  const wall: number[] = [], cpu: number[] = [];
  for (let r = 0; r < k; r++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await f();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall, cpu };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      bars: { type: "string", default: "1000000" },
      runs: { type: "string", default: "7" },
      json: { type: "boolean", default: false },
    },
  });
  const n = numberOption("bars", values.bars, { integer: true, min: 1000 })!;
  const runs = numberOption("runs", values.runs, { integer: true, min: 1 })!;
  const bars = tiledEurusd(n);
  const params = { fast: 10, slow: 30 };
  const config = resolveConfig({ profile: "compat", cash: 10_000, finalize: true });
  const spec = symbolSpec("EURUSD");

  // The first run in a fresh process (what a single `deno task backtest` pays): JIT tiers still climbing.
  const cold = timeRuns(1, () => runBacktest({ bars, strategy: smaCross, params, config }));
  // Warm up the JIT (V8 needs a few full runs before its optimised code stops changing).
  for (let w = 0; w < WARMUP; w++) runBacktest({ bars, strategy: smaCross, params, config });

  const loopMs = timeRuns(runs, () => new Engine(bars, config, spec, {}).run(smaCross, params, {}));
  let result = runBacktest({ bars, strategy: smaCross, params, config });
  const engineMs = timeRuns(runs, () => {
    result = runBacktest({ bars, strategy: smaCross, params, config });
  });

  const dir = await Deno.makeTempDir({ prefix: "kinetra_bench_" });
  const csv = join(dir, "EURUSD_H1_tiled.csv");
  await Deno.writeTextFile(csv, toMt5Csv(bars));
  const e2eMs = await timeRunsAsync(Math.min(runs, 3), async () => {
    const b = await readBars(csv);
    const a = toArrays(b);
    const res = runBacktest({ bars: a, meta: b.meta, strategy: smaCross, params, config });
    res.tradesFrame();
    res.equityFrame();
    JSON.stringify(res.toJSON());
  });
  await Deno.remove(dir, { recursive: true });

  let ref = simpleSmaCross(bars, 10, 30, 10_000);
  const refMs = timeRuns(Math.min(runs, 3), () => {
    ref = simpleSmaCross(bars, 10, 30, 10_000);
  });
  const agree = ref.trades.length === result.trades.length &&
    ref.trades.every((t, k) =>
      t.entryBar === result.trades[k].entry_bar && t.exitPrice === result.trades[k].exit_price
    );

  const summary = (t: Timing) => ({
    median_ms: median(t.wall),
    min_ms: Math.min(...t.wall),
    bars_per_s: n / (median(t.wall) / 1000),
    cpu_median_ms: median(t.cpu),
    bars_per_cpu_s: n / (median(t.cpu) / 1000),
  });
  const report = {
    bars: n,
    runs,
    trades: result.stats.trades,
    engine_cold_first_run: summary(cold),
    engine_loop: summary(loopMs),
    engine: summary(engineMs),
    end_to_end: summary(e2eMs),
    simple_reference: summary(refMs),
    reference_agrees: agree,
    target_bars_per_s: 10_000_000,
    load_average: (() => {
      try {
        return Deno.loadavg()[0];
      } catch {
        return null;
      }
    })(),
    deno: Deno.version.deno,
  };
  const models = await benchModels(Math.max(3, runs));
  if (values.json) console.log(JSON.stringify({ ...report, models }));
  else {
    const f = (x: ReturnType<typeof summary>) =>
      `${x.median_ms.toFixed(1).padStart(8)} ms wall ${
        (x.bars_per_s / 1e6).toFixed(2).padStart(7)
      } M bars/s` +
      ` | ${x.cpu_median_ms.toFixed(1).padStart(8)} ms CPU ${
        (x.bars_per_cpu_s / 1e6).toFixed(2).padStart(7)
      } M bars/CPU-s`;
    console.log(
      `bench:engine  SmaCross(10,30) compat, ${
        n.toLocaleString("en")
      } tiled EURUSD H1 bars, median of ${runs}`,
    );
    console.log(`  engine, first run in the process ${f(report.engine_cold_first_run)}`);
    console.log(`  engine loop (init + loop)        ${f(report.engine_loop)}`);
    console.log(`  engine (runBacktest, all stats)  ${f(report.engine)}`);
    console.log(`  end to end (CSV → frames, JSON)  ${f(report.end_to_end)}`);
    console.log(`  simple reference implementation  ${f(report.simple_reference)}`);
    console.log(`  trades ${report.trades}; engine and reference agree: ${agree}`);
    console.log(
      `  target >= 10 M bars/s for the engine (strategy init + event loop + broker): ${
        report.engine_loop.bars_per_s >= 1e7 ? "met" : "NOT met"
      }; with every statistic ${(report.engine.bars_per_s / 1e6).toFixed(2)} M bars/s` +
        ` (load average ${report.load_average?.toFixed(2) ?? "?"} on ${navigator.hardwareConcurrency} cores)`,
    );
  }
  if (!values.json) {
    if (!models) console.log("  modelling modes: skipped (no XAUUSD+ H1/M15 pair in the real data folder)");
    else {
      const m = models;
      console.log(
        `  modelling modes on ${
          m.file.split("/").pop()
        } (${m.bars} bars, ${m.strategy}, ${m.bars_resolved} resolved):`,
      );
      console.log(
        `    simulation: ohlc ${m.ohlc_ms.toFixed(1)} ms, lower ${m.lower_ms.toFixed(1)} ms (${
          m.ratio.toFixed(2)
        }×)`,
      );
      console.log(
        `    end to end (read, features, run; lower also reads the M15 file and builds the path): ohlc ${
          m.end_to_end_ohlc_ms.toFixed(0)
        } ms, lower ${m.end_to_end_lower_ms.toFixed(0)} ms (${
          m.ratio_end_to_end.toFixed(2)
        }×); target <= 3×: ${m.ratio_end_to_end <= 3 ? "met" : "NOT met"}`,
      );
    }
  }
  return agree ? 0 : 1;
}

if (import.meta.main) runTask(main);
