// The bridge edge under attack (issue 15 items 9-12 and 14, issue 14 item 7): unauthenticated
// connections, a second account, a flapping link, malformed messages and bars, unreadable trade
// replies, repeated and permission refusals, and a bug inside the session. Each test failed on the
// runner before these fixes (exit, crash, wrong account, lost order or silent wrong bar).
import assert from "node:assert/strict";
import { readJournal } from "../../lib/live/mod.ts";
import { hostileHello } from "../../lib/live/hostile.ts";
import { Mt5Simulator } from "../../lib/mt5/mod.ts";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { toMt5SymbolInfo } from "../../lib/market/mod.ts";
import { assertAgree, rig, SECRET, someBars } from "./hostile_helpers.ts";

Deno.test("15.9: wrong-HMAC hellos before the EA are refused, logged rate-limited, and the session goes on", async () => {
  const r = await rig({
    beforeSim: async (port) => {
      for (let k = 0; k < 12; k++) {
        const got = await hostileHello("127.0.0.1", port, { waitMs: 500 });
        assert.ok(got.some((l) => l.includes('"reject"')), "the hostile client is refused");
      }
    },
  });
  assert.equal(r.summary.status, "completed", r.summary.halt_message ?? "");
  assert.equal(r.summary.account?.login, "5000123");
  assert.ok(r.summary.trades.length > 0);
  const j = await readJournal(r.summary.journal);
  const refused = j.events.filter((e) => e.type === "session" && e.event === "bridge_refused");
  assert.ok(refused.length >= 1 && refused.length <= 5, `${refused.length} refusal lines (rate limit 5/min)`);
  assert.ok(!r.lines.some((l) => /accepts only DEMO/.test(l)));
  await assertAgree(r);
});

Deno.test("15.14: a second EA with the secret but another login is refused mid-run; the session keeps its account", async () => {
  const bars = await someBars(420);
  let second: Mt5Simulator | null = null;
  const r = await rig({
    onStarted: (_sim, _proxy, port) => {
      setTimeout(() => {
        second = new Mt5Simulator({
          hostname: "127.0.0.1",
          port,
          secret: SECRET,
          login: "5000999",
          symbol: "GBPUSD+",
          timeframe: "H4",
          spec: toMt5SymbolInfo(symbolSpec("GBPUSD+")),
          bars,
          historyBars: 300,
          barIntervalMs: 12,
          reconnectDelayMs: 50,
          maxConnectAttempts: 2,
        });
        second.start();
      }, 200);
    },
  });
  const s2 = second as Mt5Simulator | null;
  await s2?.stop();
  assert.ok(s2, "the second EA was started");
  assert.equal(s2!.stats.refused, 1, "the second account is refused");
  assert.equal(s2!.stats.orders_executed, 0);
  assert.equal(r.summary.account?.login, "5000123");
  const j = await readJournal(r.summary.journal);
  assert.ok(
    j.events.some((e) =>
      e.type === "session" && e.event === "bridge_refused" && /bound to one account/.test(String(e.reason))
    ),
  );
  assert.equal(r.summary.status, "completed", r.summary.halt_message ?? "");
  await assertAgree(r);
});

Deno.test("15.14: two EAs of one account flapping the link halt new entries with a warning", async () => {
  const bars = await someBars(420);
  let second: Mt5Simulator | null = null;
  const r = await rig({
    sim: { maxConnectAttempts: 50, barIntervalMs: 25 },
    onStarted: (_sim, _proxy, port) => {
      second = new Mt5Simulator({
        hostname: "127.0.0.1",
        port,
        secret: SECRET,
        symbol: "GBPUSD+",
        timeframe: "H4",
        spec: toMt5SymbolInfo(symbolSpec("GBPUSD+")),
        bars,
        historyBars: 300,
        barIntervalMs: 25,
        reconnectDelayMs: 50,
        maxConnectAttempts: 50,
      });
      second.start();
    },
    live: { reconnectTimeoutMs: 3000, barTimeoutMs: 6000, durationMin: 0.5 },
  });
  await (second as Mt5Simulator | null)?.stop();
  assert.equal(r.summary.entries_halted?.by, "link_flapping", JSON.stringify(r.summary.entries_halted));
  assert.ok(r.lines.some((l) => /flapping/.test(l)));
  const j = await readJournal(r.summary.journal);
  const sessionLines = j.events.filter((e) => e.type === "session" && e.event === "bridge_session_up").length;
  assert.ok(sessionLines <= 6, `connection noise is rate-limited (${sessionLines} session_up lines)`);
});

/** Rewrites the n-th bar events (1-based) with `f`. */
function barRewriter(edits: Record<number, (m: Record<string, unknown>) => unknown>) {
  let n = 0;
  return (dir: string, line: string): string[] => {
    if (dir !== "to_runner" || !line.includes('"t":"bar"')) return [line];
    n++;
    const f = edits[n];
    if (!f) return [line];
    const m = JSON.parse(line);
    const out = f(m);
    return [typeof out === "string" ? out : JSON.stringify(out)];
  };
}

Deno.test("15.10: malformed events and replies are refused, journalled and answered; the session completes", async () => {
  let tickId: string | null = null;
  let nulledTicks = 0;
  const bars = barRewriter({
    3: (m) => ({ ...m, bar: null }),
    5: (m) => ({ ...m, bar: {} }),
    7: (m) => ({ ...m, bar: { ...(m.bar as object), close: "1.27" } }),
  });
  const answers: string[] = [];
  const r = await rig({
    rewrite: (dir, line) => {
      if (dir === "to_ea") {
        if (line.includes('"t":"error"')) answers.push(line);
        const m = JSON.parse(line);
        if (m.t === "tick" && nulledTicks < 1) tickId = m.id;
        return [line];
      }
      if (tickId && line.includes(`"re":"${tickId}"`)) {
        nulledTicks++;
        const m = JSON.parse(line);
        tickId = null;
        return [JSON.stringify({ ...m, data: null })];
      }
      return bars(dir, line);
    },
  });
  assert.equal(r.summary.status, "completed", r.summary.halt_message ?? "");
  assert.ok((r.summary.bad_messages ?? 0) >= 4, `bad messages ${r.summary.bad_messages}`);
  assert.ok(answers.length >= 4, `the EA was answered with errors (${answers.length})`);
  const j = await readJournal(r.summary.journal);
  assert.ok(j.events.filter((e) => e.type === "bad_message").length >= 4);
  assert.equal(j.events.at(-1)?.type, "run_end");
  await assertAgree(r);
});

Deno.test("15.10: repeated malformed messages halt cleanly with a summary and run_end", async () => {
  let n = 0;
  const r = await rig({
    live: { maxBadMessages: 5 },
    rewrite: (dir, line) => {
      if (dir === "to_runner" && line.includes('"t":"bar"') && ++n > 10) {
        return [JSON.stringify({ ...JSON.parse(line), bar: null })];
      }
      return [line];
    },
  });
  assert.equal(r.summary.status, "halted");
  assert.equal(r.summary.halt_reason, "bad_messages");
  const j = await readJournal(r.summary.journal);
  assert.ok(j.events.some((e) => e.type === "halt" && e.reason === "bad_messages"));
  assert.equal(j.events.at(-1)?.type, "run_end");
  await Deno.stat(r.summary.summary_path);
  await assertAgree(r);
});

Deno.test("15.10: an exception inside the session ends through the clean halt path (internal_error)", async () => {
  const r = await rig({
    print: (l) => {
      if (l.startsWith("streaming ")) throw new TypeError("boom in a caller's hook");
    },
  }).catch((e) => e);
  assert.ok(!(r instanceof Error), `runLive threw: ${r}`);
  assert.equal(r.summary.halt_reason, "internal_error");
  const j = await readJournal(r.summary.journal);
  const halt = j.events.find((e) => e.type === "halt");
  assert.match(String(halt?.stack), /boom/);
  assert.equal(j.events.at(-1)?.type, "run_end");
});

Deno.test("15.11: bars dated 2100, with zero/negative/huge prices or high < low are refused, never stored", async () => {
  const r = await rig({
    rewrite: barRewriter({
      4: (m) => ({ ...m, bar: { ...(m.bar as object), time_msc: Date.UTC(2100, 0, 1) } }),
      6: (m) => ({ ...m, bar: { ...(m.bar as object), close: 0 } }),
      8: (m) => ({ ...m, bar: { ...(m.bar as object), low: -1 } }),
      10: (m) => ({ ...m, bar: { ...(m.bar as object), high: 1e308, close: 1e308 } }),
      12: (m) => {
        const b = m.bar as Record<string, number>;
        return { ...m, bar: { ...b, high: b.low - 0.001 } };
      },
      14: (m) => ({ ...m, bar: { ...(m.bar as object), spread: 1e9 } }),
    }),
  });
  assert.equal(r.summary.status, "completed", r.summary.halt_message ?? "");
  assert.equal(r.summary.bars_refused, 6);
  // Every other streamed bar was processed (none counted as "re-sent" after the 2100 bar).
  assert.equal(r.summary.bars_processed, r.sim.stats.bars_streamed - 6);
  const j = await readJournal(r.summary.journal);
  assert.equal(j.events.filter((e) => e.type === "bad_bar").length, 6);
  const closes = j.events.filter((e) => e.type === "bar").map((e) => e.close as number);
  assert.ok(closes.every((c) => c > 0.5 && c < 5), "no bad price was stored");
  assert.ok(Number(r.summary.stats.max_drawdown_pct) > -20, String(r.summary.stats.max_drawdown_pct));
  await assertAgree(r);
});

Deno.test("15.12: an order_send reply with an unreadable retcode is an unknown outcome, reconciled", async () => {
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
          return [JSON.stringify({ ...m, data: { ...m.data, retcode: "10009" } })];
        }
      }
      return [line];
    },
  });
  assert.ok(done, "an order_send reply was corrupted");
  assert.ok(r.summary.unknown_outcomes >= 1);
  assert.ok(r.summary.reconciled >= 1);
  assert.equal(r.summary.status, "completed", r.summary.halt_message ?? "");
  // Every order the simulator executed is accounted for by the runner.
  await assertAgree(r);
  const j = await readJournal(r.summary.journal);
  const doneOrders = j.orders.filter((o) => o.state === "done").length;
  assert.equal(doneOrders, r.sim.stats.orders_executed);
});

Deno.test("14.7: a permission refusal (10006 from the EA's live gate) halts new entries at once", async () => {
  const r = await rig({
    live: {
      mode: "live",
      acceptRealMoneyRisk: true,
    },
    sim: { account: "real", allowLive: false },
    env: { KINETRA_ALLOW_LIVE: "1", KINETRA_LIVE_LOGIN: "8000123", KINETRA_LIVE_SERVER: "Kinetra-Sim-Real" },
  });
  assert.equal(r.summary.entries_halted?.by, "refused_permission", JSON.stringify(r.summary.entries_halted));
  const j = await readJournal(r.summary.journal);
  assert.equal(j.orders.length, 1, "one order was sent, none after the refusal");
  assert.equal(r.summary.broker_rejections, 1);
  assert.ok(r.summary.entries_blocked >= 1);
  assert.equal(r.sim.stats.orders_executed, 0);
});
