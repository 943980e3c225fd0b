import assert from "node:assert/strict";
import { isKinetraError, type KinetraError } from "../../lib/errors.ts";
import {
  inspectFile,
  inspectLoaded,
  loadBytes,
  readBars,
  toArrays,
  validateFile,
} from "../../lib/data/mod.ts";
import { mt5Time, sampleRows, sampleText, treeFingerprint, writeFixture } from "./_helpers.ts";

const dir = Deno.makeTempDirSync({ prefix: "kinetra_data_bad_" });
const HEADER = "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>";
const rows = sampleRows(20);
const tsv = (rs: string[][]) => [HEADER, ...rs.map((r) => r.join("\t"))].join("\r\n") + "\r\n";

/** Read a fixture expecting a KinetraError with `code`; returns it. Never a stack-trace error. */
async function expectCode(path: string, code: string): Promise<KinetraError> {
  try {
    await readBars(path);
  } catch (e) {
    assert.ok(isKinetraError(e), `${path}: expected a KinetraError, got ${e}`);
    assert.equal((e as KinetraError).code, code, (e as Error).message);
    assert.ok((e as Error).message.includes(path), "the message names the file");
    // The same failure is a CRITICAL finding through validateFile, not a throw. For a bad row the
    // validation reads on (counting such rows); other findings may follow, most severe first.
    const f = await validateFile(path);
    const same = f.find((x) => x.code === code);
    assert.ok(same, `${path}: validateFile has no ${code}: ${JSON.stringify(f)}`);
    assert.equal(same.severity, "CRITICAL");
    assert.equal(f[0].severity, "CRITICAL");
    return e as KinetraError;
  }
  throw new Error(`${path}: expected ${code}, but it was read`);
}

Deno.test("bad input: every case gets its clear error or a documented repair, and the folder is unchanged", async (t) => {
  // Fixtures are written first, then fingerprinted; every read below must leave them byte-identical.
  const f = {
    empty: writeFixture(dir, "empty.csv", ""),
    blank: writeFixture(dir, "blank.csv", "  \r\n\r\n \n"),
    headerOnly: writeFixture(dir, "header_only.csv", HEADER + "\r\n\r\n"),
    truncated: writeFixture(dir, "AUDUSD+_H4_trunc.csv", sampleText().slice(0, 1000 + 1234)),
    json: writeFixture(dir, "not_csv.json", '{\n  "symbol": "EURUSD",\n  "bars": [1, 2, 3]\n}\n'),
    html: writeFixture(dir, "page.html", "<!doctype html>\n<html><body><h1>Not data</h1></body></html>\n"),
    prose: writeFixture(dir, "prose.csv", "Hello, this is, a letter\nIt has, commas, everywhere\n"),
    wrongDelim: writeFixture(dir, "wrong_delim.csv", HEADER + "\n" + rows.map((r) => r.join(",")).join("\n")),
    decimalCommaSemicolon: writeFixture(
      dir,
      "dec_semicolon.csv",
      "Date;Time;Open;High;Low;Close;Volume\n" +
        rows.map((r) =>
          [r[0], r[1], ...[r[2], r[3], r[4], r[5]].map((c) => c.replace(".", ",")), r[6]].join(";")
        )
          .join("\n"),
    ),
    decimalCommaComma: writeFixture(
      dir,
      "dec_comma.csv",
      "Date,Open,High,Low,Close\n2024-01-02,1,105,1,107,1,101,1,106\n",
    ),
    quotedCells: writeFixture(
      dir,
      "quoted_cells.csv",
      '"Date","Time","Open","High","Low","Close","Volume"\n' +
        rows.map((r) => [r[0], r[1], r[2], r[3], r[4], r[5], r[6]].map((c) => `"${c}"`).join(",")).join("\n"),
    ),
    quotedLines: writeFixture(
      dir,
      "quoted_lines.csv",
      tsv(rows).split("\r\n").map((l) => (l ? `"${l}"` : l)).join("\r\n"),
    ),
    mixedDates: writeFixture(
      dir,
      "mixed_dates.csv",
      tsv(rows.map((r, i) => (i === 7 ? ["03/01/2024", ...r.slice(1)] : r))),
    ),
    nonNumeric: writeFixture(
      dir,
      "non_numeric.csv",
      tsv(rows.map((r, i) => (i === 4 ? [...r.slice(0, 5), "n/a", ...r.slice(6)] : r))),
    ),
    missingClose: writeFixture(
      dir,
      "missing_close.csv",
      "Date,Open,High,Low\n2024-01-02,1,2,0.5\n2024-01-03,1,2,0.5\n",
    ),
    extraCell: writeFixture(dir, "extra_cell.csv", tsv(rows.map((r, i) => (i === 9 ? [...r, "7"] : r)))),
    ambiguous: writeFixture(
      dir,
      "ambiguous.csv",
      "Date,Open,High,Low,Close\n01/02/2024,1,2,0.5,1\n02/03/2024,1,2,0.5,1\n",
    ),
    random: [1, 2, 3, 4, 5, 6, 7, 8].map((seed) =>
      writeFixture(dir, `random_${seed}.bin`, randomBytes(seed, 64 * seed))
    ),
    oneLine: writeFixture(dir, "one_line.csv", "1.1,".repeat(25_000)),
    randomText: [1, 2, 3].map((seed) => writeFixture(dir, `random_text_${seed}.csv`, randomText(seed, 400))),
  };
  const before = await treeFingerprint(dir);

  await t.step("empty and blank files → empty_file", async () => {
    await expectCode(f.empty, "empty_file");
    await expectCode(f.blank, "empty_file");
  });
  await t.step("header-only file → header_only", async () => {
    const e = await expectCode(f.headerOnly, "header_only");
    assert.match(e.message, /<DATE>/, "the message shows the header it saw");
  });
  await t.step("truncated file → the incomplete last line is dropped and reported", async () => {
    const bars = await readBars(f.truncated);
    const full = sampleText().slice(0, 2234).split("\r\n");
    const complete = full.slice(1, -1); // the last piece has no line end
    assert.equal(bars.frame.height, complete.length);
    const last = complete[complete.length - 1].split("\t");
    assert.equal(toArrays(bars).time[bars.frame.height - 1], mt5Time(last[0], last[1]));
    assert.ok(bars.meta.report!.repairs.some((r) => r.includes("truncated")));
    const findings = await validateFile(f.truncated);
    assert.ok(findings.some((x) => x.code === "truncated_file" && x.severity === "MEDIUM"));
  });
  await t.step(
    "not CSV at all (JSON, HTML, prose) → unrecognized_format or missing_column, showing the first line",
    async () => {
      const j = await expectCode(f.json, "unrecognized_format");
      assert.match(j.message, /First line: "\{"/);
      await expectCode(f.html, "unrecognized_format");
      const p = await expectCode(f.prose, "missing_column");
      assert.match(p.message, /Hello, this is, a letter/);
    },
  );
  await t.step(
    "a header split by another delimiter than the rows (tab header, comma rows) is read, the decision reported (issue 20)",
    async () => {
      const bars = await readBars(f.wrongDelim);
      assert.deepEqual(Array.from(toArrays(bars).close), rows.map((r) => Number(r[5])));
      assert.ok(
        bars.meta.report!.decisions!.some((d) => /header is split by tab, the rows by comma/.test(d)),
        JSON.stringify(bars.meta.report!.decisions),
      );
    },
  );
  await t.step(
    "decimal commas with a semicolon delimiter are read (a reported decision); with a comma delimiter → clear error",
    async () => {
      const bars = await readBars(f.decimalCommaSemicolon);
      assert.deepEqual(Array.from(toArrays(bars).close), rows.map((r) => Number(r[5])));
      assert.equal(bars.meta.report?.decimal, ",");
      assert.ok(bars.meta.report!.decisions!.some((r) => r.includes("decimal commas")));
      const e = await expectCode(f.decimalCommaComma, "column_count_mismatch");
      assert.match(e.message, /Decimal commas/);
    },
  );
  await t.step("quoted cells and quoted whole lines are read (the latter reported as a repair)", async () => {
    for (const p of [f.quotedCells, f.quotedLines]) {
      const a = toArrays(await readBars(p));
      assert.deepEqual(Array.from(a.time), rows.map((r) => mt5Time(r[0], r[1])), p);
      assert.deepEqual(Array.from(a.high), rows.map((r) => Number(r[3])), p);
    }
    const q = await readBars(f.quotedLines);
    assert.ok(q.meta.report!.repairs.some((r) => r.includes("double quotes")));
  });
  await t.step("mixed date formats → invalid_date with the line and the cell", async () => {
    const e = await expectCode(f.mixedDates, "invalid_date");
    assert.match(e.message, /line 9/);
    assert.match(e.message, /03\/01\/2024/);
  });
  await t.step("a non-numeric cell → non_numeric with line, column and value", async () => {
    const e = await expectCode(f.nonNumeric, "non_numeric");
    assert.match(e.message, /line 6, column <CLOSE>: "n\/a" is not a number/);
    // Validation skips the row, counts it and checks the other 19.
    const rec = await inspectFile(f.nonNumeric);
    assert.equal(rec.rows, 19);
    const nn = rec.findings.find((x) => x.code === "non_numeric")!;
    assert.equal(nn.count, 1);
    assert.deepEqual((nn.examples as Array<{ line: number }>).map((x) => x.line), [6]);
  });
  await t.step("a missing column → missing_column naming it", async () => {
    const e = await expectCode(f.missingClose, "missing_column");
    assert.match(e.message, /'close'/);
  });
  await t.step("a row with an extra cell → column_count_mismatch with its line", async () => {
    const e = await expectCode(f.extraCell, "column_count_mismatch");
    assert.match(e.message, /line 11 has 10 cells/);
  });
  await t.step("ambiguous day/month → ambiguous_date naming --date-order; settled by dateOrder", async () => {
    const e = await expectCode(f.ambiguous, "ambiguous_date");
    assert.match(e.message, /--date-order dmy or --date-order mdy/);
    const a = toArrays(await readBars(f.ambiguous, { dateOrder: "dmy" }));
    assert.deepEqual(Array.from(a.time), [Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 2)]);
    const b = toArrays(await readBars(f.ambiguous, { dateOrder: "mdy" }));
    // The older spelling still works.
    assert.deepEqual(toArrays(await readBars(f.ambiguous, { dayFirst: true })).time, a.time);
    assert.deepEqual(Array.from(b.time), [Date.UTC(2024, 0, 2), Date.UTC(2024, 1, 3)]);
  });
  await t.step("random bytes and random text → a KinetraError, never a crash", async () => {
    for (const p of [...f.random, ...f.randomText]) {
      try {
        await readBars(p);
        assert.fail(`${p} was read as bars`);
      } catch (e) {
        assert.ok(isKinetraError(e), `${p}: ${e}`);
      }
    }
  });
  await t.step("a 100 KiB single line → unrecognized_format (not 'empty')", async () => {
    const e = await expectCode(f.oneLine, "unrecognized_format");
    assert.match(e.message, /no line break/);
  });
  await t.step("missing path → file_not_found; a folder → not_a_file", async () => {
    await expectCode(`${dir}/nope.csv`, "file_not_found");
    await assert.rejects(
      readBars(dir),
      (e) => isKinetraError(e) && (e as KinetraError).code === "not_a_file",
    );
  });

  assert.deepEqual(
    await treeFingerprint(dir),
    before,
    "the fixtures folder is byte-identical after every read",
  );
});

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(seed: number, n: number): Uint8Array {
  let x = seed * 2654435761 >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Printable garbage with delimiters and line breaks. */
function randomText(seed: number, n: number): string {
  const alphabet = 'abcXYZ0123456789.,;\t:-/ \n"';
  return Array.from(randomBytes(seed + 100, n), (b) => alphabet[b % alphabet.length]).join("");
}

Deno.test("mutated real exports (1,500 seeded random edits) are read or refused with a KinetraError, never a crash", () => {
  const base = new TextEncoder().encode(tsv(rows));
  const alphabet = new TextEncoder().encode('0123456789.,;:\t\r\n -/"TZ+eE<>abc\u0000');
  let x = 12345;
  const rnd = (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
  const outcomes: Record<string, number> = {};
  for (let it = 0; it < 1500; it++) {
    const b = Array.from(base);
    for (let k = 1 + rnd(4); k > 0; k--) {
      const op = rnd(3), pos = rnd(b.length + 1);
      if (op === 0) b.splice(pos, 1 + rnd(5));
      else if (op === 1) b.splice(pos, 0, alphabet[rnd(alphabet.length)]);
      else b[pos] = alphabet[rnd(alphabet.length)];
    }
    try {
      const loaded = loadBytes("mutated.csv", Uint8Array.from(b), { timeframe: "M1" });
      const rec = inspectLoaded(loaded);
      assert.ok(rec.rows > 0);
      outcomes.read = (outcomes.read ?? 0) + 1;
    } catch (e) {
      assert.ok(isKinetraError(e), `edit ${it}: ${e}`);
      outcomes[(e as KinetraError).code] = ((outcomes[(e as KinetraError).code]) ?? 0) + 1;
    }
  }
  // Both outcomes occur: some edits are harmless (a digit changed), most break the file.
  assert.ok((outcomes.read ?? 0) > 0 && Object.keys(outcomes).length > 3, JSON.stringify(outcomes));
});
