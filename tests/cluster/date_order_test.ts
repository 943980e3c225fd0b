import assert from "node:assert/strict";
import { checkJob, executeJob, makeJob, sha256Hex } from "../../lib/cluster/job.ts";
import "../../lib/cluster/kinds.ts";
import type { BatchJobResult } from "../../lib/cluster/batch_kind.ts";
import type { JobResult } from "../../lib/research/jobs.ts";
import { AMBIGUOUS_SOURCE, writeAmbiguousFile } from "../_date_order.ts";
import { startRedis } from "../../lib/cluster/redis_server.ts";
import { HAVE_REDIS, startTask } from "./_cluster.ts";

const BATCH = {
  file: "forex/GBPUSD_H4.csv",
  sha256: "a".repeat(64),
  symbol: "GBPUSD",
  timeframe: "H4",
  assetClass: "forex",
  strategies: ["sma_cross"],
  split: "all",
  testRatio: 0.2,
  presplit: false,
  profile: "compat",
  params: {},
};

Deno.test("cluster batch payload: the date order is schema-checked and part of the job's content id", async () => {
  const plain = await makeJob("batch", BATCH);
  const dmy = await makeJob("batch", { ...BATCH, dateOrder: "dmy" });
  const mdy = await makeJob("batch", { ...BATCH, dateOrder: "mdy" });
  assert.equal(new Set([plain.id, dmy.id, mdy.id]).size, 3, "each order is another job");
  // A job without the order keeps the id it had before the field existed.
  assert.equal((await makeJob("batch", { ...BATCH, dateOrder: undefined })).id, plain.id);
  assert.equal(
    ((await checkJob(JSON.parse(JSON.stringify(dmy)))).payload as { dateOrder?: string }).dateOrder,
    "dmy",
  );
  await assert.rejects(makeJob("batch", { ...BATCH, dateOrder: "ymd" }), /dateOrder/);
  await assert.rejects(makeJob("batch", { ...BATCH, dateOrder: 1 }), /dateOrder/);
  // A queue that swaps the order under the same id is refused.
  await assert.rejects(checkJob({ ...dmy, payload: { ...dmy.payload, dateOrder: "mdy" } }), /does not match/);
});

Deno.test("cluster sweep payload: data.dateOrder is schema-checked and part of the job's content id", async () => {
  const job = {
    id: "opt-000001",
    kind: "train",
    data: { file: "forex/GBPUSD_H4.csv" },
    strategy: "sma_cross",
    config: { profile: "compat" },
    objective: "sharpe",
    minTrades: 1,
    partitions: 16,
    combos: [{ index: 0, params: { fast: 5, slow: 20 } }],
  };
  const sha256 = "c".repeat(64);
  const plain = await makeJob("sweep", { job, sha256 });
  const dmy = await makeJob("sweep", { job: { ...job, data: { ...job.data, dateOrder: "dmy" } }, sha256 });
  const mdy = await makeJob("sweep", { job: { ...job, data: { ...job.data, dateOrder: "mdy" } }, sha256 });
  assert.equal(new Set([plain.id, dmy.id, mdy.id]).size, 3);
  assert.equal((await checkJob(JSON.parse(JSON.stringify(mdy)))).id, mdy.id);
  await assert.rejects(
    makeJob("sweep", { job: { ...job, data: { ...job.data, dateOrder: "day-first" } }, sha256 }),
    /dateOrder must be dmy or mdy/,
  );
});

Deno.test("cluster jobs on an ambiguous file: refused (ambiguous_date) without the order, run with it", async () => {
  const root = await Deno.makeTempDir({ prefix: "kinetra_cluster_dates_" });
  try {
    await Deno.mkdir(`${root}/forex`);
    const bars = await writeAmbiguousFile(AMBIGUOUS_SOURCE, `${root}/forex/GBPUSD_H4.csv`);
    const sha256 = await sha256Hex(await Deno.readFile(`${root}/forex/GBPUSD_H4.csv`));
    const ctx = { dataRoot: root };
    // batch kind
    const refused = await executeJob(await makeJob("batch", { ...BATCH, sha256 }), ctx) as BatchJobResult;
    assert.equal(refused.results[0].error?.code, "ambiguous_date");
    assert.match(refused.results[0].error!.message, /--date-order/);
    const told = await executeJob(
      await makeJob("batch", { ...BATCH, sha256, dateOrder: "dmy" }),
      ctx,
    ) as BatchJobResult;
    assert.equal(told.results[0].error, null, JSON.stringify(told.results[0].error));
    // Every bar of the file is read (the run trades them after the strategy's warm-up).
    assert.ok(told.results[0].bars > 0 && told.results[0].bars <= bars.length, String(told.results[0].bars));
    assert.ok(told.results[0].stats !== null);
    // sweep kind
    const job = {
      id: "opt-000001",
      kind: "train",
      data: { file: "forex/GBPUSD_H4.csv" },
      strategy: "sma_cross",
      config: { profile: "compat" },
      objective: "sharpe",
      minTrades: 0,
      partitions: 4,
      combos: [{ index: 0, params: { fast: 5, slow: 20 } }],
    };
    const no = await executeJob(await makeJob("sweep", { job, sha256 }), ctx) as JobResult;
    assert.equal(no.error?.code, "ambiguous_date", JSON.stringify(no));
    assert.match(no.error!.message, /--date-order/);
    assert.equal(no.trials.length, 0);
    const r = await executeJob(
      await makeJob("sweep", { job: { ...job, data: { ...job.data, dateOrder: "dmy" } }, sha256 }),
      ctx,
    ) as JobResult;
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    assert.equal(r.trials.length, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name:
    "cluster end to end: backtest:batch and optimize --cluster --date-order dmy run an ambiguous file on a worker process; without it the batch job fails ambiguous_date",
  ignore: !HAVE_REDIS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const data = await Deno.makeTempDir({ prefix: "kinetra-cluster-dates-data-" });
    const out = await Deno.makeTempDir({ prefix: "kinetra-cluster-dates-out-" });
    await Deno.mkdir(`${data}/forex`);
    const bars = await writeAmbiguousFile(AMBIGUOUS_SOURCE, `${data}/forex/GBPUSD_H4.csv`);
    const redis = await startRedis();
    const w = startTask("worker.ts", ["--cluster", redis.url, "--data-root", data, "--concurrency", "1"]);
    const batch = async (extra: string[]) => {
      const child = startTask("backtest_batch.ts", [
        "--source",
        data,
        "--out",
        out,
        "--strategies",
        "sma_cross",
        "--cluster",
        redis.url,
        "--json",
        ...extra,
      ]);
      const st = await child.status;
      return {
        code: st.code,
        json: JSON.parse(child.out().trim().split("\n").pop() || "{}"),
        err: child.err(),
      };
    };
    try {
      await w.waitErr(/connected/);
      const told = await batch(["--date-order", "dmy"]);
      assert.equal(told.code, 0, told.err);
      assert.equal(told.json.runner, "cluster");
      const r = told.json.results[0];
      assert.equal(r.error, null, JSON.stringify(r.error));
      assert.ok(r.bars > 0 && r.bars <= bars.length);
      const no = await batch([]);
      assert.equal(no.code, 1, no.err);
      assert.equal(no.json.results[0].error.code, "ambiguous_date");
      // Two orders, two jobs: the ids of the runs differ.
      const ids = async (dir: string) => JSON.parse(await Deno.readTextFile(`${dir}/config.json`)).job_ids;
      assert.notDeepEqual(await ids(told.json.run_dir), await ids(no.json.run_dir));
      // optimize --cluster: the sweep jobs carry the order to the worker.
      const opt = startTask("optimize.ts", [
        "--data",
        `${data}/forex/GBPUSD_H4.csv`,
        "--strategy",
        "sma_cross",
        "--grid",
        "fast=5,10",
        "--grid",
        "slow=20,40",
        "--profile",
        "compat",
        "--cluster",
        redis.url,
        "--data-root",
        data,
        "--out",
        `${out}/opt`,
        "--json",
        "--date-order",
        "dmy",
      ]);
      const os = await opt.status;
      assert.equal(os.code, 0, opt.err());
      const oj = JSON.parse(opt.out());
      assert.equal(oj.trials, 4);
      assert.equal(oj.results[0].stats.bars, bars.length);
    } finally {
      try {
        w.proc.kill("SIGTERM");
      } catch { /* ended */ }
      await w.status;
      await redis.stop();
      await Deno.remove(data, { recursive: true });
      await Deno.remove(out, { recursive: true });
    }
  },
});
