import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { decodeToUtf8 } from "../../lib/data/_decode.ts";
import { parseRows } from "../../lib/data/_parse.ts";
import { sniffBytes } from "../../lib/data/sniff.ts";
import { referenceDataDir } from "../../lib/util/paths.ts";

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

Deno.test("the fast path and the general parser give identical columns", () => {
  const cases: Array<[string, Uint8Array | undefined, boolean]> = [
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
    [`${referenceDataDir()}/EURUSD.csv`, undefined, true],
    [`${referenceDataDir()}/GOOG.csv`, undefined, true],
  ];
  for (const [name, bytes, fastExpected] of cases) {
    if (!bytes && !existsSync(name)) {
      console.warn(`!!! SKIPPED ${name}: not present (reference data lives in ../shared/data/reference)`);
      continue;
    }
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
});
