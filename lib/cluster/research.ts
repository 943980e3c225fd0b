/**
 * `--cluster URL` and `--data-root DIR` for `deno task optimize` and `deno task walkforward`: the
 * research runner on the BullMQ cluster, or undefined when no cluster is configured (local
 * workers then).
 *
 * @module
 */
import { dirname, relative, resolve } from "node:path";
import { resolveClusterUrl } from "./url.ts";

/**
 * The submitter's data root: `flag` when given, else the current folder when `file` lies inside
 * it, else the file's own folder. Job paths are relative to it; workers resolve them under their
 * `--data-root`.
 */
export function submitterDataRoot(flag: string | undefined, file: string): string {
  if (flag) return resolve(flag);
  const rel = relative(Deno.cwd(), resolve(file));
  return rel.startsWith("..") || resolve(rel) === rel ? dirname(resolve(file)) : Deno.cwd();
}

/** The cluster runner for a sweep of `file`, or undefined without a cluster URL. */
export async function researchClusterRunner(
  flags: { cluster?: unknown; "data-root"?: unknown },
  file: string,
  log: (line: string) => void = (l) => console.error(l),
) {
  const url = await resolveClusterUrl(typeof flags.cluster === "string" ? flags.cluster : undefined);
  if (!url) return undefined;
  const { ClusterRunner } = await import("./queue.ts");
  const { ResearchClusterRunner } = await import("./sweep_kind.ts");
  await import("./kinds.ts");
  const cluster = await ClusterRunner.connect(url);
  const root = submitterDataRoot(
    typeof flags["data-root"] === "string" ? flags["data-root"] : undefined,
    file,
  );
  log(`cluster: ${cluster.address}, data root ${root}`);
  return new ResearchClusterRunner(cluster, { dataRoot: root });
}
