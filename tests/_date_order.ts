/**
 * Test files whose day/month order no row can settle: bars of a data/sample MT5 export rewritten as
 * `Date,Open,High,Low,Close,Volume` with `DD/MM/YYYY HH:MM` dates, keeping only the bars dated on
 * days 1..12 (so every date reads both day-first and month-first). Read from the export's text here,
 * independently of Kinetra's reader.
 *
 * @module
 */

/** One bar of the rewritten file (time in ms UTC, the prices as written in the export). */
export interface AmbiguousBar {
  t: number;
  o: string;
  h: string;
  l: string;
  c: string;
  v: string;
}

const p2 = (x: number) => String(x).padStart(2, "0");

/** The bars of the MT5 export `sample` dated on days 1..12 (first `limit` of them when given). */
export function ambiguousBars(sample: string, limit = Infinity): AmbiguousBar[] {
  const out: AmbiguousBar[] = [];
  for (const l of Deno.readTextFileSync(sample).split(/\r?\n/).slice(1)) {
    if (l === "" || out.length >= limit) continue;
    const c = l.split("\t");
    const [y, mo, d] = c[0].split(".").map(Number);
    const [hh, mi, ss] = c[1].split(":").map(Number);
    if (d > 12) continue;
    out.push({ t: Date.UTC(y, mo - 1, d, hh, mi, ss), o: c[2], h: c[3], l: c[4], c: c[5], v: c[6] });
  }
  return out;
}

/**
 * Write the day-first rewrite of `sample` to `path` (atomic enough for a test: one write of a fresh
 * temp file). Returns the bars written, oldest first.
 */
export async function writeAmbiguousFile(
  sample: string,
  path: string,
  limit = Infinity,
): Promise<AmbiguousBar[]> {
  const bars = ambiguousBars(sample, limit);
  const lines = ["Date,Open,High,Low,Close,Volume"];
  for (const b of bars) {
    const d = new Date(b.t);
    const date = `${p2(d.getUTCDate())}/${p2(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
    lines.push(`${date} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())},${b.o},${b.h},${b.l},${b.c},${b.v}`);
  }
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return bars;
}

/** The sample export the date-order tests rewrite. */
export const AMBIGUOUS_SOURCE = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
