/**
 * `deno task worker --cluster URL [--concurrency N] [--data-root DIR]`
 *
 * A cluster worker: takes Kinetra jobs (batch files, sweep chunks, walk-forward windows) from the
 * BullMQ queue on Redis and executes them, `--concurrency` at a time in worker threads. Run it on
 * any number of machines that see the data under `--data-root` (default: the current folder).
 * It executes only Kinetra's registered job kinds with schema-checked parameters, and refuses a
 * data file whose SHA-256 differs from the job's. Stops cleanly on Ctrl-C, SIGTERM or SIGHUP
 * (running jobs finish first; a killed worker's jobs are retried by another worker).
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { KinetraError } from "../lib/errors.ts";
import { numberOptionOr, runTask } from "../lib/util/cli.ts";
import { onStopSignal } from "../lib/util/signals.ts";
import { resolveClusterUrl } from "../lib/cluster/url.ts";
import { runClusterWorker } from "../lib/cluster/queue.ts";

const HELP = `deno task worker --cluster URL [options]

Execute Kinetra jobs from the cluster's queue (see docs/CLUSTER.md).

  --cluster URL       redis://[user:pass@]host:port[/db] (default: $KINETRA_CLUSTER_URL or
                      .kinetra/cluster.json; a password may come from $KINETRA_REDIS_PASSWORD)
  --concurrency N     jobs at once, one thread each (default: hardware threads)
  --data-root DIR     folder the jobs' data paths are relative to (default: current folder)
  --lock-ms N         lock duration; a job whose worker died is retried after about this long
                      (default 30000)
  --verbose           a line per job started and finished
  -h, --help          this help`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: Deno.args,
      options: {
        cluster: { type: "string" },
        concurrency: { type: "string" },
        "data-root": { type: "string" },
        "lock-ms": { type: "string" },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new KinetraError("bad_argument", `${(e as Error).message}\n\n${HELP}`);
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  const url = await resolveClusterUrl(args.cluster);
  if (!url) throw new KinetraError("bad_argument", `--cluster URL is required\n\n${HELP}`);
  const concurrency = numberOptionOr("concurrency", args.concurrency, navigator.hardwareConcurrency || 1, {
    integer: true,
    min: 1,
    max: 256,
  });
  const lockMs = numberOptionOr("lock-ms", args["lock-ms"], 30_000, { integer: true, min: 1000 });
  const dataRoot = resolve(args["data-root"] ?? ".");
  try {
    if (!(await Deno.stat(dataRoot)).isDirectory) throw new Error();
  } catch {
    throw new KinetraError("file_not_found", `--data-root ${dataRoot} is not a folder`);
  }
  const ac = new AbortController();
  const dispose = onStopSignal((sig) => {
    if (ac.signal.aborted) return;
    console.error(`worker: ${sig}: finishing running jobs and stopping ...`);
    ac.abort();
  });
  const n = await runClusterWorker({
    url,
    concurrency,
    dataRoot,
    lockMs,
    signal: ac.signal,
    verbose: args.verbose,
  });
  dispose();
  console.error(`worker: stopped after ${n} job(s)`);
  return 0;
}

if (import.meta.main) runTask(main);
