/** Parsing the output of the tools the stages run, and the backtest invariants. */
import assert from "node:assert/strict";
import {
  checkBacktestInvariants,
  DEFAULT_TEST_EXCLUDES,
  parseDenoCheck,
  parseDenoTest,
} from "../../lib/pipeline/mod.ts";

Deno.test("parseDenoTest: counts from the closing line, one located error per failing test", () => {
  const out = [
    "running 1 test from ./fail_test.ts",
    "deliberately failing ... FAILED (1ms)",
    "running 4 tests from ./pass_test.ts",
    "add works ... ok (753µs)",
    "",
    " ERRORS ",
    "",
    "deliberately failing => ./tests/x/fail_test.ts:3:6",
    "error: AssertionError: Expected values to be strictly equal:",
    "",
    "'neg' !== 'pos'",
    "",
    "types => ./tests/x/types_test.ts:10:1",
    "error: TypeError: x.map is not a function",
    "",
    " FAILURES ",
    "",
    "deliberately failing => ./tests/x/fail_test.ts:3:6",
    "types => ./tests/x/types_test.ts:10:1",
    "",
    "FAILED | 7 passed (5 steps) | 2 failed | 1 ignored (1 step) (302ms)",
    "",
    "error: Test failed",
  ].join("\n");
  const r = parseDenoTest(out);
  assert.equal(r.passed, 7);
  assert.equal(r.failed, 2);
  assert.equal(r.summary, true);
  assert.deepEqual(r.errors.map((e) => [e.file, e.code]), [["tests/x/fail_test.ts:3:6", "test_failure"], [
    "tests/x/types_test.ts:10:1",
    "type_error",
  ]]);
  assert.match(r.errors[0].message, /AssertionError/);
  assert.deepEqual(parseDenoTest("ok | 3 passed | 0 failed (5ms)"), {
    passed: 3,
    failed: 0,
    summary: true,
    errors: [],
  });
  assert.equal(parseDenoTest("error: Module not found").summary, false);
});

Deno.test("parseDenoCheck: one type_error per diagnostic at its location", () => {
  const out = [
    "Check lib/x/mod.ts",
    "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.",
    '  const a: number = "x";',
    "        ^",
    "    at file:///proj/lib/x/a.ts:3:9",
    "",
    "TS2304 [ERROR]: Cannot find name 'foo'.",
    "    at file:///proj/tasks/t.ts:12:5",
    "",
    "Found 2 errors.",
  ].join("\n");
  const errs = parseDenoCheck(out, "/proj");
  assert.deepEqual(errs.map((e) => e.file), ["lib/x/a.ts:3:9", "tasks/t.ts:12:5"]);
  assert.match(errs[0].message, /^TS2322: Type 'string'/);
});

Deno.test("checkBacktestInvariants: finite equity, non-negative costs, consistent trade counts", () => {
  const ok = {
    stats: { trades: 1, equity_final: 10, total_costs: 0.5 },
    trades: [{ commission: 0.5 }],
    equity: new Float64Array([10, 10]),
  };
  assert.deepEqual(checkBacktestInvariants(ok), []);
  const bad = {
    stats: { trades: 2, equity_final: NaN, total_costs: -1 },
    trades: [{ commission: -0.5, spread_cost: 0 }],
    equity: new Float64Array([10, Infinity]),
  };
  assert.deepEqual(checkBacktestInvariants(bad).map((v) => v.code).sort(), [
    "negative_cost",
    "negative_cost",
    "non_finite_equity",
    "non_finite_equity",
    "trade_count_mismatch",
  ]);
});

Deno.test("the unit-test stage excludes this room and the optional suites by whole words only", () => {
  const excluded = (f: string) => DEFAULT_TEST_EXCLUDES.some((re) => re.test(f));
  for (
    const f of [
      "tests/pipeline/a_test.ts",
      "tests/notebooks/notebooks_test.ts",
      "tests/menu/tmux_test.ts",
      "tests/plot/report_browser_test.ts",
    ]
  ) {
    assert.ok(excluded(f), f);
  }
  for (
    const f of ["tests/data/empty_file_test.ts", "tests/data/read_formats_test.ts", "tests/menu/menu_test.ts"]
  ) {
    assert.ok(!excluded(f), f);
  }
});
