import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { decodeToUtf8 } from "../../lib/data/_decode.ts";
import { parseRows } from "../../lib/data/_parse.ts";
import { sniffBytes } from "../../lib/data/sniff.ts";
import { referenceDataDir } from "../../lib/util/paths.ts";
import { ignoreWithout, requirePrerequisite } from "../_prerequisite.ts";

/** Parse a file with the fast path allowed and with the general parser only. */
function bothPaths(path: string, bytes?: Uint8Array) {
  const dec = decodeToUtf8(bytes ?? Deno.readFileSync(path), path);
  const fast = parseRows(dec.bytes, sniffBytes(dec.bytes, path), path, undefined, true);
  const general = parseRows(dec.bytes, sniffBytes(dec.bytes, path), path, undefined, false);
  return { fast, general };
}

const TICKS = [
  "<DATE>\t<TIME>\t<BID>\t<ASK>\t<LAST>\t<VOLUME>\t<FLAGS>",
  "2024.01.02\t00:00:00.120\t1.10450\t1.10460\t\t\t6",
  "2024.01.02\t00:00:10.005\t1.10455\t\t\t\t2",
  "2024.01.02\t00:00:59.999\t\t1.10490\t1.10470\t3\t4",
].join("\r\n") + "\r\n";

/** Compare both parsers on each case (a path, or bytes under a name); `fastExpected` says whether the fast path applies. */
function sameOnBothPaths(cases: Array<[string, Uint8Array | undefined, boolean]>): void {
  for (const [name, bytes, fastExpected] of cases) {
    const { fast, general } = bothPaths(name, bytes);
    assert.equal(fast.fastPath, fastExpected, `${name}: fast path taken`);
    assert.equal(general.fastPath, false);
    assert.equal(fast.length, general.length, name);
    assert.deepEqual(Array.from(fast.time), Array.from(general.time), name);
    assert.deepEqual(Object.keys(fast.cols).sort(), Object.keys(general.cols).sort(), name);
    for (const k of Object.keys(general.cols) as Array<keyof typeof general.cols>) {
      // NaN-aware comparison (empty tick cells are NaN in both).
      assert.deepEqual(Array.from(fast.cols[k]!), Array.from(general.cols[k]!), `${name} ${k}`);
    }
  }
}

Deno.test("the fast path and the general parser give identical columns", () => {
  sameOnBothPaths([
    ["data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv", undefined, true],
    ["data/sample/crypto/BTCUSD_H4_202401020000_202512282000.csv", undefined, true],
    ["ticks.csv", new TextEncoder().encode(TICKS), true],
    [
      "iso.csv",
      new TextEncoder().encode(
        "Date,Open,High,Low,Close,Volume\n2024-01-02 10:00:00,1.5,2,0.25,1e0,0\n2024-01-02 11:00:00,0.125,2,1,1,7\n",
      ),
      false, // the exponent sends it to the general parser
    ],
  ]);
});

const REFERENCE = [`${referenceDataDir()}/EURUSD.csv`, `${referenceDataDir()}/GOOG.csv`];
const REFERENCE_WHAT = `backtesting.py's reference data (${REFERENCE.join(", ")})`;
const HAVE_REFERENCE = REFERENCE.every((p) => existsSync(p));

Deno.test({
  name: "the fast path and the general parser give identical columns on the reference files",
  ignore: ignoreWithout(HAVE_REFERENCE, REFERENCE_WHAT),
}, () => {
  requirePrerequisite(HAVE_REFERENCE, REFERENCE_WHAT);
  sameOnBothPaths(REFERENCE.map((p) => [p, undefined, true]));
});

/** Parse MT5-style bar text on both paths. */
function bothText(text: string) {
  return bothPaths("bars.csv", new TextEncoder().encode(text));
}

const HEAD = "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\r\n";

Deno.test("fast path: long numbers, a last line without line end and numbers at the end of the file", () => {
  const cases = [
    // More than 9 digits (integer part, fraction, both): parsed again in doubles, same values.
    HEAD +
    "2024.01.02\t00:00:00\t1234567890.5\t1234567891\t0.1234567891\t1.0000000001\t98765432101\t0\t3\r\n",
    HEAD +
    "2024.01.02\t00:00:00\t123456789.123\t123456790\t123456788.5\t123456789\t999999999\t1000000000\t12\r\n",
    // The last line ends without CR/LF, with a CR only, and with a trailing '.'.
    HEAD +
    "2024.01.02\t00:00:00\t1.5\t2\t1\t1.25\t10\t0\t3\r\n2024.01.02\t01:00:00\t1.5\t2\t1\t1.25\t10\t0\t3",
    HEAD + "2024.01.02\t00:00:00\t1.5\t2\t1\t1.25\t10\t0\t3\r",
    HEAD + "2024.01.02\t00:00:00\t1.5\t2\t1\t1.25\t10\t0\t3.",
    // Nine digits exactly, before and after the decimal point.
    HEAD + "2024.01.02\t00:00:00\t123456789\t123456789.0\t0.123456789\t.123456789\t123456789\t0\t0\n",
  ];
  for (const text of cases) {
    const { fast, general } = bothText(text);
    assert.equal(fast.fastPath, true, text);
    assert.equal(fast.length, general.length, text);
    assert.deepEqual(Array.from(fast.time), Array.from(general.time), text);
    for (const k of Object.keys(general.cols) as Array<keyof typeof general.cols>) {
      assert.deepEqual(Array.from(fast.cols[k]!), Array.from(general.cols[k]!), `${text} ${k}`);
    }
  }
  const { fast } = bothText(cases[0]);
  assert.deepEqual(
    [
      fast.cols.open![0],
      fast.cols.high![0],
      fast.cols.low![0],
      fast.cols.close![0],
      fast.cols.tick_volume![0],
    ],
    [1234567890.5, 1234567891, 0.1234567891, 1.0000000001, 98765432101],
  );
  // Sixteen significant digits cannot be read exactly by the fast path: the general parser does.
  const long = bothText(HEAD + "2024.01.02\t00:00:00\t1.234567890123456\t2\t1\t1.5\t1\t0\t0\n");
  assert.equal(long.fast.fastPath, false);
  assert.equal(long.fast.cols.open![0], 1.234567890123456);
});

Deno.test("fast path: a lone '.' or '-' in a cell that may be empty is not an empty cell", () => {
  // <VOL> and <SPREAD> may be empty (NaN, read as 0); '.', '-.' are not numbers in either, and '-'
  // is a volume of none (investing.com's "Vol.") but not a spread. Both paths say the same.
  const cases: Array<[string, string]> = [[".", "3"], ["-.", "3"], ["0", "."], ["0", "-"], ["0", "-."]];
  for (const [vol, spread] of cases) {
    const text = HEAD + `2024.01.02\t00:00:00\t1.5\t2\t1\t1.25\t10\t${vol}\t${spread}\r\n`;
    const dec = decodeToUtf8(new TextEncoder().encode(text), "bars.csv");
    for (const allowFast of [true, false]) {
      assert.throws(
        () => parseRows(dec.bytes, sniffBytes(dec.bytes, "bars.csv"), "bars.csv", undefined, allowFast),
        (e: Error & { code?: string }) => e.code === "non_numeric",
        `${vol} ${spread} fast=${allowFast}`,
      );
    }
  }
  const dash = bothText(HEAD + "2024.01.02\t00:00:00\t1.5\t2\t1\t1.25\t10\t-\t3\r\n");
  assert.equal(dash.fast.fastPath, false);
  assert.equal(dash.fast.cols.volume![0], 0);
});
