/**
 * Batch runs: workers, run folders, per-file errors, splits, the summary and the task's CLI.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { planBatch, runBatch } from "../../lib/backtest/batch.ts";
import { splitWindow } from "../../lib/backtest/batch_job.ts";
import { PROMOTION_TARGETS, summarizeBatch } from "../../lib/backtest/batch_summary.ts";
import { isKinetraError } from "../../lib/errors.ts";
import { prepareDataset } from "../../lib/data/mod.ts";

const SAMPLE = "data/sample";
const STRATEGIES = ["berserker", "sniper", "multi_agent_v7"];

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "kinetra_batch_" });
}

Deno.test("a batch over the sample in workers writes config, results and trades, and matches an in-thread run", async () => {
  const out = await tempDir();
  try {
    const progress: number[] = [];
    const a = await runBatch({
      source: SAMPLE,
      workers: 2,
      outDir: out,
      onProgress: (p) => progress.push(p.done),
    });
    assert.match(a.runDir, /run_\d{8}T\d{6}Z(_\d+)?$/);
    assert.equal(a.files, 6);
    assert.equal(a.workers, 2);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
    assert.equal(a.results.length, 18);
    const config = JSON.parse(await Deno.readTextFile(join(a.runDir, "config.json")));
    assert.deepEqual(config.strategies, STRATEGIES);
    assert.equal(config.files.length, 6);
    const saved = JSON.parse(await Deno.readTextFile(join(a.runDir, "results.json")));
    assert.equal(saved.results.length, 18);
    assert.ok(saved.summary.length >= 3);
    assert.match(await Deno.readTextFile(join(a.runDir, "summary.txt")), /^strategy\s+class\s+files/);
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", await Deno.readFile(a.results[0].file)),
    );
    assert.equal(a.results[0].sha256, Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
    let trades = 0;
    for (const r of a.results) {
      assert.equal(r.error, null, `${r.file} ${r.strategy}: ${r.error?.message}`);
      assert.ok(r.stats, "stats present");
      assert.ok(["crypto", "energy", "forex", "indices", "metals"].includes(r.asset_class), r.asset_class);
      const csv = (await Deno.readTextFile(join(a.runDir, r.trades_file!))).trimEnd().split("\n");
      assert.match(csv[0], /^entry_bar,exit_bar,entry_time,/);
      assert.equal(csv.length - 1, r.stats!.trades, `${r.trades_file}: one line per closed trade`);
      trades += r.stats!.trades;
    }
    assert.ok(trades > 50, `the strategies should trade on the sample (got ${trades})`);
    // Same batch without workers: identical figures, and a new run folder (never overwritten).
    const b = await runBatch({ source: SAMPLE, workers: 0, outDir: out });
    assert.notEqual(b.runDir, a.runDir);
    const key = (r: { file: string; strategy: string }) => `${r.file}|${r.strategy}`;
    const bm = new Map(b.results.map((r) => [key(r), r]));
    for (const r of a.results) assert.deepEqual(bm.get(key(r))!.stats, r.stats, key(r));
    assert.ok(await Deno.stat(join(a.runDir, "results.json")), "the first run folder is still there");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a broken file is recorded with its error and the batch goes on", async () => {
  const src = await tempDir();
  const out = await tempDir();
  try {
    await Deno.mkdir(join(src, "forex"));
    await Deno.mkdir(join(src, "metals"));
    await Deno.copyFile(
      join(SAMPLE, "forex/AUDUSD+_H4_202401020000_202512300800.csv"),
      join(src, "forex/AUDUSD+_H4_202401020000_202512300800.csv"),
    );
    await Deno.writeTextFile(
      join(src, "metals/BROKEN_H4_202401020000_202401100000.csv"),
      "this is not\tan export\n",
    );
    const header = "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n";
    await Deno.writeTextFile(
      join(src, "metals/SHORT_H4_202401020000_202401020400.csv"),
      header +
        "2024.01.02\t00:00:00\t1\t1.1\t0.9\t1\t10\t0\t1\n2024.01.02\t04:00:00\t1\t1.1\t0.9\t1.05\t10\t0\t1\n",
    );
    const run = await runBatch({
      source: src,
      workers: 2,
      outDir: out,
      strategies: ["sniper", "no_such_strategy"],
    });
    assert.equal(run.results.length, 6);
    const by = (file: string, s: string) =>
      run.results.find((r) => r.file.includes(file) && r.strategy === s)!;
    assert.equal(by("AUDUSD+", "sniper").error, null);
    assert.ok(by("AUDUSD+", "sniper").stats!.trades > 0);
    assert.equal(by("AUDUSD+", "no_such_strategy").error?.code, "unknown_strategy");
    assert.ok(by("BROKEN", "sniper").error, "an unreadable file is an error");
    assert.ok(
      by("SHORT", "sniper").error || by("SHORT", "sniper").stats!.trades === 0,
      "two bars cannot trade",
    );
    const saved = JSON.parse(await Deno.readTextFile(join(run.runDir, "results.json")));
    assert.ok(
      saved.results.find((r: { file: string; error: unknown }) => r.file.includes("BROKEN") && r.error),
    );
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("splits: raw files are cut chronologically, prepared train/ and test/ folders are used as they are", async () => {
  assert.deepEqual(splitWindow(1000, "all", 0.2, false, 300), { from: 0, to: 1000 });
  assert.deepEqual(splitWindow(1000, "train", 0.2, false, 300), { from: 0, to: 800 });
  assert.deepEqual(splitWindow(1000, "test", 0.2, false, 300), { from: 500, to: 1000 });
  assert.deepEqual(splitWindow(1000, "test", 0.2, true, 300), { from: 0, to: 1000 });
  const out = await tempDir();
  const src = await tempDir();
  try {
    const test = await runBatch({
      source: SAMPLE,
      workers: 0,
      outDir: out,
      split: "test",
      strategies: ["sniper"],
    });
    const all = await runBatch({
      source: SAMPLE,
      workers: 0,
      outDir: out,
      split: "all",
      strategies: ["sniper"],
    });
    for (const r of test.results) {
      const full = all.results.find((x) => x.file === r.file)!;
      const n = full.bars + 500; // bars traded + warm-up
      assert.equal(r.bars, n - Math.floor(n * 0.8), r.file);
      assert.ok(r.stats!.start > full.stats!.start, "the test part starts later");
      assert.equal(r.stats!.end, full.stats!.end);
    }
    // A prepared folder (Parquet from `deno task prepare`) is used as split, not cut again.
    const manifest = await prepareDataset({ source: SAMPLE, out: src, testRatio: 0.25 });
    const jobs = await planBatch({ source: src, split: "test" });
    assert.equal(jobs.length, 6);
    assert.ok(jobs.every((j) => j.presplit && j.file.includes("/test/") && j.file.endsWith(".parquet")));
    assert.equal((await planBatch({ source: src, split: "all" })).length, 12);
    const pre = await runBatch({
      source: src,
      workers: 0,
      outDir: out,
      split: "test",
      strategies: ["sniper"],
    });
    for (const r of pre.results) {
      assert.equal(r.error, null, r.error?.message);
      const m = manifest.files.find((f) => r.file.endsWith(f.test_path!))!;
      assert.equal(r.bars, m.test_rows - 500, r.file);
      assert.ok(["crypto", "energy", "forex", "indices", "metals"].includes(r.asset_class), r.asset_class);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
    await Deno.remove(src, { recursive: true });
  }
});

Deno.test("planning rejects what it cannot run with clear errors", async () => {
  await assert.rejects(
    planBatch({ source: SAMPLE, timeframes: ["M1"] }),
    (e) => isKinetraError(e) && e.code === "no_files",
  );
  await assert.rejects(
    planBatch({ source: "no/such/folder" }),
    (e) => isKinetraError(e) && e.code === "file_not_found",
  );
  await assert.rejects(
    planBatch({ source: SAMPLE, split: "later" as "all" }),
    (e) => isKinetraError(e) && e.code === "bad_argument",
  );
  const h4 = await planBatch({ source: SAMPLE, timeframes: ["h4"] });
  assert.equal(h4.length, 6);
});

Deno.test("summary rows per strategy and asset class add up and are marked against the targets", () => {
  const stats = (chs: number, omega: number, energy: number, trades: number, ret: number) => ({
    chs,
    omega,
    energy_captured_pct: energy,
    trades,
    return_pct: ret,
    sharpe: 1,
    max_drawdown_pct: -ret,
    mfe_captured_pct: 50,
  });
  const r = (cls: string, s: ReturnType<typeof stats> | null, error: string | null = null) => ({
    file: `${cls}.csv`,
    symbol: "X",
    timeframe: "H1",
    asset_class: cls,
    strategy: "sniper",
    bars: 100,
    sha256: null,
    // deno-lint-ignore no-explicit-any
    stats: s as any,
    trades_file: null,
    error: error ? { code: "x", message: error } : null,
    timings_ms: { read: 0, features: 0, simulate: 0 },
  });
  const rows = summarizeBatch([
    r("forex", stats(0.95, 3, 70, 10, 5)),
    r("forex", stats(0.5, 1, 40, 20, 15)),
    r("forex", stats(0.99, 4, 80, 30, 10)),
    r("metals", null, "boom"),
  ]);
  assert.deepEqual(rows.map((x) => x.asset_class), ["forex", "metals", "all"]);
  const fx = rows[0];
  assert.equal(fx.trades, 60);
  assert.equal(fx.return_pct, 10);
  assert.equal(fx.chs, 0.95);
  assert.equal(fx.omega, 3);
  assert.equal(fx.max_drawdown_pct, -15);
  assert.deepEqual(fx.meets, {
    chs: 0.95 > PROMOTION_TARGETS.chs,
    omega: 3 > PROMOTION_TARGETS.omega,
    energy_captured: 70 > PROMOTION_TARGETS.energy_captured_pct,
  });
  assert.equal(fx.files_meeting_all, 2);
  assert.equal(rows[1].files_failed, 1);
  assert.equal(rows[2].files, 4);
  assert.equal(rows[2].files_failed, 1);
});

Deno.test("the task prints the documented JSON and rejects bad arguments without a stack trace", async () => {
  const out = await tempDir();
  try {
    const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
    delete (env as Record<string, string>).RUST_BACKTRACE;
    const run = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", "-A", "tasks/backtest_batch.ts", ...args],
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
    const ok = await run([
      "--source",
      SAMPLE,
      "--out",
      out,
      "--workers",
      "1",
      "--strategies",
      "sniper",
      "--json",
    ]);
    assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
    const j = JSON.parse(new TextDecoder().decode(ok.stdout));
    assert.ok(j.run_dir.includes(out));
    assert.equal(j.results.length, 6);
    for (const r of j.results) {
      for (const k of ["file", "symbol", "timeframe", "strategy", "stats", "error"]) assert.ok(k in r, k);
      assert.equal(r.error, null);
      assert.equal(typeof r.stats.omega === "number" || r.stats.omega === null, true);
    }
    const bad = await run(["--source", SAMPLE, "--out", out, "--split", "later"]);
    assert.equal(bad.code, 2);
    const err = new TextDecoder().decode(bad.stderr);
    assert.match(err, /--split must be train, test or all/);
    assert.doesNotMatch(err, /at .*\.ts:\d+/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("an aborted batch stops its workers, records unfinished files and still writes results.json", async () => {
  const out = await tempDir();
  try {
    const ac = new AbortController();
    const run = await runBatch({
      source: SAMPLE,
      workers: 1,
      outDir: out,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.done === 1) ac.abort();
      },
    });
    assert.equal(run.interrupted, true);
    const codes = run.results.map((r) => r.error?.code ?? "ok");
    assert.ok(codes.includes("ok"), "the first file finished");
    assert.ok(codes.filter((c) => c === "interrupted").length >= 3 * 4, `codes: ${codes}`);
    const saved = JSON.parse(await Deno.readTextFile(join(run.runDir, "results.json")));
    assert.equal(saved.interrupted, true);
    assert.equal(saved.results.length, 18);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("Ctrl+C (SIGINT) on the task stops the batch with exit code 130 and a saved results.json", async () => {
  const out = await tempDir();
  try {
    const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
    delete (env as Record<string, string>).RUST_BACKTRACE;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "-A",
        "tasks/backtest_batch.ts",
        "--source",
        SAMPLE,
        "--out",
        out,
        "--workers",
        "1",
      ],
      env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let err = "";
    while (!err.includes("[1/6]")) {
      const { value, done } = await reader.read();
      if (done) break;
      err += value;
    }
    child.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      err += value;
    }
    const status = await child.status;
    const stdout = new TextDecoder().decode(await new Response(child.stdout).arrayBuffer());
    assert.equal(status.code, 130, err + stdout);
    assert.match(err, /interrupted: stopping the workers/);
    const runDir = stdout.match(/results: (.*)\/results\.json/)![1];
    const saved = JSON.parse(await Deno.readTextFile(join(runDir, "results.json")));
    assert.equal(saved.interrupted, true);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

for (const sig of ["SIGTERM", "SIGHUP"] as const) {
  Deno.test(`${sig} on the task (the menu's stop, a closed terminal) saves what finished like Ctrl+C`, async () => {
    const out = await tempDir();
    try {
      const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
      delete (env as Record<string, string>).RUST_BACKTRACE;
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt",
          "-A",
          "tasks/backtest_batch.ts",
          "--source",
          SAMPLE,
          "--out",
          out,
          "--workers",
          "1",
        ],
        env,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let err = "";
      while (!err.includes("[1/6]")) {
        const { value, done } = await reader.read();
        if (done) break;
        err += value;
      }
      child.kill(sig);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        err += value;
      }
      const status = await child.status;
      const stdout = new TextDecoder().decode(await new Response(child.stdout).arrayBuffer());
      assert.equal(status.code, 130, err + stdout);
      assert.match(err, new RegExp(`${sig}: stopping the workers`));
      const runDir = stdout.match(/results: (.*)\/results\.json/)![1];
      const saved = JSON.parse(await Deno.readTextFile(join(runDir, "results.json")));
      assert.equal(saved.interrupted, true);
      assert.ok(saved.results.some((r: { error: unknown }) => r.error === null), "the finished file is kept");
      assert.match(await Deno.readTextFile(join(runDir, "summary.txt")), /^strategy\s+class/);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });
}

Deno.test("parameter overrides apply to the strategies that declare them and are checked before running", async () => {
  const out = await tempDir();
  try {
    const base = await runBatch({
      source: SAMPLE,
      workers: 0,
      outDir: out,
      strategies: ["sniper", "sma_cross"],
    });
    const wide = await runBatch({
      source: SAMPLE,
      workers: 0,
      outDir: out,
      strategies: ["sniper", "sma_cross"],
      params: { sl_atr: 4, fast: 5 },
    });
    const config = JSON.parse(await Deno.readTextFile(join(wide.runDir, "config.json")));
    assert.deepEqual(config.params, { sl_atr: 4, fast: 5 });
    for (const r of wide.results) {
      assert.equal(r.error, null, r.error?.message);
      const b = base.results.find((x) => x.file === r.file && x.strategy === r.strategy)!;
      assert.notDeepEqual(r.stats, b.stats, `${r.strategy} on ${r.file} should change with its override`);
    }
    // Wider stops: fewer stop-loss exits for SNIPER over the sample.
    const sl = async (run: typeof base) => {
      let n = 0;
      for (const r of run.results.filter((x) => x.strategy === "sniper")) {
        const lines = (await Deno.readTextFile(join(run.runDir, r.trades_file!))).split("\n");
        n += lines.filter((l) => l.split(",").at(-2) === "sl").length;
      }
      return n;
    };
    assert.ok(await sl(wide) < await sl(base), "a 4-ATR stop is hit less often than a 2-ATR stop");
    await assert.rejects(
      planBatch({ source: SAMPLE, strategies: ["sniper"], params: { fast: 5 } }),
      (e) => isKinetraError(e) && e.code === "bad_parameter" && /no chosen strategy/.test(e.message),
    );
    await assert.rejects(
      planBatch({ source: SAMPLE, params: { sl_atr: 0 } }),
      (e) => isKinetraError(e) && e.code === "bad_parameter",
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
