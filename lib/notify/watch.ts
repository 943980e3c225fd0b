/**
 * Notifications from a session's journal (the same single source of truth as the dashboard): a
 * watcher follows `logs/live/<run>/journal.jsonl` and turns breaker trips and resets, halts (and
 * "halt new entries" requests), validator and broker rejections, bridge disconnects and reconnects,
 * optionally every fill, into messages; it sends a daily summary at each UTC midnight (wall clock)
 * while the session runs and a session summary at its end. It only reads files and queues messages,
 * so it cannot slow the trading loop down or fail the session.
 *
 * @example
 * ```ts ignore
 * import { Notifier, parseNotifyUrl, watchSession } from "./mod.ts";
 * const notifier = new Notifier([parseNotifyUrl("https://hooks.slack.com/services/T/B/x")]);
 * const w = watchSession({ logsDir: "logs/live", since: Date.now(), notifier });
 * // ... runLive(...) ...
 * await w.stop(); // the last lines and the session summary
 * await notifier.close(10_000);
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { JournalTail } from "../dashboard/tail.ts";
import { listSessions } from "../dashboard/sessions.ts";
import type { Notifier } from "./notifier.ts";

/** Options of {@link JournalNotifier}. */
export interface JournalNotifierOptions {
  /** A message for every fill (default false: fills are frequent). */
  fills?: boolean;
}

/** What a journal has said so far (enough for the summaries). */
interface Seen {
  run: Record<string, unknown> | null;
  equity: number | null;
  startEquity: number | null;
  dayEquity: number | null;
  chs: number | null;
  tripped: boolean;
  trips: number;
  entries: number;
  exits: number;
  pnl: number;
  dayExits: number;
  dayPnl: number;
  validator: number;
  broker: number;
  down: boolean;
}

const RELEVANT = /"type":"(run_start|breaker|halt|control|rejection|session|fill|run_end)"/;
const EVENT_TYPE = /"type":"(?:run_start|breaker|halt|control|rejection|session|fill|run_end)"/g;

function n(v: unknown, d = 2): string {
  return typeof v === "number" && Number.isFinite(v) ? String(+v.toFixed(d)) : "n/a";
}

/** Turns journal lines into notifications. */
export class JournalNotifier {
  readonly #notifier: Notifier;
  readonly #fills: boolean;
  /** What has been read from the journal so far (run, equity, CHS, breaker, trades, errors). */
  readonly seen: Seen = {
    run: null,
    equity: null,
    startEquity: null,
    dayEquity: null,
    chs: null,
    tripped: false,
    trips: 0,
    entries: 0,
    exits: 0,
    pnl: 0,
    dayExits: 0,
    dayPnl: 0,
    validator: 0,
    broker: 0,
    down: false,
  };
  /** Set once run_end was read. */
  ended = false;

  /** Send through `notifier`; `opts.fills` adds a message per fill. */
  constructor(notifier: Notifier, opts: JournalNotifierOptions = {}) {
    this.#notifier = notifier;
    this.#fills = opts.fills ?? false;
  }

  get #runId(): string {
    return String(this.seen.run?.run_id ?? "?");
  }

  #send(event: string, title: string, text: string, data: Record<string, unknown> = {}, time?: string): void {
    this.#notifier.notify({
      event,
      title: `${title} — ${this.#runId}`,
      text,
      run_id: this.#runId,
      time,
      data,
    });
  }

  /**
   * Read a chunk of journal text (whole lines). Only the events that can make a message are found
   * (one regular-expression scan for their `"type"`) and parsed, plus the chunk's last `mark` and
   * `chs` lines for the summaries; the bar-by-bar lines are never split or parsed one by one.
   */
  chunk(text: string): void {
    const lineAt = (pos: number) => {
      const a = text.lastIndexOf("\n", pos) + 1;
      const b = text.indexOf("\n", pos);
      return text.slice(a, b < 0 ? text.length : b);
    };
    for (const m of text.matchAll(EVENT_TYPE)) this.#parsed(lineAt(m.index!));
    const mark = text.lastIndexOf('"type":"mark"');
    if (mark >= 0) this.#mark(lineAt(mark));
    const chs = text.lastIndexOf('"type":"chs"');
    if (chs >= 0) this.#parsed(lineAt(chs));
  }

  /** Read a batch of raw lines (only the relevant ones are parsed; the last `mark` gives equity). */
  lines(lines: readonly string[]): void {
    // The lines written at every bar (mark, chs) stay text; only the last of a stretch is parsed.
    let lastMark: string | null = null, lastChs: string | null = null;
    const flush = () => {
      if (lastMark) this.#mark(lastMark);
      if (lastChs) this.#parsed(lastChs);
      lastMark = lastChs = null;
    };
    for (const line of lines) {
      if (line.includes('"type":"mark"')) lastMark = line;
      else if (line.includes('"type":"chs"')) lastChs = line;
      else if (RELEVANT.test(line)) {
        flush();
        this.#parsed(line);
      }
    }
    flush();
  }

  #parsed(line: string): void {
    try {
      this.event(JSON.parse(line));
    } catch { /* a line the runner did not finish: the journal reader counts those */ }
  }

  #mark(line: string): void {
    try {
      const e = JSON.parse(line);
      if (typeof e.equity === "number") {
        this.seen.equity = e.equity;
        this.seen.startEquity ??= e.equity;
        this.seen.dayEquity ??= e.equity;
      }
    } catch { /* ignore a torn line */ }
  }

  /** One journal event. */
  event(e: Record<string, unknown>): void {
    const s = this.seen;
    const ts = typeof e.ts === "string" ? e.ts : undefined;
    switch (e.type) {
      case "run_start":
        s.run = e;
        break;
      case "chs":
        if (typeof e.value === "number") s.chs = e.value;
        break;
      case "breaker": {
        const tripped = e.state === "tripped";
        s.tripped = tripped;
        if (tripped) s.trips++;
        this.#send(
          tripped ? "breaker_tripped" : "breaker_reset",
          tripped ? "⚠️ circuit breaker TRIPPED" : "✅ circuit breaker reset",
          tripped
            ? `CHS ${n(e.chs, 3)} fell below ${n(e.threshold, 2)} at ${e.bar_time ?? "?"}: no new entries.`
            : `CHS ${n(e.chs, 3)} rose above ${n(e.reset_above, 2)} at ${
              e.bar_time ?? "?"
            }: entries allowed again.`,
          { chs: e.chs, threshold: e.threshold, bar_time: e.bar_time },
          ts,
        );
        break;
      }
      case "halt":
        this.#send(
          "halt",
          "⛔ session halted",
          `${e.reason}: ${e.message ?? ""}`.trim(),
          { reason: e.reason, message: e.message },
          ts,
        );
        break;
      case "control":
        if (e.action === "halt_entries" && !e.error) {
          this.#send("halt_entries", "⏸ new entries halted", `requested from the ${e.source ?? "?"}`, {
            source: e.source,
          }, ts);
        }
        break;
      case "rejection":
        if (e.by === "validator" || e.by === "runner") s.validator++;
        else s.broker++;
        this.#send(
          "rejection",
          `❌ ${e.kind ?? "order"} refused by the ${e.by}`,
          `retcode ${e.retcode ?? "?"}: ${e.message ?? ""}`,
          { by: e.by, kind: e.kind, retcode: e.retcode, message: e.message },
          ts,
        );
        break;
      case "session":
        if (e.event === "bridge_session_down") {
          s.down = true;
          this.#send("disconnect", "🔌 bridge disconnected", `reason: ${e.reason ?? "?"}`, {
            reason: e.reason,
          }, ts);
        } else if (e.event === "bridge_session_up" && s.down) {
          s.down = false;
          this.#send("reconnect", "🔌 bridge reconnected", "the Expert Advisor is back", {}, ts);
        }
        break;
      case "fill":
        if (e.what === "entry") s.entries++;
        else {
          s.exits++;
          s.dayExits++;
          const pnl = typeof e.pnl === "number" ? e.pnl : 0;
          s.pnl += pnl;
          s.dayPnl += pnl;
        }
        if (this.#fills) {
          this.#send(
            "fill",
            e.what === "entry" ? "fill: entry" : "fill: exit",
            e.what === "entry"
              ? `${Number(e.side) > 0 ? "long" : "short"} ${n(e.lots)} lots @ ${e.price}`
              : `${e.side} closed (${e.reason}) @ ${e.exit_price}, P&L ${n(e.pnl)}`,
            { ...e },
            ts,
          );
        }
        break;
      case "run_end":
        this.ended = true;
        break;
    }
  }

  /** The daily summary (wall-clock day `day`, YYYY-MM-DD) and a reset of the day's counters. */
  daily(day: string): void {
    const s = this.seen;
    const dayChange = s.equity !== null && s.dayEquity !== null ? s.equity - s.dayEquity : null;
    this.#send(
      "daily_summary",
      `📊 daily summary ${day}`,
      [
        `equity ${n(s.equity)} (${
          dayChange === null ? "n/a" : (dayChange >= 0 ? "+" : "") + n(dayChange)
        } today)`,
        `trades closed today ${s.dayExits}, P&L ${n(s.dayPnl)}; in all ${s.exits}, P&L ${n(s.pnl)}`,
        `CHS ${n(s.chs, 3)}, breaker ${s.tripped ? "TRIPPED" : "armed"} (${s.trips} trips)`,
        `rejections: validator ${s.validator}, broker ${s.broker}`,
      ].join("\n"),
      {
        day,
        equity: s.equity,
        trades_today: s.dayExits,
        pnl_today: s.dayPnl,
        chs: s.chs,
        breaker_trips: s.trips,
      },
    );
    s.dayExits = 0;
    s.dayPnl = 0;
    s.dayEquity = s.equity;
  }

  /** The session summary (from summary.json when there is one, else from the journal). */
  final(summary: Record<string, unknown> | null): void {
    const s = this.seen;
    const stats = (summary?.stats ?? {}) as Record<string, unknown>;
    const ready = summary?.readiness as { ready?: boolean; next_stage?: string | null } | undefined;
    const trades = Array.isArray(summary?.trades) ? summary.trades.length : s.exits;
    this.#send(
      "session_summary",
      `🏁 session ${summary?.status ?? "ended"}`,
      [
        `${s.run?.mode ?? ""} ${s.run?.symbol ?? ""} ${s.run?.timeframe ?? ""} ${s.run?.strategy ?? ""}`
          .trim(),
        `trades ${trades}, return ${n(stats.return_pct)} %, P&L ${n(s.pnl)}, equity ${n(s.equity)}`,
        `CHS ${
          n(s.chs, 3)
        }, breaker trips ${s.trips}, rejections: validator ${s.validator}, broker ${s.broker}`,
        summary?.halt_reason ? `halted: ${summary.halt_reason}` : "",
        ready
          ? `readiness for ${ready.next_stage ?? "(last stage)"}: ${ready.ready ? "READY" : "not ready"}`
          : "",
      ].filter(Boolean).join("\n"),
      {
        status: summary?.status ?? null,
        trades,
        return_pct: stats.return_pct ?? null,
        chs: s.chs,
        breaker_trips: s.trips,
        ready: ready?.ready ?? null,
      },
    );
  }
}

/** Options of {@link watchSession}. */
export interface WatchOptions extends JournalNotifierOptions {
  /** The folder of session folders (default logs/live). */
  logsDir?: string;
  /** Follow the first session started at or after this time (epoch ms). */
  since: number;
  /** The sender of the messages. */
  notifier: Notifier;
  /** Poll period (default 250 ms). */
  pollMs?: number;
  /** Send a daily summary at each UTC midnight while the session runs (default true). */
  daily?: boolean;
  /** Wall clock (tests). */
  now?: () => number;
}

/** A running watcher. */
export interface Watcher {
  /** Read what is left (run_end included), send the session summary, stop. */
  stop(): Promise<void>;
  /** The notifier logic (its counters). */
  readonly journal: JournalNotifier;
}

/** Follow the session that starts after `since` under `logsDir` and notify from its journal. */
export function watchSession(opts: WatchOptions): Watcher {
  const jn = new JournalNotifier(opts.notifier, opts);
  const now = opts.now ?? Date.now;
  const pollMs = opts.pollMs ?? 250;
  let stopping = false;
  let wake: (() => void) | null = null;
  let tail: JournalTail | null = null;
  let dir = "";
  let day = new Date(now()).toISOString().slice(0, 10);
  let finalSent = false;
  const decoder = new TextDecoder();

  const step = async () => {
    if (!tail) {
      const list = await listSessions(opts.logsDir ?? "logs/live", { since: opts.since });
      const first = list[list.length - 1];
      if (!first) return;
      dir = first.dir;
      tail = new JournalTail(first.journal);
    }
    const chunk = await tail.pollChunk();
    if (chunk) jn.chunk(decoder.decode(chunk.data));
    const today = new Date(now()).toISOString().slice(0, 10);
    if (today !== day) {
      if ((opts.daily ?? true) && jn.seen.run && !jn.ended) jn.daily(day);
      day = today;
    }
    if (jn.ended && !finalSent) {
      finalSent = true;
      const path = join(dir, "summary.json");
      for (let k = 0; k < 30 && !existsSync(path); k++) await new Promise((r) => setTimeout(r, 100));
      let summary: Record<string, unknown> | null = null;
      try {
        summary = JSON.parse(await Deno.readTextFile(path));
      } catch { /* no summary: the journal's figures */ }
      jn.final(summary);
    }
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        await step();
      } catch { /* a file read failed: try again at the next poll */ }
      if (stopping) break;
      await new Promise<void>((r) => {
        const t = setTimeout(r, pollMs);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      wake = null;
    }
  })();

  return {
    journal: jn,
    async stop() {
      stopping = true;
      (wake as (() => void) | null)?.();
      await loop;
      // The last lines (run_end) and the summary, whatever the timing of the last poll was.
      try {
        await step();
      } catch { /* nothing more to read */ }
    },
  };
}
