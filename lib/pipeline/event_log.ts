/**
 * The pipeline's structured log: one JSON line per event in
 * `<log dir>/pipeline_<UTC stamp>.log`, plus optional progress lines on the console.
 *
 * @module
 */
import { appendLine } from "../util/fs.ts";

/** Event levels. */
export type Level = "debug" | "info" | "warn" | "error";

/** A sink for pipeline events. */
export interface EventLog {
  /** Path of the log file (null when logging to memory only). */
  readonly path: string | null;
  /** Append one event line. */
  event(level: Level, event: string, data?: Record<string, unknown>): Promise<void>;
  /** Print a progress line for humans (console, or nothing when quiet). */
  progress(line: string): void;
}

/** Options of {@link createEventLog}. */
export interface EventLogOptions {
  /** Log file path; null keeps events in memory (tests). */
  path: string | null;
  /** Print progress lines (default true). Progress goes to stderr when `progressToStderr`. */
  quiet?: boolean;
  progressToStderr?: boolean;
}

/** Create an event log; `events` keeps every event in memory too (for reports and tests). */
export function createEventLog(opts: EventLogOptions): EventLog & { events: Record<string, unknown>[] } {
  const events: Record<string, unknown>[] = [];
  return {
    path: opts.path,
    events,
    async event(level, event, data = {}) {
      const rec = { time: new Date().toISOString(), level, event, ...data };
      events.push(rec);
      if (opts.path) await appendLine(opts.path, JSON.stringify(rec));
    },
    progress(line) {
      if (opts.quiet) return;
      if (opts.progressToStderr) console.error(line);
      else console.log(line);
    },
  };
}
