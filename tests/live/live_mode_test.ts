// Live mode end to end against the simulator playing a REAL account (never a real server): it
// trades only with every opt-in and the matching pinned account; demo mode refuses that account.
import assert from "node:assert/strict";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { toMt5SymbolInfo } from "../../lib/market/mod.ts";
import { isKinetraError } from "../../lib/errors.ts";
import { type LiveMode, runLive } from "../../lib/live/mod.ts";
import { Mt5Simulator } from "../../lib/mt5/mod.ts";
import { sampleBars } from "../mt5/helpers.ts";

const SECRET = "live-mode-test-secret";

async function session(mode: LiveMode, env: Record<string, string>, allowLive = true) {
  const all = await sampleBars();
  const n = 420;
  const cut = (a: Float64Array) => a.subarray(0, n);
  const logsDir = await Deno.makeTempDir();
  let sim: Mt5Simulator | null = null;
  try {
    const summary = await runLive({
      mode,
      symbol: "GBPUSD+",
      timeframe: "H4",
      strategy: "sma_cross",
      yes: true,
      acceptRealMoneyRisk: mode === "live",
      bridge: "127.0.0.1:0",
      logsDir,
      configPath: `${logsDir}/none.json`,
      chsThreshold: 0,
      connectTimeoutMs: 3000,
      barTimeoutMs: 4000,
      heartbeatMs: 200,
    }, {
      print: () => {},
      env: (k) => ({ KINETRA_BRIDGE_SECRET: SECRET, ...env })[k],
      onBridgeListening: ({ hostname, port }) => {
        sim = new Mt5Simulator({
          hostname,
          port,
          secret: SECRET,
          account: "real",
          allowLive,
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
          barIntervalMs: 10,
          reconnectDelayMs: 50,
          maxConnectAttempts: 2,
        });
        sim.start();
      },
    });
    return { summary, sim: sim as unknown as Mt5Simulator };
  } finally {
    await (sim as Mt5Simulator | null)?.stop();
    await Deno.remove(logsDir, { recursive: true });
  }
}

const PINS = {
  KINETRA_ALLOW_LIVE: "1",
  KINETRA_LIVE_LOGIN: "8000123",
  KINETRA_LIVE_SERVER: "Kinetra-Sim-Real",
};

Deno.test("live mode with every opt-in and the pinned account trades", async () => {
  const { summary, sim } = await session("live", PINS);
  assert.equal(summary.status, "completed", summary.halt_message ?? "");
  assert.equal(summary.account?.trade_mode, 2);
  assert.ok(summary.trades.length > 0);
  assert.ok(sim.stats.orders_executed > 0);
});

Deno.test("live mode refuses an account that does not match the pins", async () => {
  await assert.rejects(
    () => session("live", { ...PINS, KINETRA_LIVE_LOGIN: "8000999" }),
    (e) => isKinetraError(e) && (e as { code: string }).code === "account_refused",
  );
});

Deno.test("demo mode refuses a REAL account at the handshake", async () => {
  await assert.rejects(
    () => session("demo", {}),
    (e) => isKinetraError(e) && /accepts only DEMO accounts/.test((e as Error).message),
  );
});

Deno.test("the EA's own live switch off: live orders are refused by the EA and counted", async () => {
  const { summary, sim } = await session("live", PINS, false);
  assert.equal(sim.stats.orders_executed, 0);
  assert.equal(summary.trades.length, 0);
  assert.ok(summary.broker_rejections > 0);
});
