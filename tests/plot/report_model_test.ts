/**
 * The backtest report under a modelling mode other than ohlc (issue 17): the model line (name,
 * source, bars resolved / on ohlc) with the key statistics, and a section listing each trade whose
 * outcome changed against the same run under ohlc (entry time, side, both outcomes), from
 * `deno task backtest --model lower --report`, checked in the HTML and in headless Chromium.
 * Data: the synthetic M15 / H1 pair of tests/research/_model_data.ts.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { backtestReportHtml, backtestReportInput } from "../../lib/plot/mod.ts";
import { runBacktest } from "../../lib/backtest/run.ts";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";
import { synthetic } from "../research/_model_data.ts";
import { taskCommand } from "../../lib/util/tasks.ts";
import { CHROMIUM, openPage } from "./_browser.ts";

const PARAMS = ["--param", "sl_atr=1", "--param", "tp_atr=0.5", "--param", "warmup_bars=0"];

async function backtest(args: string[]) {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete env.RUST_BACKTRACE;
  const o = await new Deno.Command(Deno.execPath(), {
    args: taskCommand("backtest", args),
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(o.stderr);
  assert.equal(o.code, 0, err);
  return new TextDecoder().decode(o.stdout);
}

/** The changed-trades table's rows as [entry time, side, ohlc reason, model reason]. */
function changeRows(html: string): string[][] {
  const table = html.match(/<table class="k-table" id="k-model-changes">([\s\S]*?)<\/table>/);
  assert.ok(table, "no changed-trades table");
  const body = table[1].split("<tbody>")[1];
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) =>
    [...m[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1])
  );
}

Deno.test("backtest --model lower --report: the model line and every changed trade with both outcomes", async () => {
  const { dir, h1, m15 } = synthetic(60);
  try {
    const report = join(dir, "lower.html");
    const base = ["--data", h1, "--strategy", "berserker", ...PARAMS, "--model", "lower"];
    const json = JSON.parse((await backtest([...base, "--json"])).trim().split("\n").pop()!);
    await backtest([...base, "--report", report]);
    const html = await Deno.readTextFile(report);
    const changes = json.model_changes as {
      entry_time: string;
      side: string;
      ohlc: { exit_reason: string } | null;
      model: { exit_reason: string } | null;
    }[];
    assert.ok(changes.length > 0, "the synthetic data should change some outcome under lower");
    // The model line, with the source and the counts of the run.
    const line = html.match(/<p class="k-note" id="k-model">([\s\S]*?)<\/p>/);
    assert.ok(line, "no model line");
    assert.ok(line[1].includes(`lower (path from ${m15})`), line[1]);
    assert.match(
      line[1],
      new RegExp(`${json.model.bars_resolved.toLocaleString("en-US")} bars resolved, 0 on ohlc`),
    );
    // The section: one row per changed trade, in order, with both outcomes.
    assert.match(html, /<h2 id="k-model-changes-title">Trades whose outcome changed under lower<\/h2>/);
    const rows = changeRows(html);
    assert.equal(rows.length, changes.length);
    for (const [k, c] of changes.entries()) {
      const r = rows[k];
      assert.equal(r[1], new Date(Date.parse(c.entry_time)).toISOString().slice(0, 16).replace("T", " "));
      assert.equal(r[2], c.side === "long" ? "long" : "short");
      if (c.ohlc) assert.equal(r[3], c.ohlc.exit_reason);
      else assert.match(r[3], /no such trade/);
      const m = c.ohlc ? 7 : 4;
      if (c.model) assert.equal(r[m], c.model.exit_reason);
      else assert.match(r[m], /no such trade/);
    }
    // An ohlc report has neither (ohlc reports stay as they were).
    const plain = join(dir, "ohlc.html");
    await backtest(["--data", h1, "--strategy", "berserker", ...PARAMS, "--report", plain]);
    const p = await Deno.readTextFile(plain);
    assert.doesNotMatch(p, /id="k-model"|k-model-changes/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report under open with no changed trade says so; the model line names the bar opens", async () => {
  const { dir, h1 } = synthetic(20);
  try {
    const bars = await readBars(h1);
    const a = toArrays(bars);
    const strategy = getStrategy("sma_cross");
    const { openPricesPath } = await import("../../lib/backtest/intrabar.ts");
    const result = runBacktest({ bars: a, meta: bars.meta, strategy, intrabar: openPricesPath(a) });
    const html = backtestReportHtml(
      backtestReportInput({ title: "t", bars: a, result, strategy, modelChanges: [] }),
      { plotly: "" },
    );
    assert.match(html, /<b>Model<\/b>: open \(path from the bar opens\): [\d,]+ bars resolved, 0 on ohlc/);
    assert.match(
      html,
      /Trades whose outcome changed under open[\s\S]*No trade ended differently than under ohlc/,
    );
    // Without the list of changes (not computed), no section is drawn.
    const noList = backtestReportHtml(backtestReportInput({ title: "t", bars: a, result, strategy }), {
      plotly: "",
    });
    assert.match(noList, /id="k-model"/);
    assert.doesNotMatch(noList, /Trades whose outcome changed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const browser = existsSync(CHROMIUM);
Deno.test({
  name: "the changed-trades section renders in Chromium (screenshot in test-artifacts/plot/report_model.png)",
  ignore: !browser && Deno.env.get("CI") !== "true",
  async fn() {
    if (!browser) {
      throw new Error(`Chromium not found at ${CHROMIUM}; browser tests are required under CI=true`);
    }
    const { dir, h1 } = synthetic(60);
    try {
      await Deno.mkdir("test-artifacts/plot", { recursive: true });
      const path = "test-artifacts/plot/report_model.html";
      await backtest([
        "--data",
        h1,
        "--strategy",
        "berserker",
        ...PARAMS,
        "--model",
        "lower",
        "--report",
        path,
      ]);
      const visit = await openPage(path);
      try {
        const { page } = visit;
        assert.deepEqual(visit.errors, []);
        assert.deepEqual(visit.networkRequests, []);
        assert.ok(await page.isVisible("#k-model"));
        const title = page.locator("#k-model-changes-title");
        await title.scrollIntoViewIfNeeded();
        assert.ok(await title.isVisible());
        const rows = await page.locator("#k-model-changes tbody tr").count();
        assert.ok(rows > 0);
        const box = await page.locator("#k-model-changes").boundingBox();
        assert.ok(box && box.width > 300 && box.height > 20, `table box ${JSON.stringify(box)}`);
        await page.screenshot({ path: "test-artifacts/plot/report_model.png" });
        await page.locator("#k-model").scrollIntoViewIfNeeded();
        await page.screenshot({ path: "test-artifacts/plot/report_model_top.png" });
      } finally {
        await visit.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
