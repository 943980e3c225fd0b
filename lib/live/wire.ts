/**
 * The runner's guard at the bridge's edge: every reply and event from the Expert Advisor is checked
 * against the protocol schema (lib/mt5/schema.ts) before it is used. A bad one is journalled
 * (`bad_message`), counted, answered with an `error` message to the EA, and never used: a bad read
 * is asked again (at most twice), a trade reply that cannot be read is an UNKNOWN outcome that the
 * order desk reconciles (never assumed rejected). Too many bad messages halt the session cleanly.
 * Also a rate limiter for connection noise in the journal and on screen.
 *
 * @module
 */
import { BRIDGE_CODE, RETCODE } from "../market/mt5_constants.ts";
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
import { KinetraError } from "../errors.ts";
import type { Mt5BridgeBroker } from "../mt5/bridge_broker.ts";
import type { Mt5SymbolInfo } from "../market/mt5_names.ts";
import { validateReply, type WireBar } from "../mt5/protocol.ts";
import { BridgeError, type BridgeServer } from "../mt5/server.ts";
import type { Journal } from "./journal.ts";

/** Default number of malformed messages after which the session halts. */
export const DEFAULT_MAX_BAD_MESSAGES = 10;

/**
 * At most `perWindow` lines per key in each `windowMs`; the lines held back are counted and
 * reported with the next line let through (`suppressed`).
 */
export class RateLimiter {
  readonly #seen = new Map<string, { start: number; n: number; held: number }>();
  constructor(readonly perWindow = 5, readonly windowMs = 60_000, readonly now: () => number = Date.now) {}

  /** null = hold this one back; else the number held back since the last one let through. */
  take(key: string): number | null {
    const t = this.now();
    let e = this.#seen.get(key);
    if (!e || t - e.start >= this.windowMs) {
      const held = e?.held ?? 0;
      e = { start: t, n: 0, held: 0 };
      this.#seen.set(key, e);
      e.n++;
      return held;
    }
    if (e.n >= this.perWindow) {
      e.held++;
      return null;
    }
    e.n++;
    const held = e.held;
    e.held = 0;
    return held;
  }
}

/** Counts, journals and answers malformed messages and refused bars from the EA. */
export class WireMonitor {
  /** Malformed messages and refused bars so far (the halt rule counts both). */
  count = 0;
  /** Streamed bars refused by the bar checks. */
  barsRefused = 0;
  /** Bar events lost: refused by the bar checks or malformed (a hole they leave is no gap). */
  barsLost = 0;
  /** Last reason. */
  last: string | null = null;
  readonly #limit = new RateLimiter(5, 60_000);

  constructor(
    readonly journal: Journal,
    readonly print: (line: string) => void,
    public server: BridgeServer | null,
    readonly max: number = DEFAULT_MAX_BAD_MESSAGES,
  ) {}

  /** True once `max` bad messages were seen. */
  get tooMany(): boolean {
    return this.count >= this.max;
  }

  /** Record one malformed message (`about`: its type) and answer the EA with an error. */
  bad(about: string, reason: string, sample?: unknown): void {
    this.count++;
    if (about === "bar") this.barsLost++;
    this.last = `${about}: ${reason}`;
    const held = this.#limit.take("bad");
    if (held !== null) {
      let s: string | null = null;
      try {
        s = sample === undefined ? null : JSON.stringify(sample)?.slice(0, 200) ?? null;
      } catch {
        s = String(sample).slice(0, 200);
      }
      this.journal.append("bad_message", { about, reason, sample: s, count: this.count, suppressed: held })
        .catch(() => {});
      this.print(`bridge: malformed ${about} from the Expert Advisor refused (${reason})`);
    }
    this.server?.notify("error", { code: "bad_message", about, msg: reason }).catch(() => {});
  }

  /** Record one refused bar (always journalled: bars are rare) and answer the EA with an error. */
  badBar(reason: string, bar: WireBar): void {
    this.count++;
    this.barsRefused++;
    this.barsLost++;
    this.last = `bar: ${reason}`;
    this.journal.append("bad_bar", { reason, bar }).catch(() => {});
    if (this.#limit.take("bar") !== null) this.print(`bridge: bar refused (${reason})`);
    this.server?.notify("error", { code: "bad_bar", about: "bar", msg: reason }).catch(() => {});
  }
}

/** The error of a read whose replies stayed malformed. */
export class BadReplyError extends KinetraError {
  constructor(t: string, reason: string) {
    super("bridge_bad_reply", `the Expert Advisor's reply to ${t} is malformed (${reason})`, { exitCode: 1 });
  }
}

/** An UNKNOWN outcome for a trade reply that cannot be read: the desk reconciles it. */
function unknownOutcome(reason: string): TradeResult {
  return {
    retcode: RETCODE.ERROR,
    bridge_code: BRIDGE_CODE.UNKNOWN,
    deal: "0",
    order: "0",
    position: "0",
    volume: 0,
    price: 0,
    bid: 0,
    ask: 0,
    comment: `unreadable reply: ${reason}`,
  };
}

/**
 * A Broker over the bridge that never hands on a reply that does not match the protocol schema:
 * the listener already refuses malformed replies (a read is retried by the bridge broker, then
 * fails here as {@link BadReplyError}; a trade becomes an UNKNOWN outcome); the data is checked
 * once more here before use.
 */
export class CheckedBridgeBroker implements Broker {
  readonly kind = "mt5";
  constructor(readonly inner: Mt5BridgeBroker, readonly monitor: WireMonitor) {}

  async #read<T>(t: string, call: () => Promise<unknown>): Promise<T> {
    let data: unknown;
    try {
      data = await call();
    } catch (e) {
      if (e instanceof BridgeError && e.code === "bridge_bad_reply") throw new BadReplyError(t, e.message);
      throw e;
    }
    const v = validateReply(t, data);
    if (!v.ok) {
      const why = v.errors.slice(0, 3).join("; ");
      this.monitor.bad(t, why, data);
      throw new BadReplyError(t, why);
    }
    return data as T;
  }

  #trade(t: string, r: TradeResult): TradeResult {
    if (r.bridge_code === BRIDGE_CODE.UNKNOWN || r.bridge_code === BRIDGE_CODE.NOT_DELIVERED) return r;
    const v = validateReply(t, r);
    if (v.ok) return r;
    const why = v.errors.slice(0, 3).join("; ");
    this.monitor.bad(t, why, r);
    return unknownOutcome(why);
  }

  account(): Promise<AccountInfo> {
    return this.#read("account_info", () => this.inner.account());
  }
  symbolSpec(symbol: string): Promise<Mt5SymbolInfo> {
    return this.#read("symbol_spec", () => this.inner.symbolSpec(symbol));
  }
  async quote(symbol: string): Promise<Quote> {
    const q = await this.#read<Quote>("tick", () => this.inner.quote(symbol));
    // A quote Kinetra would price an order with: positive, finite, Ask >= Bid, a real date.
    if (!(q.bid > 0 && q.ask >= q.bid && q.ask < q.bid * 2 && Math.abs(q.time_msc) <= 8.64e15)) {
      const why = `implausible quote bid ${q.bid} ask ${q.ask} time ${q.time_msc}`;
      this.monitor.bad("tick", why, q);
      throw new BadReplyError("tick", why);
    }
    return q;
  }
  positions(symbol?: string): Promise<BrokerPosition[]> {
    return this.#read("positions", () => this.inner.positions(symbol));
  }
  orderCheck(req: TradeRequest): Promise<CheckResult> {
    return this.inner.orderCheck(req);
  }
  historyDeals(): Promise<BrokerDeal[]> {
    return this.#read("deals", () => this.inner.historyDeals());
  }
  rates(symbol: string, timeframe: string, count: number): Promise<WireBar[]> {
    return this.#read("rates", () => this.inner.rates(symbol, timeframe, count));
  }
  subscribeBars(symbol: string, timeframe: string): Promise<void> {
    return this.inner.subscribeBars(symbol, timeframe);
  }
  async send(cid: string, req: TradeRequest): Promise<TradeResult> {
    return this.#trade("order_send", await this.inner.send(cid, req));
  }
  async close(cid: string, ticket: string, volume?: number): Promise<TradeResult> {
    return this.#trade("close_position", await this.inner.close(cid, ticket, volume));
  }
  async modify(cid: string, ticket: string, sl: number, tp: number): Promise<TradeResult> {
    return this.#trade("modify_sltp", await this.inner.modify(cid, ticket, sl, tp));
  }
  reconcile(cid: string): Promise<ReconcileResult> {
    return this.#read("reconcile", () => this.inner.reconcile(cid));
  }
}
