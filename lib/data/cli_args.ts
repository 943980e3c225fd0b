/**
 * Argument parsing for the data tasks: node:util parseArgs with its errors turned into a clear
 * `bad_argument` KinetraError (exit 2, no stack trace).
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { KinetraError } from "../errors.ts";

/**
 * Parse `args` strictly; an unknown option or a missing value becomes `bad_argument` with `usage`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTaskArgs } from "./cli_args.ts";
 * const { values } = parseTaskArgs(["--json"], { json: { type: "boolean" } }, "usage: x [--json]");
 * assert.ok(values.json === true);
 * ```
 */
export function parseTaskArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
  usage: string,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new KinetraError("bad_argument", `${(e as Error).message}\n${usage}`);
  }
}
