/**
 * Start and stop a private `redis-server` on a free loopback port: for tests and
 * `deno task bench:cluster` (never for production; there Redis is the operator's service).
 * Nothing is persisted (`--save "" --appendonly no`), it binds 127.0.0.1 only, and it is
 * stopped by `stop()` (SIGKILL with `kill()`, to simulate a lost Redis).
 *
 * @module
 */
import { KinetraError } from "../errors.ts";

/** A running private Redis. */
export interface RedisServer {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** redis://127.0.0.1:PORT/0 (with the password when one was set). */
  readonly url: string;
  /** Stop it gracefully and wait. */
  stop(): Promise<void>;
  /** Kill it at once (a lost Redis) and wait. */
  kill(): Promise<void>;
}

/** Path of redis-server, or null when it is not installed. */
export function redisServerPath(): string | null {
  for (const p of ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch { /* next */ }
  }
  return null;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function ping(port: number): Promise<boolean> {
  try {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await c.write(new TextEncoder().encode("PING\r\n"));
      const buf = new Uint8Array(64);
      const n = await c.read(buf);
      const s = new TextDecoder().decode(buf.subarray(0, n ?? 0));
      return s.startsWith("+PONG") || s.startsWith("-NOAUTH");
    } finally {
      c.close();
    }
  } catch {
    return false;
  }
}

/** Start a private redis-server on a free 127.0.0.1 port (optionally with a password). */
export async function startRedis(opts: { password?: string } = {}): Promise<RedisServer> {
  const bin = redisServerPath();
  if (!bin) {
    throw new KinetraError(
      "missing_prerequisite",
      "redis-server is not installed (apt-get install redis-server)",
    );
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = freePort();
    const args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
    ];
    if (opts.password) args.push("--requirepass", opts.password);
    const child = new Deno.Command(bin, { args, stdout: "null", stderr: "null", stdin: "null" }).spawn();
    const end = Date.now() + 5000;
    let up = false;
    while (Date.now() < end) {
      if (await ping(port)) {
        up = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!up) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      continue;
    }
    let stopped = false;
    const end_ = async (sig: Deno.Signal): Promise<void> => {
      if (stopped) return;
      stopped = true;
      try {
        child.kill(sig);
      } catch { /* gone */ }
      await child.status;
    };
    const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : "";
    return {
      port,
      url: `redis://${auth}127.0.0.1:${port}/0`,
      stop: () => end_("SIGTERM"),
      kill: () => end_("SIGKILL"),
    };
  }
  throw new KinetraError("redis_start_failed", "could not start redis-server on a free loopback port");
}
