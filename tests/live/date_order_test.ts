import assert from "node:assert/strict";
import { runTaskFile } from "../data/_helpers.ts";
import { AMBIGUOUS_SOURCE, writeAmbiguousFile } from "../_date_order.ts";

const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at .*\.ts:\d+/);

Deno.test("live virtual --date-order: an ambiguous replay file (one symbol or a --source basket) is refused without it and replayed with it; demo refuses the flag", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_live_dates_" });
  try {
    await Deno.mkdir(`${tmp}/src/forex`, { recursive: true });
    const file = `${tmp}/src/forex/GBPUSD_H4.csv`;
    const bars = await writeAmbiguousFile(AMBIGUOUS_SOURCE, file);
    await writeAmbiguousFile(
      "data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv",
      `${tmp}/src/forex/AUDUSD_H4.csv`,
    );
    const one = [
      "--mode",
      "virtual",
      "--strategy",
      "sma_cross",
      "--data",
      file,
      "--json",
      "--logs-dir",
      `${tmp}/logs`,
    ];
    const no = await runTaskFile("live.ts", one);
    assert.equal(no.code, 2, no.stderr);
    assert.match(no.stderr, /ambiguous.*--date-order dmy or --date-order mdy/s);
    noStack(no.stderr);

    const told = await runTaskFile("live.ts", [...one, "--date-order", "dmy"]);
    assert.equal(told.code, 0, told.stderr);
    const s = JSON.parse(told.stdout);
    assert.equal(s.mode, "virtual");
    assert.equal(s.symbol, "GBPUSD");
    assert.equal(s.timeframe, "H4");
    assert.ok(s.trades.length > 0);
    // Every trade falls on a bar of the file read day-first (days 1..12 only).
    const times = new Set(bars.map((b) => b.t));
    for (const t of s.trades) {
      assert.ok(
        times.has(Date.parse(t.entry_time.endsWith("Z") ? t.entry_time : `${t.entry_time}Z`)),
        t.entry_time,
      );
    }

    const basket = [
      "--mode",
      "virtual",
      "--strategy",
      "sma_cross",
      "--symbols",
      "GBPUSD,AUDUSD",
      "--timeframe",
      "H4",
      "--source",
      `${tmp}/src`,
      "--json",
      "--logs-dir",
      `${tmp}/logs`,
    ];
    const bNo = await runTaskFile("live.ts", basket);
    assert.equal(bNo.code, 2, bNo.stderr);
    assert.match(bNo.stderr, /--date-order dmy or --date-order mdy/);
    const bTold = await runTaskFile("live.ts", [...basket, "--date-order", "dmy"]);
    assert.equal(bTold.code, 0, bTold.stderr);

    const bad = await runTaskFile("live.ts", [...one, "--date-order", "iso"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--date-order "iso": expected dmy/);
    const demo = await runTaskFile("live.ts", [
      "--mode",
      "demo",
      "--symbol",
      "GBPUSD",
      "--timeframe",
      "H4",
      "--strategy",
      "sma_cross",
      "--date-order",
      "dmy",
    ]);
    assert.equal(demo.code, 2, demo.stderr);
    assert.match(demo.stderr, /--date-order reads the bar files of virtual mode/);
    noStack(demo.stderr);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
