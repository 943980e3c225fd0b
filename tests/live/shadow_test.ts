// Issue 14 item 6: the breaker used to never recover (no trades while tripped, so the CHS never
// changed). While it is tripped the strategy keeps trading in shadow (simulated at the live quotes,
// journalled as `shadow`, never sent); the shadow trades feed the CHS, which can rise above
// threshold + margin and reset the breaker; the summary reports the halted time and shadow results.
import assert from "node:assert/strict";
import { readJournal, runLive } from "../../lib/live/mod.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

Deno.test("breaker: shadow trades while tripped let the CHS recover and the breaker reset", async () => {
  const logsDir = await Deno.makeTempDir();
  const s = await runLive(
    { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir, chsThreshold: 0.3 },
    { print: () => {} },
  );
  assert.ok(s.breaker_events >= 1, "the breaker tripped");
  assert.ok(s.breaker_resets >= 1, `the breaker reset (${s.breaker_resets})`);
  const h = s.breaker_halted!;
  assert.ok(h.bars > 0 && h.hours > 0, JSON.stringify(h));
  assert.ok(h.shadow_trades > 0);
  const j = await readJournal(s.journal);
  const shadow = j.events.filter((e) => e.type === "shadow");
  assert.equal(shadow.filter((e) => e.what === "exit").length, h.shadow_trades);
  const shadowPnl = shadow.filter((e) => e.what === "exit").reduce((a, e) => a + Number(e.pnl), 0);
  assert.ok(Math.abs(shadowPnl - h.shadow_pnl) < 1e-6);
  // Shadow trades are never sent: every order in the journal belongs to a real trade.
  assert.ok(shadow.every((e) => e.cid === undefined));
  const fills = j.events.filter((e) => e.type === "fill" && e.what === "entry").length;
  const entries = j.orders.filter((o) => o.kind === "entry").length;
  assert.equal(entries, fills);
  assert.ok(
    s.trades.every((t) =>
      !shadow.some((e) => e.what === "exit" && e.entry_time === t.entry_time && e.pnl === t.pnl)
    ),
  );
  // Real trading resumed after the reset: a real entry after the reset event.
  const reset = j.events.findIndex((e) => e.type === "breaker" && e.state === "reset");
  assert.ok(
    j.events.slice(reset).some((e) => e.type === "fill" && e.what === "entry"),
    "real entries after the reset",
  );
  await Deno.remove(logsDir, { recursive: true });
});
