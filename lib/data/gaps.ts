/**
 * Gap analysis: missing bars beyond the instrument's normal breaks. Normal breaks are learnt from
 * the data, not from a list of instruments: weekends (for instruments that do not trade on
 * weekends) and daily session breaks (a gap of the same start time-of-day and length that recurs
 * on many days).
 *
 * @module
 */

/** One gap: the bar before it, the bar after it and how many bars are missing. */
export interface Gap {
  /** Open time of the last bar before the gap (epoch ms). */
  from: number;
  /** Open time of the first bar after the gap (epoch ms). */
  to: number;
  /** Bars missing at the given timeframe. */
  missingBars: number;
}

/** The result of `findGaps`. */
export interface GapReport {
  /** Gaps that are neither weekends nor recurring daily breaks, largest first. */
  abnormal: Gap[];
  /** Gaps explained as weekends. */
  weekendGaps: number;
  /** Gaps explained as recurring daily session breaks. */
  sessionGaps: number;
  /** True when the data has weekend bars (a 24/7 market: weekends are not exempt). */
  tradesWeekends: boolean;
  /** Recurring breaks found, e.g. `23:00+60min` (start time-of-day of the missing span + length). */
  sessionBreaks: string[];
}

const DAY = 86_400_000;

/** Day of week of an epoch-ms time (0 = Sunday … 6 = Saturday), in the export's clock. */
function dow(t: number): number {
  return (Math.floor(t / DAY) + 4) % 7;
}

function hhmm(ms: number): string {
  const m = Math.round(ms / 60000);
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/**
 * Find gaps larger than one bar of `tfMs` in ascending `time` and classify them. Only intraday
 * and daily timeframes are analysed (weekly and monthly bars return no gaps).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findGaps } from "./gaps.ts";
 * const h = 3_600_000;
 * // Monday 2024-01-01 00:00 .. 05:00 with 02:00 and 03:00 missing.
 * const t0 = Date.UTC(2024, 0, 1);
 * const r = findGaps(Float64Array.from([0, 1, 4, 5].map((i) => t0 + i * h)), h);
 * assert.ok(r.abnormal.length === 1 && r.abnormal[0].missingBars === 2);
 * ```
 */
export function findGaps(time: Float64Array, tfMs: number): GapReport {
  const empty: GapReport = {
    abnormal: [],
    weekendGaps: 0,
    sessionGaps: 0,
    tradesWeekends: false,
    sessionBreaks: [],
  };
  const n = time.length;
  if (n < 3 || tfMs > DAY) return empty;
  // Weekend trading: a meaningful share of bars on Saturday.
  let saturday = 0;
  let dayCount = 0;
  let lastDay = NaN;
  for (let i = 0; i < n; i++) {
    const day = Math.floor(time[i] / DAY);
    if (day !== lastDay) {
      dayCount++;
      lastDay = day;
      if ((day + 4) % 7 === 6) saturday++;
    }
  }
  // Weekend trading: bars on a meaningful share of Saturdays (about 1 day in 7 when 24/7).
  const tradesWeekends = saturday > dayCount * 0.05;
  const candidates: Array<{ i: number; key: string }> = [];
  const keyCount = new Map<string, number>();
  let weekendGaps = 0;
  for (let i = 1; i < n; i++) {
    const dt = time[i] - time[i - 1];
    if (dt <= tfMs) continue;
    const gapStart = time[i - 1] + tfMs; // first missing bar
    if (!tradesWeekends && dt <= 4 * DAY && spansWeekend(gapStart, time[i])) {
      weekendGaps++;
      continue;
    }
    if (tfMs >= DAY) {
      // Daily bars: a missing weekday is a gap; there are no intraday breaks.
      candidates.push({ i, key: "" });
      continue;
    }
    const key = `${hhmm(((gapStart % DAY) + DAY) % DAY)}+${Math.round((dt - tfMs) / 60000)}min`;
    candidates.push({ i, key });
    keyCount.set(key, (keyCount.get(key) ?? 0) + 1);
  }
  const threshold = Math.max(3, Math.ceil(dayCount * 0.05));
  const breaks = [...keyCount].filter(([k, c]) => k !== "" && c >= threshold).map(([k]) => k);
  const breakSet = new Set(breaks);
  const abnormal: Gap[] = [];
  let sessionGaps = 0;
  for (const { i, key } of candidates) {
    if (breakSet.has(key)) {
      sessionGaps++;
      continue;
    }
    const dt = time[i] - time[i - 1];
    abnormal.push({ from: time[i - 1], to: time[i], missingBars: Math.round(dt / tfMs) - 1 });
  }
  abnormal.sort((a, b) => b.to - b.from - (a.to - a.from));
  return { abnormal, weekendGaps, sessionGaps, tradesWeekends, sessionBreaks: breaks.sort() };
}

/** True when the missing span [start, end) contains Saturday or Sunday time and nothing beyond Monday. */
function spansWeekend(start: number, end: number): boolean {
  for (let t = Math.floor(start / DAY) * DAY; t < end; t += DAY) {
    const d = dow(t);
    if (d === 6 || d === 0) return true;
  }
  return false;
}
