/**
 * lib/data's two scanners (scanCatalog for exports, scanPrepared for prepared Parquet) and the
 * callers that used to walk folders themselves: the lower-timeframe search, the batch on a
 * prepared folder, the pipeline's prepared list and pruning, the menu's status count and
 * hasDataFiles.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { scanCatalog, scanCatalogSync, scanPrepared } from "../../lib/data/catalog.ts";
import { findLowerFile } from "../../lib/backtest/model_data.ts";
import { planBatch } from "../../lib/backtest/batch.ts";
import { countPrepared } from "../../lib/menu/status.ts";
import { pruneStalePrepared } from "../../lib/pipeline/exercise_data.ts";
import { hasDataFiles } from "../../lib/util/paths.ts";
import { isKinetraError } from "../../lib/errors.ts";

const H1 = 3_600_000;

/** Write `files` (relative paths) under a new temporary folder; returns the folder. */
function tree(files: string[]): string {
  const root = Deno.makeTempDirSync({ prefix: "kinetra_scan_" });
  for (const f of files) {
    const p = join(root, f);
    Deno.mkdirSync(join(p, ".."), { recursive: true });
    Deno.writeTextFileSync(p, `x ${f}\n`);
  }
  return root;
}

/** An independent recursive listing (plain Deno.readDirSync) of the file names matching `re`. */
function listing(root: string, re: RegExp, rel = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(join(root, rel))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...listing(root, re, r));
    else if (re.test(e.name)) out.push(r);
  }
  return out.sort();
}

Deno.test("scanCatalog: exports at any depth, hidden files, READMEs, Parquet and others left out; symlinks followed", async () => {
  const root = tree([
    "forex/EURUSD_H1_202401020000_202401310000.csv",
    "forex/.EURUSD_M1_202401020000_202401310000.csv",
    "forex/README.txt",
    "indices/deep/NAS100_H4_202401020000_202412310000.txt",
    "GOLD_D1.tsv",
    "notes.json",
    "train/EURUSD_H1_202401020000_202401310000_train.parquet",
    ".hidden/USDJPY_H1_202401020000_202401310000.csv",
  ]);
  try {
    Deno.symlinkSync(join(root, "forex"), join(root, "linked"));
    Deno.symlinkSync(join(root, "missing.csv"), join(root, "dangling.csv"));
    const cat = await scanCatalog(root);
    assert.deepEqual(cat.files.map((f) => f.relative_path), [
      "GOLD_D1.tsv",
      "forex/EURUSD_H1_202401020000_202401310000.csv",
      "indices/deep/NAS100_H4_202401020000_202412310000.txt",
      "linked/EURUSD_H1_202401020000_202401310000.csv",
    ]);
    assert.deepEqual(cat.asset_classes.unclassified, ["GOLD"]);
    assert.equal(cat.files[2].asset_class, "indices");
    // Not recursive: the folder's own files only; the sync form gives the same catalog.
    assert.deepEqual(scanCatalogSync(root, { recursive: false }).files.map((f) => f.relative_path), [
      "GOLD_D1.tsv",
    ]);
    assert.deepEqual(scanCatalogSync(root), cat);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("scanCatalog of the sample finds what an independent listing finds", async () => {
  const cat = await scanCatalog("data/sample");
  assert.deepEqual(cat.files.map((f) => f.relative_path), listing("data/sample", /\.(csv|tsv|txt)$/i));
  assert.ok(cat.files.length >= 5);
});

Deno.test("scanCatalog of a missing folder or a file: clear errors", async () => {
  await assert.rejects(
    () => scanCatalog("no/such/folder"),
    (e) => isKinetraError(e) && e.code === "source_not_found",
  );
  assert.throws(
    () => scanCatalogSync("data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv"),
    (e) => isKinetraError(e) && e.code === "source_not_a_folder",
  );
});

Deno.test("scanPrepared: Parquet splits sorted by path, split filter, exports on request, [] when missing", () => {
  const root = tree([
    "train/forex/EURUSD_H1_2024_train.parquet",
    "train/indices/NAS100_H4_2024_train.parquet",
    "test/forex/EURUSD_H1_2024_test.parquet",
    "test/forex/by_hand/GBPUSD_H1_2024.csv",
    "manifest.json",
    "README.md",
    "flat_test.parquet",
  ]);
  try {
    assert.deepEqual(scanPrepared(root), [
      join(root, "flat_test.parquet"),
      join(root, "test/forex/EURUSD_H1_2024_test.parquet"),
      join(root, "train/forex/EURUSD_H1_2024_train.parquet"),
      join(root, "train/indices/NAS100_H4_2024_train.parquet"),
    ]);
    assert.deepEqual(scanPrepared(root, { split: "test" }), [
      join(root, "flat_test.parquet"),
      join(root, "test/forex/EURUSD_H1_2024_test.parquet"),
    ]);
    assert.deepEqual(scanPrepared(root, { split: "train" }).length, 2);
    assert.deepEqual(scanPrepared(join(root, "test"), { exports: true }), [
      join(root, "test/forex/EURUSD_H1_2024_test.parquet"),
      join(root, "test/forex/by_hand/GBPUSD_H1_2024.csv"),
    ]);
    assert.deepEqual(scanPrepared(root, { recursive: false }), [join(root, "flat_test.parquet")]);
    assert.deepEqual(scanPrepared(join(root, "nope")), []);
    // The menu's status count and hasDataFiles use it.
    assert.deepEqual(countPrepared(root), { train: 2, test: 2 });
    assert.deepEqual(countPrepared(join(root, "nope")), { train: 0, test: 0 });
    assert.equal(hasDataFiles(root), true);
    assert.equal(hasDataFiles(join(root, "train", "indices")), true);
    assert.equal(hasDataFiles(join(root, "nope")), false);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("hasDataFiles: false for a folder of notes only, true for the sample", () => {
  const root = tree(["README.md", "a/notes.json", "b/README.txt"]);
  try {
    assert.equal(hasDataFiles(root), false);
    assert.equal(hasDataFiles("data/sample"), true);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("findLowerFile: the finest dividing timeframe of the symbol in the folder itself (exports or Parquet)", () => {
  const root = tree([
    "EURUSD_H1_202401020000_202401310000.csv",
    "EURUSD_M15_202401020000_202401310000.csv",
    "EURUSD_M5_202401020000_202401310000_train.parquet",
    "EURUSD_H4_202401020000_202401310000.csv",
    "GBPUSD_M1_202401020000_202401310000.csv",
    "sub/EURUSD_M1_202401020000_202401310000.csv",
    ".EURUSD_M1_202401020000_202401310000.csv",
  ]);
  try {
    assert.equal(
      findLowerFile(root, "EURUSD", H1),
      join(root, "EURUSD_M5_202401020000_202401310000_train.parquet"),
    );
    assert.equal(
      findLowerFile(root, "EURUSD", 4 * H1),
      join(root, "EURUSD_M5_202401020000_202401310000_train.parquet"),
    );
    assert.equal(findLowerFile(root, "GBPUSD", H1), join(root, "GBPUSD_M1_202401020000_202401310000.csv"));
    assert.equal(findLowerFile(root, "USDJPY", H1), null);
    assert.equal(findLowerFile(join(root, "nope"), "EURUSD", H1), null);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("planBatch on a prepared folder: the Parquet and hand-split exports of train/ and test/", async () => {
  const root = tree([
    "train/forex/EURUSD_H1_202401020000_202401310000_train.parquet",
    "test/forex/EURUSD_H1_202401020000_202401310000_test.parquet",
    "test/indices/NAS100_H4_202401020000_202401310000.csv",
    "test/notes.json",
    "manifest.json",
  ]);
  try {
    const jobs = await planBatch({ source: root, strategies: ["sma_cross"], split: "test" });
    assert.deepEqual(jobs.map((j) => [j.file.slice(root.length + 1), j.assetClass, j.presplit]).sort(), [
      ["test/forex/EURUSD_H1_202401020000_202401310000_test.parquet", "forex", true],
      ["test/indices/NAS100_H4_202401020000_202401310000.csv", "indices", true],
    ]);
    assert.equal((await planBatch({ source: root, strategies: ["sma_cross"], split: "all" })).length, 3);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("pruneStalePrepared removes the Parquet the manifest no longer lists, nothing else", async () => {
  const root = tree([
    "train/forex/EURUSD_H1_train.parquet",
    "test/forex/EURUSD_H1_test.parquet",
    "train/forex/OLD_H1_train.parquet",
    "test/forex/OLD_H1_test.parquet",
    "test/forex/notes.csv",
  ]);
  try {
    const manifest = {
      files: [{
        train_path: "train/forex/EURUSD_H1_train.parquet",
        test_path: "test/forex/EURUSD_H1_test.parquet",
      }],
    };
    const removed = await pruneStalePrepared(root, manifest);
    assert.deepEqual(removed, [
      join(root, "train/forex/OLD_H1_train.parquet"),
      join(root, "test/forex/OLD_H1_test.parquet"),
    ]);
    assert.deepEqual(listing(root, /./), [
      "test/forex/EURUSD_H1_test.parquet",
      "test/forex/notes.csv",
      "train/forex/EURUSD_H1_train.parquet",
    ]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
