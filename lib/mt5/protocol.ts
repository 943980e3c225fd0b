/**
 * The MT5 bridge protocol v1 (research note §5): TCP, one UTF-8 JSON object per line (max 1 MiB),
 * an envelope `{v, t, id | re, ts}`, an HMAC-SHA256 challenge over a shared secret, heartbeats,
 * and client order ids of at most 16 characters carried in the order comment.
 *
 * Kinetra listens; the Expert Advisor (or the simulator) connects out, answers the challenge with
 * `hello`, and then serves requests (`account_info`, `symbol_spec`, `rates`, `tick`, `positions`,
 * `order_check`, `order_send`, `close_position`, `modify_sltp`, `reconcile`, `subscribe_bars`)
 * and pushes events (`hb`, `bar`).
 *
 * @module
 */
import { KinetraError } from "../errors.ts";

export * from "./schema.ts";

/** Protocol version. */
export const PROTOCOL_VERSION = 1;
/** Longest accepted line in bytes (characters, as decoded). */
export const MAX_LINE = 1024 * 1024;
/** Default bridge port. */
export const DEFAULT_BRIDGE_PORT = 18812;
/** Default bridge host (loopback only). */
export const DEFAULT_BRIDGE_HOST = "127.0.0.1";
/** Longest client order id: MT5 keeps 16 characters of an order comment. */
export const MAX_CID_LENGTH = 16;

/** Any protocol message: type `t` plus fields. */
export interface Message {
  /** Protocol version. */
  v: number;
  /** Message type. */
  t: string;
  /** The message's own fields. */
  [field: string]: unknown;
}

/** A reply to request `re`. */
export interface Reply extends Message {
  /** Always `res` for a reply. */
  t: "res";
  /** The id of the request answered. */
  re: string;
  /** True when the request succeeded. */
  ok: boolean;
  /** The result, when `ok`. */
  data?: unknown;
  /** Why it failed, when not `ok`. */
  err?: { code: string; msg: string };
}

/** Request types the EA serves. */
export const REQUEST_TYPES = [
  "account_info",
  "terminal_info",
  "symbol_spec",
  "rates",
  "tick",
  "positions",
  "deals",
  "order_check",
  "order_send",
  "close_position",
  "modify_sltp",
  "reconcile",
  "subscribe_bars",
  "ping",
] as const;

/** One closed bar as the EA reports it (CopyRates fields; time is the open time, epoch ms). */
export interface WireBar {
  /** Open time (epoch ms). */
  time_msc: number;
  /** Open price. */
  open: number;
  /** High price. */
  high: number;
  /** Low price. */
  low: number;
  /** Close price. */
  close: number;
  /** Number of ticks. */
  tick_volume: number;
  /** Spread in points. */
  spread: number;
  /** Exchange volume (0 for most forex symbols). */
  real_volume: number;
}

/** Serialise one message as a line (JSON + "\n"). */
export function encodeLine(msg: Message): string {
  const s = JSON.stringify(msg);
  if (s.length > MAX_LINE) {
    throw new KinetraError("bridge_line_too_long", `message of ${s.length} bytes exceeds 1 MiB`);
  }
  return s + "\n";
}

/** Parse one line; throws KinetraError `bridge_bad_message` on anything but a versioned object. */
export function decodeLine(line: string): Message {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new KinetraError("bridge_bad_message", `not JSON: ${line.slice(0, 80)}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v) || typeof (v as Message).t !== "string") {
    throw new KinetraError("bridge_bad_message", `not a protocol object: ${line.slice(0, 80)}`);
  }
  if ((v as Message).v !== PROTOCOL_VERSION) {
    throw new KinetraError(
      "bridge_bad_version",
      `protocol version ${(v as Message).v}, expected ${PROTOCOL_VERSION}`,
    );
  }
  return v as Message;
}

/**
 * Reassembles lines from arbitrary chunks (TCP may split or merge writes). Lines longer than
 * {@link MAX_LINE} raise `bridge_line_too_long`.
 */
export class LineSplitter {
  #buf = "";

  /** Feed a chunk; returns the complete lines it finished (without "\n", "\r" trimmed). */
  push(chunk: string): string[] {
    this.#buf += chunk;
    const out: string[] = [];
    let nl: number;
    while ((nl = this.#buf.indexOf("\n")) >= 0) {
      let line = this.#buf.slice(0, nl);
      this.#buf = this.#buf.slice(nl + 1);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line.length > MAX_LINE) throw new KinetraError("bridge_line_too_long", "a line exceeds 1 MiB");
      if (line.trim().length) out.push(line);
    }
    if (this.#buf.length > MAX_LINE) throw new KinetraError("bridge_line_too_long", "a line exceeds 1 MiB");
    return out;
  }
}

const hex = (b: ArrayBuffer): string =>
  [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");

/** HMAC-SHA256(secret, nonce) as lowercase hex: the answer to the challenge. */
export async function hmacHex(secret: string, nonce: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return hex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(nonce)));
}

/** Constant-time string comparison (for HMAC answers). */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/** A random hex nonce of `bytes` bytes. */
export function randomHex(bytes = 16): string {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)).buffer);
}

const B32 = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A new client order id: `k` + 5 base32 characters of the run + 4 of a counter + 6 random:
 * 16 characters, unique across runs and restarts.
 */
export function newCid(runTag: string, counter: number): string {
  const rnd = crypto.getRandomValues(new Uint8Array(6));
  let r = "";
  for (const b of rnd) r += B32[b & 31];
  let c = "";
  let n = counter;
  for (let i = 0; i < 4; i++) {
    c = B32[n & 31] + c;
    n = Math.floor(n / 32);
  }
  const tag = (runTag.toLowerCase().replace(/[^0-9a-z]/g, "") + "00000").slice(0, 5);
  return ("k" + tag + c + r).slice(0, MAX_CID_LENGTH);
}

/** Throw `bad_cid` unless `cid` is 1..16 characters of [0-9A-Za-z_-]. */
export function assertCid(cid: string): void {
  if (!/^[0-9A-Za-z_-]{1,16}$/.test(cid)) {
    throw new KinetraError("bad_cid", `client order id "${cid}" must be 1 to 16 characters of [0-9A-Za-z_-]`);
  }
}

/** Parse `HOST:PORT` (default port {@link DEFAULT_BRIDGE_PORT}; port 0 = any free port, for tests). */
export function parseHostPort(s: string | undefined): { hostname: string; port: number } {
  if (!s) return { hostname: DEFAULT_BRIDGE_HOST, port: DEFAULT_BRIDGE_PORT };
  const m = s.match(/^\[?([^\]]*?)\]?(?::(\d+))?$/);
  const hostname = m?.[1] || DEFAULT_BRIDGE_HOST;
  const port = m?.[2] ? Number(m[2]) : DEFAULT_BRIDGE_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new KinetraError(
      "bad_bridge_address",
      `bad bridge address "${s}": expected HOST:PORT, e.g. 127.0.0.1:18812`,
    );
  }
  return { hostname, port };
}
