/**
 * `deno task fuzz:data [--cases N] [--seed S] [--source DIR] [--max-rows N] [--json]`
 *
 * Mutate real MT5 exports (default: the folder `realDataDir()` picks: $KINETRA_MASTER_DIR,
 * ../shared/data/master, data/master, data/sample) and compare every read with an independent
 * reference parse (lib/data/fuzz.ts). A refusal or a CRITICAL finding is fine; a silent difference
 * or a crash fails: exit 1, and each failing mutant is written to logs/fuzz_data/ to reproduce it.
 * The source folder is only read.
 */
import { join } from "node:path";
import { parseTaskArgs, scanCatalog } from "../lib/data/mod.ts";
import { type FuzzCase, MUTATIONS, runFuzz } from "../lib/data/fuzz.ts";
import { KinetraError } from "../lib/errors.ts";
import { numberOptionOr, runTask } from "../lib/util/cli.ts";
import { assertNotInside, writeBytesAtomic, writeJsonAtomic } from "../lib/util/fs.ts";
import { realDataDir } from "../lib/util/paths.ts";

const USAGE = "usage: deno task fuzz:data [--cases N] [--seed S] [--source DIR] [--max-rows N] [--json]";

/** A whole-number flag >= 0 with a default. */
function int(name: string, v: string | undefined, def: number): number {
  return numberOptionOr(name, v, def, { integer: true, min: 0, usage: USAGE });
}

await runTask(async () => {
  const { values } = parseTaskArgs(Deno.args, {
    cases: { type: "string" },
    seed: { type: "string" },
    source: { type: "string" },
    "max-rows": { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  }, USAGE);
  if (values.help) {
    console.log(USAGE + `\nmutations: ${MUTATIONS.join(", ")}`);
    return 0;
  }
  const cases = int("cases", values.cases, 1000);
  const seed = int("seed", values.seed, Date.now() % 1_000_000);
  const maxRows = int("max-rows", values["max-rows"], 1500);
  const picked = values.source ? { dir: values.source, which: "given" } : realDataDir();
  const catalog = await scanCatalog(picked.dir);
  // MT5 bar exports only (the reference reads that layout).
  const files = catalog.files.map((f) => f.path).filter((p) => {
    const head = new TextDecoder().decode(Deno.readFileSync(p).subarray(0, 200)).replace(/^\uFEFF/, "");
    return /^<DATE>\t/i.test(head) && /<OPEN>/i.test(head);
  });
  if (!files.length) {
    throw new KinetraError("no_data_files", `${picked.dir}: no MT5 bar exports to mutate.\n${USAGE}`);
  }
  console.error(
    `fuzz:data on ${picked.dir} (${picked.which}): ${files.length} files, ${cases} cases, seed ${seed}`,
  );
  const t0 = performance.now();
  const mutants = new Map<number, Uint8Array>();
  const report = runFuzz({
    files,
    cases,
    seed,
    maxRows,
    onCase: (c: FuzzCase, bytes: Uint8Array) => {
      if ((c.outcome === "silent_difference" || c.outcome === "crash") && mutants.size < 50) {
        mutants.set(c.index, bytes);
      }
      if ((c.index + 1) % 100 === 0) console.error(`  ${c.index + 1}/${cases}`);
    },
  });
  const ms = Math.round(performance.now() - t0);
  // Failing mutants are written for reproduction (the same seed regenerates them too).
  if (report.failures.length) {
    const dir = join("logs", "fuzz_data", `seed_${seed}`);
    assertNotInside(dir, picked.dir);
    for (const [i, bytes] of mutants) await writeBytesAtomic(join(dir, `case_${i}.csv`), bytes);
    await writeJsonAtomic(join(dir, "failures.json"), report.failures);
    console.error(`failing mutants written to ${dir}/`);
  }
  if (values.json) console.log(JSON.stringify({ ...report, ms }, null, 2));
  else {
    const o = report.outcomes;
    console.log(
      `${report.cases} cases in ${ms} ms: ${o.identical} identical to the reference, ${o.refused} refused, ` +
        `${o.critical} flagged CRITICAL, ${o.silent_difference} silent differences, ${o.crash} crashes`,
    );
    for (const f of report.failures.slice(0, 20)) {
      console.log(`  case ${f.index} ${f.outcome} (${f.mutations.join("+")}) ${f.file}: ${f.detail}`);
    }
  }
  return report.failures.length ? 1 : 0;
});
