/**
 * A prepare run only adds to or updates the manifest entries of the files it read; an empty or
 * missing source is an error naming the folder (exit 2) and leaves the manifest alone;
 * data:validate on an empty folder fails with a hint.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { isKinetraError } from "../../lib/errors.ts";
import { type Manifest, prepareDataset } from "../../lib/data/mod.ts";
import { runTaskFile } from "./_helpers.ts";

const FOREX = "data/sample/forex";

async function copyOne(from: string, toDir: string): Promise<void> {
  await Deno.mkdir(toDir, { recursive: true });
  await Deno.copyFile(from, join(toDir, from.split("/").pop()!));
}

Deno.test("prepare from a second source adds to the manifest; the first source's entries stay", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-manifest-" });
  try {
    const files = [...Deno.readDirSync(FOREX)].map((e) => join(FOREX, e.name)).sort();
    await copyOne(files[0], join(tmp, "a", "forex"));
    await copyOne(files[1], join(tmp, "b", "forex"));
    const out = join(tmp, "prepared");
    await prepareDataset({ source: join(tmp, "a"), out });
    const m = await prepareDataset({ source: join(tmp, "b"), out });
    const saved = JSON.parse(await Deno.readTextFile(join(out, "manifest.json"))) as Manifest;
    assert.deepEqual(
      saved.files.map((f) => f.file).sort(),
      [files[0], files[1]].map((f) => `forex/${f.split("/").pop()}`),
    );
    assert.equal(m.files.length, 2);
    assert.equal(m.totals.files, 1, "totals count the files this run read");
    assert.equal(m.totals.kept, 1, "and the entries kept from earlier runs");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("prepare over an empty or a missing source is an error naming the folder and leaves the manifest alone", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-manifest-" });
  try {
    const out = join(tmp, "prepared");
    await prepareDataset({ source: "data/sample", out });
    const before = await Deno.readTextFile(join(out, "manifest.json"));
    const empty = join(tmp, "empty");
    await Deno.mkdir(empty);
    for (const source of [empty, join(tmp, "missing")]) {
      await assert.rejects(() => prepareDataset({ source, out }), (e) => {
        assert.ok(isKinetraError(e), String(e));
        assert.equal(e.exitCode, 2);
        assert.ok(e.message.includes(source), e.message);
        return true;
      });
      assert.equal(await Deno.readTextFile(join(out, "manifest.json")), before, "manifest unchanged");
      const r = await runTaskFile("prepare.ts", ["--source", source, "--out", out]);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(source), r.stderr);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
      assert.equal(
        await Deno.readTextFile(join(out, "manifest.json")),
        before,
        "manifest unchanged by the task",
      );
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("data:validate on an empty folder exits 2 with a hint naming the folder", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-validate-empty-" });
  try {
    const r = await runTaskFile("data_validate.ts", ["--source", tmp]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(tmp), r.stderr);
    assert.match(r.stderr, /no data files/);
    const j = await runTaskFile("data_validate.ts", ["--source", tmp, "--json"]);
    assert.equal(j.code, 2);
    assert.equal(JSON.parse(j.stdout).error.code, "no_data_files");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
