/**
 * `deno task bench:strategies [--source DIR] [--runs N] [--workers N] [--json]`
 *
 * Benchmark: BERSERKER, SNIPER and MULTI_AGENT_V7 over every file of the real data set (default
 * `realDataDir()`: $KINETRA_MASTER_DIR, ../shared/data/master, ...), features included.
 * (1) the batch as users run it (`runBatch`, parallel workers): wall time, median of N runs;
 * (2) one thread, phase by phase: read, features, simulation, with bars per second.
 */
import { parseArgs } from "node:util";
import { runBatch } from "../lib/backtest/batch.ts";
import { runBacktest } from "../lib/backtest/mod.ts";
import { loadFile, scanCatalog } from "../lib/data/mod.ts";
import { computeFeatures } from "../lib/features/mod.ts";
import { getStrategy, resolveParams } from "../lib/strategies/mod.ts";
import { numberOption, numberOptionOr, runTask } from "../lib/util/cli.ts";
import { realDataDir } from "../lib/util/paths.ts";

const STRATEGIES = ["berserker", "sniper", "multi_agent_v7"];

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<number> {
  const args = parseArgs({
    args: Deno.args,
    options: {
      source: { type: "string" },
      runs: { type: "string", default: "3" },
      workers: { type: "string" },
      json: { type: "boolean", default: false },
    },
  }).values;
  const runs = numberOption("runs", args.runs, { integer: true, min: 1 })!;
  const real = realDataDir();
  const source = args.source ?? real.dir;
  const workers = numberOptionOr("workers", args.workers, navigator.hardwareConcurrency || 1, {
    integer: true,
    min: 0,
  });
  const log = (s: string): void => {
    if (!args.json) console.log(s);
  };
  log(
    `source: ${source}${
      args.source ? "" : ` (${real.which})`
    }, ${navigator.hardwareConcurrency} hardware threads`,
  );

  // (1) The batch as users run it.
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_bench_" });
  const walls: number[] = [];
  let last: Awaited<ReturnType<typeof runBatch>> | null = null;
  try {
    for (let r = 0; r < runs; r++) {
      last = await runBatch({ source, strategies: STRATEGIES, workers, outDir: tmp });
      walls.push(last.wallMs);
      const failed = last.results.filter((x) => x.error).length;
      log(
        `batch run ${r + 1}/${runs}: ${
          (last.wallMs / 1000).toFixed(2)
        } s wall, ${last.files} files, ${failed} failed runs`,
      );
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }

  // (2) One thread, phase by phase.
  const catalog = await scanCatalog(source);
  const strategies = STRATEGIES.map(getStrategy);
  const names = [...new Set(strategies.flatMap((s) => [...s.features]))];
  let bars = 0, readMs = 0, featMs = 0, simMs = 0, trades = 0;
  for (const e of catalog.files) {
    let t = performance.now();
    const loaded = await loadFile(e.path);
    readMs += performance.now() - t;
    const a = loaded.arrays;
    if (!a) continue;
    bars += a.length;
    t = performance.now();
    const features = computeFeatures(a, names);
    featMs += performance.now() - t;
    t = performance.now();
    for (const s of strategies) {
      const res = runBacktest({
        bars: a,
        strategy: s,
        params: resolveParams(s),
        features,
        config: { profile: "mt5" },
      });
      trades += res.stats.trades;
    }
    simMs += performance.now() - t;
  }
  const wall = median(walls);
  const out = {
    source,
    files: catalog.files.length,
    bars,
    strategies: STRATEGIES,
    workers,
    hardware_threads: navigator.hardwareConcurrency,
    batch_wall_ms_median: Math.round(wall),
    batch_wall_ms_runs: walls.map(Math.round),
    batch_inside_workers_ms: last
      ? {
        read: Math.round(last.totalsMs.read),
        features: Math.round(last.totalsMs.features),
        simulate: Math.round(last.totalsMs.simulate),
      }
      : null,
    single_thread_ms: { read: Math.round(readMs), features: Math.round(featMs), simulate: Math.round(simMs) },
    single_thread_bars_per_s: {
      features: Math.round(bars / (featMs / 1000)),
      simulate_per_strategy: Math.round((bars * STRATEGIES.length) / (simMs / 1000)),
    },
    trades,
    target_ms: 30_000,
    meets_target: wall < 30_000,
  };
  if (args.json) console.log(JSON.stringify(out));
  else {
    log("");
    log(
      `${out.files} files, ${
        bars.toLocaleString("en-US")
      } bars, ${STRATEGIES.length} strategies, ${trades} trades`,
    );
    log(
      `batch wall (median of ${runs}, ${workers} workers): ${(wall / 1000).toFixed(2)} s  (target < 30 s: ${
        out.meets_target ? "met" : "NOT met"
      })`,
    );
    if (out.batch_inside_workers_ms) {
      const w = out.batch_inside_workers_ms;
      log(
        `  inside the workers (summed): read ${w.read} ms, features ${w.features} ms, simulate ${w.simulate} ms`,
      );
    }
    log(
      `single thread: read ${out.single_thread_ms.read} ms, features ${out.single_thread_ms.features} ms (${
        out.single_thread_bars_per_s.features.toLocaleString("en-US")
      } bars/s), simulate ${out.single_thread_ms.simulate} ms (${
        out.single_thread_bars_per_s.simulate_per_strategy.toLocaleString("en-US")
      } bar-runs/s)`,
    );
  }
  return out.meets_target ? 0 : 1;
}

if (import.meta.main) runTask(main);
