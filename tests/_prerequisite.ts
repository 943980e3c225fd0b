/**
 * Test helper for prerequisites a test cannot run without (real data, reference data, a program):
 * when one is missing the test is reported as ignored (Deno's `ignore`) with a loud note on
 * stderr, and under CI=true it is not ignored but fails with `requirePrerequisite`'s message.
 *
 * ```ts
 * const H1 = existsSync(path);
 * Deno.test({ name: "…", ignore: ignoreWithout(H1, `${path} (real data)`) }, () => {
 *   requirePrerequisite(H1, `${path} (real data)`);
 *   // …
 * });
 * ```
 */

/** True under CI=true: missing prerequisites fail there. */
export const CI = Deno.env.get("CI") === "true";

/**
 * The `ignore` flag of a test that needs `what`: true (with a note on stderr) when it is missing,
 * except under CI=true, where the test runs and {@link requirePrerequisite} fails it.
 */
export function ignoreWithout(present: boolean, what: string): boolean {
  if (present || CI) return false;
  console.error(
    `\n!!!!! IGNORED: ${what} is missing; the test that needs it is reported as ignored. !!!!!\n`,
  );
  return true;
}

/** Fail the running test when `what` is missing (only reached under CI=true or by a caller's mistake). */
export function requirePrerequisite(present: boolean, what: string): void {
  if (!present) throw new Error(`${what} is missing${CI ? "; it is required under CI=true" : ""}`);
}
