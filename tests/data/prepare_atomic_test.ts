/**
 * Regression tests for issue 15 items 7–8: `prepare` is atomic as a whole (a run killed with
 * SIGKILL at any point never leaves outputs that a later run trusts wrongly, nor temporary files),
 * and the guard against writing into the source folder compares real paths (symbolic links).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { splitIndex } from "../../lib/data/prepare.ts";
import { isInside } from "../../lib/util/fs.ts";
import { copyTree, runTaskFile, treeFingerprint } from "./_helpers.ts";

/** A source of 24 real exports (the 6 sample files, each under 4 names). */
async function bigSource(dir: string): Promise<void> {
  const files: string[] = [];
  for await (const c of Deno.readDir("data/sample")) {
    for await (const f of Deno.readDir(`data/sample/${c.name}`)) files.push(`${c.name}/${f.name}`);
  }
  for (let k = 0; k < 4; k++) {
    for (const f of files) {
      const [cls, name] = f.split("/");
      await Deno.mkdir(join(dir, `${cls}${k}`), { recursive: true });
      await Deno.copyFile(`data/sample/${f}`, join(dir, `${cls}${k}`, name));
    }
  }
}

/** Every file under `dir` (relative paths). */
async function listFiles(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(dir, rel))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await listFiles(dir, r));
    else out.push(r);
  }
  return out;
}

/** Start prepare as a child and SIGKILL it once `after` progress lines were printed. */
async function killDuringPrepare(args: string[], after: number): Promise<number> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", "tasks/prepare.ts", ...args],
    env,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let seen = 0;
  let text = "";
  const dec = new TextDecoder();
  for await (const chunk of child.stderr) {
    text += dec.decode(chunk);
    seen = (text.match(/\[\d+\/\d+\]/g) ?? []).length;
    if (seen >= after) {
      child.kill("SIGKILL");
      break;
    }
  }
  await child.status;
  return seen;
}

Deno.test("item 7: prepare killed with SIGKILL mid-run at 0.5, then run at 0.2: every output holds the 0.2 split, no temporary file is left", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_atomic_" });
  const source = `${tmp}/src`;
  const out = `${tmp}/prepared`;
  await bigSource(source);
  const first = await runTaskFile("prepare.ts", [
    "--source",
    source,
    "--out",
    out,
    "--test-ratio",
    "0.2",
    "--json",
  ]);
  assert.equal(first.code, 0, first.stderr);
  for (const after of [3, 11, 19]) {
    const seen = await killDuringPrepare(
      ["--source", source, "--out", out, "--test-ratio", "0.5", "--force"],
      after,
    );
    assert.ok(seen >= after && seen < 24, `killed mid-run (after ${seen} files)`);
    // A temporary file as a kill between write and rename leaves it.
    await Deno.writeTextFile(
      `${out}/train/forex0/AUDUSD+_H4_202401020000_202512300800.parquet.0a1b2c3d.tmp`,
      "x",
    );
    const again = await runTaskFile("prepare.ts", [
      "--source",
      source,
      "--out",
      out,
      "--test-ratio",
      "0.2",
      "--json",
    ]);
    assert.equal(again.code, 0, again.stderr);
    const m = JSON.parse(again.stdout);
    assert.equal(m.totals.files, 24);
    // Files rewritten at 0.5 were rebuilt; the others were verified and skipped.
    assert.ok(m.totals.prepared >= after, `rebuilt ${m.totals.prepared} after ${after} were rewritten`);
    for (const e of m.files) {
      const train = pl.readParquet(join(out, e.train_path));
      const test = pl.readParquet(join(out, e.test_path));
      const n = train.height + test.height;
      assert.equal(n, e.rows, e.file);
      assert.equal(train.height, splitIndex(n, 0.2), `${e.file}: train holds the 0.2 split`);
    }
    const left = (await listFiles(out)).filter((f) => f.endsWith(".tmp"));
    assert.deepEqual(left, [], "no temporary file left");
  }
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("item 7: a skip verifies the outputs' size and hash against the manifest", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_atomic_" });
  const source = `${tmp}/src`;
  await copyTree("data/sample", source);
  const out = `${tmp}/prepared`;
  const a = await runTaskFile("prepare.ts", ["--source", source, "--out", out, "--json"]);
  const m = JSON.parse(a.stdout);
  const e = m.files[0];
  assert.ok(e.train_sha256 && e.test_sha256 && e.train_bytes > 0 && e.test_ratio === 0.2);
  // Replace one output by another valid Parquet file (same name, other content).
  await Deno.copyFile(join(out, m.files[1].test_path), join(out, e.test_path));
  const b = JSON.parse(
    (await runTaskFile("prepare.ts", ["--source", source, "--out", out, "--json"])).stdout,
  );
  const again = b.files.find((x: { file: string }) => x.file === e.file);
  assert.equal(again.status, "prepared", "a changed output is rebuilt, never skipped");
  assert.equal(b.totals.skipped, m.files.length - 1);
  assert.equal(pl.readParquet(join(out, e.test_path)).height, e.test_rows);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("item 8: the source guard follows symbolic links for --out, --source and output sub-folders", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_links_" });
  const source = `${tmp}/src`;
  await copyTree("data/sample", source);
  const before = await treeFingerprint(source);
  // --out is a link into the source.
  await Deno.symlink(`${source}/forex`, `${tmp}/outlink`);
  assert.ok(isInside(`${tmp}/outlink/prepared`, source));
  const r1 = await runTaskFile("prepare.ts", ["--source", source, "--out", `${tmp}/outlink/prepared`]);
  assert.equal(r1.code, 2, r1.stderr);
  assert.match(r1.stderr, /Refusing to write/);
  // --source given through a link, --out inside the real source.
  await Deno.symlink(source, `${tmp}/srclink`);
  const r2 = await runTaskFile("prepare.ts", ["--source", `${tmp}/srclink`, "--out", `${source}/prepared`]);
  assert.equal(r2.code, 2, r2.stderr);
  assert.match(r2.stderr, /Refusing to write/);
  // A sub-folder of --out that links into the source: those outputs are refused, nothing lands there.
  await Deno.mkdir(`${tmp}/out3`);
  await Deno.symlink(`${source}/metals`, `${tmp}/out3/train`);
  const r3 = await runTaskFile("prepare.ts", ["--source", source, "--out", `${tmp}/out3`, "--json"]);
  assert.equal(r3.code, 1, r3.stderr);
  const m = JSON.parse(r3.stdout);
  assert.ok(m.files.every((f: { error?: { code: string } }) => f.error?.code === "write_into_source"));
  // backtest:batch --out through a link into the source.
  const r4 = await runTaskFile("backtest_batch.ts", [
    "--source",
    source,
    "--out",
    `${tmp}/outlink/runs`,
    "--workers",
    "0",
  ]);
  assert.equal(r4.code, 2, r4.stderr);
  assert.match(r4.stderr, /Refusing to write|inside the source/);
  assert.deepEqual(await treeFingerprint(source), before, "the source is byte-identical");
  await Deno.remove(tmp, { recursive: true });
});
