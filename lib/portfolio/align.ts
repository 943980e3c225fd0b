/**
 * Alignment of several bar series on the union of their times, with no filling: at a time where a
 * symbol has no bar it simply has no event (it keeps its last quote).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alignUnion } from "./align.ts";
 * const a = Float64Array.from([1, 2, 4]), b = Float64Array.from([2, 3]);
 * const u = alignUnion([a, b]);
 * assert.deepEqual([...u.time], [1, 2, 3, 4]);
 * assert.deepEqual([...u.last[1]], [-1, 0, 1, 1]); // b's last bar at or before each time
 * assert.deepEqual([...u.fresh[1]], [0, 1, 1, 0]); // b has a bar exactly then
 * ```
 *
 * @module
 */

/** Several series on one time axis. */
export interface UnionAlignment {
  /** Union of the times, ascending, unique. */
  time: Float64Array;
  /** Per series: index of its last bar at or before each union time (-1 before its first bar). */
  last: Int32Array[];
  /** Per series: 1 where it has a bar at exactly that union time, else 0. */
  fresh: Uint8Array[];
}

/** Merge sorted time arrays (each ascending and unique) into their union. */
export function alignUnion(times: readonly Float64Array[]): UnionAlignment {
  const k = times.length;
  // Union size first (k-way merge by repeated minimum; k is small).
  const cur = new Int32Array(k);
  const merged: number[] = [];
  for (;;) {
    let t = Infinity;
    for (let s = 0; s < k; s++) if (cur[s] < times[s].length && times[s][cur[s]] < t) t = times[s][cur[s]];
    if (t === Infinity) break;
    merged.push(t);
    for (let s = 0; s < k; s++) if (cur[s] < times[s].length && times[s][cur[s]] === t) cur[s]++;
  }
  const time = Float64Array.from(merged);
  const n = time.length;
  const last: Int32Array[] = [];
  const fresh: Uint8Array[] = [];
  for (let s = 0; s < k; s++) {
    const src = times[s];
    const l = new Int32Array(n), f = new Uint8Array(n);
    let j = -1;
    for (let u = 0; u < n; u++) {
      if (j + 1 < src.length && src[j + 1] === time[u]) {
        j++;
        f[u] = 1;
      }
      l[u] = j;
    }
    last.push(l);
    fresh.push(f);
  }
  return { time, last, fresh };
}
