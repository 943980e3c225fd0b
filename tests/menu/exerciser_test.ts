import assert from "node:assert/strict";
import { join } from "node:path";
import { exerciseMenu } from "../../lib/menu/exerciser.ts";
import { buildMenuTree, treePaths } from "../../lib/menu/tree.ts";
import type { MenuScreen } from "../../lib/menu/types.ts";
import { taskCommand } from "../../lib/util/tasks.ts";
import { childEnv, ROOT, SAMPLE } from "./_helpers.ts";

Deno.test("deno task exercise:menu walks every path of the tree on the sample and passes; report written", async () => {
  const work = await Deno.makeTempDir({ prefix: "kinetra-exercise-test-" });
  const report = join(work, "menu_exercise_report.json");
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: taskCommand("exercise:menu", [
        "--json",
        "--report",
        report,
        "--data-dir",
        SAMPLE,
        "--random-steps",
        "30",
        "--random-walks",
        "1",
        "--seed",
        "7",
      ]),
      cwd: ROOT,
      env: childEnv(),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const r = JSON.parse(stdout.trim().split("\n").pop()!);
    const saved = JSON.parse(await Deno.readTextFile(report));
    assert.deepEqual(saved, r);
    if (r.failed > 0) console.error(JSON.stringify(r.errors.slice(0, 5), null, 2));
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr).slice(-2000));
    for (const k of ["start_time", "end_time", "iterations", "paths_tested", "passed", "failed", "errors"]) {
      assert.ok(k in r, k);
    }
    assert.ok(Date.parse(r.start_time) <= Date.parse(r.end_time));
    // Every path comes from the menu's own definition.
    const tree = treePaths(buildMenuTree()).map((p) => p.crumb);
    assert.deepEqual(r.tree_paths, tree);
    assert.equal(r.runs.path.tested, tree.length);
    assert.ok(r.runs.end_of_input.tested >= tree.length, "end of input tried at every distinct prompt");
    assert.equal(r.runs.random_walk.tested, 1);
    assert.equal(r.failed, 0);
    assert.deepEqual(r.errors, []);
    assert.equal(r.passed, r.paths_tested);
    assert.equal(r.iterations, 1);
    // The secret typed by the exerciser never reaches the report.
    assert.ok(!/exerciser-[0-9a-f]{8}/.test(JSON.stringify(r)));
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

function renamed(tree: MenuScreen, from: string, to: string): MenuScreen {
  return {
    ...tree,
    items: tree.items.map((i) => (i.title === from ? { ...i, title: to } : i)),
  };
}

Deno.test("the exerciser catches a breadcrumb the menu does not show and a missing option", async () => {
  const real = buildMenuTree();
  // The model expects a title the real menu does not have.
  const wrongCrumb = await exerciseMenu({
    root: ROOT,
    tree: renamed(real, "System Status", "System Health"),
    only: "System Health > Performance",
    eofChecks: false,
    randomSteps: 0,
    interruptCheck: false,
  });
  assert.equal(wrongCrumb.passed, 0);
  assert.ok(wrongCrumb.failed >= 1);
  assert.ok(
    wrongCrumb.errors.some((e) =>
      /breadcrumb is "Main Menu > System Status.*expected "Main Menu > System Health/.test(e.error)
    ),
  );
  assert.ok(wrongCrumb.errors.every((e) => e.inputs.length > 0 && e.output_excerpt.length > 0));
  // The model has an option the real screen lacks.
  const extra: MenuScreen = {
    ...real,
    items: [...real.items, {
      kind: "action",
      title: "Ghost",
      description: "not in the menu",
      run: () => Promise.resolve(),
    }],
  };
  const wrongCount = await exerciseMenu({
    root: ROOT,
    tree: extra,
    only: "Ghost",
    eofChecks: false,
    randomSteps: 0,
    interruptCheck: false,
  });
  assert.ok(wrongCount.failed >= 1);
  assert.ok(wrongCount.errors.some((e) => /offers 6 options, the tree has 7/.test(e.error)));
});
