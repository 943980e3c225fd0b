// Safety layers: the breaker's hysteresis and event counting, limits, the kill switch, readiness.
import assert from "node:assert/strict";
import { CircuitBreaker, evaluateReadiness, readJournal, runLive } from "../../lib/live/mod.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
const quiet = { print: () => {} };

Deno.test("breaker trips below the threshold and resets only above threshold + 0.10; events are transitions", () => {
  const b = new CircuitBreaker(0.55);
  assert.equal(b.update(NaN), null); // undefined CHS changes nothing
  assert.equal(b.update(0.6), null);
  assert.equal(b.update(0.5), "tripped");
  for (let k = 0; k < 100; k++) assert.equal(b.update(0.4), null); // staying low is still one event
  assert.equal(b.update(0.6), null); // above threshold but not above 0.65: still tripped
  assert.equal(b.tripped, true);
  assert.equal(b.update(0.65), null); // not strictly above
  assert.equal(b.update(0.66), "reset");
  assert.equal(b.update(0.54), "tripped");
  assert.equal(b.trips, 2);
  assert.equal(b.resets, 1);
});

Deno.test("the breaker stops new entries in a replay and each trip is journalled once", async () => {
  const logsDir = await Deno.makeTempDir();
  // sma_cross on this file has a CHS well under 0.55 once 10 trades exist (about 0.27 at the end).
  const s = await runLive({ mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir }, quiet);
  assert.ok(s.breaker_events >= 1);
  assert.ok(s.entries_blocked > 0);
  assert.ok(s.trades.length < 119, `the breaker must have stopped entries (${s.trades.length} trades)`);
  const j = await readJournal(s.journal);
  assert.equal(j.breaker.filter((e) => e.state === "tripped").length, s.breaker_events);
  assert.ok(j.breaker.every((e) => e.state !== "tripped" || (e.chs ?? 1) < 0.55));
  assert.ok(j.chs.length > 0 && j.chs.every((c) => c.value === null || (c.value >= 0 && c.value <= 1)));
  assert.equal(s.chs.min !== null && s.chs.min <= 0.55, true);
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("flatten on breaker: the trip closes the open position at the next bar's open", async () => {
  const logsDir = await Deno.makeTempDir();
  const s = await runLive(
    { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir, flattenOnBreaker: true },
    quiet,
  );
  assert.ok(s.breaker_events >= 1);
  const j = await readJournal(s.journal);
  const k = j.events.findIndex((e) => e.type === "limit" && e.what === "flatten_on_breaker");
  assert.ok(k > 0);
  const next = j.events.slice(k).find((e) => e.type === "fill");
  assert.equal(next?.what, "exit", "the next fill after the trip closes the position");
  const tripBar = j.events[k].bar as number;
  const closed = s.trades.find((t) => t.exit_bar === tripBar + 1);
  assert.ok(closed, "a trade closed on the bar after the trip");
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("max trades: no entry after the limit and the run ends once flat", async () => {
  const logsDir = await Deno.makeTempDir();
  const s = await runLive(
    { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir, maxTrades: 3, chsThreshold: 0 },
    quiet,
  );
  const j = await readJournal(s.journal);
  const entries = j.events.filter((e) => e.type === "fill" && e.what === "entry").length;
  assert.equal(entries, 3);
  assert.equal(s.status, "halted");
  assert.equal(s.halt_reason, "max_trades");
  assert.equal(s.open_trades.length, 0);
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("max position size refuses entries beyond the limit", async () => {
  const logsDir = await Deno.makeTempDir();
  // sma_cross sizes about 0.07 lots here: a 0.05-lot cap refuses every entry.
  const s = await runLive(
    { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir, maxPositionLots: 0.05, chsThreshold: 0 },
    quiet,
  );
  assert.equal(s.trades.length, 0);
  assert.ok(s.limit_events > 0);
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("max daily loss stops entries for the rest of that day", async () => {
  const logsDir = await Deno.makeTempDir();
  const s = await runLive(
    { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir, maxDailyLoss: 5, chsThreshold: 0 },
    quiet,
  );
  const j = await readJournal(s.journal);
  const hits = j.events.filter((e) => e.type === "limit" && e.what === "max_daily_loss");
  assert.ok(hits.length > 0);
  for (const h of hits) assert.ok((h.day_start_equity as number) - (h.equity as number) > 5);
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("kill switch: a signal or a kill file halts the replay cleanly with a summary", async () => {
  const logsDir = await Deno.makeTempDir();
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const s = await runLive(
    { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir, speed: 200, chsThreshold: 0 },
    { print: () => {}, signal: ac.signal },
  );
  assert.equal(s.status, "halted");
  assert.equal(s.halt_reason, "kill_switch");
  assert.ok(s.bars_processed > 0 && s.bars_processed < 3000);
  assert.ok(JSON.parse(await Deno.readTextFile(s.summary_path)).status === "halted");

  const killFile = `${logsDir}/STOP`;
  setTimeout(() => Deno.writeTextFileSync(killFile, "stop"), 300);
  const s2 = await runLive(
    { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir, speed: 200, killFile, chsThreshold: 0 },
    quiet,
  );
  assert.equal(s2.halt_reason, "kill_switch");
  assert.match(s2.halt_message ?? "", /STOP/);
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("readiness: every criterion must pass, with breaker events counted per closed trade", () => {
  const good = evaluateReadiness({
    mode: "virtual",
    chs: 0.93,
    omega: 3,
    energyCapturedPct: 70,
    validatorRejections: 0,
    breakerEvents: 1,
    closedTrades: 40,
  });
  assert.equal(good.ready, true);
  assert.equal(good.next_stage, "demo");
  const bad = evaluateReadiness({
    mode: "demo",
    chs: 0.93,
    omega: 3,
    energyCapturedPct: 70,
    validatorRejections: 1,
    breakerEvents: 3,
    closedTrades: 40,
  });
  assert.equal(bad.ready, false);
  assert.equal(bad.next_stage, "live");
  assert.deepEqual(bad.checks.filter((c) => !c.pass).map((c) => c.name), [
    "validator_rejections",
    "breaker_events_pct",
  ]);
});
