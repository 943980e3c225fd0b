/**
 * `deno task fuzz:bridge`: demo sessions against the loopback simulator through a
 * man-in-the-middle proxy that mutates what the Expert Advisor sends (nulls, wrong types, huge and
 * non-finite numbers, deleted fields, truncated, duplicated, dropped and garbage lines, bad bars,
 * unreadable retcodes), plus hostile unauthenticated connections, bounded in count and time, all on
 * 127.0.0.1. For every case the runner must not crash (runLive returns a summary), must not lose a
 * journalled order, and its journal must agree with the simulator's book. Seeded: a failing case is
 * reproduced by its seed.
 *
 * @module
 */
import { symbolSpec } from "../market/instrument.ts";
import { signedPositionLots, toMt5SymbolInfo } from "../market/mod.ts";
import type { BarArrays } from "../data/types.ts";
import { Mt5Simulator } from "../mt5/simulator.ts";
import { BridgeProxy, hostileHello, LOOPBACK } from "./hostile.ts";
import { readJournal } from "./journal.ts";
import { runLive } from "./runner.ts";
import type { LiveSummary } from "./types.ts";

/** A small seeded generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_VALUES: unknown[] = [
  null,
  "",
  "1.2",
  "NaN",
  -1,
  0,
  1e308,
  -1e308,
  2 ** 63,
  true,
  [],
  {},
  "x".repeat(300),
];

/** Mutate one JSON line from the EA; returns the lines to forward instead (and what was done). */
export function mutateLine(line: string, rand: () => number): { lines: string[]; what: string } {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
  const r = rand();
  if (r < 0.08) return { lines: [], what: "drop" };
  if (r < 0.14) return { lines: [line, line], what: "duplicate" };
  if (r < 0.2) return { lines: [line.slice(0, Math.floor(rand() * line.length))], what: "truncate" };
  if (r < 0.25) {
    return {
      lines: [line, pick(["{", "[]", "null", '{"v":1}', '{"v":1,"t":"bar"}', "\u0000"])],
      what: "garbage",
    };
  }
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(line);
  } catch {
    return { lines: [line], what: "none" };
  }
  // Pick an object inside the message (the message itself, its data, its bar, or a list element).
  const targets: Record<string, unknown>[] = [m];
  const add = (v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) targets.push(v as Record<string, unknown>);
    if (Array.isArray(v) && v.length && typeof v[0] === "object") {
      targets.push(v[Math.floor(rand() * v.length)]);
    }
  };
  add(m.data);
  add(m.bar);
  if (m.data && typeof m.data === "object") add((m.data as Record<string, unknown>).result);
  const o = pick(targets);
  const keys = Object.keys(o).filter((k) => k !== "v" && k !== "t");
  if (!keys.length) return { lines: [JSON.stringify({ ...m, data: null })], what: "data=null" };
  const k = pick(keys);
  if (rand() < 0.2) {
    delete o[k];
    return { lines: [JSON.stringify(m)], what: `delete ${k}` };
  }
  const v = pick(HOSTILE_VALUES);
  o[k] = v;
  return { lines: [JSON.stringify(m)], what: `${k}=${JSON.stringify(v)?.slice(0, 12)}` };
}

/** One fuzz case's outcome. */
export interface FuzzCase {
  seed: number;
  mutations: number;
  status: string;
  halt_reason: string | null;
  bad_messages: number;
  problems: string[];
}

/**
 * The checks of one session: journal vs book (each executed cid once, every done order in the book,
 * every executed cid journalled as done or named as unknown in the halt message) and the net position.
 */
export async function agreement(summary: LiveSummary, sim: Mt5Simulator): Promise<string[]> {
  const problems: string[] = [];
  const j = await readJournal(summary.journal);
  const perCid = new Map<string, number>();
  for (const d of sim.book.deals()) {
    if (d.comment.startsWith("k")) perCid.set(d.comment, (perCid.get(d.comment) ?? 0) + 1);
  }
  for (const [cid, n] of perCid) if (n > 1) problems.push(`cid ${cid} executed ${n} times`);
  const done = new Set(j.orders.filter((o) => o.state === "done").map((o) => o.cid));
  const open = j.orders.filter((o) => o.state === "pending" || o.state === "unknown").map((o) => o.cid);
  for (const cid of open) {
    if (!(summary.halt_message ?? "").includes(cid)) problems.push(`order ${cid} left without an outcome`);
  }
  for (const cid of perCid.keys()) {
    if (!done.has(cid) && !open.includes(cid)) problems.push(`executed cid ${cid} not journalled as done`);
  }
  for (const cid of done) if (!perCid.has(cid)) problems.push(`journalled cid ${cid} not in the book`);
  if (!open.length) {
    const book = (await sim.book.positions()).reduce((s, p) => s + signedPositionLots(p), 0);
    const ledger = summary.open_trades.reduce((s, t) => s + (t.side === "long" ? t.size : -t.size), 0);
    if (Math.abs(book - ledger) > 1e-9) problems.push(`book position ${book} vs the runner's ${ledger}`);
  }
  if (j.events.at(-1)?.type !== "run_end") problems.push("the journal does not end with run_end");
  return problems;
}

/** Options of a fuzz run. */
export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Bars of the sample streamed per case (after 300 of history). Default 60. */
  bars: number;
  /** Probability that a line from the EA is mutated. Default 0.03. */
  rate: number;
  bars_data: BarArrays;
  logsDir: string;
  print?: (line: string) => void;
}

/** Run the cases; each returns its problems (empty = passed). */
export async function fuzzBridge(o: FuzzOptions): Promise<FuzzCase[]> {
  const out: FuzzCase[] = [];
  const secret = "fuzz-bridge-secret-" + o.seed;
  const n = Math.min(o.bars_data.length, 300 + o.bars);
  const cut = (a: Float64Array) => a.subarray(0, n);
  const bars: BarArrays = {
    length: n,
    time: cut(o.bars_data.time),
    open: cut(o.bars_data.open),
    high: cut(o.bars_data.high),
    low: cut(o.bars_data.low),
    close: cut(o.bars_data.close),
    tickVolume: cut(o.bars_data.tickVolume),
    volume: cut(o.bars_data.volume),
    spread: o.bars_data.spread ? cut(o.bars_data.spread) : null,
  };
  for (let c = 0; c < o.cases; c++) {
    const seed = o.seed + c;
    const rand = seededRandom(seed);
    let mutations = 0;
    let welcomed = false;
    let sim: Mt5Simulator | null = null;
    let proxy: BridgeProxy | null = null;
    let started: Promise<void> = Promise.resolve();
    const problems: string[] = [];
    let summary: LiveSummary | null = null;
    try {
      summary = await runLive({
        mode: "demo",
        symbol: "GBPUSD+",
        timeframe: "H4",
        strategy: "sma_cross",
        yes: true,
        bridge: `${LOOPBACK}:0`,
        logsDir: o.logsDir,
        configPath: `${o.logsDir}/no-config.json`,
        chsThreshold: 0,
        heartbeatMs: 100,
        deadAfterMs: 1500,
        timeouts: { readMs: 800, tradeMs: 800, ratesMs: 3000 },
        connectTimeoutMs: 8000,
        reconnectTimeoutMs: 3000,
        barTimeoutMs: 5000,
        durationMin: 1,
      }, {
        print: () => {},
        env: (k) => (k === "KINETRA_BRIDGE_SECRET" ? secret : undefined),
        onBridgeListening: ({ port }) => {
          proxy = new BridgeProxy(port, (dir, line) => {
            if (dir === "to_ea") {
              if (line.includes('"welcome"')) welcomed = true;
              return [line];
            }
            if (!welcomed || rand() >= o.rate) return [line];
            mutations++;
            return mutateLine(line, rand).lines;
          });
          const s = new Mt5Simulator({
            hostname: LOOPBACK,
            port: proxy.port,
            secret,
            symbol: "GBPUSD+",
            timeframe: "H4",
            spec: toMt5SymbolInfo(symbolSpec("GBPUSD+")),
            bars,
            historyBars: 300,
            barIntervalMs: 15,
            reconnectDelayMs: 50,
            maxConnectAttempts: 20,
            faults: rand() < 0.5 ? ["lost_reply"] : [],
          });
          sim = s;
          started = (async () => {
            // Hostile local processes first: wrong HMAC hellos, then the EA.
            for (let k = Math.floor(rand() * 3); k > 0; k--) {
              await hostileHello(LOOPBACK, port, { waitMs: 300 });
            }
            await s.start();
          })();
        },
      });
    } catch (e) {
      problems.push(`runLive threw (a crash): ${(e as Error)?.stack ?? e}`);
    }
    await started.catch((e) => problems.push(`setup: ${e}`));
    const s = sim as Mt5Simulator | null;
    await s?.stop();
    await (proxy as BridgeProxy | null)?.close();
    if (summary && s) {
      if (summary.halt_reason === "internal_error") problems.push(`internal error: ${summary.halt_message}`);
      problems.push(...await agreement(summary, s));
    }
    const fc: FuzzCase = {
      seed,
      mutations,
      status: summary?.status ?? "crashed",
      halt_reason: summary?.halt_reason ?? null,
      bad_messages: summary?.bad_messages ?? 0,
      problems,
    };
    o.print?.(
      `case ${c + 1}/${o.cases} seed ${seed}: ${mutations} mutations, ${fc.status}` +
        `${fc.halt_reason ? ` (${fc.halt_reason})` : ""}, ${fc.bad_messages} bad messages: ` +
        (problems.length ? `FAILED\n  ${problems.join("\n  ")}` : "ok"),
    );
    out.push(fc);
  }
  return out;
}
