/**
 * The demo's portfolio step: every symbol of the source (one timeframe) on one account, sma_cross
 * broadcast with 0.1-lot orders, profits converted at the rates of the time where the folder holds
 * the pairs; one HTML report. Kept in its own file so tasks/demo.ts only lists it.
 */
import { join } from "node:path";
import { scanCatalog } from "../lib/data/catalog.ts";
import { loadBasket } from "../lib/portfolio/load.ts";
import { runPortfolio } from "../lib/portfolio/engine.ts";
import { portfolioJson, portfolioStats } from "../lib/portfolio/stats.ts";
import { portfolioReportHtml } from "../lib/plot/portfolio.ts";
import { getStrategy } from "../lib/strategies/registry.ts";
import { writeTextAtomic } from "../lib/util/fs.ts";

/** The step's context (the part of DemoContext it uses). */
export interface PortfolioStepContext {
  source: string;
  out: string;
  summary: Record<string, unknown>;
  say(line: string): void;
}

/** Run the step; false when it could not run. */
export async function portfolioDemoStep(ctx: PortfolioStepContext): Promise<boolean> {
  const cat = await scanCatalog(ctx.source);
  // The timeframe most symbols have.
  const count = new Map<string, number>();
  for (const tfs of Object.values(cat.pairs)) for (const tf of tfs) count.set(tf, (count.get(tf) ?? 0) + 1);
  const tf = [...count.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!tf) {
    ctx.say(`no exports with a timeframe in ${ctx.source}`);
    return false;
  }
  const symbols = cat.symbols.filter((s) => cat.pairs[s]?.includes(tf));
  const basket = await loadBasket({ source: ctx.source, symbols, timeframe: tf });
  const strategy = getStrategy("sma_cross");
  const run = runPortfolio({ symbols: basket, strategy, config: { sizing: { mode: "lots", lots: 0.1 } } });
  const ps = portfolioStats(run, basket.map((s) => s.bars));
  const doc = portfolioJson(run, ps);
  const report = join(ctx.out, "reports", `portfolio_${tf}_sma_cross.html`);
  await writeTextAtomic(
    report,
    portfolioReportHtml({
      title: `sma_cross on ${basket.length} symbols, one account`,
      subtitle: `mt5 profile · 0.1 lot per order · ${tf} · ${ctx.source}`,
      time: run.time,
      equity: run.equity,
      drawdownPct: ps.drawdownPct,
      stats: doc.stats as Record<string, number | string | null>,
      contributions: run.symbols.map((s) => ({ symbol: s.symbol, values: s.contributionSeries })),
      correlation: doc.correlation as { symbols: string[]; matrix: (number | null)[][] },
      exposureByClass: run.exposureByClass,
      symbolRows: ps.symbols.map((s, k) => ({
        symbol: s.symbol,
        asset_class: s.asset_class,
        trades: s.trades,
        net_profit: s.net_profit,
        exposure_pct: s.exposure_pct,
        conversion: run.symbols[k].conversion?.source ?? "static",
      })),
    }),
  );
  const n = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");
  ctx.say(
    `  ${basket.length} symbols at ${tf} on one account: ${ps.stats.trades} trades, return ${
      n(ps.stats.return_pct)
    } %, max drawdown ${n(ps.stats.max_drawdown_pct)} %`,
  );
  for (const s of ps.symbols) ctx.say(`    ${s.symbol.padEnd(10)} ${n(s.net_profit).padStart(10)}`);
  ctx.say(`  report: ${report}`);
  ctx.summary.portfolio = {
    timeframe: tf,
    symbols: basket.map((s) => s.symbol),
    trades: ps.stats.trades,
    return_pct: doc.stats && (doc.stats as Record<string, unknown>).return_pct,
    net_profit: Object.fromEntries(ps.symbols.map((s) => [s.symbol, s.net_profit])),
    conversion: doc.conversion,
    report,
  };
  return ps.stats.trades > 0;
}
