/**
 * Where virtual mode finds its bars: `--data FILE` (any export lib/data reads, or a Parquet file
 * written by `deno task prepare`), or the test split of `symbol`/`timeframe` listed in
 * data/prepared/manifest.json.
 *
 * @module
 */
import { basename, join } from "node:path";
import { findingWarnings, parseFileName, readBarsChecked, toArrays } from "../data/mod.ts";
import type { BarArrays } from "../data/types.ts";
import { KinetraError } from "../errors.ts";
import { PREPARED_DIR } from "../util/paths.ts";

/** Path of the prepared test split for a symbol and timeframe (KinetraError when none). */
export async function findPreparedTest(
  symbol: string,
  timeframe: string,
  dir = PREPARED_DIR,
): Promise<string> {
  const manifestPath = join(dir, "manifest.json");
  let manifest: {
    files?: {
      symbol: string;
      timeframe_declared: string | null;
      timeframe_detected: string | null;
      test_path: string | null;
    }[];
  };
  try {
    manifest = JSON.parse(await Deno.readTextFile(manifestPath));
  } catch {
    throw new KinetraError(
      "no_prepared_data",
      `no ${manifestPath}: run \`deno task prepare\` first, or pass --data FILE to replay a file`,
    );
  }
  const hit = (manifest.files ?? []).find((f) =>
    f.symbol.toUpperCase() === symbol.toUpperCase() &&
    (f.timeframe_declared ?? f.timeframe_detected ?? "").toUpperCase() === timeframe.toUpperCase() &&
    f.test_path
  );
  if (!hit) {
    throw new KinetraError(
      "no_prepared_data",
      `no prepared test split for ${symbol} ${timeframe} in ${manifestPath}; pass --data FILE or prepare that file`,
    );
  }
  return join(dir, hit.test_path!);
}

/**
 * Read replay bars with the symbol and timeframe told by the file name. The file goes through
 * lib/data's gate: CRITICAL findings (non-finite or non-positive prices, a mislabelled timeframe,
 * many unreadable rows, …) refuse it with `critical_findings` unless `allowCritical`; warnings go
 * to stderr.
 */
export async function loadReplayBars(
  path: string,
  opts: { allowCritical?: boolean; dateOrder?: "dmy" | "mdy" } = {},
): Promise<{ bars: BarArrays; symbol: string; timeframe: string | null }> {
  const { bars: b, findings } = await readBarsChecked(path, {
    allowCritical: opts.allowCritical,
    dateOrder: opts.dateOrder,
  });
  for (const w of findingWarnings(path, findings)) console.error(w);
  if (b.meta.format === "parquet") {
    const parsed = parseFileName(basename(path).replace(/\.parquet$/i, ".csv"));
    return {
      bars: toArrays(b),
      symbol: parsed?.symbol ?? basename(path),
      timeframe: parsed?.timeframe ?? null,
    };
  }
  return {
    bars: toArrays(b),
    symbol: b.meta.symbol,
    timeframe: b.meta.timeframe ?? b.meta.timeframeDetected,
  };
}
