/**
 * The live dashboard and notification settings in the menu: "Open Dashboard" serves every session
 * under the logs folder on 127.0.0.1 with a fresh token and prints its address until you return to
 * the menu; "Notification Settings" lists (by format and host only), adds (read without echo) and
 * removes the `--notify` URLs kept in the credentials file, and switches the per-fill messages.
 *
 * @module
 */
import { join } from "node:path";
import { isKinetraError } from "../../errors.ts";
import type { ActionContext, MenuAction } from "../types.ts";

type DashboardApi = Pick<typeof import("../../dashboard/mod.ts"), "startDashboard" | "listSessions">;
type NotifyApi = Pick<
  typeof import("../../notify/mod.ts"),
  "loadNotifyConfig" | "saveNotifyConfig" | "parseNotifyUrl"
>;

/** Live Testing > Open Dashboard. */
export const openDashboard: MenuAction = {
  kind: "action",
  title: "Open Dashboard",
  description: "serve the live dashboard of every session (127.0.0.1, a new token) and print its address",
  async run({ ask, opts }: ActionContext): Promise<void> {
    const api = await import("../../dashboard/mod.ts");
    const logsDir = join(opts.logsDir, "live");
    let d;
    try {
      d = await api.startDashboard({ logsDir, listen: "127.0.0.1:0" });
    } catch (e) {
      if (!isKinetraError(e)) throw e;
      ask.say(`  The dashboard could not start: ${e.message}`);
      ask.say("  Next: run `deno task dashboard` in another terminal.");
      return;
    }
    try {
      const sessions = await api.listSessions(logsDir);
      ask.say(`dashboard: ${d.url}`);
      ask.say(
        `  ${sessions.length} session(s) under ${logsDir}` +
          (sessions.length
            ? `, newest ${sessions[0].run_id} (${sessions[0].status}).`
            : "; start a Virtual Trading run."),
      );
      ask.say("  Open the address in a browser on this machine; the token changes every time.");
      ask.say("  A run started from another terminal appears in the page's session list.");
      await ask.confirm("Stop the dashboard and go back to the menu?", true);
    } finally {
      await d.close();
    }
    ask.say("  Dashboard stopped.");
  },
};

/** Login and Authentication > Notification Settings. */
export const notificationSettings: MenuAction = {
  kind: "action",
  title: "Notification Settings",
  description: "Slack, Telegram or webhook URLs for live sessions (kept in the 0600 config, never shown)",
  async run({ ask, opts }: ActionContext): Promise<void> {
    const api = await import("../../notify/mod.ts");
    let cfg;
    try {
      cfg = await api.loadNotifyConfig(opts.configPath);
    } catch (e) {
      if (!isKinetraError(e)) throw e;
      ask.say(`  ${e.message}`);
      return;
    }
    const label = (u: string) => {
      try {
        return api.parseNotifyUrl(u).label;
      } catch {
        return "an unusable URL";
      }
    };
    // One change per visit (then back to the screen), so no answer can keep the item looping.
    ask.say(`  Notifications (${opts.configPath}):`);
    if (!cfg.urls.length) ask.say("    none");
    cfg.urls.forEach((u, i) => ask.say(`    ${i + 1}. ${label(u)}`));
    ask.say(`    a message for every fill: ${cfg.fills ? "yes" : "no"}`);
    const what = await ask.choose("Change", [
      "add a URL",
      "remove a URL",
      `messages for every fill: turn ${cfg.fills ? "off" : "on"}`,
      "nothing",
    ], 3);
    if (what === 3) return;
    if (what === 0) {
      const url = await ask.secret(
        "URL (Slack webhook, https://api.telegram.org/bot<TOKEN>/sendMessage?chat_id=<ID>, telegram://TOKEN@CHAT_ID, smtp://… or a JSON webhook)",
        false,
        8,
      );
      if (url === null) return;
      try {
        const t = api.parseNotifyUrl(url);
        cfg.urls.push(url.trim());
        ask.say(`  Added ${t.label}.`);
      } catch (e) {
        if (!isKinetraError(e)) throw e;
        ask.say(`  Not added: ${e.message}`);
        return;
      }
    } else if (what === 1) {
      if (!cfg.urls.length) {
        ask.say("  There is no URL to remove.");
        return;
      }
      const k = await ask.choose("Remove", cfg.urls.map((u, i) => `${i + 1}. ${label(u)}`), 0);
      const [gone] = cfg.urls.splice(k, 1);
      ask.say(`  Removed ${label(gone)}.`);
    } else cfg.fills = !cfg.fills;
    await api.saveNotifyConfig(cfg, opts.configPath);
    ask.say(`  Saved (mode 0600): ${cfg.urls.length} URL(s), every fill ${cfg.fills ? "on" : "off"}.`);
    ask.say("  deno task live sends to them unless --no-notify. The tasks reach 127.0.0.1 only:");
    ask.say("  docs/DASHBOARD.md says how to allow Slack or Telegram.");
  },
};
