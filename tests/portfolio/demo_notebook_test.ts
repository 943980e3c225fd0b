/** The portfolio's demo step and notebook. */
import assert from "node:assert/strict";
import { type DemoContext, STEPS } from "../../tasks/demo.ts";
import { checkSourceNotebook, readNotebook } from "../../lib/plot/notebooks.ts";

Deno.test("demo step portfolio: every sample symbol on one account, a report, results in the summary", async () => {
  const step = STEPS.find((s) => s.name === "portfolio");
  assert.ok(step, "the demo has a portfolio step");
  const out = await Deno.makeTempDir();
  try {
    const lines: string[] = [];
    const ctx: DemoContext = {
      source: "data/sample",
      out,
      json: false,
      summary: {},
      say: (l) => lines.push(l),
    };
    assert.equal(await step.run(ctx), true);
    const s = ctx.summary.portfolio as {
      symbols: string[];
      trades: number;
      net_profit: Record<string, number>;
      report: string;
    };
    assert.equal(s.symbols.length, 6);
    assert.ok(s.trades > 100);
    assert.deepEqual(Object.keys(s.net_profit).sort(), [...s.symbols].sort());
    const html = await Deno.readTextFile(s.report);
    for (const id of ["k-equity", "k-contributions", "k-correlation"]) assert.ok(html.includes(id), id);
    assert.ok(lines.some((l) => /6 symbols at H4 on one account/.test(l)));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("notebook 06 is committed clean, tagged, on the sample by default and reaches lib/portfolio", async () => {
  const book = await readNotebook("notebooks/06_portfolio.ipynb");
  assert.deepEqual(checkSourceNotebook(book), []);
  const code = book.cells.filter((c) => c.cell_type === "code").map((c) => [c.source].flat().join("")).join(
    "\n",
  );
  assert.match(code, /"data\/sample"/);
  assert.match(code, /kinetra\/portfolio\/mod\.ts/);
  assert.match(code, /correlationHeatmapFigure/);
});
