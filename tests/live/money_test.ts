// Issue 15 item 13: in demo and live the money comes from the terminal's deals. The runner used to
// add its own swap estimate, so its profit differed from the terminal's balance by exactly that
// estimate while trades, deals and positions matched.
import assert from "node:assert/strict";
import { rig } from "./hostile_helpers.ts";

Deno.test("demo: the summary's realised profit equals the terminal's balance change (no swap estimate)", async () => {
  const r = await rig({ bars: 460 });
  assert.equal(r.summary.status, "completed", r.summary.halt_message ?? "");
  assert.ok(r.summary.trades.length >= 3, `trades: ${r.summary.trades.length}`);
  const realised = r.summary.trades.reduce((s, t) => s + t.pnl, 0);
  const acc = await r.sim.book.account();
  // The terminal charges an entry's commission at once: the position still open at the end paid it.
  const open = new Set((await r.sim.book.positions()).map((p) => p.ticket));
  const openEntryCommission = r.sim.book.deals()
    .filter((d) => d.entry === 0 && open.has(d.position_id))
    .reduce((s, d) => s + d.commission, 0);
  const terminal = acc.balance - 10_000 - openEntryCommission;
  assert.ok(
    Math.abs(realised - terminal) < 1e-6,
    `runner ${realised.toFixed(2)} vs terminal ${terminal.toFixed(2)} (diff ${
      (realised - terminal).toFixed(2)
    })`,
  );
  const swapOfDeals = r.sim.book.deals().reduce((s, d) => s + d.swap, 0);
  const swapOfTrades = r.summary.trades.reduce((s, t) => s + t.swap, 0);
  assert.ok(Math.abs(swapOfDeals - swapOfTrades) < 1e-9, `swap ${swapOfTrades} vs deals ${swapOfDeals}`);
});
