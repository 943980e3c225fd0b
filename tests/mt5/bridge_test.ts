import assert from "node:assert/strict";
import { BRIDGE_CODE, RETCODE } from "../../lib/broker/mod.ts";
import { LineSplitter, Mt5BridgeBroker, newCid, parseHostPort, requireNet } from "../../lib/mt5/mod.ts";
import { runBrokerContract } from "../broker/contract.ts";
import { listen, simulator } from "./helpers.ts";

Deno.test("line splitter reassembles lines split anywhere and rejects lines over 1 MiB", () => {
  const s = new LineSplitter();
  const text = '{"v":1,"t":"a"}\n{"v":1,"t":"b"}\r\n';
  const got: string[] = [];
  for (const ch of text) got.push(...s.push(ch));
  assert.deepEqual(got, ['{"v":1,"t":"a"}', '{"v":1,"t":"b"}']);
  assert.throws(() => new LineSplitter().push("x".repeat(1024 * 1024 + 1)), /1 MiB/);
});

Deno.test("client order ids are 16 characters and unique", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const c = newCid("run42", i);
    assert.equal(c.length, 16);
    assert.match(c, /^[0-9a-z]+$/);
    seen.add(c);
  }
  assert.equal(seen.size, 2000);
});

Deno.test("bridge addresses parse with the default port", () => {
  assert.deepEqual(parseHostPort(undefined), { hostname: "127.0.0.1", port: 18812 });
  assert.deepEqual(parseHostPort("127.0.0.1:19000"), { hostname: "127.0.0.1", port: 19000 });
  assert.throws(() => parseHostPort("127.0.0.1:99999"), /HOST:PORT/);
});

Deno.test("the MT5 bridge passes the broker contract against the simulator", async () => {
  await runBrokerContract(async () => {
    const server = await listen();
    const sim = await simulator(server);
    await server.waitForSession(3000);
    const broker = new Mt5BridgeBroker(server, { timeouts: { readMs: 2000, tradeMs: 2000 }, magic: "4242" });
    return {
      broker,
      symbol: "GBPUSD+",
      cleanup: async () => {
        await sim.stop();
        await server.close();
      },
    };
  });
});

Deno.test("a wrong shared secret is refused at the handshake", async () => {
  const server = await listen();
  const sim = await simulator(server, { secret: "not-the-secret" });
  await sim.finished;
  assert.equal(sim.stats.refused, 1);
  assert.match(sim.stats.last_refusal, /authentication failed/);
  assert.equal(server.session(), null);
  assert.equal(server.stats.refused, 1);
  await sim.stop();
  await server.close();
});

Deno.test("the account gate refuses a REAL account at hello", async () => {
  const server = await listen({
    acceptAccount: (h) => h.account.trade_mode === 2 ? "account trade mode is REAL" : null,
  });
  const sim = await simulator(server, { account: "real" });
  await sim.finished;
  assert.match(sim.stats.last_refusal, /REAL/);
  assert.equal(server.session(), null);
  await sim.stop();
  await server.close();
});

Deno.test("the EA's own live switch refuses orders on a real account (bridge code -20)", async () => {
  const server = await listen();
  const sim = await simulator(server, { account: "real" });
  await server.waitForSession(3000);
  const broker = new Mt5BridgeBroker(server, { timeouts: { tradeMs: 2000 } });
  const r = await broker.send("kgate00000000001", { action: 1, symbol: "GBPUSD+", volume: 0.01, type: 0 });
  assert.equal(r.bridge_code, BRIDGE_CODE.LIVE_GATE);
  assert.equal(r.retcode, RETCODE.REJECT);
  assert.equal(sim.book.deals().length, 0);
  await sim.stop();
  await server.close();
});

Deno.test("listening without the net permission fails with the exact --allow-net flag", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/probe.ts`;
  await Deno.writeTextFile(
    file,
    `import { requireNet } from "${new URL("../../lib/mt5/permissions.ts", import.meta.url).href}";
    try { await requireNet("127.0.0.1", 18899, "listen"); console.log("granted"); }
    catch (e) { console.log(e.message); }`,
  );
  // No --allow-net at all, and a neighbouring port only: both must be refused with the flag.
  const run = async (flags: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--no-check", ...flags, file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout);
  };
  const text = await run([]);
  assert.match(await run(["--allow-net=127.0.0.1:18898"]), /--allow-net=127\.0\.0\.1:18899/);
  assert.equal((await run(["--allow-net=127.0.0.1:18899"])).trim(), "granted");
  await Deno.remove(dir, { recursive: true });
  assert.match(text, /--allow-net=127\.0\.0\.1:18899/);
  // In this (permitted) test process the same check passes.
  await requireNet("127.0.0.1", 18899, "listen");
});

Deno.test("mt5:sim refuses an unknown --ea version and an unknown fault with exit 2", async () => {
  const run = async (args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "-A", "tasks/mt5_sim.ts", ...args],
      stdout: "piped",
      stderr: "piped",
      env: { KINETRA_BRIDGE_SECRET: "x".repeat(16) },
    }).output();
    return { code: out.code, err: new TextDecoder().decode(out.stderr) };
  };
  const ea = await run(["--ea", "2.0"]);
  assert.equal(ea.code, 2);
  assert.match(ea.err, /--ea must be 1\.10 \(current\) or 1\.00, got "2\.0"/);
  assert.doesNotMatch(ea.err, /at .*\.ts:\d+/, "no stack trace");
  const fault = await run(["--faults", "phantom_readable,nope"]);
  assert.equal(fault.code, 2);
  assert.match(fault.err, /unknown fault "nope"; known: .*phantom_readable.*link_drop/);
});
