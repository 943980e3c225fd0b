import assert from "node:assert/strict";
import { barsFromArrays, makeProgress, readBars, scanCatalog, toArrays } from "../../lib/data/mod.ts";
import { isKinetraError, type KinetraError } from "../../lib/errors.ts";
import { realDataDir } from "../../lib/util/paths.ts";

Deno.test("real exports: every value equals an independent split/Date.parse/Number reading of the text", async () => {
  const { dir, which } = realDataDir();
  const cat = await scanCatalog(dir);
  // One file per timeframe present (the smallest of each), to keep the test fast.
  const pick = new Map<string, (typeof cat.files)[number]>();
  for (const f of cat.files) {
    const key = f.timeframe ?? "?";
    const cur = pick.get(key);
    if (!cur || f.size_bytes < cur.size_bytes) pick.set(key, f);
  }
  console.log(`checking ${[...pick.values()].map((f) => f.relative_path).join(", ")} from ${dir} (${which})`);
  for (const f of pick.values()) {
    const lines = (await Deno.readTextFile(f.path)).split(/\r?\n/).filter((l) => l.trim() !== "");
    const header = lines[0].split("\t");
    assert.equal(header[0], "<DATE>", f.path);
    const a = toArrays(await readBars(f.path));
    assert.equal(a.length, lines.length - 1, f.path);
    for (let i = 1; i < lines.length; i++) {
      const c = lines[i].split("\t");
      const k = i - 1;
      const t = Date.parse(`${c[0].replaceAll(".", "-")}T${c[1]}Z`);
      if (
        a.time[k] !== t || a.open[k] !== Number(c[2]) || a.high[k] !== Number(c[3]) ||
        a.low[k] !== Number(c[4]) ||
        a.close[k] !== Number(c[5]) || a.tickVolume[k] !== Number(c[6]) || a.volume[k] !== Number(c[7]) ||
        a.spread![k] !== Number(c[8])
      ) {
        assert.fail(`${f.path} line ${i + 1} differs: ${lines[i]} vs ${[a.time[k], a.open[k], a.close[k]]}`);
      }
    }
  }
});

Deno.test("barsFromArrays refuses times that are not ascending and unique", () => {
  const p = Float64Array.from([1, 1, 1]);
  const arrays = {
    length: 3,
    time: Float64Array.from([0, 60_000, 60_000]),
    open: p,
    high: p,
    low: p,
    close: p,
    tickVolume: p,
    volume: p,
    spread: null,
  };
  const meta = { symbol: "X", timeframe: "M1", timeframeDetected: null, source: "memory", format: "arrays" };
  assert.throws(
    () => barsFromArrays(arrays, meta),
    (e) => isKinetraError(e) && (e as KinetraError).code === "unsorted_bars",
  );
  const ok = barsFromArrays({ ...arrays, time: Float64Array.from([0, 60_000, 120_000]) }, meta);
  assert.equal(ok.frame.height, 3);
  assert.equal(ok.frame.columns.includes("spread"), false);
});

Deno.test("progress: plain lines off a terminal, a redrawn bar ending in a newline on a terminal", () => {
  const plain: string[] = [];
  const p = makeProgress({ terminal: false, write: (s) => plain.push(s) });
  p(1, 3, "a");
  p(3, 3, "c");
  assert.deepEqual(plain, ["[1/3] a\n", "[3/3] c\n"]);
  const tty: string[] = [];
  const q = makeProgress({ terminal: true, write: (s) => tty.push(s), width: 10 });
  q(1, 2, "half");
  q(2, 2, "done");
  const clear = "\r\x1b[2K";
  assert.equal(tty[0], `${clear}${"█".repeat(5)}${"░".repeat(5)}  50% 1/2 half`);
  assert.equal(tty[1], `${clear}${"█".repeat(10)} 100% 2/2 done`);
  assert.equal(tty[2], "\n");
});

Deno.test("a Bars value keeps its frame through object spread", async () => {
  const bars = await readBars("data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv");
  const copy = { ...bars, meta: { ...bars.meta, symbol: "COPY" } };
  assert.equal(copy.frame.height, bars.arrays!.length);
  assert.equal(copy.meta.symbol, "COPY");
});

Deno.test("toArrays normalises the time unit of frames built elsewhere (μs from strptime, Date)", async () => {
  const pl = (await import("nodejs-polars")).default;
  const df = pl.DataFrame({ d: ["2024.01.02 04:00:00", "2024.01.02 08:00:00"], close: [1.5, 1.6] });
  const us = df.select(
    pl.col("d").str.strptime(pl.Datetime("ms"), "%Y.%m.%d %H:%M:%S").alias("time"), // yields μs in 0.25.2
    pl.col("close").alias("open"),
    pl.col("close").alias("high"),
    pl.col("close").alias("low"),
    pl.col("close"),
  );
  assert.deepEqual(Array.from(toArrays(us).time), [Date.UTC(2024, 0, 2, 4), Date.UTC(2024, 0, 2, 8)]);
  const days = us.withColumns(pl.col("time").cast(pl.Date).alias("time"));
  assert.deepEqual(Array.from(toArrays(days).time), [Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 2)]);
});
