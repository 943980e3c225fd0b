/** The demo's research step on the bundled sample: an optimisation, a walk-forward, two reports, the summary. */
import assert from "node:assert/strict";
import { researchDemoStep } from "../../tasks/_demo_research.ts";
import { SAMPLE_DIR } from "../../lib/util/paths.ts";

Deno.test("demo research step: optimise + walk-forward on data/sample, reports and summary", async () => {
  const out = await Deno.makeTempDir();
  try {
    const lines: string[] = [];
    const summary: Record<string, unknown> = {};
    const ok = await researchDemoStep({ source: SAMPLE_DIR, out, summary, say: (l) => lines.push(l) });
    assert.equal(ok, true, lines.join("\n"));
    const r = summary.research as {
      trials: number;
      windows: number;
      reports: string[];
      promotion: { passed: boolean };
    };
    assert.equal(r.trials, 27); // fast 5…30 step 5 × slow 20…100 step 20 with fast < slow
    assert.ok(r.windows >= 6);
    for (const f of r.reports) assert.ok((await Deno.stat(f)).size > 10_000, f);
    assert.ok(lines.some((l) => /promotion \(stitched out-of-sample results\)/.test(l)));
    assert.ok(lines.some((l) => /DSR \d\.\d{3} · PBO \d\.\d{3}/.test(l)), lines.join("\n"));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
