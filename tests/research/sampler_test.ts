/** Random and TPE search: seeded, distinct, constrained; TPE concentrates on the good region. */
import assert from "node:assert/strict";
import { randomPoints, Tpe } from "../../lib/research/sampler.ts";
import { buildSpace, gridPoints, paramsKey, satisfies } from "../../lib/research/space.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";

const sma = getStrategy("sma_cross");
const space = buildSpace(sma, ["fast=1:40:1", "slow=2:80:2"], ["fast<slow"]);

Deno.test("random points: same seed same points, distinct, all feasible; capped by the feasible grid", () => {
  const a = randomPoints(space, 50, 9), b = randomPoints(space, 50, 9), c = randomPoints(space, 50, 10);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(new Set(a.map((p) => paramsKey(space, p))).size, 50);
  assert.ok(a.every((p) => satisfies(space, p)));
  const small = buildSpace(sma, ["fast=5,10", "slow=20,30"]);
  assert.equal(randomPoints(small, 100, 1).length, gridPoints(small).length);
});

/** A smooth objective with its peak at fast = 12, slow = 50. */
const f = (p: { fast: number; slow: number }) => -((p.fast - 12) ** 2) / 40 - ((p.slow - 50) ** 2) / 400;

function runTpe(seed: number, n: number): { points: string[]; best: number } {
  const tpe = new Tpe(space, { seed });
  const points: string[] = [];
  let best = -Infinity;
  while (tpe.told < n) {
    for (const p of tpe.propose(4)) {
      const y = f(p as { fast: number; slow: number });
      best = Math.max(best, y);
      points.push(paramsKey(space, p));
      tpe.tell(p, y);
    }
  }
  return { points, best };
}

Deno.test("TPE: same seed and results give the same proposals; points never repeat", () => {
  const a = runTpe(3, 60), b = runTpe(3, 60);
  assert.deepEqual(a.points, b.points);
  assert.equal(new Set(a.points).size, a.points.length);
});

Deno.test("TPE finds a better point than random sampling with the same budget (median over seeds)", () => {
  const budget = 60;
  const tpeBest: number[] = [], rndBest: number[] = [];
  for (let seed = 0; seed < 7; seed++) {
    tpeBest.push(runTpe(seed, budget).best);
    rndBest.push(
      Math.max(...randomPoints(space, budget, seed).map((p) => f(p as { fast: number; slow: number }))),
    );
  }
  const med = (x: number[]) => x.slice().sort((a, b) => a - b)[3];
  assert.ok(med(tpeBest) > med(rndBest), `TPE median best ${med(tpeBest)} vs random ${med(rndBest)}`);
});
