/**
 * A file whose name and bar spacing disagree on the timeframe (named H1, bars four hours apart) is
 * used as the detected timeframe, with a warning on stderr and in the JSON, by `backtest`,
 * `backtest:batch` and the menu; `--strict` refuses it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runBatch } from "../../lib/backtest/batch.ts";
import { runScripted, tempOptions } from "../menu/_helpers.ts";

const REAL = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
const MISLABELLED = "GBPUSD+_H1_202401020000_202512262000.csv";

async function mislabelledFolder(): Promise<{ dir: string; file: string }> {
  const dir = await Deno.makeTempDir({ prefix: "kinetra-tf-label-" });
  await Deno.mkdir(join(dir, "forex"));
  const file = join(dir, "forex", MISLABELLED);
  await Deno.copyFile(REAL, file);
  return { dir, file };
}

async function task(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", `tasks/${name}`, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: o.code,
    stdout: new TextDecoder().decode(o.stdout),
    stderr: new TextDecoder().decode(o.stderr),
  };
}

Deno.test("backtest uses the detected timeframe with a warning on stderr and in the JSON; --strict refuses", async () => {
  const { dir, file } = await mislabelledFolder();
  try {
    const r = await task("backtest.ts", ["--data", file, "--strategy", "sma_cross", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: .*named H1 but its bars are H4 apart: using H4/);
    const j = JSON.parse(r.stdout);
    assert.equal(j.timeframe, "H4");
    assert.equal(j.timeframe_declared, "H1");
    assert.equal(j.timeframe_detected, "H4");
    assert.equal(j.warnings.length, 1);
    const strict = await task("backtest.ts", ["--data", file, "--strategy", "sma_cross", "--strict"]);
    assert.equal(strict.code, 2, strict.stderr);
    assert.match(strict.stderr, /error: .*named H1 but its bars are H4 apart \(--strict refuses it\)/);
    // A correctly named file has no warning.
    const ok = await task("backtest.ts", ["--data", REAL, "--strategy", "sma_cross", "--json"]);
    assert.deepEqual(JSON.parse(ok.stdout).warnings, []);
    assert.doesNotMatch(ok.stderr, /warning/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backtest:batch labels a mislabelled file with the detected timeframe and warns; strict records an error", async () => {
  const { dir } = await mislabelledFolder();
  const out = await Deno.makeTempDir({ prefix: "kinetra-tf-label-out-" });
  try {
    const run = await runBatch({
      source: dir,
      workers: 0,
      outDir: out,
      strategies: ["sma_cross"],
    });
    assert.equal(run.results[0].timeframe, "H4");
    assert.equal(run.results[0].timeframe_declared, "H1");
    assert.match(run.results[0].warnings![0], /named H1 but its bars are H4 apart/);
    assert.equal(run.results[0].error, null);
    const strict = await runBatch({
      source: dir,
      workers: 0,
      outDir: out,
      strategies: ["sma_cross"],
      strictTimeframe: true,
    });
    assert.equal(strict.results[0].error?.code, "timeframe_mismatch");
    const t = await task("backtest_batch.ts", [
      "--source",
      dir,
      "--out",
      out,
      "--workers",
      "0",
      "--strategies",
      "sma_cross",
    ]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, /warning: .*named H1 but its bars are H4 apart/);
  } finally {
    await Deno.remove(out, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the menu's quick backtest shows the detected timeframe and the warning", async () => {
  const { dir } = await mislabelledFolder();
  const opts = await tempOptions({ dataDir: dir });
  try {
    const { out } = await runScripted(["3", "1", "", ""], opts);
    assert.match(out, /Warning: forex\/GBPUSD\+_H1_\S+ is named H1 but its bars are H4 apart/);
    assert.match(out, /on GBPUSD\+ H4 \(/);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(opts.work, { recursive: true });
  }
});
