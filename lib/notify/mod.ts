/**
 * Notifications of a live session to Slack (incoming webhooks), Telegram (Bot API sendMessage) or a
 * generic JSON webhook, read from the session's journal: breaker trips and resets, halts, validator
 * and broker rejections, bridge disconnects and reconnects, optionally fills, a daily summary and a
 * session summary. Sending is asynchronous with retries and backoff; it never blocks or fails the
 * session, and the URLs (which hold the secrets) are never printed. See docs/DASHBOARD.md.
 *
 * ```ts ignore
 * import { startNotifications } from "kinetra/notify/mod.ts";
 * const n = await startNotifications({ urls: ["https://hooks.slack.com/services/T/B/x"], logsDir: "logs/live" });
 * // ... runLive(...) ...
 * await n.stop();
 * ```
 *
 * @module
 */
export * from "./targets.ts";
export * from "./notifier.ts";
export * from "./watch.ts";
export * from "./config.ts";
export * from "./session.ts";
