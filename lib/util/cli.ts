/**
 * The shared shell of every task in tasks/: run `main`, turn user-caused failures into a clear
 * message and a non-zero exit code, and keep stack traces for real bugs only.
 *
 * @module
 */
import { isKinetraError } from "../errors.ts";

/**
 * Run a task's main function. A `KinetraError` prints `error: <message>` (and, with `--json` in
 * args, a JSON object `{ "error": { code, message } }` on stdout) and exits with its exit code.
 * Permission refusals (Deno's `NotCapable`/`PermissionDenied`) exit 3 with the flag to add.
 * Anything else is a bug: it is reported with its stack and exit code 70.
 */
export async function runTask(main: () => Promise<number | void>): Promise<never> {
  const json = Deno.args.includes("--json");
  let code = 0;
  try {
    code = (await main()) ?? 0;
  } catch (e) {
    if (isKinetraError(e)) {
      if (json) console.log(JSON.stringify({ error: { code: e.code, message: e.message, ...e.details } }));
      console.error(`error: ${e.message}`);
      code = e.exitCode;
    } else if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      const msg = (e as Error).message.split("\n")[0];
      if (json) console.log(JSON.stringify({ error: { code: "permission_denied", message: msg } }));
      console.error(`error: permission refused: ${msg}`);
      code = 3;
    } else {
      console.error("internal error (a bug in Kinetra, please report it):");
      console.error(e);
      code = 70;
    }
  }
  Deno.exit(code);
}

/** True when stdout is a terminal (progress bars, colour). */
export function isTerminal(): boolean {
  try {
    return Deno.stdout.isTerminal();
  } catch {
    return false;
  }
}
