import assert from "node:assert/strict";
import { taskCommand } from "../../lib/util/tasks.ts";

/** Run `deno task bench:data` with its own permission flags. */
async function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), { args: taskCommand("bench:data", args) }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("bench:data --compare runs another checkout's reader and this one alternately (figures in JSON)", async () => {
  // This checkout compared with itself on the bundled sample: both sides read the same files.
  const r = await bench([
    "--source",
    "data/sample",
    "--runs",
    "2",
    "--no-polars",
    "--json",
    "--compare",
    ".",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(j.files > 0 && j.rows > 0);
  assert.equal(j.kinetra_read_validate.wall_ms.length, 2);
  const c = j.compare;
  assert.equal(c.other_ms.length, 2);
  assert.equal(c.this_ms.length, 2);
  assert.equal(c.other_cpu_ms.length, 2);
  assert.equal(c.this_cpu_ms.length, 2);
  for (const x of [...c.other_ms, ...c.this_ms]) assert.ok(Number.isFinite(x) && x >= 0);
  assert.equal(c.other_best_ms, Math.min(...c.other_ms));
  assert.equal(c.this_best_ms, Math.min(...c.this_ms));
  assert.equal(c.load_average.length, 3);
  // Without --compare there is no A/B.
  const plain = await bench(["--source", "data/sample", "--runs", "1", "--no-polars", "--json"]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(JSON.parse(plain.stdout).compare, null);
});

Deno.test("bench:data --compare on a folder that is not a Kinetra checkout: exit 2, a clear message", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kinetra_bench_" });
  try {
    const r = await bench(["--source", "data/sample", "--runs", "1", "--no-polars", "--compare", dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--compare .*no lib\/data\/mod\.ts there/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
