/**
 * Helpers of the cluster tests: whether Redis can be started (a loud skip locally without
 * redis-server, a failure under CI=true), and worker processes started as `deno task worker` is.
 */
import { fileURLToPath } from "node:url";
import { redisServerPath } from "../../lib/cluster/redis_server.ts";
import { taskCommand, taskOfScript } from "../../lib/util/tasks.ts";

/** Project root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const CI = Deno.env.get("CI") === "true";

/** True when redis-server is installed. Under CI=true a missing one fails the test file. */
export const HAVE_REDIS: boolean = (() => {
  const ok = redisServerPath() !== null;
  if (!ok) {
    if (CI) throw new Error("redis-server is required under CI=true (.ci/run installs it)");
    console.error(
      "SKIP: cluster tests need redis-server (apt-get install redis-server); they are reported as ignored",
    );
  }
  return ok;
})();

/** Environment for child processes (no RUST_BACKTRACE noise). */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1", ...extra };
  delete env.RUST_BACKTRACE;
  return env;
}

/** A child deno process running one of our tasks' scripts, stderr collected line by line. */
export interface Child {
  readonly proc: Deno.ChildProcess;
  /** stderr text so far. */
  err(): string;
  /** stdout text (complete once the process ended). */
  out(): string;
  /** Wait until stderr matches `re` (or throw after `ms`). */
  waitErr(re: RegExp, ms?: number): Promise<void>;
  /** Exit status. */
  status: Promise<Deno.CommandStatus>;
}

/** Start `tasks/<script>` with args, as its deno task would. */
export function startTask(script: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = new Deno.Command(Deno.execPath(), {
    args: taskCommand(taskOfScript(script), args),
    cwd: ROOT,
    env: childEnv(env),
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let err = "";
  let out = "";
  const dec = new TextDecoder();
  const errDone = (async () => {
    for await (const c of proc.stderr) err += dec.decode(c, { stream: true });
  })();
  const outDone = (async () => {
    for await (const c of proc.stdout) out += dec.decode(c, { stream: true });
  })();
  const status = (async () => {
    const s = await proc.status;
    await Promise.all([errDone, outDone]);
    return s;
  })();
  return {
    proc,
    err: () => err,
    out: () => out,
    status,
    async waitErr(re: RegExp, ms = 60_000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (re.test(err)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`stderr never matched ${re}:\n${err}`);
    },
  };
}
