/**
 * Virtual live on a basket: several symbols on one account with the account-level CHS and breaker
 * (`deno task live --mode virtual --symbols A,B,C --timeframe TF`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runLiveBasket } from "../../lib/live/basket.ts";
import { readJournal } from "../../lib/live/journal.ts";
import { runPortfolio } from "../../lib/portfolio/engine.ts";
import { basketFiles, loadBasket } from "../../lib/portfolio/load.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";

const SYMBOLS = ["AUDUSD+", "XAUUSD+", "BTCUSD"];
const quiet = { print: () => {} };

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", "tasks/live.ts", ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("virtual basket with the breaker off: exactly the portfolio backtest's trades", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = await runLiveBasket({
      mode: "virtual",
      strategy: "sma_cross",
      symbols: SYMBOLS,
      timeframe: "H4",
      source: "data/sample",
      lots: 0.1,
      chsThreshold: 0,
      logsDir: dir,
    }, quiet);
    const basket = await loadBasket({ files: await basketFiles("data/sample", SYMBOLS, "H4") });
    const run = runPortfolio({
      symbols: basket,
      strategy: getStrategy("sma_cross"),
      config: { sizing: { mode: "lots", lots: 0.1 } },
    });
    const expected = run.symbols.flatMap((r) => r.trades.map((t) => `${r.symbol} ${t.entry_time} ${t.pnl}`));
    const got = s.trades.map((t) => `${t.symbol} ${t.entry_time} ${t.pnl}`);
    assert.ok(got.length > 100);
    assert.deepEqual([...got].sort(), [...expected].sort());
    assert.equal(s.status, "completed");
    assert.equal(s.breaker_events, 0);
    assert.deepEqual(s.symbols, SYMBOLS);
    assert.ok(Math.abs(s.stats.equity_final - run.equity[run.equity.length - 1]) < 1e-6);
    // The journal has a mark per union time and a fill per closed trade.
    const j = await readJournal(s.journal);
    const types = j.events.map((e) => e.type);
    assert.equal(types.filter((t) => t === "mark").length, run.time.length);
    assert.equal(types.filter((t) => t === "fill").length, s.trades.length);
    assert.equal(types.at(-1), "run_end");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("virtual basket: the account-level breaker trips on the account's CHS and stops new entries on every symbol", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = await runLiveBasket({
      mode: "virtual",
      strategy: "sma_cross",
      symbols: SYMBOLS,
      timeframe: "H4",
      source: "data/sample",
      lots: 0.1,
      chsThreshold: 0.55,
      logsDir: dir,
    }, quiet);
    assert.ok(s.breaker_events >= 1, "the sample's CHS is below 0.55: the breaker trips");
    const j = await readJournal(s.journal);
    const trip = j.events.find((e) => e.type === "breaker" && e.state === "tripped")!;
    assert.ok(trip, "breaker event journalled");
    const tripTime = Date.parse(trip.bar_time as string);
    const reset = j.events.find((e) => e.type === "breaker" && e.state === "reset");
    const resetTime = reset ? Date.parse(reset.bar_time as string) : Infinity;
    // No symbol opens a trade decided after the trip (until a reset).
    for (const t of s.trades) {
      const at = Date.parse(t.entry_time);
      assert.ok(at <= tripTime || at > resetTime, `${t.symbol} entered at ${t.entry_time} after the trip`);
    }
    assert.ok(s.entries_blocked >= 1);
    // Fewer trades than the run without a breaker.
    const free = await runLiveBasket({
      mode: "virtual",
      strategy: "sma_cross",
      symbols: SYMBOLS,
      timeframe: "H4",
      source: "data/sample",
      lots: 0.1,
      chsThreshold: 0,
      logsDir: dir,
      runId: "free",
    }, quiet);
    assert.ok(s.trades.length < free.trades.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("virtual basket: kill file halts cleanly; --symbols outside virtual mode and bad input are exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const kill = join(dir, "KILL");
    await Deno.writeTextFile(kill, "");
    const s = await runLiveBasket({
      mode: "virtual",
      strategy: "sma_cross",
      symbols: SYMBOLS,
      timeframe: "H4",
      source: "data/sample",
      killFile: kill,
      logsDir: dir,
    }, quiet);
    assert.equal(s.status, "halted");
    assert.equal(s.halt_reason, "kill_switch");
    const ok = await cli([
      "--mode",
      "virtual",
      "--strategy",
      "relative_momentum",
      "--symbols",
      "AUDUSD+,GBPUSD+,XAUUSD+",
      "--timeframe",
      "H4",
      "--source",
      "data/sample",
      "--lots",
      "0.1",
      "--chs-threshold",
      "0",
      "--logs-dir",
      dir,
      "--json",
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const j = JSON.parse(ok.stdout);
    assert.deepEqual(j.symbols, ["AUDUSD+", "GBPUSD+", "XAUUSD+"]);
    assert.equal(typeof j.stats.return_pct, "number");
    assert.ok(j.trades.length > 0);
    for (
      const [args, pattern] of [
        [["--mode", "live", "--symbols", "A,B", "--timeframe", "H1"], /live mode on several symbols/],
        [
          ["--mode", "demo", "--symbols", "A,B", "--timeframe", "H1", "--source", "x"],
          /--source does not apply/,
        ],
        [
          ["--mode", "virtual", "--symbols", "AUDUSD+,NOPE", "--timeframe", "H4", "--source", "data/sample"],
          /NOPE/,
        ],
        [["--mode", "virtual", "--symbols", "AUDUSD+"], /--timeframe/],
      ] as const
    ) {
      const e = await cli([...args, "--strategy", "sma_cross", "--logs-dir", dir]);
      assert.equal(e.code, 2, `${args.join(" ")}: ${e.stderr}`);
      assert.match(e.stderr, pattern);
      assert.ok(!e.stderr.includes("    at "), "no stack trace");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
