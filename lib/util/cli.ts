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

/** Bounds of {@link numberOption}. */
export interface NumberOptionRules {
  /** Above 0. */
  positive?: boolean;
  /** A whole number. */
  integer?: boolean;
  /** At least this (inclusive). */
  min?: number;
  /** At most this (inclusive). */
  max?: number;
  /** The error code (default `bad_argument`; exit 2 either way). */
  code?: string;
  /** Text appended to the message on a new line (e.g. the task's usage). */
  usage?: string;
}

/**
 * A numeric command-line option: undefined when absent, else a finite number within the rules
 * (`positive`: > 0, `integer`: whole, `min`/`max` inclusive), or a KinetraError (`code`, default
 * `bad_argument`, exit 2) naming the flag and what it needs. The one parser of numeric flags:
 * every task uses it (or {@link numberOptionOr} for a default).
 *
 * @example
 * ```ts
 * import { numberOption } from "./cli.ts";
 * console.log(numberOption("cash", "10000", { positive: true })); // 10000
 * console.log(numberOption("port", "8080", { integer: true, min: 1, max: 65535 })); // 8080
 * ```
 */
export function numberOption(
  name: string,
  value: string | undefined,
  opts: NumberOptionRules = {},
): number | undefined {
  if (value === undefined) return undefined;
  const text = value;
  const x = Number(value);
  const bounds = opts.min !== undefined && opts.max !== undefined
    ? ` from ${opts.min} to ${opts.max}`
    : opts.min !== undefined
    ? ` >= ${opts.min}`
    : opts.max !== undefined
    ? ` <= ${opts.max}`
    : "";
  const kind = `${opts.positive ? "positive " : ""}${opts.integer ? "whole " : ""}number${bounds}`;
  if (
    text.trim() === "" || !Number.isFinite(x) || (opts.positive && !(x > 0)) ||
    (opts.integer && !Number.isInteger(x)) || (opts.min !== undefined && x < opts.min) ||
    (opts.max !== undefined && x > opts.max)
  ) {
    throw new KinetraError(
      opts.code ?? "bad_argument",
      `--${name} needs a ${kind}, got "${text}"${opts.usage ? `\n${opts.usage}` : ""}`,
    );
  }
  return x;
}

/** {@link numberOption} with a default for an absent flag. */
export function numberOptionOr(
  name: string,
  value: string | undefined,
  fallback: number,
  opts: NumberOptionRules = {},
): number {
  return numberOption(name, value, opts) ?? fallback;
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
