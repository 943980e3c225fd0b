/**
 * Backtesting › Portfolio: several symbols of the catalog on one account (lib/portfolio, the same
 * run as `deno task portfolio`): pick a timeframe, the symbols that have it, a strategy (a
 * single-symbol one broadcast to every symbol, or a portfolio strategy) and the sizing; the menu
 * shows the account's statistics, each symbol's contribution and conversion, and writes the JSON
 * document and the HTML report under the logs folder.
 *
 * @module
 */
import { join } from "node:path";
import { TIMEFRAME_MINUTES } from "../../data/types.ts";
import { KinetraError } from "../../errors.ts";
import { utcStamp, writeJsonAtomic, writeTextAtomic } from "../../util/fs.ts";
import { listDatasets, requireData } from "../datasets.ts";
import { yieldToEvents } from "../operation.ts";
import type { ActionContext, MenuAction } from "../types.ts";
import { loadRegistry, shorten } from "./strategies.ts";
import { withDateOrder } from "../date_order.ts";

const num = (v: unknown, digits = 2): string =>
  typeof v === "number" && Number.isFinite(v)
    ? v.toFixed(digits)
    : v === null || v === undefined
    ? "n/a"
    : String(v);

/** The account figures shown after a run, in order (backtest statistic names). */
export const PORTFOLIO_KEY_STATS: readonly [string, string, number][] = [
  ["trades", "trades", 0],
  ["equity_final", "final equity", 2],
  ["return_pct", "return %", 2],
  ["buy_hold_return_pct", "buy & hold % (basket)", 2],
  ["max_drawdown_pct", "max drawdown %", 2],
  ["sharpe", "Sharpe", 2],
  ["win_rate_pct", "win rate %", 2],
  ["profit_factor", "profit factor", 2],
  ["exposure_pct", "exposure %", 2],
  ["rejected_orders", "rejected orders", 0],
];

/** Parse "A,B,C" against the symbols offered: the chosen ones in the catalog's order, or an error. */
export function parseSymbolList(text: string, offered: readonly string[]): string[] {
  const want = text.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
  if (!want.length || (want.length === 1 && want[0].toLowerCase() === "all")) return [...offered];
  const byUpper = new Map(offered.map((s) => [s.toUpperCase(), s]));
  const unknown = want.filter((s) => !byUpper.has(s.toUpperCase()));
  if (unknown.length) {
    throw new KinetraError(
      "bad_input",
      `not in the catalog at this timeframe: ${unknown.join(", ")} (offered: ${offered.join(", ")})`,
    );
  }
  const chosen = new Set(want.map((s) => byUpper.get(s.toUpperCase())!));
  return offered.filter((s) => chosen.has(s));
}

/** Backtesting › Portfolio. */
export const portfolioBacktest: MenuAction = {
  kind: "action",
  title: "Portfolio (several symbols, one account)",
  description: "symbols of the catalog on one account: account stats, per-symbol contribution, HTML report",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const files = await listDatasets(opts.dataDir);
    requireData(files, opts.dataDir);
    // Timeframes by duration, each with the symbols that have it.
    const minutes = (tf: string) => TIMEFRAME_MINUTES[tf] ?? Number.MAX_SAFE_INTEGER;
    const byTf = new Map<string, string[]>();
    for (const f of files) {
      if (!f.timeframe) continue;
      const list = byTf.get(f.timeframe) ?? [];
      if (!list.includes(f.symbol)) list.push(f.symbol);
      byTf.set(f.timeframe, list);
    }
    const tfs = [...byTf.keys()].sort((a, b) => minutes(a) - minutes(b));
    if (!tfs.length) {
      ask.say(
        `  No file in ${opts.dataDir} declares its timeframe in its name (SYMBOL_TF_...); nothing to combine.`,
      );
      return;
    }
    // Default: the timeframe most symbols share.
    const most = tfs.reduce((b, tf) => (byTf.get(tf)!.length > byTf.get(b)!.length ? tf : b), tfs[0]);
    const tf = tfs[
      await ask.choose(
        "Timeframe",
        tfs.map((t) => `${t.padEnd(5)} ${byTf.get(t)!.length} symbols`),
        tfs.indexOf(most),
      )
    ];
    const offered = byTf.get(tf)!.slice().sort();
    ask.say(`  Symbols at ${tf}: ${offered.join(", ")}`);
    const check = (v: string): string | null => {
      try {
        parseSymbolList(v, offered);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    };
    const symbols = parseSymbolList(
      await ask.text("Symbols (comma-separated, or all)", { default: "all", validate: check, sample: "all" }),
      offered,
    );
    ask.say(`  Basket: ${symbols.join(", ")}`);
    // Strategies: every registered single-symbol one (broadcast) and the portfolio ones.
    const { PORTFOLIO_STRATEGIES } = await import("../../portfolio/momentum.ts");
    const singles = (await loadRegistry()).listStrategies();
    const names = [...singles.map((s) => s.name), ...Object.keys(PORTFOLIO_STRATEGIES)];
    const labels = [
      ...singles.map((s) =>
        `${s.name.padEnd(18)} on each symbol: ${shorten(s.description.split("\n")[0], 50)}`
      ),
      ...Object.values(PORTFOLIO_STRATEGIES).map((p) =>
        `${p.name.padEnd(18)} portfolio: ${shorten(p.description.split("\n")[0], 50)}`
      ),
    ];
    const si = await ask.choose("Strategy", labels, 0);
    const name = names[si];
    const sizingChoice = await ask.choose(
      "Sizing",
      ["risk 1 % of equity per trade (the mt5 default)", "fixed lots per order"],
      0,
    );
    const lots = sizingChoice === 1
      ? await ask.number("Lots per order", { min: 0.01, default: 0.1 })
      : undefined;
    const cash = await ask.number("Starting cash (USD)", { min: 1, default: 10_000 });

    const done = await withDateOrder(ctx, (dateOrder) =>
      ctx.operation(
        `Portfolio: ${name} on ${symbols.length} symbols at ${tf}`,
        async (op) => {
          const P = await import("../../portfolio/mod.ts");
          const strategy = PORTFOLIO_STRATEGIES[name] ?? (await loadRegistry()).getStrategy(name);
          op.progress(0, 3, "reading");
          const basket = await P.loadBasket({
            source: opts.dataDir,
            symbols,
            timeframe: tf,
            features: strategy.features,
            dateOrder,
          });
          await yieldToEvents();
          op.checkCancelled();
          op.progress(1, 3, "simulating");
          const run = P.runPortfolio({
            symbols: basket,
            strategy,
            config: { cash, sizing: lots !== undefined ? { mode: "lots", lots } : undefined },
          });
          await yieldToEvents();
          op.checkCancelled();
          op.progress(2, 3, "statistics");
          const ps = P.portfolioStats(run, basket.map((s) => s.bars));
          const doc = P.portfolioJson(run, ps);
          op.progress(3, 3);
          return { basket, run, ps, doc, strategy };
        },
      ));
    const { basket, run, ps, doc, strategy } = done;
    const st = doc.stats as Record<string, unknown>;
    ask.say(
      `  ${strategy.name} on ${basket.length} symbols at ${tf}, one account (${run.time.length} times, ${
        String(st.start ?? "").slice(0, 10)
      } .. ${String(st.end ?? "").slice(0, 10)}):`,
    );
    for (const [k, label, d] of PORTFOLIO_KEY_STATS) {
      if (k in st) ask.say(`    ${label.padEnd(24)} ${num(st[k], d)}`);
    }
    ask.say("  Per symbol (contribution = net profit of closed trades + open P&L at the end):");
    ask.say(
      `    ${"symbol".padEnd(12)} ${"class".padEnd(10)} ${"trades".padStart(6)} ${
        "net profit".padStart(12)
      } ${"contribution".padStart(12)} ${"exposure %".padStart(10)}  conversion`,
    );
    ps.symbols.forEach((s, k) => {
      const conv = run.symbols[k].conversion;
      ask.say(
        `    ${s.symbol.padEnd(12)} ${s.asset_class.padEnd(10)} ${String(s.trades).padStart(6)} ${
          num(s.net_profit).padStart(12)
        } ${num(s.contribution).padStart(12)} ${num(s.exposure_pct).padStart(10)}  ${
          !conv || conv.source === "none"
            ? `none (profit in ${conv?.profit_currency ?? "USD"})`
            : `${conv.source}${conv.via.length ? ` via ${conv.via.join(", ")}` : ""}`
        }`,
      );
    });
    const base = join(
      opts.logsDir,
      "menu",
      `portfolio_${utcStamp()}_${strategy.name}_${basket.length}sym_${tf}`,
    );
    await writeJsonAtomic(`${base}.json`, {
      strategy: strategy.name,
      timeframe: tf,
      source: opts.dataDir,
      symbols: basket.map((s) => s.symbol),
      sizing: lots !== undefined ? { lots } : { risk_pct: 1 },
      ...doc,
    });
    ask.say(`  Results: ${base}.json`);
    try {
      const { portfolioReportHtml } = await import("../../plot/portfolio.ts");
      const { portfolioReportInput } = await import("../../portfolio/stats.ts");
      const html = portfolioReportHtml(portfolioReportInput(run, ps, doc, {
        title: `${strategy.name} on ${basket.length} symbols (${tf})`,
        subtitle: `${basket.map((s) => s.symbol).join(", ")} · ${
          Object.entries(run.params).map(([k, v]) => `${k}=${v}`).join(" ")
        }`,
      }));
      await writeTextAtomic(`${base}.html`, html);
      ask.say(`  Report:  ${base}.html`);
    } catch (e) {
      ask.say(`  No HTML report: ${(e as Error).message}`);
    }
    ask.say(
      `  Same run on the command line: deno task portfolio --source ${opts.dataDir} --symbols ${
        basket.map((s) => s.symbol).join(",")
      } --timeframe ${tf} --strategy ${strategy.name}${lots !== undefined ? ` --lots ${lots}` : ""}${
        cash !== 10_000 ? ` --cash ${cash}` : ""
      }`,
    );
  },
};
