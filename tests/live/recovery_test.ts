// Issue 15 item 15 and the crash-recovery test: a run killed with an order in flight leaves an
// `order_pending` without outcome and maybe an open position; the next run of the same account and
// magic reconciles every such order against the terminal and closes the leftover positions by the
// documented rule, journalled. The crash test kills the runner (a child process, kill -9) at random
// points of a demo session against the simulator with lost replies, restarts it, and requires the
// journals and the simulator's book to agree.
import assert from "node:assert/strict";
import { join } from "node:path";
import { ORDER_TYPE, TRADE_ACTION } from "../../lib/market/mt5_constants.ts";
import { readJournal } from "../../lib/live/mod.ts";
import { Mt5Simulator } from "../../lib/mt5/mod.ts";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { toMt5SymbolInfo } from "../../lib/market/mod.ts";
import { rig, SECRET, someBars } from "./hostile_helpers.ts";

const MAGIC = "20261122";

/** A previous run's journal: bound to the simulator's demo account, one order sent without outcome. */
async function previousRun(logsDir: string, cid: string): Promise<string> {
  const dir = join(logsDir, "20261201T000000Z-demo-GBPUSD+-sma_cross");
  await Deno.mkdir(dir, { recursive: true });
  const ts = "2026-12-01T00:00:00.000Z";
  const lines = [
    { ts, type: "run_start", mode: "demo", symbol: "GBPUSD+", timeframe: "H4", magic: MAGIC },
    {
      ts,
      type: "session",
      event: "account_bound",
      login: "5000123",
      server: "Kinetra-Sim-Demo",
      magic: MAGIC,
    },
    { ts, type: "order_pending", cid, kind: "entry", request: { volume: 0.5 } },
  ];
  await Deno.writeTextFile(join(dir, "journal.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return dir;
}

Deno.test("15.15: an order in flight at a crash is reconciled on restart and its position closed by the rule", async () => {
  const logsDir = await Deno.makeTempDir();
  const cid = "kcrash0000000001";
  await previousRun(logsDir, cid);
  let leftover = "";
  const r = await rig({
    logsDir,
    // The terminal executed the order before the crash: a position with the run's magic is open.
    onSim: async (sim) => {
      const q = await sim.book.quote("GBPUSD+");
      const res = await sim.book.send(cid, {
        action: TRADE_ACTION.DEAL,
        symbol: "GBPUSD+",
        volume: 0.5,
        type: ORDER_TYPE.BUY,
        price: q.ask,
        type_filling: 1,
        magic: MAGIC,
        comment: cid,
      });
      assert.equal(res.retcode, 10009, res.comment);
      leftover = res.position;
    },
  });
  const rec = r.summary.recovery!;
  assert.ok(rec, "a recovery report");
  assert.match(rec.previous_run ?? "", /20261201T000000Z/);
  assert.equal(rec.orders_checked, 1);
  assert.equal(rec.executed, 1);
  assert.equal(rec.positions_closed, 1);
  assert.ok(Number.isFinite(rec.closed_profit));
  const j = await readJournal(r.summary.journal);
  const events = j.events.filter((e) => e.type === "recovery");
  assert.ok(events.some((e) => e.what === "order" && e.cid === cid && e.state === "executed"));
  assert.ok(events.some((e) => e.what === "position_closed" && e.ticket === leftover));
  // The leftover is closed before the session trades, and not counted as one of this run's trades.
  assert.ok(!(await r.sim.book.positions()).some((p) => p.ticket === leftover));
  assert.ok(r.summary.trades.every((t) => t.size !== 0.5 || t.entry_bar > 0));
  const firstOrder = j.events.findIndex((e) => e.type === "order_pending" && e.kind !== "recovery_close");
  const lastRecovery = j.events.findLastIndex((e) => e.type === "recovery");
  assert.ok(firstOrder === -1 || lastRecovery < firstOrder, "recovery comes before any new order");
  assert.equal(r.summary.status, "completed", r.summary.halt_message ?? "");
  await Deno.remove(logsDir, { recursive: true });
});

const BASE = [
  "run",
  "--no-prompt",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
];

function runner(port: number, logsDir: string): Deno.ChildProcess {
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    NO_COLOR: "1",
    KINETRA_BRIDGE_SECRET: SECRET,
  };
  delete env.RUST_BACKTRACE;
  delete env.KINETRA_ALLOW_LIVE;
  return new Deno.Command(Deno.execPath(), {
    args: [
      ...BASE,
      `--allow-net=127.0.0.1:${port}`,
      "tasks/live.ts",
      ...["--mode", "demo", "--symbol", "GBPUSD+", "--timeframe", "H4", "--strategy", "sma_cross"],
      ...["--yes", "--json", "--bridge", `127.0.0.1:${port}`, "--logs-dir", logsDir, "--chs-threshold", "0"],
      ...["--connect-timeout", "30", "--trade-timeout", "1", "--bar-timeout", "20"],
    ],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** A small seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function journals(logsDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of Deno.readDirSync(logsDir)) {
    const p = join(logsDir, e.name, "journal.jsonl");
    try {
      await Deno.stat(p);
      out.push(p);
    } catch { /* none yet */ }
  }
  return out.sort();
}

async function countPending(logsDir: string): Promise<number> {
  let n = 0;
  for (const p of await journals(logsDir)) {
    n += (await Deno.readTextFile(p)).split("\n").filter((l) => l.includes('"order_pending"')).length;
  }
  return n;
}

for (const seed of (Deno.env.get("CRASH_SEEDS") ?? "11,23,37").split(",").map(Number)) {
  Deno.test(`crash recovery (seed ${seed}): kill -9 with lost replies on, restart; journals and the book agree`, async () => {
    const rand = rng(seed);
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const logsDir = await Deno.makeTempDir();
    const sim = new Mt5Simulator({
      hostname: "127.0.0.1",
      port,
      secret: SECRET,
      symbol: "GBPUSD+",
      timeframe: "H4",
      spec: toMt5SymbolInfo(symbolSpec("GBPUSD+")),
      bars: await someBars(500),
      historyBars: 300,
      barIntervalMs: 20,
      reconnectDelayMs: 50,
      maxConnectAttempts: 2000,
      faults: ["lost_reply"],
    });
    const first = runner(port, logsDir);
    let started = false;
    for (let k = 0; k < 300 && !started; k++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        started = true;
      } catch { /* not listening yet */ }
    }
    assert.ok(started, "the first runner never listened");
    await sim.start();
    // Kill at a random point: after the k-th order was journalled, plus a random delay.
    const k = 1 + Math.floor(rand() * 3);
    const delay = Math.floor(rand() * 400);
    for (let w = 0; w < 2000 && (await countPending(logsDir)) < k; w++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, delay));
    try {
      first.kill("SIGKILL");
    } catch { /* already ended: asserted below */ }
    const s1 = await first.output();
    assert.equal(s1.signal, "SIGKILL", `the first runner was killed (k ${k}, delay ${delay} ms)`);
    // The market pauses while no EA session is up; the kill must come before the data ended (the
    // end-of-data notice would have gone to the dead runner).
    assert.ok(sim.cursor < 500, `the kill came after the end of the data (k ${k}, delay ${delay} ms)`);
    const second = runner(port, logsDir);
    await sim.finished;
    const out = await second.output();
    await sim.stop();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr.slice(-2000));
    const summary = JSON.parse(new TextDecoder().decode(out.stdout));

    const [j1path, j2path] = await journals(logsDir);
    const j1 = await readJournal(j1path === summary.journal ? j2path : j1path);
    const j2 = await readJournal(summary.journal);
    const recovered = new Map(
      j2.events.filter((e) => e.type === "recovery" && e.what === "order").map((
        e,
      ) => [String(e.cid), String(e.state)]),
    );
    // Every order the first run left without an outcome was reconciled by the second.
    for (const o of j1.orders.filter((o) => o.state === "pending" || o.state === "unknown")) {
      assert.ok(recovered.has(o.cid), `order ${o.cid} of the killed run was not reconciled`);
    }
    // The book executed each client order id once, and every one of them is accounted for.
    const perCid = new Map<string, number>();
    for (const d of sim.book.deals()) {
      if (d.comment.startsWith("k")) perCid.set(d.comment, (perCid.get(d.comment) ?? 0) + 1);
    }
    for (const [cid, n] of perCid) assert.equal(n, 1, `cid ${cid} executed ${n} times`);
    const done = new Set([...j1.orders, ...j2.orders].filter((o) => o.state === "done").map((o) => o.cid));
    for (const cid of perCid.keys()) {
      assert.ok(
        done.has(cid) || recovered.get(cid) === "executed",
        `executed cid ${cid} lost by the journals`,
      );
    }
    for (const cid of done) assert.ok(perCid.has(cid), `journalled cid ${cid} not in the book`);
    for (const [cid, state] of recovered) {
      assert.equal(state === "executed", perCid.has(cid), `recovery of ${cid}`);
    }
    // What is open on the terminal is exactly the second run's open position.
    const bookNet = (await sim.book.positions()).reduce(
      (s, p) => s + (p.type === 0 ? p.volume : -p.volume),
      0,
    );
    const ledgerNet = summary.open_trades.reduce(
      (s: number, t: { side: string; size: number }) => s + (t.side === "long" ? t.size : -t.size),
      0,
    );
    assert.ok(Math.abs(bookNet - ledgerNet) < 1e-9, `book ${bookNet} vs second run ${ledgerNet}`);
    assert.equal(summary.duplicate_orders, 0);
    await Deno.remove(logsDir, { recursive: true });
  });
}
