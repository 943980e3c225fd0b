/**
 * Hostile tools for testing the runner's bridge edge (tests and `deno task fuzz:bridge`), on
 * 127.0.0.1 only: a man-in-the-middle proxy between an Expert Advisor (the simulator) and the
 * runner that can rewrite, drop or inject lines in either direction, and a hostile client that
 * answers the challenge with a wrong HMAC or sends arbitrary lines.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";

/** The only address the hostile tools talk to. */
export const LOOPBACK = "127.0.0.1";

function assertLoopback(hostname: string): void {
  if (hostname !== LOOPBACK) {
    throw new KinetraError("bad_option", `hostile tools only talk to ${LOOPBACK}, not ${hostname}`);
  }
}

/** Direction of a line through the proxy. */
export type Direction = "to_runner" | "to_ea";

/** Rewrites one line: returns the lines to forward instead (empty = drop it). */
export type LineRewrite = (dir: Direction, line: string) => string[];

async function pump(
  from: Deno.Conn,
  onLine: (line: string) => Promise<void>,
): Promise<void> {
  const dec = new TextDecoder();
  const buf = new Uint8Array(64 * 1024);
  let acc = "";
  try {
    while (true) {
      const n = await from.read(buf);
      if (n === null) break;
      acc += dec.decode(buf.subarray(0, n), { stream: true });
      let nl: number;
      while ((nl = acc.indexOf("\n")) >= 0) {
        const line = acc.slice(0, nl);
        acc = acc.slice(nl + 1);
        await onLine(line);
      }
    }
  } catch { /* closed */ }
}

async function writeAll(c: Deno.Conn, s: string): Promise<void> {
  const bytes = new TextEncoder().encode(s);
  let off = 0;
  while (off < bytes.length) off += await c.write(bytes.subarray(off));
}

/**
 * A line-level man-in-the-middle: the EA connects to `port`, the proxy connects on to the runner
 * at `upstreamPort` and forwards every line through `rewrite`. `inject` writes a line to the
 * runner or the EA of the newest pair. Counts what it forwarded and changed.
 */
export class BridgeProxy {
  readonly #listener: Deno.TcpListener;
  readonly #pairs: { ea: Deno.Conn; runner: Deno.Conn }[] = [];
  #closed = false;
  readonly #loop: Promise<void>;
  /** Lines forwarded and lines changed or dropped or added by `rewrite`. */
  readonly stats = { forwarded: 0, changed: 0, injected: 0, connections: 0 };

  constructor(readonly upstreamPort: number, readonly rewrite: LineRewrite = (_d, l) => [l]) {
    this.#listener = Deno.listen({ hostname: LOOPBACK, port: 0, transport: "tcp" });
    this.#loop = this.#accept();
  }

  /** The port the EA must connect to. */
  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  async #accept(): Promise<void> {
    while (!this.#closed) {
      let ea: Deno.Conn;
      try {
        ea = await this.#listener.accept();
      } catch {
        break;
      }
      let runner: Deno.Conn;
      try {
        runner = await Deno.connect({ hostname: LOOPBACK, port: this.upstreamPort });
      } catch {
        ea.close();
        continue;
      }
      this.stats.connections++;
      const pair = { ea, runner };
      this.#pairs.push(pair);
      const forward = (dir: Direction, to: Deno.Conn) => async (line: string) => {
        let out: string[];
        try {
          out = this.rewrite(dir, line);
        } catch {
          out = [line];
        }
        if (out.length !== 1 || out[0] !== line) this.stats.changed++;
        for (const l of out) {
          this.stats.forwarded++;
          await writeAll(to, l + "\n").catch(() => {});
        }
      };
      const close = () => {
        try {
          ea.close();
        } catch { /* closed */ }
        try {
          runner.close();
        } catch { /* closed */ }
      };
      pump(ea, forward("to_runner", runner)).finally(close);
      pump(runner, forward("to_ea", ea)).finally(close);
    }
  }

  /** Write a raw line to the runner (or the EA) of the newest connection; false when none. */
  async inject(dir: Direction, line: string): Promise<boolean> {
    const p = this.#pairs.at(-1);
    if (!p) return false;
    this.stats.injected++;
    try {
      await writeAll(dir === "to_runner" ? p.runner : p.ea, line + "\n");
      return true;
    } catch {
      return false;
    }
  }

  /** Stop listening and close every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch { /* closed */ }
    for (const p of this.#pairs) {
      for (const c of [p.ea, p.runner]) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    }
    await this.#loop.catch(() => {});
  }
}

/**
 * A hostile local process: connects to the runner's bridge, waits for the challenge and answers
 * with `hello` (a wrong HMAC unless `hmac` is given) plus any `extra` lines; returns what the
 * runner answered (lines) once it closes the connection or after `waitMs`.
 */
export async function hostileHello(
  hostname: string,
  port: number,
  opts: { hmac?: string; account?: Record<string, unknown>; extra?: string[]; waitMs?: number } = {},
): Promise<string[]> {
  assertLoopback(hostname);
  const c = await Deno.connect({ hostname, port });
  const got: string[] = [];
  let sent = false;
  const done = pump(c, async (line) => {
    got.push(line);
    if (!sent && line.includes('"challenge"')) {
      sent = true;
      await writeAll(
        c,
        JSON.stringify({
          v: 1,
          t: "hello",
          proto: 1,
          ea_version: "hostile",
          hmac: opts.hmac ?? "00".repeat(32),
          account: opts.account ?? {
            login: "666",
            server: "Evil-Real",
            currency: "USD",
            trade_mode: 2,
            margin_mode: 0,
            leverage: 100,
            trade_allowed: true,
            trade_expert: true,
            balance: 1,
            equity: 1,
            margin: 0,
            margin_free: 1,
          },
          terminal: {},
        }) + "\n",
      ).catch(() => {});
      for (const l of opts.extra ?? []) await writeAll(c, l + "\n").catch(() => {});
    }
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, opts.waitMs ?? 1000)))]);
  clearTimeout(timer);
  try {
    c.close();
  } catch { /* closed */ }
  await done;
  return got;
}
