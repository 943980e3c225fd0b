// The steps every live session shares (lib/live/steps.ts), each on its own: the strategy's set-up and
// decision, taking checked bars, what ended a session, the halt's report and the summary's file.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { BarArrays } from "../../lib/data/types.ts";
import { isKinetraError, KinetraError } from "../../lib/errors.ts";
import { TradeBook } from "../../lib/execution/trade_book.ts";
import type { WireBar } from "../../lib/mt5/protocol.ts";
import { BridgeError } from "../../lib/mt5/server.ts";
import type { OrderIntent, PositionView, Strategy } from "../../lib/strategies/contract.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";
import { OrderDesk } from "../../lib/live/desk.ts";
import { BarBuffer, BarGate, type Market, paperMarket } from "../../lib/live/feed.ts";
import { RiskGuard } from "../../lib/live/guard.ts";
import { readJournal } from "../../lib/live/journal.ts";
import { Halt, type LiveSession, openRun, setUpSession } from "../../lib/live/session.ts";
import {
  basketSymbols,
  bookBar,
  chsFields,
  decideAt,
  endRun,
  haltFrom,
  initStrategy,
  loadHistory,
  pace,
  reportHalt,
  StrategyRun,
  takeBars,
  writeSummary,
} from "../../lib/live/steps.ts";
import { BadReplyError } from "../../lib/live/wire.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
const quiet = { print: () => {} };

async function virtualSession(): Promise<LiveSession> {
  const logsDir = await Deno.makeTempDir();
  return await setUpSession(
    { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir, runId: "t" },
    quiet,
  );
}

/** A strategy that counts its inits, records the position it saw and can fail on demand. */
function probe(fail: { init?: unknown; decide?: unknown } = {}) {
  const seen: PositionView[] = [];
  let inits = 0;
  const strategy: Strategy = {
    name: "probe",
    description: "test probe",
    params: {},
    features: [],
    warmup: () => 0,
    init: () => {
      inits++;
      if (fail.init !== undefined) throw fail.init;
      return { n: inits };
    },
    decide: (_i, _ctx, _state, pos, out) => {
      if (fail.decide !== undefined) throw fail.decide;
      seen.push(pos);
      out.push({ kind: "close", tag: "probe" });
    },
  };
  return { strategy, seen, inits: () => inits };
}

function wire(time: number, close: number): WireBar {
  return {
    time_msc: time,
    open: close,
    high: close + 0.001,
    low: close - 0.001,
    close,
    tick_volume: 10,
    real_volume: 0,
    spread: 10,
  } as WireBar;
}

Deno.test("initStrategy: features and init; an init error becomes strategy_error naming the strategy and where", async () => {
  const s = await virtualSession();
  const bars = s.replay as BarArrays;
  const sma = getStrategy("sma_cross");
  const { ctx, state } = initStrategy(sma, bars, s.params);
  assert.equal(ctx.bars, bars);
  for (const f of sma.features) assert.ok(ctx.features[f]?.length === bars.length, `feature ${f}`);
  assert.notEqual(state, undefined);
  const { strategy } = probe({ init: new Error("boom") });
  assert.throws(
    () => initStrategy(strategy, bars, {}, " on GBPUSD+"),
    (e: unknown) =>
      isKinetraError(e) && e.code === "strategy_error" &&
      e.message === "strategy probe failed in init on GBPUSD+: boom",
  );
  // A KinetraError from init keeps its own code.
  const own = probe({ init: new KinetraError("bad_parameter", "nope") });
  assert.throws(
    () => initStrategy(own.strategy, bars, {}),
    (e: unknown) => isKinetraError(e) && e.code === "bad_parameter",
  );
  await s.journal.close();
});

Deno.test("decideAt and StrategyRun: the real or the shadow position, a decide error halts, per-bar set-up", async () => {
  const s = await virtualSession();
  const bars = s.replay as BarArrays;
  const market = paperMarket(s);
  const ledger = new TradeBook(market.spec, s.cash);
  const guard = new RiskGuard(s, 252);
  const desk = new OrderDesk(s, market, ledger, guard, {
    bars: () => bars,
    energy: () => null,
    halting: () => false,
  });
  const p = probe();
  const run = { ctx: { bars, features: {}, params: {} }, state: null };
  const out: OrderIntent[] = [];
  decideAt(p.strategy, 5, run, guard, desk, out);
  assert.deepEqual(out, [{ kind: "close", tag: "probe" }]);
  assert.equal(p.seen[0].size, 0, "flat account: the real (flat) position");
  // Breaker tripped, account flat, a shadow position open: the strategy sees the shadow one.
  desk.shadow.fill({
    lots: 0.1,
    price: bars.close[5],
    bar: 5,
    time: bars.time[5],
    reason: "signal",
    spreadPx: 0,
    opens: true,
  });
  assert.equal(desk.shadow.openCount, 1);
  decideAt(p.strategy, 6, run, guard, desk, []);
  assert.equal(p.seen[1].size, 0, "breaker not tripped: still the real position");
  guard.breaker.update(-1);
  assert.ok(guard.breaker.tripped);
  decideAt(p.strategy, 7, run, guard, desk, []);
  assert.ok(p.seen[2].size > 0, "tripped and flat: the shadow position");

  const bad = probe({ decide: new Error("bad index") });
  assert.throws(
    () => decideAt(bad.strategy, 9, run, guard, desk, [], " on XAUUSD+"),
    (e: unknown) =>
      e instanceof Halt && e.reason === "strategy_error" &&
      e.message === "strategy probe failed on XAUUSD+ at bar 9: bad index",
  );

  // Once: set up on the first decision only; per bar: set up before every decision.
  const once = probe();
  const r1 = new StrategyRun(once.strategy, {}, false);
  r1.init(bars);
  r1.decide(10, bars, guard, desk, []);
  r1.decide(11, bars, guard, desk, []);
  assert.equal(once.inits(), 1);
  assert.ok(r1.energy instanceof Float64Array && r1.energy.length === bars.length);
  const each = probe();
  const r2 = new StrategyRun(each.strategy, {}, true, false);
  r2.decide(10, bars, guard, desk, []);
  r2.decide(11, bars, guard, desk, []);
  assert.equal(each.inits(), 2);
  assert.equal(r2.energy, null, "no energy column unless asked");
  await s.journal.close();
});

Deno.test("takeBars: good bars pushed, refused ones named, re-sent ones dropped silently", () => {
  const buffer = new BarBuffer();
  const t = Date.UTC(2024, 0, 2);
  const h = 3_600_000;
  const list = [wire(t, 1.1), wire(t, 1.1), wire(t + h, -1), wire(t + 2 * h, 1.2)];
  const prevs: unknown[] = [];
  const { added, problems } = takeBars(buffer, list, (b, prev) => {
    prevs.push(prev);
    if (prev && b.time_msc <= prev.time) return "resent";
    return b.close > 0 ? null : "bad_price";
  });
  assert.deepEqual(added, [0, 1]);
  assert.deepEqual(problems, ["bad_price"]);
  assert.equal(buffer.length, 2);
  assert.deepEqual([buffer.close[0], buffer.close[1]], [1.1, 1.2]);
  assert.equal(prevs[0], null, "the first bar has no previous one");
  assert.deepEqual(prevs[3], { time: t, close: 1.1 }, "checked against the last bar kept");
});

Deno.test("haltFrom: what ended a session, and which errors stay the user's", () => {
  const own = new Halt("max_trades", "done");
  assert.equal(haltFrom(own, false)?.halt, own);
  assert.equal(haltFrom(new BadReplyError("account", "garbled"), true)?.halt.reason, "bad_messages");
  const lost = haltFrom(new BridgeError("bridge_closed", "gone", false), true)!;
  assert.equal(lost.halt.reason, "link_lost");
  assert.match(lost.halt.message, /did not come back: gone/);
  const user = new KinetraError("strategy_error", "strategy x failed in init: y");
  assert.equal(haltFrom(user, false), null, "a replay's KinetraError is the user's error");
  assert.equal(haltFrom(user, true)?.halt.reason, "strategy_error");
  const bug = haltFrom(new TypeError("undefined is not a function"), false)!;
  assert.equal(bug.halt.reason, "internal_error");
  assert.match(bug.stack ?? "", /TypeError/);
});

Deno.test("reportHalt: printed and journalled (with a bug's stack); flatten on --flatten-on-halt or control_stop, never on a lost link", async () => {
  const dir = await Deno.makeTempDir();
  const s = await setUpSession(
    { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir: dir, runId: "h" },
    quiet,
  );
  const printed: string[] = [];
  const rs = { ...s, io: { print: (l: string) => printed.push(l) } };
  assert.equal(await reportHalt(rs, new Halt("kill_switch", "killed"), null, {}), false);
  assert.equal(await reportHalt(rs, new Halt("kill_switch", "killed"), null, { flattenOnHalt: true }), true);
  assert.equal(await reportHalt(rs, new Halt("control_stop", "stop"), null, {}), true);
  assert.equal(await reportHalt(rs, new Halt("link_lost", "down"), "stack", { flattenOnHalt: true }), false);
  await s.journal.close();
  assert.deepEqual(printed, ["halted: killed", "halted: killed", "halted: stop", "halted: down"]);
  const halts = (await readJournal(s.journal.path)).events.filter((e) => e.type === "halt");
  assert.deepEqual(halts.map((e) => e.reason), ["kill_switch", "kill_switch", "control_stop", "link_lost"]);
  assert.equal(halts[3].stack, "stack");
  assert.equal(halts[0].stack, undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("summary fields: CHS null until defined; summary.json with non-finite numbers as null", async () => {
  const s = await virtualSession();
  const guard = new RiskGuard(s, 252);
  assert.deepEqual(chsFields(guard), { last: null, min: null });
  guard.chsLast = 0.7;
  guard.chsMin = 0.4;
  assert.deepEqual(chsFields(guard), { last: 0.7, min: 0.4 });
  const path = join(s.runDir, "summary.json");
  await writeSummary(path, { a: 1, b: Infinity, c: NaN, d: [1, -Infinity] });
  assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), { a: 1, b: null, c: null, d: [1, null] });
  await s.journal.close();
});

Deno.test("pace: without a speed, a replay yields every 256 steps and otherwise goes on at once", async () => {
  // Behaviour, not timing: with speed 0 the call resolves; the 256th step yields to the event loop.
  let ticked = false;
  setTimeout(() => (ticked = true), 0);
  await pace(0, Date.now(), 0);
  assert.equal(ticked, false, "no yield on an ordinary step");
  await pace(255, Date.now(), 0);
  assert.equal(ticked, true, "the timer ran during the yield");
  // A signal already aborted ends a wait at once.
  const ac = new AbortController();
  ac.abort();
  await pace(0, Date.now(), 0.0001, ac.signal);
});

Deno.test("openRun: the run folder, its journal and the session's account fields; an existing folder is refused", async () => {
  const s = await virtualSession();
  const { runDir: _dir, journal, summaryPath: _path, killFiles: _kill, startedAt, runId, ...base } = s;
  await journal.close();
  const logsDir = await Deno.makeTempDir();
  const opts = { ...s.opts, logsDir, cash: 2_500, magic: "77" };
  const run = await openRun({ ...base, opts }, "r1");
  assert.equal(run.runDir, join(logsDir, "r1"));
  assert.equal(run.summaryPath, join(logsDir, "r1", "summary.json"));
  assert.equal(run.journal.path, join(logsDir, "r1", "journal.jsonl"));
  assert.deepEqual(run.killFiles, [join(logsDir, "r1", "KILL"), ".kinetra/KILL"]);
  assert.deepEqual([run.cash, run.leverage, run.magic], [2_500, 100, "77"]);
  assert.equal(run.strategy, s.strategy);
  assert.ok(run.startedAt.getTime() >= startedAt.getTime());
  assert.notEqual(run.runId, runId);
  await run.journal.close();
  await assert.rejects(
    openRun({ ...base, opts }, "r1"),
    (e: unknown) => isKinetraError(e) && e.code === "run_exists",
  );
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("loadHistory: the history through the bar checks into the buffer; the gates remember the last bar, refusals are journalled", async () => {
  const s = await virtualSession();
  const t = Date.UTC(2024, 0, 2);
  const h = 3_600_000;
  const asked: unknown[] = [];
  const history = [
    wire(t, 1.1),
    wire(t, 1.1),
    wire(t + h, 1.2),
    { ...wire(t + 2 * h, 1.3), high: 1 },
    wire(t + 3 * h, 1.25),
  ];
  const market = {
    ...paperMarket(s),
    broker: {
      rates: (
        symbol: string,
        tf: string,
        count: number,
      ) => (asked.push([symbol, tf, count]), Promise.resolve(history)),
    },
    serverNow: () => t + 10 * h,
  } as unknown as Market;
  const buffer = new BarBuffer();
  const gate = new BarGate();
  const r = await loadHistory(s, market, buffer, 300, [gate, null]);
  assert.deepEqual(asked, [[s.symbol, s.timeframe, 300]]);
  assert.deepEqual(r, { received: 5, refused: 1 }, "the re-sent bar is dropped, the high < low one refused");
  assert.deepEqual(Array.from(buffer.close.subarray(0, buffer.length)), [1.1, 1.2, 1.25]);
  assert.deepEqual(gate.last, { time: t + 3 * h, close: 1.25 });
  await s.journal.close();
  const bad = (await readJournal(s.journal.path)).events.filter((e) => e.type === "bad_bar");
  assert.equal(bad.length, 1);
  assert.equal(bad[0].history, true);
  assert.equal(bad[0].refused, 1);
});

Deno.test("bookBar: the bar journalled, the terminal's exits booked; a bad reply waits for the next bar, other errors stop", async () => {
  const s = await virtualSession();
  const bars = s.replay as BarArrays;
  const synced: number[] = [];
  let fail: Error | null = null;
  const desk = {
    syncExternalExits: (i: number) => {
      synced.push(i);
      return fail ? Promise.reject(fail) : Promise.resolve();
    },
  } as unknown as OrderDesk;
  await bookBar(s.journal, desk, bars, 3);
  fail = new BadReplyError("positions", "garbled");
  await bookBar(s.journal, desk, bars, 4);
  fail = new Error("socket gone");
  await assert.rejects(bookBar(s.journal, desk, bars, 5), /socket gone/);
  assert.deepEqual(synced, [3, 4, 5]);
  await s.journal.close();
  const logged = (await readJournal(s.journal.path)).events.filter((e) => e.type === "bar");
  assert.deepEqual(logged.map((e) => e.bar), [3, 4, 5]);
  assert.equal(logged[0].time, new Date(bars.time[3]).toISOString());
  assert.equal(logged[0].close, bars.close[3]);
});

Deno.test("basketSymbols: trimmed, without repeats, in order, the timeframe upper-cased; bad_option when either is missing", () => {
  assert.deepEqual(basketSymbols([" EURUSD+", "XAUUSD+", "EURUSD+", ""], "h4"), {
    symbols: ["EURUSD+", "XAUUSD+"],
    timeframe: "H4",
  });
  assert.throws(
    () => basketSymbols([" ", ""], "H4"),
    (e: unknown) => isKinetraError(e) && e.code === "bad_option",
  );
  assert.throws(
    () => basketSymbols(["EURUSD+"], ""),
    (e: unknown) => isKinetraError(e) && e.code === "bad_option",
  );
});

Deno.test("endRun: run_end is the journal's last event, then summary.json and the closing line", async () => {
  const s = await virtualSession();
  const printed: string[] = [];
  await endRun(
    { ...s, io: { print: (l: string) => printed.push(l) } },
    { status: "completed" },
    { x: NaN },
    "done",
  );
  const events = (await readJournal(s.journal.path)).events;
  assert.equal(events[events.length - 1].type, "run_end");
  assert.equal(events[events.length - 1].status, "completed");
  assert.deepEqual(JSON.parse(await Deno.readTextFile(s.summaryPath)), { x: null });
  assert.deepEqual(printed, ["done"]);
});
