/**
 * Kinetra's error type. Every room in lib/ throws `KinetraError` for failures a user can cause
 * (bad files, missing data, refused permissions); tasks print the message and exit with `exitCode`,
 * never a stack trace.
 *
 * @module
 */

/** A failure a user can cause and fix, with a stable machine code and a human message. */
export class KinetraError extends Error {
  /** Stable machine-readable code, e.g. `unrecognized_format`, `file_not_found`. */
  readonly code: string;
  /** Process exit code a task should use (2 = bad input, 1 = check failed, 3 = permission). */
  readonly exitCode: number;
  /** Optional structured details (serialised into JSON output). */
  readonly details?: Record<string, unknown>;

  /** An error with a stable `code`, a human `message` and optionally an exit code and details. */
  constructor(
    code: string,
    message: string,
    options: { exitCode?: number; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "KinetraError";
    this.code = code;
    this.exitCode = options.exitCode ?? 2;
    this.details = options.details;
  }
}

/** True when `e` is a KinetraError (works across module copies). */
export function isKinetraError(e: unknown): e is KinetraError {
  return e instanceof KinetraError ||
    (typeof e === "object" && e !== null && (e as { name?: string }).name === "KinetraError");
}
