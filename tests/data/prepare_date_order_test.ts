import assert from "node:assert/strict";
import { type ManifestEntry, prepareDataset } from "../../lib/data/prepare.ts";
import { runTaskFile } from "./_helpers.ts";
import { AMBIGUOUS_SOURCE, writeAmbiguousFile } from "../_date_order.ts";

const MT5 = "data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv";

Deno.test("prepare: a re-prepare with another --date-order is not skipped as unchanged; the order is in the manifest entry", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_prepare_dates_" });
  try {
    const source = `${tmp}/src`;
    await Deno.mkdir(`${source}/forex`, { recursive: true });
    const bars = await writeAmbiguousFile(AMBIGUOUS_SOURCE, `${source}/forex/GBPUSD_H4.csv`);
    await Deno.copyFile(MT5, `${source}/forex/AUDUSD+_H4_202401020000_202512300800.csv`);
    const out = `${tmp}/out`;
    const run = async (dateOrder?: "dmy" | "mdy") => {
      const m = await prepareDataset({ source, out, dateOrder });
      const by = (s: string) => m.files.find((e) => e.file.includes(s)) as ManifestEntry;
      return { amb: by("GBPUSD"), mt5: by("AUDUSD") };
    };
    // No order: the ambiguous file fails, the MT5 export (a fixed date layout) is prepared.
    const r0 = await run();
    assert.equal(r0.amb.status, "failed");
    assert.equal(r0.amb.error?.code, "ambiguous_date");
    assert.equal(r0.mt5.status, "prepared");
    assert.equal(r0.mt5.date_order_matters, false);
    assert.equal(r0.mt5.date_order, null);
    // dmy: the ambiguous file is prepared day-first and says so; the MT5 export is unchanged (skipped).
    const r1 = await run("dmy");
    assert.equal(r1.amb.status, "prepared");
    assert.equal(r1.amb.date_order_matters, true);
    assert.equal(r1.amb.date_order, "dmy");
    assert.equal(r1.amb.rows, bars.length);
    assert.equal(r1.amb.train_start, new Date(bars[0].t).toISOString().slice(0, 19));
    assert.equal(r1.mt5.status, "skipped");
    // The same order again: both skipped.
    const r2 = await run("dmy");
    assert.equal(r2.amb.status, "skipped");
    assert.equal(r2.amb.date_order, "dmy");
    assert.equal(r2.mt5.status, "skipped");
    // Another order: the same source bytes and ratio, but read another way, so read again.
    const r3 = await run("mdy");
    assert.notEqual(r3.amb.status, "skipped");
    if (r3.amb.status === "prepared") {
      assert.equal(r3.amb.date_order, "mdy");
      assert.notEqual(
        r3.amb.train_sha256,
        r1.amb.train_sha256,
        "month-first bars differ from day-first ones",
      );
    }
    assert.equal(r3.mt5.status, "skipped");
    // No order after a told one: not trusted as unchanged (refused again as ambiguous).
    await run("dmy");
    const r4 = await run();
    assert.equal(r4.amb.status, "failed");
    assert.equal(r4.amb.error?.code, "ambiguous_date");
    assert.equal(r4.mt5.status, "skipped");
    // The task: --date-order dmy after a dmy run skips; the manifest on disk names the order.
    const t = await runTaskFile("prepare.ts", [
      "--source",
      source,
      "--out",
      out,
      "--json",
      "--date-order",
      "dmy",
    ]);
    assert.equal(t.code, 0, t.stderr);
    const tj = JSON.parse(t.stdout);
    const e1 = tj.files.find((e: ManifestEntry) => e.file.includes("GBPUSD"));
    assert.equal(e1.status, "prepared");
    const t2 = await runTaskFile("prepare.ts", [
      "--source",
      source,
      "--out",
      out,
      "--json",
      "--date-order",
      "DMY",
    ]);
    assert.equal(t2.code, 0, t2.stderr);
    const disk = JSON.parse(await Deno.readTextFile(`${out}/manifest.json`));
    const e2 = disk.files.find((e: ManifestEntry) => e.file.includes("GBPUSD"));
    assert.equal(e2.status, "skipped");
    assert.equal(e2.date_order, "dmy");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("prepare: an entry of an older manifest (no date-order fields) is trusted only when no order is passed", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_prepare_dates_old_" });
  try {
    const source = `${tmp}/src`;
    await Deno.mkdir(`${source}/forex`, { recursive: true });
    await Deno.copyFile(MT5, `${source}/forex/AUDUSD+_H4_202401020000_202512300800.csv`);
    const out = `${tmp}/out`;
    await prepareDataset({ source, out });
    const path = `${out}/manifest.json`;
    const m = JSON.parse(await Deno.readTextFile(path));
    for (const e of m.files) {
      delete e.date_order;
      delete e.date_order_matters;
    }
    await Deno.writeTextFile(path, JSON.stringify(m));
    assert.equal((await prepareDataset({ source, out })).files[0].status, "skipped");
    // The manifest now records the fields (a skip keeps the entry), so strip them again.
    const m2 = JSON.parse(await Deno.readTextFile(path));
    for (const e of m2.files) {
      delete e.date_order;
      delete e.date_order_matters;
    }
    await Deno.writeTextFile(path, JSON.stringify(m2));
    const told = (await prepareDataset({ source, out, dateOrder: "dmy" })).files[0];
    assert.equal(told.status, "prepared");
    assert.equal(told.date_order_matters, false);
    assert.equal(told.date_order, null);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
