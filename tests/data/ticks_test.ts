import assert from "node:assert/strict";
import { isKinetraError, type KinetraError } from "../../lib/errors.ts";
import { inspectFile, readBars, readTicks, resampleTicks, toArrays } from "../../lib/data/mod.ts";
import { writeFixture } from "./_helpers.ts";

// An MT5 tick export: unchanged sides are left empty, times carry milliseconds.
const TICKS = [
  "<DATE>\t<TIME>\t<BID>\t<ASK>\t<LAST>\t<VOLUME>\t<FLAGS>",
  "2024.01.02\t00:00:00.120\t1.10450\t1.10460\t\t\t6",
  "2024.01.02\t00:00:10.500\t1.10455\t\t\t\t2",
  "2024.01.02\t00:00:59.999\t\t1.10490\t\t\t4",
  "2024.01.02\t00:01:00.000\t1.10400\t1.10405\t\t\t6",
  "2024.01.02\t00:01:30.250\t1.10420\t1.10440\t\t\t6",
  "2024.01.02\t00:03:05.000\t1.10500\t1.10520\t\t\t6",
].join("\r\n") + "\r\n";

Deno.test("MT5 tick export: read as ticks with sides forward-filled", async () => {
  const dir = await Deno.makeTempDir();
  const p = writeFixture(dir, "EURUSD_ticks.csv", TICKS);
  const t = await readTicks(p);
  assert.equal(t.length, 6);
  assert.equal(t.time[0], Date.UTC(2024, 0, 2, 0, 0, 0, 120));
  assert.equal(t.time[2], Date.UTC(2024, 0, 2, 0, 0, 59, 999));
  assert.deepEqual(Array.from(t.bid), [1.1045, 1.10455, 1.10455, 1.104, 1.1042, 1.105]);
  assert.deepEqual(Array.from(t.ask), [1.1046, 1.1046, 1.1049, 1.10405, 1.1044, 1.1052]);
  assert.equal(t.digits, 5);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ticks resample to bid bars on request; without a timeframe readBars explains", async () => {
  const dir = await Deno.makeTempDir();
  const p = writeFixture(dir, "EURUSD_ticks.csv", TICKS);
  await assert.rejects(
    readBars(p),
    (e) => isKinetraError(e) && (e as KinetraError).code === "ticks_need_timeframe",
  );
  const bars = await readBars(p, { timeframe: "M1" });
  const a = toArrays(bars);
  const m = (min: number) => Date.UTC(2024, 0, 2, 0, min);
  assert.deepEqual(Array.from(a.time), [m(0), m(1), m(3)]);
  assert.deepEqual(Array.from(a.open), [1.1045, 1.104, 1.105]);
  assert.deepEqual(Array.from(a.high), [1.10455, 1.1042, 1.105]);
  assert.deepEqual(Array.from(a.low), [1.1045, 1.104, 1.105]);
  assert.deepEqual(Array.from(a.close), [1.10455, 1.1042, 1.105]);
  assert.deepEqual(Array.from(a.tickVolume), [3, 2, 1]);
  // Smallest ask−bid in points (1 point = 0.00001): bar 0 has spreads 10, 5, 35; bar 1 has 5, 20.
  assert.deepEqual(Array.from(a.spread!), [5, 5, 20]);
  assert.equal(bars.meta.format, "mt5_ticks");
  const m5 = resampleTicks(await readTicks(p), "M5");
  assert.equal(m5.length, 1);
  assert.equal(m5.high[0], 1.105);
  assert.equal(m5.tickVolume[0], 6);
  const rec = await inspectFile(p);
  assert.equal(rec.format, "mt5_ticks");
  assert.equal(rec.rows, 6);
  assert.equal(rec.first_time, "2024-01-02T00:00:00.120");
  await Deno.remove(dir, { recursive: true });
});
