// The time zone of a data file (ReadOptions.tz): MT5 exports are in the trade server's clock and
// stay as written by default; told the zone, every bar time becomes UTC.
import assert from "node:assert/strict";
import { parseTz, readBars, toArrays, toUtcMs } from "../../lib/data/mod.ts";

const SAMPLE = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

Deno.test("parseTz accepts server, UTC, fixed offsets and ny_close, and names the forms otherwise", () => {
  assert.deepEqual(parseTz(undefined), { kind: "server" });
  assert.deepEqual(parseTz("UTC"), { kind: "fixed", offsetMs: 0 });
  assert.deepEqual(parseTz("+02:00"), { kind: "fixed", offsetMs: 7_200_000 });
  assert.deepEqual(parseTz("UTC-5"), { kind: "fixed", offsetMs: -18_000_000 });
  assert.deepEqual(parseTz("GMT+5:30"), { kind: "fixed", offsetMs: 19_800_000 });
  assert.deepEqual(parseTz("ny_close"), { kind: "ny_close" });
  assert.throws(() => parseTz("Europe/Athens"), /unknown time zone "Europe\/Athens": use server/);
  assert.throws(() => parseTz("+25:00"), /unknown time zone/);
});

Deno.test("a New York close clock is GMT+2 in winter, GMT+3 in summer", () => {
  const tz = parseTz("ny_close");
  assert.equal(toUtcMs(Date.UTC(2024, 0, 15, 12), tz), Date.UTC(2024, 0, 15, 10));
  assert.equal(toUtcMs(Date.UTC(2024, 6, 15, 12), tz), Date.UTC(2024, 6, 15, 9));
  assert.equal(toUtcMs(Date.UTC(2024, 2, 11, 0), tz), Date.UTC(2024, 2, 10, 21), "Monday after the switch");
  assert.equal(toUtcMs(Date.UTC(2024, 2, 8, 20), tz), Date.UTC(2024, 2, 8, 18), "Friday before it");
});

Deno.test("readBars keeps server times by default and converts to UTC when told the zone", async () => {
  const server = toArrays(await readBars(SAMPLE));
  const same = toArrays(await readBars(SAMPLE, { tz: "server" }));
  const utc = toArrays(await readBars(SAMPLE, { tz: "ny_close" }));
  assert.deepEqual([...same.time.subarray(0, 50)], [...server.time.subarray(0, 50)]);
  assert.equal(utc.length, server.length);
  assert.equal(server.time[0] - utc.time[0], 2 * 3_600_000, "January: GMT+2");
  const july = server.time.findIndex((t) => t >= Date.UTC(2024, 6, 1));
  assert.equal(server.time[july] - utc.time[july], 3 * 3_600_000, "July: GMT+3");
  for (let i = 1; i < utc.length; i++) assert.ok(utc.time[i] > utc.time[i - 1], "still increasing");
  assert.deepEqual([...utc.close.subarray(0, 20)], [...server.close.subarray(0, 20)], "prices untouched");
});
