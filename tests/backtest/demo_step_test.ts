/** The demo's SmaCross step: every sample file backtested, one HTML report each, results in the summary. */
import assert from "node:assert/strict";
import { type DemoContext, STEPS } from "../../tasks/demo.ts";

Deno.test("demo step sma_cross backtests every sample file and writes a report per file", async () => {
  const step = STEPS.find((s) => s.name === "sma_cross");
  assert.ok(step, "the demo has a sma_cross step");
  const out = await Deno.makeTempDir();
  try {
    const ctx: DemoContext = { source: "data/sample", out, json: true, summary: {}, say: () => {} };
    assert.equal(await step.run(ctx), true);
    const res = (ctx.summary.sma_cross as { results: Array<Record<string, unknown>> }).results;
    assert.equal(res.length, 6);
    for (const r of res) {
      assert.equal(r.profile, "mt5");
      assert.ok((r.trades as number) > 10, `${r.file} trades`);
      const html = await Deno.readTextFile(r.report as string);
      assert.match(html, /sma_cross on /);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
