// Demo mode on several symbols, end to end over the bridge against the strict MT5 simulator on
// 127.0.0.1 (a DEMO account, never a real server): one account, one journal, every symbol's orders
// validated and journalled before they are sent, the terminal's positions and deals agreeing with
// the session's books, the account-level guard, and the gates of single-symbol demo mode.
import assert from "node:assert/strict";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import type { BarArrays } from "../../lib/data/types.ts";
import { runDemoBasket } from "../../lib/live/basket_demo.ts";
import { readJournal } from "../../lib/live/mod.ts";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { toMt5SymbolInfo } from "../../lib/market/mod.ts";
import { DEAL_ENTRY } from "../../lib/market/mt5_constants.ts";
import { Mt5Simulator } from "../../lib/mt5/mod.ts";

const SECRET = "demo-basket-test-secret";
const FILES: Record<string, string> = {
  "GBPUSD+": "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv",
  "AUDUSD+": "data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv",
  "XAUUSD+": "data/sample/metals/XAUUSD+_H4_202401020000_202512262000.csv",
};

/** The first `n` bars. */
function head(b: BarArrays, n: number): BarArrays {
  const m = Math.min(n, b.length);
  const cut = (a: Float64Array) => a.subarray(0, m);
  return {
    length: m,
    time: cut(b.time),
    open: cut(b.open),
    high: cut(b.high),
    low: cut(b.low),
    close: cut(b.close),
    tickVolume: cut(b.tickVolume),
    volume: cut(b.volume),
    spread: b.spread ? cut(b.spread) : null,
  };
}

async function bars(symbol: string, n: number): Promise<BarArrays> {
  return head(toArrays(await readBars(FILES[symbol])), n);
}

const env = (k: string) => ({ KINETRA_BRIDGE_SECRET: SECRET } as Record<string, string>)[k];

async function runBasketAgainstSim(
  symbols: string[],
  extra: Record<string, unknown>,
  account: "demo" | "real" = "demo",
  shape: (k: number, b: BarArrays) => BarArrays = (_k, b) => b,
  n = 420,
) {
  const logsDir = await Deno.makeTempDir();
  const data = (await Promise.all(symbols.map((s) => bars(s, n)))).map((b, k) => shape(k, b));
  let sim: Mt5Simulator | null = null;
  const lines: string[] = [];
  try {
    const summary = await runDemoBasket({
      mode: "demo",
      symbols,
      timeframe: "H4",
      strategy: "sma_cross",
      yes: true,
      bridge: "127.0.0.1:0",
      logsDir,
      configPath: `${logsDir}/none.json`,
      chsThreshold: 0,
      connectTimeoutMs: 3000,
      barTimeoutMs: 4000,
      heartbeatMs: 200,
      ...extra,
    }, {
      print: (l) => lines.push(l),
      env,
      onBridgeListening: ({ hostname, port }) => {
        sim = new Mt5Simulator({
          hostname,
          port,
          secret: SECRET,
          account,
          strict: true,
          symbol: symbols[0],
          timeframe: "H4",
          spec: toMt5SymbolInfo(symbolSpec(symbols[0])),
          bars: data[0],
          others: symbols.slice(1).map((s, k) => ({
            symbol: s,
            spec: toMt5SymbolInfo(symbolSpec(s)),
            bars: data[k + 1],
          })),
          historyBars: 300,
          barIntervalMs: 40,
          reconnectDelayMs: 50,
          maxConnectAttempts: 2,
        });
        sim.start();
      },
    });
    return { summary, sim: sim as unknown as Mt5Simulator, logsDir, lines };
  } catch (e) {
    await (sim as Mt5Simulator | null)?.stop();
    await Deno.remove(logsDir, { recursive: true });
    throw e;
  }
}

Deno.test("demo mode on three symbols: one account, every symbol's orders validated, journalled and booked", async () => {
  const symbols = ["GBPUSD+", "AUDUSD+", "XAUUSD+"];
  const { summary, sim, logsDir } = await runBasketAgainstSim(symbols, {});
  try {
    assert.equal(summary.status, "completed", summary.halt_message ?? "");
    assert.equal(summary.mode, "demo");
    assert.deepEqual(summary.symbols, symbols);
    assert.equal(summary.account?.trade_mode, 0, "a DEMO account");
    // Every symbol streamed or polled its bars and traded.
    assert.equal(summary.bars_refused, 0, "the polled bars pass the streamed bars' checks");
    for (const s of symbols) {
      assert.ok(summary.bars_processed[s] >= 100, `${s}: ${summary.bars_processed[s]} bars`);
      assert.ok(summary.symbol_results[s].trades >= 3, `${s}: ${summary.symbol_results[s].trades} trades`);
    }
    assert.equal(summary.steps, summary.bars_processed["GBPUSD+"]);
    assert.equal(summary.duplicate_orders, 0);
    assert.equal(summary.unknown_outcomes, 0);
    // The journal: every order journalled before it was sent, with its symbol, on one account.
    const j = await readJournal(summary.journal);
    const events = j.events as Record<string, unknown>[];
    const pending = events.filter((e) => e.type === "order_pending");
    const results = events.filter((e) => e.type === "order_result");
    assert.ok(pending.length >= summary.trades.length, "orders journalled");
    assert.equal(pending.length, results.length, "every pending order has its result");
    for (const s of symbols) {
      assert.ok(pending.some((e) => e.symbol === s), `orders on ${s}`);
    }
    for (const e of pending) {
      const req = e.request as Record<string, unknown> | undefined;
      if (req && typeof req.symbol === "string") assert.equal(req.symbol, e.symbol, "the request's symbol");
    }
    assert.ok(events.some((e) => e.type === "session" && e.event === "basket"));
    assert.ok(events.filter((e) => e.type === "mark").length === summary.steps, "one account mark per step");
    assert.equal(events[events.length - 1].type, "run_end");
    // The terminal agrees with the books: every closed trade is a deal pair on its symbol, and the
    // positions still open on the terminal are the summary's open trades.
    for (const s of symbols) {
      const closing = sim.book.deals().filter((d) => d.symbol === s && d.entry === DEAL_ENTRY.OUT).length;
      const closed = summary.trades.filter((t) => t.symbol === s).length;
      assert.equal(closed, closing, `${s}: ${closed} trades, ${closing} closing deals on the terminal`);
    }
    const openOnTerminal = await sim.book.positions();
    assert.equal(openOnTerminal.length, summary.open_trades.length, "open positions agree");
    for (const p of openOnTerminal) {
      assert.ok(summary.open_trades.some((t) => t.symbol === p.symbol && Math.abs(t.size - p.volume) < 1e-9));
    }
    // The account's money: the terminal's balance moved by the closed trades' profit at the terminal's
    // fill prices (this simulated account charges no commission and no swap; the books add the
    // symbol's commission estimate, taken back out here).
    const acc = await sim.book.account();
    const gross = summary.trades.reduce((a, t) => a + t.pnl + t.commission - t.swap, 0);
    assert.ok(Math.abs(acc.balance - (10_000 + gross)) < 0.01, `balance ${acc.balance} vs 10000 + ${gross}`);
    assert.equal(summary.stats.trades, summary.trades.length);
  } finally {
    await sim.stop();
    await Deno.remove(logsDir, { recursive: true });
  }
});

Deno.test("demo basket: the account-level limits act across symbols (max positions, max trades)", async () => {
  const symbols = ["GBPUSD+", "AUDUSD+", "XAUUSD+"];
  const { summary, sim, logsDir } = await runBasketAgainstSim(symbols, { maxPositions: 1, maxTrades: 4 });
  try {
    assert.equal(
      summary.halt_reason === null || summary.halt_reason === "max_trades",
      true,
      summary.halt_message ?? "",
    );
    const j = await readJournal(summary.journal);
    const events = j.events as Record<string, unknown>[];
    // Never more than one position open on the account at a mark.
    for (const e of events.filter((x) => x.type === "mark")) {
      assert.ok((e.open_trades as number) <= 1, `open trades ${e.open_trades} at ${e.bar_time}`);
    }
    assert.ok(
      events.some((e) => e.type === "limit" && e.by === "max_positions"),
      "entries refused by the account's position limit",
    );
    const entries = events.filter((e) => e.type === "order_pending" && e.kind === "entry").length;
    assert.ok(entries <= 4, `${entries} entries for max trades 4`);
  } finally {
    await sim.stop();
    await Deno.remove(logsDir, { recursive: true });
  }
});

Deno.test("demo basket: the account gate refuses a REAL account before any order", async () => {
  const symbols = ["GBPUSD+", "AUDUSD+"];
  await assert.rejects(
    () => runBasketAgainstSim(symbols, {}, "real"),
    (e: Error & { code?: string }) => e.code === "account_refused",
  );
});

Deno.test("deno task live --symbols: live mode is refused, demo needs its gates, demo flags are checked (exit 2)", async () => {
  const run = async (args: string[]) => {
    const e = { ...Deno.env.toObject(), NO_COLOR: "1" };
    delete (e as Record<string, string>).RUST_BACKTRACE;
    delete (e as Record<string, string>).KINETRA_BRIDGE_SECRET;
    const dir = await Deno.makeTempDir();
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", "-A", "tasks/live.ts", ...args, "--logs-dir", dir],
        env: e,
        stdout: "piped",
        stderr: "piped",
        cwd: Deno.cwd(),
      }).output();
      return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  };
  const base = ["--symbols", "GBPUSD+,AUDUSD+", "--timeframe", "H4", "--strategy", "sma_cross"];
  const live = await run(["--mode", "live", ...base]);
  assert.equal(live.code, 2, live.stderr);
  assert.match(live.stderr, /live mode on several symbols .* is refused: run the basket in demo mode first/);
  const lots = await run(["--mode", "demo", ...base, "--lots", "0.1"]);
  assert.equal(lots.code, 2, lots.stderr);
  assert.match(lots.stderr, /--lots does not apply to demo mode on several symbols/);
  // No bridge secret: the same gate as single-symbol demo mode, before anything connects.
  const noSecret = await run(["--mode", "demo", ...base, "--yes"]);
  assert.equal(noSecret.code, 2, noSecret.stderr);
  assert.match(noSecret.stderr, /no bridge secret/);
});

Deno.test("demo basket: the account's CHS trips one breaker that stops new entries on every symbol", async () => {
  const symbols = ["GBPUSD+", "AUDUSD+", "XAUUSD+"];
  // A threshold no CHS reaches: the breaker trips as soon as the account's CHS is defined.
  const { summary, sim, logsDir } = await runBasketAgainstSim(symbols, { chsThreshold: 0.99 });
  try {
    assert.equal(summary.status, "completed", summary.halt_message ?? "");
    assert.ok(summary.chs.last !== null, "the account's CHS is defined");
    assert.ok(summary.breaker_events >= 1, "the breaker tripped");
    const events = (await readJournal(summary.journal)).events as Record<string, unknown>[];
    const trip = events.findIndex((e) => e.type === "breaker" && e.state === "tripped");
    assert.ok(trip > 0);
    // One breaker for the account: no entry order leaves the runner on any symbol after the trip.
    assert.ok(!events.slice(trip).some((e) => e.type === "order_pending" && e.kind === "entry"));
    const blocked = new Set(
      events.slice(trip).filter((e) => e.type === "limit" && e.by === "circuit_breaker").map((e) => e.symbol),
    );
    assert.ok(blocked.size >= 2, `entries blocked on ${[...blocked].join(", ")}`);
    assert.ok(summary.entries_blocked >= blocked.size);
  } finally {
    await sim.stop();
    await Deno.remove(logsDir, { recursive: true });
  }
});

/** Bars [0, a) and [b, n) of `x`: a hole of b - a bars. */
function withHole(x: BarArrays, a: number, b: number): BarArrays {
  const cut = (v: Float64Array) => Float64Array.from([...v.subarray(0, a), ...v.subarray(b)]);
  return {
    length: x.length - (b - a),
    time: cut(x.time),
    open: cut(x.open),
    high: cut(x.high),
    low: cut(x.low),
    close: cut(x.close),
    tickVolume: cut(x.tickVolume),
    volume: cut(x.volume),
    spread: x.spread ? cut(x.spread) : null,
  };
}

Deno.test("demo basket: a polled symbol with more bars since the last step than rates reads back halts (bar_gap)", async () => {
  // The streamed symbol jumps 250 bars ahead (its market "closed" for 250 H4 bars); the other kept
  // trading: more than POLL_BARS of its bars closed in one step, so the runner cannot see them all.
  const symbols = ["GBPUSD+", "AUDUSD+"];
  const { summary, sim, logsDir } = await runBasketAgainstSim(
    symbols,
    {},
    "demo",
    (k, b) => k === 0 ? withHole(b, 340, 590) : b,
    700,
  );
  try {
    assert.equal(summary.status, "halted");
    assert.equal(summary.halt_reason, "bar_gap", summary.halt_message ?? "");
    assert.match(summary.halt_message ?? "", /AUDUSD\+: more than 200 bars closed since its last bar/);
    assert.ok(summary.steps > 0 && summary.steps < 60, `${summary.steps} steps before the hole`);
  } finally {
    await sim.stop();
    await Deno.remove(logsDir, { recursive: true });
  }
});
