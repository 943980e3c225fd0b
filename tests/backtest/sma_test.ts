/** SmaCross's moving averages: pandas' rolling-mean arithmetic, the fast paths identical to the general one. */
import assert from "node:assert/strict";
import { sma, smaPair } from "../../lib/strategies/sma_cross.ts";
import { readReferenceCsv } from "./_fixtures.ts";

const close = readReferenceCsv("EURUSD.csv").close;

Deno.test("sma: NaN warm-up, then the window mean (to 1e-12), exact on constant windows", () => {
  const s = sma(close, 30);
  for (let i = 0; i < 29; i++) assert.ok(Number.isNaN(s[i]));
  for (let i = 29; i < close.length; i += 97) {
    let sum = 0;
    for (let k = i - 29; k <= i; k++) sum += close[k];
    assert.ok(Math.abs(s[i] - sum / 30) <= 1e-12 * (sum / 30), `bar ${i}`);
  }
  const flat = new Float64Array(50).fill(1.1);
  flat.set([1.3, 1.2, 1.1], 0);
  const f = sma(flat, 10);
  for (let i = 12; i < 50; i++) assert.equal(f[i], 1.1); // exactly the constant, no rounding residue
});

Deno.test("smaPair and the positive-series fast path equal the general algorithm bit for bit", () => {
  const withNeg = new Float64Array(close.length + 1);
  withNeg.set(close);
  withNeg[close.length] = -1; // forces the general path (signs and NaN bookkeeping)
  for (const [a, b] of [[10, 30], [1, 2], [50, 7]]) {
    const [x, y] = smaPair(close, a, b);
    const gx = sma(withNeg, a), gy = sma(withNeg, b);
    for (let i = 0; i < close.length; i++) {
      assert.ok(Object.is(x[i], gx[i]) || (Number.isNaN(x[i]) && Number.isNaN(gx[i])), `fast ${a} at ${i}`);
      assert.ok(Object.is(y[i], gy[i]) || (Number.isNaN(y[i]) && Number.isNaN(gy[i])), `slow ${b} at ${i}`);
    }
    assert.deepEqual(Array.from(sma(close, a)), Array.from(x));
  }
});
