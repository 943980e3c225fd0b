// The five parts of the live runner, each on its own: session set-up, bar feed, risk guard,
// order desk and summary (the whole runner is covered by parity, safety and demo tests).
import assert from "node:assert/strict";
import { join } from "node:path";
import { readJournal } from "../../lib/live/journal.ts";
import { checkOptions, type LiveSession, setUpSession } from "../../lib/live/session.ts";
import { BarBuffer, paperMarket } from "../../lib/live/feed.ts";
import { RiskGuard } from "../../lib/live/guard.ts";
import { OrderDesk } from "../../lib/live/desk.ts";
import { TradeBook } from "../../lib/execution/trade_book.ts";
import { finishSummary } from "../../lib/live/summary.ts";
import type { BarArrays } from "../../lib/data/types.ts";
import { isKinetraError } from "../../lib/errors.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
const quiet = { print: () => {} };

async function virtualSession(extra: Record<string, unknown> = {}): Promise<LiveSession> {
  const logsDir = await Deno.makeTempDir();
  return await setUpSession(
    { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir, runId: "t", ...extra },
    quiet,
  );
}

Deno.test("session: bad options are refused before anything is written", async () => {
  for (
    const bad of [
      { chsThreshold: 1.5 },
      { speed: -1 },
      { maxTrades: -2 },
      { durationMin: 0 },
      { maxRefusals: 0 },
      { maxRefusals: 1.5 },
      { maxBadMessages: 0 },
    ]
  ) {
    assert.throws(
      () => checkOptions({ mode: "virtual", strategy: "sma_cross", ...bad }),
      (e: unknown) => isKinetraError(e) && e.code === "bad_option",
      JSON.stringify(bad),
    );
  }
  assert.throws(
    () => checkOptions({ mode: "paper" as "virtual", strategy: "sma_cross" }),
    (e: unknown) => isKinetraError(e) && e.code === "bad_mode",
  );
  const logsDir = await Deno.makeTempDir();
  await assert.rejects(
    setUpSession({ mode: "demo", strategy: "sma_cross", logsDir, configPath: join(logsDir, "none.json") }, {
      ...quiet,
      env: () => undefined,
    }),
    (e: unknown) => isKinetraError(e),
  );
  assert.deepEqual([...Deno.readDirSync(logsDir)], [], "a refused demo set-up writes nothing");
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("session: virtual set-up loads the replay, makes the run folder and journals run_start", async () => {
  const s = await virtualSession();
  assert.equal(s.symbol, "GBPUSD+");
  assert.equal(s.timeframe, "H4");
  assert.ok(s.replay && s.replay.length > 1000);
  assert.equal(s.threshold, 0.55);
  await s.journal.close();
  const j = await readJournal(s.journal.path);
  assert.equal(j.events[0].type, "run_start");
  assert.equal(j.events[0].magic, s.magic);
  await assert.rejects(
    setUpSession({
      mode: "virtual",
      strategy: "sma_cross",
      data: GBPUSD,
      logsDir: join(s.runDir, ".."),
      runId: "t",
    }, quiet),
    (e: unknown) => isKinetraError(e) && e.code === "run_exists",
  );
});

Deno.test("feed: the bar buffer grows past its first capacity and keeps every field", () => {
  const b = new BarBuffer();
  for (let i = 0; i < 3000; i++) {
    b.push({
      time_msc: i * 1000,
      open: 1 + i,
      high: 2 + i,
      low: i,
      close: 1.5 + i,
      tick_volume: i,
      spread: 7,
      real_volume: 0,
    });
  }
  const v = b.view();
  assert.equal(v.length, 3000);
  assert.equal(v.time[2999], 2_999_000);
  assert.equal(v.close[1500], 1501.5);
  assert.equal(v.spread![0], 7);
});

Deno.test("guard: the breaker trips, blocks entries, and is journalled once; the kill file halts", async () => {
  const s = await virtualSession({ chsThreshold: 0.55 });
  const g = new RiskGuard(s, 252);
  assert.equal(g.entryBlockedBy(false), null);
  assert.equal(g.entryBlockedBy(true), "halting");
  // Ten losing trades and falling daily equity: the CHS is defined and low.
  let eq = 10_000;
  for (let d = 0; d < 30; d++) {
    if (d < 12) g.addTrade({ returnPct: -1, pnl: -10, mfe: 1, captured: -1, energy: NaN });
    const prev = eq;
    eq -= 10;
    await g.afterBar(d, Date.UTC(2024, 0, 2 + d), eq, prev);
  }
  assert.ok(g.chsLast < 0.55, `CHS ${g.chsLast}`);
  assert.equal(g.breaker.trips, 1);
  assert.equal(g.entryBlockedBy(false), "circuit_breaker");
  await Deno.writeTextFile(s.killFiles[0], "");
  assert.throws(() => g.checkKill(), /kill switch/);
  await s.journal.close();
  const j = await readJournal(s.journal.path);
  assert.equal(j.breaker.length, 1);
});

Deno.test("guard: the daily loss limit blocks entries for the rest of the day only", async () => {
  const s = await virtualSession({ maxDailyLoss: 50, chsThreshold: 0 });
  const g = new RiskGuard(s, 252);
  const day = Date.UTC(2024, 0, 2);
  await g.afterBar(0, day, 10_000, undefined);
  await g.afterBar(1, day + 3_600_000, 9_940, 10_000);
  assert.equal(g.entryBlockedBy(false), "max_daily_loss");
  assert.equal(g.limitEvents, 1);
  await g.afterBar(2, day + 86_400_000, 9_940, 9_940);
  assert.equal(g.entryBlockedBy(false), null);
  await s.journal.close();
});

Deno.test("desk: an entry is journalled before and after, booked in the ledger, then closed", async () => {
  const s = await virtualSession({ chsThreshold: 0 });
  const market = paperMarket(s);
  const ledger = new TradeBook(market.spec, s.cash);
  const guard = new RiskGuard(s, 252);
  const bars = s.replay as BarArrays;
  const desk = new OrderDesk(s, market, ledger, guard, {
    bars: () => bars,
    energy: () => null,
    halting: () => false,
  });
  market.paper!.setQuote({
    symbol: s.symbol,
    bid: bars.open[10],
    ask: bars.open[10] + desk.spreadPx(10),
    time_msc: bars.time[10],
  });
  await desk.execute([{ kind: "entry", side: 1, size: 1 }], 9, 10);
  assert.equal(guard.entries, 1);
  assert.equal(ledger.netLots, 1);
  assert.equal((await desk.positions()).length, 1);
  market.paper!.setQuote({
    symbol: s.symbol,
    bid: bars.open[11],
    ask: bars.open[11] + desk.spreadPx(11),
    time_msc: bars.time[11],
  });
  await desk.execute([{ kind: "close" }], 10, 11);
  assert.equal(ledger.netLots, 0);
  assert.equal(ledger.closed.length, 1);
  assert.equal(ledger.closed[0].exit_price, bars.open[11]);
  // A blocked entry is counted, not sent.
  const blocked = new OrderDesk(s, market, ledger, guard, {
    bars: () => bars,
    energy: () => null,
    halting: () => true,
  });
  await blocked.execute([{ kind: "entry", side: -1, size: 0.1 }], 11, 12);
  assert.equal(blocked.counters.entries_blocked, 1);
  await s.journal.close();
  const j = await readJournal(s.journal.path);
  assert.equal(j.orders.length, 2);
  assert.ok(j.orders.every((o) => o.state === "done"));
  const kinds = j.events.map((e) => e.type);
  assert.ok(kinds.indexOf("order_pending") < kinds.indexOf("order_result"));
  assert.equal(await desk.duplicates(), 0);
});

Deno.test("summary: statistics over the processed bars, run_end journalled, summary.json written", async () => {
  const s = await virtualSession();
  const market = paperMarket(s);
  const ledger = new TradeBook(market.spec, s.cash);
  const guard = new RiskGuard(s, 252);
  const bars = s.replay as BarArrays;
  const desk = new OrderDesk(s, market, ledger, guard, {
    bars: () => bars,
    energy: () => null,
    halting: () => false,
  });
  const equity = Array.from({ length: 50 }, (_, k) => 10_000 + k);
  const summary = await finishSummary({
    s,
    desk,
    guard,
    bars,
    equity,
    startCash: 10_000,
    lastIndex: 49,
    statsStart: 1,
    firstBar: 0,
    halted: null,
    endedNormally: true,
    duplicates: 0,
    account: null,
  });
  assert.equal(summary.status, "completed");
  assert.equal(summary.bars_processed, 50);
  assert.ok(Math.abs(Number(summary.stats.return_pct) - 0.49) < 1e-9, String(summary.stats.return_pct));
  const onDisk = JSON.parse(await Deno.readTextFile(s.summaryPath));
  assert.equal(onDisk.run_id, "t");
  const j = await readJournal(s.journal.path);
  assert.equal(j.events.at(-1)?.type, "run_end");
});
