/**
 * `deno task bench:cluster [--bars N] [--probes N]`: the queue's own cost and a real sweep, locally
 * and on a BullMQ cluster of worker processes on this machine (a private redis-server on a free
 * 127.0.0.1 port, started and stopped by the bench).
 *
 * 1. Per-job overhead: N "probe" jobs (no work) through the queue with 1 and 2 worker processes.
 * 2. The same sweep as bench:optimize (SmaCross 40 × 25 = 1,000 combinations on tiled EURUSD H1
 *    bars, compat profile): local runner with 2 threads; cluster with 1 worker process of 2 threads;
 *    cluster with 2 worker processes of 1 thread. Redis is flushed between cases (completed jobs
 *    would otherwise be served from its cache). Results must be identical in every case.
 * Figures go to docs/PERFORMANCE.md by hand.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { optimize } from "../lib/research/optimize.ts";
import { numberOptionOr, runTask } from "../lib/util/cli.ts";
import { startRedis } from "../lib/cluster/redis_server.ts";
import { ClusterRunner } from "../lib/cluster/queue.ts";
import { makeJob } from "../lib/cluster/job.ts";
import "../lib/cluster/kinds.ts";
import { ResearchClusterRunner } from "../lib/cluster/sweep_kind.ts";
import { tiledEurusdCsv } from "./bench_optimize.ts";
import { taskCommand } from "../lib/util/tasks.ts";

function spawnWorker(
  url: string,
  root: string,
  threads: number,
): { proc: Deno.ChildProcess; ready: Promise<void> } {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete env.RUST_BACKTRACE;
  const proc = new Deno.Command(Deno.execPath(), {
    args: taskCommand("worker", [
      "--cluster",
      url,
      "--data-root",
      root,
      "--concurrency",
      String(threads),
    ]),
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const ready = (async () => {
    let text = "";
    const dec = new TextDecoder();
    for await (const c of proc.stderr) {
      text += dec.decode(c, { stream: true });
      if (text.includes("connected")) break;
    }
    if (!text.includes("connected")) throw new Error(`worker did not start:\n${text}`);
  })();
  return { proc, ready };
}

async function stopWorkers(ws: { proc: Deno.ChildProcess }[]): Promise<void> {
  for (const w of ws) w.proc.kill("SIGTERM");
  await Promise.all(ws.map((w) => w.proc.status));
}

async function flush(port: number): Promise<void> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  await c.write(new TextEncoder().encode("FLUSHALL\r\n"));
  await c.read(new Uint8Array(64));
  c.close();
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { bars: { type: "string" }, probes: { type: "string" } },
  });
  const nBars = numberOptionOr("bars", values.bars, 100_000, { integer: true, min: 1000 });
  const nProbes = numberOptionOr("probes", values.probes, 2000, { integer: true, min: 10 });
  const redis = await startRedis();
  const dir = await Deno.makeTempDir({ prefix: "kinetra_bench_cluster_" });
  try {
    const file = join(dir, "EURUSD_tiled.csv");
    await Deno.writeTextFile(file, tiledEurusdCsv(nBars));
    console.log(
      `bench:cluster — load average ${
        Deno.loadavg().map((x) => x.toFixed(2)).join(" ")
      }, ${navigator.hardwareConcurrency} hardware threads, redis-server on 127.0.0.1:${redis.port}`,
    );
    // 1. Queue overhead with probe jobs.
    for (const procs of [1, 2]) {
      await flush(redis.port);
      const ws = Array.from({ length: procs }, () => spawnWorker(redis.url, dir, 2));
      await Promise.all(ws.map((w) => w.ready));
      const runner = await ClusterRunner.connect(redis.url);
      const jobs = [];
      for (let k = 0; k < nProbes; k++) jobs.push(await makeJob("probe", { seq: k }));
      const t0 = performance.now();
      let got = 0;
      await runner.run(jobs, () => got++);
      const ms = performance.now() - t0;
      await runner.close();
      await stopWorkers(ws);
      console.log(
        `probe jobs, ${procs} worker process(es) × 2 threads: ${got}/${nProbes} in ${ms.toFixed(0)} ms = ${
          (ms / nProbes).toFixed(3)
        } ms per job (enqueue, execute, result event)`,
      );
    }
    // 2. The sweep.
    const grid = ["fast=1:40:1", "slow=30:270:10"];
    const evals = 1000 * nBars;
    let reference = "";
    const cases: { label: string; procs: number; threads: number }[] = [
      { label: "local runner, 2 threads", procs: 0, threads: 2 },
      { label: "cluster, 1 worker process × 2 threads", procs: 1, threads: 2 },
      { label: "cluster, 2 worker processes × 1 thread", procs: 2, threads: 1 },
    ];
    for (const c of cases) {
      await flush(redis.port);
      const ws = Array.from({ length: c.procs }, () => spawnWorker(redis.url, dir, c.threads));
      await Promise.all(ws.map((w) => w.ready));
      const runner = c.procs
        ? new ResearchClusterRunner(await ClusterRunner.connect(redis.url), { dataRoot: dir })
        : undefined;
      const t0 = performance.now();
      const res = await optimize({
        data: { file },
        strategy: "sma_cross",
        grid,
        config: { profile: "compat" },
        workers: c.threads,
        runner,
        outDir: null,
      });
      const s = (performance.now() - t0) / 1000;
      runner?.close();
      await stopWorkers(ws);
      const key = JSON.stringify(res.results.map((r) => [r.params, r.objective]));
      if (!reference) reference = key;
      const same = key === reference;
      console.log(
        `${c.label}: ${s.toFixed(2)} s, ${
          (evals / s / 1e6).toFixed(1)
        } M bar-evaluations/s, ${res.trials} trials, results ${same ? "identical" : "DIFFER"}`,
      );
      if (!same) throw new Error("cluster results differ from the local runner's");
    }
    return 0;
  } finally {
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) runTask(main);
