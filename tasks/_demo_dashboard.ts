/**
 * The demo's dashboard step: a short virtual session (sma_cross on the first forex file of the
 * source, its journal under `<out>/live`), then the dashboard served on 127.0.0.1 with a fresh
 * token: the event stream replays exactly the journal's lines, a request without the token gets
 * 401. Kept in its own file so tasks/demo.ts only lists it.
 */
import { join } from "node:path";
import { scanCatalog } from "../lib/data/catalog.ts";
import { runLive } from "../lib/live/runner.ts";
import { startDashboard } from "../lib/dashboard/server.ts";

/** The step's context (the part of DemoContext it uses). */
export interface DashboardStepContext {
  source: string;
  out: string;
  summary: Record<string, unknown>;
  say(line: string): void;
}

/** Run the step; false when it could not run. */
export async function dashboardDemoStep(ctx: DashboardStepContext): Promise<boolean> {
  // `deno task demo` may listen on 127.0.0.1; a bare `deno run` of demo.ts without it skips this step.
  if ((await Deno.permissions.query({ name: "net", host: "127.0.0.1" })).state !== "granted") {
    ctx.say("  skipped: the dashboard needs --allow-net=127.0.0.1 (deno task demo has it)");
    ctx.summary.dashboard = { skipped: "no --allow-net=127.0.0.1" };
    return true;
  }
  const cat = await scanCatalog(ctx.source);
  const file = cat.files.find((f) => /forex/.test(f.path)) ?? cat.files[0];
  if (!file) {
    ctx.say(`no exports in ${ctx.source}`);
    return false;
  }
  const logsDir = join(ctx.out, "live");
  const s = await runLive({ mode: "virtual", strategy: "sma_cross", data: file.path, logsDir }, {
    print: () => {},
  });
  const lines = (await Deno.readTextFile(s.journal)).split("\n").filter((l) => l.trim()).length;
  const d = await startDashboard({ logsDir, listen: "127.0.0.1:0", since: Date.parse(s.started_at) });
  try {
    const origin = `http://127.0.0.1:${d.port}`;
    const denied = await fetch(`${origin}/events?run=${encodeURIComponent(s.run_id)}`);
    await denied.body?.cancel();
    const res = await fetch(`${origin}/events?run=${encodeURIComponent(s.run_id)}&token=${d.token}`);
    const text = await res.text();
    // One `data:` line per journal line (in `j` events; the summary is one more data line).
    const replayed = text.split("\n").filter((l) => l.startsWith('data: {"ts"')).length;
    ctx.say(`  virtual session ${s.run_id}: ${s.trades.length} trades, breaker events ${s.breaker_events}`);
    ctx.say(`  dashboard: ${d.url}  (served for this step only)`);
    ctx.say(
      `  without the token: HTTP ${denied.status}; the event stream replayed ${replayed}/${lines} journal lines`,
    );
    ctx.say(`  watch it again: deno task dashboard --logs-dir ${logsDir}`);
    ctx.summary.dashboard = {
      run_id: s.run_id,
      journal_lines: lines,
      replayed,
      without_token: denied.status,
      trades: s.trades.length,
      breaker_events: s.breaker_events,
    };
    return denied.status === 401 && replayed === lines;
  } finally {
    await d.close();
  }
}
