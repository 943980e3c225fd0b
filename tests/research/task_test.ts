/**
 * `deno task optimize` / `walkforward` / `backtest --start/--end` end to end: the JSON contracts,
 * compat results equal to `deno task backtest`, bad input → exit 2 with a clear message, no stack trace.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { referenceDataDir } from "../../lib/util/paths.ts";

const EURUSD = join(referenceDataDir(), "EURUSD.csv");
const GOOG = join(referenceDataDir(), "GOOG.csv");

async function run(task: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", `tasks/${task}.ts`, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("optimize --json follows the contract and each compat result equals deno task backtest --json", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await run("optimize", [
      "--data",
      EURUSD,
      "--strategy",
      "sma_cross",
      "--grid",
      "fast=5:15:5",
      "--grid",
      "slow=20,40",
      "--constraint",
      "fast<slow",
      "--profile",
      "compat",
      "--commission",
      "0.0002",
      "--start",
      "2017-06-01",
      "--end",
      "2017-12-31",
      "--monte-carlo",
      "100",
      "--workers",
      "2",
      "--json",
      "--out",
      dir,
      "--report",
      join(dir, "r.html"),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (
      const k of ["results", "best", "trials", "excluded", "deflated_sharpe", "pbo", "monte_carlo", "seconds"]
    ) {
      assert.ok(k in j, k);
    }
    assert.equal(j.trials, 6);
    assert.equal(j.results.length, 6);
    for (
      const k of [
        "sharpe",
        "trials",
        "sharpe_variance",
        "skew",
        "kurtosis",
        "observations",
        "expected_max_sharpe",
        "dsr",
        "psr",
      ]
    ) {
      assert.ok(k in j.deflated_sharpe, k);
    }
    for (const k of ["pbo", "partitions", "logits"]) assert.ok(k in j.pbo, k);
    assert.ok(j.monte_carlo.bootstrap.final_return_pct.low <= j.monte_carlo.bootstrap.final_return_pct.high);
    assert.ok((await Deno.stat(join(dir, "r.html"))).size > 1000);
    const res = j.results[3];
    const b = await run("backtest", [
      "--data",
      EURUSD,
      "--strategy",
      "sma_cross",
      "--param",
      `fast=${res.params.fast}`,
      "--param",
      `slow=${res.params.slow}`,
      "--profile",
      "compat",
      "--commission",
      "0.0002",
      "--start",
      "2017-06-01",
      "--end",
      "2017-12-31",
      "--json",
    ]);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(res.stats, JSON.parse(b.stdout).stats);
    assert.equal(res.stats.start, "2017-06-01T00:00:00.000Z");
    assert.ok(res.stats.end.startsWith("2017-12-29"), res.stats.end);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mt5 profile: optimize results equal deno task backtest --json on an MT5 export", async () => {
  const file = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
  const dir = await Deno.makeTempDir();
  try {
    const r = await run("optimize", [
      "--data",
      file,
      "--strategy",
      "sma_cross",
      "--grid",
      "fast=8,12",
      "--grid",
      "slow=30",
      "--workers",
      "1",
      "--json",
      "--out",
      dir,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.results[1].stats.profile, "mt5");
    const b = await run("backtest", [
      "--data",
      file,
      "--strategy",
      "sma_cross",
      "--param",
      "fast=12",
      "--param",
      "slow=30",
      "--json",
    ]);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(j.results[1].stats, JSON.parse(b.stdout).stats);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("walkforward --json follows the contract", async () => {
  const r = await run("walkforward", [
    "--data",
    EURUSD,
    "--strategy",
    "sma_cross",
    "--grid",
    "fast=5,10",
    "--grid",
    "slow=20,40",
    "--train",
    "2000",
    "--test",
    "1000",
    "--profile",
    "compat",
    "--workers",
    "0",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.windows.length, 3);
  for (const w of j.windows) {
    for (const k of ["train", "test", "best_params", "is_stats", "oos_stats"]) assert.ok(k in w, k);
    assert.ok(w.train.start < w.train.end && w.train.end < w.test.start && w.test.start < w.test.end);
  }
  for (const k of ["oos", "wfe", "param_stability", "deflated_sharpe", "pbo"]) assert.ok(k in j, k);
  assert.ok("stats" in j.oos && Array.isArray(j.oos.trades));
});

Deno.test("bad input: clear message, exit 2, no stack trace", async () => {
  const common = ["--data", GOOG, "--strategy", "sma_cross"];
  const cases: [string, string[], RegExp][] = [
    [
      "optimize",
      ["--data", GOOG, "--strategy", "nope", "--grid", "fast=1,2"],
      /unknown strategy "nope"; known: sma_cross/,
    ],
    ["optimize", [...common, "--grid", "fst=1:3:1"], /unknown parameter "fst".*valid parameters: fast/],
    ["optimize", [...common, "--grid", "fast=1:3"], /START:STOP:STEP/],
    [
      "optimize",
      [...common, "--grid", "fast=40:50:5", "--grid", "slow=10,20", "--constraint", "fast<slow"],
      /grid is empty after the constraints/,
    ],
    [
      "optimize",
      [...common, "--grid", "fast=5,10", "--objective", "beauty"],
      /objective "beauty" is not a statistic; choose one of: .*sharpe/,
    ],
    [
      "optimize",
      [...common, "--grid", "fast=5,10", "--method", "magic"],
      /--method must be grid, random or bayes/,
    ],
    ["optimize", [...common, "--grid", "fast=5,10", "--start", "2030-01-01"], /keep 0 bars/],
    ["optimize", ["--data", "nope.csv", "--strategy", "sma_cross", "--grid", "fast=5,10"], /nope\.csv/],
    [
      "walkforward",
      [...common, "--grid", "fast=5,10", "--train", "2000", "--test", "500"],
      /larger than the data \(2148 bars/,
    ],
    [
      "walkforward",
      [...common, "--grid", "fast=5,10", "--train", "6X", "--test", "1M"],
      /--train needs a number of bars/,
    ],
    ["backtest", [...common, "--start", "yesterday"], /--start needs an ISO 8601 date/],
  ];
  for (const [task, args, re] of cases) {
    const r = await run(task, args);
    assert.equal(r.code, 2, `${task} ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, re, `${task} ${args.join(" ")}`);
    assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, "no stack trace");
  }
});

for (const sig of ["SIGTERM", "SIGHUP"] as const) {
  Deno.test(`${sig} stops a sweep: finished trials stay in results.jsonl, summary.json says interrupted, exit 130`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
      delete (env as Record<string, string>).RUST_BACKTRACE;
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt",
          "-A",
          "tasks/optimize.ts",
          "--data",
          EURUSD,
          "--strategy",
          "sma_cross",
          "--grid",
          "fast=1:60:1",
          "--grid",
          "slow=61:160:1",
          "--profile",
          "compat",
          "--workers",
          "1",
          "--out",
          dir,
        ],
        env,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const results = join(dir, "results.jsonl");
      // Wait until some trials have finished (6,000 in all: far from done).
      for (let k = 0; k < 600; k++) {
        const n = await Deno.readTextFile(results).then((t) => t.split("\n").length - 1, () => 0);
        if (n > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill(sig);
      const out = await child.output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 130, stderr);
      assert.match(stderr, /interrupted: \d+ finished trials kept/);
      const summary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
      assert.equal(summary.interrupted, true);
      const lines = (await Deno.readTextFile(results)).trim().split("\n");
      assert.equal(lines.length, summary.trials);
      assert.ok(summary.trials > 0 && summary.trials < 6000, `${summary.trials} trials`);
      for (const l of lines) assert.ok(JSON.parse(l).stats.trades >= 0, "every kept line is a whole result");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
