/**
 * Demo account testing from the menu, end to end on loopback: the menu's live runner listens, the
 * MT5 simulator (`tasks/mt5_sim.ts`, the Expert Advisor's stand-in) connects with the shared secret
 * configured through the menu's file, and orders flow. A REAL account is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeConfig } from "../../lib/menu/config.ts";
import { MENU_PERMISSIONS, MenuSession } from "../../lib/menu/exercise_session.ts";
import type { TraceEvent } from "../../lib/menu/trace.ts";
import { childEnv, ROOT, SAMPLE } from "./_helpers.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function until(
  s: MenuSession,
  answer: (ev: TraceEvent) => string | null,
  stop: (ev: TraceEvent) => boolean,
) {
  while (true) {
    const sig = await s.next(90_000);
    if (sig.type !== "event") throw new Error(`menu ended or hung: ${sig.type}\n${s.stdout.slice(-2500)}`);
    if (stop(sig.event)) return sig.event;
    const a = answer(sig.event);
    if (a !== null) await s.send(a);
  }
}

async function demoRun(
  account: "demo" | "real",
  waitS: number,
): Promise<{ stdout: string; code: number | null; logs: string }> {
  const work = await Deno.makeTempDir({ prefix: "kinetra-menu-demo-" });
  const port = freePort();
  const secret = `demo-secret-${crypto.randomUUID().slice(0, 8)}`;
  const config = join(work, "config.json");
  await writeConfig(config, { bridge: { address: `127.0.0.1:${port}`, secret } });
  const file = join(SAMPLE, "forex", "GBPUSD+_H4_202401020000_202512262000.csv");
  const session = new MenuSession({
    root: ROOT,
    menuArgs: ["--data-dir", SAMPLE, "--logs-dir", join(work, "logs"), "--config", config],
    permissions: [
      ...MENU_PERMISSIONS.filter((p) => !p.startsWith("--allow-net")),
      `--allow-net=127.0.0.1:${port}`,
    ],
  });
  let sim: Deno.ChildProcess | null = null;
  try {
    // Live Testing > Demo Account Testing: sma_cross, GBPUSD+ (3rd symbol), 2 minutes, 2 trades.
    const choose = ["1", "3"];
    const numbers = ["2", "2", "", String(waitS)];
    await until(session, (ev) => {
      if (ev.kind === "menu") return ev.crumb === "Main Menu" ? "4" : "2";
      if (ev.kind === "choose") return choose.shift() ?? "1";
      if (ev.kind === "number") return numbers.shift() ?? "";
      if (ev.kind === "typed") return "DEMO";
      return "";
    }, (ev) => ev.kind === "op_start");
    sim = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-ffi",
        "--allow-sys",
        `--allow-net=127.0.0.1:${port}`,
        join(ROOT, "tasks", "mt5_sim.ts"),
        "--port",
        String(port),
        "--account",
        account,
        "--data",
        file,
        "--bar-ms",
        "5",
      ],
      cwd: ROOT,
      env: childEnv({ KINETRA_BRIDGE_SECRET: secret }),
      stdout: "null",
      stderr: "null",
    }).spawn();
    const pause = await until(session, () => null, (ev) => ev.kind === "pause");
    assert.equal(pause.crumb, "Main Menu > Live Testing > Demo Account Testing");
    await session.send("");
    await until(session, () => null, (ev) => ev.kind === "menu");
    await session.send("q");
    const end = await session.finish(20_000);
    let logs = "";
    const walk = async (d: string) => {
      for await (const e of Deno.readDir(d)) {
        const p = join(d, e.name);
        if (e.isDirectory) await walk(p);
        else logs += await Deno.readTextFile(p);
      }
    };
    await walk(join(work, "logs")).catch(() => {});
    assert.ok(!end.stdout.includes(secret) && !end.stderr.includes(secret), "secret not on screen");
    assert.ok(!logs.includes(secret), "secret not in any log");
    return { stdout: end.stdout, code: end.code, logs };
  } finally {
    try {
      sim?.kill("SIGTERM");
    } catch { /* gone */ }
    await sim?.status;
    await session.finish(5_000);
    await Deno.remove(work, { recursive: true });
  }
}

Deno.test("demo account testing through the menu trades the simulator's DEMO account", async () => {
  const r = await demoRun("demo", 30);
  assert.equal(r.code, 0, r.stdout.slice(-3000));
  assert.match(r.stdout, /demo run .*: GBPUSD\+ H4, strategy sma_cross/);
  assert.match(r.stdout, /account \S+@\S+ \(trade mode 0\)/);
  const m = r.stdout.match(/trades (\d+) closed, (\d+) open/);
  assert.ok(m, r.stdout.slice(-2000));
  assert.ok(Number(m[1]) + Number(m[2]) >= 1, "orders reached the simulator");
  assert.match(r.logs, /"kind"|"type"|"event"/, "a journal was written");
});

Deno.test("demo account testing refuses a REAL account and says why", async () => {
  // The runner refuses the REAL account at once and keeps waiting for an acceptable one until the
  // connect timeout: 5 s here.
  const r = await demoRun("real", 5);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Error: .*refused.*demo mode accepts only DEMO accounts/);
  assert.doesNotMatch(r.stdout, /trades \d+ closed/);
});
