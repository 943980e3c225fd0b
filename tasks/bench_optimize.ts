/**
 * `deno task bench:optimize [--bars N] [--workers N] [--runs N]`: an end-to-end SmaCross grid of
 * 1,000 combinations (fast 1…40 × slow 30…270 step 10) over 100,000 H1 bars tiled from backtesting.py's
 * EURUSD reference (the 5,000 bar shapes relative to the previous close, repeated), compat profile.
 * Reports wall time, bar-evaluations per second (combinations × bars / s), the process's CPU time
 * (every thread; less sensitive to other load on the machine than the wall time) and peak memory
 * (RSS, sampled every 20 ms; workers are threads of the same process), with 1 and N workers and with
 * indicator sharing off. Figures go to docs/PERFORMANCE.md by hand.
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { join } from "node:path";
import { optimize } from "../lib/research/optimize.ts";
import { referenceDataDir } from "../lib/util/paths.ts";
import { numberOptionOr, runTask } from "../lib/util/cli.ts";

/** Tile the EURUSD reference to `n` bars (same shapes, continuous prices, hourly times) as CSV text. */
export function tiledEurusdCsv(n: number): string {
  const text = Deno.readTextFileSync(join(referenceDataDir(), "EURUSD.csv"));
  const rows = text.trim().split(/\r?\n/).slice(1).map((l) => l.split(",").slice(1, 6).map(Number));
  const out: string[] = [",Open,High,Low,Close,Volume"];
  let prevClose = rows[0][3];
  let refPrev = rows[0][3];
  const t0 = Date.UTC(2000, 0, 3);
  for (let i = 0; i < n; i++) {
    const k = i % rows.length;
    const [o, h, l, c, v] = rows[k];
    const base = k === 0 ? o : refPrev; // shapes relative to the previous close of the reference
    const f = prevClose / base;
    const row = [o * f, h * f, l * f, c * f];
    const t = new Date(t0 + i * 3_600_000).toISOString().slice(0, 19).replace("T", " ");
    out.push(`${t},${row.map((x) => x.toFixed(6)).join(",")},${v}`);
    prevClose = row[3];
    refPrev = c;
  }
  return out.join("\n") + "\n";
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { bars: { type: "string" }, workers: { type: "string" }, runs: { type: "string" } },
  });
  const nBars = numberOptionOr("bars", values.bars, 100_000, { integer: true, min: 1000 }),
    workers = numberOptionOr("workers", values.workers, 2, { integer: true, min: 1 }),
    runs = numberOptionOr("runs", values.runs, 1, { integer: true, min: 1 });
  const dir = await Deno.makeTempDir({ prefix: "kinetra_bench_opt_" });
  try {
    const file = join(dir, "EURUSD_tiled.csv");
    await Deno.writeTextFile(file, tiledEurusdCsv(nBars));
    const grid = ["fast=1:40:1", "slow=30:270:10"];
    console.log(
      `bench:optimize — SmaCross grid 40 × 25 = 1,000 combinations, ${
        nBars.toLocaleString("en")
      } tiled EURUSD H1 bars, compat profile`,
    );
    console.log(
      `load average: ${
        Deno.loadavg().map((x) => x.toFixed(2)).join(" ")
      }, ${navigator.hardwareConcurrency} hardware threads`,
    );
    const cases: { label: string; workers: number; share: boolean }[] = [
      { label: `${workers} workers, shared indicators`, workers, share: true },
      { label: "1 worker, shared indicators", workers: 1, share: true },
      { label: `${workers} workers, no sharing`, workers, share: false },
    ];
    for (let r = 0; r < runs; r++) {
      for (const c of cases) {
        let peak = Deno.memoryUsage().rss;
        const timer = setInterval(() => (peak = Math.max(peak, Deno.memoryUsage().rss)), 20);
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const res = await optimize({
          data: { file },
          strategy: "sma_cross",
          grid,
          config: { profile: "compat" },
          workers: c.workers,
          shareIndicators: c.share,
          outDir: join(dir, "out"),
        });
        const s = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        clearInterval(timer);
        peak = Math.max(peak, Deno.memoryUsage().rss);
        const evals = res.trials * nBars;
        console.log(
          `  ${c.label.padEnd(32)} ${res.trials} trials  ${s.toFixed(2)} s  ${
            (evals / s / 1e6).toFixed(2)
          } M bar-evaluations/s  CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s  peak RSS ${
            (peak / 2 ** 20).toFixed(0)
          } MB  (best ${JSON.stringify(res.best?.params)})`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return 0;
}

if (import.meta.main) runTask(main);
