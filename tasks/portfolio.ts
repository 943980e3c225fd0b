/**
 * `deno task portfolio (--data FILE --data FILE ... | --source DIR --symbols A,B,C --timeframe TF)
 *   --strategy NAME [--param k=v] [--cash N] [--conversion data|static] [--lots N | --risk PCT]
 *   [--max-positions N] [--max-exposure PCT] [--max-class-exposure PCT] [--start ISO] [--end ISO] [--allow-critical]
 *   [--profile mt5|compat] [--leverage N] [--hedging] [--symbol-config FILE.json] [--json] [--report FILE.html]
 *   [--date-order dmy|mdy]`
 *
 * `--symbol-config` holds per-symbol settings: `{ "SYM": { "spread": points, "commission": per lot,
 * "hedging": bool, "swap": bool, "slippage": points } }`.
 *
 * One account over several symbols (docs/PORTFOLIO.md). `--json` prints `{ stats (the backtest fields and the
 * account's: balance, margin used, lowest margin level, stop-outs), symbols,
 * trades, conversion, correlation, exposure_by_class, exposure_by_class_series }`. `--data` and `--source`
 * are exclusive; `--symbols` and `--timeframe` need `--source`.
 */
import { KinetraError } from "../lib/errors.ts";
import { dateOrderArg, parseTaskArgs } from "../lib/data/cli_args.ts";
import type { BacktestConfig } from "../lib/backtest/config.ts";
import { getStrategy, listStrategies } from "../lib/strategies/registry.ts";
import type { Strategy } from "../lib/strategies/contract.ts";
import type { PortfolioStrategy } from "../lib/portfolio/contract.ts";
import { loadBasket } from "../lib/portfolio/load.ts";
import { type PortfolioLimits, runPortfolio, type SymbolOverrides } from "../lib/portfolio/engine.ts";
import { PORTFOLIO_STRATEGIES } from "../lib/portfolio/momentum.ts";
import { portfolioJson, portfolioReportInput, portfolioStats } from "../lib/portfolio/stats.ts";
import { numberOption, paramOptions, runTask } from "../lib/util/cli.ts";
import { writeTextAtomic } from "../lib/util/fs.ts";

const USAGE =
  `usage: deno task portfolio (--data FILE --data FILE ... | --source DIR --symbols A,B,C --timeframe TF)
  --strategy NAME [--param k=v ...] [--cash N] [--conversion data|static] [--lots N | --risk PCT]
  [--max-positions N] [--max-exposure PCT] [--max-class-exposure PCT] [--start ISO] [--end ISO] [--allow-critical]
  [--profile mt5|compat] [--leverage N] [--hedging] [--symbol-config FILE.json] [--json] [--report FILE.html]
  [--date-order dmy|mdy]`;

const OPTIONS = {
  data: { type: "string", multiple: true },
  source: { type: "string" },
  symbols: { type: "string" },
  timeframe: { type: "string" },
  strategy: { type: "string" },
  param: { type: "string", multiple: true },
  cash: { type: "string" },
  conversion: { type: "string" },
  lots: { type: "string" },
  risk: { type: "string" },
  "max-positions": { type: "string" },
  "max-exposure": { type: "string" },
  "max-class-exposure": { type: "string" },
  start: { type: "string" },
  "allow-critical": { type: "boolean", default: false },
  "date-order": { type: "string" },
  end: { type: "string" },
  profile: { type: "string" },
  leverage: { type: "string" },
  hedging: { type: "boolean" },
  "symbol-config": { type: "string" },
  json: { type: "boolean" },
  report: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function time(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = /[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}${v.includes("T") ? "" : "T00:00"}Z`;
  const t = Date.parse(s);
  if (!Number.isFinite(t)) throw new KinetraError("bad_argument", `--${name} needs an ISO date, got "${v}"`);
  return t;
}

/** A portfolio strategy by name, else a single-symbol one (broadcast). */
function strategyByName(name: string): Strategy | PortfolioStrategy {
  const p = PORTFOLIO_STRATEGIES[name] ?? PORTFOLIO_STRATEGIES[name.toLowerCase().replace(/-/g, "_")];
  if (p) return p;
  try {
    return getStrategy(name);
  } catch {
    throw new KinetraError(
      "unknown_strategy",
      `unknown strategy "${name}"; known: ${
        [...listStrategies().map((s) => s.name), ...Object.keys(PORTFOLIO_STRATEGIES)].join(", ")
      }`,
    );
  }
}

/** `--symbol-config FILE.json`: per-symbol spread, commission, hedging, swap and slippage. */
async function readSymbolConfig(path: string): Promise<Record<string, SymbolOverrides>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new KinetraError("bad_argument", `--symbol-config ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new KinetraError("bad_argument", `--symbol-config ${path} must hold an object keyed by symbol`);
  }
  const out: Record<string, SymbolOverrides> = {};
  for (const [sym, v] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v ?? {})) {
      const bad = () => {
        throw new KinetraError(
          "bad_argument",
          `--symbol-config ${path}: ${sym}.${k} has a bad value ${JSON.stringify(x)}`,
        );
      };
      if (k === "spread" || k === "commission" || k === "slippage") {
        if (typeof x !== "number" || !(x >= 0)) bad();
        o[k === "slippage" ? "slippagePoints" : k] = x;
      } else if (k === "hedging" || k === "swap") {
        if (typeof x !== "boolean") bad();
        o[k] = x;
      } else {
        throw new KinetraError(
          "bad_argument",
          `--symbol-config ${path}: unknown setting ${sym}.${k} (spread, commission, hedging, swap, slippage)`,
        );
      }
    }
    out[sym] = o as SymbolOverrides;
  }
  return out;
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return "-";
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1000 ? v.toFixed(2) : v.toPrecision(6);
}

async function main(): Promise<number> {
  const { values } = parseTaskArgs(Deno.args, OPTIONS, USAGE);
  if (values.help) {
    console.log(
      `${USAGE}\n\nstrategies: ${
        [...listStrategies().map((s) => s.name), ...Object.keys(PORTFOLIO_STRATEGIES)].join(", ")
      }`,
    );
    return 0;
  }
  if (!values.strategy) throw new KinetraError("bad_argument", `--strategy NAME is required\n${USAGE}`);
  if (!values.data?.length && !values.source) {
    throw new KinetraError("bad_argument", `give --data FILE (repeatable) or --source DIR\n${USAGE}`);
  }
  if (values.data?.length && values.source) {
    throw new KinetraError(
      "bad_argument",
      "give either --data FILE ... or --source DIR --symbols A,B,C --timeframe TF, not both",
    );
  }
  if (!values.source && (values.symbols !== undefined || values.timeframe !== undefined)) {
    throw new KinetraError(
      "bad_argument",
      `--symbols and --timeframe choose files in --source DIR; with --data FILE each file is one symbol (drop ${
        [values.symbols !== undefined && "--symbols", values.timeframe !== undefined && "--timeframe"]
          .filter(Boolean).join(" and ")
      } or give --source DIR)`,
    );
  }
  if (values.profile && values.profile !== "mt5" && values.profile !== "compat") {
    throw new KinetraError("bad_argument", `--profile must be mt5 or compat, got "${values.profile}"`);
  }
  if (values.conversion && values.conversion !== "data" && values.conversion !== "static") {
    throw new KinetraError("bad_argument", `--conversion must be data or static, got "${values.conversion}"`);
  }
  if (values.lots !== undefined && values.risk !== undefined) {
    throw new KinetraError("bad_argument", "give --lots N or --risk PCT, not both");
  }
  if (values.report && !/\.html?$/i.test(values.report)) {
    throw new KinetraError("bad_argument", `--report needs a .html file name, got "${values.report}"`);
  }
  const dateOrder = dateOrderArg(values["date-order"], USAGE);
  const strategy = strategyByName(values.strategy);
  const params = paramOptions(values.param ?? []);
  const profile = (values.profile ?? "mt5") as "mt5" | "compat";
  const lots = numberOption("lots", values.lots, { positive: true }),
    risk = numberOption("risk", values.risk, { positive: true });
  const maxPositions = numberOption("max-positions", values["max-positions"], { positive: true });
  if (maxPositions !== undefined && !Number.isInteger(maxPositions)) {
    throw new KinetraError("bad_argument", `--max-positions needs a whole number, got ${maxPositions}`);
  }
  const symbols = await loadBasket({
    files: values.data,
    allowCritical: values["allow-critical"] as boolean,
    dateOrder,
    source: values.source,
    symbols: values.symbols?.split(",").map((s) => s.trim()).filter(Boolean),
    timeframe: values.timeframe,
    start: time("start", values.start),
    end: time("end", values.end),
    conversion: values.conversion as "data" | "static" | undefined,
    profile,
    features: strategy.features,
  });
  const config: Partial<BacktestConfig> = {
    profile,
    cash: numberOption("cash", values.cash, { positive: true }),
    leverage: numberOption("leverage", values.leverage, { positive: true }),
    hedging: values.hedging ?? undefined,
    sizing: lots !== undefined
      ? { mode: "lots", lots }
      : risk !== undefined
      ? { mode: "risk", riskPct: risk }
      : undefined,
  };
  const limits: PortfolioLimits = {
    maxPositions,
    maxExposurePct: numberOption("max-exposure", values["max-exposure"], { positive: true }),
    maxClassExposurePct: numberOption("max-class-exposure", values["max-class-exposure"], { positive: true }),
  };
  if (values["symbol-config"]) {
    const per = await readSymbolConfig(values["symbol-config"]);
    for (const s of symbols) if (per[s.symbol]) s.overrides = per[s.symbol];
    const unknown = Object.keys(per).filter((k) => !symbols.some((s) => s.symbol === k));
    if (unknown.length) {
      throw new KinetraError(
        "bad_argument",
        `--symbol-config names symbols not in the basket: ${unknown.join(", ")}`,
      );
    }
  }
  const run = runPortfolio({ symbols, strategy, params, config, limits });
  const ps = portfolioStats(run, symbols.map((s) => s.bars));
  const doc = portfolioJson(run, ps);

  let reportNote = "";
  if (values.report) {
    const { portfolioReportHtml } = await import("../lib/plot/portfolio.ts");
    const html = portfolioReportHtml(portfolioReportInput(run, ps, doc, {
      title: `${strategy.name} on ${symbols.length} symbols`,
      subtitle: `${profile} profile · ${symbols.map((s) => s.symbol).join(", ")} · ${
        Object.entries(run.params).map(([k, v]) => `${k}=${v}`).join(" ")
      }`,
    }));
    await writeTextAtomic(values.report, html);
    reportNote = `report written: ${values.report}`;
  }
  if (values.json) {
    console.log(JSON.stringify(doc));
    if (reportNote) console.error(reportNote);
    return 0;
  }
  const s = doc.stats as Record<string, unknown>;
  console.log(
    `${strategy.name} on ${symbols.length} symbols, one account, ${profile} profile, ${run.time.length} times`,
  );
  for (
    const k of [
      "start",
      "end",
      "trades",
      "open_trades",
      "equity_final",
      "return_pct",
      "max_drawdown_pct",
      "sharpe",
      "win_rate_pct",
      "profit_factor",
      "exposure_pct",
      "rejected_orders",
      "balance_final",
      "margin_used_max",
      "margin_used_mean",
      "margin_level_min_pct",
      "stop_outs",
      "stop_out_closes",
    ]
  ) console.log(`  ${k.padEnd(22)} ${fmt(s[k])}`);
  console.log("  symbol        class      trades   net_profit  exposure%  conversion");
  ps.symbols.forEach((x, k) => {
    const c = run.symbols[k].conversion;
    console.log(
      `  ${x.symbol.padEnd(13)} ${x.asset_class.padEnd(9)} ${String(x.trades).padStart(7)} ${
        x.net_profit.toFixed(2).padStart(12)
      } ${x.exposure_pct.toFixed(1).padStart(9)}  ${c ? c.note : "static (compat)"}`,
    );
  });
  if (reportNote) console.log(reportNote);
  return 0;
}

if (import.meta.main) runTask(main);
