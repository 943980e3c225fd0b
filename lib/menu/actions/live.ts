/**
 * Live testing: virtual trading (a replay of real bars through the strategy, the MT5 order
 * validator and the paper broker), demo account testing through the bridge (with the explicit
 * typed confirmation), the connection test and the live testing guide. Runs go through the live
 * room's `runLive` (the code `deno task live` runs); Ctrl-C is its kill switch, so a cancelled run
 * halts cleanly with its journal complete.
 *
 * @module
 */
import { join } from "node:path";
import { bridgeSettings, envGet, readConfig } from "../config.ts";
import { pickDataset } from "../datasets.ts";
import { MenuBack } from "../control.ts";
import { markdownSections, readDoc, renderMarkdown } from "../docs_view.ts";
import type { OperationHandle } from "../operation.ts";
import type { ActionContext, MenuAction } from "../types.ts";
import { testConnectionAction } from "./connection.ts";
import { pickStrategy } from "./strategies.ts";
import { DEFAULT_CHS_THRESHOLD } from "../../util/defaults.ts";
import { withDateOrder } from "../date_order.ts";

/** The part of lib/live the menu calls. */
type LiveApi = Pick<typeof import("../../live/mod.ts"), "runLive">;
type LiveOptions = import("../../live/mod.ts").LiveOptions;
type LiveSummary = import("../../live/mod.ts").LiveSummary;

function loadLive(): Promise<LiveApi> {
  return import("../../live/mod.ts");
}

const fmt = (v: unknown): string =>
  typeof v === "number"
    ? (Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : "n/a")
    : String(
      v ?? "n/a",
    );

/** Print the important fields of a live run summary. */
export function printLiveSummary(say: (s: string) => void, s: LiveSummary): void {
  const st = s.stats as unknown as Record<string, unknown>;
  say("  Summary:");
  say(
    `    ${s.mode} run ${s.run_id}: ${s.symbol} ${s.timeframe}, strategy ${s.strategy}, ${s.bars_processed} bars`,
  );
  say(
    `    status ${s.status}${
      s.halt_reason ? ` (${s.halt_reason}${s.halt_message ? `: ${s.halt_message}` : ""})` : ""
    }`,
  );
  say(
    `    trades ${s.trades.length} closed, ${s.open_trades.length} open; return ${
      fmt(st.return_pct)
    } %, max drawdown ${fmt(st.max_drawdown_pct)} %`,
  );
  say(`    CHS last ${fmt(s.chs.last)}, minimum ${fmt(s.chs.min)}; breaker events ${s.breaker_events}`);
  say(`    validator rejections ${s.validator_rejections}, duplicate orders ${s.duplicate_orders}`);
  if (s.account) {
    say(`    account ${s.account.login}@${s.account.server} (trade mode ${s.account.trade_mode})`);
  }
  say(
    s.readiness.next_stage
      ? `    readiness for ${s.readiness.next_stage}: ${s.readiness.ready ? "READY" : "not yet"}`
      : `    targets of the live stage (the last one): ${s.readiness.ready ? "all met" : "not all met"}`,
  );
  for (const c of s.readiness.checks) {
    say(`      ${c.pass ? "ok  " : "no  "} ${c.name.padEnd(26)} ${fmt(c.value)} (target ${c.target})`);
  }
  say(`    journal ${s.journal}`);
  say(`    summary ${s.summary_path}`);
}

/** Run the live runner in this process, its kill switch tied to Ctrl-C. */
async function runLiveOp(ctx: ActionContext, label: string, opts: LiveOptions): Promise<LiveSummary> {
  const live = await loadLive();
  return await ctx.operation(label, (op: OperationHandle) =>
    live.runLive(opts, {
      print: (line) => op.log(`  | ${line}`),
      confirm: () => Promise.resolve(null),
      env: envGet,
      signal: op.signal,
    }), { cooperative: true });
}

/** Virtual trading: replay a real file through the live runner with the paper broker. */
export const virtualTrading: MenuAction = {
  kind: "action",
  title: "Virtual Trading",
  description: "replay real bars through the strategy, the MT5 validator and the paper broker",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    await loadLive();
    const strategy = await pickStrategy(ask);
    const file = await pickDataset(ask, opts.dataDir);
    const maxTrades = await ask.number("Maximum trades", { default: 50, min: 1, max: 100000, integer: true });
    // 0 is a value here (the breaker off, e.g. for a parity check), not "back".
    const chs = await ask.number("CHS threshold of the circuit breaker (0 = off)", {
      default: DEFAULT_CHS_THRESHOLD,
      min: 0,
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
    const summary = await withDateOrder(ctx, (dateOrder) =>
      runLiveOp(ctx, "Virtual trading", {
        mode: "virtual",
        strategy,
        symbol: file.symbol,
        timeframe: file.timeframe ?? undefined,
        data: file.path,
        dateOrder,
        maxTrades,
        chsThreshold: chs,
        speed,
        logsDir: join(opts.logsDir, "live"),
        configPath: opts.configPath,
      }));
    printLiveSummary(ask.say.bind(ask), summary);
    ask.say(
      summary.readiness.ready
        ? "  Next: the run meets the targets: try Demo Account Testing (option 2)."
        : "  Next: improve the strategy or its parameters (Backtesting > Compare Strategies) before demo testing.",
    );
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
    const b = bridgeSettings(config, envGet);
    if (!b.configured || !b.hasSecret) {
      ask.say(
        `  Demo testing needs the bridge: it is ${
          b.configured ? "missing a usable shared secret" : "not configured"
        }.`,
      );
      ask.say("  Next: Main Menu > Login and Authentication > Configure MT5 Bridge, then Test Connection.");
      return;
    }
    await loadLive();
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
    // 0 is a value here (the breaker off, e.g. for a parity check), not "back".
    const chs = await ask.number("CHS threshold of the circuit breaker (0 = off)", {
      default: DEFAULT_CHS_THRESHOLD,
      min: 0,
      max: 1,
    });
    const waitS = await ask.number("Seconds to wait for the Expert Advisor to connect", {
      default: 60,
      min: 1,
      max: 3600,
      integer: true,
      sample: 2,
    });
    const ok = await ask.typed(
      `Trade ${strategy} on ${file.symbol} ${
        file.timeframe ?? ""
      } on the DEMO account behind ${b.host}:${b.port}?`,
      "DEMO",
    );
    if (!ok) {
      ask.say("  Not confirmed: nothing was sent.");
      return;
    }
    ask.say(
      `  Waiting for the Expert Advisor on ${b.host}:${b.port} (or run deno task mt5:sim in another terminal).`,
    );
    const summary = await runLiveOp(ctx, "Demo account testing", {
      mode: "demo",
      strategy,
      symbol: file.symbol,
      timeframe: file.timeframe ?? undefined,
      durationMin: duration,
      maxTrades,
      chsThreshold: chs,
      bridge: `${b.host}:${b.port}`,
      connectTimeoutMs: waitS * 1000,
      yes: true, // the typed confirmation above is the explicit one
      logsDir: join(opts.logsDir, "live"),
      configPath: opts.configPath,
    });
    printLiveSummary(ask.say.bind(ask), summary);
    ask.say(
      "  Next: review the journal; live mode needs the explicit opt-ins described in the guide (option 4).",
    );
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
      // The guide numbers its sections itself ("1. The three modes"): the list shows them once.
      const titles = sections.map((s) => s.heading.replace(/^\d+\.\s+/, ""));
      const i = await ask.choose("Section to read", titles, 0);
      ask.say("");
      ask.say(`  ${titles[i]}`);
      ask.say(`  ${"=".repeat(titles[i].length)}`);
      for (const line of renderMarkdown(sections[i].body, 96)) ask.say(`  ${line}`);
      ask.say(`  (full guide: docs/LIVE_TESTING_GUIDE.md)`);
      // "No" returns to the menu at once (no second "Press Enter").
      if (!(await ask.confirm("Read another section?", false))) throw new MenuBack("done");
    }
  },
};
