/** `deno task backtest` end to end: JSON output, HTML report, user errors without stack traces. */
import { referenceDataDir } from "../../lib/util/paths.ts";
import assert from "node:assert/strict";
import { join } from "node:path";

const SAMPLE = "data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", "tasks/backtest.ts", ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("backtest --json prints stats and trades with the documented names; --report writes HTML", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const report = join(dir, "report.html");
    const r = await run([
      "--data",
      SAMPLE,
      "--strategy",
      "sma_cross",
      "--param",
      "fast=8",
      "--param",
      "slow=21",
      "--json",
      "--report",
      report,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (
      const k of [
        "trades",
        "equity_final",
        "equity_peak",
        "return_pct",
        "max_drawdown_pct",
        "win_rate_pct",
        "sharpe",
        "sortino",
        "calmar",
        "profit_factor",
        "sqn",
        "omega",
        "exposure_pct",
        "chs",
      ]
    ) assert.ok(k in j.stats, `stats.${k}`);
    assert.equal(j.stats.profile, "mt5"); // MT5 export: mt5 profile by default
    assert.equal(j.trades.length, j.stats.trades);
    const t = j.trades[0];
    for (
      const k of [
        "entry_time",
        "exit_time",
        "entry_price",
        "exit_price",
        "size",
        "pnl",
        "return_pct",
        "mfe",
        "mae",
      ]
    ) {
      assert.ok(k in t, `trade.${k}`);
    }
    assert.match(t.entry_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const html = await Deno.readTextFile(report);
    assert.match(html, /<html/i);
    assert.ok(html.length > 100_000, "plotly inlined");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backtest: user errors print one clear line and exit 2, never a stack trace", async () => {
  for (
    const [args, re] of [
      [["--data", "no/such/file.csv", "--strategy", "sma_cross"], /no such file/],
      [["--data", SAMPLE, "--strategy", "nope"], /unknown strategy "nope"; known: sma_cross/],
      [["--data", SAMPLE, "--strategy", "sma_cross", "--param", "fast=x"], /--param fast needs a number/],
      [["--data", SAMPLE, "--strategy", "sma_cross", "--cash", "0"], /cash must be a positive number/],
      [["--data", SAMPLE, "--strategy", "sma_cross", "--frobnicate"], /Unknown option/],
    ] as const
  ) {
    const r = await run([...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n {4}at /);
  }
});

Deno.test("backtest CLI on backtesting.py's GOOG.csv (compat by default for a generic CSV) gives the reference figures", async () => {
  const r = await run([
    "--data",
    `${referenceDataDir()}/GOOG.csv`,
    "--strategy",
    "sma_cross",
    "--finalize",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout).stats;
  assert.equal(s.profile, "compat");
  assert.equal(s.trades, 66);
  assert.ok(Math.abs(s.equity_final - 51422.99) <= 1e-8 * 51422.99);
  assert.ok(Math.abs(s.sharpe - 0.5806232244485349) <= 1e-8 * 0.58);
  assert.ok(Math.abs(s.max_drawdown_pct + 47.98012705007589) <= 1e-8 * 48);
});
