/**
 * Currency conversion at the rate of the moment: paths from the data's own pairs, rates aligned to
 * the traded bars, the JPY profit identity on real data, and the static fallback that says so.
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import { runBacktest } from "../../lib/backtest/run.ts";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { USD_PER } from "../../lib/market/currency.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";
import {
  alignRates,
  conversionFolders,
  conversionForFile,
  conversionPath,
  DataConverter,
  findPairs,
  pairCurrencies,
} from "../../lib/portfolio/conversion.ts";
import type { BarArrays } from "../../lib/data/types.ts";

const FIX = "tests/fixtures/portfolio";
const EURJPY = `${FIX}/forex/EURJPY+_H1_202401020000_202402120300.csv`;
const AUDJPY = `${FIX}/forex/AUDJPY+_H1_202401020000_202402120300.csv`;
const AUDUSD = `${FIX}/forex/AUDUSD+_H1_202401020000_202402120300.csv`;
const NIKKEI = `${FIX}/indices/Nikkei225_H1_202401020100_202402131400.csv`;

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

Deno.test("pair names: 6-letter fiat pairs with broker suffixes, nothing else", () => {
  assert.deepEqual(pairCurrencies("AUDJPY+"), { base: "AUD", quote: "JPY" });
  assert.deepEqual(pairCurrencies("EURUSD.r"), { base: "EUR", quote: "USD" });
  assert.equal(pairCurrencies("XAUUSD+"), null);
  assert.equal(pairCurrencies("BTCUSD"), null);
  assert.equal(pairCurrencies("NAS100"), null);
});

Deno.test("conversion paths: direct, inverse, cross (first in name order), none, missing", () => {
  const p = (symbol: string) => ({ symbol, ...pairCurrencies(symbol)! });
  const pairs = [p("GBPJPY+"), p("AUDUSD+"), p("GBPUSD+"), p("AUDJPY+"), p("USDCHF")];
  assert.deepEqual(conversionPath("AUD", "USD", pairs), [{ symbol: "AUDUSD+", invert: false }]);
  assert.deepEqual(conversionPath("CHF", "USD", pairs), [{ symbol: "USDCHF", invert: true }]);
  assert.deepEqual(conversionPath("JPY", "USD", pairs), [
    { symbol: "AUDJPY+", invert: true },
    { symbol: "AUDUSD+", invert: false },
  ]);
  assert.deepEqual(conversionPath("USD", "USD", pairs), []);
  assert.equal(conversionPath("ZAR", "USD", pairs), null);
});

Deno.test("aligned rates read only the past: open at the bar's open, close at its close, last quote in gaps", () => {
  const h = 3_600_000;
  const pair: BarArrays = {
    length: 3,
    time: Float64Array.from([0, h, 3 * h]), // no bar at 2h
    open: Float64Array.from([10, 11, 13]),
    high: Float64Array.from([10, 11, 13]),
    low: Float64Array.from([10, 11, 13]),
    close: Float64Array.from([10.5, 11.5, 13.5]),
    tickVolume: new Float64Array(3),
    volume: new Float64Array(3),
    spread: null,
  };
  const traded = Float64Array.from([0, h, 2 * h, 3 * h]);
  const r = alignRates(traded, h, [{ symbol: "X", invert: true }], [{ bars: pair, barMs: h }], 0.5);
  assert.deepEqual([...r.open].map((x) => 1 / x), [10, 11, 11.5, 13]);
  assert.deepEqual([...r.close].map((x) => 1 / x), [10.5, 11.5, 11.5, 13.5]);
  assert.equal(r.staticMoments, 0);
  // Before the pair's first bar: the static rate, counted.
  const early = alignRates(Float64Array.from([-h, 0]), h, [{ symbol: "X", invert: false }], [{
    bars: pair,
    barMs: h,
  }], 0.5);
  assert.equal(early.open[0], 0.5);
  assert.equal(early.staticMoments, 1);
});

Deno.test("pairs are found in the file's folder and in the sibling folders of its data root", () => {
  const folders = conversionFolders(NIKKEI);
  assert.ok(folders[0].endsWith("indices") && folders.some((f) => f.endsWith("forex")));
  assert.deepEqual(findPairs(folders).map((p) => p.symbol), ["AUDJPY+", "AUDUSD+", "EURJPY+"]);
});

function indexAt(bars: BarArrays, t: number): number {
  for (let i = 0; i < bars.length; i++) if (bars.time[i] === t) return i;
  return -1;
}

Deno.test("a JPY-quoted trade's profit = price difference × contract × lots ÷ USDJPY from the data at its exit", async () => {
  const bars = toArrays(await readBars(EURJPY));
  const spec = symbolSpec("EURJPY+");
  const conv = await conversionForFile({ file: EURJPY, time: bars.time, timeframe: "H1", spec });
  assert.equal(conv.info.source, "data");
  assert.deepEqual(conv.info.via, ["AUDJPY+", "AUDUSD+"]);
  const config = { symbol: spec, sizing: { mode: "lots" as const, lots: 0.3 }, commission: 0, swap: false };
  const strategy = getStrategy("sma_cross");
  const r = runBacktest({ bars, strategy, config, conversion: conv, params: { fast: 5, slow: 20 } });
  const fixed = runBacktest({ bars, strategy, config, params: { fast: 5, slow: 20 } });
  const aj = toArrays(await readBars(AUDJPY)), au = toArrays(await readBars(AUDUSD));
  let checked = 0, maxStaticGap = 0;
  assert.ok(r.trades.length > 10, `only ${r.trades.length} trades`);
  r.trades.forEach((t, k) => {
    const at = Date.parse(t.exit_time);
    const a = indexAt(aj, at), b = indexAt(au, at);
    if (a < 0 || b < 0 || t.exit_reason === "stop_out") return;
    const usdjpy = aj.open[a] / au.open[b];
    const sign = t.side === "long" ? 1 : -1;
    const expected = sign * (t.exit_price - t.entry_price) * spec.contractSize * t.size / usdjpy;
    assert.ok(Math.abs(t.pnl - expected) < 0.005, `trade ${k}: ${t.pnl} vs ${expected}`);
    maxStaticGap = Math.max(maxStaticGap, Math.abs(fixed.trades[k].pnl - t.pnl));
    checked++;
  });
  assert.ok(checked >= 10, `checked ${checked} trades`);
  // The fixed 1/150 rate of the table gives different figures (USDJPY was ~141-150 then).
  assert.ok(maxStaticGap > 0.01, `static and data conversions agree within ${maxStaticGap}`);
  assert.equal(r.trades.length, fixed.trades.length, "same decisions and fixed lots: same trades");
});

Deno.test("the backtest task converts from the data by default and falls back to static, saying so", async () => {
  const withPairs = await cli("backtest", ["--data", EURJPY, "--strategy", "sma_cross", "--json"]);
  assert.equal(withPairs.code, 0, withPairs.stderr);
  const a = JSON.parse(withPairs.stdout);
  assert.equal(a.conversion.source, "data");
  assert.deepEqual(a.conversion.via, ["AUDJPY+", "AUDUSD+"]);
  const dir = await Deno.makeTempDir();
  try {
    const lone = join(dir, basename(EURJPY));
    await Deno.copyFile(EURJPY, lone);
    const r = await cli("backtest", ["--data", lone, "--strategy", "sma_cross", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.conversion.source, "static");
    assert.equal(j.conversion.profit_currency, "JPY");
    assert.match(j.conversion.note, /static rate .*no pair path/);
    const text = await cli("backtest", ["--data", lone, "--strategy", "sma_cross"]);
    assert.match(text.stdout, /conversion: JPY → USD at the static rate/);
    const asked = await cli("backtest", [
      "--data",
      EURJPY,
      "--strategy",
      "sma_cross",
      "--conversion",
      "static",
      "--json",
    ]);
    assert.equal(JSON.parse(asked.stdout).conversion.source, "static");
    const bad = await cli("backtest", ["--data", EURJPY, "--strategy", "sma_cross", "--conversion", "live"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--conversion must be data or static/);
    assert.ok(!bad.stderr.includes("    at "), "no stack trace");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--profile compat is unchanged: no conversion, no conversion field", async () => {
  const r = await cli("backtest", [
    "--data",
    EURJPY,
    "--strategy",
    "sma_cross",
    "--profile",
    "compat",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).conversion, undefined);
});

Deno.test("--lots N: every entry gets that fixed volume", async () => {
  const r = await cli("backtest", ["--data", EURJPY, "--strategy", "sma_cross", "--lots", "0.07", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(j.trades.length > 0);
  for (const t of j.trades) assert.equal(t.size, 0.07);
  const bad = await cli("backtest", ["--data", EURJPY, "--strategy", "sma_cross", "--lots", "-1"]);
  assert.equal(bad.code, 2);
});

Deno.test("DataConverter (lib/market's CurrencyConverter) gives the engine's rates at every bar open, static where no path", async () => {
  const bars = toArrays(await readBars(EURJPY));
  const spec = symbolSpec("EURJPY+");
  const conv = await conversionForFile({ file: EURJPY, time: bars.time, timeframe: "H1", spec });
  const pair = async (path: string, symbol: string) => ({
    symbol,
    ...pairCurrencies(symbol)!,
    bars: toArrays(await readBars(path)),
  });
  const c = new DataConverter([await pair(AUDJPY, "AUDJPY+"), await pair(AUDUSD, "AUDUSD+")]);
  const built = USD_PER.JPY;
  for (let i = 0; i < bars.length; i++) {
    const r = c.rate("JPY", "USD", bars.time[i]);
    assert.ok(Math.abs(r / built - conv.valueScale!.open[i]) < 1e-12, `bar ${i}`);
  }
  assert.equal(c.rate("ZAR", "USD", bars.time[0]), USD_PER.ZAR);
  assert.equal(c.rate("USD", "USD", 0), 1);
});

Deno.test("an unreadable pair file falls back to the static rate and says which file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "forex"));
    const file = join(dir, "forex", basename(EURJPY));
    await Deno.copyFile(EURJPY, file);
    await Deno.copyFile(AUDUSD, join(dir, "forex", basename(AUDUSD)));
    await Deno.writeTextFile(join(dir, "forex", basename(AUDJPY)), "not an export\n");
    const bars = toArrays(await readBars(file));
    const conv = await conversionForFile({
      file,
      time: bars.time,
      timeframe: "H1",
      spec: symbolSpec("EURJPY+"),
    });
    assert.equal(conv.info.source, "static");
    assert.equal(conv.valueScale, null);
    assert.match(conv.info.note, /AUDJPY\+_H1_.*could not be read/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
