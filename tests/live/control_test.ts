// The file-based control channel (lib/live/control.ts): what the dashboard's "halt new entries" and
// "close all and stop" buttons write, and what the runner does and journals when it reads them.
import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { readControlRequest, readJournal, requestControl, runLive } from "../../lib/live/mod.ts";
import type { OrderIntent, PositionView, Strategy, StrategyContext } from "../../lib/strategies/contract.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
const quiet = { print: () => {} };

/** sma_cross, but at bar `at` (when a position is open) it asks for `action` through the channel. */
function asking(action: "halt_entries" | "close_all_stop", runDir: () => string): Strategy<unknown> {
  const base = getStrategy("sma_cross") as Strategy<unknown>;
  let asked = false;
  return {
    ...base,
    name: "sma_cross",
    decide(i: number, ctx: StrategyContext, s: unknown, pos: PositionView, out: OrderIntent[]): void {
      base.decide(i, ctx, s, pos, out);
      if (!asked && i >= 300 && pos.size !== 0) {
        asked = true;
        // What the dashboard does (atomic write); the runner reads it before the next bar.
        Deno.writeTextFileSync(
          join(runDir(), "CONTROL"),
          JSON.stringify({ action, source: "test", requested_at: new Date().toISOString() }),
        );
      }
    },
  };
}

Deno.test("control: requestControl writes a request the runner's reader understands, once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await requestControl(dir, "close_all_stop", { source: "dashboard" });
    const r = await readControlRequest(dir);
    assert.equal(r?.action, "close_all_stop");
    assert.equal(r?.source, "dashboard");
    assert.equal(r?.error, null);
    assert.equal(existsSync(join(dir, "CONTROL")), false, "the request is consumed");
    assert.equal(await readControlRequest(dir), null);
    await Deno.writeTextFile(join(dir, "CONTROL"), '{"action":"sell_everything"}');
    const bad = await readControlRequest(dir);
    assert.equal(bad?.action, null);
    assert.match(bad?.error ?? "", /unknown control action/);
    await assert.rejects(() => requestControl(dir, "nope" as "halt_entries"), /unknown control action/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("control: halt_entries stops new entries for the rest of the run and is journalled", async () => {
  const logsDir = await Deno.makeTempDir();
  try {
    const runId = "halt-entries";
    const s = await runLive({
      mode: "virtual",
      strategy: asking("halt_entries", () => join(logsDir, runId)),
      data: GBPUSD,
      logsDir,
      runId,
      chsThreshold: 0,
    }, quiet);
    const j = await readJournal(s.journal);
    const k = j.events.findIndex((e) => e.type === "control");
    assert.ok(k > 0, "a control event is journalled");
    assert.equal(j.events[k].action, "halt_entries");
    assert.equal(j.events[k].source, "test");
    const after = j.events.slice(k);
    assert.equal(after.filter((e) => e.type === "fill" && e.what === "entry").length, 0, "no entry after it");
    assert.ok(after.some((e) => e.type === "limit" && e.what === "entry_blocked" && e.by === "control"));
    assert.equal(s.status, "completed", "the run goes on to the end of the data");
    assert.ok(s.trades.length > 0);
  } finally {
    await Deno.remove(logsDir, { recursive: true });
  }
});

Deno.test("control: close_all_stop closes the open position and halts with reason control_stop", async () => {
  const logsDir = await Deno.makeTempDir();
  try {
    const runId = "close-stop";
    const s = await runLive({
      mode: "virtual",
      strategy: asking("close_all_stop", () => join(logsDir, runId)),
      data: GBPUSD,
      logsDir,
      runId,
      chsThreshold: 0,
    }, quiet);
    assert.equal(s.status, "halted");
    assert.equal(s.halt_reason, "control_stop");
    assert.equal(s.open_trades.length, 0, "everything was closed");
    const j = await readJournal(s.journal);
    const types = j.events.map((e) => e.type);
    const k = types.indexOf("control");
    assert.ok(k > 0 && types.indexOf("halt") > k, "control, then halt");
    assert.ok(j.events.slice(k).some((e) => e.type === "fill" && e.what === "exit" && e.reason === "end"));
    assert.ok(s.bars_processed < 1000, `stopped early (${s.bars_processed} bars)`);
  } finally {
    await Deno.remove(logsDir, { recursive: true });
  }
});

Deno.test("journal: every processed bar has a mark with OHLC and equity; exits carry return_pct", async () => {
  const logsDir = await Deno.makeTempDir();
  try {
    const s = await runLive({ mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir }, quiet);
    const j = await readJournal(s.journal);
    const marks = j.events.filter((e) => e.type === "mark");
    assert.equal(marks.length, s.bars_processed);
    for (const m of marks) {
      assert.ok((m.high as number) >= (m.low as number) && typeof m.equity === "number");
      assert.ok(Array.isArray(m.positions));
    }
    assert.ok(marks.some((m) => (m.positions as unknown[]).length > 0), "open positions are marked");
    const exits = j.events.filter((e) => e.type === "fill" && e.what === "exit");
    assert.equal(exits.length, s.trades.length);
    exits.forEach((e, k) => assert.equal(e.return_pct, s.trades[k].return_pct));
  } finally {
    await Deno.remove(logsDir, { recursive: true });
  }
});
