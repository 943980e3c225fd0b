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

/** The `--date-order` option's spelling in every task that reads files (for usage lines and docs). */
export const DATE_ORDER_FLAG = "--date-order dmy|mdy";

/**
 * The value of `--date-order` (`dmy` day-first, `mdy` month-first) as a `ReadOptions.dateOrder`,
 * undefined when not given; anything else is `bad_argument` with `usage`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dateOrderArg } from "./cli_args.ts";
 * assert.ok(dateOrderArg("DMY", "usage") === "dmy" && dateOrderArg(undefined, "usage") === undefined);
 * ```
 */
export function dateOrderArg(value: string | undefined, usage: string): "dmy" | "mdy" | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === "dmy" || v === "mdy") return v;
  throw new KinetraError(
    "bad_argument",
    `--date-order ${
      JSON.stringify(value)
    }: expected dmy (day-first, 31/12/2024) or mdy (month-first, 12/31/2024)\n${usage}`,
  );
}
