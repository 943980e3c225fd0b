// Loopback helpers: a listener on a free 127.0.0.1 port and a simulator over real sample bars.
import { toArrays } from "../../lib/data/mod.ts";
import { readBars } from "../../lib/data/mod.ts";
import type { BarArrays } from "../../lib/data/types.ts";
import type { Mt5SymbolInfo } from "../../lib/broker/mod.ts";
import {
  BridgeServer,
  type BridgeServerOptions,
  Mt5Simulator,
  type SimulatorOptions,
} from "../../lib/mt5/mod.ts";

export const SECRET = "test-secret-Zq81";
export const SAMPLE = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

let cached: BarArrays | null = null;
export async function sampleBars(): Promise<BarArrays> {
  if (!cached) cached = toArrays(await readBars(SAMPLE));
  return cached;
}

export const GBPUSD: Mt5SymbolInfo = {
  name: "GBPUSD+",
  digits: 5,
  point: 0.00001,
  trade_tick_size: 0.00001,
  trade_tick_value: 1,
  trade_contract_size: 100000,
  volume_min: 0.01,
  volume_max: 100,
  volume_step: 0.01,
  volume_limit: 0,
  trade_stops_level: 10,
  trade_freeze_level: 5,
  trade_mode: 4,
  trade_exemode: 2,
  filling_mode: 3,
};

export async function listen(over: Partial<BridgeServerOptions> = {}): Promise<BridgeServer> {
  return await BridgeServer.listen({
    hostname: "127.0.0.1",
    port: 0,
    secret: SECRET,
    heartbeatMs: 100,
    deadAfterMs: 1500,
    handshakeTimeoutMs: 2000,
    ...over,
  });
}

export async function simulator(
  server: BridgeServer,
  over: Partial<SimulatorOptions> = {},
): Promise<Mt5Simulator> {
  const sim = new Mt5Simulator({
    hostname: "127.0.0.1",
    port: server.port,
    secret: SECRET,
    symbol: "GBPUSD+",
    timeframe: "H4",
    spec: GBPUSD,
    bars: await sampleBars(),
    historyBars: 200,
    barIntervalMs: 20,
    reconnectDelayMs: 50,
    stallMs: 600,
    maxConnectAttempts: 5,
    ...over,
  });
  await sim.start();
  return sim;
}
