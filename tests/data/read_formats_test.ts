import assert from "node:assert/strict";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import { mt5Time, SAMPLE_FILE, sampleRows, sampleText, writeFixture } from "./_helpers.ts";
import { referenceDataDir } from "../../lib/util/paths.ts";
import { existsSync } from "node:fs";
import { ignoreWithout, requirePrerequisite } from "../_prerequisite.ts";

const N = 60;
const rows = sampleRows(N);
const HEADER = ["<DATE>", "<TIME>", "<OPEN>", "<HIGH>", "<LOW>", "<CLOSE>", "<TICKVOL>", "<VOL>", "<SPREAD>"];
const dir = Deno.makeTempDirSync({ prefix: "kinetra_data_fmt_" });

/** Expected arrays from the text with Date.parse / Number: independent of the reader. */
const expected = {
  time: rows.map((r) => mt5Time(r[0], r[1])),
  open: rows.map((r) => Number(r[2])),
  high: rows.map((r) => Number(r[3])),
  low: rows.map((r) => Number(r[4])),
  close: rows.map((r) => Number(r[5])),
  tick: rows.map((r) => Number(r[6])),
  spread: rows.map((r) => Number(r[8])),
};

function assertSameBars(path: string, bars: Awaited<ReturnType<typeof readBars>>): void {
  const a = toArrays(bars);
  assert.equal(a.length, N, path);
  assert.deepEqual(Array.from(a.time), expected.time, path);
  assert.deepEqual(Array.from(a.open), expected.open, path);
  assert.deepEqual(Array.from(a.high), expected.high, path);
  assert.deepEqual(Array.from(a.low), expected.low, path);
  assert.deepEqual(Array.from(a.close), expected.close, path);
  assert.deepEqual(Array.from(a.tickVolume), expected.tick, path);
}

Deno.test("the bundled MT5 export reads into the canonical frame with every value of the text", async () => {
  const bars = await readBars(SAMPLE_FILE);
  const lines = sampleText().trimEnd().split("\r\n").slice(1);
  assert.equal(bars.frame.height, lines.length);
  assert.deepEqual(bars.frame.columns, [
    "time",
    "open",
    "high",
    "low",
    "close",
    "tick_volume",
    "volume",
    "spread",
  ]);
  assert.match(String(bars.frame.getColumn("time").dtype), /Datetime\(ms/);
  assert.match(String(bars.frame.getColumn("close").dtype), /Float64/);
  const a = toArrays(bars.frame); // from the polars frame, not the cached arrays
  const last = lines[lines.length - 1].split("\t");
  assert.equal(a.time[a.length - 1], mt5Time(last[0], last[1]));
  assert.equal(a.close[a.length - 1], Number(last[5]));
  assert.equal(a.spread![a.length - 1], Number(last[8]));
  assert.equal(bars.meta.symbol, "AUDUSD+");
  assert.equal(bars.meta.timeframe, "H4");
  assert.equal(bars.meta.timeframeDetected, "H4");
  assert.equal(bars.meta.format, "mt5_bars");
  assert.equal(bars.meta.report?.line_ending, "crlf");
  assert.equal(bars.meta.report?.delimiter, "tab");
  assert.equal(bars.meta.report?.encoding, "utf-8");
});

Deno.test("MT5 bar exports: tab or comma, CRLF or LF, UTF-8 with/without BOM, UTF-16 (LE/BE BOM, LE without)", async () => {
  const variants: Array<[string, string, string, string]> = [
    ["tab_crlf.csv", "\t", "\r\n", "utf-8"],
    ["tab_lf.csv", "\t", "\n", "utf-8"],
    ["comma_crlf.csv", ",", "\r\n", "utf-8"],
    ["comma_lf_bom.csv", ",", "\n", "utf-8-bom"],
    ["tab_crlf_utf16.csv", "\t", "\r\n", "utf-16le-bom"],
    ["tab_crlf_utf16be.csv", "\t", "\r\n", "utf-16be-bom"],
    ["tab_lf_utf16_nobom.csv", "\t", "\n", "utf-16le"],
  ];
  for (const [name, d, eol, enc] of variants) {
    const text = [HEADER.join(d), ...rows.map((r) => r.join(d))].join(eol) + eol;
    let bytes: Uint8Array;
    if (enc.startsWith("utf-16")) {
      const bom = enc.endsWith("-bom") ? 2 : 0;
      const be = enc.startsWith("utf-16be");
      bytes = new Uint8Array(bom + text.length * 2);
      if (bom) [bytes[0], bytes[1]] = be ? [0xfe, 0xff] : [0xff, 0xfe];
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        bytes[bom + 2 * i + (be ? 1 : 0)] = c & 0xff;
        bytes[bom + 2 * i + (be ? 0 : 1)] = c >> 8;
      }
    } else {
      const body = new TextEncoder().encode(text);
      bytes = enc === "utf-8-bom" ? new Uint8Array([0xef, 0xbb, 0xbf, ...body]) : body;
    }
    const p = writeFixture(dir, `AUDUSD+_H4_${name}`, bytes);
    const bars = await readBars(p);
    assertSameBars(p, bars);
    assert.equal(bars.meta.report?.encoding, enc, name);
    assert.equal(bars.meta.report?.delimiter, d === "\t" ? "tab" : "comma", name);
    assert.equal(bars.meta.report?.line_ending, eol === "\r\n" ? "crlf" : "lf", name);
    assert.equal(bars.meta.format, "mt5_bars", name);
  }
});

Deno.test("MT5 daily export without <TIME> reads dates at midnight and detects D1", async () => {
  const days = ["2024.01.02", "2024.01.03", "2024.01.04", "2024.01.05", "2024.01.08"];
  const text = ["<DATE>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>"]
    .concat(days.map((d, i) => `${d}\t1.10${i}\t1.11${i}\t1.09${i}\t1.105\t${100 + i}\t0\t2`)).join("\r\n");
  const p = writeFixture(dir, "EURUSD_D1_202401020000_202401080000.csv", text);
  const bars = await readBars(p);
  const a = toArrays(bars);
  assert.deepEqual(Array.from(a.time), days.map((d) => Date.parse(d.replaceAll(".", "-") + "T00:00:00Z")));
  assert.equal(bars.meta.timeframeDetected, "D1");
  assert.equal(bars.meta.report?.time_layout, "none");
  assert.deepEqual(Array.from(a.open), [1.1, 1.101, 1.102, 1.103, 1.104]);
});

Deno.test("MT4 history exports read with and without a header line", async () => {
  const body = rows.map((r) => [r[0], r[1].slice(0, 5), r[2], r[3], r[4], r[5], r[6]].join(",")).join("\n");
  for (
    const [name, text] of [["noheader", body], ["header", "Date,Time,Open,High,Low,Close,Volume\n" + body]]
  ) {
    const p = writeFixture(dir, `AUDUSD_H4_mt4_${name}.csv`, text + "\n");
    const bars = await readBars(p);
    assert.equal(bars.meta.format, "mt4_history", name);
    assertSameBars(p, bars);
    assert.equal(bars.meta.report?.has_header, name === "header");
  }
});

const REFERENCE_FILES = ["GOOG.csv", "EURUSD.csv", "BTCUSD.csv"];
const REFERENCE_WHAT = `backtesting.py's reference data (${
  REFERENCE_FILES.join(", ")
} in ${referenceDataDir()})`;
const HAVE_REFERENCE = REFERENCE_FILES.every((f) => existsSync(`${referenceDataDir()}/${f}`));

Deno.test({
  name: "generic OHLCV: the reference files read with their first and last rows intact",
  ignore: ignoreWithout(HAVE_REFERENCE, REFERENCE_WHAT),
}, async () => {
  requirePrerequisite(HAVE_REFERENCE, REFERENCE_WHAT);
  for (const f of REFERENCE_FILES) {
    const path = `${referenceDataDir()}/${f}`;
    const text = Deno.readTextFileSync(path);
    const lines = text.trimEnd().split("\n");
    const first = lines[1].split(","), last = lines[lines.length - 1].split(",");
    const bars = await readBars(path);
    const a = toArrays(bars);
    const iso = (s: string) => Date.parse(s.includes(" ") ? s.replace(" ", "T") + "Z" : s + "T00:00:00Z");
    assert.equal(bars.meta.format, "generic_ohlcv");
    assert.equal(a.length, lines.length - 1, f);
    assert.equal(a.time[0], iso(first[0]), f);
    assert.equal(a.open[0], Number(first[1]), f);
    assert.equal(a.close[a.length - 1], Number(last[4]), f);
    assert.equal(a.volume[a.length - 1], Number(last[5]), f);
  }
});

Deno.test("generic OHLCV: any letter case, Adj Close ignored, newest-first rows sorted and reported", async () => {
  const text = [
    "DATE,OPEN,high,Low,CLOSE,Adj Close,volume",
    "2024-03-04,10,12,9,11,10.5,300",
    "2024-03-01,9,10,8,9.5,9.2,200",
    "2024-02-29,8,9,7,8.5,8.1,100",
  ].join("\n");
  const p = writeFixture(dir, "NEWEST.csv", text);
  const bars = await readBars(p);
  const a = toArrays(bars);
  assert.deepEqual(Array.from(a.time), [Date.UTC(2024, 1, 29), Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 4)]);
  assert.deepEqual(Array.from(a.close), [8.5, 9.5, 11]);
  assert.equal(bars.meta.report?.newest_first, true);
  assert.equal(bars.meta.report?.sorted_on_read, true);
  assert.deepEqual(bars.meta.report?.ignored_columns, ["Adj Close"]);
});

Deno.test("generic OHLCV: epoch seconds and milliseconds, ISO with T and Z, day-first when unambiguous", async () => {
  const t = [Date.UTC(2024, 0, 15, 9), Date.UTC(2024, 0, 15, 10), Date.UTC(2024, 0, 15, 11)];
  const body = (stamp: (ms: number) => string) =>
    "timestamp,open,high,low,close,volume\n" + t.map((ms, i) => `${stamp(ms)},1.${i},1.5,1,1.2,5`).join("\n");
  const cases: Array<[string, (ms: number) => string, string]> = [
    ["epoch_s", (ms) => String(ms / 1000), "epoch_s"],
    ["epoch_ms", (ms) => String(ms), "epoch_ms"],
    ["iso_tz", (ms) => new Date(ms).toISOString().replace(".000Z", "Z"), "YYYY-MM-DD"],
    ["dayfirst", (ms) => {
      const d = new Date(ms);
      return `${d.getUTCDate()}/0${d.getUTCMonth() + 1}/${d.getUTCFullYear()} ${
        String(d.getUTCHours()).padStart(2, "0")
      }:00`;
    }, "DD/MM/YYYY"],
  ];
  for (const [name, stamp, layout] of cases) {
    const p = writeFixture(dir, `GEN_${name}.csv`, body(stamp));
    const bars = await readBars(p);
    assert.deepEqual(Array.from(toArrays(bars).time), t, name);
    assert.equal(bars.meta.report?.date_layout, layout, name);
    assert.equal(bars.meta.timeframeDetected, "H1", name);
  }
  // An offset other than Z is applied: 10:00+01:00 is 09:00 in UTC.
  const p = writeFixture(
    dir,
    "GEN_offset.csv",
    "Date,Open,High,Low,Close\n2024-01-15T10:00:00+01:00,1,2,0.5,1.5\n",
  );
  assert.equal(toArrays(await readBars(p)).time[0], Date.UTC(2024, 0, 15, 9));
});

Deno.test("the lazy frame and the cached arrays agree; toArrays accepts a frame", async () => {
  const bars = await readBars(SAMPLE_FILE);
  const fromCache = toArrays(bars);
  const fromFrame = toArrays(bars.frame);
  for (const k of ["time", "open", "high", "low", "close", "tickVolume", "volume"] as const) {
    assert.deepEqual(fromFrame[k], fromCache[k], k);
  }
  assert.deepEqual(fromFrame.spread, fromCache.spread);
});
