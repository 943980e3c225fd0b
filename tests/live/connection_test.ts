// testConnection against the simulator: it authenticates the EA, reports terminal and account,
// says which modes the account can be used for, and never trades.
import assert from "node:assert/strict";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { toMt5SymbolInfo } from "../../lib/market/mod.ts";
import { isKinetraError } from "../../lib/errors.ts";
import { testConnection } from "../../lib/live/mod.ts";
import { Mt5Simulator } from "../../lib/mt5/mod.ts";
import { sampleBars } from "../mt5/helpers.ts";

const SECRET = "conn-test-secret-9";

async function check(account: "demo" | "real", simSecret = SECRET) {
  let sim: Mt5Simulator | null = null;
  const bars = await sampleBars();
  try {
    return await testConnection({
      bridge: "127.0.0.1:0",
      timeoutMs: 3000,
      symbol: "GBPUSD+",
      configPath: "/nonexistent/config.json",
      env: (n) => (n === "KINETRA_BRIDGE_SECRET" ? SECRET : undefined),
      onListening: ({ hostname, port }) => {
        sim = new Mt5Simulator({
          hostname,
          port,
          secret: simSecret,
          account,
          symbol: "GBPUSD+",
          timeframe: "H4",
          spec: toMt5SymbolInfo(symbolSpec("GBPUSD+")),
          bars,
          reconnectDelayMs: 50,
          maxConnectAttempts: 3,
        });
        sim.start();
      },
    });
  } finally {
    const s = sim as Mt5Simulator | null;
    if (s) {
      await s.stop();
      assert.equal(s.book.deals().length, 0, "a connection test never trades");
    }
  }
}

Deno.test("connection test reports a demo account as usable for demo", async () => {
  const r = await check("demo");
  assert.equal(r.ok, true);
  assert.equal(r.account.trade_mode_name, "demo");
  assert.deepEqual(r.usable_for, ["demo"]);
  assert.equal(r.symbol?.name, "GBPUSD+");
  assert.ok(r.symbol!.bid > 0);
  assert.ok(r.latency_ms >= 0);
});

Deno.test("connection test reports a real account as not usable without pins", async () => {
  const r = await check("real");
  assert.equal(r.account.trade_mode_name, "real");
  assert.deepEqual(r.usable_for, []);
});

Deno.test("connection test with a wrong secret says authentication failed, at once", async () => {
  await assert.rejects(
    () => check("demo", "wrong-secret-000"),
    (e) => isKinetraError(e) && /authentication failed .*check BridgeSecret/.test((e as Error).message),
  );
});
