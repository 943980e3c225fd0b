/**
 * The BullMQ cluster against a private redis-server on a free 127.0.0.1 port: results equal the
 * local runner's, a worker killed mid-job loses nothing and duplicates nothing, a lost Redis stops
 * the run cleanly and `--resume` finishes only what is missing, credentials never leak, and a
 * worker refuses data that differs from the submitter's. Skipped loudly without redis-server
 * locally; required under CI=true.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startRedis } from "../../lib/cluster/redis_server.ts";
import { type Child, HAVE_REDIS, ROOT, startTask } from "./_cluster.ts";

const SAMPLE = join(ROOT, "data", "sample");
const STRATS = "sma_cross,berserker";

/** A data root of 4 copies of the sample folder (24 files), so runs last long enough to interrupt. */
async function makeData(copies = 4): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "kinetra-cluster-data-" });
  const walk = async (src: string, dst: string): Promise<void> => {
    await Deno.mkdir(dst, { recursive: true });
    for await (const e of Deno.readDir(src)) {
      if (e.isDirectory) await walk(join(src, e.name), join(dst, e.name));
      else if (/\.(csv|txt|tsv)$/i.test(e.name)) await Deno.copyFile(join(src, e.name), join(dst, e.name));
    }
  };
  for (let k = 0; k < copies; k++) await walk(SAMPLE, join(root, `set${k}`));
  return root;
}

interface Run {
  dir: string;
  results: Record<string, unknown>[];
  json: Record<string, unknown>;
}

async function batch(args: string[], expectCode = 0): Promise<{ child: Child; run: Run | null }> {
  const child = startTask("backtest_batch.ts", [...args, "--json"]);
  const st = await child.status;
  assert.equal(
    st.code,
    expectCode,
    `batch exit ${st.code}\nstderr:\n${child.err()}\nstdout:\n${child.out().slice(0, 2000)}`,
  );
  const line = child.out().trim().split("\n").pop() ?? "";
  const json = JSON.parse(line);
  if (!json.run_dir) return { child, run: null };
  const results = JSON.parse(await Deno.readTextFile(join(json.run_dir, "results.json"))).results;
  return { child, run: { dir: json.run_dir, results, json } };
}

function comparable(results: Record<string, unknown>[]): string {
  return JSON.stringify(results.map(({ timings_ms: _t, ...r }) => r));
}

async function tradesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(join(dir, "trades"))) {
    out[e.name] = await Deno.readTextFile(join(dir, "trades", e.name));
  }
  return out;
}

async function jobLines(dir: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(dir, "jobs.jsonl"));
  return text.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l).id);
}

function worker(url: string, data: string, extra: string[] = []): Child {
  return startTask("worker.ts", [
    "--cluster",
    url,
    "--data-root",
    data,
    "--concurrency",
    "1",
    "--lock-ms",
    "2000",
    ...extra,
  ]);
}

async function stopAll(...ws: Child[]): Promise<void> {
  for (const w of ws) {
    try {
      w.proc.kill("SIGTERM");
    } catch { /* ended */ }
  }
  await Promise.all(ws.map((w) => w.status));
}

let LOCAL: Run | null = null;
let DATA = "";
async function local(): Promise<Run> {
  if (!LOCAL) {
    DATA = await makeData();
    const out = await Deno.makeTempDir({ prefix: "kinetra-cluster-out-" });
    LOCAL = (await batch(["--source", DATA, "--strategies", STRATS, "--out", out, "--workers", "2"])).run!;
  }
  return LOCAL;
}

Deno.test({
  name: "cluster: two worker processes give the local runner's results; the password never appears anywhere",
  ignore: !HAVE_REDIS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const ref = await local();
    const password = `pw-${crypto.randomUUID()}`;
    const redis = await startRedis({ password });
    const out = await Deno.makeTempDir({ prefix: "kinetra-cluster-out-" });
    const bare = `redis://127.0.0.1:${redis.port}/0`;
    const env = { KINETRA_REDIS_PASSWORD: password };
    const w1 = startTask("worker.ts", ["--cluster", bare, "--data-root", DATA, "--concurrency", "1"], env);
    const w2 = startTask("worker.ts", ["--cluster", redis.url, "--data-root", DATA, "--concurrency", "1"]);
    try {
      await w1.waitErr(/connected/);
      await w2.waitErr(/connected/);
      const { child, run } = await batch([
        "--source",
        DATA,
        "--strategies",
        STRATS,
        "--out",
        out,
        "--cluster",
        redis.url,
      ]);
      assert.ok(run);
      assert.equal(run.json.runner, "cluster");
      assert.equal(run.results.length, ref.results.length);
      assert.equal(run.results.filter((r) => r.error).length, 0);
      assert.equal(comparable(run.results), comparable(ref.results));
      assert.deepEqual(await tradesOf(run.dir), await tradesOf(ref.dir));
      const ids = await jobLines(run.dir);
      assert.equal(new Set(ids).size, ids.length);
      assert.equal(ids.length, 24);
      await stopAll(w1, w2);
      const texts = [child.out(), child.err(), w1.err(), w2.err(), w1.out(), w2.out()];
      for (const f of ["config.json", "results.json", "jobs.jsonl", "summary.txt"]) {
        texts.push(await Deno.readTextFile(join(run.dir, f)));
      }
      for (const t of texts) assert.ok(!t.includes(password), "the Redis password leaked into an output");
      assert.match(JSON.parse(texts[6]).cluster, /redis:\/\/:\*\*\*@127\.0\.0\.1/);
    } finally {
      await stopAll(w1, w2);
      await redis.stop();
    }
  },
});

Deno.test({
  name:
    "cluster: a worker killed with SIGKILL mid-job has its job retried elsewhere; nothing lost or doubled",
  ignore: !HAVE_REDIS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const ref = await local();
    const redis = await startRedis();
    const out = await Deno.makeTempDir({ prefix: "kinetra-cluster-out-" });
    const a = worker(redis.url, DATA, ["--verbose"]);
    await a.waitErr(/connected/);
    const child = startTask("backtest_batch.ts", [
      "--source",
      DATA,
      "--strategies",
      STRATS,
      "--out",
      out,
      "--cluster",
      redis.url,
      "--json",
    ]);
    let b: Child | null = null;
    try {
      // Kill A while it holds a job (a "start" with no "done" after it).
      await a.waitErr(/job [0-9a-f]{12} start\n(?![\s\S]*done)/);
      const killed = a.err().match(/job ([0-9a-f]{12}) start\n(?![\s\S]*job \1 done)/)?.[1];
      a.proc.kill("SIGKILL");
      await a.status;
      assert.ok(killed, `no job in flight in A's log:\n${a.err()}`);
      b = worker(redis.url, DATA, ["--verbose"]);
      const st = await child.status;
      assert.equal(st.code, 0, child.err());
      const json = JSON.parse(child.out().trim().split("\n").pop()!);
      const results = JSON.parse(await Deno.readTextFile(join(json.run_dir, "results.json"))).results;
      assert.equal(results.filter((r: { error: unknown }) => r.error).length, 0);
      assert.equal(comparable(results), comparable(ref.results));
      const ids = await jobLines(json.run_dir);
      assert.equal(ids.length, 24);
      assert.equal(new Set(ids).size, 24);
      assert.ok(ids.some((id) => id.startsWith(killed!)), "the killed job's result is missing");
      await b.waitErr(new RegExp(`job ${killed} done`), 30_000);
    } finally {
      await stopAll(a, ...(b ? [b] : []));
      try {
        child.proc.kill("SIGKILL");
      } catch { /* ended */ }
      await child.status;
      await redis.stop();
    }
  },
});

Deno.test({
  name:
    "cluster: Redis lost mid-run stops cleanly with every finished result kept; --resume runs only the rest",
  ignore: !HAVE_REDIS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const ref = await local();
    const redis = await startRedis();
    const out = await Deno.makeTempDir({ prefix: "kinetra-cluster-out-" });
    const w = worker(redis.url, DATA, ["--verbose"]);
    await w.waitErr(/connected/);
    const child = startTask("backtest_batch.ts", [
      "--source",
      DATA,
      "--strategies",
      STRATS,
      "--out",
      out,
      "--cluster",
      redis.url,
      "--json",
    ]);
    try {
      await w.waitErr(/(job [0-9a-f]{12} done\n[\s\S]*){3}/);
      await redis.kill();
      const st = await child.status;
      assert.equal(st.code, 1, child.err());
      assert.match(child.err(), /lost the connection to Redis/);
      assert.doesNotMatch(child.err(), /internal error|at .*\.ts:\d+/);
      const json = JSON.parse(child.out().trim().split("\n").pop()!);
      assert.equal(json.stopped.code, "cluster_lost");
      const kept = await jobLines(json.run_dir);
      assert.ok(kept.length >= 3 && kept.length < 24, `kept ${kept.length}`);
      const partial = JSON.parse(await Deno.readTextFile(join(json.run_dir, "results.json")));
      assert.equal(partial.interrupted, true);
      // Resume locally (no cluster): only the missing files run.
      const resumed = startTask("backtest_batch.ts", ["--resume", json.run_dir, "--json", "--workers", "2"]);
      const rs = await resumed.status;
      assert.equal(rs.code, 0, resumed.err());
      const rj = JSON.parse(resumed.out().trim().split("\n").pop()!);
      assert.equal(rj.resumed_jobs, kept.length);
      assert.equal(rj.run_dir, json.run_dir);
      const results = JSON.parse(await Deno.readTextFile(join(json.run_dir, "results.json"))).results;
      assert.equal(comparable(results), comparable(ref.results));
      const ids = await jobLines(json.run_dir);
      assert.equal(ids.length, 24);
      assert.equal(new Set(ids).size, 24);
      assert.deepEqual(await tradesOf(json.run_dir), await tradesOf(ref.dir));
    } finally {
      await stopAll(w);
      try {
        child.proc.kill("SIGKILL");
      } catch { /* ended */ }
      await child.status;
      await redis.stop();
    }
  },
});

Deno.test({
  name:
    "cluster: unreachable Redis is a clear error with exit 2; a worker refuses data that differs from the job's",
  ignore: !HAVE_REDIS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dead = await startRedis();
    const url = dead.url;
    await dead.stop();
    const c = startTask("backtest_batch.ts", [
      "--source",
      SAMPLE,
      "--cluster",
      url,
      "--out",
      await Deno.makeTempDir(),
    ]);
    assert.equal((await c.status).code, 2, c.err());
    assert.match(c.err(), /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/0/);
    assert.doesNotMatch(c.err(), /internal error/);
    const wk = startTask("worker.ts", ["--cluster", url, "--data-root", SAMPLE]);
    assert.equal((await wk.status).code, 2);
    assert.match(wk.err(), /cannot reach Redis/);

    // Worker data differs from the submitter's in one file.
    const redis = await startRedis();
    const mine = await makeData(1);
    const theirs = await makeData(1);
    const victim = join(theirs, "set0", "forex");
    const name = [...Deno.readDirSync(victim)][0].name;
    const text = await Deno.readTextFile(join(victim, name));
    await Deno.writeTextFile(join(victim, name), text.replace(/\n$/, "") + "\n\n");
    const w = worker(redis.url, theirs);
    try {
      await w.waitErr(/connected/);
      const { run } = await batch([
        "--source",
        mine,
        "--strategies",
        "sma_cross",
        "--out",
        await Deno.makeTempDir(),
        "--cluster",
        redis.url,
      ]);
      assert.ok(run);
      const bad = run.results.filter((r) => r.error);
      assert.equal(bad.length, 1);
      assert.equal((bad[0].error as { code: string }).code, "sha256_mismatch");
      assert.match(String(bad[0].file), new RegExp(name.replace(/[.+]/g, "\\$&")));
      assert.match(w.err(), /refused: \[sha256_mismatch\].*out of sync/);
    } finally {
      await stopAll(w);
      await redis.stop();
    }
  },
});
