/**
 * A prepared Parquet split carries its source's format, symbol and timeframe, so a backtest on it
 * picks the same default profile as on the CSV (mt5 for an MT5 export: spread, commission, swap).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { prepareDataset, readBars } from "../../lib/data/mod.ts";

const SOURCE = "data/sample/metals";

async function runTask(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", "tasks/backtest.ts", ...args],
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

Deno.test("a prepared split carries format, symbol and timeframe, and the backtest's default profile follows the source", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-prepared-profile-" });
  try {
    const m = await prepareDataset({ source: SOURCE, out: tmp });
    const entry = m.files[0];
    const test = join(tmp, entry.test_path!);
    // Renamed, the file still says what it is.
    const renamed = join(tmp, "split.parquet");
    await Deno.copyFile(test, renamed);
    for (const path of [test, renamed]) {
      const meta = (await readBars(path)).meta;
      assert.equal(meta.format, "parquet");
      assert.equal(meta.sourceFormat, "mt5_bars", path);
      assert.equal(meta.symbol, "XAUUSD+", path);
      assert.equal(meta.timeframe, "H4", path);
    }
    const byDefault = await runTask(["--data", renamed, "--strategy", "sma_cross", "--json"]);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    const mt5 = await runTask(["--data", renamed, "--strategy", "sma_cross", "--json", "--profile", "mt5"]);
    const compat = await runTask([
      "--data",
      renamed,
      "--strategy",
      "sma_cross",
      "--json",
      "--profile",
      "compat",
    ]);
    const d = JSON.parse(byDefault.stdout);
    assert.equal(d.profile, "mt5");
    assert.equal(d.stats.return_pct, JSON.parse(mt5.stdout).stats.return_pct);
    assert.notEqual(
      d.stats.return_pct,
      JSON.parse(compat.stdout).stats.return_pct,
      "costs make a difference",
    );
    assert.ok(d.stats.total_costs > 0, "spread/commission/swap charged");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
