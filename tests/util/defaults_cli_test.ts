// Defaults defined once, the breaker's settable reset margin, and the shared CLI parsing.
import assert from "node:assert/strict";
import { KinetraError } from "../../lib/errors.ts";
import { CircuitBreaker } from "../../lib/live/breaker.ts";
import { checkOptions } from "../../lib/live/session.ts";
import { numberOption, numberOptionOr, paramOptions } from "../../lib/util/cli.ts";
import { taskCommand } from "../../lib/util/tasks.ts";
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

Deno.test("numberOption bounds: min and max inclusive, whole numbers, a default, the usage on a new line", () => {
  const port = (v: string) => numberOption("port", v, { integer: true, min: 1, max: 65535 });
  assert.equal(port("1"), 1);
  assert.equal(port("65535"), 65535);
  assert.throws(() => port("0"), bad("bad_argument", /--port needs a whole number from 1 to 65535, got "0"/));
  assert.throws(() => port("65536"), bad("bad_argument", /from 1 to 65535/));
  assert.throws(() => port("80.5"), bad("bad_argument", /whole number/));
  assert.throws(
    () => numberOption("runs", "0", { integer: true, min: 1 }),
    bad("bad_argument", />= 1, got "0"/),
  );
  assert.throws(() => numberOption("ratio", "2", { max: 1 }), bad("bad_argument", /<= 1, got "2"/));
  assert.equal(numberOptionOr("runs", undefined, 7, { min: 1 }), 7);
  assert.equal(numberOptionOr("runs", "3", 7, { min: 1 }), 3);
  assert.throws(
    () => numberOptionOr("cases", "-1", 10, { integer: true, min: 0, usage: "usage: x" }),
    bad("bad_argument", /--cases needs a whole number >= 0, got "-1"\nusage: x$/),
  );
});

/** Run a task with `args`; exit code and stderr. */
async function task(name: string, args: string[]): Promise<{ code: number; err: string }> {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete env.RUST_BACKTRACE;
  const o = await new Deno.Command(Deno.execPath(), {
    args: taskCommand(name, args),
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: o.code, err: new TextDecoder().decode(o.stderr) };
}

Deno.test("tasks parse numbers with numberOption: a bad value is a clear message and exit 2, no stack trace", async () => {
  const cases: [string, string[], RegExp][] = [
    ["mt5:sim", ["--history", "abc"], /--history needs a whole number >= 1, got "abc"/],
    ["mt5:sim", ["--balance=-5"], /--balance needs a positive number, got "-5"/],
    ["mt5:sim", ["--port", "70000"], /--port needs a whole number from 1 to 65535, got "70000"/],
    ["prepare", ["--test-ratio", "x"], /--test-ratio needs a number, got "x"/],
    ["bench:engine", ["--bars", "lots"], /--bars needs a whole number >= 1000, got "lots"/],
    ["fuzz:data", ["--cases=-1"], /--cases needs a whole number >= 0, got "-1"/],
  ];
  for (const [name, args, re] of cases) {
    const r = await task(name, args);
    assert.equal(r.code, 2, `${name} ${args.join(" ")}: ${r.err}`);
    assert.match(r.err, re, name);
    assert.doesNotMatch(r.err, /at .*\.ts:\d+/, `${name}: no stack trace`);
  }
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
