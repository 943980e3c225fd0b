/**
 * `testConnection`: listen on the bridge address, wait for the Expert Advisor, authenticate it and
 * report the terminal and the account (never trades). Used by `deno task live --test-connection`
 * and by the menu.
 *
 * @module
 */
import { ACCOUNT_TRADE_MODE } from "../market/mt5_constants.ts";
import { KinetraError } from "../errors.ts";
import { Mt5BridgeBroker } from "../mt5/bridge_broker.ts";
import { parseHostPort } from "../mt5/protocol.ts";
import { BridgeServer } from "../mt5/server.ts";
import { loadLiveConfig, requireSecret } from "./config.ts";

/** Options of a connection test. */
export interface ConnectionTestOptions {
  /** `HOST:PORT` (default the config's, else 127.0.0.1:18812). */
  bridge?: string;
  /** How long to wait for the EA (default 30 000 ms). */
  timeoutMs?: number;
  /** Also fetch this symbol's spec and quote. */
  symbol?: string;
  /** Live configuration file (default the user's). */
  configPath?: string;
  /** Environment lookup (default Deno.env). */
  env?: (name: string) => string | undefined;
  /** Called once listening (tests start the simulator here). */
  onListening?: (address: { hostname: string; port: number }) => void;
}

/** What the connection test found. */
export interface ConnectionReport {
  /** True when the Expert Advisor answered and the account is usable. */
  ok: boolean;
  /** The bridge address listened on. */
  address: string;
  /** Version the Expert Advisor reported. */
  ea_version: string;
  /** Round trip of a ping, ms. */
  latency_ms: number;
  /** The account the terminal is logged in to. */
  account: {
    login: string;
    server: string;
    company: string | null;
    currency: string;
    trade_mode: number;
    trade_mode_name: "demo" | "contest" | "real" | "unknown";
    leverage: number;
    balance: number;
    equity: number;
    margin_free: number;
    trade_allowed: boolean;
    trade_expert: boolean;
  };
  /** What the terminal reported about itself. */
  terminal: Record<string, unknown>;
  /** The requested symbol's rules and quote, or null when none was asked. */
  symbol: { name: string; digits: number; bid: number; ask: number; stops_level: number } | null;
  /** Which modes this account may be used with. */
  usable_for: string[];
}

/** Wait for the EA, authenticate it and report; never sends an order. */
export async function testConnection(opts: ConnectionTestOptions = {}): Promise<ConnectionReport> {
  const config = await loadLiveConfig(opts.configPath, opts.env);
  const secret = requireSecret(config);
  const addr = parseHostPort(opts.bridge ?? config.address ?? undefined);
  const server = await BridgeServer.listen({ hostname: addr.hostname, port: addr.port, secret });
  opts.onListening?.({ hostname: addr.hostname, port: server.port });
  try {
    let session;
    let refusedReason = "";
    const refused = new Promise<never>((_, reject) =>
      server.onRefused((reason) => {
        refusedReason = reason;
        reject(new Error(reason));
      })
    );
    refused.catch(() => {});
    try {
      session = await Promise.race([server.waitForSession(opts.timeoutMs ?? 30_000), refused]);
    } catch {
      throw new KinetraError(
        "no_connection",
        refusedReason
          ? `an Expert Advisor connected to ${server.address} but was refused: ${refusedReason}` +
            (/authentication/.test(refusedReason) ? " (check BridgeSecret)" : "")
          : `no Expert Advisor connected to ${server.address} within ${
            (opts.timeoutMs ?? 30_000) / 1000
          } s. ` +
            "Check that KinetraBridge is attached to a chart, Algo Trading is on, and the address is in " +
            "Tools → Options → Expert Advisors → Allow WebRequest/socket for listed URL",
        { exitCode: 1 },
      );
    }
    const broker = new Mt5BridgeBroker(server);
    const t0 = performance.now();
    const acc = await broker.account();
    const latency = performance.now() - t0;
    let symbol: ConnectionReport["symbol"] = null;
    if (opts.symbol) {
      const spec = await broker.symbolSpec(opts.symbol);
      const q = await broker.quote(opts.symbol);
      symbol = {
        name: spec.name,
        digits: spec.digits,
        bid: q.bid,
        ask: q.ask,
        stops_level: spec.trade_stops_level,
      };
    }
    const modeName = acc.trade_mode === ACCOUNT_TRADE_MODE.DEMO
      ? "demo"
      : acc.trade_mode === ACCOUNT_TRADE_MODE.CONTEST
      ? "contest"
      : acc.trade_mode === ACCOUNT_TRADE_MODE.REAL
      ? "real"
      : "unknown";
    const usable: string[] = [];
    if (modeName === "demo" && acc.trade_allowed) usable.push("demo");
    if (
      acc.trade_allowed && String(acc.login) === config.liveLogin && acc.server === config.liveServer
    ) usable.push("live (pinned account)");
    return {
      ok: true,
      address: server.address,
      ea_version: session.hello.ea_version,
      latency_ms: Math.round(latency * 10) / 10,
      account: {
        login: acc.login,
        server: acc.server,
        company: acc.company ?? null,
        currency: acc.currency,
        trade_mode: acc.trade_mode,
        trade_mode_name: modeName,
        leverage: acc.leverage,
        balance: acc.balance,
        equity: acc.equity,
        margin_free: acc.margin_free,
        trade_allowed: acc.trade_allowed,
        trade_expert: acc.trade_expert,
      },
      terminal: session.hello.terminal,
      symbol,
      usable_for: usable,
    };
  } finally {
    await server.close();
  }
}
