/**
 * Timeframe detection from bar spacing.
 *
 * @module
 */
import { TIMEFRAME_MINUTES } from "./types.ts";

/** Most common positive spacing between consecutive times (ms), or null with fewer than 2 bars. */
export function modalSpacingMs(time: Float64Array): number | null {
  if (time.length < 2) return null;
  const counts = new Map<number, number>();
  // Run-length accumulation: most consecutive spacings are equal, so the map is touched rarely.
  let runD = 0;
  let run = 0;
  for (let i = 1; i < time.length; i++) {
    const d = time[i] - time[i - 1];
    if (d === runD) {
      run++;
      continue;
    }
    if (run > 0 && runD > 0) counts.set(runD, (counts.get(runD) ?? 0) + run);
    runD = d;
    run = 1;
  }
  if (run > 0 && runD > 0) counts.set(runD, (counts.get(runD) ?? 0) + run);
  let best: number | null = null;
  let bestCount = 0;
  for (const [d, c] of counts) {
    if (c > bestCount || (c === bestCount && best !== null && d < best)) {
      best = d;
      bestCount = c;
    }
  }
  return best;
}

/**
 * The timeframe whose length equals the most common bar spacing (M1 … W1), MN1 for spacings of
 * 28–31 days, or null when the spacing matches no timeframe or there are fewer than 2 bars.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectTimeframe } from "./timeframe.ts";
 * const h = 3_600_000;
 * assert.ok(detectTimeframe(Float64Array.from([0, h, 2 * h, 5 * h])) === "H1");
 * ```
 */
export function detectTimeframe(time: Float64Array): string | null {
  const d = modalSpacingMs(time);
  if (d === null) return null;
  const minutes = d / 60000;
  for (const [name, m] of Object.entries(TIMEFRAME_MINUTES)) {
    if (name !== "MN1" && m === minutes) return name;
  }
  if (minutes >= 28 * 1440 && minutes <= 31 * 1440) return "MN1";
  return null;
}

/** Length of a timeframe in milliseconds (MN1 nominal 30 days); null for an unknown name. */
export function timeframeMs(tf: string | null): number | null {
  if (!tf) return null;
  const m = TIMEFRAME_MINUTES[tf.toUpperCase()];
  return m === undefined ? null : m * 60000;
}

/** The timeframe a file is used as, and why (see {@link resolveTimeframe}). */
export interface TimeframeChoice {
  /** The timeframe to use: the detected one when it is known, else the declared one. */
  timeframe: string | null;
  /** As declared by the file name (or the prepared split), or null. */
  declared: string | null;
  /** As detected from the bar spacing, or null. */
  detected: string | null;
  /** A one-line warning when the name and the bars disagree, else null. */
  warning: string | null;
}

/**
 * Which timeframe to use for a file: the bars' spacing wins over a mislabelled name (e.g. a file
 * named `_H4_` whose bars are one hour apart is used as H1), with a warning saying so.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveTimeframe } from "./timeframe.ts";
 * const c = resolveTimeframe("H4", "H1", "GBPJPY+_H4.csv");
 * assert.equal(c.timeframe, "H1");
 * assert.match(c.warning!, /named H4 but its bars are H1 apart/);
 * ```
 */
export function resolveTimeframe(
  declared: string | null,
  detected: string | null,
  file = "the file",
): TimeframeChoice {
  const mismatch = declared !== null && detected !== null && declared !== detected;
  return {
    timeframe: detected ?? declared,
    declared,
    detected,
    warning: mismatch
      ? `${file} is named ${declared} but its bars are ${detected} apart: using ${detected} (rename the file, or pass --strict to refuse it)`
      : null,
  };
}
