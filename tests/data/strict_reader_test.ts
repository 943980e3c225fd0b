/**
 * Regression tests for issue 15 items 1–6: the reader is strict (every cell matches its layout or
 * the row is quarantined with its line number), never sums a date-time cell with a <TIME> cell,
 * decodes the header without moving the data boundary, and treats non-finite and non-positive
 * prices as CRITICAL everywhere. Each case is built from the real sample export; expected values
 * come from the untouched text through an independent oracle (`mt5Time`).
 */
import assert from "node:assert/strict";
import { loadBytes, readBars } from "../../lib/data/read_bars.ts";
import { readBarsChecked } from "../../lib/data/guard.ts";
import { validateLoaded } from "../../lib/data/validate.ts";
import { isKinetraError } from "../../lib/errors.ts";
import { loadReplayBars } from "../../lib/live/prepared.ts";
import { mt5Time, runTaskFile, SAMPLE_FILE, sampleText } from "./_helpers.ts";

const NAME = "AUDUSD+_H4_202401020000_202512300800.csv";
const enc = new TextEncoder();

/** The sample's lines (CRLF split; the last element is the empty string after the final CRLF). */
function lines(): string[] {
  return sampleText().split("\r\n");
}

/** Times of every data line of the untouched sample (oracle). */
function sampleTimes(): number[] {
  return lines().slice(1).filter((l) => l !== "").map((l) => {
    const c = l.split("\t");
    return mt5Time(c[0], c[1]);
  });
}

/** Load (lenient, as data:validate does) a byte image under the sample's name. */
function lenient(bytes: Uint8Array) {
  return loadBytes(NAME, bytes, { lenient: true, timeframe: "M1" });
}

/** The sample with line `k` (1-based file line) replaced. */
function withLine(k: number, text: string): string[] {
  const ls = lines();
  ls[k - 1] = text;
  return ls;
}

function cells(k: number): string[] {
  return lines()[k - 1].split("\t");
}

Deno.test("item 1: a date or time cell with any stray byte is quarantined with its line number, never read as another time", () => {
  const ls = lines();
  const bad: Array<[number, (c: string[]) => void]> = [
    [10, (c) => (c[1] = "0x:00:00")],
    [20, (c) => (c[0] = c[0].slice(0, 8) + "1x")],
    [30, (c) => (c[0] = c[0].slice(0, 9) + ":")],
    [40, (c) => (c[1] = "0\u00b8:00:00")],
    [50, (c) => (c[1] = "04:00:00Z")],
    [60, (c) => (c[0] = c[0] + " ")], // trailing space: allowed (cells are trimmed), not an error
  ];
  for (const [k, f] of bad) {
    const c = ls[k - 1].split("\t");
    f(c);
    ls[k - 1] = c.join("\t");
  }
  // Line 30's date ends in ':' — the old reader read "2024.01.0:" as the 10th and kept the bar.
  const bytes = enc.encode(ls.join("\r\n"));
  const loaded = lenient(bytes);
  const issues = loaded.rowIssues!;
  assert.deepEqual(issues.lines?.invalid_date, [10, 20, 30, 40, 50]);
  assert.equal(issues.counts.invalid_date, 5);
  const all = sampleTimes();
  const expected = all.filter((_, i) => ![10, 20, 30, 40, 50].includes(i + 2));
  assert.deepEqual(Array.from(loaded.arrays!.time), expected);
  const f = validateLoaded(loaded).find((x) => x.code === "invalid_date")!;
  assert.equal(f.count, 5);
  // 5 of 3,105 rows (0.16 %): HIGH by share, not CRITICAL.
  assert.equal(f.severity, "HIGH");
  assert.match(String(f.message), /lines 10, 20, 30, 40, 50/);
  // The damaged byte is named, not hidden behind a bare "invalid date".
  const one = cells(40);
  one[1] = "0\u00b8:00:00";
  assert.throws(
    () => loadBytes(NAME, enc.encode(withLine(40, one.join("\t")).join("\r\n"))),
    (e) => isKinetraError(e) && e.code === "invalid_date" && /line 40:.*0xc2, 0xb8/.test(e.message),
  );
  // Strict reading stops at the first one with its line number.
  assert.throws(() => loadBytes(NAME, bytes), (e) => isKinetraError(e) && /line 10:/.test(e.message));
});

Deno.test("item 1: a single bit flip in a date digit on a repeated day is caught (the day cache is never trusted)", () => {
  // Find a line dated the 10th whose previous line has the same date, and write its day as "0:"
  // (':' is 10 past '0'): the old fast path took the cached day 10 without checking the bytes.
  const ls = lines();
  const k =
    ls.findIndex((l, i) => i > 1 && l.startsWith("2024.01.10") && ls[i - 1].startsWith("2024.01.10")) + 1;
  assert.ok(k > 2);
  const c = cells(k);
  c[0] = "2024.01.0:";
  const loaded = lenient(enc.encode(withLine(k, c.join("\t")).join("\r\n")));
  assert.deepEqual(loaded.rowIssues!.lines?.invalid_date, [k]);
  assert.equal(loaded.arrays!.length, sampleTimes().length - 1);
});

Deno.test("item 2: a date cell holding a time next to a <TIME> column is never summed", () => {
  const c = cells(7);
  const want = mt5Time(c[0], c[1]);
  c[0] = `${c[0]}T12:00:00`;
  const loaded = lenient(enc.encode(withLine(7, c.join("\t")).join("\r\n")));
  assert.deepEqual(loaded.rowIssues!.lines?.invalid_date, [7]);
  const t = Array.from(loaded.arrays!.time);
  // The bar at date + 12:00 + time keeps its own close (the old reader overwrote it with line 7's).
  const all = sampleTimes();
  const j = all.indexOf(want + 12 * 3_600_000);
  if (j >= 0) assert.equal(loaded.arrays!.close[t.indexOf(all[j])], Number(lines()[j + 1].split("\t")[5]));
  assert.ok(!t.includes(want), "the damaged row is not read at all");
  assert.equal(t.length, all.length - 1);
  // A whole file like that is refused with a reason.
  const ls = lines().map((l, i) => {
    if (i === 0 || l === "") return l;
    const x = l.split("\t");
    x[0] = `${x[0]}T${x[1]}`;
    return x.join("\t");
  });
  assert.throws(
    () => loadBytes(NAME, enc.encode(ls.join("\r\n")), { lenient: true }),
    (e) => isKinetraError(e) && e.code === "ambiguous_time" && /never adds/.test(e.message),
  );
});

Deno.test("item 3: invalid UTF-8 in the header never moves where data starts", () => {
  const raw = Deno.readFileSync(SAMPLE_FILE);
  const text = sampleText();
  const at = text.indexOf("<SPREAD>") + 4;
  // 31 latin-1 bytes (é) inside <SPREAD>: each is one invalid byte in UTF-8.
  const bad = new Uint8Array(raw.length + 31);
  bad.set(raw.subarray(0, at), 0);
  bad.fill(0xe9, at, at + 31);
  bad.set(raw.subarray(at), at + 31);
  const loaded = lenient(bad);
  const all = sampleTimes();
  assert.equal(loaded.arrays!.length, all.length);
  assert.equal(loaded.arrays!.time[0], all[0]);
  assert.equal(loaded.arrays!.close[0], Number(cells(2)[5]));
  const f = validateLoaded(loaded);
  assert.ok(f.some((x) => x.code === "header_damaged" && x.severity === "HIGH"), JSON.stringify(f));
  assert.ok(!f.some((x) => x.code === "invalid_date"));
});

Deno.test("item 4: non-finite and non-positive prices are CRITICAL for their row in the reader, validation and the gate", async () => {
  for (
    const [value, code] of [["1e999", "non_finite_price"], ["0", "non_positive_price"], [
      "-1.5",
      "non_positive_price",
    ]]
  ) {
    const c = cells(12);
    c[2] =
      c[3] =
      c[4] =
      c[5] =
        value;
    const loaded = lenient(enc.encode(withLine(12, c.join("\t")).join("\r\n")));
    assert.deepEqual(loaded.rowIssues!.lines?.[code], [12], value);
    assert.ok(Array.from(loaded.arrays!.close).every((x) => Number.isFinite(x) && x > 0));
    const f = validateLoaded(loaded).find((x) => x.code === code)!;
    assert.equal(f.severity, "CRITICAL", value);
  }
  // The gate refuses such a file for every consumer (backtest, live replay, prepare) unless allowed.
  const dir = await Deno.makeTempDir({ prefix: "kinetra_strict_" });
  const c = cells(12);
  c[5] = "1e999";
  const path = `${dir}/${NAME}`;
  await Deno.writeTextFile(path, withLine(12, c.join("\t")).join("\r\n"));
  await assert.rejects(
    () => readBarsChecked(path),
    (e) => isKinetraError(e) && e.code === "critical_findings",
  );
  await assert.rejects(
    () => loadReplayBars(path),
    (e) => isKinetraError(e) && e.code === "critical_findings",
  );
  const ok = await readBarsChecked(path, { allowCritical: true });
  assert.equal(ok.bars.frame.height, sampleTimes().length - 1);
  const v = await runTaskFile("data_validate.ts", ["--source", dir]);
  assert.equal(v.code, 1, "data:validate exits 1 on a CRITICAL finding");
  // prepare refuses it (failed, critical_findings, nothing written) unless --allow-critical.
  const out = `${dir}_prepared`;
  const p1 = await runTaskFile("prepare.ts", ["--source", dir, "--out", out, "--json"]);
  assert.equal(p1.code, 1, p1.stderr);
  const e1 = JSON.parse(p1.stdout).files[0];
  assert.equal(e1.status, "failed");
  assert.equal(e1.error.code, "critical_findings");
  assert.match(e1.error.message, /non_finite_price.*--allow-critical/);
  assert.equal(e1.train_path, null);
  const p2 = await runTaskFile("prepare.ts", ["--source", dir, "--out", out, "--json", "--allow-critical"]);
  assert.equal(p2.code, 0, p2.stderr);
  const e2 = JSON.parse(p2.stdout).files[0];
  assert.equal(e2.status, "prepared");
  assert.equal(e2.rows, sampleTimes().length - 1, "the quarantined row stays out");
  assert.equal(e2.critical_allowed, true);
  // Without the flag again, the earlier outputs are not trusted: refused, not skipped.
  const p3 = await runTaskFile("prepare.ts", ["--source", dir, "--out", out, "--json"]);
  assert.equal(JSON.parse(p3.stdout).files[0].status, "failed");
  await Deno.remove(out, { recursive: true });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("item 5: backtest refuses a file with CRITICAL findings (a <TAME> header) unless --allow-critical, saying why", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kinetra_strict_" });
  const path = `${dir}/${NAME}`;
  await Deno.writeTextFile(path, sampleText().replace("<TIME>", "<TAME>"));
  const r = await runTaskFile("backtest.ts", ["--data", path, "--strategy", "sma_cross", "--json"]);
  assert.equal(r.code, 2, r.stderr);
  // The collapsed H4 bars (6 rows a day with one date) are conflicting duplicate times: CRITICAL.
  assert.match(r.stderr, /refused: .*CRITICAL.*duplicate_bars.*different prices.*--allow-critical/s);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const ok = await runTaskFile("backtest.ts", [
    "--data",
    path,
    "--strategy",
    "sma_cross",
    "--json",
    "--allow-critical",
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /warning: .*duplicate_bars \(CRITICAL\)/);
  assert.match(ok.stderr, /unknown_columns \(HIGH\).*<TAME>/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("item 6: repeated header lines and NUL rows are quarantined, NUL after 4 KiB is found, bad offsets refused, blank lines skipped", () => {
  const ls = lines();
  ls.splice(100, 0, ls[0]); // header again at line 101
  const nulLine = 9; // within the first 4 KiB
  ls[nulLine - 1] = ls[nulLine - 1].replace("\t", "\t\u0000");
  ls[2999] = ls[2999].replace("\t", "\u0000\t"); // far beyond 4 KiB
  ls.splice(50, 0, "   \t  "); // whitespace-only line at 51
  const loaded = lenient(enc.encode(ls.join("\r\n")));
  const iss = loaded.rowIssues!;
  assert.deepEqual(iss.lines?.repeated_header, [102]);
  assert.deepEqual(iss.lines?.nul_bytes, [nulLine, 3001]);
  assert.equal(iss.counts.column_count_mismatch, undefined, "the blank line is not a column-count error");
  assert.equal(loaded.arrays!.length, sampleTimes().length - 2);
  const f = validateLoaded(loaded);
  assert.equal(f.find((x) => x.code === "repeated_header")!.severity, "LOW");
  assert.equal(f.find((x) => x.code === "nul_bytes")!.count, 2);
  // A time-zone offset out of range is refused, a valid one applied.
  const iso = (tz: string) =>
    enc.encode(
      `Date,Open,High,Low,Close\n2024-01-02 10:00:00${tz},1,2,0.5,1.5\n2024-01-02 11:00:00${tz},1,2,0.5,1.5\n`,
    );
  const good = loadBytes("x.csv", iso("+02:00"));
  assert.equal(good.arrays!.time[0], Date.UTC(2024, 0, 2, 8));
  assert.throws(
    () => loadBytes("x.csv", iso("+25:99")),
    (e) => isKinetraError(e) && e.code === "invalid_date",
  );
  assert.throws(
    () => loadBytes("x.csv", iso("+14:30")),
    (e) => isKinetraError(e) && e.code === "invalid_date",
  );
});

Deno.test("strict readBars still reads the untouched sample exactly (fast path)", async () => {
  const b = await readBars(SAMPLE_FILE);
  assert.deepEqual(Array.from(b.arrays?.time ?? []), sampleTimes());
});

Deno.test("item 5: backtest:batch refuses a file with CRITICAL findings per file unless --allow-critical (inline and in workers)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kinetra_strict_batch_" });
  const src = `${dir}/src`;
  await Deno.mkdir(`${src}/forex`, { recursive: true });
  const c = cells(12);
  c[5] = "1e999";
  await Deno.writeTextFile(`${src}/forex/${NAME}`, withLine(12, c.join("\t")).join("\r\n"));
  for (const workers of ["0", "1"]) {
    const base = ["--source", src, "--strategies", "sma_cross", "--workers", workers, "--json"];
    const r = await runTaskFile("backtest_batch.ts", [...base, "--out", `${dir}/runs_${workers}`]);
    const j = JSON.parse(r.stdout);
    assert.equal(j.results[0].error?.code, "critical_findings", r.stdout.slice(0, 400));
    assert.match(j.results[0].error.message, /non_finite_price.*--allow-critical/);
    const ok = await runTaskFile("backtest_batch.ts", [
      ...base,
      "--out",
      `${dir}/ok_${workers}`,
      "--allow-critical",
    ]);
    const k = JSON.parse(ok.stdout);
    assert.equal(k.results[0].error, null, ok.stdout.slice(0, 400));
  }
  await Deno.remove(dir, { recursive: true });
});
