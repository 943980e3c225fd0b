/**
 * The bridge listener: Kinetra's side of the MT5 bridge. It listens on a loopback address (MQL5
 * sockets can only connect out), challenges every connecting Expert Advisor with a nonce, accepts
 * it only with the right HMAC and an account the caller's gate allows, watches its heartbeat, and
 * turns requests into replies with timeouts. One session at a time: a new one replaces the old.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import type { AccountInfo } from "../broker/types.ts";
import { LineConn } from "./line_conn.ts";
import { requireNet } from "./permissions.ts";
import {
  eventToUtc,
  hmacHex,
  type Message,
  PROTOCOL_VERSION,
  randomHex,
  type Reply,
  replyToUtc,
  requestToServer,
  safeEqual,
  validateIncoming,
  validateReply,
  type WireBar,
} from "./protocol.ts";

/** What an Expert Advisor says about itself in `hello`. */
export interface HelloInfo {
  /** The EA's version (e.g. `1.10`). */
  ea_version: string;
  /** The account it trades. */
  account: AccountInfo;
  /** The terminal's build, connection and Algo Trading state. */
  terminal: { build?: number; connected?: boolean; trade_allowed?: boolean; [k: string]: unknown };
  /** Times as the EA reported them (server time, except `gmt`) and the server's UTC offset. */
  time?: { current?: number; gmt?: number; trade_server?: number; srv_offset_s?: number };
}

/** Listener options. */
export interface BridgeServerOptions {
  /** Address to listen on (loopback only). */
  hostname: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Shared secret for the HMAC challenge. Never logged. */
  secret: string;
  /** Heartbeat period the EA is told to use. Default 1000 ms. */
  heartbeatMs?: number;
  /** The link is dead after this long without a heartbeat. Default 3 heartbeats + 500 ms. */
  deadAfterMs?: number;
  /** Time allowed for `hello`. Default 10 000 ms. */
  handshakeTimeoutMs?: number;
  /** Return a refusal reason for an account that must not connect, or null to accept. */
  acceptAccount?: (hello: HelloInfo) => string | null;
  /**
   * Return a refusal reason for a streamed bar (given in UTC) that must not be used, or null to
   * accept it. A refused bar does not advance the last bar received (so it cannot make later bars
   * look re-sent) and is passed on with `refused: reason`.
   */
  acceptBar?: (bar: WireBar) => string | null;
  /** Structured event log (never receives the secret). */
  log?: (event: string, fields: Record<string, unknown>) => void;
}

/** Why a request failed: `delivered` tells whether the EA may have acted on it. */
export class BridgeError extends KinetraError {
  /** True when the request was written to the EA (its outcome is unknown). */
  readonly delivered: boolean;
  /** A bridge error with its code, message and whether the request reached the EA (exit code 1). */
  constructor(code: string, message: string, delivered: boolean) {
    super(code, message, { exitCode: 1 });
    this.delivered = delivered;
  }
}

interface Pending {
  t: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** An established EA session. */
export interface BridgeSession {
  /** The session's id. */
  readonly id: string;
  /** What the EA said about itself in `hello`. */
  readonly hello: HelloInfo;
}

class Session implements BridgeSession {
  readonly pending = new Map<string, Pending>();
  lastBeat = Date.now();
  /** The trade server's offset from UTC in ms (hello, then `server_time` events). */
  srvOffsetMs: number;
  /** The trade server's clock from the last heartbeat (UTC ms) and when it arrived. */
  clock: { at: number; utc: number } | null = null;
  constructor(readonly id: string, readonly hello: HelloInfo, readonly conn: LineConn) {
    this.srvOffsetMs = (hello.time?.srv_offset_s ?? 0) * 1000;
  }
}

/** The permission-gated bridge listener. */
export class BridgeServer {
  readonly #opts: BridgeServerOptions;
  readonly #listener: Deno.TcpListener;
  #session: Session | null = null;
  #waiters: ((s: BridgeSession) => void)[] = [];
  #eventHandlers: ((m: Message) => void)[] = [];
  #stateHandlers: ((state: "up" | "down", reason: string) => void)[] = [];
  #refusedHandlers: ((reason: string) => void)[] = [];
  #reqCounter = 0;
  #watchdog: ReturnType<typeof setInterval>;
  #closing = false;
  #conns = new Set<LineConn>();
  readonly #acceptLoop: Promise<void>;
  /** The bar subscription, and the last bar received (server time), resumed in every welcome. */
  #barSub: { symbol: string; timeframe: string } | null = null;
  #lastBarSrvMs: number | null = null;
  #srvOffsetMs = 0;
  /** Counters for the run summary. */
  readonly stats = {
    sessions: 0,
    refused: 0,
    heartbeat_timeouts: 0,
    disconnects: 0,
    /** EA messages or replies that did not match the protocol's schema (dropped / failed). */
    bad_messages: 0,
    /** Bars whose predecessor in the terminal was not the last bar Kinetra received. */
    bar_gaps: 0,
  };

  private constructor(opts: BridgeServerOptions, listener: Deno.TcpListener) {
    this.#opts = opts;
    this.#listener = listener;
    const hb = opts.heartbeatMs ?? 1000;
    const dead = opts.deadAfterMs ?? 3 * hb + 500;
    this.#watchdog = setInterval(() => {
      const s = this.#session;
      if (s && Date.now() - s.lastBeat > dead) {
        this.stats.heartbeat_timeouts++;
        this.#drop(s, `no heartbeat for ${Date.now() - s.lastBeat} ms (limit ${dead} ms)`);
      }
    }, Math.max(20, Math.floor(hb / 4)));
    this.#acceptLoop = this.#accept();
  }

  /** Check the permission, then listen. Throws `net_permission` with the flag to add. */
  static async listen(opts: BridgeServerOptions): Promise<BridgeServer> {
    await requireNet(opts.hostname, opts.port, "listen for the MetaTrader 5 Expert Advisor");
    let listener: Deno.TcpListener;
    try {
      listener = Deno.listen({ hostname: opts.hostname, port: opts.port, transport: "tcp" });
    } catch (e) {
      if (e instanceof Deno.errors.AddrInUse) {
        throw new KinetraError(
          "bridge_port_in_use",
          `${opts.hostname}:${opts.port} is already in use (another Kinetra runner?). Stop it or pass --bridge HOST:PORT.`,
          { exitCode: 1 },
        );
      }
      throw e;
    }
    return new BridgeServer(opts, listener);
  }

  /** The port actually bound. */
  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  /** The address the EA must connect to. */
  get address(): string {
    return `${this.#opts.hostname}:${this.port}`;
  }

  /** The current session, or null. */
  session(): BridgeSession | null {
    return this.#session;
  }

  /** Wait until an EA session is established (resolves at once when one is). */
  waitForSession(timeoutMs: number): Promise<BridgeSession> {
    if (this.#session) return Promise.resolve(this.#session);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        reject(
          new BridgeError(
            "bridge_no_session",
            `no Expert Advisor connected to ${this.address} within ${timeoutMs} ms`,
            false,
          ),
        );
      }, timeoutMs);
      const done = (s: BridgeSession) => {
        clearTimeout(timer);
        resolve(s);
      };
      this.#waiters.push(done);
    });
  }

  /** Subscribe to unsolicited EA events (`bar`, `tick`, ...). */
  onEvent(handler: (m: Message) => void): void {
    this.#eventHandlers.push(handler);
  }

  /** Subscribe to refused connections (wrong secret, account not allowed), with the reason. */
  onRefused(handler: (reason: string) => void): void {
    this.#refusedHandlers.push(handler);
  }

  /** Subscribe to session up/down transitions. */
  onState(handler: (state: "up" | "down", reason: string) => void): void {
    this.#stateHandlers.push(handler);
  }

  /**
   * Send a request and wait for its reply's `data`. Fails with BridgeError:
   * `bridge_not_connected` (not delivered), `bridge_timeout` / `bridge_disconnected` (delivered,
   * outcome unknown) or `bridge_remote_error` (the EA answered ok=false).
   */
  async request(t: string, payload: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    const s = this.#session;
    if (!s) throw new BridgeError("bridge_not_connected", "no Expert Advisor is connected", false);
    const id = `r${++this.#reqCounter}`;
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        s.pending.delete(id);
        reject(new BridgeError("bridge_timeout", `no reply to ${t} (${id}) within ${timeoutMs} ms`, true));
      }, timeoutMs);
      s.pending.set(id, { t, resolve, reject, timer });
    });
    try {
      await s.conn.send({
        v: PROTOCOL_VERSION,
        t,
        id,
        ts: Date.now(),
        ...requestToServer(t, payload, s.srvOffsetMs),
      });
    } catch {
      const p = s.pending.get(id);
      if (p) {
        clearTimeout(p.timer);
        s.pending.delete(id);
      }
      reply.catch(() => {});
      throw new BridgeError("bridge_not_connected", `could not send ${t}: the connection is closed`, false);
    }
    const data = await reply;
    if (t === "subscribe_bars") {
      this.#barSub = { symbol: String(payload.symbol), timeframe: String(payload.timeframe) };
    }
    return data;
  }

  /**
   * The trade server's offset from UTC in ms, as the EA last reported it (0 before any session).
   * Every time Kinetra receives is already UTC; this is for server-day boundaries (daily loss
   * limits, swap), which follow the server's midnight as MT5 does.
   */
  serverOffsetMs(): number {
    return this.#session?.srvOffsetMs ?? this.#srvOffsetMs;
  }

  /**
   * Send a one-way message to the EA (no reply expected), e.g. `error` about a malformed message.
   * Resolves false when no session is up or the write fails.
   */
  async notify(t: string, payload: Record<string, unknown>): Promise<boolean> {
    const s = this.#session;
    if (!s) return false;
    try {
      await s.conn.send({ v: PROTOCOL_VERSION, t, ts: Date.now(), ...payload });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The trade server's clock now in UTC ms, from the last heartbeat plus the time since it
   * arrived; null before the first heartbeat of the session.
   */
  serverClockMs(): number | null {
    const c = this.#session?.clock;
    return c ? c.utc + (Date.now() - c.at) : null;
  }

  /** Stop listening and close the session (idempotent). */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#watchdog);
    try {
      this.#listener.close();
    } catch { /* closed */ }
    if (this.#session) this.#drop(this.#session, "bridge closed");
    for (const c of this.#conns) c.close();
    await this.#acceptLoop.catch(() => {});
    await Promise.all([...this.#conns].map((c) => c.done.catch(() => {})));
  }

  #log(event: string, fields: Record<string, unknown> = {}): void {
    this.#opts.log?.(event, fields);
  }

  async #accept(): Promise<void> {
    while (!this.#closing) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch {
        break;
      }
      this.#handshake(conn);
    }
  }

  #handshake(conn: Deno.Conn): void {
    const nonce = randomHex(16);
    let session: Session | null = null;
    let settled = false;
    const remote = (conn.remoteAddr as Deno.NetAddr).hostname;
    const lc: LineConn = new LineConn(conn, {
      onMessage: (m) => {
        if (session) return this.#onSessionMessage(session, m);
        if (settled || m.t !== "hello") return;
        settled = true;
        clearTimeout(timer);
        this.#verifyHello(lc, nonce, m).then((s) => {
          session = s;
        });
      },
      onClose: (reason) => {
        clearTimeout(timer);
        this.#conns.delete(lc);
        if (session) this.#onSessionClosed(session, reason);
      },
    });
    this.#conns.add(lc);
    const timer = setTimeout(() => {
      if (!settled) {
        settled = true;
        this.#log("bridge_handshake_timeout", { remote });
        lc.close();
      }
    }, this.#opts.handshakeTimeoutMs ?? 10_000);
    lc.send({ v: PROTOCOL_VERSION, t: "challenge", nonce, proto: PROTOCOL_VERSION }).catch(() => lc.close());
  }

  async #verifyHello(lc: LineConn, nonce: string, m: Message): Promise<Session | null> {
    const refuse = async (reason: string) => {
      this.stats.refused++;
      this.#log("bridge_refused", { reason });
      for (const h of this.#refusedHandlers) h(reason);
      await lc.send({ v: PROTOCOL_VERSION, t: "reject", reason }).catch(() => {});
      lc.close();
      return null;
    };
    if (m.proto !== PROTOCOL_VERSION) return await refuse(`protocol ${m.proto} not supported`);
    const expected = await hmacHex(this.#opts.secret, nonce);
    if (typeof m.hmac !== "string" || !safeEqual(m.hmac, expected)) {
      return await refuse("authentication failed (wrong shared secret)");
    }
    const valid = validateIncoming(m);
    if (!valid.ok) {
      this.stats.bad_messages++;
      return await refuse(
        `hello does not match protocol v1 (${valid.errors.slice(0, 4).join("; ")}): update KinetraBridge.mq5`,
      );
    }
    const hello: HelloInfo = {
      ea_version: String(m.ea_version ?? "?"),
      account: m.account as AccountInfo,
      terminal: (m.terminal ?? {}) as HelloInfo["terminal"],
      time: m.time as HelloInfo["time"],
    };
    if (!hello.account || typeof hello.account.login !== "string") {
      return await refuse("hello without account");
    }
    const gate = this.#opts.acceptAccount?.(hello) ?? null;
    if (gate) return await refuse(gate);
    const s = new Session(randomHex(8), hello, lc);
    this.#srvOffsetMs = s.srvOffsetMs;
    const old = this.#session;
    this.#session = s;
    if (old) this.#drop(old, "replaced by a new session");
    this.stats.sessions++;
    // The welcome resumes the bar subscription: the EA sends every bar after the last one received.
    const resume = this.#barSub
      ? {
        bar_symbol: this.#barSub.symbol,
        bar_timeframe: this.#barSub.timeframe,
        ...(this.#lastBarSrvMs !== null ? { bar_after_msc: this.#lastBarSrvMs } : {}),
      }
      : {};
    await lc.send({
      v: PROTOCOL_VERSION,
      t: "welcome",
      session_id: s.id,
      heartbeat_ms: this.#opts.heartbeatMs ?? 1000,
      ...resume,
    })
      .catch(() => {});
    this.#log("bridge_session_up", {
      session: s.id,
      login: hello.account.login,
      server: hello.account.server,
      trade_mode: hello.account.trade_mode,
      ea_version: hello.ea_version,
      srv_offset_s: hello.time?.srv_offset_s,
      ea_trade_allowed: hello.terminal.ea_trade_allowed,
    });
    for (const h of this.#stateHandlers) h("up", "connected");
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(s);
    return s;
  }

  #onSessionMessage(s: Session, m: Message): void {
    s.lastBeat = Date.now();
    const valid = validateIncoming(m);
    if (!valid.ok) {
      this.stats.bad_messages++;
      this.#log("bridge_bad_message", { t: m.t, errors: valid.errors.slice(0, 4) });
      const re = (m as Partial<Reply>).re;
      const p = m.t === "res" && typeof re === "string" ? s.pending.get(re) : undefined;
      if (p && re) {
        clearTimeout(p.timer);
        s.pending.delete(re);
        p.reject(
          new BridgeError(
            "bridge_bad_reply",
            `malformed reply to ${p.t}: ${valid.errors.slice(0, 3).join("; ")}`,
            true,
          ),
        );
      }
      return;
    }
    if (m.t === "res") {
      const r = m as Reply;
      const p = s.pending.get(r.re);
      if (!p) return; // a late or duplicated reply: ignored
      clearTimeout(p.timer);
      s.pending.delete(r.re);
      if (r.ok) {
        const data = validateReply(p.t, r.data);
        if (!data.ok) {
          this.stats.bad_messages++;
          this.#log("bridge_bad_message", { t: `res:${p.t}`, errors: data.errors.slice(0, 4) });
          p.reject(
            new BridgeError(
              "bridge_bad_reply",
              `malformed reply to ${p.t}: ${data.errors.slice(0, 3).join("; ")}`,
              true,
            ),
          );
        } else p.resolve(replyToUtc(p.t, r.data, s.srvOffsetMs));
      } else {
        p.reject(
          new BridgeError(
            "bridge_remote_error",
            `the Expert Advisor refused: ${r.err?.msg ?? "unknown error"}`,
            true,
          ),
        );
      }
      return;
    }
    if (m.t === "hb") {
      s.clock = { at: Date.now(), utc: Number(m.time_msc) - s.srvOffsetMs };
      return;
    }
    if (m.t === "server_time") {
      const off = Number(m.srv_offset_s) * 1000;
      if (off !== s.srvOffsetMs) {
        this.#log("bridge_server_offset", { from_s: s.srvOffsetMs / 1000, to_s: off / 1000 });
      }
      s.srvOffsetMs = off;
      this.#srvOffsetMs = off;
    }
    let ev = m;
    if (m.t === "bar") ev = this.#checkBar(m, s.srvOffsetMs);
    ev = eventToUtc(ev, s.srvOffsetMs);
    for (const h of this.#eventHandlers) h(ev);
  }

  /**
   * Gap detection on raw server times: a bar must follow the last one received (its `prev_msc`).
   * A bar that does not is passed on with `gap: {after_msc, prev_msc}` (UTC); a bar already
   * received with `resent: true`.
   */
  #checkBar(m: Message, offMs: number): Message {
    const sub = this.#barSub;
    if (sub && (m.symbol !== sub.symbol || m.timeframe !== sub.timeframe)) return m;
    const t = (m.bar as { time_msc: number }).time_msc;
    const prev = Number(m.prev_msc);
    const last = this.#lastBarSrvMs;
    if (last !== null && t <= last) return { ...m, resent: true };
    const refusal = this.#opts.acceptBar?.(eventToUtc(m, offMs).bar as WireBar) ?? null;
    if (refusal) {
      this.#log("bridge_bad_bar", { reason: refusal, bar_msc: t - offMs });
      return { ...m, refused: refusal };
    }
    let out = m;
    if (last !== null && prev !== last) {
      this.stats.bar_gaps++;
      this.#log("bridge_bar_gap", {
        last_received_msc: last - offMs,
        prev_msc: prev - offMs,
        bar_msc: t - offMs,
      });
      out = { ...m, gap: { after_msc: last - offMs, prev_msc: prev - offMs } };
    }
    this.#lastBarSrvMs = t;
    return out;
  }

  #drop(s: Session, reason: string): void {
    s.conn.close();
    this.#onSessionClosed(s, reason);
  }

  #onSessionClosed(s: Session, reason: string): void {
    for (const [id, p] of s.pending) {
      clearTimeout(p.timer);
      p.reject(
        new BridgeError("bridge_disconnected", `connection lost before the reply to ${id}: ${reason}`, true),
      );
    }
    s.pending.clear();
    if (this.#session !== s) return;
    this.#session = null;
    this.stats.disconnects++;
    this.#log("bridge_session_down", { session: s.id, reason });
    for (const h of this.#stateHandlers) h("down", reason);
  }
}
