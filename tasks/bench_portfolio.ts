/**
 * `deno task bench:portfolio [--source DIR] [--timeframe TF] [--strategy NAME] [--runs K] [--json]`:
 * every symbol of the real data set (realDataDir(): the master set, else the sample) at one
 * timeframe (default H1) on one account, a single-symbol strategy (default sma_cross) broadcast to
 * each with fixed 0.1-lot orders and profits converted at the rates of the time.
 *
 * Reports the loading time (read, features, conversion rates), then, after two untimed warm-up
 * runs, the simulation (`runPortfolio`: union alignment, every symbol's engine, the shared account,
 * stop-out checks) and the statistics (`portfolioStats`: account, per symbol, correlation), median
 * of K runs (wall and CPU time: the CPU time is steadier on a shared host), and the bars per second
 * of the simulation.
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { scanCatalog } from "../lib/data/catalog.ts";
import { KinetraError } from "../lib/errors.ts";
import { loadBasket } from "../lib/portfolio/load.ts";
import { runPortfolio } from "../lib/portfolio/engine.ts";
import { PORTFOLIO_STRATEGIES } from "../lib/portfolio/momentum.ts";
import { portfolioStats } from "../lib/portfolio/stats.ts";
import { getStrategy } from "../lib/strategies/registry.ts";
import { numberOption, runTask } from "../lib/util/cli.ts";
import { realDataDir } from "../lib/util/paths.ts";

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      source: { type: "string" },
      timeframe: { type: "string", default: "H1" },
      strategy: { type: "string", default: "sma_cross" },
      runs: { type: "string", default: "7" },
      json: { type: "boolean", default: false },
    },
  });
  const real = realDataDir();
  const source = values.source ?? real.dir;
  const runs = numberOption("runs", values.runs, { integer: true, min: 1 })!;
  const tf = values.timeframe!.toUpperCase();
  const cat = await scanCatalog(source);
  const symbols = cat.symbols.filter((s) => (cat.pairs[s] ?? []).includes(tf));
  if (!symbols.length) throw new KinetraError("missing_data", `no ${tf} exports in ${source}`);
  const strategy = PORTFOLIO_STRATEGIES[values.strategy!] ?? getStrategy(values.strategy!);

  const t0 = performance.now();
  const basket = await loadBasket({ source, symbols, timeframe: tf, features: strategy.features });
  const loadMs = performance.now() - t0;
  const bars = basket.reduce((n, s) => n + s.bars.length, 0);
  const opts = {
    symbols: basket,
    strategy,
    config: { sizing: { mode: "lots" as const, lots: 0.1 }, cash: 100_000 },
  };
  const first0 = performance.now();
  let run = runPortfolio(opts);
  const firstMs = performance.now() - first0;
  for (let k = 0; k < 2; k++) run = runPortfolio(opts);
  const sim: number[] = [], stat: number[] = [], simCpu: number[] = [];
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage();
    const a = performance.now();
    run = runPortfolio(opts);
    const b = performance.now();
    const c1 = process.cpuUsage(c0);
    simCpu.push((c1.user + c1.system) / 1000);
    portfolioStats(run, basket.map((s) => s.bars));
    stat.push(performance.now() - b);
    sim.push(b - a);
  }
  const trades = run.symbols.reduce((n, s) => n + s.trades.length, 0);
  const converted = basket.filter((s) => s.conversion?.info.source === "data").map((s) => s.symbol);
  const result = {
    source,
    which: values.source ? "given" : real.which,
    timeframe: tf,
    strategy: strategy.name,
    symbols: basket.length,
    bars,
    union_times: run.time.length,
    trades,
    converted_from_data: converted,
    load_ms: Math.round(loadMs),
    first_run_ms: Math.round(firstMs),
    simulation_ms_median: Number(median(sim).toFixed(1)),
    simulation_ms_min: Number(Math.min(...sim).toFixed(1)),
    simulation_cpu_ms_median: Number(median(simCpu).toFixed(1)),
    stats_ms_median: Number(median(stat).toFixed(1)),
    simulation_bars_per_s: Math.round(bars / (median(sim) / 1000)),
    runs,
    load_average: Deno.loadavg().map((x) => Number(x.toFixed(2))),
  };
  if (values.json) {
    console.log(JSON.stringify(result));
    return 0;
  }
  console.log(
    `bench:portfolio — ${result.symbols} ${tf} symbols from ${source} (${result.which}), ${
      bars.toLocaleString("en-US")
    } bars, ${
      result.union_times.toLocaleString("en-US")
    } union times, ${strategy.name} broadcast, ${trades} trades`,
  );
  console.log(`  converted from the data's pairs: ${converted.join(", ") || "none"}`);
  console.log(`  load (read + features + conversion rates)   ${result.load_ms} ms`);
  console.log(`  first simulation of the process (cold JIT)  ${result.first_run_ms} ms`);
  console.log(
    `  simulation (runPortfolio), median of ${runs}     ${result.simulation_ms_median} ms (min ${result.simulation_ms_min}) = ${
      result.simulation_bars_per_s.toLocaleString("en-US")
    } bars/s`,
  );
  console.log(`  simulation CPU time (user + system), median ${result.simulation_cpu_ms_median} ms`);
  console.log(`  statistics (portfolioStats), median        ${result.stats_ms_median} ms`);
  console.log(`  load average ${result.load_average.join(" ")}`);
  return 0;
}

if (import.meta.main) runTask(main);
