/**
 * The MT5 simulator: plays the Expert Advisor and, behind it, the terminal and the trade server.
 * It connects to the bridge listener exactly as KinetraBridge.mq5 does (challenge → HMAC hello →
 * welcome, heartbeats), streams bars from a file (their times are the trade server's, as in MT5
 * exports), keeps positions and the account in a trade-server book, and keeps the EA's journal of
 * client order ids (a repeated id returns the stored result, refusals included).
 *
 * Two layers, so tests see what a real terminal does:
 * - the terminal and trade server ({@link SimulatorOptions.strict} turns every one of these on):
 *   the market keeps moving while the EA is disconnected (`marketRunsOffline`), a server clock at
 *   GMT+2/GMT+3 with the New York daylight-saving switch (`serverClock: "ny_close"`), fills
 *   reported only through the deal (`fillsViaDealOnly`: MqlTradeResult.price/volume stay 0), filling
 *   policies and SL/TP order flags checked as the MQL5 reference states (10030, 10016), the Algo
 *   Trading permissions (`eaTradeAllowed`, `terminalTradeAllowed`: 10027), the Strategy Tester
 *   where sockets do not work (`tester`), a broker company name with control characters (`company`);
 * - the EA's own logic, in two versions: the current KinetraBridge.mq5 (`ea: "1.10"`, default) and
 *   version 1.00 with its ten runtime faults (`ea: "1.00"`), so each fault has a test that fails
 *   on 1.00 and passes on 1.10 (tests/mt5/ea_faults_test.ts).
 *
 * Injectable faults (`faults`):
 * - `lost_reply`: the first order is executed but its reply is dropped;
 * - `disconnect`: the connection drops in the middle of the first order, before it is executed;
 * - `duplicate_command`: the first order is delivered twice (the EA must not trade twice);
 * - `stalled_heartbeat`: after the first order the EA stalls (no heartbeat, no processing) until
 *   Kinetra declares the link dead, then reconnects;
 * - `split_lines`: every line is written in several small pieces;
 * - `phantom_readable`: once, SocketIsReadable reports bytes that SocketRead then times out on;
 * - `link_drop`: after `linkDropAfterBars` bars the link drops for `linkDropMs` (bars that close
 *   meanwhile are missed unless the EA resends them).
 *
 * @module
 */
import {
  ACCOUNT_TRADE_MODE,
  BRIDGE_CODE,
  ORDER_FILLING,
  ORDER_TYPE,
  RETCODE,
  SYMBOL_FILLING,
  SYMBOL_TRADE_EXECUTION,
  TRADE_ACTION,
} from "../market/mt5_constants.ts";
import { PaperBroker } from "../broker/paper_broker.ts";
import { defaultMarginRequired } from "../broker/validator.ts";
import type { BrokerDeal, CheckResult, TradeRequest, TradeResult } from "../broker/types.ts";
import { instrumentFromMt5, type Mt5SymbolInfo } from "../market/mt5_names.ts";
import { symbolSpec } from "../market/instrument.ts";
import type { Instrument } from "../market/types.ts";
import type { BarArrays } from "../data/types.ts";
import { nyCloseOffsetMs } from "../data/tz.ts";
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
  "phantom_readable",
  "link_drop",
] as const;
/** One injectable fault. */
export type FaultName = typeof FAULTS[number];

/** The EA logic the simulator plays: the current KinetraBridge.mq5, or 1.00 with its known faults. */
export type EaVersion = "1.10" | "1.00";
/** The current EA version (KinetraBridge.mq5 `#property version`). */
export const EA_VERSION: EaVersion = "1.10";

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
  /** The bridge's address. */
  hostname: string;
  /** The bridge's port. */
  port: number;
  /** The shared secret for the HMAC challenge. */
  secret: string;
  /** Account type: demo (default), contest or real. */
  account?: "demo" | "contest" | "real";
  /** Account login (default 5000123, 8000123 for a real account). */
  login?: string;
  /** Trade server name (default Kinetra-Sim-Demo, Kinetra-Sim-Real for a real account). */
  server?: string;
  /** A hedging account (default false: netting). */
  hedging?: boolean;
  /** The EA's own live-trading switch (input AllowLive); default false. */
  allowLive?: boolean;
  /** The symbol streamed and traded. */
  symbol: string;
  /** The timeframe of `bars`. */
  timeframe: string;
  /** The symbol's properties as MT5 reports them. */
  spec: Mt5SymbolInfo;
  /** The bars to serve as history and then stream. */
  bars: BarArrays;
  /**
   * More symbols of the same terminal (a basket): their specification and bars. The EA streams bar
   * events for the subscribed symbol only (as KinetraBridge.mq5 does); the others are served through
   * `symbol_spec`, `tick`, `rates` (CopyRates), `positions` and trades on them. Their market moves
   * with the main symbol's: when a main bar closes, every bar of theirs that opened at or before it
   * closes too (stops touched on them fire), and their quote moves to their next bar's open.
   */
  others?: { symbol: string; spec: Mt5SymbolInfo; bars: BarArrays }[];
  /** Bars available as history before streaming starts. Default min(300, half the bars). */
  historyBars?: number;
  /** Wall time per simulated bar. Default 1000 ms. */
  barIntervalMs?: number;
  /** Faults to inject (see the module documentation). */
  faults?: FaultName[];
  /** Starting balance (default 10 000). */
  balance?: number;
  /** Account leverage (default 100). */
  leverage?: number;
  /** Commission per lot per side (default 0). */
  commissionPerLot?: number;
  /** Delay before reconnecting. Default 1000 ms (the EA backs off 1 s → 10 s). */
  reconnectDelayMs?: number;
  /** How long a stalled EA stays silent. Default 3 × deadline of the server (4 s). */
  stallMs?: number;
  /** Give up after this many failed connection attempts in a row. Default 20. */
  maxConnectAttempts?: number;
  /** EA logic: "1.10" (current, default) or "1.00" (with the ten runtime faults of issue 16). */
  ea?: EaVersion;
  /** Every real-terminal behaviour at once (the defaults of the options below become strict). */
  strict?: boolean;
  /** Server clock: "utc" (offset 0; default) or "ny_close" (GMT+2, GMT+3 during US DST; strict). */
  serverClock?: "utc" | "ny_close";
  /** Bars keep closing while the EA is disconnected (strict); default: the market pauses. */
  marketRunsOffline?: boolean;
  /** The server leaves MqlTradeResult.price/volume at 0; the fill is only in the deal (strict). */
  fillsViaDealOnly?: boolean;
  /** MQLInfoInteger(MQL_TRADE_ALLOWED): the EA's "Allow Algo Trading". Default true. */
  eaTradeAllowed?: boolean;
  /** TerminalInfoInteger(TERMINAL_TRADE_ALLOWED): the Algo Trading button. Default true. */
  terminalTradeAllowed?: boolean;
  /** The EA runs in the Strategy Tester, where sockets do not work. */
  tester?: boolean;
  /** ACCOUNT_COMPANY as the broker spells it (may contain control characters). */
  company?: string;
  /** `link_drop`: bars sent before the link drops (default 5) and how long it stays down (default 6 bars). */
  linkDropAfterBars?: number;
  /** `link_drop`: how long the link stays down, in ms (default 6 bar intervals). */
  linkDropMs?: number;
  /** Structured event log. */
  log?: (event: string, fields: Record<string, unknown>) => void;
}

const MODE: Record<string, number> = {
  demo: ACCOUNT_TRADE_MODE.DEMO,
  contest: ACCOUNT_TRADE_MODE.CONTEST,
  real: ACCOUNT_TRADE_MODE.REAL,
};

const HOUR_MS = 3_600_000;

/**
 * Offset in seconds of a "New York close" trade server (GMT+2, GMT+3 while US daylight saving is
 * on: from the second Sunday of March 07:00 UTC to the first Sunday of November 06:00 UTC), for a
 * UTC instant. Most MT5 brokers run this clock (lib/data/tz.ts `ny_close`).
 */
export function nyCloseOffsetS(utcMs: number): number {
  return nyCloseOffsetMs(utcMs) / 1000;
}

/**
 * Whether a trade server accepts filling policy `filling` for a market order on this symbol, as
 * the MQL5 reference (ENUM_ORDER_TYPE_FILLING) states: FOK when the symbol's FOK flag is set (and
 * always in Request/Instant execution), IOC when its IOC flag is set (not in Request/Instant),
 * RETURN in Market and Exchange execution. KinetraBridge.mq5's FillingAllowed() is the same rule.
 */
export function serverFillingAllowed(spec: Mt5SymbolInfo, filling: number): boolean {
  const exe = spec.trade_exemode;
  const instant = exe === SYMBOL_TRADE_EXECUTION.REQUEST || exe === SYMBOL_TRADE_EXECUTION.INSTANT;
  switch (filling) {
    case ORDER_FILLING.FOK:
      return (spec.filling_mode & SYMBOL_FILLING.FOK) !== 0 || instant;
    case ORDER_FILLING.IOC:
      return !instant && (spec.filling_mode & SYMBOL_FILLING.IOC) !== 0;
    case ORDER_FILLING.RETURN:
      return !instant;
    default:
      return false;
  }
}

/** The EA's choice: the requested filling when allowed, else FOK, IOC, RETURN (the first allowed); -1 = none. */
export function eaFilling(spec: Mt5SymbolInfo, requested: number): number {
  if (serverFillingAllowed(spec, requested)) return requested;
  for (const f of [ORDER_FILLING.FOK, ORDER_FILLING.IOC, ORDER_FILLING.RETURN]) {
    if (serverFillingAllowed(spec, f)) return f;
  }
  return -1;
}

/** SYMBOL_ORDER_MODE flags. */
export const SYMBOL_ORDER = {
  MARKET: 1,
  LIMIT: 2,
  STOP: 4,
  STOP_LIMIT: 8,
  SL: 16,
  TP: 32,
  CLOSEBY: 64,
} as const;

/** MqlTradeResult as the server fills it. */
interface ServerResult {
  retcode: number;
  deal: string;
  order: string;
  volume: number;
  price: number;
  bid: number;
  ask: number;
  comment: string;
}

/** Write JSON as EA 1.00 did: control characters inside strings unescaped (JEsc escaped only \ and "). */
function legacyJson(msg: Message): string {
  const controls: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f" };
  return JSON.stringify(msg).replace(/\\(["\\/bfnrt]|u[0-9a-fA-F]{4})/g, (m, e: string) => {
    if (controls[e]) return controls[e];
    if (e[0] === "u" && parseInt(e.slice(1), 16) < 0x20) return String.fromCharCode(parseInt(e.slice(1), 16));
    return m;
  }) + "\n";
}

/** The simulated Expert Advisor with its terminal and trade server. */
export class Mt5Simulator {
  /** The trade server's book (positions, deals, account). */
  readonly book: PaperBroker;
  readonly #o: SimulatorOptions;
  readonly #legacy: boolean;
  readonly #faults: Set<FaultName>;
  readonly #fired = new Set<FaultName>();
  /** The symbol as the terminal shows it. */
  readonly #spec: Mt5SymbolInfo;
  /** The book's instrument (the symbol's rules, FOK allowed: see the constructor). */
  readonly #instrument: Instrument;
  /** Every symbol served (the main one first): terminal spec, book instrument, bars, next bar to close. */
  readonly #markets = new Map<
    string,
    { spec: Mt5SymbolInfo; instrument: Instrument; bars: BarArrays; cursor: number }
  >();
  #conn: LineConn | null = null;
  #welcomed = false;
  #stopped = false;
  #cursor: number;
  #subscribed = false;
  #lastSentBar = -1;
  #seq = 0;
  #srvOffsetS = 0;
  #quoteWall = Date.now();
  #hbTimer: ReturnType<typeof setInterval> | null = null;
  #barTimer: ReturnType<typeof setInterval> | null = null;
  #stalledUntil = 0;
  #sessionBars = 0;
  #nextDelayMs = 0;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #finished!: () => void;
  #endSent = false;
  /** The EA's journal: cid → stored result ("received" before OrderSend). */
  readonly #journal = new Map<string, TradeResult | "received">();
  /** EA 1.00: the last CTrade result (PositionModify returned it when the ticket was gone). */
  #lastCtrade: TradeResult | null = null;
  #eaTradeAllowed: boolean;
  #allowLive: boolean;
  /** Resolves when every bar has been streamed (or the simulator stopped). */
  readonly finished: Promise<void>;
  /** Counters: what happened, for tests and the CLI. */
  readonly stats = {
    connections: 0,
    connect_attempts: 0,
    refused: 0,
    orders_executed: 0,
    duplicates_suppressed: 0,
    bars_streamed: 0,
    bars_sent: 0,
    server_requests: 0,
    phantom_reads: 0,
    faults_fired: [] as string[],
    last_refusal: "",
    init_failed: "",
  };

  /** Set up the terminal, the account and the trade-server book; `start` connects. */
  constructor(opts: SimulatorOptions) {
    this.#o = opts;
    this.#legacy = opts.ea === "1.00";
    this.#faults = new Set(opts.faults ?? []);
    this.#eaTradeAllowed = opts.eaTradeAllowed ?? true;
    this.#allowLive = opts.allowLive ?? false;
    const mode = MODE[opts.account ?? "demo"];
    this.#spec = {
      order_mode: 127,
      currency_margin: opts.spec.name.slice(0, 3),
      currency_profit: opts.spec.name.slice(3, 6),
      ...opts.spec,
    };
    // The book executes what the server layer has accepted: filling and order flags are checked
    // before it, so its copy of the spec allows FOK.
    this.#instrument = instrumentFromMt5(
      { ...opts.spec, filling_mode: opts.spec.filling_mode | SYMBOL_FILLING.FOK },
      symbolSpec(opts.spec.name),
    );
    const n = opts.bars.length;
    this.#cursor = Math.max(1, Math.min(n - 1, opts.historyBars ?? Math.min(300, Math.floor(n / 2))));
    this.#markets.set(opts.symbol, {
      spec: this.#spec,
      instrument: this.#instrument,
      bars: opts.bars,
      cursor: this.#cursor,
    });
    for (const o of opts.others ?? []) {
      if (this.#markets.has(o.symbol)) continue;
      // History: the bars that opened before the main symbol's next bar.
      let c = 0;
      while (c < o.bars.length && o.bars.time[c] < opts.bars.time[this.#cursor]) c++;
      this.#markets.set(o.symbol, {
        spec: {
          order_mode: 127,
          currency_margin: o.spec.name.slice(0, 3),
          currency_profit: o.spec.name.slice(3, 6),
          ...o.spec,
        },
        instrument: instrumentFromMt5(
          { ...o.spec, filling_mode: o.spec.filling_mode | SYMBOL_FILLING.FOK },
          symbolSpec(o.spec.name),
        ),
        bars: o.bars,
        cursor: c,
      });
    }
    this.book = new PaperBroker({
      specs: [...this.#markets.values()].map((m) => m.instrument),
      balance: opts.balance ?? 10_000,
      leverage: opts.leverage ?? 100,
      hedging: opts.hedging ?? false,
      commissionPerLot: opts.commissionPerLot ?? 0,
      login: opts.login ?? (mode === 2 ? "8000123" : "5000123"),
      server: opts.server ?? (mode === 2 ? "Kinetra-Sim-Real" : "Kinetra-Sim-Demo"),
      accountTradeMode: mode,
    });
    this.finished = new Promise((r) => (this.#finished = r));
    this.#setQuote(this.#cursor);
    for (const [sym, m] of this.#markets) if (sym !== opts.symbol) this.#setOtherQuote(sym, m);
    this.#srvOffsetS = this.#offsetAt(opts.bars.time[this.#cursor]);
  }

  /** Index of the next bar to close. */
  get cursor(): number {
    return this.#cursor;
  }

  /** The server offset the EA reports now (seconds). */
  get serverOffsetS(): number {
    return this.#srvOffsetS;
  }

  /** Change the EA's inputs/permissions while it runs (the user toggling Algo Trading or AllowLive). */
  setPermissions(p: { eaTradeAllowed?: boolean; allowLive?: boolean }): void {
    if (p.eaTradeAllowed !== undefined) this.#eaTradeAllowed = p.eaTradeAllowed;
    if (p.allowLive !== undefined) this.#allowLive = p.allowLive;
  }

  /** Connect (with reconnects) in the background. Checks the net permission first. */
  async start(): Promise<void> {
    await requireNet(this.#o.hostname, this.#o.port, "connect to the Kinetra bridge");
    if (this.#o.tester) {
      if (!this.#legacy) {
        // OnInit: MQLInfoInteger(MQL_TESTER) → say so and stop (INIT_FAILED).
        this.stats.init_failed =
          "KinetraBridge does not run in the Strategy Tester: sockets are not available there";
        this.#log("sim_init_failed", { reason: this.stats.init_failed });
        this.#stopped = true;
        this.#finished();
        return;
      }
      this.#loop = this.#testerLoop();
      return;
    }
    this.#loop = this.#connectLoop();
  }

  /** Stop: close the connection and all timers. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopTimers();
    if (this.#barTimer !== null) clearInterval(this.#barTimer);
    this.#barTimer = null;
    this.#conn?.close();
    this.#wake?.();
    await this.#loop?.catch(() => {});
    this.#finished();
  }

  #log(event: string, fields: Record<string, unknown> = {}): void {
    this.#o.log?.(event, fields);
  }

  #strictOr<T>(v: T | undefined, strict: T, loose: T): T {
    return v ?? (this.#o.strict ? strict : loose);
  }

  #offsetAt(serverMs: number): number {
    if (this.#strictOr(this.#o.serverClock, "ny_close", "utc") === "utc") return 0;
    return nyCloseOffsetS(serverMs - 2 * HOUR_MS);
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
    this.#quoteWall = Date.now();
    this.book.setQuote({
      symbol: this.#o.symbol,
      bid,
      ask: Number((bid + spreadPts * this.#o.spec.point).toFixed(this.#o.spec.digits)),
      time_msc: b.time[k],
    });
  }

  /** Another symbol's quote: its next bar's open, else its last close (no bar yet: its first open). */
  #setOtherQuote(
    symbol: string,
    m: { spec: Mt5SymbolInfo; bars: BarArrays; cursor: number },
  ): void {
    const b = m.bars;
    if (!b.length) return;
    const k = Math.min(m.cursor, b.length - 1);
    const bid = m.cursor < b.length ? b.open[k] : b.close[k];
    const spreadPts = b.spread ? b.spread[k] : 0;
    this.book.setQuote({
      symbol,
      bid,
      ask: Number((bid + spreadPts * m.spec.point).toFixed(m.spec.digits)),
      time_msc: b.time[k],
    });
  }

  /** The terminal's spec of a symbol it serves (the main one when none is named), or null. */
  #specOf(symbol: unknown): Mt5SymbolInfo | null {
    if (symbol === undefined || symbol === null || symbol === "") return this.#spec;
    return this.#markets.get(String(symbol))?.spec ?? null;
  }

  /** The symbol of a request: its own, or the main one. */
  #symbolOf(symbol: unknown): string {
    return typeof symbol === "string" && this.#markets.has(symbol) ? symbol : this.#o.symbol;
  }

  /** The trade server's clock (server time, ms): the last quote's time plus the wall time since. */
  #serverNow(): number {
    const b = this.#o.bars;
    return b.time[Math.min(this.#cursor, b.length - 1)] + (Date.now() - this.#quoteWall);
  }

  #wireBar(i: number, b: BarArrays = this.#o.bars): WireBar {
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

  async #testerLoop(): Promise<void> {
    // EA 1.00 in the Strategy Tester: SocketCreate fails every time and the EA retries forever.
    const max = this.#o.maxConnectAttempts ?? 20;
    while (!this.#stopped && this.stats.connect_attempts < max) {
      this.stats.connect_attempts++;
      this.#log("sim_connect_failed", { reason: "SocketCreate failed (Strategy Tester)" });
      await this.#sleep(this.#o.reconnectDelayMs ?? 1000);
    }
    this.#finished();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      this.#wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }

  async #connectLoop(): Promise<void> {
    let failures = 0;
    const maxAttempts = this.#o.maxConnectAttempts ?? 20;
    while (!this.#stopped) {
      let closedReason = "";
      this.stats.connect_attempts++;
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
      this.#welcomed = false;
      this.#stalledUntil = 0; // the EA thread recovers and reconnects
      if (this.#stopped) break;
      this.#log("sim_disconnected", { reason: closedReason });
      const delay = this.#nextDelayMs || (this.#o.reconnectDelayMs ?? 1000);
      this.#nextDelayMs = 0;
      await this.#sleep(delay);
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
          if (this.#conn === conn) {
            this.#stopTimers();
            this.#welcomed = false;
          }
          resolve(reason);
        },
      });
      this.#conn = conn;
      this.#sessionBars = 0;
      this.stats.connections++;
    });
  }

  #stopTimers(): void {
    if (this.#hbTimer !== null) clearInterval(this.#hbTimer);
    this.#hbTimer = null;
    if (!this.#strictOr(this.#o.marketRunsOffline, true, false)) {
      if (this.#barTimer !== null) clearInterval(this.#barTimer);
      this.#barTimer = null;
    }
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
    const line = this.#legacy ? legacyJson(msg) : encodeLine(msg);
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

  #terminal(): Record<string, unknown> {
    return {
      build: 4000,
      connected: true,
      trade_allowed: this.#o.terminalTradeAllowed ?? true,
      ea_trade_allowed: this.#eaTradeAllowed,
    };
  }

  async #accountWire(): Promise<Record<string, unknown>> {
    const acc = await this.book.account();
    return { ...acc, company: this.#o.company ?? acc.company ?? "" };
  }

  async #onMessage(conn: LineConn, m: Message): Promise<void> {
    if (m.t === "challenge") {
      const now = this.#serverNow();
      await this.#write(conn, {
        v: PROTOCOL_VERSION,
        t: "hello",
        proto: PROTOCOL_VERSION,
        ea_version: `KinetraBridge-${this.#legacy ? "1.00" : EA_VERSION}-sim`,
        hmac: await hmacHex(this.#o.secret, String(m.nonce)),
        terminal: this.#terminal(),
        account: await this.#accountWire(),
        time: {
          current: (await this.book.quote(this.#o.symbol)).time_msc,
          gmt: now - this.#srvOffsetS * 1000,
          trade_server: now,
          srv_offset_s: this.#srvOffsetS,
        },
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
      this.#welcomed = true;
      const hb = Number(m.heartbeat_ms) || 1000;
      this.#hbTimer = setInterval(() => {
        if (Date.now() < this.#stalledUntil) return;
        if (this.#fault("phantom_readable")) {
          this.stats.phantom_reads++;
          // SocketIsReadable said there were bytes; SocketRead timed out with -1.
          if (this.#legacy) {
            this.#log("sim_phantom_read", { action: "EA 1.00 drops the link" });
            conn.close();
            return;
          }
          this.#log("sim_phantom_read", { action: "socket still connected: kept" });
        }
        this.#write(conn, { v: PROTOCOL_VERSION, t: "hb", seq: ++this.#seq, time_msc: this.#serverNow() });
      }, hb);
      if (!this.#subscribed && typeof m.bar_symbol === "string" && !this.#legacy) {
        // The EA restarted: Kinetra's welcome carries the subscription to resume.
        this.#subscribed = m.bar_symbol === this.#o.symbol;
      }
      if (this.#subscribed) {
        this.#resumeBars(conn, typeof m.bar_after_msc === "number" ? m.bar_after_msc : null);
      }
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
    if (m.t === "subscribe_bars" && reply.ok && !this.#subscribed) {
      this.#subscribed = true;
      this.#lastSentBar = this.#cursor - 1;
      this.#startMarket(conn);
    }
  }

  /** After (re)connecting: EA 1.10 sends every bar after the one Kinetra has; 1.00 only the last. */
  #resumeBars(conn: LineConn, afterMsc: number | null): void {
    const b = this.#o.bars;
    if (this.#legacy) {
      if (this.#cursor > 0) this.#sendBar(conn, this.#cursor - 1);
    } else {
      const after = afterMsc ?? (this.#lastSentBar >= 0 ? b.time[this.#lastSentBar] : -Infinity);
      for (let i = 0; i < this.#cursor; i++) if (b.time[i] > after) this.#sendBar(conn, i);
    }
    if (this.#cursor >= b.length) this.#sendEnd(conn);
    this.#startMarket(conn);
  }

  #live(conn: LineConn | null): conn is LineConn {
    return conn !== null && !conn.closed && this.#welcomed && Date.now() >= this.#stalledUntil;
  }

  #startMarket(conn: LineConn): void {
    if (this.#strictOr(this.#o.marketRunsOffline, true, false)) {
      if (this.#barTimer !== null) return; // one market clock for the whole run
      this.#barTimer = setInterval(() => {
        if (Date.now() < this.#stalledUntil) return;
        this.#closeBar(this.#live(this.#conn) ? this.#conn : null);
      }, this.#o.barIntervalMs ?? 1000);
      return;
    }
    if (this.#barTimer !== null) clearInterval(this.#barTimer);
    this.#barTimer = setInterval(() => {
      if (conn.closed || Date.now() < this.#stalledUntil) return;
      this.#closeBar(conn);
    }, this.#o.barIntervalMs ?? 1000);
  }

  #sendBar(conn: LineConn, i: number): void {
    const b = this.#o.bars;
    this.#lastSentBar = i;
    this.stats.bars_sent++;
    this.#sessionBars++;
    this.#write(conn, {
      v: PROTOCOL_VERSION,
      t: "bar",
      seq: ++this.#seq,
      symbol: this.#o.symbol,
      timeframe: this.#o.timeframe,
      prev_msc: i > 0 ? b.time[i - 1] : 0,
      bar: this.#wireBar(i),
    });
  }

  #sendEnd(conn: LineConn): void {
    if (this.#endSent) return;
    this.#endSent = true;
    this.#write(conn, { v: PROTOCOL_VERSION, t: "market_state", seq: ++this.#seq, end_of_data: true });
    if (this.#barTimer !== null) clearInterval(this.#barTimer);
    this.#barTimer = null;
    this.#finished();
  }

  #closeBar(conn: LineConn | null): void {
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
    // The other symbols: every bar that opened at or before this one closes too.
    for (const [sym, m] of this.#markets) {
      if (sym === this.#o.symbol) continue;
      const ob = m.bars;
      let moved = false;
      while (m.cursor < ob.length && ob.time[m.cursor] <= b.time[i]) {
        const k = m.cursor;
        this.book.processBar(sym, {
          open: ob.open[k],
          high: ob.high[k],
          low: ob.low[k],
          spreadPoints: ob.spread ? ob.spread[k] : 0,
          time_msc: ob.time[k],
        });
        m.cursor++;
        moved = true;
      }
      if (moved) this.#setOtherQuote(sym, m);
    }
    this.stats.bars_streamed++;
    const offset = this.#offsetAt(b.time[Math.min(this.#cursor, n - 1)]);
    const offsetChanged = offset !== this.#srvOffsetS;
    this.#srvOffsetS = offset;
    if (!conn) return; // disconnected: the bar closes in the terminal's history only
    this.#sendBar(conn, i);
    // The clock changed after this bar (a weekend DST switch): the next bars carry the new offset.
    if (offsetChanged) {
      this.#write(conn, { v: PROTOCOL_VERSION, t: "server_time", seq: ++this.#seq, srv_offset_s: offset });
    }
    if (this.#cursor >= n) this.#sendEnd(conn);
    if (
      this.#sessionBars >= (this.#o.linkDropAfterBars ?? 5) && this.#cursor < n && this.#fault("link_drop")
    ) {
      this.#nextDelayMs = this.#o.linkDropMs ?? 6 * (this.#o.barIntervalMs ?? 1000);
      conn.close();
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
        return { ok: true, data: await this.#accountWire() };
      case "terminal_info":
        return { ok: true, data: this.#terminal() };
      case "symbol_spec": {
        const spec = this.#specOf(m.symbol);
        if (!spec) return { ok: false, err: { code: "unknown_symbol", msg: `no symbol ${m.symbol}` } };
        return { ok: true, data: spec };
      }
      case "tick":
        // (A symbol it does not serve gets the main symbol's quote, as before baskets.)
        return { ok: true, data: await this.book.quote(this.#symbolOf(m.symbol)) };
      case "rates": {
        const mk = this.#markets.get(this.#symbolOf(m.symbol))!;
        const cursor = mk.bars === o.bars ? this.#cursor : mk.cursor;
        const count = Math.max(0, Math.min(Number(m.count) || 0, cursor));
        const out: WireBar[] = [];
        for (let i = cursor - count; i < cursor; i++) out.push(this.#wireBar(i, mk.bars));
        return { ok: true, data: out };
      }
      case "positions":
        return { ok: true, data: await this.book.positions(m.symbol ? String(m.symbol) : undefined) };
      case "deals": {
        const from = typeof m.from_msc === "number" ? m.from_msc : 0;
        return { ok: true, data: this.book.deals().filter((d) => d.time_msc >= from).map(wireDeal) };
      }
      case "subscribe_bars":
        if (!symbolOk(m.symbol) && !this.#legacy) {
          return { ok: false, err: { code: "unknown_symbol", msg: `no symbol ${m.symbol}` } };
        }
        return {
          ok: true,
          data: { subscribed: true, symbol: String(m.symbol), timeframe: String(m.timeframe) },
        };
      case "order_check":
        return { ok: true, data: await this.#orderCheck(m.req as TradeRequest) };
      case "reconcile":
        return { ok: true, data: this.#reconcile(String(m.cid)) };
      case "order_send":
      case "close_position":
      case "modify_sltp":
        return { ok: true, data: await this.#trade(m) };
      default:
        return { ok: false, err: { code: "unknown_request", msg: `unknown request ${m.t}` } };
    }
  }

  // ---- The terminal and trade server ------------------------------------------------------

  /** Checks the terminal and server make before the book: permissions, filling, SL/TP flags. */
  #serverRefusal(req: TradeRequest): ServerResult | null {
    const no = (retcode: number, comment: string): ServerResult => ({
      retcode,
      deal: "0",
      order: "0",
      volume: 0,
      price: 0,
      bid: 0,
      ask: 0,
      comment,
    });
    if (!this.#eaTradeAllowed || !(this.#o.terminalTradeAllowed ?? true)) {
      return no(RETCODE.CLIENT_DISABLES_AT, "AutoTrading disabled by client");
    }
    if (req.action === TRADE_ACTION.DEAL && !req.position) {
      const f = req.type_filling ?? ORDER_FILLING.FOK;
      const spec = this.#specOf(req.symbol) ?? this.#spec;
      if (!serverFillingAllowed(spec, f)) return no(RETCODE.INVALID_FILL, "Unsupported filling mode");
      const om = spec.order_mode ?? 127;
      if (((req.sl ?? 0) > 0 && !(om & SYMBOL_ORDER.SL)) || ((req.tp ?? 0) > 0 && !(om & SYMBOL_ORDER.TP))) {
        return no(RETCODE.INVALID_STOPS, "Invalid stops");
      }
    }
    return null;
  }

  #serverResult(r: TradeResult): ServerResult {
    const viaDeal = this.#strictOr(this.#o.fillsViaDealOnly, true, false);
    return {
      retcode: r.retcode,
      deal: r.deal,
      order: r.order,
      volume: viaDeal ? 0 : r.volume,
      price: viaDeal ? 0 : r.price,
      bid: r.bid,
      ask: r.ask,
      comment: r.comment,
    };
  }

  /** OrderSend of a market deal. */
  async #serverSend(cid: string, req: TradeRequest): Promise<ServerResult> {
    this.stats.server_requests++;
    const refused = this.#serverRefusal(req);
    if (refused) return refused;
    const r = await this.book.send(cid, { ...req, type_filling: ORDER_FILLING.FOK });
    if (r.retcode === RETCODE.DONE && r.deal !== "0") this.stats.orders_executed++;
    return this.#serverResult(r);
  }

  async #serverClose(cid: string, ticket: string, volume: number | undefined): Promise<ServerResult> {
    this.stats.server_requests++;
    const refused = this.#serverRefusal({
      action: TRADE_ACTION.DEAL,
      symbol: this.#o.symbol,
      volume: 0,
      type: ORDER_TYPE.BUY, // not read by the permission check
      position: ticket,
    });
    if (refused) return refused;
    const r = await this.book.close(cid, ticket, volume);
    if (r.retcode === RETCODE.DONE && r.deal !== "0") this.stats.orders_executed++;
    return this.#serverResult(r);
  }

  async #serverModify(cid: string, ticket: string, sl: number, tp: number): Promise<ServerResult> {
    this.stats.server_requests++;
    const refused = this.#serverRefusal({
      action: TRADE_ACTION.SLTP,
      symbol: this.#o.symbol,
      volume: 0,
      type: ORDER_TYPE.BUY, // not read by the permission check
      position: ticket,
    });
    if (refused) return refused;
    return this.#serverResult(await this.book.modify(cid, ticket, sl, tp));
  }

  // ---- The EA's logic (KinetraBridge.mq5 1.10, or 1.00 with its faults) --------------------

  async #orderCheck(req: TradeRequest): Promise<CheckResult & Record<string, number | string>> {
    const acc = await this.book.account();
    if (this.#legacy) {
      // 1.00 never called OrderCheck.
      return {
        retcode: 0,
        comment: "use order_send",
        margin: 0,
        margin_free: acc.margin_free,
        balance: 0,
        equity: 0,
        profit: 0,
        margin_level: 0,
      };
    }
    const sym = this.#symbolOf(req.symbol);
    const mk = this.#markets.get(sym)!;
    const q = await this.book.quote(sym);
    const price = req.price && req.price > 0 ? req.price : req.type === ORDER_TYPE.BUY ? q.ask : q.bid;
    const filled = {
      ...req,
      price,
      type_filling: eaFilling(mk.spec, req.type_filling ?? ORDER_FILLING.FOK),
    };
    const refused = this.#serverRefusal(filled);
    const base = await this.book.orderCheck({ ...filled, type_filling: ORDER_FILLING.FOK });
    const margin = defaultMarginRequired(mk.instrument, acc.leverage, req.volume, price);
    const used = acc.margin + margin;
    const free = acc.equity - used;
    let retcode = refused ? refused.retcode : base.retcode;
    let comment = refused ? refused.comment : base.retcode === 0 ? "Done" : base.comment;
    if (retcode === 0 && free < 0) {
      retcode = RETCODE.NO_MONEY;
      comment = "No money";
    }
    return {
      retcode,
      comment,
      balance: acc.balance,
      equity: acc.equity,
      profit: acc.equity - acc.balance,
      margin,
      margin_free: free,
      margin_level: used > 0 ? (acc.equity / used) * 100 : 0,
    };
  }

  #reconcile(cid: string) {
    const stored = this.#journal.get(cid);
    const deals = this.book.deals().filter((d) => d.comment === cid).map(wireDeal);
    if (stored && stored !== "received") return { cid, state: "found", result: stored, deals };
    if (deals.length) {
      const d = deals[deals.length - 1];
      return {
        cid,
        state: "found",
        result: {
          ...emptyResult(RETCODE.DONE, "reconstructed from history"),
          deal: d.ticket,
          order: d.order,
          position: d.position_id,
          volume: d.volume,
          price: d.price,
          commission: d.commission,
          profit: d.profit,
        },
        deals,
      };
    }
    return { cid, state: "not_found", deals: [] };
  }

  async #trade(m: Message): Promise<TradeResult> {
    const cid = String(m.cid ?? "");
    const journal = (r: TradeResult) => {
      this.#journal.set(cid, r);
      return r;
    };
    if (cid.length === 0 || cid.length > 16) {
      return emptyResult(RETCODE.INVALID, "cid must be 1..16 characters");
    }
    const prior = this.#journal.get(cid);
    if (prior && prior !== "received") {
      this.stats.duplicates_suppressed++;
      return { ...prior, bridge_code: BRIDGE_CODE.DUPLICATE_CACHED };
    }
    const acc = await this.book.account();
    if (acc.trade_mode !== ACCOUNT_TRADE_MODE.DEMO && !this.#allowLive) {
      const r = {
        ...emptyResult(RETCODE.REJECT, "refused by the EA: AllowLive is off for a non-demo account"),
        bridge_code: BRIDGE_CODE.LIVE_GATE,
      };
      return this.#legacy ? r : journal(r);
    }
    if (!this.#legacy && (!this.#eaTradeAllowed || !(this.#o.terminalTradeAllowed ?? true))) {
      const why = !(this.#o.terminalTradeAllowed ?? true)
        ? "the terminal's Algo Trading button is off"
        : "'Allow Algo Trading' is off in the EA's properties (Common tab)";
      return journal(
        emptyResult(RETCODE.CLIENT_DISABLES_AT, `refused by the EA: algo trading is off: ${why}`),
      );
    }
    this.#journal.set(cid, "received"); // journalled before OrderSend
    let sr: ServerResult;
    let position = "0";
    if (m.t === "order_send") {
      const req = { ...(m.req as TradeRequest) };
      const sym = this.#symbolOf(req.symbol);
      const spec = this.#markets.get(sym)!.spec;
      const q = await this.book.quote(sym);
      req.price = req.type === ORDER_TYPE.BUY ? q.ask : q.bid;
      const om = spec.order_mode ?? 127;
      if (this.#legacy) {
        // CTrade: SL/TP the symbol does not take are dropped; filling from the symbol on market execution.
        if (!(om & SYMBOL_ORDER.SL)) req.sl = 0;
        if (!(om & SYMBOL_ORDER.TP)) req.tp = 0;
        const f = legacyCtradeFilling(spec, req.type_filling ?? ORDER_FILLING.FOK);
        if (f < 0) {
          const r = emptyResult(RETCODE.INVALID_FILL, "Unsupported filling mode");
          this.#lastCtrade = r;
          return journal(r);
        }
        req.type_filling = f;
      } else {
        const noSl = (req.sl ?? 0) > 0 && !(om & SYMBOL_ORDER.SL);
        const noTp = (req.tp ?? 0) > 0 && !(om & SYMBOL_ORDER.TP);
        if (noSl || noTp) {
          return journal(emptyResult(
            RETCODE.INVALID_STOPS,
            `refused by the EA: ${sym} does not accept ${noSl ? "stop-loss" : "take-profit"} ` +
              `orders (SYMBOL_ORDER_MODE ${om}); nothing was sent`,
          ));
        }
        const f = eaFilling(spec, req.type_filling ?? ORDER_FILLING.FOK);
        if (f < 0) {
          return journal(
            emptyResult(RETCODE.INVALID_FILL, "refused by the EA: the symbol allows no filling policy"),
          );
        }
        req.type_filling = f;
      }
      sr = await this.#serverSend(cid, req);
    } else if (m.t === "close_position") {
      const ticket = String(m.ticket);
      if (!(await this.book.positions()).some((p) => p.ticket === ticket)) {
        const r = { ...emptyResult(RETCODE.POSITION_CLOSED, "position not found"), position: ticket };
        return this.#legacy ? r : journal(r);
      }
      sr = await this.#serverClose(cid, ticket, m.volume == null ? undefined : Number(m.volume));
      position = ticket;
    } else {
      const ticket = String(m.ticket);
      const exists = (await this.book.positions()).some((p) => p.ticket === ticket);
      if (!exists) {
        // 1.00: CTrade::PositionModify returned false before resetting its result.
        const r = this.#legacy && this.#lastCtrade ? { ...this.#lastCtrade } : {
          ...emptyResult(
            RETCODE.POSITION_CLOSED,
            "position not found (closed by its stop-loss or take-profit?)",
          ),
          position: ticket,
        };
        return journal(r);
      }
      sr = await this.#serverModify(cid, ticket, Number(m.sl), Number(m.tp));
      position = ticket;
    }
    let r: TradeResult = {
      ...emptyResult(sr.retcode, sr.comment),
      deal: sr.deal,
      order: sr.order,
      position,
      volume: sr.volume,
      price: sr.price,
      bid: sr.bid,
      ask: sr.ask,
    };
    const deal = sr.deal !== "0" ? this.book.deals().find((d) => d.ticket === sr.deal) : undefined;
    if (this.#legacy) {
      if (m.t === "order_send" && sr.retcode === RETCODE.DONE) {
        // 1.00: hedging → result.order; netting → PositionSelect(symbol).
        const pos = (await this.book.positions(this.#symbolOf((m.req as TradeRequest).symbol)))[0];
        r.position = this.#o.hedging ? sr.order : pos?.ticket ?? "0";
      }
    } else if (deal) {
      // 1.10: HistoryDealSelect(result.deal) → DEAL_PRICE, DEAL_VOLUME, DEAL_COMMISSION, DEAL_PROFIT.
      r = {
        ...r,
        price: deal.price,
        volume: deal.volume,
        commission: deal.commission,
        profit: deal.profit,
        position: deal.position_id,
      };
    }
    if (m.t === "order_send" || m.t === "modify_sltp") this.#lastCtrade = r;
    return journal(r);
  }
}

/** CTrade (Trade.mqh) FillingCheck as EA 1.00 used it; -1 = 10030 without sending. */
function legacyCtradeFilling(spec: Mt5SymbolInfo, requested: number): number {
  const exe = spec.trade_exemode;
  if (exe === SYMBOL_TRADE_EXECUTION.REQUEST || exe === SYMBOL_TRADE_EXECUTION.INSTANT) return requested;
  if (exe === SYMBOL_TRADE_EXECUTION.MARKET) {
    if (spec.filling_mode & SYMBOL_FILLING.FOK) return ORDER_FILLING.FOK;
    if (spec.filling_mode & SYMBOL_FILLING.IOC) return ORDER_FILLING.IOC;
    return -1;
  }
  if (requested === ORDER_FILLING.RETURN) return requested;
  if (requested === ORDER_FILLING.FOK && spec.filling_mode & SYMBOL_FILLING.FOK) return requested;
  if (requested === ORDER_FILLING.IOC && spec.filling_mode & SYMBOL_FILLING.IOC) return requested;
  return -1;
}

function emptyResult(retcode: number, comment: string): TradeResult {
  return {
    retcode,
    bridge_code: BRIDGE_CODE.OK,
    deal: "0",
    order: "0",
    position: "0",
    volume: 0,
    price: 0,
    bid: 0,
    ask: 0,
    comment,
    commission: 0,
    profit: 0,
  };
}

/** A book deal as the EA sends it (DEAL_REASON from the closing cause). */
function wireDeal(d: BrokerDeal): BrokerDeal {
  const reason = d.comment.startsWith("sl") ? 4 : d.comment.startsWith("tp") ? 5 : 3;
  return { ...d, reason: d.reason ?? reason };
}

function replyEnvelope(r: { ok: boolean; data?: unknown; err?: unknown }): Record<string, unknown> {
  return r.ok ? { ok: true, data: r.data } : { ok: false, err: r.err };
}
