/**
 * Sending notifications without ever holding up the session: `notify()` only queues; one worker per
 * target sends in the background with a timeout per request, retries with exponential backoff on
 * network errors, timeouts, 429 and 5xx (a 429's `retry_after` is honoured up to the backoff cap),
 * gives up on other 4xx, drops the oldest message when a target's queue is full, and never throws.
 * Failures are reported through `log` with the target's label only (no URL, token or chat id).
 *
 * @example
 * ```ts ignore
 * import { Notifier } from "./notifier.ts";
 * import { parseNotifyUrl } from "./targets.ts";
 * const n = new Notifier([parseNotifyUrl("https://hooks.slack.com/services/T/B/x")]);
 * n.notify({ event: "breaker_tripped", title: "breaker tripped", text: "CHS 0.41 < 0.55" });
 * await n.close(5_000); // wait at most 5 s for what is queued
 * ```
 *
 * @module
 */
import { type NotifyTarget, redact, type SmtpSettings } from "./targets.ts";

/** One notification. */
export interface NotifyMessage {
  /** Machine name: breaker_tripped, breaker_reset, halt, halt_entries, fill, rejection, disconnect, reconnect, daily_summary, session_summary. */
  event: string;
  /** One line. */
  title: string;
  /** Details (a few lines). */
  text: string;
  /** The session. */
  run_id?: string;
  /** When it happened (ISO; default now). */
  time?: string;
  /** Structured fields for the generic webhook. */
  data?: Record<string, unknown>;
}

/** Options of {@link Notifier}. */
export interface NotifierOptions {
  /** Attempts per message (default 5: the first and 4 retries). */
  attempts?: number;
  /** First backoff (default 500 ms), doubled at each retry. */
  backoffMs?: number;
  /** Longest backoff (default 30 s). */
  maxBackoffMs?: number;
  /** Timeout of one request (default 10 s). */
  timeoutMs?: number;
  /** Messages kept per target while it is slow (default 200; the oldest is dropped). */
  maxQueue?: number;
  /** Where failures are reported (already redacted). Default: nowhere. */
  log?(line: string): void;
  /** The fetch to use (tests). */
  fetch?: typeof fetch;
}

/** What happened to the messages, per target label. */
export interface NotifierStats {
  /** Messages handed to the target. */
  queued: number;
  /** Messages the target accepted. */
  sent: number;
  /** Messages given up after every attempt failed. */
  failed: number;
  /** Messages dropped unsent (queue full, or still queued when stopped). */
  dropped: number;
  /** Requests made, retries included. */
  attempts: number;
}

/** The request body of a message in a target's format. */
export function payloadFor(target: NotifyTarget, m: NotifyMessage): Record<string, unknown> {
  const text = `${m.title}\n${m.text}`.trim();
  if (target.kind === "slack") return { text: `*Kinetra* ${text}` };
  if (target.kind === "email") return { subject: `Kinetra: ${m.title}`, text: m.text };
  if (target.kind === "telegram") {
    return { chat_id: target.chatId, text: `Kinetra: ${text}`, disable_web_page_preview: true };
  }
  return {
    source: "kinetra",
    event: m.event,
    run_id: m.run_id ?? null,
    time: m.time ?? new Date().toISOString(),
    title: m.title,
    text: m.text,
    data: m.data ?? {},
  };
}

/** Sends one e-mail. */
type Mailer = (mail: { from: string; to: string; subject: string; text: string }) => Promise<unknown>;

/** A nodemailer SMTP transport (npm:nodemailer, imported on first use only). */
async function makeMailer(smtp: SmtpSettings, timeoutMs: number): Promise<Mailer> {
  const { default: nodemailer } = await import("nodemailer");
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? "" } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false,
  });
  return (mail) => transport.sendMail(mail);
}

interface Lane {
  target: NotifyTarget;
  queue: NotifyMessage[];
  busy: Promise<void> | null;
  stats: NotifierStats;
}

/** Background sender to one or more targets. */
export class Notifier {
  /** The destinations, in the order given. */
  readonly targets: readonly NotifyTarget[];
  readonly #lanes: Lane[];
  readonly #opts: Required<Omit<NotifierOptions, "log" | "fetch">>;
  readonly #log: (line: string) => void;
  readonly #fetch: typeof fetch;
  readonly #abort = new AbortController();
  readonly #mailers = new Map<NotifyTarget, Mailer>();

  /** A sender with one queue per target. */
  constructor(targets: readonly NotifyTarget[], opts: NotifierOptions = {}) {
    this.targets = targets;
    this.#opts = {
      attempts: opts.attempts ?? 5,
      backoffMs: opts.backoffMs ?? 500,
      maxBackoffMs: opts.maxBackoffMs ?? 30_000,
      timeoutMs: opts.timeoutMs ?? 10_000,
      maxQueue: opts.maxQueue ?? 200,
    };
    this.#log = opts.log ?? (() => {});
    this.#fetch = opts.fetch ?? fetch;
    this.#lanes = targets.map((target) => ({
      target,
      queue: [],
      busy: null,
      stats: { queued: 0, sent: 0, failed: 0, dropped: 0, attempts: 0 },
    }));
  }

  /** Queue a message for every target; returns at once and never throws. */
  notify(m: NotifyMessage): void {
    if (this.#abort.signal.aborted) return;
    const msg = { ...m, time: m.time ?? new Date().toISOString() };
    for (const lane of this.#lanes) {
      lane.stats.queued++;
      lane.queue.push(msg);
      if (lane.queue.length > this.#opts.maxQueue) {
        lane.queue.shift();
        lane.stats.dropped++;
      }
      if (!lane.busy) lane.busy = this.#run(lane).finally(() => (lane.busy = null));
    }
  }

  /** Counts per target label. */
  stats(): Record<string, NotifierStats> {
    return Object.fromEntries(this.#lanes.map((l) => [l.target.label, { ...l.stats }]));
  }

  /** Wait until every queue is empty (or `timeoutMs` passed). True when everything was handled. */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.#lanes.some((l) => l.busy)) {
      const left = until - Date.now();
      if (left <= 0) return false;
      let t: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(this.#lanes.map((l) => l.busy)),
        new Promise((r) => (t = setTimeout(r, left))),
      ]);
      clearTimeout(t);
    }
    return true;
  }

  /** Flush for at most `timeoutMs`, then abort whatever is still in flight and drop the rest. */
  async close(timeoutMs = 10_000): Promise<Record<string, NotifierStats>> {
    const done = await this.flush(timeoutMs);
    if (!done) {
      for (const l of this.#lanes) {
        l.stats.dropped += l.queue.length;
        l.queue.length = 0;
      }
      this.#abort.abort();
      await Promise.all(this.#lanes.map((l) => l.busy));
      const left = this.#lanes.filter((l) =>
        l.stats.sent + l.stats.failed + l.stats.dropped < l.stats.queued
      );
      for (const l of left) {
        this.#log(`notify: ${l.target.label}: gave up on undelivered messages at the end`);
      }
    }
    this.#abort.abort();
    return this.stats();
  }

  async #run(lane: Lane): Promise<void> {
    while (lane.queue.length && !this.#abort.signal.aborted) {
      const m = lane.queue.shift()!;
      const ok = await this.#deliver(lane, m);
      if (ok) lane.stats.sent++;
      else lane.stats.failed++;
    }
  }

  /** One e-mail through nodemailer (loaded on first use); the outcome as for an HTTP request. */
  async #mail(t: NotifyTarget, m: NotifyMessage): Promise<{ ok: boolean; retry: boolean; why: string }> {
    const smtp = t.smtp!;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (!this.#mailers.has(t)) this.#mailers.set(t, await makeMailer(smtp, this.#opts.timeoutMs));
      const send = this.#mailers.get(t)!;
      await Promise.race([
        send({ from: smtp.from, to: smtp.to.join(", "), subject: `Kinetra: ${m.title}`, text: m.text }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })),
            this.#opts.timeoutMs,
          );
        }),
      ]);
      return { ok: true, retry: false, why: "" };
    } catch (e) {
      const err = e as { code?: string; responseCode?: number; name?: string };
      if (typeof err.responseCode === "number") {
        // 4xx: try again later; 5xx: refused for good.
        return { ok: false, retry: err.responseCode < 500, why: `SMTP ${err.responseCode}` };
      }
      const why = err.code === "ETIMEDOUT" ? "timeout" : `SMTP error (${err.code ?? err.name ?? "Error"})`;
      return { ok: false, retry: true, why };
    } finally {
      clearTimeout(timer);
    }
  }

  async #deliver(lane: Lane, m: NotifyMessage): Promise<boolean> {
    const t = lane.target;
    const body = JSON.stringify(payloadFor(t, m));
    let why = "";
    for (let attempt = 1; attempt <= this.#opts.attempts; attempt++) {
      if (this.#abort.signal.aborted) return false;
      lane.stats.attempts++;
      const wait = Math.min(this.#opts.maxBackoffMs, this.#opts.backoffMs * 2 ** (attempt - 1));
      if (t.kind === "email") {
        const r = await this.#mail(t, m);
        if (r.ok) return true;
        why = r.why;
        if (!r.retry) break;
        if (attempt < this.#opts.attempts) await this.#sleep(wait * (0.75 + Math.random() * 0.5));
        continue;
      }
      let pause = wait;
      try {
        const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#opts.timeoutMs)]);
        const r = await this.#fetch(t.url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "kinetra-notify" },
          body,
          signal,
          redirect: "error",
        });
        const answer = await r.text().catch(() => "");
        if (r.ok) return true;
        why = `HTTP ${r.status}`;
        if (r.status === 429) {
          const after = Number(/"retry_after"\s*:\s*(\d+)/.exec(answer)?.[1] ?? r.headers.get("retry-after"));
          if (after > 0) pause = Math.min(this.#opts.maxBackoffMs, after * 1000);
        } else if (r.status < 500) break; // a refusal that retrying cannot fix
      } catch (e) {
        why = (e as Error)?.name === "TimeoutError"
          ? "timeout"
          : `network error (${(e as Error)?.name ?? "Error"})`;
      }
      if (attempt < this.#opts.attempts) await this.#sleep(pause * (0.75 + Math.random() * 0.5));
    }
    if (!this.#abort.signal.aborted) {
      this.#log(redact(`notify: ${t.label}: "${m.title}" not delivered: ${why}`, this.targets));
    }
    return false;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(done, ms);
      const signal = this.#abort.signal;
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        r();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
