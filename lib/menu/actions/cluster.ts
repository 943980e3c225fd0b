/**
 * System Status › Cluster: where batch, optimise and walk-forward jobs would run (local threads, or a
 * BullMQ cluster configured with `$KINETRA_CLUSTER_URL` or `.kinetra/cluster.json`), shown redacted,
 * and how to start workers. The menu itself never connects to the cluster (its network permission is
 * the MT5 bridge's port only).
 *
 * @module
 */
import { parseClusterUrl, redactText, resolveClusterUrl } from "../../cluster/url.ts";
import { redisServerPath } from "../../cluster/redis_server.ts";
import { isKinetraError } from "../../errors.ts";
import type { ActionContext, MenuAction } from "../types.ts";

/** The Cluster status item. */
export const clusterStatus: MenuAction = {
  kind: "action",
  title: "Cluster",
  description:
    "where batch, optimise and walk-forward jobs run: local threads or a BullMQ cluster (docs/CLUSTER.md)",
  async run({ ask }: ActionContext): Promise<void> {
    let url: string | null = null;
    try {
      url = await resolveClusterUrl(undefined);
    } catch (e) {
      ask.say(`  Cluster configuration refused: ${isKinetraError(e) ? e.message : String(e)}`);
      return;
    }
    if (!url) {
      ask.say(
        "  No cluster configured: batches, sweeps and walk-forward run on this machine's worker threads.",
      );
      ask.say(
        "  To use one, set KINETRA_CLUSTER_URL=redis://host:6379/0 (password in KINETRA_REDIS_PASSWORD)",
      );
      ask.say("  or write .kinetra/cluster.json with mode 0600; docs/CLUSTER.md has a two-machine set-up.");
    } else {
      try {
        const c = parseClusterUrl(url, { KINETRA_REDIS_PASSWORD: Deno.env.get("KINETRA_REDIS_PASSWORD") });
        ask.say(`  Cluster configured: ${c.redacted}`);
        ask.say(
          "  Batch over the Catalog, Optimise Parameters and Walk-Forward Analysis enqueue their jobs there;",
        );
        ask.say("  start workers on each machine with: deno task worker --data-root /path/to/shared/data");
      } catch (e) {
        ask.say(
          `  The configured cluster URL is invalid: ${isKinetraError(e) ? e.message : redactText(String(e))}`,
        );
      }
    }
    ask.say(
      redisServerPath()
        ? "  redis-server is installed here (deno task bench:cluster runs a private one on 127.0.0.1)."
        : "  redis-server is not installed here (Debian: apt-get install redis-server).",
    );
  },
};
