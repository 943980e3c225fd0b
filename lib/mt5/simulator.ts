/**
 * The MT5 simulator: plays the Expert Advisor. It connects to the bridge listener exactly as
 * KinetraBridge.mq5 does (challenge → HMAC hello → welcome, heartbeats), streams bars from a file,
 * keeps positions and the account in a trade-server book that validates with the same rules and
 * retcodes as a server, keeps the EA's journal of client order ids (a repeated id returns the
 * stored result), and can inject faults:
 *
 * - `lost_reply`: the first order is executed but its reply is dropped;
 * - `disconnect`: the connection drops in the middle of the first order, before it is executed;
 * - `duplicate_command`: the first order is delivered twice (the EA must not trade twice);
 * - `stalled_heartbeat`: after the first order the EA stalls (no heartbeat, no processing) until
 *   Kinetra declares the link dead, then reconnects;
 * - `split_lines`: every line is written in several small pieces.
 *
 * The simulated market pauses while no session is up, and re-sends the last closed bar after a
 * reconnect, as the research note recommends for the EA.
 *
 * @module
 */
import { ACCOUNT_TRADE_MODE, BRIDGE_CODE, RETCODE } from "../market/mt5_constants.ts";
import { PaperBroker } from "../broker/paper_broker.ts";
import type { TradeRequest, TradeResult } from "../broker/types.ts";
import { instrumentFromMt5, type Mt5SymbolInfo } from "../market/mt5_names.ts";
import { symbolSpec } from "../market/instrument.ts";
import type { BarArrays } from "../data/types.ts";
import { KinetraError } from "../errors.ts";
import { LineConn } from "./line_conn.ts";
import { requireNet } from "./permissions.ts";
import { encodeLine, hmacHex, type Message, PROTOCOL_VERSION, type WireBar } from "./protocol.ts";

/** Fault names accepted by `--faults`. */
export const FAULTS = [
  "lost_reply",
  "disconnect",
  "duplicate_command",
  "stalled_heartbeat",
  "split_lines",
] as const;
/** One injectable fault. */
export type FaultName = typeof FAULTS[number];

/** Parse a comma-separated fault list; unknown names are a KinetraError listing the known ones. */
export function parseFaults(list: string | undefined): FaultName[] {
  if (!list) return [];
  const out: FaultName[] = [];
  for (const f of list.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (!(FAULTS as readonly string[]).includes(f)) {
      throw new KinetraError("bad_fault", `unknown fault "${f}"; known: ${FAULTS.join(", ")}`);
    }
    out.push(f as FaultName);
  }
  return out;
}

/** Simulator settings. */
export interface SimulatorOptions {
  hostname: string;
  port: number;
  secret: string;
  /** Account type: demo (default), contest or real. */
  account?: "demo" | "contest" | "real";
  login?: string;
  server?: string;
  hedging?: boolean;
  /** The EA's own live-trading switch (input AllowLive); default false. */
  allowLive?: boolean;
  symbol: string;
  timeframe: string;
  spec: Mt5SymbolInfo;
  bars: BarArrays;
  /** Bars available as history before streaming starts. Default min(300, half the bars). */
  historyBars?: number;
  /** Wall time per simulated bar. Default 1000 ms. */
  barIntervalMs?: number;
  faults?: FaultName[];
  balance?: number;
  leverage?: number;
  commissionPerLot?: number;
  /** Delay before reconnecting. Default 1000 ms (the EA backs off 1 s → 10 s). */
  reconnectDelayMs?: number;
  /** How long a stalled EA stays silent. Default 3 × deadline of the server (4 s). */
  stallMs?: number;
  /** Give up after this many failed connection attempts in a row. Default 20. */
  maxConnectAttempts?: number;
  log?: (event: string, fields: Record<string, unknown>) => void;
}

const MODE: Record<string, number> = {
  demo: ACCOUNT_TRADE_MODE.DEMO,
  contest: ACCOUNT_TRADE_MODE.CONTEST,
  real: ACCOUNT_TRADE_MODE.REAL,
};

/** The simulated Expert Advisor with its trade server. */
export class Mt5Simulator {
  /** The trade server's book (positions, deals, account, cids). */
  readonly book: PaperBroker;
  readonly #o: SimulatorOptions;
  readonly #faults: Set<FaultName>;
  readonly #fired = new Set<FaultName>();
  #conn: LineConn | null = null;
  #stopped = false;
  #cursor: number;
  #streaming = false;
  #seq = 0;
  #hbTimer: ReturnType<typeof setInterval> | null = null;
  #barTimer: ReturnType<typeof setInterval> | null = null;
  #stalledUntil = 0;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #finished!: () => void;
  /** Resolves when every bar has been streamed (or the simulator stopped). */
  readonly finished: Promise<void>;
  /** Counters: what happened, for tests and the CLI. */
  readonly stats = {
    connections: 0,
    refused: 0,
    orders_executed: 0,
    duplicates_suppressed: 0,
    bars_streamed: 0,
    faults_fired: [] as string[],
    last_refusal: "",
  };

  constructor(opts: SimulatorOptions) {
    this.#o = opts;
    this.#faults = new Set(opts.faults ?? []);
    const mode = MODE[opts.account ?? "demo"];
    this.book = new PaperBroker({
      specs: [instrumentFromMt5(opts.spec, symbolSpec(opts.spec.name))],
      balance: opts.balance ?? 10_000,
      leverage: opts.leverage ?? 100,
      hedging: opts.hedging ?? false,
      commissionPerLot: opts.commissionPerLot ?? 0,
      login: opts.login ?? (mode === 2 ? "8000123" : "5000123"),
      server: opts.server ?? (mode === 2 ? "Kinetra-Sim-Real" : "Kinetra-Sim-Demo"),
      accountTradeMode: mode,
    });
    const n = opts.bars.length;
    this.#cursor = Math.max(1, Math.min(n - 1, opts.historyBars ?? Math.min(300, Math.floor(n / 2))));
    this.finished = new Promise((r) => (this.#finished = r));
    this.#setQuote(this.#cursor);
  }

  /** Index of the next bar to close. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Connect (with reconnects) in the background. Checks the net permission first. */
  async start(): Promise<void> {
    await requireNet(this.#o.hostname, this.#o.port, "connect to the Kinetra bridge");
    this.#loop = this.#connectLoop();
  }

  /** Stop: close the connection and all timers. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopTimers();
    this.#conn?.close();
    this.#wake?.();
    await this.#loop?.catch(() => {});
    this.#finished();
  }

  #log(event: string, fields: Record<string, unknown> = {}): void {
    this.#o.log?.(event, fields);
  }

  #fault(name: FaultName): boolean {
    if (!this.#faults.has(name) || this.#fired.has(name)) return false;
    if (name !== "split_lines") this.#fired.add(name);
    this.stats.faults_fired.push(name);
    this.#log("sim_fault", { fault: name });
    return true;
  }

  #setQuote(i: number): void {
    const b = this.#o.bars;
    const k = Math.min(i, b.length - 1);
    const spreadPts = b.spread ? b.spread[k] : 0;
    const bid = b.open[k];
    this.book.setQuote({
      symbol: this.#o.symbol,
      bid,
      ask: Number((bid + spreadPts * this.#o.spec.point).toFixed(this.#o.spec.digits)),
      time_msc: b.time[k],
    });
  }

  #wireBar(i: number): WireBar {
    const b = this.#o.bars;
    return {
      time_msc: b.time[i],
      open: b.open[i],
      high: b.high[i],
      low: b.low[i],
      close: b.close[i],
      tick_volume: b.tickVolume[i],
      spread: b.spread ? b.spread[i] : 0,
      real_volume: b.volume[i],
    };
  }

  async #connectLoop(): Promise<void> {
    let failures = 0;
    const maxAttempts = this.#o.maxConnectAttempts ?? 20;
    while (!this.#stopped) {
      let closedReason = "";
      try {
        const tcp = await Deno.connect({ hostname: this.#o.hostname, port: this.#o.port });
        failures = 0;
        closedReason = await this.#session(tcp);
      } catch (e) {
        failures++;
        closedReason = (e as Error).message;
        if (failures >= maxAttempts) {
          this.#log("sim_give_up", { reason: closedReason });
          break;
        }
      }
      this.#stopTimers();
      this.#conn = null;
      this.#stalledUntil = 0; // the EA thread recovers and reconnects
      if (this.#stopped) break;
      this.#log("sim_disconnected", { reason: closedReason });
      await new Promise<void>((r) => {
        const t = setTimeout(r, this.#o.reconnectDelayMs ?? 1000);
        this.#wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    this.#finished();
  }

  /** One connection's life; resolves with the reason it ended. */
  #session(tcp: Deno.Conn): Promise<string> {
    return new Promise((resolve) => {
      const conn: LineConn = new LineConn(tcp, {
        onMessage: (m) => {
          this.#onMessage(conn, m).catch((e) => this.#log("sim_error", { error: String(e) }));
        },
        onClose: (reason) => {
          if (this.#conn === conn) this.#stopTimers();
          resolve(reason);
        },
      });
      this.#conn = conn;
      this.stats.connections++;
    });
  }

  #stopTimers(): void {
    if (this.#hbTimer !== null) clearInterval(this.#hbTimer);
    if (this.#barTimer !== null) clearInterval(this.#barTimer);
    this.#hbTimer = null;
    this.#barTimer = null;
  }

  #writes: Promise<void> = Promise.resolve();

  /** Write one line; writes are serialised so a line split in pieces is never interleaved. */
  #write(conn: LineConn, msg: Message): Promise<void> {
    const p = this.#writes.then(() => this.#writeNow(conn, msg));
    this.#writes = p.catch(() => {});
    return p;
  }

  async #writeNow(conn: LineConn, msg: Message): Promise<void> {
    if (conn.closed) return;
    const line = encodeLine(msg);
    if (this.#faults.has("split_lines") && line.length > 3) {
      if (!this.#fired.has("split_lines")) {
        this.#fired.add("split_lines");
        this.stats.faults_fired.push("split_lines");
      }
      // Two writes with a pause between them: the reader sees the line in two pieces.
      const cut = Math.floor(line.length / 2);
      await conn.sendRaw(line.slice(0, cut)).catch(() => {});
      await new Promise((r) => setTimeout(r, 0));
      await conn.sendRaw(line.slice(cut)).catch(() => {});
      return;
    }
    await conn.sendRaw(line).catch(() => {});
  }

  async #onMessage(conn: LineConn, m: Message): Promise<void> {
    if (m.t === "challenge") {
      const acc = await this.book.account();
      await this.#write(conn, {
        v: PROTOCOL_VERSION,
        t: "hello",
        proto: PROTOCOL_VERSION,
        ea_version: "kinetra-sim-1",
        hmac: await hmacHex(this.#o.secret, String(m.nonce)),
        terminal: { build: 4000, connected: true, trade_allowed: true, tradeapi_disabled: false },
        account: acc,
        time: { current: Date.now(), gmt: Date.now(), trade_server: Date.now() },
      });
      return;
    }
    if (m.t === "reject") {
      this.stats.refused++;
      this.stats.last_refusal = String(m.reason);
      this.#log("sim_refused", { reason: m.reason });
      // A refused EA does not hammer the server: stop.
      this.#stopped = true;
      conn.close();
      return;
    }
    if (m.t === "welcome") {
      const hb = Number(m.heartbeat_ms) || 1000;
      this.#hbTimer = setInterval(() => {
        if (Date.now() < this.#stalledUntil) return;
        this.#write(conn, { v: PROTOCOL_VERSION, t: "hb", seq: ++this.#seq, time_msc: Date.now() });
      }, hb);
      if (this.#streaming) this.#startBars(conn, true);
      return;
    }
    if (typeof m.id !== "string") return;
    // A stalled EA processes nothing until the stall ends; if the link died meanwhile, the
    // command is lost (never executed).
    if (Date.now() < this.#stalledUntil) {
      await new Promise((r) => setTimeout(r, this.#stalledUntil - Date.now()));
      if (conn.closed) return;
    }
    const isTrade = m.t === "order_send" || m.t === "close_position" || m.t === "modify_sltp";
    if (isTrade && this.#fault("disconnect")) {
      conn.close();
      return;
    }
    const reply = await this.#handle(m);
    if (isTrade && this.#fault("duplicate_command")) {
      const again = await this.#handle(m);
      await this.#write(conn, { v: PROTOCOL_VERSION, t: "res", re: m.id, ...replyEnvelope(reply) });
      await this.#write(conn, { v: PROTOCOL_VERSION, t: "res", re: m.id, ...replyEnvelope(again) });
      return;
    }
    if (isTrade && this.#fault("lost_reply")) return;
    await this.#write(conn, { v: PROTOCOL_VERSION, t: "res", re: m.id, ...replyEnvelope(reply) });
    if (isTrade && this.#fault("stalled_heartbeat")) {
      this.#stalledUntil = Date.now() + (this.#o.stallMs ?? 4000);
    }
    if (m.t === "subscribe_bars" && !this.#streaming) {
      this.#streaming = true;
      this.#startBars(conn, false);
    }
  }

  #startBars(conn: LineConn, resendLast: boolean): void {
    if (this.#barTimer !== null) clearInterval(this.#barTimer);
    if (resendLast && this.#cursor > 0) {
      this.#write(conn, this.#barEvent(this.#cursor - 1));
    }
    this.#barTimer = setInterval(() => {
      if (conn.closed || Date.now() < this.#stalledUntil) return;
      this.#closeBar(conn);
    }, this.#o.barIntervalMs ?? 1000);
  }

  #barEvent(i: number): Message {
    return {
      v: PROTOCOL_VERSION,
      t: "bar",
      seq: ++this.#seq,
      symbol: this.#o.symbol,
      timeframe: this.#o.timeframe,
      bar: this.#wireBar(i),
    };
  }

  #closeBar(conn: LineConn): void {
    const n = this.#o.bars.length;
    if (this.#cursor >= n) return;
    const i = this.#cursor;
    const b = this.#o.bars;
    // Stops touched during bar i fire before the bar closes.
    this.book.processBar(this.#o.symbol, {
      open: b.open[i],
      high: b.high[i],
      low: b.low[i],
      spreadPoints: b.spread ? b.spread[i] : 0,
      time_msc: b.time[i],
    });
    this.#cursor++;
    this.#setQuote(this.#cursor);
    this.stats.bars_streamed++;
    this.#write(conn, this.#barEvent(i));
    if (this.#cursor >= n) {
      this.#write(conn, { v: PROTOCOL_VERSION, t: "market_state", seq: ++this.#seq, end_of_data: true });
      if (this.#barTimer !== null) clearInterval(this.#barTimer);
      this.#barTimer = null;
      this.#finished();
    }
  }

  /** Serve one request; returns `{ok, data}` or `{ok:false, err}`. */
  async #handle(m: Message): Promise<{ ok: boolean; data?: unknown; err?: { code: string; msg: string } }> {
    const o = this.#o;
    const symbolOk = (s: unknown) => s === undefined || s === null || s === o.symbol;
    switch (m.t) {
      case "ping":
        return { ok: true, data: { pong: Date.now() } };
      case "account_info":
        return { ok: true, data: await this.book.account() };
      case "terminal_info":
        return { ok: true, data: { build: 4000, connected: true, trade_allowed: true } };
      case "symbol_spec":
        if (!symbolOk(m.symbol)) {
          return { ok: false, err: { code: "unknown_symbol", msg: `no symbol ${m.symbol}` } };
        }
        return { ok: true, data: o.spec };
      case "tick":
        return { ok: true, data: await this.book.quote(o.symbol) };
      case "rates": {
        const count = Math.max(0, Math.min(Number(m.count) || 0, this.#cursor));
        const out: WireBar[] = [];
        for (let i = this.#cursor - count; i < this.#cursor; i++) out.push(this.#wireBar(i));
        return { ok: true, data: out };
      }
      case "positions":
        return { ok: true, data: await this.book.positions(m.symbol ? String(m.symbol) : undefined) };
      case "deals":
        return { ok: true, data: this.book.deals() };
      case "subscribe_bars":
        if (!symbolOk(m.symbol)) {
          return { ok: false, err: { code: "unknown_symbol", msg: `no symbol ${m.symbol}` } };
        }
        return { ok: true, data: { subscribed: true } };
      case "order_check":
        return { ok: true, data: await this.book.orderCheck(m.req as TradeRequest) };
      case "reconcile":
        return { ok: true, data: await this.book.reconcile(String(m.cid)) };
      case "order_send":
      case "close_position":
      case "modify_sltp":
        return { ok: true, data: await this.#trade(m) };
      default:
        return { ok: false, err: { code: "unknown_request", msg: `unknown request ${m.t}` } };
    }
  }

  async #trade(m: Message): Promise<TradeResult> {
    const cid = String(m.cid ?? "");
    const acc = await this.book.account();
    if (acc.trade_mode !== ACCOUNT_TRADE_MODE.DEMO && !this.#o.allowLive) {
      return {
        retcode: RETCODE.REJECT,
        bridge_code: BRIDGE_CODE.LIVE_GATE,
        deal: "0",
        order: "0",
        position: "0",
        volume: 0,
        price: 0,
        bid: 0,
        ask: 0,
        comment: "refused by the EA: AllowLive is off for a non-demo account",
      };
    }
    const before = this.book.knownCids().length;
    let r: TradeResult;
    if (m.t === "order_send") r = await this.book.send(cid, m.req as TradeRequest);
    else if (m.t === "close_position") {
      r = await this.book.close(cid, String(m.ticket), m.volume == null ? undefined : Number(m.volume));
    } else r = await this.book.modify(cid, String(m.ticket), Number(m.sl), Number(m.tp));
    if (r.bridge_code === BRIDGE_CODE.DUPLICATE_CACHED) this.stats.duplicates_suppressed++;
    else if (this.book.knownCids().length > before && r.retcode === RETCODE.DONE) {
      this.stats.orders_executed++;
    }
    return r;
  }
}

function replyEnvelope(r: { ok: boolean; data?: unknown; err?: unknown }): Record<string, unknown> {
  return r.ok ? { ok: true, data: r.data } : { ok: false, err: r.err };
}
