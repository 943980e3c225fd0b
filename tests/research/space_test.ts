/** Search space: grid specs from the strategy's declarations, constraints, bad input. */
import assert from "node:assert/strict";
import { buildSpace, enumerateGrid, gridPoints, parseGridSpec } from "../../lib/research/space.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";
import { isKinetraError } from "../../lib/errors.ts";

const sma = getStrategy("sma_cross");

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isKinetraError(e), String(e));
    return `${e.code}: ${e.message}`;
  }
  return "no error";
}

Deno.test("range STOP is inclusive; lists keep their order", () => {
  assert.deepEqual(parseGridSpec(sma, "fast=5:50:5").values, [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
  assert.deepEqual(parseGridSpec(sma, "fast=5:52:5").values.at(-1), 50);
  assert.deepEqual(parseGridSpec(sma, "slow=30,10,20").values, [30, 10, 20]);
});

Deno.test("real-valued ranges keep the decimals of START and STEP (no 0.30000000000000004)", () => {
  const fake = { ...sma, params: { x: { default: 0.5, description: "", min: 0 } } };
  assert.deepEqual(parseGridSpec(fake, "x=0.1:0.5:0.1").values, [0.1, 0.2, 0.3, 0.4, 0.5]);
});

Deno.test("unknown parameter lists the valid ones; integers, bounds and malformed specs are refused", () => {
  const m = code(() => parseGridSpec(sma, "fst=1:3:1"));
  assert.match(m, /^bad_parameter: unknown parameter "fst".*fast \(integer.*slow \(integer/);
  assert.match(code(() => parseGridSpec(sma, "fast=2.5,3")), /^bad_grid: .*not a whole number/);
  assert.match(code(() => parseGridSpec(sma, "fast=0:3:1")), /^bad_grid: .*below the parameter's minimum 1/);
  assert.match(code(() => parseGridSpec(sma, "fast=1:3")), /^bad_grid: .*START:STOP:STEP/);
  assert.match(code(() => parseGridSpec(sma, "fast=5:1:1")), /^bad_grid: .*STOP 1 is below START 5/);
  assert.match(code(() => parseGridSpec(sma, "fast=1:5:0")), /^bad_grid: .*STEP must be > 0/);
  assert.match(code(() => parseGridSpec(sma, "fast")), /^bad_grid: --grid needs NAME=/);
  assert.match(code(() => parseGridSpec(sma, "fast=a,b")), /^bad_grid: .*"a" is not a number/);
  assert.match(code(() => buildSpace(sma, [])), /^bad_grid: give at least one --grid/);
  assert.match(code(() => buildSpace(sma, ["fast=1,2", "fast=3"])), /given twice/);
});

Deno.test("constraints filter the grid; an empty grid is an error naming the constraint", () => {
  const s = buildSpace(sma, ["fast=5:20:5", "slow=10,20,40"], ["fast<slow"]);
  const pts = gridPoints(s);
  assert.ok(pts.every((p) => p.fast < p.slow));
  // 4 × 3 = 12 points, of which (10,10) (15,10) (20,10) (20,20) fail.
  assert.equal(pts.length, 8);
  const s2 = buildSpace(sma, ["fast=5:20:5", "slow=10,20,40"], ["slow>=2*fast && fast!=5"]);
  assert.deepEqual([...enumerateGrid(s2)].map((p) => [p.fast, p.slow]), [[10, 20], [10, 40], [15, 40], [
    20,
    40,
  ]]);
  const empty = buildSpace(sma, ["fast=50", "slow=10"], ["fast<slow"]);
  assert.match(
    code(() => gridPoints(empty)),
    /^grid_empty: the grid is empty after the constraints \(fast<slow\)/,
  );
  assert.match(
    code(() => buildSpace(sma, ["fast=5"], ["fast<slw"])),
    /^bad_constraint: .*unknown parameter "slw"/,
  );
  assert.match(
    code(() => buildSpace(sma, ["fast=5"], ["fast slow"])),
    /^bad_constraint: .*needs the form A<B/,
  );
});

Deno.test("parameters not swept keep their defaults in every point", () => {
  const s = buildSpace(sma, ["fast=5,6"]);
  assert.deepEqual(gridPoints(s), [{ fast: 5, slow: 30 }, { fast: 6, slow: 30 }]);
});
