/**
 * The bar feed of a live run and the broker it trades with: in virtual mode a paper broker and the
 * replay file's bars; in demo and live the MT5 bridge (listen, wait for the Expert Advisor, the
 * symbol's specification from the terminal) and the bars it streams.
 *
 * @module
 */
import { type Instrument, symbolSpec } from "../market/instrument.ts";
import { instrumentFromMt5, type Mt5SymbolInfo } from "../market/mt5_names.ts";
import { PaperBroker } from "../broker/paper_broker.ts";
import type { Broker } from "../broker/types.ts";
import type { BarArrays } from "../data/types.ts";
import { timeframeMs } from "../data/timeframe.ts";
import { KinetraError } from "../errors.ts";
import { Mt5BridgeBroker } from "../mt5/bridge_broker.ts";
import { parseHostPort, type WireBar } from "../mt5/protocol.ts";
import { BridgeServer } from "../mt5/server.ts";
import { requireSecret } from "./config.ts";
import { accountGate } from "./gates.ts";
import { Halt, type LiveSession } from "./session.ts";
import { CheckedBridgeBroker, RateLimiter, WireMonitor } from "./wire.ts";

/** An epoch-ms time as ISO 8601, or the raw number when it is not a valid date (hostile input). */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/** A growable bar buffer exposed as BarArrays views. */
export class BarBuffer {
  time: Float64Array = new Float64Array(1024);
  open: Float64Array = new Float64Array(1024);
  high: Float64Array = new Float64Array(1024);
  low: Float64Array = new Float64Array(1024);
  close: Float64Array = new Float64Array(1024);
  tickVolume: Float64Array = new Float64Array(1024);
  volume: Float64Array = new Float64Array(1024);
  spread: Float64Array = new Float64Array(1024);
  length = 0;

  /** Append one bar. */
  push(b: WireBar): void {
    if (this.length === this.time.length) {
      for (const k of ["time", "open", "high", "low", "close", "tickVolume", "volume", "spread"] as const) {
        const next = new Float64Array(this.time.length * 2);
        next.set(this[k]);
        this[k] = next;
      }
    }
    const i = this.length++;
    this.time[i] = b.time_msc;
    this.open[i] = b.open;
    this.high[i] = b.high;
    this.low[i] = b.low;
    this.close[i] = b.close;
    this.tickVolume[i] = b.tick_volume;
    this.volume[i] = b.real_volume;
    this.spread[i] = b.spread;
  }

  /** The bars so far (views, valid until the next push). */
  view(): BarArrays {
    const n = this.length;
    return {
      length: n,
      time: this.time.subarray(0, n),
      open: this.open.subarray(0, n),
      high: this.high.subarray(0, n),
      low: this.low.subarray(0, n),
      close: this.close.subarray(0, n),
      tickVolume: this.tickVolume.subarray(0, n),
      volume: this.volume.subarray(0, n),
      spread: this.spread.subarray(0, n),
    };
  }
}

/** Reject with `killed` as soon as the kill switch fires. */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(new KinetraError("killed", "stopped by the kill switch before the session started"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The broker side of a run. */
export interface Market {
  broker: Broker;
  /** Virtual mode's paper broker (the same object as `broker`), else null. */
  paper: PaperBroker | null;
  /** Demo/live: the bridge listener, else null. */
  server: BridgeServer | null;
  /** The instrument traded (in demo/live: the terminal's symbol_info over Kinetra's defaults). */
  spec: Instrument;
  /** Demo/live: the count of malformed messages from the EA, else null. */
  monitor: WireMonitor | null;
  /** Demo/live: the checks every streamed bar passes before the listener accepts it, else null. */
  barGate: BarGate | null;
  /** Demo/live: why the link is down right now, or null while it is up. */
  linkDown(): string | null;
  /** Demo/live: a connection problem that must stop new entries (flapping), once; else null. */
  trouble(): string | null;
  /** The trade server's clock now (epoch ms; virtual: the wall clock). */
  serverNow(): number;
  /** Demo/live: the account the session is bound to. */
  boundAccount(): { login: string; server: string } | null;
}

/** The paper broker of virtual mode. */
export function paperMarket(s: LiveSession): Market {
  const spec = symbolSpec(s.symbol);
  const paper = new PaperBroker({
    specs: [spec],
    balance: s.cash,
    leverage: s.leverage,
    commissionPerLot: spec.commissionPerLot,
    login: "virtual",
    server: "Kinetra-Paper",
  });
  return {
    broker: paper,
    paper,
    server: null,
    monitor: null,
    barGate: null,
    spec,
    linkDown: () => null,
    trouble: () => null,
    serverNow: () => Date.now(),
    boundAccount: () => null,
  };
}

/** Reconnections within {@link FLAP_WINDOW_MS} that count as a flapping link. */
export const FLAP_RECONNECTS = 5;
/** The window of the flapping rule. */
export const FLAP_WINDOW_MS = 60_000;

/** An EA clock value in epoch ms (the EA may send seconds). */
function epochMs(v: unknown): number | null {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) return null;
  return v < 1e11 ? v * 1000 : v;
}

/**
 * Demo/live: listen on the bridge address, wait for an accepted Expert Advisor and read the
 * symbol's specification from the terminal.
 *
 * Connection policy: a connection that fails authentication (wrong HMAC, wrong protocol, no
 * account) never ends or changes the session: it is refused, logged (rate-limited) and the runner
 * keeps waiting for the real EA. An authenticated EA whose account the mode's gate refuses ends the
 * wait at once, before the session starts. Once a session is up it is bound to that account (login
 * and server) for its life: an EA with another account is refused and reported, and the bound
 * session goes on. {@link FLAP_RECONNECTS} reconnections within {@link FLAP_WINDOW_MS} is a
 * flapping link: new entries stop. Connection events are journalled at most 5 per kind per minute.
 */
export async function bridgeMarket(s: LiveSession): Promise<Market> {
  const { opts, io, journal, mode, config, symbol } = s;
  let linkDown: string | null = null;
  let bound: { login: string; server: string } | null = null;
  let gateRefusal: string | null = null;
  let trouble: string | null = null;
  let troubleTaken = false;
  const ups: number[] = [];
  let clock: { at: number; server: number } | null = null;
  const noise = new RateLimiter(5, 60_000);
  const monitor = new WireMonitor(journal, io.print, null, opts.maxBadMessages);
  const periodMs = timeframeMs(s.timeframe) ?? 0;
  const barGate = new BarGate(
    opts.barClockToleranceMs ?? Math.max(DEFAULT_BAR_CLOCK_TOLERANCE_MS, 50 * periodMs),
    periodMs,
  );
  let listener: BridgeServer | null = null;
  /** The trade server's clock (UTC): the last heartbeat's, else hello's, else ours. */
  const serverNow = () => {
    const hb = listener?.serverClockMs() ?? null;
    if (hb !== null) return hb;
    const c = clock as { at: number; server: number } | null;
    return c ? c.server + (Date.now() - c.at) : Date.now();
  };
  const gate = accountGate(mode, config);
  const addr = parseHostPort(opts.bridge ?? config.address ?? undefined);
  const server = await BridgeServer.listen({
    hostname: addr.hostname,
    port: addr.port,
    secret: requireSecret(config),
    heartbeatMs: opts.heartbeatMs,
    deadAfterMs: opts.deadAfterMs,
    acceptAccount: (hello) => {
      const a = hello.account;
      if (bound && (String(a.login) !== bound.login || String(a.server) !== bound.server)) {
        return `account ${a.login} on ${a.server} is not this session's account ${bound.login} on ${bound.server}` +
          " (one session is bound to one account)";
      }
      const r = gate(hello);
      if (r && !bound) gateRefusal = r;
      if (!r) {
        // Bars reach the runner in UTC (the listener converts server times): compare with UTC.
        const t = hello.time ?? {};
        const utcNow = epochMs(t.gmt);
        if (utcNow !== null) clock = { at: Date.now(), server: utcNow };
      }
      return r;
    },
    acceptBar: (bar) => {
      const problem = barGate.check(bar, serverNow());
      if (problem) monitor.badBar(problem, bar);
      return problem;
    },
    log: (event, fields) => {
      if (event === "bridge_bad_message") {
        const errs = Array.isArray(fields.errors) ? fields.errors.join("; ") : String(fields.errors ?? "");
        monitor.bad(String(fields.t ?? "?"), errs);
        return;
      }
      if (event === "bridge_bad_bar") return; // journalled as bad_bar by acceptBar
      const held = noise.take(event);
      if (held === null) return;
      journal.append("session", { event, ...fields, ...(held ? { suppressed: held } : {}) }).catch(() => {});
    },
  });
  server.onState((state, reason) => {
    linkDown = state === "down" ? reason : null;
    if (state === "up") {
      const acc = server.session()?.hello.account;
      if (acc && !bound) bound = { login: String(acc.login), server: String(acc.server) };
      const now = Date.now();
      ups.push(now);
      while (ups.length && now - ups[0] > FLAP_WINDOW_MS) ups.shift();
      if (!trouble && ups.length > FLAP_RECONNECTS) {
        trouble = `the bridge link is flapping: ${ups.length - 1} reconnections within ${
          FLAP_WINDOW_MS / 1000
        } s (two Expert Advisors on one bridge, or an unstable terminal)`;
      }
    }
    if (noise.take(`print:${state}`) !== null) {
      io.print(state === "up" ? "bridge: Expert Advisor connected" : `bridge: link down (${reason})`);
    }
  });
  io.onBridgeListening?.({ hostname: addr.hostname, port: server.port });
  io.print(`bridge: listening on ${addr.hostname}:${server.port}; waiting for the Expert Advisor…`);
  // An authenticated EA refused by the account gate ends the wait at once (its reason is the
  // message); any other refusal (authentication) is reported and the wait goes on.
  let refusedReason: string | null = null;
  const refused = new Promise<never>((_, reject) =>
    server.onRefused((reason) => {
      if (gateRefusal !== null && reason === gateRefusal && !bound) {
        refusedReason = reason;
        reject(new KinetraError("account_refused", reason));
        return;
      }
      if (noise.take("print:refused") !== null) io.print(`bridge: connection refused (${reason})`);
    })
  );
  refused.catch(() => {});
  try {
    await abortable(
      Promise.race([server.waitForSession(opts.connectTimeoutMs ?? 60_000), refused]),
      io.signal,
    );
  } catch (e) {
    await server.close();
    if (refusedReason) {
      throw new KinetraError(
        "account_refused",
        `the Expert Advisor connected but was refused: ${refusedReason}. ${mode} mode ` +
          (mode === "demo" ? "accepts only DEMO accounts" : "accepts only the pinned live account") +
          ` (details in ${journal.path})`,
        { exitCode: 1 },
      );
    }
    throw e;
  }
  monitor.server = server;
  listener = server;
  const broker = new CheckedBridgeBroker(
    new Mt5BridgeBroker(server, {
      timeouts: opts.timeouts,
      magic: s.magic,
      relinkMs: opts.reconnectTimeoutMs ?? 30_000,
    }),
    monitor,
  );
  let info: Mt5SymbolInfo;
  try {
    info = await broker.symbolSpec(symbol);
  } catch (e) {
    await server.close();
    throw e;
  }
  const spec = instrumentFromMt5(info, symbolSpec(symbol));
  barGate.point = spec.point;
  return {
    broker,
    paper: null,
    server,
    monitor,
    barGate,
    spec,
    linkDown: () => linkDown,
    trouble: () => {
      if (!trouble || troubleTaken) return null;
      troubleTaken = true;
      return trouble;
    },
    serverNow,
    boundAccount: () => bound,
  };
}

/**
 * How far a bar's open time may lie after the trade server's clock (time zones, clock skew), at
 * least; the default is the larger of this and 50 bar periods (a simulator's compressed market time
 * runs ahead of its heartbeats).
 */
export const DEFAULT_BAR_CLOCK_TOLERANCE_MS = 2 * 86_400_000;
/** The largest move of any price of a bar against the previous close (a factor either way). */
export const MAX_BAR_JUMP = 5;
/** The largest spread, as a share of the close. */
export const MAX_SPREAD_SHARE = 0.1;

/**
 * The checks of a streamed bar against the previous one and the server's clock: `"resent"` for a
 * bar at the previous bar's time (the EA re-sends the last closed bar after a reconnect), null for
 * a good bar, else the reason it is refused.
 */
export function barProblem(
  b: WireBar,
  prev: { time: number; close: number } | null,
  serverNowMs: number,
  point: number,
  toleranceMs: number = DEFAULT_BAR_CLOCK_TOLERANCE_MS,
): string | null {
  if (typeof b !== "object" || b === null) return "not a bar";
  for (const k of ["time_msc", "open", "high", "low", "close"] as const) {
    if (typeof b[k] !== "number" || !Number.isFinite(b[k])) return `${k}: not a finite number`;
  }
  if (b.spread !== undefined && b.spread !== null && !(typeof b.spread === "number")) {
    return "spread: not a number";
  }
  for (const k of ["open", "high", "low", "close"] as const) {
    if (!(b[k] > 0)) return `${k} ${b[k]} is not a positive price`;
  }
  if (!(b.high >= b.low)) return `high ${b.high} < low ${b.low}`;
  if (b.high < Math.max(b.open, b.close) || b.low > Math.min(b.open, b.close)) {
    return `open/close outside [low, high] (${b.open}/${b.close} vs ${b.low}..${b.high})`;
  }
  const spread = b.spread ?? 0;
  if (!(spread >= 0) || spread * point > MAX_SPREAD_SHARE * b.close) {
    return `spread ${spread} points is not sane for a close of ${b.close}`;
  }
  if (!Number.isInteger(b.time_msc) || b.time_msc <= 0) return `time ${b.time_msc} is not an epoch time`;
  if (b.time_msc > serverNowMs + toleranceMs) {
    return `time ${isoTime(b.time_msc)} is after the trade server's clock ` +
      `${isoTime(serverNowMs)} (tolerance ${toleranceMs / 3_600_000} h)`;
  }
  if (prev) {
    if (b.time_msc === prev.time) return "resent";
    if (b.time_msc < prev.time) {
      return `time ${isoTime(b.time_msc)} is before the previous bar ${isoTime(prev.time)}`;
    }
    const ref = prev.close;
    if (ref > 0) {
      for (const k of ["open", "high", "low", "close"] as const) {
        if (b[k] > ref * MAX_BAR_JUMP || b[k] < ref / MAX_BAR_JUMP) {
          return `${k} ${b[k]} is more than ${MAX_BAR_JUMP}x away from the previous close ${ref}`;
        }
      }
    }
  }
  return null;
}

/**
 * The bar checks with their memory: the last accepted bar (time and close). The listener asks it
 * before it accepts a bar, so a refused bar never advances the stream.
 */
export class BarGate {
  last: { time: number; close: number } | null = null;
  /** The symbol's point (for the spread check); set once the spec is known. */
  point = 0;
  constructor(readonly toleranceMs?: number, readonly periodMs = 0) {}

  /**
   * null = accepted (and remembered); else why the bar is refused. `resent` bars pass. The clock
   * the bar is compared with is the server's, or the previous bar's time plus one period when that
   * is later (a simulator's compressed market time runs ahead of its heartbeats).
   */
  check(b: WireBar, serverNowMs: number): string | null {
    const clock = this.last ? Math.max(serverNowMs, this.last.time + this.periodMs) : serverNowMs;
    const p = barProblem(b, this.last, clock, this.point, this.toleranceMs);
    if (p === "resent") return null;
    if (p) return p;
    this.last = { time: b.time_msc, close: b.close };
    return null;
  }
}

/**
 * The bars a bridge streams: queued as they arrive, `next` waits for one (or for the end of the
 * data), halting on a bar timeout or a link that stays down.
 */
export class BridgeBarFeed {
  readonly #queue: WireBar[] = [];
  #endOfData = false;
  readonly #gaps = new WeakMap<WireBar, { after_msc: number; prev_msc: number }>();
  #refusedSeen = 0;
  #wake: (() => void) | null = null;
  #downSince = 0;
  #lastBarAt = Date.now();

  constructor(
    readonly market: Market,
    readonly s: LiveSession,
  ) {
    const server = market.server!;
    server.onEvent((m) => {
      // Never throws: whatever goes wrong is counted as a bad message.
      try {
        // The listener checked the message against the schema and the bar against the bar gate.
        if (m.t === "bar" && (m.resent || m.refused)) return;
        if (m.t === "bar" && m.symbol === s.symbol && (!m.timeframe || m.timeframe === s.timeframe)) {
          // The listener marks a bar whose predecessor in the terminal is not the last bar received;
          // a hole left by bar events refused or malformed (already reported) is not a gap.
          const refused = market.monitor?.barsLost ?? 0;
          const explained = refused > this.#refusedSeen;
          this.#refusedSeen = refused;
          if (m.gap && !explained) {
            this.#gaps.set(m.bar as WireBar, m.gap as { after_msc: number; prev_msc: number });
          }
          this.#queue.push(m.bar as WireBar);
          this.#wake?.();
        } else if (m.t === "market_state" && m.end_of_data) {
          this.#endOfData = true;
          this.#wake?.();
        }
      } catch (e) {
        market.monitor?.bad("event", `could not be handled: ${(e as Error)?.message ?? e}`);
      }
    });
    server.onState(() => this.#wake?.());
  }

  /** Ask the terminal to stream the session's bars. */
  async subscribe(): Promise<void> {
    await (this.market.broker as CheckedBridgeBroker).subscribeBars(this.s.symbol, this.s.timeframe);
    this.s.io.print(`streaming ${this.s.symbol} ${this.s.timeframe} bars from the terminal`);
  }

  /** The next bar, or null at the end of the data. `tick` runs on every wait (the kill switch). */
  async next(tick: () => Promise<void>): Promise<WireBar | null> {
    const { opts } = this.s;
    while (true) {
      await tick();
      if (this.#queue.length) {
        this.#lastBarAt = Date.now();
        const bar = this.#queue.shift()!;
        const gap = this.#gaps.get(bar);
        if (gap) {
          const iso = isoTime;
          throw new Halt(
            "bar_gap",
            `bars are missing before ${iso(bar.time_msc)}: the terminal's previous bar opened at ${
              iso(gap.prev_msc)
            }, the last bar received at ${iso(gap.after_msc)}; the strategy does not run over a hole`,
          );
        }
        return bar;
      }
      if (opts.barTimeoutMs !== undefined && Date.now() - this.#lastBarAt > opts.barTimeoutMs) {
        throw new Halt(
          "no_bars",
          `no new bar from the terminal for ${(opts.barTimeoutMs / 1000).toFixed(1)} s`,
        );
      }
      if (this.#endOfData) return null;
      const down = this.market.linkDown();
      if (down) {
        this.#downSince ||= Date.now();
        if (Date.now() - this.#downSince > (opts.reconnectTimeoutMs ?? 30_000)) {
          throw new Halt("link_lost", `the bridge link is down (${down}) and did not come back`);
        }
      } else this.#downSince = 0;
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.#wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.#wake = null;
    }
  }
}
