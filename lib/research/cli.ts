/**
 * Command-line pieces shared by `deno task optimize` and `deno task walkforward`: the flags, their
 * parsing into library options, and the verdict in words.
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { KinetraError } from "../errors.ts";
import { numberOption } from "../util/cli.ts";
import { listStrategies } from "../strategies/registry.ts";
import type { SweepConfig } from "./evaluate.ts";
import type { DeflatedSharpe, PboResult } from "./overfit.ts";
import { PROMOTION_TARGETS } from "../backtest/batch_summary.ts";
import { type ModelSummary, parseModel } from "../backtest/intrabar.ts";

/** Flags common to both tasks. */
export const SWEEP_FLAGS = {
  data: { type: "string" },
  strategy: { type: "string" },
  grid: { type: "string", multiple: true, default: [] },
  constraint: { type: "string", multiple: true, default: [] },
  objective: { type: "string" },
  minimize: { type: "boolean", default: false },
  method: { type: "string" },
  trials: { type: "string" },
  seed: { type: "string" },
  "min-trades": { type: "string" },
  start: { type: "string" },
  end: { type: "string" },
  workers: { type: "string" },
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
  conversion: { type: "string" },
  model: { type: "string" },
  lower: { type: "string" },
  ticks: { type: "string" },
  json: { type: "boolean", default: false },
  "allow-critical": { type: "boolean", default: false },
  "date-order": { type: "string" },
  report: { type: "string" },
  out: { type: "string" },
  cluster: { type: "string" },
  "data-root": { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Parse `args` with `extra` flags on top of the common ones; parse errors become `bad_argument` with the usage. */
export function parseSweepArgs(
  args: string[],
  extra: Record<string, { type: "string" | "boolean"; default?: boolean }>,
  usage: string,
): Record<string, unknown> {
  try {
    const options = { ...SWEEP_FLAGS, ...extra } as unknown as ParseArgsOptionsConfig;
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<
      string,
      unknown
    >;
  } catch (e) {
    throw new KinetraError("bad_argument", `${(e as Error).message}\n${usage}`);
  }
}

/** A number flag (undefined when absent): lib/util/cli.ts `numberOption`. */
export function numFlag(name: string, v: unknown): number | undefined {
  return numberOption(name, typeof v === "string" || v === undefined ? v : String(v));
}

/** A whole-number flag >= min (undefined when absent): lib/util/cli.ts `numberOption`. */
export function intFlag(name: string, v: unknown, min = 0): number | undefined {
  return numberOption(name, typeof v === "string" || v === undefined ? v : String(v), { integer: true, min });
}

/** Check --data and --strategy and the profile; return the sweep config of the cost flags. */
export function sweepConfig(values: Record<string, unknown>, usage: string): SweepConfig {
  if (!values.data) throw new KinetraError("bad_argument", `--data FILE is required\n${usage}`);
  if (!values.strategy) {
    throw new KinetraError(
      "bad_argument",
      `--strategy NAME is required (known: ${listStrategies().map((s) => s.name).join(", ")})`,
    );
  }
  const profile = values.profile as string | undefined;
  if (profile && profile !== "mt5" && profile !== "compat") {
    throw new KinetraError("bad_argument", `--profile must be mt5 or compat, got "${profile}"`);
  }
  const report = values.report as string | undefined;
  if (report && !/\.html?$/i.test(report)) {
    throw new KinetraError("bad_argument", `--report needs a .html file name, got "${report}"`);
  }
  const conversion = values.conversion as string | undefined;
  if (conversion && conversion !== "data" && conversion !== "static") {
    throw new KinetraError("bad_argument", `--conversion must be data or static, got "${conversion}"`);
  }
  const lots = numFlag("lots", values.lots);
  if (lots !== undefined && !(lots > 0)) {
    throw new KinetraError("bad_argument", `--lots needs a positive number of lots, got ${values.lots}`);
  }
  const model = parseModel(values.model);
  const lower = values.lower as string | undefined, ticks = values.ticks as string | undefined;
  if ((lower && model !== "lower") || (ticks && model !== "ticks")) {
    throw new KinetraError("bad_argument", "--lower goes with --model lower, --ticks with --model ticks");
  }
  return {
    ...(model !== "ohlc" ? { model } : {}),
    ...(lower ? { lower } : {}),
    ...(ticks ? { ticks } : {}),
    lots,
    conversion: conversion as "data" | "static" | undefined,
    profile: profile as "mt5" | "compat" | undefined,
    cash: numFlag("cash", values.cash),
    commission: numFlag("commission", values.commission) ?? null,
    spread: numFlag("spread", values.spread) ?? null,
    margin: numFlag("margin", values.margin),
    leverage: numFlag("leverage", values.leverage),
    slippagePoints: numFlag("slippage", values.slippage),
    tradeOnClose: values["trade-on-close"] as boolean,
    finalize: values.finalize as boolean,
    hedging: values.hedging as boolean,
    swap: values["no-swap"] ? false : undefined,
    symbol: (values.symbol as string | undefined) ?? null,
    symbolsFile: (values.symbols as string | undefined) ?? null,
  };
}

/** One line on the modelling mode of a sweep's runs (text output). */
export function modelLine(m: ModelSummary): string {
  if (m.name === "ohlc") return "model: ohlc (SL first when a bar touches both SL and TP)";
  return `model: ${m.name} (${
    m.source ?? "bar opens"
  }): ${m.bars_resolved} bars resolved, ${m.bars_fallback} on ohlc${
    m.findings.length ? ` (${m.findings.map((f) => `${f.code}: ${f.count}`).join(", ")})` : ""
  }`;
}

/** A number for text output. */
export function fmtNum(v: unknown): string {
  if (v === null || v === undefined) return "-";
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1000 ? v.toFixed(2) : v.toPrecision(5);
}

/**
 * The verdict in words on a selected result: whether its Sharpe ratio survives deflation for the
 * number of trials, and whether the selection is likely overfit (PBO).
 */
export function overfitVerdict(
  d: DeflatedSharpe | null,
  p: PboResult | null,
): { fluke: boolean; text: string } {
  const parts: string[] = [];
  let fluke = false;
  if (d && d.dsr !== null) {
    if (d.dsr < 0.5) {
      fluke = true;
      parts.push(
        `its Sharpe ratio is below what the best of ${d.trials} random trials would show (DSR ${
          d.dsr.toFixed(3)
        })`,
      );
    } else if (d.dsr < 0.95) {
      parts.push(
        `its Sharpe ratio is not significant after deflating for ${d.trials} trials (DSR ${
          d.dsr.toFixed(3)
        } < 0.95)`,
      );
    } else {
      parts.push(`its Sharpe ratio survives deflation for ${d.trials} trials (DSR ${d.dsr.toFixed(3)})`);
    }
  } else parts.push("no deflated Sharpe ratio (no defined result)");
  if (p && p.pbo !== null) {
    if (p.pbo >= 0.5) {
      fluke = true;
      parts.push(
        `the in-sample winner ranks in the lower half out of sample in ${
          (p.pbo * 100).toFixed(0)
        } % of splits (PBO)`,
      );
    } else {
      parts.push(`PBO ${(p.pbo * 100).toFixed(0)} %`);
    }
  }
  const head = fluke ? "The best result is likely a fluke: " : "";
  return { fluke, text: head + parts.join("; ") + "." };
}

/** The promotion targets judged on a set of statistics (out of sample: a walk-forward's stitched result). */
export interface PromotionCheck {
  chs: number | null;
  omega: number | null;
  energy_captured_pct: number | null;
  meets: { chs: boolean; omega: boolean; energy_captured: boolean };
  /** All three targets met. */
  passed: boolean;
}

/** Judge CHS > 0.90, Omega > 2.7, energy captured > 65 % on `stats`. */
export function promotionCheck(stats: Record<string, number | string | null>): PromotionCheck {
  const n = (
    k: string,
  ) => (typeof stats[k] === "number" && Number.isFinite(stats[k]) ? stats[k] as number : null);
  const chs = n("chs"), omega = n("omega"), energy = n("energy_captured_pct");
  const meets = {
    chs: chs !== null && chs > PROMOTION_TARGETS.chs,
    omega: omega !== null && omega > PROMOTION_TARGETS.omega,
    energy_captured: energy !== null && energy > PROMOTION_TARGETS.energy_captured_pct,
  };
  return {
    chs,
    omega,
    energy_captured_pct: energy,
    meets,
    passed: meets.chs && meets.omega && meets.energy_captured,
  };
}

/** One line: the promotion targets on `stats` with ✓/✗, `where` saying which results they are. */
export function promotionLine(stats: Record<string, number | string | null>, where: string): string {
  const p = promotionCheck(stats);
  const m = (b: boolean) => (b ? "✓" : "✗");
  return `promotion (${where}): CHS ${fmtNum(p.chs)} ${m(p.meets.chs)} (> ${PROMOTION_TARGETS.chs}), Omega ${
    fmtNum(p.omega)
  } ${m(p.meets.omega)} (> ${PROMOTION_TARGETS.omega}), energy captured ${fmtNum(p.energy_captured_pct)} % ${
    m(p.meets.energy_captured)
  } (> ${PROMOTION_TARGETS.energy_captured_pct} %) → ${p.passed ? "targets met" : "not promoted"}`;
}
