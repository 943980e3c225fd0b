/**
 * Menu › Backtesting › Optimise Parameters and Walk-Forward Analysis on the bundled sample, all
 * defaults: results, report and the verdict are written and shown; the menu returns to Backtesting.
 */
import assert from "node:assert/strict";
import { runScripted, tempOptions } from "../menu/_helpers.ts";
import { proposedGrid } from "../../lib/menu/actions/research.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";
import { buildSpace } from "../../lib/research/space.ts";

Deno.test("the proposed grid of every registered strategy is a valid search space", async () => {
  const { listStrategies } = await import("../../lib/strategies/registry.ts");
  for (const s of listStrategies()) buildSpace(s, proposedGrid(s));
  assert.deepEqual(proposedGrid(getStrategy("sma_cross")), ["fast=5:20:3", "slow=15:60:8"]);
});

Deno.test("Optimise Parameters with the defaults writes results and a report and gives a verdict", async () => {
  const opts = await tempOptions();
  try {
    // Backtesting > Optimise Parameters; strategy, grid, constraint, objective, file, search: defaults.
    const { out, events } = await runScripted(["3", "5", "", "", "", "", "", ""], opts);
    assert.match(out, /\d+ trials \(\d+ excluded\)/);
    assert.match(out, /DSR (\d\.\d{3}|n\/a) .* PBO/);
    const results = out.match(/Results: (\S+results\.jsonl)/)![1];
    const lines = (await Deno.readTextFile(results)).trim().split("\n");
    assert.equal(lines.length, Number(out.match(/(\d+) trials/)![1]));
    const report = out.match(/Report: (\S+\.html)/)![1];
    assert.ok((await Deno.stat(report)).size > 10_000);
    assert.ok(events.some((e) => e.crumb === "Main Menu > Backtesting > Optimise Parameters"));
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("Walk-Forward Analysis with the defaults shows the windows, the out-of-sample promotion and a report", async () => {
  const opts = await tempOptions();
  try {
    const { out } = await runScripted(["3", "6", "", "", "", "", "", "", "", ""], opts);
    assert.match(out, /Stitched out of sample: return -?\d+\.\d\d %/);
    assert.match(out, /Promotion \(out of sample\): (targets met|not promoted)/);
    const json = JSON.parse(await Deno.readTextFile(out.match(/Results: (\S+\.json)/)![1]));
    assert.ok(json.windows.length >= 2);
    assert.ok("promotion" in json);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});
