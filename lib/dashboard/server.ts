/**
 * The dashboard server (Deno.serve): one page per session, fed by Server-Sent Events read from the
 * session's journal.jsonl and summary.json only (one source of truth; a past session replays from
 * its journal exactly as it was drawn live), and the two controls, passed to the runner through
 * its control file (lib/live/control.ts).
 *
 * Safe by default: it listens on 127.0.0.1; a random token made at each start is required on every
 * request (`?token=` or `Authorization: Bearer`), the event stream included, else 401; the page loads
 * only its own scripts (plotly.js served from the npm package, no other host) under a strict
 * Content-Security-Policy; controls need the token, a JSON POST and a typed confirmation.
 *
 * Endpoints: `GET /` (the page), `GET /events?run=RUN` (SSE: `hello`; `j` events holding the journal
 * lines of one poll, one `data:` line each, with the byte offset after the last as the id —
 * `Last-Event-ID` resumes there —; `summary`; `end`),
 * `GET /api/sessions`, `POST /api/control` (`{ run, action, confirm }`), `GET /static/*`.
 *
 * @example
 * ```ts ignore
 * import { startDashboard } from "./server.ts";
 * const d = await startDashboard({ logsDir: "logs/live" });
 * console.log(`dashboard: ${d.url}`);
 * await d.close();
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { KinetraError } from "../errors.ts";
import { CONTROL_ACTIONS, type ControlAction, isControlAction, requestControl } from "../live/control.ts";
import { evaluateReadiness } from "../live/readiness.ts";
import { plotlyJs } from "../plot/html.ts";
import { DASHBOARD_CSS, dashboardHtml } from "./page.ts";
import { isRunId, listSessions, sessionInfo } from "./sessions.ts";
import { JournalTail } from "./tail.ts";

/** The words a user types to confirm each control. */
export const CONTROL_CONFIRM: Readonly<Record<ControlAction, string>> = {
  halt_entries: "HALT",
  close_all_stop: "CLOSE ALL",
};

/** The Content-Security-Policy of every answer. Styles may be inline (plotly sets them); scripts may not. */
export const DASHBOARD_CSP: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The default listen address of `deno task dashboard`. */
export const DEFAULT_DASHBOARD_LISTEN = "127.0.0.1:8787";

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** The folder of session folders (default logs/live). */
  logsDir?: string;
  /** `HOST:PORT` (default 127.0.0.1:8787; port 0 = any free port). */
  listen?: string;
  /** The token (default: 32 random bytes, base64url). Tests may pass one. */
  token?: string;
  /** Only list sessions started at or after this time (epoch ms): `live --dashboard` shows its own run. */
  since?: number;
  /** Offer the controls (default true). */
  controls?: boolean;
  /** How often the journal is polled for new lines (default 250 ms). */
  pollMs?: number;
  /** Keep-alive comment period of the event stream (default 15 s). */
  keepAliveMs?: number;
  /** Called when a control request was handed to a run (for a log line; never gets the token). */
  onControl?(run: string, action: ControlAction): void;
}

/** A running dashboard. */
export interface Dashboard {
  /** The address it listens on. */
  hostname: string;
  /** The port it listens on (the one picked when 0 was asked). */
  port: number;
  /** The access token every request must carry (a secret: never logged). */
  token: string;
  /** `http://HOST:PORT/?token=TOKEN` */
  url: string;
  /** Stop listening and end every event stream. */
  close(): Promise<void>;
}

/** A fresh random token: 32 bytes, base64url. */
export function newToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Compare two strings in time independent of where they differ. */
export function sameToken(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let k = 0; k < Math.max(x.length, y.length); k++) diff |= (x[k] ?? 0) ^ (y[k] ?? 0);
  return diff === 0;
}

/** Parse `HOST:PORT` (IPv4 or a name; `[::1]:PORT` for IPv6). */
export function parseListen(s: string): { hostname: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || !(port >= 0 && port <= 65535)) {
    throw new KinetraError(
      "bad_option",
      `--listen/--dashboard must look like HOST:PORT (e.g. 127.0.0.1:8787), got "${s}"`,
    );
  }
  return { hostname: m[1], port };
}

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": DASHBOARD_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-resource-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
};

function reply(
  body: BodyInit | null,
  status: number,
  type: string,
  extra: Record<string, string> = {},
): Response {
  return new Response(body, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": type, "cache-control": "no-store", ...extra },
  });
}

function json(value: unknown, status = 200): Response {
  return reply(JSON.stringify(value), status, "application/json; charset=utf-8");
}

const DATA = new TextEncoder().encode("data: ");

/**
 * One SSE `j` event for a chunk of complete journal lines, framed at the byte level (no decoding):
 * `id: END\nevent: j\n` then `data: LINE\n` per line, then a blank line. The browser joins the
 * data lines with "\n", so the event's data is exactly the journal lines. Also returns the last
 * line as text (to see run_end).
 */
export function sseLines(data: Uint8Array, end: number): { bytes: Uint8Array; last: string } {
  let lines = 0;
  for (let k = data.indexOf(10); k >= 0; k = data.indexOf(10, k + 1)) lines++;
  const head = new TextEncoder().encode(`id: ${end}\nevent: j\n`);
  const out = new Uint8Array(head.length + data.length + lines * DATA.length + 1);
  out.set(head);
  let o = head.length, from = 0, lastFrom = 0;
  for (let k = data.indexOf(10); k >= 0; k = data.indexOf(10, k + 1)) {
    out.set(DATA, o);
    o += DATA.length;
    out.set(data.subarray(from, k + 1), o);
    o += k + 1 - from;
    lastFrom = from;
    from = k + 1;
  }
  out[o++] = 10;
  return { bytes: out.subarray(0, o), last: new TextDecoder().decode(data.subarray(lastFrom)) };
}

let bundleCache: string | null = null;

/** model.js and app.js as one classic script (model's `export`s become app's local functions). */
async function appBundle(): Promise<string> {
  if (bundleCache !== null) return bundleCache;
  const model = await Deno.readTextFile(new URL("./client/model.js", import.meta.url));
  const app = await Deno.readTextFile(new URL("./client/app.js", import.meta.url));
  bundleCache = `"use strict";\n(function () {\n${model.replace(/^export /gm, "")}\n${app}\n})();\n`;
  return bundleCache;
}

/** The promotion targets the page measures against (names and targets of lib/live readiness). */
function readinessTargets(): { name: string; target: string }[] {
  return evaluateReadiness({
    mode: "virtual",
    chs: NaN,
    omega: NaN,
    energyCapturedPct: NaN,
    validatorRejections: 0,
    breakerEvents: 0,
    closedTrades: 0,
  }).checks.map((c) => ({ name: c.name, target: c.target }));
}

/** Check that listening there is allowed, with a clear message (exit 3) instead of a prompt. */
async function assertNetAllowed(hostname: string, port: number): Promise<void> {
  const host = port ? `${hostname}:${port}` : hostname;
  const st = await Deno.permissions.query({ name: "net", host });
  if (st.state !== "granted") {
    throw new KinetraError(
      "permission_denied",
      `the dashboard may not listen on ${host}: run with --allow-net=${host} (the tasks allow 127.0.0.1)`,
      { exitCode: 3 },
    );
  }
}

/**
 * Start the dashboard. Throws KinetraError for a bad address (exit 2), a refused permission (3)
 * or an address in use (2).
 */
export async function startDashboard(opts: DashboardOptions = {}): Promise<Dashboard> {
  const logsDir = opts.logsDir ?? "logs/live";
  const { hostname, port } = parseListen(opts.listen ?? DEFAULT_DASHBOARD_LISTEN);
  await assertNetAllowed(hostname, port);
  const token = opts.token ?? newToken();
  const pollMs = opts.pollMs ?? 250;
  const keepAliveMs = opts.keepAliveMs ?? 15_000;
  const controls = opts.controls ?? true;
  const streams = new Set<AbortController>();
  const targets = readinessTargets();

  const authorised = (req: Request, url: URL): boolean => {
    const q = url.searchParams.get("token");
    const h = req.headers.get("authorization");
    const given = q ?? (h && /^Bearer\s+/i.test(h) ? h.replace(/^Bearer\s+/i, "") : null);
    return given !== null && sameToken(given, token);
  };

  const findRun = async (run: string | null) => {
    if (!isRunId(run)) return null;
    const info = await sessionInfo(join(logsDir, run), run);
    if (!info) return null;
    if (opts.since !== undefined && !(Date.parse(info.started_at ?? "") >= opts.since)) return null;
    return info;
  };

  const events = (req: Request, runDir: string, journal: string, runId: string): Response => {
    const ac = new AbortController();
    streams.add(ac);
    const lastId = Number(req.headers.get("last-event-id") ?? "0");
    const tail = new JournalTail(journal, Number.isFinite(lastId) ? lastId : 0);
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(ctrl) {
        const send = (s: string) => {
          if (!ac.signal.aborted) ctrl.enqueue(enc.encode(s));
        };
        const sleep = (ms: number) =>
          new Promise<void>((r) => {
            const t = setTimeout(r, ms);
            ac.signal.addEventListener("abort", () => {
              clearTimeout(t);
              r();
            }, { once: true });
          });
        try {
          send(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ run: runId, targets, controls })}\n\n`);
          let ended = false;
          let lastSent = Date.now();
          while (!ac.signal.aborted) {
            const chunk = await tail.pollChunk();
            if (chunk) {
              const framed = sseLines(chunk.data, chunk.start + chunk.data.length);
              if (!ac.signal.aborted) ctrl.enqueue(framed.bytes);
              ended ||= framed.last.includes('"type":"run_end"');
              lastSent = Date.now();
            }
            if (ended) {
              // The summary is written right after run_end: wait for it a little.
              const path = join(runDir, "summary.json");
              for (let k = 0; k < 40 && !existsSync(path) && !ac.signal.aborted; k++) await sleep(100);
              try {
                send(
                  `event: summary\ndata: ${JSON.stringify(JSON.parse(await Deno.readTextFile(path)))}\n\n`,
                );
              } catch { /* no summary (crashed run): the journal is all there is */ }
              send(`event: end\ndata: {}\n\n`);
              break;
            }
            if (Date.now() - lastSent > keepAliveMs) {
              send(": keep-alive\n\n");
              lastSent = Date.now();
            }
            if (!chunk) await sleep(pollMs);
          }
        } catch (e) {
          if (!ac.signal.aborted) {
            send(`event: error\ndata: ${JSON.stringify({ error: (e as Error).message })}\n\n`);
          }
        } finally {
          streams.delete(ac);
          try {
            ctrl.close();
          } catch { /* already closed by the client */ }
        }
      },
      cancel() {
        ac.abort();
      },
    });
    return reply(body, 200, "text/event-stream; charset=utf-8", { connection: "keep-alive" });
  };

  const control = async (req: Request): Promise<Response> => {
    if (!controls) return json({ error: "controls are off for this dashboard" }, 403);
    if (!(req.headers.get("content-type") ?? "").toLowerCase().startsWith("application/json")) {
      return json({ error: "send JSON (content-type: application/json)" }, 415);
    }
    const text = await req.text();
    if (text.length > 4096) return json({ error: "request too large" }, 413);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text);
      if (!body || typeof body !== "object") throw new Error("not an object");
    } catch {
      return json({ error: "the body must be a JSON object { run, action, confirm }" }, 400);
    }
    if (!isControlAction(body.action)) {
      return json({ error: `action must be one of ${CONTROL_ACTIONS.join(", ")}` }, 400);
    }
    const action = body.action;
    const word = CONTROL_CONFIRM[action];
    if (typeof body.confirm !== "string" || body.confirm.trim() !== word) {
      return json({ error: `not confirmed: type ${word} to confirm` }, 400);
    }
    const info = await findRun(typeof body.run === "string" ? body.run : null);
    if (!info) return json({ error: "no such session" }, 404);
    if (info.status !== "running") return json({ error: `the session has ended (${info.status})` }, 409);
    await requestControl(info.dir, action, { source: "dashboard" });
    opts.onControl?.(info.run_id, action);
    return json({ ok: true, run: info.run_id, action }, 202);
  };

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (!authorised(req, url)) return json({ error: "unauthorized: this dashboard needs its token" }, 401);
    const path = url.pathname;
    const get = req.method === "GET" || req.method === "HEAD";
    if (path === "/api/control") {
      return req.method === "POST" ? await control(req) : json({ error: "use POST" }, 405);
    }
    if (!get) return json({ error: "method not allowed" }, 405);
    switch (path) {
      case "/":
      case "/index.html":
        return reply(dashboardHtml(token), 200, "text/html; charset=utf-8");
      case "/static/app.css":
        return reply(DASHBOARD_CSS, 200, "text/css; charset=utf-8");
      case "/static/app.js":
        return reply(await appBundle(), 200, "text/javascript; charset=utf-8");
      case "/static/plotly.min.js":
        return reply(plotlyJs(), 200, "text/javascript; charset=utf-8", {
          "cache-control": "private, max-age=3600",
        });
      case "/api/sessions": {
        const list = await listSessions(logsDir, { since: opts.since });
        return json(list.map(({ dir: _d, journal: _j, ...rest }) => rest));
      }
      case "/events": {
        const info = await findRun(url.searchParams.get("run"));
        if (!info) return json({ error: "no such session" }, 404);
        return events(req, info.dir, info.journal, info.run_id);
      }
    }
    return json({ error: "not found" }, 404);
  };

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname, port, onListen: () => {} }, handler);
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) {
      throw new KinetraError(
        "address_in_use",
        `${hostname}:${port} is already in use (pass another --listen/--dashboard HOST:PORT)`,
      );
    }
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new KinetraError(
        "permission_denied",
        `the dashboard may not listen on ${hostname}:${port}: run with --allow-net=${hostname}`,
        { exitCode: 3 },
      );
    }
    throw e;
  }
  const addr = server.addr;
  const shownHost = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    hostname: addr.hostname,
    port: addr.port,
    token,
    url: `http://${shownHost}:${addr.port}/?token=${token}`,
    async close() {
      for (const s of streams) s.abort();
      await server.shutdown();
    },
  };
}
