/**
 * `deno task build:live [--output PATH] [--json]`: compile the live runner into one binary with
 * `deno compile` and the narrowest permissions (see lib/live/build.ts). Where deno compile cannot
 * fetch its runtime, the error says how to point DENORT_BIN at one.
 */
import { parseArgs } from "node:util";
import { runTask } from "../lib/util/cli.ts";
import { KinetraError } from "../lib/errors.ts";
import { buildLiveBinary, compileArgs } from "../lib/live/build.ts";

async function main(): Promise<number> {
  let v;
  try {
    v = parseArgs({ args: Deno.args, options: { output: { type: "string" }, json: { type: "boolean" } } })
      .values;
  } catch (e) {
    throw new KinetraError("bad_option", (e as Error).message);
  }
  const output = v.output ?? "dist/kinetra-live";
  console.error(`deno ${compileArgs(output).join(" ")}`);
  const r = await buildLiveBinary(output);
  if (v.json) console.log(JSON.stringify(r));
  console.error(
    `built ${r.output} (${
      (r.bytes / 1e6).toFixed(1)
    } MB); run it like deno task live, e.g. ${r.output} --help`,
  );
  return 0;
}

if (import.meta.main) runTask(main);
