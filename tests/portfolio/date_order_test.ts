import assert from "node:assert/strict";
import { runTaskFile } from "../data/_helpers.ts";
import { AMBIGUOUS_SOURCE, writeAmbiguousFile } from "../_date_order.ts";

Deno.test("portfolio --date-order: ambiguous files are refused (exit 2, naming the flag) without it and traded with it; a bad value exits 2", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_portfolio_dates_" });
  try {
    await Deno.mkdir(`${tmp}/forex`);
    const gbp = await writeAmbiguousFile(AMBIGUOUS_SOURCE, `${tmp}/forex/GBPUSD_H4.csv`);
    const aud = await writeAmbiguousFile(
      "data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv",
      `${tmp}/forex/AUDUSD_H4.csv`,
    );
    const args = ["--data", `${tmp}/forex/GBPUSD_H4.csv`, "--data", `${tmp}/forex/AUDUSD_H4.csv`];
    const common = [...args, "--strategy", "sma_cross", "--json"];
    const no = await runTaskFile("portfolio.ts", common);
    assert.equal(no.code, 2, no.stderr);
    const err = JSON.parse(no.stdout).error;
    assert.equal(err.code, "ambiguous_date");
    assert.equal(err.flag, "--date-order dmy|mdy");
    assert.doesNotMatch(no.stderr, /\n\s+at /, "no stack trace");

    const told = await runTaskFile("portfolio.ts", [...common, "--date-order", "dmy"]);
    assert.equal(told.code, 0, told.stderr);
    const j = JSON.parse(told.stdout);
    for (const [sym, bars] of [["GBPUSD", gbp], ["AUDUSD", aud]] as const) {
      const s = j.symbols[sym].stats;
      assert.equal(s.bars, bars.length, sym);
      assert.equal(s.start, new Date(bars[0].t).toISOString(), sym);
      assert.equal(s.end, new Date(bars.at(-1)!.t).toISOString(), sym);
    }
    // The folder form (--source) reads with the order too.
    const src = await runTaskFile("portfolio.ts", [
      "--source",
      tmp,
      "--symbols",
      "GBPUSD,AUDUSD",
      "--timeframe",
      "H4",
      "--strategy",
      "sma_cross",
      "--json",
      "--date-order",
      "dmy",
    ]);
    assert.equal(src.code, 0, src.stderr);
    assert.deepEqual(JSON.parse(src.stdout).stats, j.stats);

    const bad = await runTaskFile("portfolio.ts", [...common, "--date-order", "31/12"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--date-order "31\/12": expected dmy/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
