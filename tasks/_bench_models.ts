/**
 * The modelling-mode part of `deno task bench:engine`: on a real H1 export with its M15 partner
 * (realDataDir), the same strategy run with `ohlc` and with `lower` (the path built from the M15
 * bars), median of `runs`. Target: `lower` at most 3× the `ohlc` run.
 */
import { join } from "node:path";
import { readBars, toArrays } from "../lib/data/mod.ts";
import { runBacktest } from "../lib/backtest/run.ts";
import { getStrategy } from "../lib/strategies/registry.ts";
import { computeFeatures } from "../lib/features/mod.ts";
import { loadIntrabarPath } from "../lib/backtest/model_data.ts";
import { symbolSpec } from "../lib/market/mod.ts";
import { realDataDir } from "../lib/util/paths.ts";

/** What the modelling-mode bench measured (null when no H1/M15 pair is available). */
export interface ModelBench {
  file: string;
  bars: number;
  strategy: string;
  ohlc_ms: number;
  lower_ms: number;
  end_to_end_ohlc_ms: number;
  end_to_end_lower_ms: number;
  ratio: number;
  ratio_end_to_end: number;
  bars_resolved: number;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** Run the modelling-mode measurement. */
export async function benchModels(runs: number): Promise<ModelBench | null> {
  const { dir } = realDataDir();
  const file = join(dir, "metals", "XAUUSD+_H1_202401020100_202512262300.csv");
  try {
    await Deno.stat(file);
  } catch {
    return null;
  }
  const bars = await readBars(file);
  const a = toArrays(bars);
  const strategy = getStrategy("sniper");
  const params = { tp_atr: 2 };
  const features = computeFeatures(a, [...strategy.features]);
  const opts = {
    file,
    symbol: bars.meta.symbol,
    timeframe: bars.meta.timeframe,
    point: symbolSpec(bars.meta.symbol).point,
  };
  const path = await loadIntrabarPath("lower", a, opts);
  const t = (f: () => void) => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  const ohlc: number[] = [], lower: number[] = [], e2eOhlc: number[] = [], e2eLower: number[] = [];
  for (let r = 0; r < runs + 1; r++) {
    // Alternate the order so neither mode always runs right after the other's garbage.
    const pair = [
      () => ohlc.push(t(() => runBacktest({ bars: a, meta: bars.meta, strategy, params, features }))),
      () =>
        lower.push(
          t(() => runBacktest({ bars: a, meta: bars.meta, strategy, params, features, intrabar: path })),
        ),
    ];
    if (r % 2) pair.reverse();
    for (const f of pair) f();
    // End to end: read the H1 file (and for lower the M15 file and the path), features, run.
    let t0 = performance.now();
    {
      const b = await readBars(file);
      const x = toArrays(b);
      runBacktest({ bars: x, meta: b.meta, strategy, params });
    }
    e2eOhlc.push(performance.now() - t0);
    t0 = performance.now();
    {
      const b = await readBars(file);
      const x = toArrays(b);
      const p = await loadIntrabarPath("lower", x, opts);
      runBacktest({ bars: x, meta: b.meta, strategy, params, intrabar: p });
    }
    e2eLower.push(performance.now() - t0);
    if (r === 0) {
      ohlc.length =
        lower.length =
        e2eOhlc.length =
        e2eLower.length =
          0; // warm-up
    }
  }
  const om = median(ohlc), lm = median(lower), eo = median(e2eOhlc), el = median(e2eLower);
  return {
    file,
    bars: a.length,
    strategy: "sniper tp_atr=2",
    ohlc_ms: om,
    lower_ms: lm,
    end_to_end_ohlc_ms: eo,
    end_to_end_lower_ms: el,
    ratio: lm / om,
    ratio_end_to_end: el / eo,
    bars_resolved: path?.resolved ?? 0,
  };
}
