/**
 * The MT5 bridge as a {@link Broker}: every call becomes a request to the connected Expert
 * Advisor. A trade whose reply is lost (timeout, disconnect) is reported with bridge code -11
 * (unknown): the caller must reconcile, never resend blindly; a trade that could not be
 * delivered at all is reported with -10.
 *
 * @module
 */
import { BRIDGE_CODE, RETCODE } from "../market/mt5_constants.ts";
import type { Mt5SymbolInfo } from "../market/mt5_names.ts";
import type {
  AccountInfo,
  Broker,
  BrokerDeal,
  BrokerPosition,
  CheckResult,
  Quote,
  ReconcileResult,
  TradeRequest,
  TradeResult,
} from "../broker/types.ts";
import { assertCid, type WireBar } from "./protocol.ts";
import { BridgeError, type BridgeServer } from "./server.ts";

/** Request timeouts (research note §5.4). */
export interface BridgeTimeouts {
  /** Reads (account, spec, tick, positions, reconcile). Default 5000 ms. */
  readMs: number;
  /** History (`rates`): the terminal may download it first. Default 30 000 ms. */
  ratesMs: number;
  /** Trades (order_send, close, modify). Default 15 000 ms. */
  tradeMs: number;
}

/** Default timeouts. */
export const DEFAULT_TIMEOUTS: BridgeTimeouts = { readMs: 5000, ratesMs: 30_000, tradeMs: 15_000 };

/** A Broker backed by the bridge listener. */
export class Mt5BridgeBroker implements Broker {
  readonly kind = "mt5";
  readonly #server: BridgeServer;
  readonly #t: BridgeTimeouts;
  readonly #magic: string;

  readonly #relinkMs: number;

  /**
   * `relinkMs`: reads (never trades) that fail because the link dropped wait this long for the
   * EA to reconnect and are retried (at most 3 times). Default 0: no retry.
   */
  constructor(
    server: BridgeServer,
    opts: { timeouts?: Partial<BridgeTimeouts>; magic?: string; relinkMs?: number } = {},
  ) {
    this.#server = server;
    this.#t = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.#magic = opts.magic ?? "0";
    this.#relinkMs = opts.relinkMs ?? 0;
  }

  /** A read request, retried after a reconnection (reads are idempotent). */
  async #read(t: string, payload: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    for (let attempt = 0;; attempt++) {
      try {
        return await this.#server.request(t, payload, timeoutMs);
      } catch (e) {
        if (
          !(e instanceof BridgeError) || e.code === "bridge_remote_error" || attempt >= 3 || !this.#relinkMs
        ) {
          throw e;
        }
        await this.#server.waitForSession(this.#relinkMs);
      }
    }
  }

  /** The listener this broker talks through. */
  get server(): BridgeServer {
    return this.#server;
  }

  async account(): Promise<AccountInfo> {
    return await this.#read("account_info", {}, this.#t.readMs) as AccountInfo;
  }

  async symbolSpec(symbol: string): Promise<Mt5SymbolInfo> {
    return await this.#read("symbol_spec", { symbol }, this.#t.readMs) as Mt5SymbolInfo;
  }

  async quote(symbol: string): Promise<Quote> {
    return await this.#read("tick", { symbol }, this.#t.readMs) as Quote;
  }

  async positions(symbol?: string): Promise<BrokerPosition[]> {
    return await this.#read(
      "positions",
      { symbol: symbol ?? null },
      this.#t.readMs,
    ) as BrokerPosition[];
  }

  async orderCheck(req: TradeRequest): Promise<CheckResult> {
    return await this.#read("order_check", { req }, this.#t.readMs) as CheckResult;
  }

  async historyDeals(): Promise<BrokerDeal[]> {
    return await this.#read("deals", {}, this.#t.readMs) as BrokerDeal[];
  }

  /** The last `count` closed bars (CopyRates). */
  async rates(symbol: string, timeframe: string, count: number): Promise<WireBar[]> {
    return await this.#read("rates", { symbol, timeframe, count }, this.#t.ratesMs) as WireBar[];
  }

  /** Ask the EA to push a `bar` event at each bar close. */
  async subscribeBars(symbol: string, timeframe: string): Promise<void> {
    await this.#read("subscribe_bars", { symbol, timeframe }, this.#t.readMs);
  }

  send(cid: string, req: TradeRequest): Promise<TradeResult> {
    return this.#trade("order_send", cid, { req: { magic: this.#magic, ...req, comment: cid } });
  }

  close(cid: string, ticket: string, volume?: number): Promise<TradeResult> {
    return this.#trade("close_position", cid, { ticket, volume: volume ?? null, magic: this.#magic });
  }

  modify(cid: string, ticket: string, sl: number, tp: number): Promise<TradeResult> {
    return this.#trade("modify_sltp", cid, { ticket, sl, tp });
  }

  async reconcile(cid: string): Promise<ReconcileResult> {
    return await this.#read(
      "reconcile",
      { cid, magic: this.#magic },
      this.#t.readMs,
    ) as ReconcileResult;
  }

  async #trade(t: string, cid: string, payload: Record<string, unknown>): Promise<TradeResult> {
    assertCid(cid);
    try {
      return await this.#server.request(t, { cid, ...payload }, this.#t.tradeMs) as TradeResult;
    } catch (e) {
      if (!(e instanceof BridgeError)) throw e;
      const unknown = e.delivered && e.code !== "bridge_remote_error";
      return {
        retcode: e.code === "bridge_timeout"
          ? RETCODE.TIMEOUT
          : e.code === "bridge_remote_error"
          ? RETCODE.REJECT
          : RETCODE.CONNECTION,
        bridge_code: unknown
          ? BRIDGE_CODE.UNKNOWN
          : e.code === "bridge_remote_error"
          ? BRIDGE_CODE.OK
          : BRIDGE_CODE.NOT_DELIVERED,
        deal: "0",
        order: "0",
        position: "0",
        volume: 0,
        price: 0,
        bid: 0,
        ask: 0,
        comment: e.message,
      };
    }
  }
}
