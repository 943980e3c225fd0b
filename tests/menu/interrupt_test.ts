/**
 * Ctrl-C (SIGINT) while an operation runs stops it and returns to the menu; the menu then goes on
 * and exits with 0. The real menu runs as a child process, driven through its prompt events.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeConfig } from "../../lib/menu/config.ts";
import { MENU_PERMISSIONS, MenuSession } from "../../lib/menu/exercise_session.ts";
import type { TraceEvent } from "../../lib/menu/trace.ts";
import { ROOT, SAMPLE } from "./_helpers.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Answer prompts in order until `stop` says to stop; returns the event that stopped it. */
async function drive(
  s: MenuSession,
  answers: (ev: TraceEvent) => string | null,
  stop: (ev: TraceEvent) => boolean,
): Promise<TraceEvent> {
  while (true) {
    const sig = await s.next(30_000);
    if (sig.type !== "event") {
      throw new Error(`menu ended or hung before the expected event: ${sig.type}\n${s.stdout.slice(-1500)}`);
    }
    if (stop(sig.event)) return sig.event;
    const a = answers(sig.event);
    if (a !== null) await s.send(a);
  }
}

Deno.test("Ctrl-C while waiting for the Expert Advisor cancels the wait and returns to the menu", async () => {
  const work = await Deno.makeTempDir({ prefix: "kinetra-menu-sigint-" });
  const port = freePort();
  const config = join(work, "config.json");
  await writeConfig(config, { bridge: { address: `127.0.0.1:${port}`, secret: "0123456789abcdef" } });
  const session = new MenuSession({
    root: ROOT,
    menuArgs: [
      "--data-dir",
      SAMPLE,
      "--logs-dir",
      join(work, "logs"),
      "--prepared-dir",
      join(work, "p"),
      "--config",
      config,
    ],
    permissions: [
      ...MENU_PERMISSIONS.filter((p) => !p.startsWith("--allow-net")),
      `--allow-net=127.0.0.1:${port}`,
    ],
  });
  try {
    const script = ["4", "3", "60"];
    await drive(session, () => script.shift() ?? null, (ev) => ev.kind === "op_start");
    await new Promise((r) => setTimeout(r, 300));
    session.interrupt();
    const back = await drive(session, () => null, (ev) => ev.kind === "menu");
    assert.equal(back.crumb, "Main Menu > Live Testing");
    await session.send("q");
    const end = await session.finish(20_000);
    assert.equal(end.code, 0);
    assert.match(end.stdout, /Ctrl-C: cancelling/);
    assert.match(end.stdout, /Cancelled; back to the menu\./);
    const opEnd = end.events.find((e) => e.kind === "op_end");
    assert.equal(opEnd?.outcome, "cancelled");
    assert.ok(!/^\s+at /m.test(end.stdout + end.stderr), "no stack trace");
  } finally {
    await session.finish(5_000);
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("Ctrl-C during virtual trading is the runner's kill switch: it halts cleanly, reports, and the menu goes on", async () => {
  const work = await Deno.makeTempDir({ prefix: "kinetra-menu-sigint-" });
  const session = new MenuSession({
    root: ROOT,
    menuArgs: [
      "--data-dir",
      SAMPLE,
      "--logs-dir",
      join(work, "logs"),
      "--prepared-dir",
      join(work, "p"),
      "--config",
      join(work, "c.json"),
    ],
  });
  try {
    // Virtual trading, first strategy, first symbol, defaults, 20 bars per second (slow enough to interrupt).
    const script = ["4", "1", "1", "1", "", "", "20", ""];
    await drive(session, () => script.shift() ?? null, (ev) => ev.kind === "op_start");
    await new Promise((r) => setTimeout(r, 500));
    session.interrupt();
    const pause = await drive(session, () => null, (ev) => ev.kind === "pause");
    assert.equal(pause.crumb, "Main Menu > Live Testing > Virtual Trading");
    await session.send("");
    const back = await drive(session, () => null, (ev) => ev.kind === "menu");
    assert.equal(back.crumb, "Main Menu > Live Testing");
    await session.send("q");
    const end = await session.finish(20_000);
    assert.equal(end.code, 0);
    assert.match(end.stdout, /Ctrl-C: stopping cleanly/);
    assert.match(end.stdout, /status halted \(kill_switch/);
    // The run's journal and summary exist and say the same.
    const runs = await Array.fromAsync(Deno.readDir(join(work, "logs", "live")));
    assert.equal(runs.length, 1);
    const summary = JSON.parse(
      await Deno.readTextFile(join(work, "logs", "live", runs[0].name, "summary.json")),
    );
    assert.equal(summary.status, "halted");
    assert.equal(summary.halt_reason, "kill_switch");
    assert.ok(summary.bars_processed < 3000, "stopped before the end of the file");
  } finally {
    await session.finish(5_000);
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("Ctrl-C at a prompt (no operation running) leaves the menu cleanly with code 130", async () => {
  const work = await Deno.makeTempDir({ prefix: "kinetra-menu-sigint-" });
  const session = new MenuSession({
    root: ROOT,
    menuArgs: ["--data-dir", SAMPLE, "--logs-dir", join(work, "logs"), "--config", join(work, "c.json")],
  });
  try {
    const script = ["2"];
    const ev = await drive(
      session,
      () => script.shift() ?? null,
      (e) => e.kind === "menu" && e.crumb !== "Main Menu",
    );
    assert.equal(ev.crumb, "Main Menu > Exploration");
    session.interrupt();
    // Wait for the menu to leave by itself (finish() would also close stdin: end of input).
    while (true) {
      const sig = await session.next(20_000);
      if (sig.type === "exit" || sig.type === "timeout") break;
    }
    const end = await session.finish(20_000);
    assert.equal(end.code, 130);
    assert.match(end.stdout, /Ctrl-C: leaving the menu\./);
    assert.equal(end.events.at(-1)?.kind, "exit");
    assert.ok(!/^\s+at /m.test(end.stdout + end.stderr), "no stack trace");
  } finally {
    await session.finish(5_000);
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("Ctrl-C during a batch stops the batch's child process cleanly and returns to the menu", async () => {
  const work = await Deno.makeTempDir({ prefix: "kinetra-menu-sigint-" });
  const session = new MenuSession({
    root: ROOT,
    menuArgs: ["--data-dir", SAMPLE, "--logs-dir", join(work, "logs"), "--config", join(work, "c.json")],
  });
  try {
    const script = ["3", "2", "1", ""];
    await drive(session, () => script.shift() ?? null, (ev) => ev.kind === "op_start");
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    session.interrupt();
    const back = await drive(session, () => null, (ev) => ev.kind === "menu");
    assert.equal(back.crumb, "Main Menu > Backtesting");
    assert.ok(Date.now() - t0 < 15_000, "the child stopped within the grace period");
    await session.send("q");
    const end = await session.finish(20_000);
    assert.equal(end.code, 0);
    assert.match(end.stdout, /Ctrl-C: stopping cleanly/);
    assert.match(end.stdout, /Cancelled; back to the menu\./);
    assert.equal(end.events.find((e) => e.kind === "op_end")?.outcome, "cancelled");
    // The cancelled batch did not report a finished run.
    assert.doesNotMatch(end.stdout, /Done\. Results under/);
  } finally {
    await session.finish(5_000);
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("Ctrl-C during a batch stops the batch cleanly and the menu says where the partial results are", async () => {
  const work = await Deno.makeTempDir({ prefix: "kinetra-menu-sigint-" });
  const session = new MenuSession({
    root: ROOT,
    menuArgs: ["--data-dir", SAMPLE, "--logs-dir", join(work, "logs"), "--config", join(work, "c.json")],
  });
  try {
    // Backtesting > Batch over the Catalog, all registered strategies, confirm.
    const script = ["3", "2", "", "y"];
    await drive(session, () => script.shift() ?? null, (ev) => ev.kind === "op_start");
    const deadline = Date.now() + 60_000;
    while (!/\[1\/6\]/.test(session.stdout) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    session.interrupt();
    const back = await drive(session, () => null, (ev) => ev.kind === "menu");
    assert.equal(back.crumb, "Main Menu > Backtesting");
    await session.send("q");
    const end = await session.finish(20_000);
    const runs = await Array.fromAsync(Deno.readDir(join(work, "logs", "backtests")));
    assert.equal(runs.length, 1);
    const runDir = join(work, "logs", "backtests", runs[0].name);
    assert.ok(
      end.stdout.includes(`Partial results (the runs that finished): ${runDir}`),
      end.stdout.slice(-2000),
    );
    const saved = JSON.parse(await Deno.readTextFile(join(runDir, "results.json")));
    assert.equal(saved.interrupted, true);
  } finally {
    await session.finish(5_000);
    await Deno.remove(work, { recursive: true });
  }
});
