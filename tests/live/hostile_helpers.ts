// A demo session against the simulator, optionally through the man-in-the-middle proxy, with hooks
// for hostile connections: the shared rig of the bridge-edge tests and of fuzz:bridge's checks.
import assert from "node:assert/strict";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { toMt5SymbolInfo } from "../../lib/market/mod.ts";
import { type LiveOptions, type LiveSummary, readJournal, runLive } from "../../lib/live/mod.ts";
import { BridgeProxy, type LineRewrite } from "../../lib/live/hostile.ts";
import { Mt5Simulator, type SimulatorOptions } from "../../lib/mt5/mod.ts";
import { sampleBars } from "../mt5/helpers.ts";
import type { BarArrays } from "../../lib/data/types.ts";

export const SECRET = "hostile-test-secret-91";

export interface Rig {
  summary: LiveSummary;
  sim: Mt5Simulator;
  proxy: BridgeProxy | null;
  lines: string[];
  logsDir: string;
}

export async function someBars(n: number): Promise<BarArrays> {
  const all = await sampleBars();
  return {
    length: n,
    time: all.time.subarray(0, n),
    open: all.open.subarray(0, n),
    high: all.high.subarray(0, n),
    low: all.low.subarray(0, n),
    close: all.close.subarray(0, n),
    tickVolume: all.tickVolume.subarray(0, n),
    volume: all.volume.subarray(0, n),
    spread: all.spread ? all.spread.subarray(0, n) : null,
  };
}

/** Demo options with generous margins (the machine is shared). */
export function demoOptions(logsDir: string, extra: Partial<LiveOptions> = {}): LiveOptions {
  return {
    mode: "demo",
    symbol: "GBPUSD+",
    timeframe: "H4",
    strategy: "sma_cross",
    yes: true,
    bridge: "127.0.0.1:0",
    logsDir,
    configPath: `${logsDir}/no-config.json`,
    chsThreshold: 0,
    heartbeatMs: 100,
    deadAfterMs: 1500,
    timeouts: { readMs: 2000, tradeMs: 1500, ratesMs: 4000 },
    connectTimeoutMs: 8000,
    reconnectTimeoutMs: 3000,
    barTimeoutMs: 8000,
    ...extra,
  };
}

/**
 * Run a demo session. `rewrite` puts the proxy between the simulator and the runner;
 * `beforeSim(port)` runs (awaited by the simulator's start) once the runner listens.
 */
export async function rig(opts: {
  rewrite?: LineRewrite;
  bars?: number;
  live?: Partial<LiveOptions>;
  sim?: Partial<SimulatorOptions>;
  beforeSim?: (port: number) => Promise<void>;
  /** Called with the simulator before it connects (e.g. to put positions in its book). */
  onSim?: (sim: Mt5Simulator) => Promise<void>;
  onStarted?: (sim: Mt5Simulator, proxy: BridgeProxy | null, port: number) => void;
  logsDir?: string;
  env?: Record<string, string>;
  print?: (line: string) => void;
} = {}): Promise<Rig> {
  const bars = await someBars(opts.bars ?? 420);
  const logsDir = opts.logsDir ?? await Deno.makeTempDir();
  const lines: string[] = [];
  let sim: Mt5Simulator | null = null;
  let proxy: BridgeProxy | null = null;
  let started: Promise<void> = Promise.resolve();
  const summary = await runLive(demoOptions(logsDir, opts.live), {
    print: (l) => {
      lines.push(l);
      opts.print?.(l);
    },
    env: (name) => ({ KINETRA_BRIDGE_SECRET: SECRET, ...opts.env })[name],
    onBridgeListening: ({ hostname, port }) => {
      assert.equal(hostname, "127.0.0.1");
      if (opts.rewrite) proxy = new BridgeProxy(port, opts.rewrite);
      sim = new Mt5Simulator({
        hostname,
        port: proxy ? (proxy as BridgeProxy).port : port,
        secret: SECRET,
        symbol: "GBPUSD+",
        timeframe: "H4",
        spec: toMt5SymbolInfo(symbolSpec("GBPUSD+")),
        bars,
        historyBars: 300,
        barIntervalMs: 12,
        reconnectDelayMs: 50,
        stallMs: 2000,
        maxConnectAttempts: 3,
        commissionPerLot: symbolSpec("GBPUSD+").commissionPerLot,
        ...opts.sim,
      });
      const s = sim;
      started = (async () => {
        if (opts.beforeSim) await opts.beforeSim(port);
        if (opts.onSim) await opts.onSim(s);
        await s.start();
        opts.onStarted?.(s, proxy, port);
      })();
    },
  });
  await started.catch(() => {});
  const s = sim as unknown as Mt5Simulator;
  await s?.stop();
  await (proxy as BridgeProxy | null)?.close();
  return { summary, sim: s, proxy, lines, logsDir };
}

/**
 * The journal and the simulator's book agree: every cid the book executed is journalled as done
 * (once), every done order is in the book, nothing is pending, and the net position matches.
 */
export async function assertAgree(r: Rig): Promise<void> {
  const j = await readJournal(r.summary.journal);
  const ours = r.sim.book.deals().filter((d) => d.comment.startsWith("k"));
  const perCid = new Map<string, number>();
  for (const d of ours) perCid.set(d.comment, (perCid.get(d.comment) ?? 0) + 1);
  for (const [cid, count] of perCid) assert.equal(count, 1, `cid ${cid} was executed ${count} times`);
  const done = new Set(j.orders.filter((o) => o.state === "done").map((o) => o.cid));
  const open = j.orders.filter((o) => o.state === "pending" || o.state === "unknown").map((o) => o.cid);
  for (const cid of open) {
    assert.match(r.summary.halt_message ?? "", new RegExp(cid), `order ${cid} left without outcome`);
  }
  for (const cid of perCid.keys()) {
    assert.ok(done.has(cid) || open.includes(cid), `book cid ${cid} not journalled as done`);
  }
  for (const cid of done) assert.ok(perCid.has(cid), `journal cid ${cid} not in the book`);
  if (!open.length) {
    const bookNet = (await r.sim.book.positions()).reduce(
      (s, p) => s + (p.type === 0 ? p.volume : -p.volume),
      0,
    );
    const ledgerNet = r.summary.open_trades.reduce((s, t) => s + (t.side === "long" ? t.size : -t.size), 0);
    assert.ok(Math.abs(bookNet - ledgerNet) < 1e-9, `book ${bookNet} vs ledger ${ledgerNet}`);
  }
}
