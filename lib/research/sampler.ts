/**
 * Search methods over a `SearchSpace`: exhaustive grid, seeded random sampling and a model-based
 * search (TPE, the tree-structured Parzen estimator of Bergstra et al., 2011). All three draw points
 * from the same lattice as the grid (a range's START:STOP:STEP values, a list's values), respect the
 * constraints and never propose a point twice.
 *
 * TPE, as implemented here (about 100 lines, no dependency): after `startup` random points, the
 * results so far are split into the best `nGood = min(⌈0.1·n⌉, 25)` ("good", density l) and the rest
 * (density g). Per dimension, l and g are Parzen estimates over the value index: a Gaussian kernel
 * on the index for ranges (bandwidth max(1, K/4·n^(−1/5))) plus a uniform prior of weight 1, and
 * smoothed counts for lists. `candidates` points are drawn from l and the one with the highest
 * l(x)/g(x) (product over dimensions) is proposed. Points are proposed in batches (one per worker
 * slot); the same seed and the same results give the same proposals.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import type { Params } from "../strategies/contract.ts";
import { makeRng, type Rng } from "./rng.ts";
import { enumerateGrid, gridSize, paramsKey, satisfies, type SearchSpace } from "./space.ts";

/** Search method names. */
export type Method = "grid" | "random" | "bayes";

/** Largest grid enumerated to sample without replacement (beyond it: rejection sampling). */
const ENUMERATE_LIMIT = 2_000_000;

function shuffle<T>(a: T[], rng: Rng): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function pointFromIdx(space: SearchSpace, idx: readonly number[]): Params {
  const p: Params = { ...space.fixed };
  space.dims.forEach((d, k) => (p[d.name] = d.values[idx[k]]));
  return p;
}

/**
 * `trials` distinct random points satisfying the constraints (seeded). When fewer exist, all of
 * them (in a seeded random order).
 */
export function randomPoints(space: SearchSpace, trials: number, seed = 0): Params[] {
  const rng = makeRng(seed);
  if (gridSize(space) <= ENUMERATE_LIMIT) {
    return shuffle([...enumerateGrid(space)], rng).slice(0, trials);
  }
  const out: Params[] = [];
  const seen = new Set<string>();
  let attempts = 0;
  while (out.length < trials && attempts < trials * 200) {
    attempts++;
    const p = pointFromIdx(space, space.dims.map((d) => rng.int(d.values.length)));
    const key = paramsKey(space, p);
    if (seen.has(key) || !satisfies(space, p)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/** TPE options. */
export interface TpeOptions {
  /** Seed (default 0). */
  seed?: number;
  /** Random points before the model is used (default max(10, 2 × dimensions)). */
  startup?: number;
  /** Candidates drawn from l per proposal (default 24). */
  candidates?: number;
}

/**
 * Tree-structured Parzen estimator over the space's lattice. `propose(k)` returns up to k new
 * points; `tell(params, score)` records a result (score: larger is better; null = excluded, ranked
 * below every defined score).
 */
export class Tpe {
  /** The space searched. */
  readonly space: SearchSpace;
  private readonly rng: Rng;
  private readonly startup: number;
  private readonly candidates: number;
  private readonly seen = new Set<string>();
  private readonly obs: { idx: number[]; score: number }[] = [];
  private randomPool: Params[] | null = null;

  /** A TPE over `space` (seeded by `opts.seed`). */
  constructor(space: SearchSpace, opts: TpeOptions = {}) {
    this.space = space;
    this.rng = makeRng(opts.seed ?? 0);
    this.startup = opts.startup ?? Math.max(10, 2 * space.dims.length);
    this.candidates = opts.candidates ?? 24;
  }

  /** Record the result of a point. */
  tell(params: Params, score: number | null): void {
    const idx = this.space.dims.map((d) => d.values.indexOf(params[d.name]));
    if (idx.some((i) => i < 0)) {
      throw new KinetraError("bad_argument", `point ${JSON.stringify(params)} is not on the lattice`);
    }
    this.obs.push({ idx, score: score ?? -Infinity });
  }

  /** Number of results recorded. */
  get told(): number {
    return this.obs.length;
  }

  /** The next unseen point of the seeded random pool, or null. */
  private nextRandom(): Params | null {
    if (!this.randomPool) {
      // One seeded pool of random points (as many as the lattice allows, up to a bound).
      this.randomPool = randomPoints(
        this.space,
        Math.min(gridSize(this.space), 100_000),
        this.rng.int(2 ** 31),
      );
    }
    while (this.randomPool.length) {
      const p = this.randomPool.shift()!;
      const key = paramsKey(this.space, p);
      if (!this.seen.has(key)) return p;
    }
    return null;
  }

  /** Mark `p` as proposed. */
  private take(p: Params): Params {
    this.seen.add(paramsKey(this.space, p));
    return p;
  }

  /** Up to `k` new points (fewer when the feasible lattice is exhausted). */
  propose(k: number): Params[] {
    const out: Params[] = [];
    for (let j = 0; j < k; j++) {
      const p = this.seen.size < this.startup || this.obs.length < this.startup
        ? this.nextRandom()
        : this.model();
      if (!p) break;
      out.push(this.take(p));
    }
    return out;
  }

  /** The candidate with the highest l(x)/g(x), or a random point. */
  private model(): Params | null {
    const dims = this.space.dims;
    const sorted = this.obs.slice().sort((a, b) => b.score - a.score);
    const n = sorted.length;
    const nGood = Math.max(1, Math.min(Math.ceil(0.1 * n), 25));
    const good = sorted.slice(0, nGood), bad = sorted.slice(nGood);
    // Per-dimension densities over the value indices.
    const dens = (set: typeof sorted, d: number): Float64Array => {
      const K = dims[d].values.length;
      const w = new Float64Array(K).fill(1 / K); // prior (weight 1 in total)
      if (dims[d].kind === "range") {
        const bw = Math.max(1, (K / 4) * Math.pow(Math.max(1, set.length), -0.2));
        for (const o of set) {
          const c = o.idx[d];
          for (let x = 0; x < K; x++) w[x] += Math.exp(-0.5 * ((x - c) / bw) ** 2);
        }
        // Normalise each kernel's mass (so every observation counts 1 like the prior).
        let z = 0;
        for (let x = 0; x < K; x++) z += w[x];
        for (let x = 0; x < K; x++) w[x] /= z;
      } else {
        for (const o of set) w[o.idx[d]] += 1;
        let z = 0;
        for (let x = 0; x < K; x++) z += w[x];
        for (let x = 0; x < K; x++) w[x] /= z;
      }
      return w;
    };
    const l = dims.map((_, d) => dens(good, d)), g = dims.map((_, d) => dens(bad, d));
    const cdf = l.map((w) => {
      const c = new Float64Array(w.length);
      let s = 0;
      for (let x = 0; x < w.length; x++) c[x] = s += w[x];
      return c;
    });
    let best: Params | null = null, bestScore = -Infinity;
    for (let c = 0; c < this.candidates * 4 && c < 10_000; c++) {
      const idx = dims.map((_, d) => {
        const u = this.rng.next() * cdf[d][cdf[d].length - 1];
        let x = 0;
        while (x < cdf[d].length - 1 && cdf[d][x] < u) x++;
        return x;
      });
      const p = pointFromIdx(this.space, idx);
      if (this.seen.has(paramsKey(this.space, p)) || !satisfies(this.space, p)) continue;
      let s = 0;
      for (let d = 0; d < dims.length; d++) s += Math.log(l[d][idx[d]]) - Math.log(g[d][idx[d]]);
      if (s > bestScore) {
        bestScore = s;
        best = p;
      }
      if (c + 1 >= this.candidates && best) break;
    }
    return best ?? this.nextRandom();
  }
}
