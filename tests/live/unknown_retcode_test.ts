// A trade reply whose retcode is a number but no TRADE_RETCODE_* (fuzz:bridge's 1e308 on an order the
// terminal executed) is an unreadable outcome at the edge: the desk reconciles it and books the fill,
// instead of journalling a broker refusal for an order that is in the book.
import assert from "node:assert/strict";
import { readJournal } from "../../lib/live/mod.ts";
import { assertAgree, rig } from "./hostile_helpers.ts";

Deno.test("an executed order_send whose reply carries retcode 1e308 is reconciled and booked, not refused", async () => {
  let done = false;
  const sends = new Set<string>();
  const r = await rig({
    rewrite: (dir, line) => {
      if (dir === "to_ea") {
        const m = JSON.parse(line);
        if (m.t === "order_send") sends.add(m.id);
        return [line];
      }
      if (!done && line.includes('"t":"res"')) {
        const m = JSON.parse(line);
        if (sends.has(m.re) && m.data && m.data.retcode === 10009) {
          done = true;
          return [JSON.stringify({ ...m, data: { ...m.data, retcode: 1e308 } })];
        }
      }
      return [line];
    },
  });
  assert.ok(done, "an order_send reply was corrupted");
  assert.equal(r.summary.status, "completed", r.summary.halt_message ?? "");
  assert.ok(r.summary.unknown_outcomes >= 1 && r.summary.reconciled >= 1);
  const j = await readJournal(r.summary.journal);
  assert.ok(
    !j.events.some((e) => e.type === "rejection" && e.by === "broker"),
    "no broker refusal journalled",
  );
  assert.equal(j.orders.filter((o) => o.state === "done").length, r.sim.stats.orders_executed);
  await assertAgree(r);
});
