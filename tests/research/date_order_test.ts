import assert from "node:assert/strict";
import { runTaskFile } from "../data/_helpers.ts";
import { AMBIGUOUS_SOURCE, writeAmbiguousFile } from "../_date_order.ts";

const GRID = [
  "--strategy",
  "sma_cross",
  "--grid",
  "fast=5,10",
  "--grid",
  "slow=20,40",
  "--profile",
  "compat",
];

Deno.test("optimize and walkforward --date-order: an ambiguous file is refused (exit 2, naming the flag) without it and swept with it", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_research_dates_" });
  try {
    const file = `${tmp}/GBPUSD_H4.csv`;
    const bars = await writeAmbiguousFile(AMBIGUOUS_SOURCE, file);
    const first = new Date(bars[0].t).toISOString().slice(0, 19);
    const cases: [string, string[]][] = [
      ["optimize.ts", [...GRID, "--workers", "1", "--out", `${tmp}/opt`]],
      ["walkforward.ts", [
        ...GRID,
        "--train",
        "600",
        "--test",
        "200",
        "--workers",
        "0",
        "--out",
        `${tmp}/wf`,
      ]],
    ];
    for (const [task, args] of cases) {
      const no = await runTaskFile(task, ["--data", file, ...args, "--json"]);
      assert.equal(no.code, 2, `${task}: ${no.stderr}`);
      assert.match(no.stderr, /ambiguous/);
      assert.match(no.stderr, /--date-order dmy or --date-order mdy/);
      assert.doesNotMatch(no.stderr, /\n\s+at /, "no stack trace");

      const told = await runTaskFile(task, ["--data", file, ...args, "--json", "--date-order", "dmy"]);
      assert.equal(told.code, 0, `${task}: ${told.stderr}`);
      const j = JSON.parse(told.stdout);
      if (task === "optimize.ts") {
        assert.equal(j.trials, 4);
        // Every bar read day-first: the first and last dates as written (DD/MM), all bars.
        const s = j.results[0].stats;
        assert.equal(s.bars, bars.length);
        assert.equal(s.start.slice(0, 19), first);
        assert.equal(s.end.slice(0, 19), new Date(bars.at(-1)!.t).toISOString().slice(0, 19));
      } else {
        assert.ok(j.windows.length >= 2, String(j.windows.length));
        assert.equal(j.windows[0].train.start.slice(0, 19), first);
      }

      const bad = await runTaskFile(task, ["--data", file, ...args, "--date-order", "yes"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--date-order "yes": expected dmy/);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
