import assert from "node:assert/strict";
import { runTaskFile } from "../data/_helpers.ts";
import { AMBIGUOUS_SOURCE, writeAmbiguousFile } from "../_date_order.ts";

Deno.test("--date-order reaches the lower-timeframe file of --model lower (backtest); model:compare takes the flag (a bad value exits 2)", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_lower_dates_" });
  try {
    // The lower file: H4 bars written DD/MM/YYYY (ambiguous). The traded file: the same bars summed
    // by hand into daily bars with ISO dates (unambiguous), beside it.
    const h4 = await writeAmbiguousFile(AMBIGUOUS_SOURCE, `${tmp}/GBPUSD_H4.csv`);
    const days = new Map<string, { o: string; h: number; l: number; c: string; v: number }>();
    for (const b of h4) {
      const d = new Date(b.t).toISOString().slice(0, 10);
      const x = days.get(d);
      if (!x) days.set(d, { o: b.o, h: +b.h, l: +b.l, c: b.c, v: +b.v });
      else {
        x.h = Math.max(x.h, +b.h);
        x.l = Math.min(x.l, +b.l);
        x.c = b.c;
        x.v += +b.v;
      }
    }
    const lines = ["Date,Open,High,Low,Close,Volume"];
    for (const [d, x] of days) lines.push(`${d},${x.o},${x.h},${x.l},${x.c},${x.v}`);
    const daily = `${tmp}/GBPUSD_D1.csv`;
    await Deno.writeTextFile(daily, lines.join("\n") + "\n");

    const args = [
      "--data",
      daily,
      "--strategy",
      "sma_cross",
      "--model",
      "lower",
      "--profile",
      "compat",
      "--json",
    ];
    const no = await runTaskFile("backtest.ts", args);
    assert.equal(no.code, 2, no.stderr);
    assert.match(no.stderr, /GBPUSD_H4\.csv.*ambiguous.*--date-order dmy or --date-order mdy/s);
    const told = await runTaskFile("backtest.ts", [...args, "--date-order", "dmy"]);
    assert.equal(told.code, 0, told.stderr);
    const j = JSON.parse(told.stdout);
    assert.equal(j.model.name, "lower");
    assert.match(j.model.source, /GBPUSD_H4\.csv$/);
    // Every daily bar found its H4 bars (read day-first: month-first would put them on other days).
    assert.ok(j.model.bars_resolved > 0, JSON.stringify(j.model));
    assert.equal(j.model.bars_fallback, 0, JSON.stringify(j.model));

    const mdy = await runTaskFile("backtest.ts", [...args, "--date-order", "mdy"]);
    if (mdy.code === 0) {
      const m = JSON.parse(mdy.stdout).model;
      assert.ok(m.bars_fallback > 0, `month-first lower bars fit the days: ${JSON.stringify(m)}`);
    }

    const bad = await runTaskFile("model_compare.ts", ["--source", tmp, "--date-order", "12/31"]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--date-order "12\/31": expected dmy/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
