/**
 * Fix guides for errors the pipeline must not rewrite itself (code errors, missing exports):
 * `<log dir>/fix_guide_<category>.md` lists each location and the suggested change.
 *
 * @module
 */
import { join } from "node:path";
import { writeTextAtomic } from "../util/fs.ts";
import { patternFor } from "./categorize.ts";
import type { PipelineError } from "./types.ts";

/** Write one guide per category of `errors`; returns the paths written (none with `dryRun`). */
export async function writeFixGuides(
  logDir: string,
  errors: readonly PipelineError[],
  dryRun = false,
): Promise<string[]> {
  const byCat = new Map<string, PipelineError[]>();
  for (const e of errors) byCat.set(e.category, [...(byCat.get(e.category) ?? []), e]);
  const paths: string[] = [];
  for (const [cat, list] of byCat) {
    const p = patternFor(cat);
    const lines = [
      `# Fix guide: ${cat}`,
      "",
      `Written by \`deno task fix\` at ${new Date().toISOString()}. Severity ${p.severity}; ` +
      `these errors were not fixed automatically (fix strategy \`${p.fix}\`${
        p.auto_fixable ? ", which did not apply here" : ""
      }).`,
      "",
      "## Suggested change",
      "",
      p.suggestion,
      "",
      `## Locations (${list.length})`,
      "",
    ];
    for (const e of list) {
      lines.push(`### ${e.file ?? `(stage ${e.stage})`}`, "");
      lines.push(`- stage: ${e.stage}${e.code ? `, code: ${e.code}` : ""}`);
      const loc = e.details?.locations as string[] | undefined;
      if (loc?.length) lines.push(`- locations: ${loc.slice(0, 10).join(", ")}`);
      lines.push("", "```", e.message.slice(0, 2000), "```", "");
    }
    const path = join(logDir, `fix_guide_${cat}.md`);
    if (!dryRun) await writeTextAtomic(path, lines.join("\n"));
    paths.push(path);
  }
  return paths;
}
