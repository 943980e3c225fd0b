/**
 * `deno task portfolio`'s command-line contract, spawned with the task's own permission flags
 * (lib/util/tasks.ts): `--data` and `--source` are exclusive, `--symbols`/`--timeframe` need
 * `--source`, unknown symbols and timeframes list the valid ones (exit 2, one line, no stack trace);
 * `--json`'s "stats" hold the account's fields beside the backtest's, with
 * `exposure_by_class_series`, and the HTML report and docs/PORTFOLIO.md use the same names.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { scanCatalog } from "../../lib/data/catalog.ts";
import { taskCommand } from "../../lib/util/tasks.ts";

const AUDUSD = "data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv";
const ACCOUNT_FIELDS = [
  "balance_final",
  "equity_final",
  "margin_used_max",
  "margin_used_mean",
  "margin_level_min_pct",
  "stop_outs",
  "stop_out_closes",
];

async function portfolio(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const out = await new Deno.Command(Deno.execPath(), {
    args: taskCommand("portfolio", args),
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("deno task portfolio refuses mixed or stray data options and lists the valid symbols and timeframes", async () => {
  const cat = await scanCatalog("data/sample");
  const h4 = cat.symbols.filter((s) => (cat.pairs[s] ?? []).includes("H4"));
  assert.ok(h4.length >= 3, `sample symbols with H4: ${h4}`);
  const strat = ["--strategy", "sma_cross"];
  const cases: [string[], RegExp][] = [
    [
      ["--data", AUDUSD, "--source", "data/sample", "--symbols", "XAUUSD+", "--timeframe", "H4", ...strat],
      /either --data FILE \.\.\. or --source DIR .*not both/,
    ],
    [
      ["--data", AUDUSD, "--symbols", "XAUUSD+", ...strat],
      /--symbols and --timeframe choose files in --source DIR.*drop --symbols/,
    ],
    [["--data", AUDUSD, "--timeframe", "H4", ...strat], /drop --timeframe or give --source DIR/],
    [["--data", AUDUSD, "--symbols", "A", "--timeframe", "H4", ...strat], /drop --symbols and --timeframe/],
    [
      ["--source", "data/sample", "--symbols", "NOPE,AUDUSD+,ALSO_NOT", "--timeframe", "H4", ...strat],
      new RegExp(
        `no H4 export of NOPE, ALSO_NOT in data/sample: unknown symbols; symbols with H4 exports: ${
          h4.map((s) => s.replace(/[+]/g, "\\+")).join(", ")
        }$`,
        "m",
      ),
    ],
    [
      ["--source", "data/sample", "--symbols", "AUDUSD+", "--timeframe", "M7", ...strat],
      new RegExp(`no M7 exports in data/sample; its timeframes: ${cat.timeframes.join(", ")}`),
    ],
    [
      ["--source", "data/sample", "--timeframe", "H4", ...strat],
      /--source needs --symbols A,B,C and --timeframe TF/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const r = await portfolio(args);
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code} ${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(" "));
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    assert.ok(!r.stderr.includes("    at "), "no stack trace");
    assert.equal(r.stdout, "");
  }
  // With --json the error is a JSON document too.
  const j = await portfolio(["--data", AUDUSD, "--symbols", "X", ...strat, "--json"]);
  assert.equal(j.code, 2);
  assert.equal(JSON.parse(j.stdout).error.code, "bad_argument");
});

Deno.test("deno task portfolio --json: the account's fields in stats, exposure by class over time, the same names in the report and docs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const report = join(dir, "p.html");
    const r = await portfolio([
      "--source",
      "data/sample",
      "--symbols",
      "AUDUSD+,GBPUSD+,XAUUSD+",
      "--timeframe",
      "H4",
      "--strategy",
      "sma_cross",
      "--lots",
      "0.1",
      "--json",
      "--report",
      report,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const k of ACCOUNT_FIELDS) assert.ok(k in j.stats, `stats.${k}`);
    // And the backtest's fields are still there.
    for (const k of ["return_pct", "max_drawdown_pct", "sharpe", "trades"]) assert.ok(k in j.stats, k);
    const s = j.stats;
    assert.ok(s.margin_used_max > 0 && s.margin_used_mean > 0 && s.margin_used_mean <= s.margin_used_max);
    assert.ok(s.margin_level_min_pct > 0);
    const stopOutCloses = j.trades.filter((t: { exit_reason: string }) =>
      t.exit_reason === "stop_out"
    ).length;
    assert.equal(s.stop_out_closes, stopOutCloses);
    assert.ok(Number.isInteger(s.stop_outs) && s.stop_outs <= Math.max(1, stopOutCloses));
    // Balance = starting cash + every closed trade's net profit (money in cents).
    const closed = j.trades.reduce((a: number, t: { pnl: number }) => a + t.pnl, 0);
    assert.ok(
      Math.abs(s.balance_final - (10_000 + closed)) < 0.01 * (j.trades.length + 1),
      `${s.balance_final}`,
    );
    // Exposure by class over time: per class, as many points as times, and the peaks agree.
    const es = j.exposure_by_class_series;
    assert.ok(es.time.length > 100 && es.time.length <= 500, `${es.time.length} points`);
    assert.ok(es.bucket_times >= 1);
    assert.ok(!Number.isNaN(Date.parse(es.time[0])));
    assert.deepEqual(Object.keys(es.classes).sort(), Object.keys(j.exposure_by_class).sort());
    for (
      const [c, v] of Object.entries(es.classes) as [string, { mean_pct: number[]; max_pct: number[] }][]
    ) {
      assert.equal(v.mean_pct.length, es.time.length);
      assert.equal(v.max_pct.length, es.time.length);
      assert.ok(Math.abs(Math.max(...v.max_pct) - j.exposure_by_class[c].max_pct) <= 0.005, c);
      for (let k = 0; k < v.mean_pct.length; k++) assert.ok(v.mean_pct[k] <= v.max_pct[k], `${c} ${k}`);
    }
    // The report's statistics table lists the same names.
    const html = await Deno.readTextFile(report);
    for (const k of ACCOUNT_FIELDS) assert.ok(html.includes(`data-key="${k}"`), `report ${k}`);
    // The docs name every account field and the series.
    const doc = await Deno.readTextFile("docs/PORTFOLIO.md");
    for (const k of [...ACCOUNT_FIELDS, "exposure_by_class_series", "bucket_times"]) {
      assert.ok(doc.includes(k), `docs/PORTFOLIO.md names ${k}`);
    }
    // The human summary shows them too.
    const h = await portfolio(["--data", AUDUSD, "--strategy", "sma_cross", "--lots", "0.1"]);
    assert.equal(h.code, 0, h.stderr);
    for (const k of ACCOUNT_FIELDS) assert.match(h.stdout, new RegExp(`^  ${k} `, "m"), k);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
