/**
 * `deno task walkforward --data FILE --strategy NAME --grid ... --train N|6M --test N|1M [--anchored]
 *   [--objective FIELD] [cost flags as optimize] [--json] [--report FILE.html]`
 *
 * Walk-forward analysis (docs/RESEARCH.md): optimise on each training part, run the choice on the
 * following test part, stitch the test parts; walk-forward efficiency, parameter stability, DSR and PBO.
 */
import { KinetraError } from "../lib/errors.ts";
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
import { defaultWorkers } from "../lib/research/optimize.ts";
import type { Method } from "../lib/research/sampler.ts";
import { walkForward, walkForwardJson } from "../lib/research/walkforward.ts";
import { listStrategies } from "../lib/strategies/registry.ts";
import { dateOrderArg } from "../lib/data/cli_args.ts";
import { runTask } from "../lib/util/cli.ts";
import { writeTextAtomic } from "../lib/util/fs.ts";
import { researchClusterRunner } from "../lib/cluster/research.ts";
import { onStopSignal } from "../lib/util/signals.ts";

const USAGE =
  `usage: deno task walkforward --data FILE --strategy NAME --grid NAME=START:STOP:STEP | NAME=v1,v2,... (repeatable)
  --train N|6M --test N|1M [--anchored] [--constraint "fast<slow"] [--objective FIELD] [--minimize]
  [--method grid|random|bayes] [--trials N] [--seed S] [--min-trades N] [--start ISO] [--end ISO] [--allow-critical] [--date-order dmy|mdy] [--workers N]
  [--profile mt5|compat] [--cash N] [--commission X] [--spread X] [--margin X | --leverage N] [--slippage P]
  [--trade-on-close] [--finalize] [--hedging] [--no-swap] [--symbol NAME] [--symbols FILE.json]
  [--model open|ohlc|lower|ticks] [--lower FILE] [--ticks FILE]
  [--cluster URL] [--data-root DIR] [--json] [--report FILE.html]
  sizes: a number of bars (5000) or calendar units h, D, W, M, Y (6M, 2W)`;

async function main(): Promise<number> {
  const v = parseSweepArgs(Deno.args, {
    train: { type: "string" },
    test: { type: "string" },
    anchored: { type: "boolean", default: false },
  }, USAGE);
  if (v.help) {
    console.log(USAGE + "\n\nstrategies: " + listStrategies().map((s) => s.name).join(", "));
    return 0;
  }
  const config = sweepConfig(v, USAGE);
  if (!v.train || !v.test) {
    throw new KinetraError("bad_argument", `--train and --test are required\n${USAGE}`);
  }
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  // Ctrl-C, SIGTERM (the menu's stop) and SIGHUP (a closed terminal) alike keep what finished.
  const disposeSignals = onStopSignal(onSignal);
  const runner = await researchClusterRunner(v, String(v.data ?? ""));
  const res = await walkForward({
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
    config,
    workers: intFlag("workers", v.workers, 0) ?? defaultWorkers(),
    train: v.train as string,
    test: v.test as string,
    anchored: v.anchored as boolean,
    signal: ac.signal,
    onProgress: v.json ? undefined : (k, n) => {
      if (Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode(`\r  window ${k}/${n}`));
    },
  });
  disposeSignals();
  runner?.close();
  if (!v.json && Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  let reportNote = "";
  if (v.report) {
    const { walkForwardReportHtml } = await import("../lib/research/report.ts");
    await writeTextAtomic(
      v.report as string,
      walkForwardReportHtml(res, { title: `${res.strategy} walk-forward on ${v.data}` }),
    );
    reportNote = `report written: ${v.report}`;
  }
  if (v.json) {
    console.log(JSON.stringify(walkForwardJson(res)));
    if (reportNote) console.error(reportNote);
  } else {
    console.log(
      `${res.strategy} on ${v.data}: ${res.windows.length} ${
        res.anchored ? "anchored" : "rolling"
      } windows (train ${v.train}, test ${v.test}), objective ${res.objective}, ${res.seconds.toFixed(2)} s`,
    );
    for (const [k, w] of res.windows.entries()) {
      const p = w.best_params ? res.swept.map((n) => `${n}=${w.best_params![n]}`).join(" ") : "(none ranked)";
      console.log(
        `  ${String(k + 1).padStart(3)} test ${w.test.start.slice(0, 16)} … ${w.test.end.slice(0, 16)}  ${
          p.padEnd(24)
        } IS ${fmtNum(w.is_stats?.[res.objective]).padStart(9)}  OOS ${
          fmtNum(w.oos_stats[res.objective]).padStart(9)
        }  OOS return ${fmtNum(w.oos_stats.return_pct)} %`,
      );
    }
    const s = res.oos.stats;
    console.log(
      `  stitched out of sample: return ${fmtNum(s.return_pct)} %, ${res.objective} ${
        fmtNum(s[res.objective])
      }, trades ${fmtNum(s.trades)}, max drawdown ${fmtNum(s.max_drawdown_pct)} %, omega ${fmtNum(s.omega)}`,
    );
    console.log(`  walk-forward efficiency ${fmtNum(res.wfe)}`);
    for (const [n, st] of Object.entries(res.param_stability)) {
      console.log(
        `  ${n}: mean ${fmtNum(st.mean)}, cv ${
          fmtNum(st.cv)
        }, ${st.distinct} distinct, ${st.changes} changes`,
      );
    }
    const d = res.deflated_sharpe;
    console.log(
      `  DSR ${fmtNum(d.dsr)} (SR/bar ${fmtNum(d.sharpe)} vs expected max ${
        fmtNum(d.expected_max_sharpe)
      } of ${d.trials}) · PBO ${fmtNum(res.pbo.pbo)}`,
    );
    console.log(`  ${promotionLine(res.oos.stats, "stitched out-of-sample results")}`);
    console.log(`  ${modelLine(res.model)}`);
    console.log(`  ${overfitVerdict(d, res.pbo).text}`);
    if (reportNote) console.log(reportNote);
  }
  if (res.interrupted) {
    console.error(`interrupted after ${res.windows.length} windows`);
    return 130;
  }
  return 0;
}

if (import.meta.main) runTask(main);
