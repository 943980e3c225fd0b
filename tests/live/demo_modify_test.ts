// Trailing stops in demo mode, end to end over the bridge against the MT5 simulator (a DEMO account,
// never a real server): modify intents go out as modify_sltp requests, validated and journalled, and
// the stops the terminal then triggers come back as `sl` exits.
import assert from "node:assert/strict";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { toMt5SymbolInfo } from "../../lib/market/mod.ts";
import { runLive } from "../../lib/live/mod.ts";
import { Mt5Simulator } from "../../lib/mt5/mod.ts";
import type { Strategy } from "../../lib/strategies/mod.ts";
import { sampleBars } from "../mt5/helpers.ts";
import { trail } from "./bracket_strategy.ts";

const SECRET = "demo-modify-test-secret";

Deno.test("demo mode: a trailing stop's modify intents reach the terminal, validated and journalled", async () => {
  const all = await sampleBars();
  const n = 700;
  const cut = (a: Float64Array) => a.subarray(0, n);
  const logsDir = await Deno.makeTempDir();
  let sim: Mt5Simulator | null = null;
  try {
    const summary = await runLive({
      mode: "demo",
      symbol: "GBPUSD+",
      timeframe: "H4",
      strategy: trail as Strategy,
      yes: true,
      bridge: "127.0.0.1:0",
      logsDir,
      configPath: `${logsDir}/none.json`,
      chsThreshold: 0,
      connectTimeoutMs: 3000,
      barTimeoutMs: 4000,
      heartbeatMs: 200,
    }, {
      print: () => {},
      env: (k) => ({ KINETRA_BRIDGE_SECRET: SECRET } as Record<string, string>)[k],
      onBridgeListening: ({ hostname, port }) => {
        sim = new Mt5Simulator({
          hostname,
          port,
          secret: SECRET,
          account: "demo",
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
          barIntervalMs: 40, // a modify validated at one quote must still hold when it arrives (shared machine)
          reconnectDelayMs: 50,
          maxConnectAttempts: 2,
        });
        sim.start();
      },
    });
    assert.equal(summary.status, "completed", summary.halt_message ?? "");
    const events = (await Deno.readTextFile(summary.journal)).trim().split("\n").map((l) => JSON.parse(l));
    const results = events.filter((e) => e.type === "order_result" && e.kind === "modify");
    const pending = events.filter((e) => e.type === "order_pending" && e.kind === "modify");
    assert.ok(results.length > 5, `modify results: ${results.length}`);
    assert.equal(pending.length, results.length, "every modify is journalled before it is sent");
    // The terminal accepts a validated modify unless the market moved on while it was in flight (the
    // simulator keeps streaming bars): the position was already closed by its stop (10036) or the
    // price came within the stops level (10016). Those refusals are real terminal answers, journalled
    // like any other; anything else is a defect.
    const refusedByTerminal = results.filter((e) => e.ok !== true);
    assert.ok(
      refusedByTerminal.every((e) => [10036, 10016].includes(Number(e.result?.retcode))),
      "unexpected modify refusals " + JSON.stringify(refusedByTerminal),
    );
    assert.ok(results.length - refusedByTerminal.length > 5, "most validated modifies were accepted");
    // Every level sent sits on the price grid.
    for (const e of pending) {
      assert.equal(e.request.sl, Number(e.request.sl.toFixed(5)), `off-grid SL ${e.request.sl}`);
    }
    // The wrong-side requests never left the runner; what the terminal refused is one of the race
    // answers above (journalled as the broker's rejection), nothing else.
    const refused = events.filter((e) => e.type === "rejection" && e.kind === "modify");
    const byValidator = refused.filter((e) => e.by === "validator");
    const byTerminal = refused.filter((e) => e.by !== "validator");
    assert.ok(byValidator.length > 0, "the wrong-side modifies are refused by the validator");
    assert.ok(
      byTerminal.every((e) => e.by === "broker" && [10036, 10016].includes(Number(e.retcode))),
      "unexpected rejections " + JSON.stringify(byTerminal),
    );
    assert.equal(byTerminal.length, refusedByTerminal.length, "each terminal refusal is journalled once");
    assert.equal(summary.validator_rejections, byValidator.length);
    // The terminal's stop-loss exits come back as trades closed on their stop.
    assert.ok(summary.trades.some((t) => t.exit_reason === "sl"), "expected stop-loss exits");
  } finally {
    await (sim as Mt5Simulator | null)?.stop();
    await Deno.remove(logsDir, { recursive: true });
  }
});
