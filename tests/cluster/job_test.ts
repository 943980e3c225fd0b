import assert from "node:assert/strict";
import { join } from "node:path";
import {
  canonicalJson,
  checkJob,
  ENGINE_VERSION,
  makeJob,
  resolveJobFile,
  sha256Hex,
} from "../../lib/cluster/job.ts";
import "../../lib/cluster/kinds.ts";
import { parseClusterUrl, redactText, resolveClusterUrl } from "../../lib/cluster/url.ts";
import { JobStore } from "../../lib/cluster/store.ts";

const PAYLOAD = {
  file: "forex/EURUSD_H1.csv",
  sha256: "a".repeat(64),
  symbol: "EURUSD",
  timeframe: "H1",
  assetClass: "forex",
  strategies: ["sma_cross"],
  split: "all",
  testRatio: 0.2,
  presplit: false,
  profile: "mt5",
  params: { fast: 10, slow: 30 },
};

Deno.test("job ids derive from content: stable, key-order independent, sensitive to every field", async () => {
  const a = await makeJob("batch", PAYLOAD);
  const b = await makeJob("batch", { ...PAYLOAD, params: { slow: 30, fast: 10 } });
  assert.equal(a.id, b.id);
  assert.match(a.id, /^[0-9a-f]{64}$/);
  assert.equal(a.version, ENGINE_VERSION);
  for (
    const change of [
      { sha256: "b".repeat(64) },
      { strategies: ["sniper"] },
      { params: { fast: 11, slow: 30 } },
      { profile: "compat" },
      { file: "forex/EURUSD_H4.csv" },
    ]
  ) {
    const c = await makeJob("batch", { ...PAYLOAD, ...change });
    assert.notEqual(c.id, a.id, JSON.stringify(change));
  }
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
});

Deno.test("checkJob refuses tampered, unknown, malformed and other-version jobs", async () => {
  const j = await makeJob("batch", PAYLOAD);
  assert.equal((await checkJob(JSON.parse(JSON.stringify(j)))).id, j.id);
  await assert.rejects(checkJob({ ...j, payload: { ...PAYLOAD, params: { fast: 99 } } }), /does not match/);
  await assert.rejects(checkJob({ ...j, kind: "shell" }), /unknown job kind "shell"/);
  await assert.rejects(checkJob({ ...j, version: "kinetra-engine/0" }), /engine kinetra-engine\/0/);
  await assert.rejects(checkJob({ ...j, payload: { ...PAYLOAD, strategies: ["../../evil"] } }), /strategies/);
  await assert.rejects(checkJob({ ...j, payload: { ...PAYLOAD, params: { fast: "rm -rf" } } }), /params/);
  await assert.rejects(checkJob("nope"), /JSON object/);
  await assert.rejects(checkJob({ ...j, id: "x" }), /SHA-256/);
});

Deno.test("a job's file must stay inside the data root and match its SHA-256", async () => {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(join(root, "forex"));
  await Deno.writeTextFile(join(root, "forex", "a.csv"), "hello");
  const sha = await sha256Hex("hello");
  assert.equal(await resolveJobFile({ dataRoot: root }, "forex/a.csv", sha), join(root, "forex", "a.csv"));
  await assert.rejects(
    resolveJobFile({ dataRoot: root }, "forex/a.csv", "0".repeat(64)),
    /sha256.*out of sync/s,
  );
  await assert.rejects(resolveJobFile({ dataRoot: root }, "../etc/passwd", sha), /inside the data root/);
  await assert.rejects(resolveJobFile({ dataRoot: root }, "/etc/passwd", sha), /inside the data root/);
  await assert.rejects(resolveJobFile({ dataRoot: root }, "forex/b.csv", sha), /--data-root/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("cluster URLs: parsed, redacted, refused when malformed; config file must be private", async () => {
  const c = parseClusterUrl("redis://kin:s3cr3t@10.0.0.5:6380/2");
  assert.deepEqual([c.host, c.port, c.db, c.username, c.password], ["10.0.0.5", 6380, 2, "kin", "s3cr3t"]);
  assert.equal(c.redacted, "redis://kin:***@10.0.0.5:6380/2");
  assert.ok(!c.redacted.includes("s3cr3t"));
  const e = parseClusterUrl("redis://127.0.0.1", { KINETRA_REDIS_PASSWORD: "envpw" });
  assert.deepEqual([e.port, e.db, e.password, e.redacted], [
    6379,
    0,
    "envpw",
    "redis://:***@127.0.0.1:6379/0",
  ]);
  assert.throws(() => parseClusterUrl("http://x:1"), /redis:\/\//);
  assert.throws(() => parseClusterUrl("redis://x:1/99"), /0\.\.15/);
  assert.throws(() => parseClusterUrl("not a url :pw@"), /--cluster needs a URL/);
  assert.equal(redactText("redis://u:pw@h:1 and http://a:b@c"), "redis://u:***@h:1 and http://a:***@c");
  const dir = await Deno.makeTempDir();
  const cfg = join(dir, "cluster.json");
  await Deno.writeTextFile(cfg, JSON.stringify({ cluster_url: "redis://127.0.0.1:7000" }), { mode: 0o644 });
  await Deno.chmod(cfg, 0o644);
  const saved = Deno.env.get("KINETRA_CLUSTER_URL");
  Deno.env.delete("KINETRA_CLUSTER_URL");
  try {
    await assert.rejects(resolveClusterUrl(undefined, cfg), /chmod 600/);
    await Deno.chmod(cfg, 0o600);
    assert.equal(await resolveClusterUrl(undefined, cfg), "redis://127.0.0.1:7000");
    assert.equal(await resolveClusterUrl("redis://flag:1", cfg), "redis://flag:1");
    assert.equal(await resolveClusterUrl(undefined, join(dir, "none.json")), null);
  } finally {
    if (saved) Deno.env.set("KINETRA_CLUSTER_URL", saved);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the job store keeps the first result of an id and survives a torn last line", async () => {
  const dir = await Deno.makeTempDir();
  const s = await JobStore.open(dir);
  assert.equal(s.put("a", { v: 1 }), true);
  assert.equal(s.put("a", { v: 2 }), false);
  assert.equal(s.put("b", { v: 3 }), true);
  await s.flush();
  await Deno.writeTextFile(join(dir, "jobs.jsonl"), '{"id":"c","res', { append: true });
  const t = await JobStore.open(dir);
  assert.equal(t.size, 2);
  assert.deepEqual(t.get("a"), { v: 1 });
  assert.equal(t.has("c"), false);
  await Deno.remove(dir, { recursive: true });
});
