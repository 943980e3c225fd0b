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
import { KinetraError } from "../errors.ts";
import { Mt5BridgeBroker } from "../mt5/bridge_broker.ts";
import { parseHostPort, type WireBar } from "../mt5/protocol.ts";
import { BridgeServer } from "../mt5/server.ts";
import { requireSecret } from "./config.ts";
import { accountGate } from "./gates.ts";
import { Halt, type LiveSession } from "./session.ts";

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
  /** Demo/live: why the link is down right now, or null while it is up. */
  linkDown(): string | null;
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
  return { broker: paper, paper, server: null, spec, linkDown: () => null };
}

/**
 * Demo/live: listen on the bridge address, wait for an accepted Expert Advisor and read the
 * symbol's specification from the terminal. A refused EA ends the wait at once.
 */
export async function bridgeMarket(s: LiveSession): Promise<Market> {
  const { opts, io, journal, mode, config, symbol } = s;
  let linkDown: string | null = null;
  const addr = parseHostPort(opts.bridge ?? config.address ?? undefined);
  const server = await BridgeServer.listen({
    hostname: addr.hostname,
    port: addr.port,
    secret: requireSecret(config),
    heartbeatMs: opts.heartbeatMs,
    deadAfterMs: opts.deadAfterMs,
    acceptAccount: accountGate(mode, config),
    log: (event, fields) => {
      journal.append("session", { event, ...fields });
    },
  });
  server.onState((state, reason) => {
    linkDown = state === "down" ? reason : null;
    io.print(state === "up" ? "bridge: Expert Advisor connected" : `bridge: link down (${reason})`);
  });
  io.onBridgeListening?.({ hostname: addr.hostname, port: server.port });
  io.print(`bridge: listening on ${addr.hostname}:${server.port}; waiting for the Expert Advisor…`);
  // A refused EA ends the wait at once (its reason is the message), rather than after the timeout.
  let refusedReason: string | null = null;
  const refused = new Promise<never>((_, reject) =>
    server.onRefused((reason) => {
      refusedReason = reason;
      reject(new KinetraError("account_refused", reason));
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
  const broker = new Mt5BridgeBroker(server, {
    timeouts: opts.timeouts,
    magic: s.magic,
    relinkMs: opts.reconnectTimeoutMs ?? 30_000,
  });
  let info: Mt5SymbolInfo;
  try {
    info = await broker.symbolSpec(symbol);
  } catch (e) {
    await server.close();
    throw e;
  }
  const spec = instrumentFromMt5(info, symbolSpec(symbol));
  return { broker, paper: null, server, spec, linkDown: () => linkDown };
}

/**
 * The bars a bridge streams: queued as they arrive, `next` waits for one (or for the end of the
 * data), halting on a bar timeout or a link that stays down.
 */
export class BridgeBarFeed {
  readonly #queue: WireBar[] = [];
  #endOfData = false;
  readonly #gaps = new WeakMap<WireBar, { after_msc: number; prev_msc: number }>();
  #wake: (() => void) | null = null;
  #downSince = 0;
  #lastBarAt = Date.now();

  constructor(
    readonly market: Market,
    readonly s: LiveSession,
  ) {
    const server = market.server!;
    server.onEvent((m) => {
      if (m.t === "bar" && m.symbol === s.symbol && (!m.timeframe || m.timeframe === s.timeframe)) {
        // The listener marks a bar whose predecessor in the terminal is not the last bar received.
        if (m.gap) this.#gaps.set(m.bar as WireBar, m.gap as { after_msc: number; prev_msc: number });
        this.#queue.push(m.bar as WireBar);
        this.#wake?.();
      } else if (m.t === "market_state" && m.end_of_data) {
        this.#endOfData = true;
        this.#wake?.();
      }
    });
    server.onState(() => this.#wake?.());
  }

  /** Ask the terminal to stream the session's bars. */
  async subscribe(): Promise<void> {
    await (this.market.broker as Mt5BridgeBroker).subscribeBars(this.s.symbol, this.s.timeframe);
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
          const iso = (t: number) => new Date(t).toISOString();
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
