/**
 * BERSERKER, SNIPER and MULTI_AGENT_V7 decision rules on hand-made feature columns, and the
 * causality of their decisions on real bars.
 */
import assert from "node:assert/strict";
import type { BarArrays } from "../../lib/data/types.ts";
import { computeFeatures } from "../../lib/features/mod.ts";
import { berserker } from "../../lib/strategies/berserker.ts";
import { sniper } from "../../lib/strategies/sniper.ts";
import { multiAgentV7 } from "../../lib/strategies/multi_agent_v7.ts";
import { V7_FEATURE_WARMUP } from "../../lib/strategies/_v7_common.ts";
import {
  type OrderIntent,
  type Params,
  type PositionView,
  resolveParams,
  type Strategy,
  type StrategyContext,
} from "../../lib/strategies/contract.ts";
import { cutBars, loadMt5Arrays } from "../features/_load.ts";

const FLAT: PositionView = { size: 0, openTrades: 0, entryPrice: NaN, entryBar: -1 };

function ctxOf(
  strategy: Strategy,
  close: number[],
  signal: number[],
  energy?: number[],
  params: Params = {},
): StrategyContext {
  const n = close.length;
  const c = Float64Array.from(close);
  const bars: BarArrays = {
    length: n,
    time: Float64Array.from({ length: n }, (_, i) => i * 3_600_000),
    open: c,
    high: c.map((x) => x + 0.25),
    low: c.map((x) => x - 0.25),
    close: c,
    tickVolume: new Float64Array(n).fill(100),
    volume: new Float64Array(n),
    spread: null,
  };
  return {
    bars,
    features: {
      agent_signal: Float64Array.from(signal),
      energy_v7: Float64Array.from(energy ?? new Array(n).fill(1)),
      atr: new Float64Array(n).fill(0.5),
    },
    params: resolveParams(strategy, params),
  };
}

function decideAt<S>(
  strategy: Strategy<S>,
  ctx: StrategyContext,
  state: S,
  i: number,
  position: PositionView,
): OrderIntent[] {
  const out: OrderIntent[] = [];
  strategy.decide(i, ctx, state, position, out);
  return out;
}

function long(entryBar: number, entryPrice: number): PositionView {
  return { size: 1, openTrades: 1, entryPrice, entryBar };
}

Deno.test("berserker enters on signal 2 in the signal bar's direction with an ATR stop", () => {
  const ctx = ctxOf(berserker, [10, 11, 10.5, 10.5, 11, 12], [0, 2, 2, 2, 1, 0]);
  const s = berserker.init(ctx);
  assert.deepEqual(decideAt(berserker, ctx, s, 1, FLAT), [{
    kind: "entry",
    side: 1,
    sl: 10,
    tag: "berserker",
  }]);
  assert.deepEqual(decideAt(berserker, ctx, s, 2, FLAT), [{
    kind: "entry",
    side: -1,
    sl: 11.5,
    tag: "berserker",
  }]);
  assert.deepEqual(decideAt(berserker, ctx, s, 3, FLAT), [], "unchanged close: no direction, no entry");
  assert.deepEqual(decideAt(berserker, ctx, s, 4, FLAT), [], "a sniper signal is not a berserker entry");
  assert.deepEqual(decideAt(berserker, ctx, s, 5, FLAT), []);
  const withTp = ctxOf(berserker, [10, 11], [0, 2], undefined, { tp_atr: 4, sl_atr: 1 });
  assert.deepEqual(decideAt(berserker, withTp, berserker.init(withTp), 1, FLAT), [
    { kind: "entry", side: 1, sl: 10.5, tp: 13, tag: "berserker" },
  ]);
});

Deno.test("berserker exits when the energy-weighted score fades, only after 3 bars in the trade", () => {
  // Entry decided at bar 4 (close 100), filled at bar 5 at 100. Score: +1, +1, +1, then a drop
  // below entry (−½·4 = −2 → ratio 1/3 at 3 bars held: too early), then −0.05 at 4 bars: exit.
  const close = [96, 97, 98, 99, 100, 101, 102, 103, 99, 98.9, 98.8];
  const ctx = ctxOf(berserker, close, new Array(close.length).fill(2));
  const s = berserker.init(ctx);
  const pos = long(5, 100);
  for (let i = 5; i <= 8; i++) assert.deepEqual(decideAt(berserker, ctx, s, i, pos), [], `bar ${i}`);
  assert.equal(s.score.max, 3);
  assert.equal(s.score.score, 1);
  assert.deepEqual(decideAt(berserker, ctx, s, 9, pos), [{ kind: "close" }]);
});

Deno.test("berserker exits when the signal has been absent and the trade is older than 5 bars", () => {
  const close = [96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108];
  const signal = [2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0];
  const ctx = ctxOf(berserker, close, signal);
  const s = berserker.init(ctx);
  const pos = long(5, 100);
  for (let i = 5; i <= 10; i++) assert.deepEqual(decideAt(berserker, ctx, s, i, pos), [], `bar ${i}`);
  assert.deepEqual(decideAt(berserker, ctx, s, 11, pos), [{ kind: "close" }]);
});

Deno.test("sniper enters only after two consecutive sniper bars and exits when the signal is gone", () => {
  const close = [10, 11, 12, 13, 12, 13, 14, 15, 16, 17, 18];
  const signal = [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0];
  const ctx = ctxOf(sniper, close, signal);
  const s = sniper.init(ctx);
  assert.deepEqual(decideAt(sniper, ctx, s, 0, FLAT), []);
  assert.deepEqual(decideAt(sniper, ctx, s, 1, FLAT), [], "one sniper bar is not a confirmation");
  assert.deepEqual(decideAt(sniper, ctx, s, 2, FLAT), [{ kind: "entry", side: 1, sl: 11, tag: "sniper" }]);
  assert.deepEqual(decideAt(sniper, ctx, s, 3, FLAT), [], "the run is broken");
  assert.deepEqual(decideAt(sniper, ctx, s, 4, FLAT), []);
  assert.equal(decideAt(sniper, ctx, s, 5, FLAT).length, 1);
  // In a trade from bar 6: signal absent, exit once older than 3 bars (bar 10 would be held 4).
  const pos = long(6, 13);
  for (let i = 6; i <= 9; i++) assert.deepEqual(decideAt(sniper, ctx, s, i, pos), [], `bar ${i}`);
  assert.deepEqual(decideAt(sniper, ctx, s, 10, pos), [{ kind: "close" }]);
});

Deno.test("multi_agent_v7 keeps the agent that opened the trade for its exit threshold", () => {
  // Score after the fill at bar 10 (entry 100): +1, +1, +1, +1, then a drop to 99.5 weighted by
  // energy 0.32: −½·4.5·0.32 = −0.72 → 3.28 / 4 = 0.82 at 4 bars held. A sniper trade (0.80)
  // stays; a berserker trade (0.85) closes. Later berserker signals must not change the agent.
  const close = [95, 96, 97, 98, 98.5, 99, 99.2, 99.3, 99.5, 100, 101, 102, 103, 104, 99.5];
  const energy = close.map((_, i) => (i === 14 ? 0.32 : 1));
  const sniperSig = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2];
  const ctxS = ctxOf(multiAgentV7, close, sniperSig, energy);
  const sS = multiAgentV7.init(ctxS);
  for (let i = 0; i <= 8; i++) assert.deepEqual(decideAt(multiAgentV7, ctxS, sS, i, FLAT), [], `bar ${i}`);
  assert.deepEqual(decideAt(multiAgentV7, ctxS, sS, 9, FLAT), [
    { kind: "entry", side: 1, sl: 99, tag: "sniper" },
  ], "three consecutive sniper bars confirm a sniper entry");
  const pos = long(10, 100);
  for (let i = 10; i <= 14; i++) assert.deepEqual(decideAt(multiAgentV7, ctxS, sS, i, pos), [], `bar ${i}`);
  assert.equal(sS.tradeAgent, 1);
  assert.ok(Math.abs(sS.score.score / sS.score.max - 0.82) < 1e-9);

  const berserkerSig = [0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2];
  const ctxB = ctxOf(multiAgentV7, close, berserkerSig, energy);
  const sB = multiAgentV7.init(ctxB);
  assert.deepEqual(decideAt(multiAgentV7, ctxB, sB, 9, FLAT), [
    { kind: "entry", side: 1, sl: 99, tag: "berserker" },
  ]);
  for (let i = 10; i <= 13; i++) assert.deepEqual(decideAt(multiAgentV7, ctxB, sB, i, pos), [], `bar ${i}`);
  assert.deepEqual(decideAt(multiAgentV7, ctxB, sB, 14, pos), [{ kind: "close" }]);
});

Deno.test("warm-up covers the 500-bar windows and never undercuts the features' own warm-up", () => {
  for (const s of [berserker, sniper, multiAgentV7] as Strategy[]) {
    assert.equal(s.warmup(resolveParams(s)), 500, s.name);
    assert.equal(s.warmup(resolveParams(s, { warmup_bars: 0 })), V7_FEATURE_WARMUP, s.name);
    assert.ok(V7_FEATURE_WARMUP > 200, "agent signal needs its autocorrelation window");
    for (const [k, spec] of Object.entries(s.params)) {
      assert.ok(spec.description.length > 10, `${s.name}.${k}`);
    }
  }
});

Deno.test("decisions on real bars only depend on bars up to the decision (full vs cut files)", () => {
  const files = [
    "data/sample/metals/XAUUSD+_H4_202401020000_202512262000.csv",
    "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv",
  ];
  const entries: Record<string, number> = {};
  for (const file of files) {
    const bars = loadMt5Arrays(file);
    for (const strategy of [berserker, sniper, multiAgentV7] as Strategy[]) {
      const run = (b: BarArrays): string[] => {
        const params = resolveParams(strategy);
        const ctx: StrategyContext = { bars: b, features: computeFeatures(b, strategy.features), params };
        const state = strategy.init(ctx);
        const log: string[] = [];
        const out: OrderIntent[] = [];
        for (let i = strategy.warmup(params); i < b.length; i++) {
          out.length = 0;
          strategy.decide(i, ctx, state, FLAT, out);
          for (const o of out) log.push(`${i}:${JSON.stringify(o)}`);
        }
        return log;
      };
      const full = run(bars);
      entries[strategy.name] = (entries[strategy.name] ?? 0) + full.length;
      for (const cut of [900, 1700, 2600]) {
        const part = run(cutBars(bars, cut));
        assert.deepEqual(
          part,
          full.filter((l) => Number(l.split(":")[0]) < cut),
          `${strategy.name} cut ${cut}`,
        );
      }
    }
  }
  for (const name of ["berserker", "sniper", "multi_agent_v7"]) {
    assert.ok(entries[name] > 5, `${name} should signal on real data (got ${entries[name]})`);
  }
});

Deno.test("decisions are the same when the state is re-created at every bar (as the live runner does)", () => {
  const bars = loadMt5Arrays("data/sample/indices/NAS100_H4_202401020000_202512262000.csv");
  for (const strategy of [berserker, sniper, multiAgentV7] as Strategy[]) {
    const params = resolveParams(strategy);
    const ctx: StrategyContext = { bars, features: computeFeatures(bars, strategy.features), params };
    // A minimal broker: market orders fill at the next bar's open, one position, no stops.
    const run = (fresh: boolean): string[] => {
      let state = strategy.init(ctx);
      let pos: PositionView = FLAT;
      let pending: OrderIntent | null = null;
      const log: string[] = [];
      const out: OrderIntent[] = [];
      for (let i = strategy.warmup(params); i < bars.length; i++) {
        if (pending?.kind === "entry" && pos.size === 0) {
          pos = { size: pending.side, openTrades: 1, entryPrice: bars.open[i], entryBar: i };
        } else if (pending?.kind === "close") pos = FLAT;
        pending = null;
        if (fresh) state = strategy.init(ctx);
        out.length = 0;
        strategy.decide(i, ctx, state, pos, out);
        for (const o of out) {
          log.push(`${i}:${JSON.stringify(o)}`);
          pending = o;
        }
      }
      return log;
    };
    const kept = run(false);
    assert.deepEqual(run(true), kept, strategy.name);
    assert.ok(kept.filter((l) => l.includes('"close"')).length > 5, `${strategy.name} should enter and exit`);
  }
});
