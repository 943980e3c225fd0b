// Missed bars end to end: a demo run over the bridge against the strict simulator, whose link drops
// for a while as the market moves on (a DEMO account on loopback, never a real server). With the
// current EA every bar reaches the runner and the run completes; with EA 1.00 (only the last bar
// resent) the listener sees the hole and the runner halts with `bar_gap` instead of trading over it.
import assert from "node:assert/strict";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { toMt5SymbolInfo } from "../../lib/market/mod.ts";
import { readJournal, runLive } from "../../lib/live/mod.ts";
import { type EaVersion, Mt5Simulator } from "../../lib/mt5/mod.ts";
import { sampleBars } from "./helpers.ts";

const SECRET = "runner-gap-test-secret";

async function demoRun(ea: EaVersion) {
  const all = await sampleBars();
  const n = 360;
  const cut = (a: Float64Array) => a.subarray(0, n);
  const logsDir = await Deno.makeTempDir();
  let sim: Mt5Simulator | null = null;
  const summary = await runLive({
    mode: "demo",
    symbol: "GBPUSD+",
    timeframe: "H4",
    strategy: "sma_cross",
    yes: true,
    bridge: "127.0.0.1:0",
    logsDir,
    configPath: `${logsDir}/none.json`,
    chsThreshold: 0,
    connectTimeoutMs: 3000,
    reconnectTimeoutMs: 3000,
    barTimeoutMs: 4000,
    heartbeatMs: 100,
  }, {
    print: () => {},
    env: (k) => ({ KINETRA_BRIDGE_SECRET: SECRET } as Record<string, string>)[k],
    onBridgeListening: ({ hostname, port }) => {
      sim = new Mt5Simulator({
        hostname,
        port,
        secret: SECRET,
        symbol: "GBPUSD+",
        timeframe: "H4",
        spec: toMt5SymbolInfo(symbolSpec("GBPUSD+")),
        bars: {
          length: n,
          time: cut(all.time),
          open: cut(all.open),
          high: cut(all.high),
          low: cut(all.low),
          close: cut(all.close),
          tickVolume: cut(all.tickVolume),
          volume: cut(all.volume),
          spread: all.spread ? cut(all.spread) : null,
        },
        historyBars: 300,
        barIntervalMs: 15,
        reconnectDelayMs: 50,
        maxConnectAttempts: 3,
        strict: true,
        ea,
        faults: ["link_drop"],
        linkDropAfterBars: 10,
        linkDropMs: 200,
      });
      sim.start();
    },
  });
  const s = sim as unknown as Mt5Simulator;
  await s.stop();
  const j = await readJournal(summary.journal);
  await Deno.remove(logsDir, { recursive: true });
  return { summary, sim: s, journal: j };
}

Deno.test("demo run: bars missed during an outage are resent (1.10) or halt the run as a gap (1.00)", async () => {
  const fixed = await demoRun("1.10");
  assert.ok(fixed.sim.stats.faults_fired.includes("link_drop"));
  assert.equal(fixed.summary.status, "completed", fixed.summary.halt_message ?? "");
  const barEvents = fixed.journal.events.filter((e) => e.type === "bar").length;
  assert.equal(barEvents, 360 - 300, "every streamed bar reached the runner once");

  const legacy = await demoRun("1.00");
  assert.notEqual(legacy.summary.status, "completed");
  assert.match(legacy.summary.halt_message ?? "", /bars are missing/);
});
