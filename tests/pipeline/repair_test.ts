/** Repairs write a canonical copy with a change log and a quarantine, never the source; reverts undo them. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  readRepairManifest,
  recordRepair,
  repairFile,
  revertRepair,
  sniffLayout,
} from "../../lib/pipeline/mod.ts";
import { readBars } from "../../lib/data/mod.ts";
import { buildDefectiveCopy, hashTree } from "./_defects.ts";

Deno.test("repairFile: every injected defect gives a clean canonical copy that lib/data reads without those findings", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-repair-" });
  try {
    const src = join(tmp, "src");
    const injected = await buildDefectiveCopy(src);
    const before = await hashTree(src);
    const out = join(tmp, "out");
    for (const inj of injected.filter((i) => i.category !== "empty_file")) {
      const r = await repairFile({
        source: join(src, inj.rel),
        relPath: inj.rel,
        outDir: out,
        fileUnderTimeframe: inj.category === "timeframe_mismatch" ? "H4" : null,
      });
      const bytes = await Deno.readFile(r.output);
      const layout = sniffLayout(bytes);
      assert.equal(layout.encoding, "utf-8", inj.defect);
      assert.equal(layout.delimiter, "\t", inj.defect);
      assert.equal(layout.lineEnding, "crlf", inj.defect);
      const bars = await readBars(r.output);
      const rep = bars.meta.report!;
      assert.equal(rep.duplicates_dropped, 0, inj.defect);
      assert.equal(rep.sorted_on_read, false, inj.defect);
      assert.equal(bars.meta.timeframe, bars.meta.timeframeDetected, inj.defect);
      assert.equal(bars.frame.height, r.rowsOut, inj.defect);
    }
    assert.deepEqual(await hashTree(src), before, "the source is never written");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("repairFile keeps cells verbatim, quarantines with reasons, and keeps the last of repeated times", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-repair-" });
  try {
    const h = "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>";
    const rows = [
      "2024.01.02\t08:00:00\t1.10000\t1.10100\t1.09900\t1.10050\t10\t0\t2",
      "2024.01.02\t04:00:00\t1.09000\t1.09100\t1.08900\t1.09050\t10\t0\t2", // out of order
      "2024.01.02\t12:00:00\t1.10050\t1.10200\t1.10000\t1.10150\t11\t0\t2",
      "2024.01.02\t12:00:00\t1.10050\t1.10300\t1.10000\t1.10250\t12\t0\t2", // repeated time, different values
      "2024.01.02\t16:00:00\t1.10250\tabc\t1.10000\t1.10150\t11\t0\t2", // text in a price
      "2024.01.02\t20:00:00\t1.10250\t1.10000\t1.10100\t1.10150\t11\t0\t2", // high below low
      "2024.01.03\t00:00:00\t-1\t1.1\t1.0\t1.05\t11\t0\t2", // non-positive
      "2024.01.03\t04:00",
    ];
    const src = join(tmp, "src");
    await Deno.mkdir(join(src, "forex"), { recursive: true });
    const rel = "forex/TEST_H4_202401020400_202401030400.csv";
    await Deno.writeTextFile(join(src, rel), [h, ...rows].join("\r\n") + "\r\n");
    const out = join(tmp, "out");
    const r = await repairFile({ source: join(src, rel), relPath: rel, outDir: out });
    const text = await Deno.readTextFile(r.output);
    assert.equal(
      text,
      [h, rows[1], rows[0], rows[3]].join("\r\n") + "\r\n",
      "sorted, last of the repeated time kept, cells verbatim",
    );
    assert.match(r.output, /TEST_H4_202401020400_202401021200\.csv$/, "named after the bars really present");
    const q = await Deno.readTextFile(r.quarantine!);
    for (
      const reason of [
        /non-numeric value "abc" in <HIGH>/,
        /high\/low inconsistent/,
        /non-positive price/,
        /wrong field count: 2 of 9/,
        /bar time repeated at line 5/,
      ]
    ) {
      assert.match(q, reason);
    }
    assert.deepEqual(r.changes.map((c) => c.action).sort(), [
      "quarantine_rows",
      "quarantine_rows",
      "quarantine_rows",
      "quarantine_rows",
      "remove_duplicates",
      "rename_range",
      "sort_rows",
    ]);

    // Recorded, then reverted: the copy and its quarantine disappear, the log keeps both events.
    await recordRepair(out, r, null);
    assert.ok((await readRepairManifest(out)).files[rel]);
    await revertRepair(out, rel, "test");
    assert.equal((await readRepairManifest(out)).files[rel], undefined);
    await assert.rejects(Deno.stat(r.output));
    await assert.rejects(Deno.stat(r.quarantine!));
    const log = (await Deno.readTextFile(join(out, "repair_log.jsonl"))).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.equal(log.at(-1).action, "revert");
    assert.ok(log.some((l) => l.action === "sort_rows"));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("repairFile uses lib/data's rules: monthly bars are detected as MN1, UTF-16 without a BOM is decoded", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-repair-" });
  try {
    const h = "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>";
    const months = ["01", "02", "03", "04", "05", "06"].map((m) =>
      `2024.${m}.01\t00:00:00\t1.10000\t1.10100\t1.09900\t1.10050\t10\t0\t2`
    );
    const text = [h, ...months].join("\r\n") + "\r\n";
    const utf16 = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) utf16[2 * i] = text.charCodeAt(i); // UTF-16LE, no BOM
    const rel = "forex/EURUSD_MN1_202401010000_202406010000.csv";
    await Deno.mkdir(join(tmp, "src", "forex"), { recursive: true });
    await Deno.writeFile(join(tmp, "src", rel), utf16);
    const r = await repairFile({ source: join(tmp, "src", rel), relPath: rel, outDir: join(tmp, "out") });
    assert.equal(r.layout.encoding, "utf-16le");
    assert.equal(r.timeframeDeclared, "MN1");
    assert.equal(r.timeframeDetected, "MN1");
    assert.equal(r.rowsOut, 6);
    assert.ok(r.output.endsWith("EURUSD_MN1_202401010000_202406010000.csv"), r.output);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
