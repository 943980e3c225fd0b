// The live tasks as a user runs them (child processes with the deno.json flags): refusals with
// clear messages and exit codes, never a stack trace; the JSON summary; a crash loses nothing
// journalled; and a demo session never prints or logs the bridge secret.
import assert from "node:assert/strict";
import { symbolSpec } from "../../lib/market/instrument.ts";
import { toMt5SymbolInfo } from "../../lib/market/mod.ts";
import { readJournal } from "../../lib/live/mod.ts";
import { Mt5Simulator } from "../../lib/mt5/mod.ts";
import { sampleBars } from "../mt5/helpers.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
const BASE = [
  "run",
  "--no-prompt",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
];

function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete env.RUST_BACKTRACE;
  delete env.KINETRA_BRIDGE_SECRET;
  delete env.KINETRA_ALLOW_LIVE;
  return { ...env, ...extra };
}

async function run(flags: string[], args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...BASE, ...flags, "tasks/live.ts", ...args],
    env: cleanEnv(env),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at .*\.ts:\d+/);

Deno.test("live mode without the opt-ins is refused with what is missing (exit 2, no stack trace)", async () => {
  const r = await run(["--allow-net=127.0.0.1:18812"], [
    "--mode",
    "live",
    "--symbol",
    "EURUSD",
    "--timeframe",
    "H1",
    "--strategy",
    "sma_cross",
    "--yes",
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error: live mode refused/);
  assert.match(r.stderr, /--i-accept-real-money-risk/);
  assert.match(r.stderr, /KINETRA_ALLOW_LIVE=1/);
  noStack(r.stderr);
});

Deno.test("demo mode without --yes and no terminal answer is refused", async () => {
  const r = await run(["--allow-net=127.0.0.1:18812"], [
    "--mode",
    "demo",
    "--symbol",
    "EURUSD",
    "--timeframe",
    "H1",
    "--strategy",
    "sma_cross",
  ], { KINETRA_BRIDGE_SECRET: "cli-test-secret-1" });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /typed confirmation/);
  noStack(r.stderr);
});

Deno.test("demo mode without --allow-net exits 3 naming the exact flag", async () => {
  const dir = await Deno.makeTempDir();
  const r = await run([], [
    "--mode",
    "demo",
    "--symbol",
    "EURUSD",
    "--timeframe",
    "H1",
    "--strategy",
    "sma_cross",
    "--yes",
    "--logs-dir",
    dir,
  ], { KINETRA_BRIDGE_SECRET: "cli-test-secret-1" });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /--allow-net=127\.0\.0\.1:18812/);
  noStack(r.stderr);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("virtual mode --json prints the summary with the documented fields", async () => {
  const dir = await Deno.makeTempDir();
  const r = await run([], [
    "--mode",
    "virtual",
    "--strategy",
    "sma_cross",
    "--data",
    GBPUSD,
    "--json",
    "--logs-dir",
    dir,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  for (const k of ["mode", "symbol", "timeframe", "strategy", "trades", "stats", "chs", "breaker_events"]) {
    assert.ok(k in s, k);
  }
  for (const k of ["validator_rejections", "duplicate_orders", "journal", "readiness"]) assert.ok(k in s, k);
  assert.equal(s.mode, "virtual");
  assert.equal(s.symbol, "GBPUSD+");
  assert.equal(s.timeframe, "H4");
  assert.ok("min" in s.chs && "last" in s.chs);
  assert.ok(s.trades.length > 0 && "entry_time" in s.trades[0] && "mfe" in s.trades[0]);
  assert.ok("return_pct" in s.stats && "omega" in s.stats);
  assert.match(s.trades[0].entry_time, /^\d{4}-\d\d-\d\dT/);
  assert.ok((await Deno.stat(s.journal)).isFile);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a crash (SIGKILL) loses nothing that was journalled", async () => {
  const dir = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...BASE,
      "tasks/live.ts",
      "--mode",
      "virtual",
      "--strategy",
      "sma_cross",
      "--data",
      GBPUSD,
      "--speed",
      "400",
      "--chs-threshold",
      "0",
      "--logs-dir",
      dir,
    ],
    env: cleanEnv(),
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  // Kill it once a few orders are journalled (polling, so a slow start on a busy machine is fine).
  const results = () => {
    try {
      const [run] = [...Deno.readDirSync(dir)];
      return Deno.readTextFileSync(`${dir}/${run.name}/journal.jsonl`).split('"order_result"').length - 1;
    } catch {
      return 0;
    }
  };
  for (let k = 0; k < 600 && results() < 3; k++) await new Promise((r) => setTimeout(r, 50));
  child.kill("SIGKILL");
  await child.status;
  const [run0] = [...Deno.readDirSync(dir)];
  const j = await readJournal(`${dir}/${run0.name}/journal.jsonl`);
  assert.ok(j.bad_lines <= 1, "at most a torn last line");
  assert.ok(j.orders.length >= 2, `expected orders before the kill, got ${j.orders.length}`);
  // Every order but possibly the last one has its outcome on disk; none is unknown.
  assert.ok(j.orders.slice(0, -1).every((o) => o.state === "done"));
  assert.ok(!j.events.some((e) => e.type === "run_end"), "the run was really killed mid-way");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a demo session never prints or logs the bridge secret", async () => {
  const SECRET = "Zx9-super-secret-bridge-key-41";
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const dir = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...BASE,
      `--allow-net=127.0.0.1:${port}`,
      "tasks/live.ts",
      "--mode",
      "demo",
      "--symbol",
      "GBPUSD+",
      "--timeframe",
      "H4",
      "--strategy",
      "sma_cross",
      "--yes",
      "--json",
      "--bridge",
      `127.0.0.1:${port}`,
      "--logs-dir",
      dir,
      "--chs-threshold",
      "0",
      "--connect-timeout",
      "20",
    ],
    env: cleanEnv({ KINETRA_BRIDGE_SECRET: SECRET }),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const all = await sampleBars();
  const n = 420;
  const cut = <T extends Float64Array>(a: T) => a.subarray(0, n);
  let sim: Mt5Simulator | null = null;
  for (let k = 0; k < 100 && !sim; k++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
    } catch {
      continue;
    }
    sim = new Mt5Simulator({
      hostname: "127.0.0.1",
      port,
      secret: SECRET,
      symbol: "GBPUSD+",
      timeframe: "H4",
      spec: toMt5SymbolInfo(symbolSpec("GBPUSD+")),
      bars: {
        ...all,
        length: n,
        time: cut(all.time),
        open: cut(all.open),
        high: cut(all.high),
        low: cut(all.low),
        close: cut(all.close),
        tickVolume: cut(all.tickVolume),
        volume: cut(all.volume),
        spread: all.spread ? cut(all.spread) : null,
      },
      historyBars: 300,
      barIntervalMs: 10,
      reconnectDelayMs: 50,
    });
    await sim.start();
  }
  assert.ok(sim, "the runner never listened");
  await sim!.finished;
  await new Promise((r) => setTimeout(r, 300));
  await sim!.stop();
  const out = await child.output();
  const stdout = new TextDecoder().decode(out.stdout), stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const summary = JSON.parse(stdout);
  assert.ok(summary.trades.length > 0, "a real session with trades");
  assert.ok(!stdout.includes(SECRET) && !stderr.includes(SECRET), "the secret was printed");
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      e.isDirectory ? walk(`${d}/${e.name}`) : files.push(`${d}/${e.name}`);
    }
  };
  walk(dir);
  assert.ok(files.length >= 2);
  for (const f of files) assert.ok(!(await Deno.readTextFile(f)).includes(SECRET), `the secret is in ${f}`);
  await Deno.remove(dir, { recursive: true });
});
