/**
 * `deno task fuzz:bridge [--cases N] [--seed S] [--bars B] [--rate P] [--json]`: demo sessions
 * against the loopback simulator through a man-in-the-middle proxy that mutates the Expert
 * Advisor's messages, plus hostile connections (lib/live/fuzz_bridge.ts). 127.0.0.1 only; no order
 * ever reaches a real account. Exit 0 when every case passes, 1 when one fails (its seed reproduces
 * it), 2 for bad flags.
 */
import { parseArgs } from "node:util";
import { KinetraError } from "../lib/errors.ts";
import { readBars, toArrays } from "../lib/data/mod.ts";
import { fuzzBridge } from "../lib/live/fuzz_bridge.ts";
import { numberOption, runTask } from "../lib/util/cli.ts";

const SAMPLE = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

async function main(): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: Deno.args,
      options: {
        cases: { type: "string" },
        seed: { type: "string" },
        bars: { type: "string" },
        rate: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (e) {
    throw new KinetraError("bad_option", (e as Error).message);
  }
  if (v.help) {
    console.log(
      "usage: deno task fuzz:bridge [--cases N (20)] [--seed S (1)] [--bars B (60)] [--rate P (0.03)] [--json]",
    );
    return 0;
  }
  const cases = numberOption("cases", v.cases, { code: "bad_option" }) ?? 20;
  const seed = numberOption("seed", v.seed, { code: "bad_option" }) ?? 1;
  const bars = numberOption("bars", v.bars, { code: "bad_option" }) ?? 60;
  const rate = numberOption("rate", v.rate, { code: "bad_option" }) ?? 0.03;
  if (!(cases >= 1 && cases <= 10_000 && Number.isInteger(cases))) {
    throw new KinetraError("bad_option", `--cases must be an integer in 1..10000, got ${cases}`);
  }
  if (!(bars >= 10 && bars <= 1000)) {
    throw new KinetraError("bad_option", `--bars must be in 10..1000, got ${bars}`);
  }
  if (!(rate >= 0 && rate <= 1)) {
    throw new KinetraError("bad_option", `--rate must be in [0, 1], got ${rate}`);
  }
  const logsDir = await Deno.makeTempDir({ prefix: "kinetra-fuzz-bridge-" });
  const t0 = Date.now();
  const results = await fuzzBridge({
    cases,
    seed,
    bars,
    rate,
    bars_data: toArrays(await readBars(SAMPLE)),
    logsDir,
    print: (l) => console.error(l),
  });
  const failed = results.filter((r) => r.problems.length);
  const mutations = results.reduce((s, r) => s + r.mutations, 0);
  console.error(
    `fuzz:bridge: ${results.length} cases, ${mutations} mutations, ${failed.length} failed, ` +
      `${((Date.now() - t0) / 1000).toFixed(1)} s; journals in ${logsDir}`,
  );
  if (v.json) {
    console.log(
      JSON.stringify({ cases: results.length, mutations, failed: failed.length, results }, null, 2),
    );
  }
  if (!failed.length) await Deno.remove(logsDir, { recursive: true });
  return failed.length ? 1 : 0;
}

if (import.meta.main) runTask(main);
