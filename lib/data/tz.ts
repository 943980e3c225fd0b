/**
 * The time zone of a data file's clock. MT5 exports carry no time zone: their times are the trade
 * server's clock, which most brokers run at GMT+2, GMT+3 while US daylight saving is on ("New York
 * close"). Kinetra keeps a file's times as written unless it is told the zone (`ReadOptions.tz`,
 * `--tz`); then every time is converted to UTC, the clock the MT5 bridge delivers.
 *
 * Accepted: `server` (default: times as written), `UTC` (or `Z`), a fixed offset `+02:00`, `-05:30`,
 * `UTC+2`, `GMT+3`, and `ny_close` (GMT+2 in winter, GMT+3 from the second Sunday of March to the
 * first Sunday of November, switching at 07:00 / 06:00 UTC as New York does).
 *
 * @example
 * ```ts
 * import { parseTz, toUtcMs } from "./tz.ts";
 * const tz = parseTz("ny_close");
 * console.log(new Date(toUtcMs(Date.UTC(2024, 6, 1, 3), tz)).toISOString()); // 2024-07-01T00:00:00.000Z
 * ```
 *
 * @module
 */
import { KinetraError } from "../errors.ts";

/** A parsed time zone: `server` (no conversion), a fixed offset, or the New York close clock. */
export type DataTz = { kind: "server" } | { kind: "fixed"; offsetMs: number } | { kind: "ny_close" };

const HOUR = 3_600_000;

/** Parse a `--tz` value; a bad one is a KinetraError `bad_tz` (exit 2) listing the accepted forms. */
export function parseTz(spec: string | undefined): DataTz {
  const s = (spec ?? "server").trim();
  if (/^server$/i.test(s)) return { kind: "server" };
  if (/^(utc|z|gmt)$/i.test(s)) return { kind: "fixed", offsetMs: 0 };
  if (/^ny[_-]?close$/i.test(s)) return { kind: "ny_close" };
  const m = s.match(/^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$/i);
  if (m && Number(m[2]) <= 14 && Number(m[3] ?? 0) < 60) {
    const sign = m[1] === "-" ? -1 : 1;
    return { kind: "fixed", offsetMs: sign * (Number(m[2]) * HOUR + Number(m[3] ?? 0) * 60_000) };
  }
  throw new KinetraError(
    "bad_tz",
    `unknown time zone "${spec}": use server (times as written), UTC, an offset such as +02:00 or UTC+3, or ny_close (GMT+2, GMT+3 during US daylight saving)`,
  );
}

function nthSunday(year: number, month: number, n: number, hourUtc: number): number {
  const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
  return Date.UTC(year, month, 1 + ((7 - first) % 7) + (n - 1) * 7, hourUtc);
}

/** The offset (ms) of a New York close clock at a UTC instant. */
export function nyCloseOffsetMs(utcMs: number): number {
  const y = new Date(utcMs).getUTCFullYear();
  return utcMs >= nthSunday(y, 2, 2, 7) && utcMs < nthSunday(y, 10, 1, 6) ? 3 * HOUR : 2 * HOUR;
}

/** Convert one local time of the zone to UTC (`server`: unchanged). */
export function toUtcMs(localMs: number, tz: DataTz): number {
  if (tz.kind === "server") return localMs;
  if (tz.kind === "fixed") return localMs - tz.offsetMs;
  // Around a switch the local clock is ambiguous for an hour: take the offset at local − 2 h.
  return localMs - nyCloseOffsetMs(localMs - 2 * HOUR);
}

/** Convert a column of times in place (`server`: untouched). Returns the column. */
export function timesToUtc(times: Float64Array, tz: DataTz): Float64Array {
  if (tz.kind === "server") return times;
  for (let i = 0; i < times.length; i++) times[i] = toUtcMs(times[i], tz);
  return times;
}
