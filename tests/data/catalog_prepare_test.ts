import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { isKinetraError, type KinetraError } from "../../lib/errors.ts";
import {
  type Manifest,
  prepareDataset,
  readBars,
  scanCatalog,
  splitIndex,
  toArrays,
} from "../../lib/data/mod.ts";
import { realDataDir } from "../../lib/util/paths.ts";
import { copyTree, treeFingerprint } from "./_helpers.ts";

Deno.test("catalog of the bundled sample: files, asset classes from folders, symbol × timeframe pairs", async () => {
  const cat = await scanCatalog("data/sample");
  const onDisk: string[] = [];
  for (const cls of Deno.readDirSync("data/sample")) {
    if (!cls.isDirectory) continue;
    for (const f of Deno.readDirSync(`data/sample/${cls.name}`)) onDisk.push(`${cls.name}/${f.name}`);
  }
  assert.deepEqual(cat.files.map((f) => f.relative_path), onDisk.sort());
  assert.deepEqual(cat.asset_classes.forex, ["AUDUSD+", "GBPUSD+"]);
  assert.deepEqual(cat.pairs["XAUUSD+"], ["H4"]);
  assert.deepEqual(cat.timeframes, ["H4"]);
  assert.deepEqual(cat.missing_pairs, {});
  const e = cat.files.find((f) => f.symbol === "NAS100")!;
  assert.equal(e.asset_class, "indices");
  assert.equal(e.start, "2024-01-02T00:00:00");
  assert.equal(e.end, "2025-12-26T20:00:00");
  assert.equal(e.size_bytes, Deno.statSync(e.path).size);
});

Deno.test("catalog of the real data set: every symbol's timeframes", async () => {
  const { dir, which } = realDataDir();
  const cat = await scanCatalog(dir);
  console.log(`catalog of ${dir} (${which}): ${cat.files.length} files, ${cat.symbols.length} symbols`);
  for (const f of cat.files) assert.ok(f.name_matched, f.relative_path);
  if (which === "shared") {
    assert.equal(cat.files.length, 84);
    assert.deepEqual(cat.pairs["GBPUSD+"], ["M15", "H1", "H4"]); // no M30 export
    // GBPUSD+ was never exported at M30; the three large crypto M15 files are not in this mirror.
    assert.deepEqual(cat.missing_pairs, {
      BTCJPY: ["M15"],
      BTCUSD: ["M15"],
      ETHEUR: ["M15"],
      "GBPUSD+": ["M30"],
    });
    assert.deepEqual(cat.pairs["AUDJPY+"], ["M15", "M30", "H1", "H4"]);
    assert.deepEqual(Object.keys(cat.asset_classes).sort(), [
      "crypto",
      "energy",
      "forex",
      "indices",
      "metals",
    ]);
  }
});

Deno.test("scanCatalog of a missing folder → source_not_found", async () => {
  await assert.rejects(
    scanCatalog("no/such/folder"),
    (e) => isKinetraError(e) && (e as KinetraError).code === "source_not_found",
  );
});

Deno.test("prepare: chronological 80/20 split to Parquet, manifest, skip unchanged, redo changed, never write the source", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_prepare_" });
  const source = `${tmp}/src`;
  const out = `${tmp}/prepared`;
  await copyTree("data/sample", source);
  const before = await treeFingerprint(source);

  const m1: Manifest = await prepareDataset({ source, out });
  assert.equal(m1.test_ratio, 0.2);
  assert.equal(m1.totals.files, 6);
  assert.equal(m1.totals.prepared, 6);
  for (const f of m1.files) {
    assert.equal(f.status, "prepared");
    const bars = toArrays(await readBars(`${source}/${f.file}`));
    assert.equal(f.rows, bars.length);
    assert.equal(f.train_rows, Math.floor(bars.length * 0.8));
    assert.equal(f.train_rows + f.test_rows, f.rows);
    assert.ok(f.train_end! < f.test_start!, "train ends before test starts");
    assert.match(f.source_sha256, /^[0-9a-f]{64}$/);
    const train = pl.readParquet(`${out}/${f.train_path}`);
    const test = pl.readParquet(`${out}/${f.test_path}`);
    assert.equal(train.height, f.train_rows);
    assert.equal(test.height, f.test_rows);
    const tt = test.getColumn("time").cast(pl.Int64).toArray().map(Number);
    assert.equal(tt[0], bars.time[f.train_rows], "test starts right after train");
    assert.deepEqual(
      Array.from(test.getColumn("close").toArray() as number[]),
      Array.from(bars.close.slice(f.train_rows)),
    );
    assert.equal(f.timeframe_declared, "H4");
    assert.equal(f.timeframe_detected, "H4");
    // readBars reads the prepared split back as Bars.
    const back = await readBars(`${out}/${f.test_path}`);
    assert.equal(back.meta.format, "parquet");
    assert.equal(back.meta.symbol, f.symbol);
    assert.equal(back.meta.timeframe, "H4");
    assert.deepEqual(toArrays(back).time, bars.time.slice(f.train_rows));
    assert.deepEqual(toArrays(back).spread, bars.spread!.slice(f.train_rows));
  }
  const onDisk = JSON.parse(await Deno.readTextFile(`${out}/manifest.json`));
  assert.deepEqual(onDisk.totals, m1.totals);

  // Unchanged sources are skipped.
  const m2 = await prepareDataset({ source, out });
  assert.equal(m2.totals.skipped, 6);
  assert.equal(m2.totals.prepared, 0);
  assert.deepEqual(await treeFingerprint(source), before, "the source is byte-identical after prepare");

  // A changed source is prepared again; a different ratio redoes everything.
  const changed = `${source}/${m1.files[0].file}`;
  const text = await Deno.readTextFile(changed);
  await Deno.writeTextFile(changed, text.split("\r\n").slice(0, -50).join("\r\n") + "\r\n");
  const m3 = await prepareDataset({ source, out });
  assert.equal(m3.totals.prepared, 1);
  assert.equal(m3.files[0].status, "prepared");
  assert.equal(m3.files[0].rows, m1.files[0].rows - 49);
  const m4 = await prepareDataset({ source, out, testRatio: 0.3 });
  assert.equal(m4.totals.prepared, 6);
  assert.equal(m4.files[1].train_rows, splitIndex(m4.files[1].rows, 0.3));

  // No temporary files left behind.
  const leftovers: string[] = [];
  for (const [p] of Object.entries(await treeFingerprint(out))) if (p.endsWith(".tmp")) leftovers.push(p);
  assert.deepEqual(leftovers, []);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("prepare refuses an output inside the source and a ratio outside (0, 1)", async () => {
  await assert.rejects(
    prepareDataset({ source: "data/sample", out: "data/sample/prepared" }),
    (e) => isKinetraError(e) && (e as KinetraError).code === "write_into_source",
  );
  await assert.rejects(
    prepareDataset({ source: "data/sample", out: "/tmp/never", testRatio: 1.5 }),
    (e) => isKinetraError(e) && (e as KinetraError).code === "bad_argument",
  );
});

Deno.test("prepare records an unreadable file as failed with its code and prepares the rest", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_prepare_bad_" });
  await copyTree("data/sample/forex", `${tmp}/src/forex`);
  await Deno.writeTextFile(
    `${tmp}/src/forex/BROKEN_H1_202401020000_202401020100.csv`,
    "<DATE>\t<TIME>\t<OPEN>\n",
  );
  const m = await prepareDataset({ source: `${tmp}/src`, out: `${tmp}/out` });
  const bad = m.files.find((f) => f.symbol === "BROKEN")!;
  assert.equal(bad.status, "failed");
  assert.equal(bad.error?.code, "header_only");
  assert.equal(m.totals.prepared, 2);
  assert.equal(m.totals.failed, 1);
  await Deno.remove(tmp, { recursive: true });
});
