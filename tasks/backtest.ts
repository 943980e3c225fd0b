/**
 * `deno task backtest --data FILE --strategy NAME [--param k=v ...] [--profile mt5|compat]
 *   [--cash N] [--commission X] [--spread X] [--margin X | --leverage N] [--slippage POINTS]
 *   [--trade-on-close] [--finalize] [--hedging] [--no-swap] [--symbol NAME] [--symbols FILE.json]
 *   [--strict] [--lots N] [--conversion data|static] [--start ISO] [--end ISO] [--json] [--report FILE.html] [--allow-critical]`
 *
 * Backtest one strategy on one bar file. The profile defaults to mt5 for MT5 exports (and splits
 * prepared from them) and to compat for other OHLCV files. A file whose name and bar spacing
 * disagree on the timeframe is used as the detected one with a warning (`--strict` refuses it).
 * Any other CRITICAL finding refuses the file (exit 2, naming it) unless `--allow-critical`; HIGH
 * findings and quarantined rows are warned about on stderr.
 * `--json` prints `{ "profile", "symbol", "timeframe", ..., "warnings", "stats", "trades" }`.
 * See docs/BACKTESTING.md.
 */
import { parseArgs } from "node:util";
import { runBacktest } from "../lib/backtest/run.ts";
import { type BacktestConfig, defaultProfileFor } from "../lib/backtest/config.ts";
import { symbolSpec } from "../lib/market/instrument.ts";
import {
  dateOrderArg,
  findingWarnings,
  readBarsChecked,
  resolveTimeframe,
  toArrays,
} from "../lib/data/mod.ts";
import { KinetraError } from "../lib/errors.ts";
import { getStrategy, listStrategies } from "../lib/strategies/registry.ts";
import { numberOption, paramOptions, runTask } from "../lib/util/cli.ts";
import { conversionForFile } from "../lib/portfolio/conversion.ts";
import { sliceBars, timeRange } from "../lib/research/data.ts";
import { writeTextAtomic } from "../lib/util/fs.ts";
import { parseModel } from "../lib/backtest/intrabar.ts";
import { loadIntrabarPath, modelChanges } from "../lib/backtest/model_data.ts";

const USAGE = `usage: deno task backtest --data FILE --strategy NAME [--param k=v ...] [--profile mt5|compat]
  [--cash N] [--commission X] [--spread X] [--margin X | --leverage N] [--slippage POINTS]
  [--trade-on-close] [--finalize] [--hedging] [--no-swap] [--symbol NAME] [--symbols FILE.json]
  [--strict] [--lots N] [--conversion data|static] [--start ISO] [--end ISO]
  [--model open|ohlc|lower|ticks] [--lower FILE] [--ticks FILE] [--json] [--report FILE.html] [--allow-critical]
  [--date-order dmy|mdy]`;

function fmt(v: number | string | null): string {
  if (v === null) return "-";
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1000 ? v.toFixed(2) : v.toPrecision(6);
}

function parse(): ReturnType<typeof parseOptions> {
  try {
    return parseOptions();
  } catch (e) {
    throw new KinetraError("bad_argument", `${(e as Error).message}\n${USAGE}`);
  }
}

function parseOptions() {
  return parseArgs({
    args: Deno.args,
    options: {
      data: { type: "string" },
      strategy: { type: "string" },
      param: { type: "string", multiple: true, default: [] },
      profile: { type: "string" },
      cash: { type: "string" },
      commission: { type: "string" },
      spread: { type: "string" },
      margin: { type: "string" },
      leverage: { type: "string" },
      slippage: { type: "string" },
      "trade-on-close": { type: "boolean", default: false },
      finalize: { type: "boolean", default: false },
      hedging: { type: "boolean", default: false },
      "no-swap": { type: "boolean", default: false },
      symbol: { type: "string" },
      symbols: { type: "string" },
      lots: { type: "string" },
      model: { type: "string" },
      lower: { type: "string" },
      ticks: { type: "string" },
      conversion: { type: "string" },
      start: { type: "string" },
      end: { type: "string" },
      json: { type: "boolean", default: false },
      strict: { type: "boolean", default: false },
      report: { type: "string" },
      "allow-critical": { type: "boolean", default: false },
      "date-order": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
}

async function main(): Promise<number> {
  const { values } = parse();
  if (values.help) {
    console.log(USAGE + "\n\nstrategies: " + listStrategies().map((s) => s.name).join(", "));
    return 0;
  }
  if (!values.data) throw new KinetraError("bad_argument", `--data FILE is required\n${USAGE}`);
  if (!values.strategy) {
    throw new KinetraError(
      "bad_argument",
      `--strategy NAME is required (known: ${listStrategies().map((s) => s.name).join(", ")})`,
    );
  }
  if (values.profile && values.profile !== "mt5" && values.profile !== "compat") {
    throw new KinetraError("bad_argument", `--profile must be mt5 or compat, got "${values.profile}"`);
  }
  if (values.report && !/\.html?$/i.test(values.report)) {
    throw new KinetraError("bad_argument", `--report needs a .html file name, got "${values.report}"`);
  }
  if (values.conversion && values.conversion !== "data" && values.conversion !== "static") {
    throw new KinetraError("bad_argument", `--conversion must be data or static, got "${values.conversion}"`);
  }
  const lots = numberOption("lots", values.lots);
  if (lots !== undefined && !(lots > 0)) {
    throw new KinetraError("bad_argument", `--lots needs a positive number of lots, got ${values.lots}`);
  }
  const strategy = getStrategy(values.strategy);
  const params = paramOptions(values.param as string[]);
  // The data gate: a file with CRITICAL findings is refused unless --allow-critical.
  const dateOrder = dateOrderArg(values["date-order"], USAGE);
  const { bars, findings } = await readBarsChecked(values.data, {
    allowCritical: values["allow-critical"],
    dateOrder,
  });
  for (const w of findingWarnings(values.data, findings)) console.error(w);
  let arrays = toArrays(bars);
  if (values.start || values.end) {
    // Bar time bounds, inclusive (the same meaning as in deno task optimize / walkforward).
    const [from, to] = timeRange(arrays, values.start, values.end);
    arrays = sliceBars(arrays, from, to);
  }
  const tf = resolveTimeframe(bars.meta.timeframe, bars.meta.timeframeDetected, values.data);
  const warnings: string[] = [];
  if (tf.warning) {
    if (values.strict) {
      throw new KinetraError(
        "timeframe_mismatch",
        `${values.data} is named ${tf.declared} but its bars are ${tf.detected} apart (--strict refuses it)`,
      );
    }
    warnings.push(tf.warning);
    console.error(`warning: ${tf.warning}`);
  }
  const meta = { ...bars.meta, timeframe: tf.timeframe };
  const profile = (values.profile ?? defaultProfileFor(bars.meta)) as "mt5" | "compat";
  const symbolName = values.symbol ?? bars.meta.symbol;
  const config: Partial<BacktestConfig> = {
    profile,
    cash: numberOption("cash", values.cash),
    commission: numberOption("commission", values.commission) ?? null,
    spread: numberOption("spread", values.spread) ?? null,
    margin: numberOption("margin", values.margin),
    leverage: numberOption("leverage", values.leverage),
    slippagePoints: numberOption("slippage", values.slippage),
    tradeOnClose: values["trade-on-close"],
    finalize: values.finalize,
    hedging: values.hedging,
    swap: values["no-swap"] ? false : undefined,
    symbol: symbolSpec(symbolName || "GENERIC", values.symbols),
    sizing: lots !== undefined ? { mode: "lots", lots } : undefined,
  };
  // mt5: profits converted at the rate of the moment from the pairs of the data folder (compat: none).
  const conversion = profile === "mt5"
    ? await conversionForFile({
      file: values.data,
      time: arrays.time,
      timeframe: bars.meta.timeframe ?? bars.meta.timeframeDetected,
      spec: config.symbol!,
      mode: (values.conversion ?? "data") as "data" | "static",
    })
    : null;
  // Modelling mode: the path inside each bar (ohlc = none).
  const model = parseModel(values.model);
  if ((values.lower && model !== "lower") || (values.ticks && model !== "ticks")) {
    throw new KinetraError("bad_argument", "--lower goes with --model lower, --ticks with --model ticks");
  }
  const intrabar = await loadIntrabarPath(model, arrays, {
    file: values.data,
    symbol: bars.meta.symbol,
    timeframe: tf.timeframe,
    point: config.symbol!.point,
    lower: values.lower,
    ticks: values.ticks,
    dateOrder,
  });
  const result = runBacktest({
    bars: arrays,
    meta,
    strategy,
    params,
    config,
    conversion,
    intrabar,
  });
  // Which bracket outcomes the finer model changed (against the same run under ohlc).
  const changes = intrabar
    ? modelChanges(
      runBacktest({ bars: arrays, meta, strategy, params, config, conversion }).trades,
      result.trades,
    )
    : null;
  if (intrabar && intrabar.fallback && !values.json) {
    console.error(
      `note: ${intrabar.fallback} of ${arrays.length} bars have no ${model} path and use ohlc (${
        intrabar.findings.map((f) => `${f.code}: ${f.count}`).join(", ")
      })`,
    );
  }

  let reportNote = "";
  if (values.report) {
    let plot: typeof import("../lib/plot/mod.ts") | null = null;
    try {
      plot = await import("../lib/plot/mod.ts");
    } catch (e) {
      reportNote = `report unavailable: lib/plot could not be loaded (${
        (e as Error).message.split("\n")[0]
      })`;
    }
    if (plot) {
      const html = plot.backtestReportHtml(plot.backtestReportInput({
        title: `${strategy.name} on ${symbolName} ${tf.timeframe ?? ""}`.trim(),
        subtitle: `${profile} profile · ${
          Object.entries(result.params).map(([k, v]) => `${k}=${v}`).join(" ")
        } · ${values.data}`,
        bars: arrays,
        result,
        strategy,
        modelChanges: changes ?? undefined,
      }));
      await writeTextAtomic(values.report, html);
      reportNote = `report written: ${values.report}`;
    }
  }

  if (values.json) {
    console.log(JSON.stringify({
      profile,
      symbol: symbolName,
      timeframe: tf.timeframe,
      timeframe_declared: tf.declared,
      timeframe_detected: tf.detected,
      source_format: bars.meta.sourceFormat ?? bars.meta.format,
      warnings,
      ...result.toJSON(),
      ...(changes ? { model_changes: changes } : {}),
    }));
    if (reportNote) console.error(reportNote);
    return 0;
  }
  const s = result.toJSON().stats;
  console.log(
    `${strategy.name} on ${symbolName} (${values.data}), ${profile} profile, ${
      Object.entries(result.params).map(([k, v]) => `${k}=${v}`).join(", ")
    }`,
  );
  const keys = [
    "start",
    "end",
    "bars",
    "trades",
    "open_trades",
    "equity_final",
    "equity_peak",
    "return_pct",
    "buy_hold_return_pct",
    "return_ann_pct",
    "volatility_ann_pct",
    "cagr_pct",
    "sharpe",
    "sortino",
    "calmar",
    "max_drawdown_pct",
    "avg_drawdown_pct",
    "max_drawdown_duration_days",
    "exposure_pct",
    "win_rate_pct",
    "best_trade_pct",
    "worst_trade_pct",
    "avg_trade_pct",
    "expectancy_pct",
    "profit_factor",
    "sqn",
    "kelly",
    "omega",
    "omega_trades",
    "z_factor",
    "mfe_captured_pct",
    "energy_captured_pct",
    "chs",
    "total_costs",
    "commissions",
    "spread_costs",
    "swap",
    "rejected_orders",
  ];
  for (const k of keys) console.log(`  ${k.padEnd(28)} ${fmt(s[k])}`);
  if (conversion) console.log(`  conversion: ${conversion.info.note}`);
  if (intrabar && changes) {
    console.log(
      `  model: ${model} (${
        intrabar.source ?? "bar opens"
      }): ${intrabar.resolved} bars resolved, ${intrabar.fallback} on ohlc; ${changes.length} trade(s) ended differently than under ohlc`,
    );
    for (const c of changes.slice(0, 10)) {
      const f = (o: typeof c.ohlc) => o ? `${o.exit_reason} at ${o.exit_price} (${o.exit_time})` : "no trade";
      console.log(`    ${c.side} ${c.entry_time}: ohlc ${f(c.ohlc)} → ${model} ${f(c.model)}`);
    }
  } else console.log("  model: ohlc (SL first when a bar touches both SL and TP)");
  if (result.rejections.length) {
    const r = result.rejections[0];
    console.log(`  first rejection: bar ${r.bar} ${r.time} ${r.reason} (${r.retcode}): ${r.message}`);
  }
  if (reportNote) console.log(reportNote);
  return 0;
}

if (import.meta.main) runTask(main);
