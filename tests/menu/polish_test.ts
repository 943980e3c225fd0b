/**
 * Menu polish (issue 14): descriptions cut at a word, timeframes by duration, the guide's sections
 * listed once with their own numbers and no second "Press Enter", markdown rendered (tables aligned,
 * internal notes left out, nothing wider than the screen), a status bar that never wraps at 80
 * columns, the live stage's readiness worded for the last stage, and an operation's error on its
 * own line after a progress bar.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { printLiveSummary } from "../../lib/menu/actions/live.ts";
import { shorten } from "../../lib/menu/actions/strategies.ts";
import { renderMarkdown } from "../../lib/menu/docs_view.ts";
import { StreamInput } from "../../lib/menu/line_input.ts";
import { runOperation } from "../../lib/menu/operation.ts";
import { Prompter } from "../../lib/menu/prompter.ts";
import { runScripted, SAMPLE, tempOptions, textStream } from "./_helpers.ts";

Deno.test("strategy descriptions are cut at a word, with an ellipsis", async () => {
  assert.equal(
    shorten("Fat-candle hunter: enters on the v7 berserker signal", 30),
    "Fat-candle hunter: enters on…",
  );
  assert.equal(shorten("short", 30), "short");
  const opts = await tempOptions();
  try {
    const { out } = await runScripted(["3", "1"], opts); // the strategy list, then end of input
    const rows = out.split("\n").filter((l) =>
      /^\s+\d+\. (sma_cross|berserker|sniper|multi_agent_v7)\b/.test(l)
    );
    assert.ok(rows.length >= 4, out.slice(-1500));
    for (const r of rows) assert.match(r.trimEnd(), /(\w[.)]?|…)$/, `ends at a word: ${r}`);
    assert.ok(rows.some((r) => r.endsWith("…")), "long ones are marked as cut");
    for (const r of rows.filter((x) => x.endsWith("…"))) assert.match(r, /[\w)] ?…$|\w…$/);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("timeframes are listed by duration (M15 M30 H1 H4), not alphabetically", async () => {
  const data = await Deno.makeTempDir({ prefix: "kinetra-tf-order-" });
  const opts = await tempOptions({ dataDir: data });
  try {
    await Deno.mkdir(join(data, "forex"));
    const src = join(SAMPLE, "forex", "GBPUSD+_H4_202401020000_202512262000.csv");
    for (const tf of ["H1", "H4", "M15", "M30"]) {
      await Deno.copyFile(src, join(data, "forex", `GBPUSD+_${tf}_202401020000_202512262000.csv`));
    }
    const { out } = await runScripted(["3", "1", "", ""], opts); // strategy 1, the only symbol, then EOF
    assert.match(out, /GBPUSD\+\s+forex\s+M15 M30 H1 H4/);
    const order = [...out.matchAll(/^\s+\d+\. (M15|M30|H1|H4)\s+forex\//gm)].map((m) => m[1]);
    assert.deepEqual(order, ["M15", "M30", "H1", "H4"]);
  } finally {
    await Deno.remove(data, { recursive: true });
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("the guide lists its sections once numbered, renders tables, and 'no' returns without a second pause", async () => {
  const opts = await tempOptions();
  try {
    const { out } = await runScripted(["4", "4", "3", "n", "0"], opts);
    assert.doesNotMatch(out, /\d+\. \d+\. /, "no double numbering");
    assert.match(out, /^\s+1\. The three modes/m);
    assert.doesNotMatch(out, /^\s+\|.*\|\s*$/m, "no raw markdown table rows");
    assert.doesNotMatch(out, /\|-{3,}/);
    const after = out.slice(out.indexOf("Read another section?"));
    assert.doesNotMatch(after.split("\n").slice(0, 3).join("\n"), /Press Enter/, "no second pause");
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("markdown for the terminal: aligned tables, internal notes left out, lines within the width", () => {
  const md = [
    "Intro text that is long enough to need wrapping when the width is small, so it wraps.",
    "<!-- internal note: do not show -->",
    "",
    "| name | value |",
    "| ---- | ----- |",
    "| `a`  | **1** |",
    "| bb   | 22    |",
  ].join("\n");
  const lines = renderMarkdown(md, 40);
  assert.ok(lines.every((l) => l.length <= 40), lines.join("\n"));
  assert.ok(!lines.some((l) => l.includes("internal note")));
  assert.ok(lines.includes("name  value"));
  assert.ok(lines.includes("a     1"));
  assert.ok(!lines.some((l) => l.includes("|")));
  // A table too wide for the screen becomes one entry per row.
  const wide = renderMarkdown(
    `| k | a long header | another long header |\n|---|---|---|\n| x | ${"v".repeat(30)} | w |`,
    40,
  );
  assert.ok(wide.every((l) => l.length <= 40), wide.join("\n"));
  assert.match(wide.join(" ").replace(/\s+/g, " "), /^x: a long header v+; another long header w$/);
});

Deno.test("the main screen's status bar never wraps at 80 columns", async () => {
  const opts = await tempOptions({ dataDir: join(SAMPLE, "..", "..", "data", "sample") });
  try {
    const { out } = await runScripted([], opts);
    const status = out.split("\n").filter((l) => /^\s+(Data:|MT5 bridge:|Credentials:)/.test(l));
    assert.ok(status.length >= 1, out.slice(0, 1500));
    for (const l of status) assert.ok(l.length <= 80, `${l.length} columns: ${l}`);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("live summary: the last stage's readiness is not 'readiness for (last stage)'", () => {
  const lines: string[] = [];
  const summary = {
    mode: "live",
    run_id: "r",
    symbol: "X",
    timeframe: "H4",
    strategy: "s",
    bars_processed: 1,
    status: "completed",
    trades: [],
    open_trades: [],
    stats: { return_pct: 0, max_drawdown_pct: 0 },
    chs: { last: 1, min: 1 },
    breaker_events: 0,
    validator_rejections: 0,
    duplicate_orders: 0,
    readiness: { next_stage: null, ready: true, checks: [] },
    journal: "j",
    summary_path: "p",
  };
  printLiveSummary((l) => lines.push(l), summary as unknown as Parameters<typeof printLiveSummary>[1]);
  const text = lines.join("\n");
  assert.doesNotMatch(text, /readiness for (\(last stage\)|the next stage)/);
  assert.match(text, /targets of the live stage \(the last one\): all met/);
});

Deno.test("an operation's error starts on its own line, not on the progress bar", async () => {
  let screen = "";
  const input = new StreamInput(textStream("", false), { isTerminal: true });
  const ask = new Prompter(input, (t) => {
    screen += t;
  });
  await assert.rejects(() =>
    runOperation(ask, "Testing", (op) => {
      op.progress(1, 3, "connecting");
      return Promise.reject(new Error("connection refused"));
    })
  );
  ask.say("  Error: connection refused");
  const last = screen.split("\n").find((l) => l.includes("Error: connection refused"))!;
  assert.ok(!last.includes("["), `the error is not on the bar's line: ${JSON.stringify(last)}`);
});
