import assert from "node:assert/strict";
import { parseFileName } from "../../lib/data/mod.ts";

Deno.test("parseFileName splits SYMBOL_TF_START_END, keeping + and - in symbols", () => {
  const a = parseFileName("data/master/forex/GBPUSD+_M15_202401020000_202512262345.csv");
  assert.deepEqual(a, {
    symbol: "GBPUSD+",
    timeframe: "M15",
    start: Date.UTC(2024, 0, 2, 0, 0),
    end: Date.UTC(2025, 11, 26, 23, 45),
    matched: true,
  });
  const b = parseFileName("COPPER-C_H1_202401020100_202512300900.csv");
  assert.equal(b.symbol, "COPPER-C");
  assert.equal(b.start, Date.UTC(2024, 0, 2, 1, 0));
});

Deno.test("parseFileName accepts 14-digit stamps and Windows paths", () => {
  const a = parseFileName("C:\\exports\\EURUSD_D1_20240102000000_20241231000000.csv");
  assert.equal(a.symbol, "EURUSD");
  assert.equal(a.timeframe, "D1");
  assert.equal(a.end, Date.UTC(2024, 11, 31));
  assert.ok(a.matched);
});

Deno.test("parseFileName reports names that do not follow the pattern", () => {
  const g = parseFileName("GOOG.csv");
  assert.deepEqual(g, { symbol: "GOOG", timeframe: null, start: null, end: null, matched: false });
  const h = parseFileName("EURUSD_H1.csv");
  assert.equal(h.symbol, "EURUSD");
  assert.equal(h.timeframe, "H1");
  assert.equal(h.matched, false);
  // An impossible stamp (month 13) is not a match.
  assert.equal(parseFileName("X_H1_202413010000_202412010000.csv").matched, false);
});
