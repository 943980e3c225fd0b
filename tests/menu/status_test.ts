import assert from "node:assert/strict";
import { join } from "node:path";
import { writeConfig } from "../../lib/menu/config.ts";
import { checkStatus, countDataFiles } from "../../lib/menu/status.ts";
import { SAMPLE, tempOptions } from "./_helpers.ts";

Deno.test("data part: files counted by asset class; prepared counts from train and test", async () => {
  const opts = await tempOptions();
  try {
    const c = await countDataFiles(SAMPLE);
    // Independent count of the sample's exports.
    let n = 0;
    for (const cls of await Array.fromAsync(Deno.readDir(SAMPLE))) {
      if (!cls.isDirectory) continue;
      for (const f of await Array.fromAsync(Deno.readDir(join(SAMPLE, cls.name)))) {
        if (f.name.endsWith(".csv")) n++;
      }
    }
    assert.equal(c.files, n);
    assert.equal(Object.values(c.byClass).reduce((a, b) => a + b, 0), n);
    assert.equal(c.byClass.forex, 2);
    let s = await checkStatus(opts);
    assert.equal(s.data.prepared, 0);
    assert.match(s.line, /none prepared/);
    // Prepare for real with lib/data, then the status counts the outputs.
    const { prepareDataset } = await import("../../lib/data/mod.ts");
    await prepareDataset({ source: SAMPLE, out: opts.preparedDir });
    s = await checkStatus(opts);
    assert.equal(s.data.preparedTrain, n);
    assert.equal(s.data.preparedTest, n);
    assert.match(s.line, new RegExp(`Data: ${n} files .*, ${n} prepared \\|`));
    // An empty folder says so.
    const empty = join(opts.work, "empty");
    await Deno.mkdir(empty);
    s = await checkStatus({ ...opts, dataDir: empty });
    assert.match(s.line, /^Data: no files in /);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("bridge part: not configured, then reachable while something listens, not running after", async () => {
  const opts = await tempOptions({ probeBridge: true });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepting = (async () => {
    for await (const conn of listener) conn.close();
  })();
  try {
    let s = await checkStatus(opts, () => undefined);
    assert.equal(s.bridge.state, "not_configured");
    assert.match(s.line, /MT5 bridge: not configured/);
    await writeConfig(opts.configPath, {
      bridge: { address: `127.0.0.1:${port}`, secret: "0123456789abcdef" },
    });
    s = await checkStatus(opts, () => undefined);
    assert.equal(s.bridge.state, "reachable");
    assert.match(s.line, new RegExp(`MT5 bridge: 127\\.0\\.0\\.1:${port} reachable`));
    assert.match(s.line, /Credentials: secret set, account not pinned/);
    listener.close();
    await accepting.catch(() => {});
    s = await checkStatus(opts, () => undefined);
    assert.equal(s.bridge.state, "not_running");
    // Not probed when the session says so.
    s = await checkStatus({ ...opts, probeBridge: false }, () => undefined);
    assert.equal(s.bridge.state, "not_probed");
  } finally {
    try {
      listener.close();
    } catch { /* closed */ }
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("credentials part: environment counts, a short secret does not, a world-readable file is flagged", async () => {
  const opts = await tempOptions();
  try {
    const env = (k: string) =>
      ({ KINETRA_BRIDGE_SECRET: "env-secret-123", KINETRA_LIVE_LOGIN: "7", KINETRA_LIVE_SERVER: "X-Demo" })[
        k
      ];
    let s = await checkStatus(opts, env);
    assert.equal(s.credentials.state, "configured");
    assert.match(s.line, /Credentials: configured \(account 7@X-Demo\)/);
    await writeConfig(opts.configPath, { bridge: { secret: "short" } });
    s = await checkStatus(opts, () => undefined);
    assert.equal(s.credentials.secret, false);
    assert.equal(s.credentials.state, "missing");
    await Deno.chmod(opts.configPath, 0o644);
    s = await checkStatus(opts, () => undefined);
    assert.match(s.line, /Credentials: config file readable by others \(chmod 600\)/);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});
