/**
 * The run journal: logs/live/<run>/journal.jsonl, one JSON event per line, appended (and synced)
 * as things happen. An order is journalled as `order_pending` before it is sent and as
 * `order_result` after, so a crash loses nothing that was journalled and an order whose outcome
 * is unknown can be reconciled by its client order id. `readJournal` folds the lines back into
 * orders, CHS values and breaker events (for notebooks and the menu).
 *
 * @module
 */
import { dirname } from "node:path";
import { KinetraError } from "../errors.ts";

/** Every kind of journal event. */
export type JournalEventType =
  | "run_start"
  | "session"
  | "bar"
  | "order_pending"
  | "order_result"
  | "order_unknown"
  | "reconcile"
  | "fill"
  | "rejection"
  | "adjustment"
  | "chs"
  | "breaker"
  | "limit"
  | "halt"
  | "run_end"
  /** After each bar closed: OHLC, equity, balance, net lots and open positions (the dashboard's bars). */
  | "mark"
  /** A request read from the control channel (lib/live/control.ts). */
  | "control"
  /** A malformed message or reply from the Expert Advisor (refused, counted, answered with an error). */
  | "bad_message"
  /** A streamed bar that failed the bar checks (refused, never stored). */
  | "bad_bar"
  /** A shadow trade while the breaker is tripped (simulated at the live quote, never sent). */
  | "shadow"
  /** What the start-up reconciliation of the previous run found and did. */
  | "recovery";

/** One journal line. `ts` is the wall-clock ISO time it was written. */
export interface JournalEvent {
  /** Wall-clock time the line was written (ISO). */
  ts: string;
  /** What the line records. */
  type: JournalEventType;
  /** The event's own fields. */
  [field: string]: unknown;
}

/** Events that are synced to disk before `append` resolves (orders and their outcomes). */
const SYNCED: ReadonlySet<string> = new Set([
  "order_pending",
  "order_result",
  "order_unknown",
  "reconcile",
  "fill",
  "halt",
  "run_end",
]);

/**
 * Append-only JSON-lines journal. Each event is one `write` of one whole line to a file opened
 * for appending; order events are also synced (fdatasync) before `append` resolves, so an order is
 * on disk before it is sent.
 */
export class Journal {
  /** The journal file (journal.jsonl of the run folder). */
  readonly path: string;
  #queue: Promise<void> = Promise.resolve();
  #file: Deno.FsFile | null = null;
  #count = 0;
  readonly #enc = new TextEncoder();

  readonly #sync: boolean;

  /**
   * `sync` (default true): order events are fdatasync'ed before `append` resolves. Without it
   * lines are still written at once (a killed process loses nothing; a power cut may).
   */
  constructor(path: string, opts: { sync?: boolean } = {}) {
    this.path = path;
    this.#sync = opts.sync ?? true;
  }

  /** Number of events written. */
  get count(): number {
    return this.#count;
  }

  /** Append one event (serialised writes; resolves when it is written, and synced for orders). */
  append(type: JournalEventType, fields: Record<string, unknown> = {}): Promise<void> {
    const line = JSON.stringify(
      { ts: new Date().toISOString(), type, ...fields },
      (_k, v) => typeof v === "number" && !Number.isFinite(v) ? null : v,
    ) + "\n";
    this.#count++;
    const p = this.#queue.then(async () => {
      if (!this.#file) {
        await Deno.mkdir(dirname(this.path), { recursive: true });
        this.#file = await Deno.open(this.path, { append: true, create: true });
      }
      const bytes = this.#enc.encode(line);
      let off = 0;
      while (off < bytes.length) off += await this.#file.write(bytes.subarray(off));
      if (this.#sync && SYNCED.has(type)) await this.#file.syncData();
    });
    this.#queue = p.catch(() => {});
    return p;
  }

  /** Wait for every pending write. */
  async flush(): Promise<void> {
    await this.#queue;
  }

  /** Flush and close the file (appending again reopens it). */
  async close(): Promise<void> {
    await this.#queue;
    this.#file?.close();
    this.#file = null;
  }
}

/** An order's life as folded from the journal. */
export interface JournalOrder {
  /** The client order id. */
  cid: string;
  /** What the order does (as journalled with `order_pending`, e.g. an entry or a close). */
  kind: string;
  /** The request as sent, or null. */
  request: unknown;
  /** pending (sent, no outcome recorded), unknown, done, rejected. */
  state: "pending" | "unknown" | "done" | "rejected";
  /** The MT5 retcode of its outcome, or null while none is recorded. */
  retcode: number | null;
  /** The outcome as the terminal reported it, or null. */
  result: unknown;
  /** When the order was journalled before sending (ISO). */
  sent_at: string;
}

/** What `readJournal` returns. */
export interface JournalContents {
  /** Every parsed line, in order. */
  events: JournalEvent[];
  /** The orders, in the order they were first journalled. */
  orders: JournalOrder[];
  /** CHS values in order: bar time (ISO) and value. */
  chs: { time: string; value: number | null }[];
  /** Breaker transitions: `tripped` or `reset` with the CHS that caused them. */
  breaker: { time: string; state: string; chs: number | null }[];
  /** Lines that could not be parsed (e.g. a torn last line after a crash). */
  bad_lines: number;
}

/** Read a journal.jsonl back into events, orders, CHS series and breaker events. */
export async function readJournal(path: string): Promise<JournalContents> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new KinetraError("file_not_found", `no journal at ${path}`);
    throw e;
  }
  const events: JournalEvent[] = [];
  let bad = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      bad++;
    }
  }
  const orders = new Map<string, JournalOrder>();
  const chs: JournalContents["chs"] = [];
  const breaker: JournalContents["breaker"] = [];
  for (const e of events) {
    const cid = String(e.cid ?? "");
    if (e.type === "order_pending") {
      orders.set(cid, {
        cid,
        kind: String(e.kind ?? ""),
        request: e.request ?? null,
        state: "pending",
        retcode: null,
        result: null,
        sent_at: e.ts,
      });
    } else if ((e.type === "order_result" || e.type === "reconcile") && orders.has(cid)) {
      const o = orders.get(cid)!;
      if (e.type === "reconcile" && e.state === "not_found") continue;
      const r = (e.result ?? {}) as { retcode?: number };
      o.result = e.result ?? null;
      o.retcode = typeof r.retcode === "number" ? r.retcode : null;
      o.state = e.ok ? "done" : "rejected";
    } else if (e.type === "order_unknown" && orders.has(cid)) {
      orders.get(cid)!.state = "unknown";
    } else if (e.type === "chs") {
      chs.push({ time: String(e.bar_time ?? e.ts), value: typeof e.value === "number" ? e.value : null });
    } else if (e.type === "breaker") {
      breaker.push({
        time: String(e.bar_time ?? e.ts),
        state: String(e.state),
        chs: typeof e.chs === "number" ? e.chs : null,
      });
    }
  }
  return { events, orders: [...orders.values()], chs, breaker, bad_lines: bad };
}
