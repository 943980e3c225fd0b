// Mode gates and credentials: what demo and live refuse, config file permissions, no secret leaks.
import assert from "node:assert/strict";
import { isKinetraError, type KinetraError } from "../../lib/errors.ts";
import {
  accountGate,
  initLiveConfig,
  loadLiveConfig,
  missingLiveRequirements,
  redact,
  runLive,
} from "../../lib/live/mod.ts";
import type { HelloInfo } from "../../lib/mt5/mod.ts";

const noEnv = () => undefined;

async function tempConfig(body: unknown, mode = 0o600): Promise<{ dir: string; path: string }> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/config.json`;
  await Deno.writeTextFile(path, JSON.stringify(body), { mode });
  await Deno.chmod(path, mode);
  return { dir, path };
}

function hello(over: Partial<HelloInfo["account"]>): HelloInfo {
  return {
    ea_version: "t",
    terminal: {},
    account: {
      login: "5001",
      server: "Broker-Demo",
      currency: "USD",
      trade_mode: 0,
      margin_mode: 0,
      leverage: 100,
      trade_allowed: true,
      trade_expert: true,
      balance: 1000,
      equity: 1000,
      margin: 0,
      margin_free: 1000,
      ...over,
    },
  };
}

Deno.test("live mode lists every missing requirement", async () => {
  const cfg = await loadLiveConfig("/nonexistent/config.json", noEnv);
  const missing = missingLiveRequirements({
    mode: "live",
    acceptRealMoneyRisk: false,
    env: noEnv,
    config: cfg,
  });
  assert.equal(missing.length, 4);
  assert.match(missing.join("|"), /--i-accept-real-money-risk/);
  assert.match(missing.join("|"), /KINETRA_ALLOW_LIVE=1/);
  assert.match(missing.join("|"), /login/);
  assert.match(missing.join("|"), /server/);
  const env = (n: string) =>
    ({ KINETRA_ALLOW_LIVE: "1", KINETRA_LIVE_LOGIN: "8000123", KINETRA_LIVE_SERVER: "B-Live" })[n];
  const cfg2 = await loadLiveConfig("/nonexistent/config.json", env);
  assert.deepEqual(
    missingLiveRequirements({ mode: "live", acceptRealMoneyRisk: true, env, config: cfg2 }),
    [],
  );
  // runLive refuses before connecting or writing anything.
  const logsDir = await Deno.makeTempDir();
  await assert.rejects(
    () =>
      runLive(
        { mode: "live", symbol: "EURUSD", timeframe: "H1", strategy: "sma_cross", yes: true, logsDir },
        { print: () => {}, env: noEnv },
      ),
    (e) =>
      isKinetraError(e) && (e as KinetraError).code === "live_refused" &&
      /Missing: 4 of 5/.test((e as Error).message),
  );
  assert.deepEqual([...Deno.readDirSync(logsDir)], []);
  await Deno.remove(logsDir, { recursive: true });
});

Deno.test("demo mode needs a typed confirmation: refused without one, refused on a wrong word", async () => {
  const env = (n: string) => (n === "KINETRA_BRIDGE_SECRET" ? "a-secret-of-len" : undefined);
  const base = {
    mode: "demo" as const,
    symbol: "EURUSD",
    timeframe: "H1",
    strategy: "sma_cross",
    configPath: "/nonexistent",
  };
  await assert.rejects(
    () => runLive(base, { print: () => {}, env, confirm: () => Promise.resolve(null) }),
    (e) =>
      isKinetraError(e) && (e as KinetraError).code === "confirmation_required" &&
      /--yes/.test((e as Error).message),
  );
  await assert.rejects(
    () => runLive(base, { print: () => {}, env, confirm: () => Promise.resolve("yes") }),
    (e) => isKinetraError(e) && (e as KinetraError).code === "not_confirmed",
  );
});

Deno.test("account gate: demo refuses REAL and CONTEST accounts; live accepts only the pinned account", async () => {
  const cfg = await loadLiveConfig(
    "/nonexistent",
    (n) => ({ KINETRA_LIVE_LOGIN: "8000123", KINETRA_LIVE_SERVER: "B-Live" })[n],
  );
  const demo = accountGate("demo", cfg);
  assert.equal(demo(hello({})), null);
  assert.match(demo(hello({ trade_mode: 2 }))!, /REAL/);
  assert.match(demo(hello({ trade_mode: 1 }))!, /not DEMO/);
  assert.match(demo(hello({ trade_allowed: false }))!, /does not allow trading/);
  const live = accountGate("live", cfg);
  assert.equal(live(hello({ login: "8000123", server: "B-Live", trade_mode: 2 })), null);
  assert.match(
    live(hello({ login: "8000124", server: "B-Live", trade_mode: 2 }))!,
    /does not match the pinned/,
  );
  assert.match(
    live(hello({ login: "8000123", server: "Other", trade_mode: 2 }))!,
    /does not match the pinned/,
  );
});

Deno.test("config: created with mode 0600, refused when others can read it, secret redacted", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/.kinetra/config.json`;
  await initLiveConfig(path);
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  const cfg = await loadLiveConfig(path, noEnv);
  assert.ok(cfg.secret && cfg.secret.length >= 32);
  assert.equal(cfg.sources.secret, "file");
  assert.doesNotMatch(JSON.stringify(redact(cfg)), new RegExp(cfg.secret!));
  await assert.rejects(() => initLiveConfig(path), /already exists/);
  const loose = await tempConfig({ bridge: { secret: "s3cr3t-value" } }, 0o644);
  await assert.rejects(
    () => loadLiveConfig(loose.path, noEnv),
    (e) =>
      isKinetraError(e) && /chmod 600/.test((e as Error).message) &&
      !/s3cr3t-value/.test((e as Error).message),
  );
  // The environment wins over the file.
  const envCfg = await loadLiveConfig(
    path,
    (n) => (n === "KINETRA_BRIDGE_SECRET" ? "from-env-123" : undefined),
  );
  assert.equal(envCfg.secret, "from-env-123");
  assert.equal(envCfg.sources.secret, "env");
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(loose.dir, { recursive: true });
});
