/**
 * The shared shell of every task in tasks/: run `main`, turn user-caused failures into a clear
 * message and a non-zero exit code, and keep stack traces for real bugs only.
 *
 * @module
 */
import { isKinetraError, KinetraError } from "../errors.ts";

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

/**
 * A numeric command-line option: undefined when absent, else a finite number (`positive`: > 0,
 * `integer`: whole), or a KinetraError (`code`, default `bad_argument`, exit 2) naming the flag.
 *
 * @example
 * ```ts
 * import { numberOption } from "./cli.ts";
 * console.log(numberOption("cash", "10000", { positive: true })); // 10000
 * ```
 */
export function numberOption(
  name: string,
  value: string | undefined,
  opts: { positive?: boolean; integer?: boolean; code?: string } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  const kind = `${opts.positive ? "positive " : ""}${opts.integer ? "whole " : ""}number`;
  if (
    value.trim() === "" || !Number.isFinite(x) || (opts.positive && !(x > 0)) ||
    (opts.integer && !Number.isInteger(x))
  ) {
    throw new KinetraError(opts.code ?? "bad_argument", `--${name} needs a ${kind}, got "${value}"`);
  }
  return x;
}

/**
 * Repeated `--param name=number` values as a record (later values win), or a KinetraError naming
 * the bad entry (`code`, default `bad_argument`).
 *
 * @example
 * ```ts
 * import { paramOptions } from "./cli.ts";
 * console.log(paramOptions(["fast=8", "slow=21"])); // { fast: 8, slow: 21 }
 * ```
 */
export function paramOptions(
  list: readonly string[] | undefined,
  code = "bad_argument",
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of list ?? []) {
    const m = p.match(/^([A-Za-z_]\w*)=(.+)$/);
    if (!m) throw new KinetraError(code, `--param needs name=number, got "${p}"`);
    const v = Number(m[2]);
    if (m[2].trim() === "" || !Number.isFinite(v)) {
      throw new KinetraError(code, `--param ${m[1]} needs a number, got "${m[2]}"`);
    }
    out[m[1]] = v;
  }
  return out;
}
