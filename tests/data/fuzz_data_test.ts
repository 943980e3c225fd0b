/**
 * `fuzz:data` in the test suite: a short seeded run over real exports (realDataDir(): the master
 * folder when present, else the bundled sample; the test says which), and checks that the
 * reference parse is independent and right on untouched and damaged real rows.
 */
import assert from "node:assert/strict";
import { mutate, MUTATIONS, rng, runFuzz } from "../../lib/data/fuzz.ts";
import { referenceParse } from "../../lib/data/fuzz_reference.ts";
import { readBars } from "../../lib/data/read_bars.ts";
import { scanCatalog } from "../../lib/data/catalog.ts";
import { realDataDir } from "../../lib/util/paths.ts";
import { SAMPLE_FILE, sampleText } from "./_helpers.ts";

Deno.test("fuzz:data seeded run: no silent difference and no crash over every mutation kind", async () => {
  const { dir, which } = realDataDir();
  console.log(`fuzz:data test on ${dir} (${which})`);
  const files = (await scanCatalog(dir)).files.map((f) => f.path);
  const report = runFuzz({ files, cases: 400, seed: 20261203, maxRows: 800 });
  assert.deepEqual(
    report.failures.map((f) => `${f.index} ${f.mutations.join("+")} ${f.file}: ${f.detail}`),
    [],
  );
  for (const m of MUTATIONS) assert.ok((report.by_mutation[m] ?? 0) > 0, `mutation ${m} exercised`);
  assert.ok(report.outcomes.identical > 300, JSON.stringify(report.outcomes));
});

Deno.test("the reference parse reads the untouched sample exactly as the reader does, and counts damaged rows itself", async () => {
  const bytes = Deno.readFileSync(SAMPLE_FILE);
  const ref = referenceParse(bytes)!;
  const bars = await readBars(SAMPLE_FILE);
  const a = bars.arrays!;
  assert.deepEqual(ref.time, Array.from(a.time));
  assert.deepEqual(ref.close, Array.from(a.close));
  assert.deepEqual(ref.spread, Array.from(a.spread!));
  assert.equal(ref.bad, 0);
  // Damage line 5's time and line 6's close by hand: the reference drops exactly those rows.
  const ls = sampleText().split("\r\n");
  const c5 = ls[4].split("\t"), c6 = ls[5].split("\t");
  c5[1] = "0x:00:00";
  c6[5] = "1e999";
  ls[4] = c5.join("\t");
  ls[5] = c6.join("\t");
  const damaged = referenceParse(new TextEncoder().encode(ls.join("\r\n")))!;
  assert.equal(damaged.bad, 2);
  assert.ok(!damaged.close.includes(Infinity));
  assert.equal(damaged.time.length, ref.time.length - 2);
});

Deno.test("mutations are deterministic for a seed and change the bytes", () => {
  const src = Deno.readFileSync(SAMPLE_FILE).subarray(0, 20000);
  for (const m of MUTATIONS) {
    const a = mutate(src, m, rng(5));
    const b = mutate(src, m, rng(5));
    assert.deepEqual(a, b, m);
    assert.notDeepEqual(a, src, m);
  }
});
