/**
 * The portfolio engine: a one-symbol portfolio is the backtest, a basket with non-binding margin is
 * the sum of its lone runs, bars are aligned without filling, stop-out closes the most losing
 * position first across the account, limits refuse entries, the portfolio strategy contract.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { BarArrays } from "../../lib/data/types.ts";
import { runBacktest } from "../../lib/backtest/run.ts";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";
import type { Strategy } from "../../lib/strategies/contract.ts";
import { alignUnion } from "../../lib/portfolio/align.ts";
import { runPortfolio } from "../../lib/portfolio/engine.ts";
import { loadBasket } from "../../lib/portfolio/load.ts";
import { relativeMomentum } from "../../lib/portfolio/momentum.ts";
import { correlationMatrix, portfolioJson, portfolioStats } from "../../lib/portfolio/stats.ts";

const SAMPLE = [
  "data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv",
  "data/sample/crypto/BTCUSD_H4_202401020000_202512282000.csv",
  "data/sample/metals/XAUUSD+_H4_202401020000_202512262000.csv",
  "data/sample/indices/NAS100_H4_202401020000_202512262000.csv",
];
const EURJPY = "tests/fixtures/portfolio/forex/EURJPY+_H1_202401020000_202402120300.csv";

async function cli(task: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", `tasks/${task}.ts`, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function sameTrades(a: Record<string, unknown>[], b: Record<string, unknown>[], what: string): void {
  assert.equal(a.length, b.length, `${what}: ${a.length} vs ${b.length} trades`);
  for (let k = 0; k < a.length; k++) {
    for (const [key, v] of Object.entries(a[k])) {
      const w = b[k][key];
      if (typeof v === "number" && typeof w === "number") {
        assert.ok(Math.abs(v - w) < 0.005, `${what} trade ${k} ${key}: ${v} vs ${w}`);
      } else assert.deepEqual(w, v, `${what} trade ${k} ${key}`);
    }
  }
}

Deno.test("a one-symbol portfolio equals `deno task backtest` trade for trade, to the cent", async () => {
  for (
    const [file, strategy] of [[SAMPLE[0], "sma_cross"], [EURJPY, "sma_cross"], [SAMPLE[2], "berserker"]]
  ) {
    const b = await cli("backtest", ["--data", file, "--strategy", strategy, "--json"]);
    const p = await cli("portfolio", ["--data", file, "--strategy", strategy, "--json"]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(p.code, 0, p.stderr);
    const bj = JSON.parse(b.stdout), pj = JSON.parse(p.stdout);
    const sym = Object.keys(pj.symbols)[0];
    assert.ok(bj.trades.length > 10, `${file}: ${bj.trades.length} trades`);
    // Both outputs are rounded the same way (money to cents, prices to the digits): identical.
    assert.deepEqual(pj.trades.map(({ symbol: _, ...t }: Record<string, unknown>) => t), bj.trades, file);
    assert.ok(pj.trades.every((t: { symbol: string }) => t.symbol === sym));
    for (const k of ["equity_final", "return_pct", "trades", "max_drawdown_pct", "commissions", "swap"]) {
      assert.ok(
        Math.abs(bj.stats[k] - pj.stats[k]) < 0.005,
        `${file} ${k}: ${bj.stats[k]} vs ${pj.stats[k]}`,
      );
    }
    assert.equal(pj.conversion[sym].source, bj.conversion.source);
  }
});

Deno.test("fixed lots, margin that never binds: each symbol trades as alone, and the account's profit is their sum", async () => {
  // EURJPY+ converts JPY at the rates of the time (from the pairs beside it).
  const symbols = await loadBasket({ files: [...SAMPLE, EURJPY] });
  assert.equal(symbols[4].conversion?.info.source, "data");
  const config = { sizing: { mode: "lots" as const, lots: 0.1 }, cash: 1_000_000 };
  const strategy = getStrategy("sma_cross");
  const run = runPortfolio({ symbols, strategy, config });
  let sum = 0;
  for (const [k, s] of symbols.entries()) {
    const lone = runBacktest({
      bars: s.bars,
      meta: s.meta,
      strategy,
      features: s.features,
      config: { ...config, symbol: s.spec },
      conversion: s.conversion,
    });
    assert.ok(lone.trades.length > 10);
    sameTrades(
      lone.trades as unknown as Record<string, unknown>[],
      run.symbols[k].trades as unknown as Record<string, unknown>[],
      s.symbol,
    );
    sum += lone.stats.equity_final - config.cash;
    assert.ok(Math.abs(run.symbols[k].contribution - (lone.stats.equity_final - config.cash)) < 1e-6);
  }
  const accountProfit = run.equity[run.equity.length - 1] - config.cash;
  assert.ok(Math.abs(accountProfit - sum) < 1e-6, `${accountProfit} vs ${sum}`);
  // The symbols trade different sessions (BTCUSD on weekends): the union has more times than any.
  assert.ok(run.time.length > Math.max(...symbols.map((s) => s.bars.length)));
});

Deno.test("alignment on the union of times with no filling", () => {
  const u = alignUnion([
    Float64Array.from([1, 2, 5]),
    Float64Array.from([2, 3, 4, 5]),
    Float64Array.from([]),
  ]);
  assert.deepEqual([...u.time], [1, 2, 3, 4, 5]);
  assert.deepEqual([...u.last[0]], [0, 1, 1, 1, 2]);
  assert.deepEqual([...u.fresh[0]], [1, 1, 0, 0, 1]);
  assert.deepEqual([...u.last[1]], [-1, 0, 1, 2, 3]);
  assert.deepEqual([...u.last[2]], [-1, -1, -1, -1, -1]);
});

/** Synthetic bars from a close path (open = previous close, high/low ±0.0001). */
function barsOf(
  close: number[],
  t0 = Date.UTC(2024, 0, 1),
  stepMs = 3_600_000,
  skip: number[] = [],
): BarArrays {
  const keep = close.map((_, i) => i).filter((i) => !skip.includes(i));
  const c = Float64Array.from(keep.map((i) => close[i]));
  const o = Float64Array.from(keep.map((i) => (i ? close[i - 1] : close[0])));
  return {
    length: keep.length,
    time: Float64Array.from(keep.map((i) => t0 + i * stepMs)),
    open: o,
    high: Float64Array.from(keep.map((_, k) => Math.max(o[k], c[k]) + 0.0001)),
    low: Float64Array.from(keep.map((_, k) => Math.min(o[k], c[k]) - 0.0001)),
    close: c,
    tickVolume: new Float64Array(keep.length),
    volume: new Float64Array(keep.length),
    spread: null,
  };
}

/** Buys `lots` once, at the first decision. */
const buyOnce = (lots: number): Strategy => ({
  name: "buy_once",
  description: "test",
  params: {},
  features: [],
  warmup: () => 1,
  init: () => null,
  decide(_i, _ctx, _s, pos, out) {
    if (pos.size === 0 && pos.openTrades === 0) out.push({ kind: "entry", side: 1, size: lots });
  },
});

Deno.test("shared stop-out: an adverse move in one symbol closes the most losing position first, across the account", () => {
  const flat = (n: number, v: number) => Array.from({ length: n }, () => v);
  // B (GBPUSD+, listed first) loses a little, A (AUDUSD+) crashes at bar 5, C (XAUUSD+) gains.
  const b = [...flat(5, 1.0), ...flat(5, 0.995)];
  const c = [...flat(5, 100), ...flat(5, 101)];
  const mk = (symbol: string, close: number[]) => ({
    symbol,
    bars: barsOf(close),
    overrides: { spread: 0, commission: 0, swap: false },
  });
  const config = { leverage: 100, stopOutLevelPct: 50 };
  // 1 lot each at 1:100: margin 1 000 for A and B (100 000 × 1.0), 100 for C (100 × 100).
  // Crash to 0.9: A −10 000, B −500, C +100; cash 10 600 → equity 200 < 50 % of 2 100.
  const a = [...flat(5, 1.0), ...flat(5, 0.9)];
  const run = runPortfolio({
    symbols: [mk("GBPUSD+", b), mk("AUDUSD+", a), mk("XAUUSD+", c)],
    strategy: buyOnce(1),
    config: { ...config, cash: 10_600 },
  });
  const [rb, ra, rc] = run.symbols;
  assert.equal(ra.trades[0]?.exit_reason, "stop_out", "A, the most losing, is closed");
  assert.equal(ra.trades[0].exit_bar, 5);
  // Without A: equity 200, margin 1 100 → 18 % < 50 %: B, losing next, is closed too.
  assert.equal(rb.trades[0]?.exit_reason, "stop_out");
  // Without B: equity 200, margin 101 → 198 %: C, the winner, stays open.
  assert.equal(rc.trades.length, 0);
  assert.equal(rc.openTrades.length, 1);
  assert.ok(Math.abs(run.equity[5] - 200) < 1e-6);

  // A smaller crash (0.93) with cash 8 000: equity 600 < 1 050, and closing A alone restores the
  // level (600 ≥ 50 % of 1 100): B and C stay open although B is listed first.
  const a2 = [...flat(5, 1.0), ...flat(5, 0.93)];
  const run2 = runPortfolio({
    symbols: [mk("GBPUSD+", b), mk("AUDUSD+", a2), mk("XAUUSD+", c)],
    strategy: buyOnce(1),
    config: { ...config, cash: 8_000 },
  });
  assert.equal(run2.symbols[1].trades[0]?.exit_reason, "stop_out");
  assert.equal(run2.symbols[0].trades.length, 0);
  assert.equal(run2.symbols[0].openTrades.length, 1);
  assert.equal(run2.symbols[2].openTrades.length, 1);
  // B alone with that cash is never stopped out: the stop-out came from A, across the account.
  const loneB = runBacktest({
    bars: barsOf(b),
    strategy: buyOnce(1),
    config: { ...config, cash: 8_000, spread: 0, commission: 0, swap: false, symbol: symbolSpec("GBPUSD+") },
  });
  assert.equal(loneB.trades.length, 0);
  assert.equal(loneB.openTrades.length, 1);
});

Deno.test("a symbol without a bar keeps its last quote: its orders wait for its next bar", () => {
  const up = Array.from({ length: 12 }, (_, i) => 1 + i * 0.001);
  // B has no bars at 2, 3 and 4: its first decision (bar 1) fills at its next bar (time index 5).
  const run = runPortfolio({
    symbols: [
      { symbol: "AUDUSD+", bars: barsOf(up), overrides: { spread: 0 } },
      { symbol: "GBPUSD+", bars: barsOf(up, undefined, undefined, [2, 3, 4]), overrides: { spread: 0 } },
    ],
    strategy: buyOnce(0.1),
    config: { finalize: true },
  });
  const tb = run.symbols[1].trades[0];
  assert.equal(tb.entry_time, new Date(Date.UTC(2024, 0, 1) + 5 * 3_600_000).toISOString());
  assert.equal(tb.entry_price, up[4], "filled at its own next open (= its close at index 4 by construction)");
  assert.equal(
    run.symbols[0].trades[0].entry_time,
    new Date(Date.UTC(2024, 0, 1) + 2 * 3_600_000).toISOString(),
  );
});

Deno.test("limits: maximum open positions and exposure refuse entries with a portfolio_limit rejection", () => {
  const wave = (p: number) => Array.from({ length: 400 }, (_, i) => 1 + 0.02 * Math.sin(i / 15 + p));
  const symbols = ["AUDUSD+", "GBPUSD+", "EURUSD"].map((s, k) => ({ symbol: s, bars: barsOf(wave(k)) }));
  const strategy = getStrategy("sma_cross");
  const config = { sizing: { mode: "lots" as const, lots: 0.1 } };
  const free = runPortfolio({ symbols, strategy, config });
  const one = runPortfolio({ symbols, strategy, config, limits: { maxPositions: 1 } });
  const rej = one.symbols.flatMap((s) => s.rejections);
  assert.ok(rej.length > 0 && rej.every((r) => r.reason === "portfolio_limit"));
  assert.match(rej[0].message, /maximum open positions \(1\)/);
  // Never more than one trade open at once on the account.
  const iv = one.symbols.flatMap((s) =>
    [...s.trades, ...s.openTrades].map((t) => [Date.parse(t.entry_time), Date.parse(t.exit_time)])
  ).sort((a, b) => a[0] - b[0]);
  for (let k = 1; k < iv.length; k++) assert.ok(iv[k][0] >= iv[k - 1][1], "positions overlap");
  assert.ok(
    free.symbols.reduce((n, s) => n + s.trades.length, 0) >
      one.symbols.reduce((n, s) => n + s.trades.length, 0),
  );
  // 0.1 lot of a 1.0 forex pair = 10 000 notional = 100 % of 10 000 equity: a 150 % total cap allows one.
  const capped = runPortfolio({ symbols, strategy, config, limits: { maxExposurePct: 150 } });
  const why = capped.symbols.flatMap((s) => s.rejections).map((r) => r.message);
  assert.ok(why.length > 0 && why.every((m) => /total exposure would exceed 150%/.test(m)), why[0]);
});

Deno.test("portfolio strategy: relative momentum is long the strongest and short the weakest symbol", () => {
  const n = 300;
  const up = Array.from({ length: n }, (_, i) => 1 + i * 0.001);
  const flat = Array.from({ length: n }, (_, i) => 1 + 0.001 * Math.sin(i));
  const down = Array.from({ length: n }, (_, i) => 1.5 - i * 0.001);
  const symbols = [
    { symbol: "GBPUSD+", bars: barsOf(flat) },
    { symbol: "AUDUSD+", bars: barsOf(up) },
    { symbol: "EURUSD", bars: barsOf(down) },
  ];
  const run = runPortfolio({
    symbols,
    strategy: relativeMomentum,
    params: { lookback: 50, rebalance: 10, top: 1, bottom: 1 },
    config: { sizing: { mode: "lots", lots: 0.1 } },
  });
  const [f, u, d] = run.symbols;
  assert.equal(u.openTrades.length, 1);
  assert.equal(u.openTrades[0].side, "long");
  assert.equal(d.openTrades.length, 1);
  assert.equal(d.openTrades[0].side, "short");
  assert.equal(f.openTrades.length + f.trades.length, 0, "the middle symbol is never traded");
  // First decision once 50 bars exist, at a rebalance time (union index 50), filled at the next bar.
  assert.equal(u.openTrades[0].entry_bar, 51);
  assert.ok(u.contribution > 0 && d.contribution > 0);
  // A rising symbol is never sold short and a falling one never bought.
  assert.ok(u.trades.every((t) => t.side === "long") && d.trades.every((t) => t.side === "short"));
});

Deno.test("statistics: account stats, per-symbol contribution, correlation, exposure by class; JSON contract", async () => {
  const symbols = await loadBasket({ files: SAMPLE.slice(0, 3) });
  const run = runPortfolio({
    symbols,
    strategy: getStrategy("sma_cross"),
    config: { sizing: { mode: "lots", lots: 0.01 } },
  });
  const ps = portfolioStats(run, symbols.map((s) => s.bars));
  assert.equal(ps.stats.trades, run.symbols.reduce((n, s) => n + s.trades.length, 0));
  assert.ok(Math.abs(ps.stats.equity_final - run.equity[run.equity.length - 1]) < 1e-9);
  const j = JSON.parse(JSON.stringify(portfolioJson(run, ps)));
  for (const k of ["stats", "symbols", "trades", "conversion", "correlation", "exposure_by_class"]) {
    assert.ok(k in j, k);
  }
  for (const s of symbols) {
    const e = j.symbols[s.symbol];
    assert.equal(typeof e.net_profit, "number");
    assert.equal(e.trades, run.symbols.find((x) => x.symbol === s.symbol)!.trades.length);
    assert.equal(typeof e.stats.return_pct, "number");
    assert.deepEqual(Object.keys(j.conversion[s.symbol]).slice(0, 3).sort(), [
      "account_currency",
      "profit_currency",
      "source",
    ]);
  }
  assert.ok(j.trades.every((t: { symbol: string }) => typeof t.symbol === "string"));
  const m = j.correlation.matrix;
  assert.equal(m.length, 3);
  for (let a = 0; a < 3; a++) {
    assert.ok(Math.abs(m[a][a] - 1) < 1e-12);
    for (let b = 0; b < 3; b++) assert.equal(m[a][b], m[b][a]);
  }
  assert.deepEqual(Object.keys(j.exposure_by_class).sort(), ["crypto", "forex", "metals"]);
  // Perfectly (anti-)correlated series.
  const t = Float64Array.from({ length: 10 }, (_, i) => i * 86_400_000);
  const x = Float64Array.from({ length: 10 }, (_, i) => 1 + ((i * 7) % 5) / 10);
  const c = correlationMatrix([
    { symbol: "x", time: t, close: x },
    { symbol: "y", time: t, close: x.map((v) => v * 3) },
  ]);
  assert.ok(Math.abs(c.matrix[0][1] - 1) < 1e-12);
});

Deno.test("deno task portfolio: --source/--symbols/--timeframe, --report, and clear errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const report = join(dir, "p.html");
    const r = await cli("portfolio", [
      "--source",
      "data/sample",
      "--symbols",
      "AUDUSD+,XAUUSD+",
      "--timeframe",
      "H4",
      "--strategy",
      "sma_cross",
      "--lots",
      "0.05",
      "--max-positions",
      "2",
      "--start",
      "2024-06-01",
      "--end",
      "2025-06-01",
      "--report",
      report,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sma_cross on 2 symbols, one account/);
    const html = await Deno.readTextFile(report);
    for (const id of ["k-equity", "k-contributions", "k-correlation", "k-exposure"]) {
      assert.ok(html.includes(id), id);
    }
    const j = JSON.parse(
      (await cli("portfolio", ["--data", SAMPLE[0], "--strategy", "relative_momentum", "--json"])).stdout,
    );
    assert.equal(typeof j.stats.return_pct, "number");
    for (
      const [args, pattern] of [
        [["--strategy", "sma_cross"], /give --data FILE/],
        [["--data", SAMPLE[0], "--strategy", "nope"], /unknown strategy "nope"/],
        [
          ["--source", "data/sample", "--symbols", "NOPE", "--timeframe", "H4", "--strategy", "sma_cross"],
          /no H4 export of NOPE/,
        ],
        [["--data", SAMPLE[0], "--strategy", "sma_cross", "--lots", "1", "--risk", "1"], /not both/],
        [["--data", SAMPLE[0], "--strategy", "sma_cross", "--start", "yesterday"], /ISO date/],
      ] as const
    ) {
      const e = await cli("portfolio", [...args]);
      assert.equal(e.code, 2, `${args.join(" ")}: ${e.stderr}`);
      assert.match(e.stderr, pattern);
      assert.ok(!e.stderr.includes("    at "), "no stack trace");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--symbol-config: each symbol's own spread, commission and netting/hedging, as in its lone run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cfg = join(dir, "symbols.json");
    await Deno.writeTextFile(
      cfg,
      JSON.stringify({ "AUDUSD+": { spread: 30, commission: 0, hedging: true } }),
    );
    const p = await cli("portfolio", [
      "--data",
      SAMPLE[0],
      "--data",
      SAMPLE[2],
      "--strategy",
      "sma_cross",
      "--lots",
      "0.1",
      "--cash",
      "1000000",
      "--symbol-config",
      cfg,
      "--json",
    ]);
    assert.equal(p.code, 0, p.stderr);
    const pj = JSON.parse(p.stdout);
    const lone = async (file: string, extra: string[]) =>
      JSON.parse(
        (await cli("backtest", [
          "--data",
          file,
          "--strategy",
          "sma_cross",
          "--lots",
          "0.1",
          "--cash",
          "1000000",
          ...extra,
          "--json",
        ]))
          .stdout,
      ).trades;
    const strip = (sym: string) =>
      pj.trades.filter((t: { symbol: string }) => t.symbol === sym).map((
        { symbol: _, ...t }: Record<string, unknown>,
      ) => t);
    assert.deepEqual(
      strip("AUDUSD+"),
      await lone(SAMPLE[0], ["--spread", "30", "--commission", "0", "--hedging"]),
    );
    assert.deepEqual(strip("XAUUSD+"), await lone(SAMPLE[2], []));
    await Deno.writeTextFile(cfg, JSON.stringify({ "AUDUSD+": { leverage: 5 } }));
    const bad = await cli("portfolio", [
      "--data",
      SAMPLE[0],
      "--strategy",
      "sma_cross",
      "--symbol-config",
      cfg,
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown setting AUDUSD\+\.leverage/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
