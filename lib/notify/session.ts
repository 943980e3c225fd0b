/**
 * Notifications around one live session, as `deno task live --notify URL` runs them: parse the URLs
 * (flags and config file), check the network permission of each host (a host the task may not reach
 * is reported and skipped, never a prompt and never a failed session), follow the session's journal
 * and, at the end, wait a bounded time for what is still queued.
 *
 * @module
 */
import { Notifier, type NotifierOptions, type NotifierStats } from "./notifier.ts";
import { KinetraError } from "../errors.ts";
import { type NotifyTarget, parseNotifyUrl } from "./targets.ts";
import { watchSession } from "./watch.ts";

/** Options of {@link startNotifications}. */
export interface StartNotificationsOptions extends NotifierOptions {
  /** Target URLs or `env:NAME` references (secrets: never printed). */
  urls: readonly string[];
  /** A message per fill. */
  fills?: boolean;
  /** The folder of session folders (default logs/live). */
  logsDir?: string;
  /** Follow the first session started at or after this time (default now - 1 s). */
  since?: number;
  /** Journal poll period (default 250 ms). */
  pollMs?: number;
  /** Longest wait at the end for queued messages (default 10 s). */
  drainMs?: number;
  /** Environment lookup for `env:NAME` values (default Deno.env). */
  env?(name: string): string | undefined;
  /** Progress lines (labels only, never URLs). */
  print?(line: string): void;
}

/** Running notifications. */
export interface Notifications {
  /** The parsed destinations. */
  targets: NotifyTarget[];
  /** The sender behind them. */
  notifier: Notifier;
  /** Read the end of the journal, send the session summary, wait up to `drainMs`, report. */
  stop(): Promise<Record<string, NotifierStats>>;
}

/**
 * Parse every URL (KinetraError, exit 2, on a bad one; the URL itself is never echoed). A value
 * `env:NAME` is read from the environment variable NAME, so the secret stays off the command line
 * (which `deno task` echoes and `ps` shows).
 */
export function parseNotifyUrls(
  urls: readonly string[],
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): NotifyTarget[] {
  return urls.map((u) => {
    const m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(u.trim());
    if (!m) return parseNotifyUrl(u, env);
    const v = env(m[1]);
    if (!v) {
      throw new KinetraError(
        "bad_option",
        `--notify env:${m[1]}: the environment variable ${m[1]} is not set`,
      );
    }
    return parseNotifyUrl(v, env);
  });
}

/** Start following the next session; null when there is no URL. */
export async function startNotifications(opts: StartNotificationsOptions): Promise<Notifications | null> {
  const print = opts.print ?? (() => {});
  const all = parseNotifyUrls(opts.urls, opts.env);
  if (!all.length) return null;
  const targets: NotifyTarget[] = [];
  for (const t of all) {
    const st = await Deno.permissions.query({ name: "net", host: t.host });
    if (st.state === "granted") targets.push(t);
    else {
      print(
        `notify: ${t.label} skipped: this task may not reach it; add --allow-net=${
          t.host.replace(/:\d+$/, "")
        } to the deno run line`,
      );
    }
  }
  const notifier = new Notifier(targets, { ...opts, log: opts.log ?? print });
  if (targets.length) print(`notify: ${targets.map((t) => t.label).join(", ")}`);
  const watcher = watchSession({
    logsDir: opts.logsDir,
    since: opts.since ?? Date.now() - 1000,
    notifier,
    fills: opts.fills,
    pollMs: opts.pollMs,
  });
  return {
    targets,
    notifier,
    async stop() {
      await watcher.stop();
      const stats = await notifier.close(opts.drainMs ?? 10_000);
      const sum = Object.values(stats).reduce(
        (a, s) => ({ sent: a.sent + s.sent, failed: a.failed + s.failed + s.dropped }),
        { sent: 0, failed: 0 },
      );
      if (targets.length) print(`notify: ${sum.sent} sent, ${sum.failed} not delivered`);
      return stats;
    },
  };
}
