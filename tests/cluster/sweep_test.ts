/**
 * Sweeps and walk-forward on the cluster (two worker processes, private redis-server on 127.0.0.1)
 * equal the local runner's results; a tampered or foreign job is refused by the worker's schema.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startRedis } from "../../lib/cluster/redis_server.ts";
import { checkJob, makeJob } from "../../lib/cluster/job.ts";
import "../../lib/cluster/kinds.ts";
import { type Child, HAVE_REDIS, ROOT, startTask } from "./_cluster.ts";

const FILE = (() => {
  const dir = join(ROOT, "data", "sample", "forex");
  const f = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".csv")).sort()[0];
  return join("data", "sample", "forex", f);
})();

async function task(script: string, args: string[]): Promise<Record<string, unknown>> {
  const c = startTask(script, [...args, "--json"]);
  const st = await c.status;
  assert.equal(st.code, 0, c.err());
  const out = JSON.parse(c.out().trim().split("\n").pop()!);
  delete out.seconds;
  return out;
}

Deno.test({
  name: "cluster: optimize and walkforward on two worker processes equal the local runs",
  ignore: !HAVE_REDIS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const redis = await startRedis();
    const ws: Child[] = [1, 2].map(() =>
      startTask("worker.ts", ["--cluster", redis.url, "--concurrency", "1"])
    );
    try {
      for (const w of ws) await w.waitErr(/connected/);
      const grid = ["--grid", "fast=5:20:5", "--grid", "slow=20:60:10", "--constraint", "fast<slow"];
      const opt = ["--data", FILE, "--strategy", "sma_cross", ...grid, "--out", await Deno.makeTempDir()];
      const local = await task("optimize.ts", [...opt, "--workers", "2"]);
      const remote = await task("optimize.ts", [...opt, "--cluster", redis.url]);
      assert.equal((local.results as unknown[]).length, 19);
      assert.deepEqual(remote, local);
      const wf = ["--data", FILE, "--strategy", "sma_cross", ...grid, "--train", "6M", "--test", "2M"];
      const wl = await task("walkforward.ts", [...wf, "--workers", "2"]);
      const wr = await task("walkforward.ts", [...wf, "--cluster", redis.url]);
      assert.ok((wl.windows as unknown[]).length >= 3);
      assert.deepEqual(wr, wl);
    } finally {
      for (const w of ws) w.proc.kill("SIGTERM");
      await Promise.all(ws.map((w) => w.status));
      await redis.stop();
    }
  },
});

Deno.test("sweep jobs are schema-checked: unknown strategies, symbol files and odd fields are refused", async () => {
  const job = {
    id: "opt-000001",
    kind: "train",
    data: { file: "forex/X.csv" },
    strategy: "sma_cross",
    config: { profile: "compat" },
    objective: "sharpe",
    minTrades: 1,
    partitions: 16,
    combos: [{ index: 0, params: { fast: 5, slow: 20 } }],
  };
  const ok = await makeJob("sweep", { job, sha256: "c".repeat(64) });
  assert.equal((await checkJob(ok)).id, ok.id);
  await assert.rejects(
    makeJob("sweep", { job: { ...job, strategy: "eval_code" }, sha256: "c".repeat(64) }),
    /not a registered strategy/,
  );
  await assert.rejects(
    makeJob("sweep", { job: { ...job, config: { symbolsFile: "/etc/passwd" } }, sha256: "c".repeat(64) }),
    /symbol-spec file/,
  );
  await assert.rejects(
    makeJob("sweep", {
      job: { ...job, combos: [{ index: 0, params: { fast: "5" } }] },
      sha256: "c".repeat(64),
    }),
    /params/,
  );
  await assert.rejects(makeJob("sweep", { job: { ...job, kind: "shell" }, sha256: "c".repeat(64) }), /kind/);
  await assert.rejects(
    makeJob("sweep", { job: { ...job, kind: "test" }, sha256: "c".repeat(64) }),
    /test part/,
  );
  await assert.rejects(makeJob("sweep", { job, sha256: "short" }), /sha256/);
});
