/**
 * Seeded pseudo-random numbers for reproducible searches and Monte Carlo runs: the same seed gives
 * the same sequence on every machine (sfc32 seeded through splitmix32; no `Math.random`).
 *
 * @module
 */

/** A seeded generator of uniform numbers in [0, 1). */
export interface Rng {
  /** Next uniform number in [0, 1). */
  next(): number;
  /** A whole number in [0, n). */
  int(n: number): number;
  /** A standard normal number (Box–Muller). */
  normal(): number;
}

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A generator for `seed` (any finite number; fractional parts and sign are mixed in). */
export function makeRng(seed = 0): Rng {
  const lo = Math.floor(seed) | 0, hi = Math.floor(seed / 4294967296) | 0;
  const sm = splitmix32(lo ^ Math.imul(hi, 0x27d4eb2d));
  let a = sm(), b = sm(), c = sm(), d = sm();
  const next = (): number => {
    // sfc32 (Chris Doty-Humphrey's small fast chaotic generator).
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let k = 0; k < 12; k++) next();
  let spare = NaN;
  return {
    next,
    int(n: number): number {
      return Math.floor(next() * n);
    },
    normal(): number {
      if (spare === spare) {
        const s = spare;
        spare = NaN;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}
