// Virtual mode replays the prepared test split of a symbol and timeframe when no --data is given.
import assert from "node:assert/strict";
import { frameFromArrays, readBars, toArrays } from "../../lib/data/mod.ts";
import { isKinetraError } from "../../lib/errors.ts";
import { runLive } from "../../lib/live/mod.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

Deno.test("virtual mode finds the test split in the prepared manifest and replays it", async () => {
  const dir = await Deno.makeTempDir();
  const a = toArrays(await readBars(GBPUSD));
  const from = Math.floor(a.length * 0.8);
  const cut = <T extends Float64Array>(x: T) => x.subarray(from);
  const test = {
    length: a.length - from,
    time: cut(a.time),
    open: cut(a.open),
    high: cut(a.high),
    low: cut(a.low),
    close: cut(a.close),
    tickVolume: cut(a.tickVolume),
    volume: cut(a.volume),
    spread: a.spread ? cut(a.spread) : null,
  };
  await Deno.mkdir(`${dir}/test/forex`, { recursive: true });
  const rel = "test/forex/GBPUSD+_H4_202509010000_202512262000.parquet";
  frameFromArrays(test).writeParquet(`${dir}/${rel}`);
  await Deno.writeTextFile(
    `${dir}/manifest.json`,
    JSON.stringify({
      files: [{ symbol: "GBPUSD+", timeframe_declared: "H4", timeframe_detected: "H4", test_path: rel }],
    }),
  );
  const logsDir = await Deno.makeTempDir();
  const s = await runLive(
    { mode: "virtual", strategy: "sma_cross", symbol: "GBPUSD+", timeframe: "H4", preparedDir: dir, logsDir },
    { print: () => {} },
  );
  assert.equal(s.bars_processed, test.length);
  assert.equal(s.symbol, "GBPUSD+");
  assert.ok(s.trades.length > 0);
  assert.ok(new Date(s.trades[0].entry_time).getTime() >= test.time[0]);
  await assert.rejects(
    () =>
      runLive({
        mode: "virtual",
        strategy: "sma_cross",
        symbol: "EURUSD",
        timeframe: "H1",
        preparedDir: dir,
        logsDir,
      }, {
        print: () => {},
      }),
    (e) => isKinetraError(e) && /no prepared test split for EURUSD H1/.test((e as Error).message),
  );
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(logsDir, { recursive: true });
});
