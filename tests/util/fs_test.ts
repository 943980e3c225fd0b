import assert from "node:assert/strict";
import { assertNotInside, isInside, writeJsonAtomic, writeTextAtomic } from "../../lib/util/fs.ts";
import { isKinetraError, KinetraError } from "../../lib/errors.ts";

Deno.test("writeTextAtomic replaces the file and leaves no temporary file behind", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/sub/out.txt`;
  await writeTextAtomic(path, "first");
  await writeTextAtomic(path, "second");
  assert.equal(await Deno.readTextFile(path), "second");
  const names = [...Deno.readDirSync(`${dir}/sub`)].map((e) => e.name);
  assert.deepEqual(names, ["out.txt"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeJsonAtomic writes parseable JSON", async () => {
  const dir = await Deno.makeTempDir();
  await writeJsonAtomic(`${dir}/a.json`, { a: 1, b: [1, 2] });
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/a.json`)), { a: 1, b: [1, 2] });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("assertNotInside refuses paths inside the source folder and allows siblings", () => {
  assert.ok(isInside("data/master/x.csv", "data/master"));
  assert.ok(!isInside("data/master2/x.csv", "data/master"));
  assert.throws(() => assertNotInside("data/master/forex/out.parquet", "data/master"), (e) => {
    return isKinetraError(e) && (e as KinetraError).code === "write_into_source";
  });
  assertNotInside("data/prepared/out.parquet", "data/master");
});
