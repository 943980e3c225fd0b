// Defaults defined once, the breaker's settable reset margin, and the shared CLI parsing.
import assert from "node:assert/strict";
import { KinetraError } from "../../lib/errors.ts";
import { CircuitBreaker } from "../../lib/live/breaker.ts";
import { checkOptions } from "../../lib/live/session.ts";
import { numberOption, paramOptions } from "../../lib/util/cli.ts";
import {
  DEFAULT_BREAKER_RESET_MARGIN,
  DEFAULT_CHS_THRESHOLD,
  DEFAULT_TEST_RATIO,
} from "../../lib/util/defaults.ts";

const bad = (code: string, re: RegExp) => (e: unknown) =>
  e instanceof KinetraError && e.code === code && re.test(e.message);

Deno.test("numberOption: absent is undefined, numbers pass, anything else names the flag (exit 2)", () => {
  assert.equal(numberOption("cash", undefined), undefined);
  assert.equal(numberOption("cash", "2500.5"), 2500.5);
  assert.throws(() => numberOption("cash", "lots"), bad("bad_argument", /--cash needs a number, got "lots"/));
  assert.throws(() => numberOption("cash", ""), bad("bad_argument", /--cash/));
  assert.throws(() => numberOption("cash", "-3", { positive: true }), bad("bad_argument", /positive number/));
  assert.throws(() => numberOption("n", "2.5", { integer: true }), bad("bad_argument", /whole number/));
  assert.throws(() => numberOption("speed", "x", { code: "bad_option" }), bad("bad_option", /--speed/));
  assert.equal(new KinetraError("bad_argument", "x").exitCode, 2);
});

Deno.test("paramOptions: repeated name=number pairs, later wins; a bad one is named", () => {
  assert.deepEqual(paramOptions(["fast=8", "slow=21", "fast=9"]), { fast: 9, slow: 21 });
  assert.deepEqual(paramOptions(undefined), {});
  assert.throws(() => paramOptions(["fast"]), bad("bad_argument", /name=number, got "fast"/));
  assert.throws(() => paramOptions(["fast=x"]), bad("bad_argument", /--param fast needs a number/));
  assert.throws(() => paramOptions(["1x=2"], "bad_option"), bad("bad_option", /1x=2/));
});

Deno.test("the breaker's defaults come from one place and its reset margin can be set", () => {
  assert.equal(DEFAULT_CHS_THRESHOLD, 0.55);
  assert.equal(DEFAULT_BREAKER_RESET_MARGIN, 0.1);
  assert.equal(DEFAULT_TEST_RATIO, 0.2);
  const d = new CircuitBreaker();
  assert.equal(d.threshold, DEFAULT_CHS_THRESHOLD);
  assert.equal(d.resetAbove, DEFAULT_CHS_THRESHOLD + DEFAULT_BREAKER_RESET_MARGIN);
  const b = new CircuitBreaker(0.5, 0.2);
  assert.equal(b.update(0.4), "tripped");
  assert.equal(b.update(0.65), null); // above the default margin, below 0.5 + 0.2
  assert.equal(b.update(0.71), "reset");
  assert.equal(
    checkOptions({ mode: "virtual", strategy: "sma_cross" }).resetMargin,
    DEFAULT_BREAKER_RESET_MARGIN,
  );
  assert.equal(
    checkOptions({ mode: "virtual", strategy: "sma_cross", breakerResetMargin: 0.2 }).resetMargin,
    0.2,
  );
  assert.throws(
    () => checkOptions({ mode: "virtual", strategy: "sma_cross", breakerResetMargin: -1 }),
    bad("bad_option", /--breaker-reset-margin/),
  );
});
