/**
 * Shared indicators across runs on the same bars. A sweep (lib/research) turns sharing on for one
 * price array; while it is on, `memoIndicator` computes an indicator once per key (e.g. `sma:10`)
 * and hands the same array to every run that asks for it, so a grid of 1,000 SmaCross combinations
 * computes each SMA length once. Off (the default, a single backtest) it simply computes.
 *
 * Indicators must be pure functions of the array and the key: a strategy must never write into a
 * memoised array.
 *
 * @module
 */

const caches = new WeakMap<object, Map<string, unknown>>();

/** Turn sharing on for runs over `series` (at most `limit` indicators are kept; oldest dropped first). */
export function shareIndicators(series: object, limit = 512): void {
  if (!caches.has(series)) caches.set(series, new Map());
  limits.set(series, limit);
}

const limits = new WeakMap<object, number>();

/** Turn sharing off for `series` and free its indicators. */
export function unshareIndicators(series: object): void {
  caches.delete(series);
  limits.delete(series);
}

/** True when sharing is on for `series`. */
export function isShared(series: object): boolean {
  return caches.has(series);
}

/** `compute()` once per (series, key) while sharing is on for `series`; a plain call otherwise. */
export function memoIndicator<T>(series: object, key: string, compute: () => T): T {
  const m = caches.get(series);
  if (!m) return compute();
  if (m.has(key)) return m.get(key) as T;
  const v = compute();
  const limit = limits.get(series) ?? 512;
  if (m.size >= limit) m.delete(m.keys().next().value as string);
  m.set(key, v);
  return v;
}
