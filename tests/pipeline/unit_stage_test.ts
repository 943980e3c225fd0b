/** The unit-test stage end to end on a small project: counts, located failures, tests/pipeline excluded. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPipeline, unitTestStage } from "../../lib/pipeline/mod.ts";

Deno.test("unit_tests stage runs deno test as a child, reports each failure at its location, skips tests/pipeline", async () => {
  const root = await Deno.makeTempDir({ prefix: "kinetra-unit-stage-" });
  try {
    await Deno.mkdir(join(root, "tests/x"), { recursive: true });
    await Deno.mkdir(join(root, "tests/pipeline"), { recursive: true });
    await Deno.mkdir(join(root, "src"));
    await Deno.writeTextFile(
      join(root, "tests/x/a_test.ts"),
      [
        'import assert from "node:assert/strict";',
        'Deno.test("adds", () => assert.equal(1 + 1, 2));',
        'Deno.test("breaks", () => assert.equal(1 + 1, 3));',
        "",
      ].join("\n"),
    );
    await Deno.writeTextFile(
      join(root, "tests/pipeline/recursion_test.ts"),
      'Deno.test("never run", () => { throw new Error("ran"); });\n',
    );
    const { report } = await runPipeline({
      root,
      source: "src",
      logDir: "logs",
      repairedDir: "rep",
      stages: [unitTestStage()],
      quiet: true,
    });
    const run = report.test_runs[0];
    assert.equal(run.stage, "unit_tests");
    assert.equal(run.passed, 1);
    assert.equal(run.failed, 1);
    assert.equal(run.errors.length, 1);
    assert.equal(run.errors[0].file, "tests/x/a_test.ts:3:6");
    assert.equal(run.errors[0].category, "test_failure");
    assert.match(run.errors[0].message, /breaks: AssertionError/);
    const guide = await Deno.readTextFile(join(root, "logs", "fix_guide_test_failure.md"));
    assert.match(guide, /tests\/x\/a_test\.ts:3:6/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
