/**
 * System status: a real health check (each part of Kinetra loads, polars works, folders are
 * readable and writable, the configuration is private), the recent results found under the logs
 * folder, a data summary and the measured performance figures.
 *
 * @module
 */
import { join } from "node:path";
import { readConfig } from "../config.ts";
import { markdownSections, readDoc, renderMarkdown } from "../docs_view.ts";
import { checkStatus } from "../status.ts";
import type { ActionContext, MenuAction } from "../types.ts";

/** The rooms of lib/ the health check loads, with what each is for. */
export const PARTS: readonly { path: string; name: string; load: () => Promise<unknown> }[] = [
  { path: "data/mod.ts", name: "data (read, validate, prepare)", load: () => import("../../data/mod.ts") },
  {
    path: "features/mod.ts",
    name: "features (physics, regimes)",
    load: () => import("../../features/mod.ts"),
  },
  {
    path: "strategies/registry.ts",
    name: "strategy registry",
    load: () => import("../../strategies/registry.ts"),
  },
  { path: "backtest/mod.ts", name: "backtest engine", load: () => import("../../backtest/mod.ts") },
  { path: "risk/mod.ts", name: "risk (CHS)", load: () => import("../../risk/mod.ts") },
  {
    path: "broker/mod.ts",
    name: "broker (validator, paper broker)",
    load: () => import("../../broker/mod.ts"),
  },
  { path: "mt5/mod.ts", name: "MT5 bridge", load: () => import("../../mt5/mod.ts") },
  { path: "live/mod.ts", name: "live runner", load: () => import("../../live/mod.ts") },
  { path: "pipeline/mod.ts", name: "fix pipeline", load: () => import("../../pipeline/mod.ts") },
  { path: "plot/mod.ts", name: "plots and reports", load: () => import("../../plot/mod.ts") },
];

/** One health check line. */
export interface HealthCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about it (shown for failing checks). */
  advice?: string;
}

/** The bridge line of the health check: "not running" is the normal state, "broken" is a failure. */
export function bridgeHealth(bridge: Awaited<ReturnType<typeof checkStatus>>["bridge"]): HealthCheck {
  const addr = `${bridge.host}:${bridge.port}`;
  const name = "MT5 bridge connection";
  switch (bridge.state) {
    case "reachable":
      return { name, ok: true, detail: `${addr}: a runner is listening (the EA can connect)` };
    case "not_running":
      return {
        name,
        ok: true,
        detail: `${addr}: not running (no runner listening; normal until Live Testing starts one)`,
      };
    case "broken":
      return {
        name,
        ok: false,
        detail: `${addr}: broken: ${bridge.problem ?? "unknown problem"}`,
        advice: /secret/.test(bridge.problem ?? "")
          ? "set the bridge secret (8+ characters) in Login and Authentication > Configure the Bridge"
          : `check the bridge address in Login and Authentication > Configure the Bridge, and that no firewall or other program holds ${addr}`,
      };
    case "not_configured":
      return {
        name,
        ok: true,
        detail: "not configured (only needed for demo/live: Login and Authentication)",
      };
    case "not_permitted":
      return { name, ok: true, detail: `${addr} configured (not checked: needs --allow-net=${addr})` };
    default:
      return { name, ok: true, detail: `${addr} configured (not checked)` };
  }
}

/** Run the health checks (no network, no writes outside the logs folder). */
export async function healthChecks(ctx: ActionContext): Promise<HealthCheck[]> {
  const out: HealthCheck[] = [];
  out.push({
    name: "deno",
    ok: true,
    detail: `${Deno.version.deno} (TypeScript ${Deno.version.typescript})`,
  });
  for (const part of PARTS) {
    const t0 = performance.now();
    try {
      await part.load();
      out.push({
        name: part.name,
        ok: true,
        detail: `lib/${part.path} loads (${(performance.now() - t0).toFixed(0)} ms)`,
      });
    } catch (e) {
      out.push({ name: part.name, ok: false, detail: (e as Error).message });
    }
  }
  try {
    const t0 = performance.now();
    const pl = (await import("nodejs-polars")).default;
    const df = pl.DataFrame({ x: [1, 2, 3] });
    const sum = Number(df.getColumn("x").sum());
    out.push({
      name: "polars",
      ok: sum === 6,
      detail: `native binding works (${(performance.now() - t0).toFixed(0)} ms)`,
    });
  } catch (e) {
    out.push({
      name: "polars",
      ok: false,
      detail: `cannot load nodejs-polars: ${(e as Error).message.split("\n")[0]}`,
    });
  }
  const st = await checkStatus(ctx.opts);
  out.push({
    name: "data",
    ok: st.data.files > 0,
    detail: st.data.files > 0
      ? `${st.data.files} files in ${ctx.opts.dataDir}`
      : `no data files in ${ctx.opts.dataDir}`,
    advice:
      `put MetaTrader 5 exports in ${ctx.opts.dataDir} (docs/DATA.md), or start the menu with --data-dir`,
  });
  out.push({
    name: "prepared data",
    ok: st.data.prepared > 0,
    detail: `${st.data.preparedTrain} train, ${st.data.preparedTest} test files in ${ctx.opts.preparedDir}`,
    advice: "Data Management > Prepare Data writes the train/test splits",
  });
  try {
    await Deno.mkdir(ctx.opts.logsDir, { recursive: true });
    const probe = join(ctx.opts.logsDir, `.health_${crypto.randomUUID().slice(0, 8)}`);
    await Deno.writeTextFile(probe, "ok");
    await Deno.remove(probe);
    out.push({ name: "logs folder", ok: true, detail: `${ctx.opts.logsDir} is writable` });
  } catch (e) {
    out.push({
      name: "logs folder",
      ok: false,
      detail: `${ctx.opts.logsDir} is not writable: ${(e as Error).message}`,
      advice: `make ${ctx.opts.logsDir} writable, or start the menu with --logs-dir`,
    });
  }
  try {
    const info = await Deno.stat(ctx.opts.configPath);
    await readConfig(ctx.opts.configPath);
    const mode = info.mode !== null ? info.mode & 0o777 : null;
    const priv = mode === null || (mode & 0o077) === 0;
    out.push({
      name: "configuration",
      ok: priv,
      detail: priv
        ? `${ctx.opts.configPath} is private${mode !== null ? ` (mode ${mode.toString(8)})` : ""}`
        : `${ctx.opts.configPath} is readable by others (mode ${
          mode!.toString(8)
        }): run chmod 600 ${ctx.opts.configPath}`,
    });
  } catch (e) {
    out.push({
      name: "configuration",
      ok: e instanceof Deno.errors.NotFound,
      detail: e instanceof Deno.errors.NotFound
        ? `${ctx.opts.configPath} not created yet (Login and Authentication creates it)`
        : (e as Error).message,
    });
  }
  out.push(bridgeHealth(st.bridge));
  return out;
}

/** Current system health. */
export const systemHealth: MenuAction = {
  kind: "action",
  title: "Health Check",
  description: "check that every part loads, polars works, folders and configuration are fine",
  async run(ctx: ActionContext): Promise<void> {
    const checks = await ctx.operation("Checking", async (op) => {
      op.progress(0, 1);
      const r = await healthChecks(ctx);
      op.progress(1, 1);
      return r;
    });
    for (const c of checks) ctx.ask.say(`  ${c.ok ? "ok  " : "FAIL"} ${c.name.padEnd(34)} ${c.detail}`);
    const failing = checks.filter((c) => !c.ok);
    ctx.ask.say(`  ${checks.length - failing.length} of ${checks.length} checks passed.`);
    // Advice that fits what failed (not a generic hint about data).
    for (const c of failing) ctx.ask.say(`  Next (${c.name}): ${c.advice ?? "see the message above"}.`);
    if (!failing.length) ctx.ask.say("  Next: everything is in place; try Backtesting > Quick Backtest.");
  },
};

/** A result found under the logs folder. */
export interface RecentResult {
  path: string;
  kind: string;
  modified: Date;
  summary: string;
}

async function walkFiles(dir: string, depth: number, out: { path: string; mtime: Date }[]): Promise<void> {
  if (depth < 0) return;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith(".") || e.name.endsWith(".tmp")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory) await walkFiles(p, depth - 1, out);
    else if (e.isFile) {
      try {
        out.push({ path: p, mtime: (await Deno.stat(p)).mtime ?? new Date(0) });
      } catch {
        // vanished
      }
    }
  }
}

/** Results under `logsDir`: batch runs, reports, live summaries, exerciser and pipeline reports. */
export async function recentResults(logsDir: string, limit = 12): Promise<RecentResult[]> {
  const files: { path: string; mtime: Date }[] = [];
  await walkFiles(logsDir, 4, files);
  const interesting = files.filter((f) =>
    /(results|summary|report)[^/]*\.json$|\.html$|[\\/]menu[\\/](backtest|compare)_[^/]*\.json$/.test(f.path)
  );
  interesting.sort((a, b) => b.mtime.getTime() - a.mtime.getTime());
  const out: RecentResult[] = [];
  for (const f of interesting.slice(0, limit)) {
    let kind = f.path.endsWith(".html") ? "HTML report" : "JSON";
    let summary = "";
    if (f.path.endsWith(".json")) {
      try {
        const j = JSON.parse(await Deno.readTextFile(f.path));
        if (/menu_exercise/.test(f.path)) {
          kind = "menu exerciser";
          summary = `${j.passed} passed, ${j.failed} failed of ${j.paths_tested} paths`;
        } else if (j.mode && j.strategy) {
          kind = `live ${j.mode}`;
          summary = `${j.strategy} ${j.symbol ?? ""} ${j.timeframe ?? ""}, ${
            Array.isArray(j.trades) ? j.trades.length : j.trades ?? "?"
          } trades`;
        } else if (Array.isArray(j.results) && typeof j.source === "string" && !j.run_dir) {
          kind = "comparison";
          const best = j.results[0];
          summary = `${j.results.length} strategies on ${j.source}${best ? `; best ${best.strategy}` : ""}`;
        } else if (Array.isArray(j.results) || Array.isArray(j)) {
          const n = Array.isArray(j) ? j.length : j.results.length;
          kind = "backtest batch";
          summary = `${n} runs`;
        } else if (j.stats) {
          kind = "backtest";
          summary = `return ${Number(j.stats.return_pct).toFixed(2)} %, ${j.stats.trades} trades`;
        } else if ("cycles" in j || "stages" in j) {
          kind = "fix pipeline";
          summary = `errors remaining ${j.errors_remaining ?? "?"}`;
        } else {
          summary = Object.keys(j).slice(0, 6).join(", ");
        }
      } catch {
        summary = "(unreadable JSON)";
      }
    }
    out.push({ path: f.path, kind, modified: f.mtime, summary });
  }
  return out;
}

/** Recent results under the logs folder. */
export const recentResultsAction: MenuAction = {
  kind: "action",
  title: "Recent Results",
  description: "the latest backtests, reports, live runs and exerciser/pipeline reports under logs",
  async run({ ask, opts }: ActionContext): Promise<void> {
    const list = await recentResults(opts.logsDir);
    if (list.length === 0) {
      ask.say(`  No results under ${opts.logsDir} yet.`);
      ask.say("  Next: run Backtesting > Quick Backtest or Batch over the Catalog.");
      return;
    }
    for (const r of list) {
      ask.say(`  ${r.modified.toISOString().slice(0, 19)}Z  ${r.kind.padEnd(15)} ${r.path}`);
      if (r.summary) ask.say(`      ${r.summary}`);
    }
    ask.say("  Next: Backtesting > Open the Last Report shows the newest HTML report.");
  },
};

/** Data summary: files by asset class and prepared files. */
export const dataSummaryStatus: MenuAction = {
  kind: "action",
  title: "Data Summary",
  description: "data files by asset class and prepared train/test files",
  async run({ ask, opts }: ActionContext): Promise<void> {
    const st = await checkStatus(opts);
    ask.say(`  ${st.data.files} data files in ${opts.dataDir}`);
    for (const [cls, n] of Object.entries(st.data.byClass).sort()) ask.say(`    ${cls.padEnd(18)} ${n}`);
    ask.say(
      `  Prepared in ${opts.preparedDir}: ${st.data.preparedTrain} train, ${st.data.preparedTest} test files`,
    );
    ask.say(
      st.data.prepared < st.data.files
        ? "  Next: Data Management > Prepare Data splits every file into train and test."
        : "  Next: everything is prepared; Backtesting is ready.",
    );
  },
};

/** Performance figures measured by the benchmarks (docs/PERFORMANCE.md). */
export const performanceFigures: MenuAction = {
  kind: "action",
  title: "Performance Figures",
  description: "the benchmark figures measured on this project (docs/PERFORMANCE.md) and the trading targets",
  async run({ ask }: ActionContext): Promise<void> {
    const text = await readDoc("PERFORMANCE.md");
    if (text === null) {
      ask.say(
        "  No benchmark figures yet (docs/PERFORMANCE.md is missing): run deno task bench:data, bench:engine,",
      );
      ask.say("  bench:strategies to measure them.");
    } else {
      const sections = markdownSections(text).filter((s) => s.heading.startsWith("bench:"));
      if (sections.length === 0) ask.say("  docs/PERFORMANCE.md has no benchmark sections yet.");
      for (const s of sections) {
        ask.say(`  ${s.heading}`);
        const lines = renderMarkdown(s.body, 96).filter((l) => l.trim() !== "");
        for (const l of lines.slice(0, 16)) ask.say(`    ${l}`);
        if (lines.length > 16) ask.say(`    ... (${lines.length - 16} more lines in docs/PERFORMANCE.md)`);
      }
    }
    ask.say(
      "  Trading targets for promotion to the next stage: CHS > 0.90, Omega > 2.7, energy captured > 65 %,",
    );
    ask.say("  zero validator rejections, circuit breaker events < 5 %.");
    ask.say("  Next: reproduce the figures with deno task bench:data / bench:engine / bench:strategies.");
  },
};
