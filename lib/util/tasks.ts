/**
 * The permission flags of every `deno task` that runs a script, defined once. deno.json's command of
 * task NAME is `deno run --no-prompt FLAGS tasks/SCRIPT` with FLAGS = `TASK_PERMISSIONS[NAME]` and
 * SCRIPT = NAME with `:` written `_` (tests/util/tasks_test.ts fails when the two drift apart), and
 * tests that spawn a task build its command line with {@link taskCommand} instead of repeating the
 * flags.
 *
 * @example
 * ```ts
 * import { taskCommand } from "./tasks.ts";
 * const args = taskCommand("backtest", ["--strategy", "sma_cross"]);
 * console.log(args.slice(0, 3)); // ["run", "--no-prompt", "--allow-read"]
 * ```
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** Read, write, environment, FFI (polars) and system information: what every data task needs. */
const FILES: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
];

/** Loopback only: the bridge, the dashboard and the local test servers. */
const LOOPBACK = "--allow-net=127.0.0.1";

/** The permission flags of each task (deno.json's task name → the flags after `--no-prompt`). */
export const TASK_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  "demo": [...FILES, LOOPBACK],
  "test": ["-A"],
  "data:inspect": FILES,
  "data:validate": FILES,
  "prepare": FILES,
  "bench:data": FILES,
  "fuzz:bridge": [...FILES, LOOPBACK],
  "fuzz:data": FILES,
  "backtest": FILES,
  "optimize": [...FILES, "--allow-net"],
  "walkforward": [...FILES, "--allow-net"],
  "bench:optimize": FILES,
  "compare": ["--allow-read", "--allow-env", "--allow-ffi", "--allow-sys"],
  "backtest:batch": [...FILES, "--allow-net"],
  "bench:engine": FILES,
  "bench:strategies": FILES,
  "live": [...FILES, LOOPBACK],
  "dashboard": ["--allow-read", "--allow-write", "--allow-env", "--allow-sys", LOOPBACK],
  "bench:notify": [...FILES, "--allow-run", LOOPBACK],
  "mt5:sim": [...FILES, "--allow-net=127.0.0.1:18812"],
  "build:live": [...FILES, "--allow-run"],
  "menu": [...FILES, "--allow-run", LOOPBACK],
  "exercise:menu": [...FILES, "--allow-run"],
  "fix": [...FILES, "--allow-run"],
  "exercise:data": [...FILES, "--allow-run"],
  "bench:cluster": [...FILES, "--allow-net", "--allow-run"],
  "worker": [...FILES, "--allow-net"],
  "model:compare": FILES,
  "jupyter:install": [...FILES, "--allow-run"],
  "portfolio": FILES,
  "bench:portfolio": FILES,
  "notebooks": [...FILES, "--allow-run"],
};

/** The script of a task, relative to the project root: `tasks/` + the name with `:` as `_` + `.ts`. */
export function taskScript(name: string): string {
  return `tasks/${name.replaceAll(":", "_")}.ts`;
}

/** The task whose script is `tasks/FILE` (e.g. `backtest_batch.ts` → `backtest:batch`); throws when none is. */
export function taskOfScript(file: string): string {
  const name = Object.keys(TASK_PERMISSIONS).find((k) => taskScript(k) === `tasks/${file}`);
  if (!name) throw new Error(`no task runs tasks/${file} (lib/util/tasks.ts)`);
  return name;
}

/** The command deno.json must hold for a task: `deno run --no-prompt FLAGS tasks/SCRIPT`. */
export function taskDenoJsonCommand(name: string): string {
  return ["deno", "run", "--no-prompt", ...permissionsOf(name), taskScript(name)].join(" ");
}

/**
 * The arguments of `deno` (for `new Deno.Command(Deno.execPath(), { args })`) that run task `name`
 * as `deno task` does, with the same permissions, followed by `args`. The script is given by its
 * absolute path, so the child may run in any folder.
 */
export function taskCommand(name: string, args: readonly string[] = []): string[] {
  const script = fileURLToPath(new URL(`../../${taskScript(name)}`, import.meta.url));
  return ["run", "--no-prompt", ...permissionsOf(name), script, ...args];
}

function permissionsOf(name: string): readonly string[] {
  const flags = Object.hasOwn(TASK_PERMISSIONS, name) ? TASK_PERMISSIONS[name] : undefined;
  if (!flags) throw new Error(`no task "${name}" in TASK_PERMISSIONS (lib/util/tasks.ts)`);
  return flags;
}
