/**
 * What changed between two batch runs (`deno task compare RUN_DIR RUN_DIR`): the settings that
 * differ (config.json) and, per file and strategy, the return, trades, drawdown and Sharpe before
 * and after; runs found in one folder only are listed.
 *
 * @example
 * ```ts ignore
 * import { compareRuns, readRun } from "./compare_runs.ts";
 * const c = compareRuns(await readRun("logs/backtests/run_A"), await readRun("logs/backtests/run_B"));
 * console.log(c.summary);
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { KinetraError } from "../errors.ts";

/** A batch run folder as read back. */
export interface RunOnDisk {
  dir: string;
  config: Record<string, unknown>;
  results: {
    file: string;
    symbol: string;
    timeframe: string | null;
    strategy: string;
    trades_file?: string | null;
    stats: Record<string, number | string | null> | null;
    error: { code: string; message: string } | null;
  }[];
}

/** Read `<dir>/config.json` and `<dir>/results.json`; a clear error (exit 2) when they are not there. */
export async function readRun(dir: string): Promise<RunOnDisk> {
  const read = async (name: string): Promise<Record<string, unknown>> => {
    const path = join(dir, name);
    try {
      return JSON.parse(await Deno.readTextFile(path));
    } catch (e) {
      throw new KinetraError(
        "not_a_run",
        `${dir} is not a batch run folder: ${name} ${
          e instanceof Deno.errors.NotFound ? "is missing" : "is not readable JSON"
        } (expected logs/backtests/run_<stamp>/ written by deno task backtest:batch)`,
      );
    }
  };
  const config = await read("config.json");
  const saved = await read("results.json");
  if (!Array.isArray(saved.results)) {
    throw new KinetraError("not_a_run", `${dir}/results.json has no "results" list`);
  }
  return { dir, config, results: saved.results as RunOnDisk["results"] };
}

/** One file × strategy present in both runs. */
export interface RunChange {
  key: string;
  symbol: string;
  timeframe: string | null;
  strategy: string;
  before: Record<string, number | null>;
  after: Record<string, number | null>;
  /** after − before of `return_pct` (null when either failed). */
  delta_return_pct: number | null;
  /** Error code before/after when a run failed. */
  error_before: string | null;
  error_after: string | null;
}

/** The comparison. */
export interface RunComparison {
  a: string;
  b: string;
  /** Settings that differ: name → [before, after]. */
  settings: Record<string, [unknown, unknown]>;
  changes: RunChange[];
  only_in_a: string[];
  only_in_b: string[];
  summary: {
    both: number;
    better: number;
    worse: number;
    same: number;
    mean_delta_return_pct: number | null;
  };
}

const METRICS = ["return_pct", "trades", "max_drawdown_pct", "sharpe", "win_rate_pct", "profit_factor"];
const SETTINGS = [
  "source",
  "strategies",
  "timeframes",
  "split",
  "test_ratio",
  "profile",
  "params",
  "engine_version",
  "git_commit",
];

const keyOf = (r: RunOnDisk["results"][number]): string =>
  r.trades_file
    ? r.trades_file.replace(/^trades\//, "").replace(/\.csv$/, "")
    : `${r.file.split(/[\\/]/).pop()}__${r.strategy}`;

/** Compare run `b` against run `a`. */
export function compareRuns(a: RunOnDisk, b: RunOnDisk): RunComparison {
  const settings: Record<string, [unknown, unknown]> = {};
  for (const k of SETTINGS) {
    if (JSON.stringify(a.config[k] ?? null) !== JSON.stringify(b.config[k] ?? null)) {
      settings[k] = [a.config[k] ?? null, b.config[k] ?? null];
    }
  }
  const bm = new Map(b.results.map((r) => [keyOf(r), r]));
  const am = new Map(a.results.map((r) => [keyOf(r), r]));
  const pick = (r: RunOnDisk["results"][number]) =>
    Object.fromEntries(
      METRICS.map((m) => [m, typeof r.stats?.[m] === "number" ? r.stats[m] as number : null]),
    );
  const changes: RunChange[] = [];
  for (const [k, ra] of am) {
    const rb = bm.get(k);
    if (!rb) continue;
    const before = pick(ra), after = pick(rb);
    changes.push({
      key: k,
      symbol: rb.symbol,
      timeframe: rb.timeframe,
      strategy: rb.strategy,
      before,
      after,
      delta_return_pct: before.return_pct !== null && after.return_pct !== null
        ? after.return_pct - before.return_pct
        : null,
      error_before: ra.error?.code ?? null,
      error_after: rb.error?.code ?? null,
    });
  }
  const deltas = changes.map((c) => c.delta_return_pct).filter((d): d is number => d !== null);
  const eps = 1e-9;
  return {
    a: a.dir,
    b: b.dir,
    settings,
    changes,
    only_in_a: [...am.keys()].filter((k) => !bm.has(k)),
    only_in_b: [...bm.keys()].filter((k) => !am.has(k)),
    summary: {
      both: changes.length,
      better: deltas.filter((d) => d > eps).length,
      worse: deltas.filter((d) => d < -eps).length,
      same: deltas.filter((d) => Math.abs(d) <= eps).length,
      mean_delta_return_pct: deltas.length ? deltas.reduce((x, y) => x + y, 0) / deltas.length : null,
    },
  };
}

const f = (v: number | null, d = 2): string => (v === null ? "n/a" : v.toFixed(d));

/** The comparison as text: changed settings, a table per file and strategy, one-sided runs, a summary. */
export function formatComparison(c: RunComparison): string {
  const out = [`compare ${c.a} → ${c.b}`];
  const keys = Object.keys(c.settings);
  out.push(keys.length ? "settings that differ:" : "settings: the same");
  for (const k of keys) {
    out.push(`  ${k}: ${JSON.stringify(c.settings[k][0])} → ${JSON.stringify(c.settings[k][1])}`);
  }
  const rows = [[
    "symbol",
    "strategy",
    "return % before",
    "after",
    "change",
    "trades",
    "max DD % before",
    "after",
    "Sharpe before",
    "after",
  ]];
  for (
    const x of [...c.changes].sort((p, q) =>
      (q.delta_return_pct ?? -Infinity) - (p.delta_return_pct ?? -Infinity)
    )
  ) {
    rows.push([
      `${x.symbol} ${x.timeframe ?? ""}`.trim(),
      x.strategy,
      x.error_before ? `failed (${x.error_before})` : f(x.before.return_pct),
      x.error_after ? `failed (${x.error_after})` : f(x.after.return_pct),
      x.delta_return_pct === null ? "" : `${x.delta_return_pct >= 0 ? "+" : ""}${f(x.delta_return_pct)}`,
      `${f(x.before.trades, 0)} → ${f(x.after.trades, 0)}`,
      f(x.before.max_drawdown_pct),
      f(x.after.max_drawdown_pct),
      f(x.before.sharpe),
      f(x.after.sharpe),
    ]);
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) {
    out.push(r.map((cell, i) => (i < 2 ? cell.padEnd(w[i]) : cell.padStart(w[i]))).join("  "));
  }
  if (c.only_in_a.length) out.push(`only in ${c.a}: ${c.only_in_a.join(", ")}`);
  if (c.only_in_b.length) out.push(`only in ${c.b}: ${c.only_in_b.join(", ")}`);
  const s = c.summary;
  out.push(
    `${s.both} runs in both: ${s.better} better, ${s.worse} worse, ${s.same} unchanged (return); mean change ${
      s.mean_delta_return_pct === null
        ? "n/a"
        : `${s.mean_delta_return_pct >= 0 ? "+" : ""}${f(s.mean_delta_return_pct)}`
    } points`,
  );
  return out.join("\n");
}
