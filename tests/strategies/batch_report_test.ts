/**
 * `backtest:batch --report` writes a summary page (runs ranked, strategy × symbol heatmap, equity of
 * the best and worst runs, a link to every run's own report) and `deno task compare RUN RUN` shows
 * what changed between two runs per file and strategy.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const SAMPLE = "data/sample";

async function task(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", `tasks/${file}`, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: o.code,
    stdout: new TextDecoder().decode(o.stdout),
    stderr: new TextDecoder().decode(o.stderr),
  };
}

Deno.test("backtest:batch --report: a summary page ranking the runs, linking every run's report", async () => {
  const out = await Deno.makeTempDir({ prefix: "kinetra-batch-report-" });
  try {
    const r = await task("backtest_batch.ts", [
      "--source",
      SAMPLE,
      "--out",
      out,
      "--workers",
      "1",
      "--strategies",
      "sma_cross,sniper",
      "--report",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const page = await Deno.readTextFile(j.report);
    assert.equal(j.report, join(j.run_dir, "report.html"));
    // Every run is ranked (best return first) and links to its own report, which exists.
    const links = [...page.matchAll(/<a href="(reports\/[^"]+\.html)">report<\/a>/g)].map((m) => m[1]);
    assert.equal(links.length, 12);
    for (const l of links) {
      const html = await Deno.readTextFile(join(j.run_dir, l));
      assert.match(html, /<script src="plotly\.min\.js"><\/script>/, "run pages share one plotly.js");
    }
    assert.ok((await Deno.stat(join(j.run_dir, "reports", "plotly.min.js"))).size > 1e6);
    const ranking = page.slice(page.indexOf('id="k-ranking"'));
    const returns = [
      ...ranking.matchAll(/<tr><td>\d+<\/td><td>[^<]+<\/td><td>[a-z_0-9]+<\/td><td[^>]*>(-?[\d.]+)<\/td>/g),
    ]
      .map((m) => Number(m[1]));
    assert.equal(returns.length, 12);
    assert.deepEqual(returns, [...returns].sort((a, b) => b - a), "ranked by return");
    const best = j.results.reduce((
      a: { stats: { return_pct: number } },
      b: { stats: { return_pct: number } },
    ) => b.stats.return_pct > a.stats.return_pct ? b : a);
    assert.equal(
      returns[0],
      Number(best.stats.return_pct.toFixed(2)),
      "the report's figures are the batch's",
    );
    assert.match(page, /id="k-heatmap"/);
    assert.match(page, /id="k-overlay"/);
    const figures = JSON.parse(
      page.match(/<script type="application\/json" id="k-figures">(.*?)<\/script>/s)![1],
    );
    const overlay = figures.find((f: { id: string }) => f.id === "k-overlay").figure.data;
    assert.equal(overlay.filter((d: { name: string }) => /^(best|worst): .*%\)$/.test(d.name)).length, 6);
    assert.match(page, /id="k-strategies"/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("deno task compare RUN RUN: settings that changed and per file × strategy before/after", async () => {
  const out = await Deno.makeTempDir({ prefix: "kinetra-compare-" });
  try {
    const run = async (extra: string[]) => {
      const r = await task("backtest_batch.ts", [
        "--source",
        SAMPLE,
        "--out",
        out,
        "--workers",
        "0",
        "--strategies",
        "sma_cross",
        "--json",
        ...extra,
      ]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const a = await run([]);
    const b = await run(["--param", "fast=5"]);
    const c = await task("compare.ts", [a.run_dir, b.run_dir, "--json"]);
    assert.equal(c.code, 0, c.stderr);
    const cmp = JSON.parse(c.stdout);
    assert.deepEqual(cmp.settings.params, ["defaults", { fast: 5 }]);
    assert.equal(cmp.changes.length, 6);
    for (const ch of cmp.changes) {
      const ra = a.results.find((r: { symbol: string }) => r.symbol === ch.symbol);
      const rb = b.results.find((r: { symbol: string }) => r.symbol === ch.symbol);
      assert.ok(Math.abs(ch.delta_return_pct - (rb.stats.return_pct - ra.stats.return_pct)) < 1e-9);
    }
    assert.equal(cmp.summary.better + cmp.summary.worse + cmp.summary.same, 6);
    const text = await task("compare.ts", [a.run_dir, b.run_dir]);
    assert.match(text.stdout, /params: "defaults" → \{"fast":5\}/);
    assert.match(text.stdout, /6 runs in both: \d+ better, \d+ worse, \d+ unchanged/);
    const bad = await task("compare.ts", [a.run_dir, out]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not a batch run folder: config\.json is missing/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("backtest:batch --write-docs puts the run's summary table between the doc's markers", async () => {
  const out = await Deno.makeTempDir({ prefix: "kinetra-write-docs-" });
  try {
    const doc = join(out, "STRATEGIES.md");
    await Deno.writeTextFile(
      doc,
      "# t\n\n<!-- batch-summary-all:start -->\nold hand-typed table\n<!-- batch-summary-all:end -->\n\nafter\n",
    );
    const r = await task("backtest_batch.ts", [
      "--source",
      SAMPLE,
      "--out",
      join(out, "runs"),
      "--workers",
      "0",
      "--strategies",
      "sma_cross",
      "--write-docs",
      doc,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const text = await Deno.readTextFile(doc);
    assert.doesNotMatch(text, /old hand-typed table/);
    assert.match(text, /after\n$/);
    const all = j.summary.find((s: { strategy: string; asset_class: string }) => s.asset_class === "all");
    const row = text.split("\n").find((l) => l.startsWith("| sma_cross"))!;
    assert.ok(row.includes(` ${all.trades} `), row);
    assert.ok(row.includes(all.return_pct.toFixed(2).replace("-", "−")), row);
    assert.match(
      text,
      /Generated by `deno task backtest:batch --write-docs` on .* from 6 files of data\/sample \(split all; run run_/,
    );
    const missing = await task("backtest_batch.ts", [
      "--source",
      SAMPLE,
      "--out",
      join(out, "runs"),
      "--workers",
      "0",
      "--strategies",
      "sma_cross",
      "--split",
      "test",
      "--write-docs",
      doc,
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /has no <!-- batch-summary-test:start -->/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
