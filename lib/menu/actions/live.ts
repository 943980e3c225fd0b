/**
 * Live testing: virtual trading (a replay of real bars through the strategy, the MT5 order
 * validator and the paper broker), demo account testing through the bridge (with the explicit
 * typed confirmation), the connection test and the live testing guide. The runs are the live
 * room's runner (`tasks/live.ts`, the same code `deno task live` runs), started as a child process
 * so Ctrl-C stops it cleanly and its journal is complete.
 *
 * @module
 */
import { join } from "node:path";
import { KinetraError } from "../../errors.ts";
import { exists } from "../../util/fs.ts";
import { bridgeSettings, readConfig } from "../config.ts";
import { pickDataset } from "../datasets.ts";
import { markdownSections, projectRoot, readDoc } from "../docs_view.ts";
import type { ActionContext, MenuAction } from "../types.ts";
import { pickStrategy } from "./strategies.ts";
import { testConnectionAction } from "./connection.ts";

const env = (k: string): string | undefined => {
  try {
    return Deno.env.get(k);
  } catch {
    return undefined;
  }
};

/** The live runner's entry point, or a clear "not available". */
async function liveTask(): Promise<string> {
  const path = join(projectRoot(), "tasks", "live.ts");
  if (!(await exists(path))) {
    throw new KinetraError(
      "part_unavailable",
      "Live testing is not available in this build: tasks/live.ts (the live runner) does not exist yet.",
      { exitCode: 1 },
    );
  }
  return path;
}

/** Parse the JSON summary a `--json` run prints (the last line that is a JSON object). */
export function parseJsonSummary(lines: readonly string[]): Record<string, unknown> | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i].trim();
    if (!t.startsWith("{")) continue;
    try {
      return JSON.parse(t);
    } catch {
      // not the summary
    }
  }
  return null;
}

/** Print the important fields of a live run summary. */
function printLiveSummary(ctx: ActionContext, s: Record<string, unknown>): void {
  const say = ctx.ask.say.bind(ctx.ask);
  const stats = (s.stats ?? {}) as Record<string, unknown>;
  const chs = (s.chs ?? {}) as Record<string, unknown>;
  const trades = Array.isArray(s.trades) ? s.trades.length : s.trades;
  say("  Summary:");
  say(`    mode ${s.mode}, ${s.symbol} ${s.timeframe}, strategy ${s.strategy}`);
  say(
    `    trades ${trades}, return ${fmt(stats.return_pct)} %, max drawdown ${fmt(stats.max_drawdown_pct)} %`,
  );
  say(`    CHS last ${fmt(chs.last)}, minimum ${fmt(chs.min ?? chs.minimum)}`);
  say(`    breaker events ${s.breaker_events}, validator rejections ${s.validator_rejections}`);
  if (s.journal) say(`    journal: ${s.journal}`);
}

function fmt(v: unknown): string {
  return typeof v === "number" && Number.isFinite(v) ? v.toFixed(2) : String(v ?? "n/a");
}

/** Virtual trading: replay a real file through the live runner with the paper broker. */
export const virtualTrading: MenuAction = {
  kind: "action",
  title: "Virtual Trading",
  description: "replay real bars through the strategy, the MT5 validator and the paper broker",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const task = await liveTask();
    const strategy = await pickStrategy(ask);
    const file = await pickDataset(ask, opts.dataDir);
    const maxTrades = await ask.number("Maximum trades", { default: 50, min: 1, max: 100000, integer: true });
    const chs = await ask.number("CHS threshold of the circuit breaker", {
      default: 0.55,
      min: 0.01,
      max: 1,
    });
    const speed = await ask.number("Replay speed in bars per second (0 = as fast as possible)", {
      default: 0,
      min: 0,
      max: 100000,
    });
    if (
      !(await ask.confirm(`Run ${strategy} on ${file.symbol} ${file.timeframe ?? ""} in virtual mode?`, true))
    ) {
      ask.say("  Not started.");
      return;
    }
    const args = [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      task,
      "--mode",
      "virtual",
      "--symbol",
      file.symbol,
      "--timeframe",
      file.timeframe ?? "H1",
      "--strategy",
      strategy,
      "--data",
      file.path,
      "--max-trades",
      String(maxTrades),
      "--chs-threshold",
      String(chs),
      "--speed",
      String(speed),
      "--json",
    ];
    const out = await ctx.operation("Virtual trading", (op) => op.runChild(Deno.execPath(), args));
    const summary = parseJsonSummary(out.tail);
    if (out.code !== 0) {
      ask.say(`  The virtual run stopped with exit code ${out.code} (see the messages above).`);
      return;
    }
    if (summary) printLiveSummary(ctx, summary);
    ask.say("  Next: when virtual results meet the targets, try Demo Account Testing (option 2).");
  },
};

/** Demo account testing through the bridge, after an explicit typed confirmation. */
export const demoTrading: MenuAction = {
  kind: "action",
  title: "Demo Account Testing",
  description: "trade a DEMO account through the bridge (typed confirmation; REAL accounts are refused)",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const config = await readConfig(opts.configPath);
    const b = bridgeSettings(config, env);
    if (!b.configured || !b.hasSecret) {
      ask.say(
        `  Demo testing needs the bridge: it is ${
          b.configured ? "missing its shared secret" : "not configured"
        }.`,
      );
      ask.say("  Next: Main Menu > Login and Authentication > Configure MT5 Bridge, then Test Connection.");
      return;
    }
    const task = await liveTask();
    ask.say("  Demo mode sends real orders to the connected DEMO account through the Expert Advisor.");
    ask.say("  The runner refuses an account whose trade mode is REAL; every order is validated first.");
    const strategy = await pickStrategy(ask);
    const file = await pickDataset(ask, opts.dataDir);
    const duration = await ask.number("Duration in minutes", {
      default: 30,
      min: 1,
      max: 1440,
      integer: true,
    });
    const maxTrades = await ask.number("Maximum trades", { default: 5, min: 1, max: 1000, integer: true });
    const chs = await ask.number("CHS threshold of the circuit breaker", {
      default: 0.55,
      min: 0.01,
      max: 1,
    });
    const ok = await ask.typed(
      `Trade ${strategy} on ${file.symbol} ${
        file.timeframe ?? ""
      } on the DEMO account at ${b.host}:${b.port}?`,
      "DEMO",
    );
    if (!ok) {
      ask.say("  Not confirmed: nothing was sent.");
      return;
    }
    const args = [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      `--allow-net=${b.host}:${b.port}`,
      task,
      "--mode",
      "demo",
      "--symbol",
      file.symbol,
      "--timeframe",
      file.timeframe ?? "H1",
      "--strategy",
      strategy,
      "--duration",
      String(duration),
      "--max-trades",
      String(maxTrades),
      "--chs-threshold",
      String(chs),
      "--bridge",
      `${b.host}:${b.port}`,
      "--yes",
      "--json",
    ];
    const out = await ctx.operation("Demo account testing", (op) => op.runChild(Deno.execPath(), args));
    if (out.code !== 0) {
      ask.say(`  The demo run stopped with exit code ${out.code} (see the messages above).`);
      return;
    }
    const summary = parseJsonSummary(out.tail);
    if (summary) printLiveSummary(ctx, summary);
    ask.say("  Next: review the journal; live mode needs the explicit opt-ins in the guide (option 4).");
  },
};

/** The connection test, in the live testing screen. */
export const liveTestConnection: MenuAction = testConnectionAction;

/** Show the live testing guide (docs/LIVE_TESTING_GUIDE.md) section by section. */
export const liveGuide: MenuAction = {
  kind: "action",
  title: "Live Testing Guide",
  description: "the three modes, the progression virtual, demo, live, the safety layers",
  async run({ ask }: ActionContext): Promise<void> {
    const text = await readDoc("LIVE_TESTING_GUIDE.md");
    if (text === null) {
      ask.say(
        "  The live testing guide is not available in this build (docs/LIVE_TESTING_GUIDE.md is missing).",
      );
      return;
    }
    const sections = markdownSections(text);
    if (sections.length === 0) {
      for (const line of text.split("\n")) ask.say(`  ${line}`);
      return;
    }
    while (true) {
      const i = await ask.choose("Section to read", sections.map((s) => s.heading), 0);
      ask.say("");
      ask.say(`  ## ${sections[i].heading}`);
      for (const line of sections[i].body.trimEnd().split("\n")) ask.say(`  ${line}`);
      ask.say(`  (full guide: docs/LIVE_TESTING_GUIDE.md)`);
      if (!(await ask.confirm("Read another section?", false))) return;
    }
  },
};
