import assert from "node:assert/strict";
import { copyTree, runTaskFile, treeFingerprint } from "./_helpers.ts";

const INSPECT_FIELDS = [
  "file",
  "symbol",
  "format",
  "rows",
  "first_time",
  "last_time",
  "first_close",
  "last_close",
  "timeframe_declared",
  "timeframe_detected",
  "severity",
  "findings",
  "read",
];

Deno.test("tasks: inspect, validate and prepare speak JSON, exit with the documented codes, and leave the source byte-identical", async (t) => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_tasks_" });
  const source = `${tmp}/master`;
  await copyTree("data/sample", source);
  // One defective file: an H1 name over H4 bars (a CRITICAL timeframe_mismatch), and one unreadable file.
  const h4 = Deno.readTextFileSync("data/sample/metals/XAUUSD+_H4_202401020000_202512262000.csv");
  await Deno.writeTextFile(`${source}/metals/XAUUSD+_H1_202401020000_202512262000.csv`, h4);
  await Deno.writeTextFile(
    `${source}/metals/JUNK_H1_202401020000_202401020100.csv`,
    "this is not,an export\n",
  );
  const before = await treeFingerprint(source);
  const unchanged = async (what: string) =>
    assert.deepEqual(await treeFingerprint(source), before, `source changed after ${what}`);

  await t.step("data:inspect --json prints the record; exit 0", async () => {
    const r = await runTaskFile("data_inspect.ts", [
      `${source}/forex/AUDUSD+_H4_202401020000_202512300800.csv`,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rec = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(rec), INSPECT_FIELDS);
    assert.equal(rec.format, "mt5_bars");
    assert.equal(rec.timeframe_declared, "H4");
    assert.equal(rec.timeframe_detected, "H4");
    assert.equal(rec.first_time, "2024-01-02T00:00:00");
    await unchanged("data:inspect");
  });

  await t.step("data:inspect on an unreadable file: exit 2, a clear message, no stack trace", async () => {
    const r = await runTaskFile("data_inspect.ts", [
      `${source}/metals/JUNK_H1_202401020000_202401020100.csv`,
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: .*JUNK_H1.*(missing_column|no date|delimiter)/s);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    const j = await runTaskFile("data_inspect.ts", ["--json", "missing.csv"]);
    assert.equal(j.code, 2);
    assert.equal(JSON.parse(j.stdout).error.code, "file_not_found");
    const bad = await runTaskFile("data_inspect.ts", ["--nope"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /usage: deno task data:inspect/);
    await unchanged("data:inspect errors");
  });

  await t.step(
    "data:validate --json: one record per file with file and asset_class; exit 1 on CRITICAL",
    async () => {
      const r = await runTaskFile("data_validate.ts", ["--source", source, "--json"]);
      assert.equal(r.code, 1, r.stderr);
      const recs = JSON.parse(r.stdout);
      assert.equal(recs.length, 8);
      for (const rec of recs) {
        for (const k of INSPECT_FIELDS) assert.ok(k in rec, `${rec.file} lacks ${k}`);
        assert.ok(rec.file.startsWith(source));
        assert.ok(typeof rec.asset_class === "string");
      }
      const wrong = recs.find((x: { file: string }) => x.file.includes("XAUUSD+_H1"));
      assert.equal(wrong.findings[0].code, "timeframe_mismatch");
      assert.equal(wrong.asset_class, "metals");
      const junk = recs.find((x: { file: string }) => x.file.includes("JUNK"));
      assert.equal(junk.format, null);
      assert.equal(junk.severity, "CRITICAL");
      await unchanged("data:validate");
    },
  );

  await t.step("data:validate on the clean sample exits 0 and prints a table", async () => {
    const r = await runTaskFile("data_validate.ts", ["--source", "data/sample"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /6 files: 0 critical/);
    const missing = await runTaskFile("data_validate.ts", ["--source", `${tmp}/nowhere`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such folder/);
  });

  await t.step(
    "prepare --json: manifest on stdout, progress lines on stderr, exit 1 when a file failed",
    async () => {
      const out = `${tmp}/prepared`;
      const r = await runTaskFile("prepare.ts", [
        "--source",
        source,
        "--out",
        out,
        "--test-ratio",
        "0.25",
        "--json",
      ]);
      assert.equal(r.code, 1, r.stderr);
      const m = JSON.parse(r.stdout);
      assert.equal(m.test_ratio, 0.25);
      assert.equal(m.totals.files, 8);
      assert.equal(m.totals.failed, 1);
      assert.match(r.stderr, /\[8\/8\] /);
      const again = await runTaskFile("prepare.ts", [
        "--source",
        source,
        "--out",
        out,
        "--test-ratio",
        "0.25",
        "--json",
      ]);
      assert.equal(JSON.parse(again.stdout).totals.skipped, 7);
      const inside = await runTaskFile("prepare.ts", ["--source", source, "--out", `${source}/prepared`]);
      assert.equal(inside.code, 2);
      assert.match(inside.stderr, /Refusing to write/);
      const ratio = await runTaskFile("prepare.ts", [
        "--source",
        source,
        "--out",
        out,
        "--test-ratio",
        "abc",
      ]);
      assert.equal(ratio.code, 2);
      await unchanged("prepare");
    },
  );
  await t.step(
    "demo: inspect, validate and prepare the source into --out, then later steps; summary.json; exit 0",
    async () => {
      const out = `${tmp}/demo`;
      const sample = await treeFingerprint("data/sample");
      const r = await runTaskFile("demo.ts", ["--source", "data/sample", "--out", out, "--json"]);
      assert.deepEqual(await treeFingerprint("data/sample"), sample, "data/sample changed after the demo");
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout);
      // The data steps come first (later issues append their own steps).
      assert.deepEqual(s.steps.map((x: { step: string }) => x.step).slice(0, 3), [
        "inspect",
        "validate",
        "prepare",
      ]);
      for (const step of s.steps) assert.equal(step.ok, true, step.step);
      assert.equal(s.validate.files, 6);
      assert.equal(s.prepare.totals.prepared, 6);
      assert.deepEqual(JSON.parse(await Deno.readTextFile(`${out}/summary.json`)).steps, s.steps);
      assert.ok((await Deno.stat(`${out}/prepared/manifest.json`)).isFile);
    },
  );
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("tasks: --date-order settles dates no row settles (data:inspect, data:validate, prepare, backtest); null rows are a finding in data:inspect", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_date_order_" });
  const source = `${tmp}/src`;
  await Deno.mkdir(source);
  // Monthly bars on the 1st: no day above 12, so day-first and month-first both fit.
  const rows = ["Fecha,Apertura,Alto,Bajo,Cierre"];
  for (let m = 1; m <= 12; m++) rows.push(`01/${String(m).padStart(2, "0")}/2024,1.1,1.2,1.0,1.15`);
  const amb = `${source}/XYZ_MN1.csv`;
  await Deno.writeTextFile(amb, rows.join("\n") + "\n");
  const refused = await runTaskFile("data_inspect.ts", [amb]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /ambiguous.*--date-order dmy or --date-order mdy/s);
  assert.match(refused.stderr, /Spanish/);
  const dmy = await runTaskFile("data_inspect.ts", [amb, "--json", "--date-order", "dmy"]);
  assert.equal(dmy.code, 0, dmy.stderr);
  const rec = JSON.parse(dmy.stdout);
  assert.equal(rec.first_time, "2024-01-01T00:00:00");
  assert.equal(rec.last_time, "2024-12-01T00:00:00");
  assert.match(
    rec.findings.find((f: { code: string }) => f.code === "read_decisions").message,
    /day-first as told/,
  );
  const mdy = JSON.parse(
    (await runTaskFile("data_inspect.ts", [amb, "--json", "--date-order", "mdy"])).stdout,
  );
  assert.equal(mdy.last_time, "2024-01-12T00:00:00");
  const bad = await runTaskFile("data_inspect.ts", [amb, "--date-order", "ymd"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--date-order "ymd": expected dmy/);
  // data:validate: refused (CRITICAL, exit 1) without the order, read with it.
  const v0 = await runTaskFile("data_validate.ts", ["--source", source, "--json"]);
  assert.equal(v0.code, 1);
  assert.equal(JSON.parse(v0.stdout)[0].findings[0].code, "ambiguous_date");
  const v1 = await runTaskFile("data_validate.ts", ["--source", source, "--json", "--date-order", "dmy"]);
  assert.equal(v1.code, 0, v1.stderr);
  assert.equal(JSON.parse(v1.stdout)[0].rows, 12);
  // prepare with the order prepares the file.
  const p = await runTaskFile("prepare.ts", [
    "--source",
    source,
    "--out",
    `${tmp}/out`,
    "--json",
    "--date-order",
    "dmy",
  ]);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(JSON.parse(p.stdout).files[0].rows, 12);
  // backtest: the same refusal (exit 2) without the order, a run with it.
  const b0 = await runTaskFile("backtest.ts", ["--data", amb, "--strategy", "sma_cross", "--json"]);
  assert.equal(b0.code, 2);
  assert.match(b0.stderr, /--date-order dmy or --date-order mdy/);
  const b1 = await runTaskFile("backtest.ts", [
    "--data",
    amb,
    "--strategy",
    "sma_cross",
    "--json",
    "--date-order",
    "dmy",
  ]);
  assert.equal(b1.code, 0, b1.stderr);
  // Yahoo null rows: data:inspect (the strict read) reads the file, exit 0, with the null_rows finding.
  const yahoo = `${tmp}/yahoo.csv`;
  await Deno.writeTextFile(
    yahoo,
    "Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,1.2,0.9,1.1,1.1,5\n2024-01-03,null,null,null,null,null,null\n2024-01-04,1,1.2,0.9,1.1,1.1,5\n",
  );
  const y = await runTaskFile("data_inspect.ts", [yahoo, "--json"]);
  assert.equal(y.code, 0, y.stderr);
  const yr = JSON.parse(y.stdout);
  assert.equal(yr.rows, 2);
  const n = yr.findings.find((f: { code: string }) => f.code === "null_rows");
  assert.ok(n && n.count === 1 && n.line === 3 && n.severity === "LOW", JSON.stringify(n));
  await Deno.remove(tmp, { recursive: true });
});
