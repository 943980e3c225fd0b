/**
 * `deno task mt5:sim [--port P] [--host H] [--account demo|real|contest] [--hedging] [--data FILE] [--also FILE]
 * [--faults lost_reply,disconnect,duplicate_command,stalled_heartbeat,split_lines,phantom_readable,link_drop]
 * [--bar-ms MS] [--history N] [--allow-live] [--strict] [--ea 1.10|1.00] [--no-algo-trading] [--json]`:
 * the MT5 Expert Advisor simulator. It connects to a running `deno task live --mode demo` exactly as
 * KinetraBridge.mq5 would and streams the file's bars. `--strict` turns on the real terminal's
 * behaviours (market moving while disconnected, a GMT+2/+3 server clock, fills only in the deal);
 * `--ea 1.00` plays the EA version with the ten runtime faults of issue 16. The shared secret comes
 * from KINETRA_BRIDGE_SECRET or .kinetra/config.json.
 */
import { parseArgs } from "node:util";
import { numberOption, numberOptionOr, runTask } from "../lib/util/cli.ts";
import { KinetraError } from "../lib/errors.ts";
import { symbolSpec } from "../lib/market/instrument.ts";
import { toMt5SymbolInfo } from "../lib/market/mt5_names.ts";
import { DEFAULT_BRIDGE_HOST, DEFAULT_BRIDGE_PORT, Mt5Simulator, parseFaults } from "../lib/mt5/mod.ts";
import { killSwitch, loadLiveConfig, loadReplayBars, requireSecret } from "../lib/live/mod.ts";

const DEFAULT_DATA = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        account: { type: "string" },
        hedging: { type: "boolean" },
        data: { type: "string" },
        also: { type: "string", multiple: true },
        symbol: { type: "string" },
        timeframe: { type: "string" },
        faults: { type: "string" },
        "bar-ms": { type: "string" },
        history: { type: "string" },
        "allow-live": { type: "boolean" },
        balance: { type: "string" },
        json: { type: "boolean" },
        strict: { type: "boolean" },
        ea: { type: "string" },
        "no-algo-trading": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
  } catch (e) {
    throw new KinetraError("bad_option", (e as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(
      "usage: deno task mt5:sim [--port P] [--account demo|real|contest] [--hedging] [--data FILE] [--also FILE ...] " +
        "[--faults LIST] [--bar-ms MS] [--history N] [--allow-live] [--strict] [--ea 1.10|1.00] " +
        "[--no-algo-trading] [--json]",
    );
    return 0;
  }
  const account = (v.account ?? "demo") as "demo" | "real" | "contest";
  if (!["demo", "real", "contest"].includes(account)) {
    throw new KinetraError("bad_option", `--account must be demo, real or contest, got "${v.account}"`);
  }
  const port = numberOptionOr("port", v.port, DEFAULT_BRIDGE_PORT, {
    integer: true,
    min: 1,
    max: 65535,
    code: "bad_option",
  });
  const barMs = numberOptionOr("bar-ms", v["bar-ms"], 1000, { min: 1, code: "bad_option" });
  const historyBars = numberOption("history", v.history, { integer: true, min: 1, code: "bad_option" });
  const balance = numberOption("balance", v.balance, { positive: true, code: "bad_option" });
  const faults = parseFaults(v.faults);
  if (v.ea !== undefined && v.ea !== "1.10" && v.ea !== "1.00") {
    throw new KinetraError("bad_option", `--ea must be 1.10 (current) or 1.00, got "${v.ea}"`);
  }
  const config = await loadLiveConfig();
  const secret = requireSecret(config);
  const loaded = await loadReplayBars(v.data ?? DEFAULT_DATA);
  const symbol = v.symbol ?? loaded.symbol;
  const timeframe = v.timeframe ?? loaded.timeframe ?? "H4";
  const spec = toMt5SymbolInfo(symbolSpec(symbol));
  const print = (l: string) => console.error(l);
  // Waiting for a runner is not news every second: one line when the link drops, then quiet
  // reconnects until something else happens; giving up says why and what to start.
  let waiting = 0;
  const quietLog = (event: string, fields: Record<string, unknown>): void => {
    if (event === "sim_disconnected") {
      if (waiting++ === 0) {
        print(
          `sim: disconnected (${fields.reason ?? "?"}); waiting quietly for a runner on ${
            v.host ?? DEFAULT_BRIDGE_HOST
          }:${port} ...`,
        );
      }
      return;
    }
    if (event === "sim_give_up") {
      print(
        `sim: no runner on ${
          v.host ?? DEFAULT_BRIDGE_HOST
        }:${port} after ${waiting} reconnect attempts: stopping ` +
          "(start `deno task live --mode demo` first, then the simulator)",
      );
      return;
    }
    if (waiting > 1) print(`sim: reconnected after ${waiting} attempts`);
    waiting = 0;
    print(`sim: ${event} ${JSON.stringify(fields)}`);
  };
  // --also FILE: more symbols of the same terminal (a basket for `deno task live --mode demo --symbols`).
  const others = [];
  for (const f of v.also ?? []) {
    const o = await loadReplayBars(f);
    others.push({ symbol: o.symbol, spec: toMt5SymbolInfo(symbolSpec(o.symbol)), bars: o.bars });
  }
  const sim = new Mt5Simulator({
    hostname: v.host ?? DEFAULT_BRIDGE_HOST,
    port,
    secret,
    account,
    hedging: v.hedging,
    allowLive: v["allow-live"],
    symbol,
    timeframe,
    spec,
    bars: loaded.bars,
    others,
    historyBars,
    barIntervalMs: barMs,
    faults,
    strict: v.strict,
    ea: v.ea as "1.10" | "1.00" | undefined,
    eaTradeAllowed: v["no-algo-trading"] ? false : undefined,
    balance,
    commissionPerLot: symbolSpec(symbol).commissionPerLot,
    log: (event, fields) => quietLog(event, fields),
  });
  const kill = killSwitch(() => sim.stop());
  print(
    `sim: ${account} account, ${symbol} ${timeframe}${
      others.length ? ` (+ ${others.map((o) => o.symbol).join(", ")})` : ""
    }, ${loaded.bars.length} bars, one every ${barMs} ms; ` +
      `connecting to ${v.host ?? DEFAULT_BRIDGE_HOST}:${port}${
        faults.length ? `; faults: ${faults.join(", ")}` : ""
      }`,
  );
  try {
    await sim.start();
    await sim.finished;
    await new Promise((r) => setTimeout(r, 500)); // let the last replies go out
    await sim.stop();
  } finally {
    kill.dispose();
  }
  const acc = await sim.book.account();
  const report = {
    ...sim.stats,
    positions: await sim.book.positions(),
    deals: sim.book.deals().length,
    balance: acc.balance,
    equity: acc.equity,
  };
  if (v.json) console.log(JSON.stringify(report, null, 2));
  else print(`sim: done: ${JSON.stringify(report)}`);
  return sim.stats.refused ? 1 : 0;
}

if (import.meta.main) runTask(main);
