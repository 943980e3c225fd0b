/**
 * `deno task optimize --data FILE --strategy NAME --grid NAME=START:STOP:STEP | NAME=v1,v2,... ...`
 *
 * Optimise a strategy's parameters on one file (grid, seeded random or TPE), with the deflated
 * Sharpe ratio, PBO and an optional Monte Carlo. Results stream to `--out` (default
 * logs/optimize/run_<stamp>/results.jsonl); Ctrl+C keeps what finished. See docs/RESEARCH.md.
 */
import { join } from "node:path";
import {
  fmtNum,
  intFlag,
  modelLine,
  numFlag,
  overfitVerdict,
  parseSweepArgs,
  promotionLine,
  sweepConfig,
} from "../lib/research/cli.ts";
import { defaultWorkers, optimize, optimizeJson } from "../lib/research/optimize.ts";
import type { Method } from "../lib/research/sampler.ts";
import { listStrategies } from "../lib/strategies/registry.ts";
import { dateOrderArg } from "../lib/data/cli_args.ts";
import { runTask } from "../lib/util/cli.ts";
import { utcStamp, writeTextAtomic } from "../lib/util/fs.ts";
import { LOGS_DIR } from "../lib/util/paths.ts";
import { researchClusterRunner } from "../lib/cluster/research.ts";
import { onStopSignal } from "../lib/util/signals.ts";

const USAGE =
  `usage: deno task optimize --data FILE --strategy NAME --grid NAME=START:STOP:STEP | NAME=v1,v2,... (repeatable)
  [--constraint "fast<slow"] [--objective FIELD] [--minimize] [--method grid|random|bayes] [--trials N] [--seed S]
  [--min-trades N] [--start ISO] [--end ISO] [--allow-critical] [--date-order dmy|mdy] [--workers N] [--monte-carlo N] [--ruin PCT]
  [--profile mt5|compat] [--cash N] [--commission X] [--spread X] [--margin X | --leverage N] [--slippage P]
  [--trade-on-close] [--finalize] [--hedging] [--no-swap] [--symbol NAME] [--symbols FILE.json]
  [--model open|ohlc|lower|ticks] [--lower FILE] [--ticks FILE]
  [--cluster URL] [--data-root DIR] [--json] [--report FILE.html] [--out DIR]`;

async function main(): Promise<number> {
  const v = parseSweepArgs(Deno.args, { "monte-carlo": { type: "string" }, ruin: { type: "string" } }, USAGE);
  if (v.help) {
    console.log(USAGE + "\n\nstrategies: " + listStrategies().map((s) => s.name).join(", "));
    return 0;
  }
  const config = sweepConfig(v, USAGE);
  const workers = intFlag("workers", v.workers, 0) ?? defaultWorkers();
  const outDir = (v.out as string | undefined) ?? join(LOGS_DIR, "optimize", `run_${utcStamp()}`);
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  // Ctrl-C, SIGTERM (the menu's stop) and SIGHUP (a closed terminal) alike keep what finished.
  const disposeSignals = onStopSignal(onSignal);
  const quiet = v.json as boolean;
  const runner = await researchClusterRunner(v, String(v.data ?? ""));
  const res = await optimize({
    runner,
    data: {
      file: v.data as string,
      start: v.start as string | undefined,
      end: v.end as string | undefined,
      allowCritical: v["allow-critical"] === true,
      dateOrder: dateOrderArg(v["date-order"] as string | undefined, USAGE),
    },
    strategy: v.strategy as string,
    grid: v.grid as string[],
    constraints: v.constraint as string[],
    objective: v.objective as string | undefined,
    minimize: v.minimize as boolean,
    method: v.method as Method | undefined,
    trials: intFlag("trials", v.trials, 1),
    seed: numFlag("seed", v.seed),
    minTrades: intFlag("min-trades", v["min-trades"], 0),
    monteCarlo: intFlag("monte-carlo", v["monte-carlo"], 0),
    ruinPct: numFlag("ruin", v.ruin),
    config,
    workers,
    outDir,
    signal: ac.signal,
    onProgress: quiet ? undefined : (done, total) => {
      if (Deno.stderr.isTerminal()) {
        Deno.stderr.writeSync(new TextEncoder().encode(`\r  ${done}/${total} jobs`));
      }
    },
  });
  disposeSignals();
  runner?.close();
  if (!quiet && Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));

  let reportNote = "";
  if (v.report) {
    const { optimizeReportHtml } = await import("../lib/research/report.ts");
    await writeTextAtomic(
      v.report as string,
      optimizeReportHtml(res, { title: `${res.strategy} optimisation on ${v.data}` }),
    );
    reportNote = `report written: ${v.report}`;
  }
  const verdict = overfitVerdict(res.deflated_sharpe, res.pbo);
  if (v.json) {
    console.log(JSON.stringify(optimizeJson(res)));
    if (reportNote) console.error(reportNote);
  } else {
    console.log(
      `${res.strategy} on ${v.data}: ${res.method} search, ${res.trials} trials (${res.excluded} excluded: ${
        Object.entries(res.excluded_by).map(([k, n]) => `${k} ${n}`).join(", ")
      }), objective ${res.objective} ${res.minimize ? "minimised" : "maximised"}, ${
        res.seconds.toFixed(2)
      } s`,
    );
    const ranked = res.results.filter((t) => !t.excluded).sort((a, b) =>
      res.minimize ? a.objective! - b.objective! : b.objective! - a.objective!
    ).slice(0, 10);
    const names = res.space.dims.map((d) => d.name);
    console.log(
      `  ${names.map((n) => n.padStart(8)).join(" ")} ${res.objective.padStart(12)} ${"trades".padStart(7)} ${
        "return_pct".padStart(11)
      }`,
    );
    for (const t of ranked) {
      console.log(
        `  ${names.map((n) => fmtNum(t.params[n]).padStart(8)).join(" ")} ${
          fmtNum(t.objective).padStart(12)
        } ${fmtNum(t.stats?.trades).padStart(7)} ${fmtNum(t.stats?.return_pct).padStart(11)}`,
      );
    }
    const d = res.deflated_sharpe, p = res.pbo;
    console.log(
      `  deflated Sharpe: SR/bar ${fmtNum(d.sharpe)}, expected max ${fmtNum(d.expected_max_sharpe)}, DSR ${
        fmtNum(d.dsr)
      }, PSR ${fmtNum(d.psr)} · PBO ${fmtNum(p.pbo)} (${p.partitions} partitions, ${p.splits} splits)`,
    );
    if (res.monte_carlo) {
      const b = res.monte_carlo.bootstrap;
      console.log(
        `  Monte Carlo (${res.monte_carlo.paths} bootstrap paths): final return ${
          fmtNum(b.final_return_pct.low)
        } … ${fmtNum(b.final_return_pct.high)} %, max drawdown ${fmtNum(b.max_drawdown_pct.low)} … ${
          fmtNum(b.max_drawdown_pct.high)
        } %, P(ruin at -${res.monte_carlo.ruin_pct} %) ${fmtNum(b.prob_ruin)}`,
      );
    }
    if (res.best?.stats) {
      console.log(
        `  ${
          promotionLine(
            res.best.stats,
            "best result, in sample only: run deno task walkforward to judge it out of sample",
          )
        }`,
      );
    }
    console.log(`  ${modelLine(res.model)}`);
    console.log(`  ${verdict.text}`);
    console.log(`  results: ${join(outDir, "results.jsonl")}`);
    if (reportNote) console.log(reportNote);
  }
  if (res.interrupted) {
    console.error(`interrupted: ${res.trials} finished trials kept in ${outDir}`);
    return 130;
  }
  return 0;
}

if (import.meta.main) runTask(main);
