/**
 * Fast ISO 8601 formatting of epoch milliseconds (trade times are formatted once per trade).
 *
 * @module
 */

let lastIsoMs = NaN;
let lastIso = "";

/**
 * ISO 8601 UTC string of epoch ms, e.g. `2024-01-02T00:00:00.000Z` (years 0..9999 built with one
 * `String.fromCharCode`, which is several times faster than `Date#toISOString` or concatenation and
 * yields a flat string; memoises the last value).
 */
export function isoTime(ms: number): string {
  if (ms === lastIsoMs) return lastIso;
  if (!Number.isFinite(ms)) return "";
  let out: string;
  if (ms < -62167219200000 || ms >= 253402300800000) out = new Date(ms).toISOString();
  else {
    // Civil date from days (H. Hinnant's algorithm).
    const days = Math.floor(ms / 86_400_000);
    let rem = ms - days * 86_400_000;
    const z = days + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor(
      (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
    );
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    const hh = Math.floor(rem / 3_600_000);
    rem -= hh * 3_600_000;
    const mi = Math.floor(rem / 60_000);
    rem -= mi * 60_000;
    const ss = Math.floor(rem / 1000);
    const msr = Math.round(rem - ss * 1000);
    const D = 48; // "0"
    out = String.fromCharCode(
      D + Math.floor(y / 1000),
      D + Math.floor(y / 100) % 10,
      D + Math.floor(y / 10) % 10,
      D + y % 10,
      45,
      D + Math.floor(m / 10),
      D + m % 10,
      45,
      D + Math.floor(d / 10),
      D + d % 10,
      84,
      D + Math.floor(hh / 10),
      D + hh % 10,
      58,
      D + Math.floor(mi / 10),
      D + mi % 10,
      58,
      D + Math.floor(ss / 10),
      D + ss % 10,
      46,
      D + Math.floor(msr / 100),
      D + Math.floor(msr / 10) % 10,
      D + msr % 10,
      90,
    );
  }
  lastIsoMs = ms;
  lastIso = out;
  return out;
}
