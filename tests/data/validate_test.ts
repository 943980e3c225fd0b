import assert from "node:assert/strict";
import {
  type BarArrays,
  detectTimeframe,
  findGaps,
  type Finding,
  loadFile,
  validateBars,
  validateFile,
} from "../../lib/data/mod.ts";
import { realDataDir } from "../../lib/util/paths.ts";
import { scanCatalogSync } from "../../lib/data/catalog.ts";
import { sampleRows, writeFixture } from "./_helpers.ts";

const H = 3_600_000;
const DAY = 24 * H;
const MONDAY = Date.UTC(2024, 0, 1); // 2024-01-01 is a Monday

/** Bars at the given times with a plausible price path. */
function bars(times: number[], price = (i: number) => 1 + i * 0.001): BarArrays {
  const n = times.length;
  const o = Float64Array.from({ length: n }, (_, i) => price(i));
  const c = Float64Array.from({ length: n }, (_, i) => price(i) + 0.0005);
  return {
    length: n,
    time: Float64Array.from(times),
    open: o,
    close: c,
    high: Float64Array.from(c, (x) => x + 0.001),
    low: Float64Array.from(o, (x) => x - 0.001),
    tickVolume: new Float64Array(n).fill(10),
    volume: new Float64Array(n),
    spread: new Float64Array(n).fill(2),
  };
}

/** Weekday hourly bars Mon..Fri for `weeks` weeks (no weekend bars), optionally skipping some hours daily. */
function weekdayHours(weeks: number, skipHour?: (h: number) => boolean): number[] {
  const out: number[] = [];
  for (let w = 0; w < weeks; w++) {
    for (let d = 0; d < 5; d++) {
      for (let h = 0; h < 24; h++) {
        if (skipHour?.(h)) continue;
        out.push(MONDAY + (w * 7 + d) * DAY + h * H);
      }
    }
  }
  return out;
}

/** The first `n` bytes of a file as text. */
function headText(path: string, n: number): string {
  const f = Deno.openSync(path);
  try {
    const buf = new Uint8Array(n);
    const got = f.readSync(buf) ?? 0;
    return new TextDecoder().decode(buf.subarray(0, got));
  } finally {
    f.close();
  }
}

const codes = (fs: Finding[]) => fs.map((f) => f.code);

Deno.test("clean weekday H1 bars: weekends and a recurring daily break are normal, no findings", () => {
  const t = weekdayHours(6, (h) => h === 0); // a daily 00:00–01:00 break, like the index CFDs
  const f = validateBars(bars(t), { timeframe: "H1", start: t[0], end: t[t.length - 1] });
  assert.deepEqual(f, []);
  const g = findGaps(Float64Array.from(t), H);
  assert.equal(g.weekendGaps, 5);
  assert.deepEqual(g.sessionBreaks, ["00:00+60min"]);
});

Deno.test("a missing day and a missing week are gaps; the week is MEDIUM", () => {
  const t = weekdayHours(6).filter((x) => !(x >= MONDAY + 2 * DAY && x < MONDAY + 3 * DAY)); // Wednesday of week 1
  const f1 = validateBars(bars(t), { timeframe: "H1" });
  assert.deepEqual(codes(f1), ["gaps"]);
  assert.equal(f1[0].severity, "LOW");
  assert.equal(f1[0].count, 1);
  assert.equal(f1[0].missing_bars, 24);
  const t2 = weekdayHours(6).filter((x) => !(x >= MONDAY + 14 * DAY && x < MONDAY + 21 * DAY)); // week 3
  const f2 = validateBars(bars(t2), { timeframe: "H1" });
  assert.equal(f2[0].code, "gaps");
  assert.equal(f2[0].severity, "MEDIUM");
});

Deno.test("a 24/7 market does not get weekend exemptions", () => {
  const t: number[] = [];
  for (let i = 0; i < 24 * 35; i++) t.push(MONDAY + i * H);
  const cut = t.filter((x) => !(x >= MONDAY + 5 * DAY && x < MONDAY + 7 * DAY)); // first Sat+Sun missing
  const g = findGaps(Float64Array.from(cut), H);
  assert.equal(g.tradesWeekends, true);
  assert.equal(g.abnormal.length, 1);
  assert.equal(g.abnormal[0].missingBars, 48);
});

Deno.test("timeframe declared by the name vs detected from spacing", () => {
  const t = weekdayHours(2);
  const f = validateBars(bars(t), { timeframe: "H4" });
  const m = f.find((x) => x.code === "timeframe_mismatch");
  assert.ok(m);
  assert.equal(m.severity, "CRITICAL");
  assert.equal(m.timeframe_detected, "H1");
  assert.equal(detectTimeframe(Float64Array.from(t.filter((_, i) => i % 4 === 0))), "H4");
});

Deno.test("date range against the name", () => {
  const t = weekdayHours(1);
  const f = validateBars(bars(t), { timeframe: "H1", start: t[0], end: t[t.length - 1] + H });
  const m = f.find((x) => x.code === "date_range_mismatch");
  assert.ok(m);
  assert.equal(m.severity, "MEDIUM");
  assert.equal(m.declared_end, "2024-01-06T00:00:00");
  assert.equal(m.last_time, "2024-01-05T23:00:00");
});

Deno.test("prices: non-positive, high below low, open/close outside the range", () => {
  const t = weekdayHours(1);
  const a = bars(t);
  a.low[3] = 0;
  a.high[10] = a.low[10] - 0.01;
  a.close[20] = a.high[20] + 0.01;
  const f = validateBars(a, { timeframe: "H1" });
  const np = f.find((x) => x.code === "non_positive_price")!;
  assert.equal(np.severity, "CRITICAL");
  assert.equal(np.count, 1);
  const oc = f.find((x) => x.code === "ohlc_inconsistent")!;
  assert.equal(oc.severity, "CRITICAL");
  assert.equal(oc.high_below_low, 1);
  // bar 3 (low 0 <= open) is consistent; bar 20 has close above high.
  assert.equal(oc.open_close_outside, 1);
  const only = bars(t);
  only.open[5] = only.high[5] + 1;
  assert.equal(
    validateBars(only, { timeframe: "H1" }).find((x) => x.code === "ohlc_inconsistent")!.severity,
    "HIGH",
  );
});

Deno.test("a file with duplicate and out-of-order rows: findings from the file order, bars repaired", async () => {
  const dir = await Deno.makeTempDir();
  const rows = sampleRows(30);
  const shuffled = [...rows.slice(0, 10), rows[12], rows[11], rows[10], ...rows.slice(13), rows[5]];
  const text = [
    "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>",
    ...shuffled.map((r) => r.join("\t")),
  ]
    .join("\r\n");
  const p = writeFixture(dir, "AUDUSD+_H4_202401020000_202401080400.csv", text);
  const f = await validateFile(p);
  const uns = f.find((x) => x.code === "unsorted_bars")!;
  assert.equal(uns.severity, "HIGH");
  assert.equal(uns.count, 3); // 11 after 12, 10 after 11, and the repeated row 5 at the end
  const dup = f.find((x) => x.code === "duplicate_bars")!;
  assert.equal(dup.count, 1);
  const loaded = await loadFile(p);
  assert.equal(loaded.arrays!.length, 30);
  for (let i = 1; i < 30; i++) assert.ok(loaded.arrays!.time[i] > loaded.arrays!.time[i - 1]);
  assert.equal(loaded.report.duplicates_dropped, 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("real data: timeframe_mismatch is raised exactly where the median bar spacing disagrees with the name", async () => {
  const { dir, which } = realDataDir();
  console.log(`real data from ${dir} (${which})`);
  const files = scanCatalogSync(dir).files.map((f) => f.path).filter((p) => p.endsWith(".csv"));
  const minutes: Record<string, number> = { M15: 15, M30: 30, H1: 60, H4: 240, D1: 1440 };
  let mismatches = 0;
  for (const p of files) {
    // Independent check: median spacing of the first 2,000 bars, from the text with Date.parse.
    const lines = headText(p, 200_000).split("\n").slice(1, 2001).filter((l) => l.trim());
    const times = lines.map((l) => {
      const c = l.split(/\t|,/);
      return Date.parse(`${c[0].replaceAll(".", "-")}T${c[1].trim()}Z`);
    });
    const diffs = times.slice(1).map((x, i) => x - times[i]).sort((a, b) => a - b);
    const median = diffs[diffs.length >> 1] / 60000;
    const declared = p.split("/").pop()!.split("_")[1];
    const differs = minutes[declared] !== median;
    const f = await validateFile(p);
    assert.equal(
      f.some((x) => x.code === "timeframe_mismatch"),
      differs,
      `${p}: median ${median} min, name ${declared}`,
    );
    if (differs) mismatches++;
  }
  console.log(`${files.length} files, ${mismatches} with a timeframe that contradicts the name`);
  if (which === "shared") assert.ok(mismatches > 0, "the shared master data set has known timeframe defects");
});

Deno.test("misaligned bars: off the grid of the other bars; a whole-file offset (09:15 opens) is not a defect", () => {
  const t = weekdayHours(1).filter((_, i) => i % 4 === 0); // H4 at 00/04/08…
  const shifted = t.map((x) => x + 15 * 60_000);
  assert.equal(
    validateBars(bars(shifted), { timeframe: "H4" }).find((x) => x.code === "misaligned_bars"),
    undefined,
  );
  const one = [...t];
  one[7] += 60 * 60_000; // one bar at 05:00 instead of 04:00
  const f = validateBars(bars(one), { timeframe: "H4" }).find((x) => x.code === "misaligned_bars")!;
  assert.equal(f.severity, "MEDIUM");
  assert.equal(f.count, 1);
  assert.deepEqual(f.examples, [new Date(one[7]).toISOString().slice(0, 19)]);
});

Deno.test("price spikes, newest-first rows and adjacent repeated times are each found from one pass", () => {
  const t = weekdayHours(1);
  const n = t.length;
  // Closes near 1 with spikes at the first bar, in the middle (x 12), a dip (/ 11) and the last bar;
  // a move of x 9 is no spike (closes are the price + 0.0005, see bars()).
  const spiky = (i: number) =>
    i === 0 ? 20 : i === 5 ? 12 : i === 9 ? 1 / 11 : i === 14 ? 9 : i === n - 1 ? 0.05 : 1 + i * 0.001;
  const f = validateBars(bars(t, spiky), { timeframe: "H1" });
  const sp = f.find((x) => x.code === "price_spike")!;
  assert.equal(sp.severity, "CRITICAL");
  assert.equal(sp.count, 4);
  assert.deepEqual(
    (sp.examples as Array<{ close: number }>).map((e) => e.close),
    [0, 5, 9].map((i) => spiky(i) + 0.0005),
  );
  // Two neighbouring damaged closes: each is within x10 of the other, so neither is a spike alone.
  const pair = (i: number) => (i === 7 || i === 8 ? 50 : 1);
  assert.equal(
    validateBars(bars(t, pair), { timeframe: "H1" }).find((x) => x.code === "price_spike"),
    undefined,
  );
  // Newest-first file order (rawTime) is LOW and not "unsorted"; a repeated time next to itself is
  // a duplicate even when nothing goes back in time.
  const desc = Float64Array.from([...t].reverse());
  const nf = validateBars(bars(t), { timeframe: "H1", rawTime: desc });
  assert.equal(nf.find((x) => x.code === "newest_first")?.severity, "LOW");
  assert.equal(nf.find((x) => x.code === "unsorted_bars"), undefined);
  const rep = Float64Array.from([...t.slice(0, 10), t[9], ...t.slice(10)]);
  const d = validateBars(bars(t), { timeframe: "H1", rawTime: rep });
  assert.equal(d.find((x) => x.code === "duplicate_bars")?.count, 1);
  assert.equal(d.find((x) => x.code === "unsorted_bars"), undefined);
  assert.equal(d.find((x) => x.code === "newest_first"), undefined);
});

Deno.test("misaligned bars before 1970 and at fractional milliseconds: the grid offset is the true remainder", () => {
  // H1 bars in 1969 (negative epoch times), one of them 30 min off; then the same with 0.5 ms added
  // to one bar (not a whole millisecond: it is off the grid too).
  const t = Array.from({ length: 48 }, (_, i) => Date.UTC(1969, 5, 2) + i * H);
  const one = [...t];
  one[10] += 30 * 60_000;
  one[20] += 0.5;
  const f = validateBars(bars(one), { timeframe: "H1" }).find((x) => x.code === "misaligned_bars")!;
  assert.equal(f.count, 2);
  assert.equal(f.grid_offset_minutes, 0);
  assert.equal(
    validateBars(bars(t), { timeframe: "H1" }).find((x) => x.code === "misaligned_bars"),
    undefined,
  );
});

Deno.test("validation reads past bad rows: every unreadable row is counted, the rest is checked", async () => {
  const dir = await Deno.makeTempDir();
  const rows = sampleRows(40);
  const bad = rows.map((r, i) =>
    i === 3 || i === 17 || i === 29 || i === 33
      ? [...r.slice(0, 4), "x", ...r.slice(5)] // non-numeric <LOW>
      : i === 21
      ? ["21/01/2024", ...r.slice(1)] // a date in another layout
      : r
  );
  const text = [
    "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>",
    ...bad.map((r) => r.join("\t")),
  ]
    .join("\r\n");
  const p = writeFixture(dir, "AUDUSD+_H4_bad_rows.csv", text);
  const f = await validateFile(p);
  const nn = f.find((x) => x.code === "non_numeric")!;
  assert.equal(nn.severity, "CRITICAL");
  assert.equal(nn.count, 4);
  assert.deepEqual((nn.examples as Array<{ line: number }>).map((x) => x.line), [5, 19, 31]); // first three
  const d = f.find((x) => x.code === "invalid_date")!;
  assert.equal(d.count, 1);
  // The other 35 bars were read and checked: the five skipped rows are gaps in the H4 series.
  const loaded = await loadFile(p, { lenient: true });
  assert.equal(loaded.arrays!.length, 35);
  assert.ok(f.some((x) => x.code === "gaps"));
  await Deno.remove(dir, { recursive: true });
});
