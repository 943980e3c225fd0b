/**
 * Backtesting › Portfolio: symbols picked from the catalog at a timeframe, a strategy and the
 * sizing; the menu shows the account's statistics and each symbol's contribution and conversion,
 * writes the JSON and the HTML report, and its figures are exactly `deno task portfolio`'s.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseSymbolList } from "../../lib/menu/actions/portfolio.ts";
import { childEnv, ROOT, runScripted, tempOptions } from "./_helpers.ts";

/** Real exports cut to six weeks: EURJPY+ with AUDJPY+ and AUDUSD+ beside it, Nikkei225. */
const FIXTURE = join(ROOT, "tests", "fixtures", "portfolio");

async function portfolioTask(args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", join(ROOT, "tasks", "portfolio.ts"), ...args, "--json"],
    env: childEnv(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("symbol lists: all, case-insensitive names in the catalog's order, unknown names refused", () => {
  const offered = ["AUDJPY+", "AUDUSD+", "EURJPY+"];
  assert.deepEqual(parseSymbolList("all", offered), offered);
  assert.deepEqual(parseSymbolList("eurjpy+, AUDUSD+", offered), ["AUDUSD+", "EURJPY+"]);
  assert.throws(
    () => parseSymbolList("EURJPY+,GBPJPY+", offered),
    /not in the catalog at this timeframe: GBPJPY\+/,
  );
});

Deno.test("Backtesting › Portfolio runs a basket on one account and equals deno task portfolio", async () => {
  const opts = await tempOptions({ dataDir: FIXTURE });
  try {
    // Backtesting > Portfolio; H1 (the only timeframe); a bad symbol first, then three of the four;
    // sma_cross; fixed lots 0.1; the default cash.
    const { out } = await runScripted(
      ["3", "7", "", "EURJPY+,GBPJPY+", "EURJPY+, audusd+,Nikkei225", "1", "2", "0.1", ""],
      opts,
    );
    assert.match(out, /Invalid: not in the catalog at this timeframe: GBPJPY\+/);
    assert.match(out, /Basket: AUDUSD\+, EURJPY\+, Nikkei225/);
    assert.match(out, /sma_cross on 3 symbols at H1, one account/);
    for (const label of ["trades", "final equity", "return %", "max drawdown %", "Sharpe"]) {
      assert.match(out, new RegExp(`\\n    ${label.replace(/[%&]/g, "\\$&")}\\s+-?\\d`), label);
    }
    // The conversion column: EURJPY+ at the data's rates through AUDJPY+ and AUDUSD+.
    assert.match(out, /EURJPY\+\s+forex\s+\d+\s+-?[\d.]+\s+-?[\d.]+\s+[\d.]+\s+data via AUDJPY\+, AUDUSD\+/);
    assert.match(out, /AUDUSD\+\s+forex\s+\d+.*none \(profit in USD\)/);
    assert.doesNotMatch(out, /\bNaN\b/);
    const json = out.match(/Results: (\S+\.json)/)![1];
    const html = out.match(/Report: +(\S+\.html)/)![1];
    const saved = JSON.parse(await Deno.readTextFile(json));
    const page = await Deno.readTextFile(html);
    assert.match(page, /<html/i);
    assert.match(page, /EURJPY\+/);
    // The same run through the task: the same account and per-symbol figures.
    const task = await portfolioTask([
      "--source",
      FIXTURE,
      "--symbols",
      "AUDUSD+,EURJPY+,Nikkei225",
      "--timeframe",
      "H1",
      "--strategy",
      "sma_cross",
      "--lots",
      "0.1",
    ]);
    assert.deepEqual(saved.stats, task.stats);
    assert.deepEqual(saved.symbols, task.symbols);
    assert.deepEqual(saved.conversion, task.conversion);
    assert.ok((saved.stats.trades as number) > 0, "the basket trades");
    // What the screen shows is what was saved.
    const eurjpy = (task.symbols as Record<string, { net_profit: number; trades: number }>)["EURJPY+"];
    assert.match(
      out,
      new RegExp(`EURJPY\\+\\s+forex\\s+${eurjpy.trades}\\s+${eurjpy.net_profit.toFixed(2)}`),
    );
    assert.match(
      out,
      /Same run on the command line: deno task portfolio --source \S+ --symbols AUDUSD\+,EURJPY\+,Nikkei225/,
    );
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});
