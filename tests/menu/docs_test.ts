import assert from "node:assert/strict";
import { buildMenuTree, treePaths } from "../../lib/menu/tree.ts";
import { ROOT } from "./_helpers.ts";

Deno.test("docs/MENU.md describes every screen and item of the tree", async () => {
  const doc = await Deno.readTextFile(`${ROOT}docs/MENU.md`);
  for (const p of treePaths(buildMenuTree())) {
    const title = p.titles[p.titles.length - 1];
    assert.ok(doc.includes(title), `docs/MENU.md does not mention "${title}" (${p.crumb})`);
  }
});

Deno.test("the exerciser starts the menu with exactly the permissions of `deno task menu`", async () => {
  const { MENU_PERMISSIONS } = await import("../../lib/menu/exercise_session.ts");
  const cfg = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const command: string = typeof cfg.tasks.menu === "string" ? cfg.tasks.menu : cfg.tasks.menu.command;
  const words = command.split(/\s+/);
  const flags = words.slice(words.indexOf("run") + 1, words.indexOf("tasks/menu.ts"));
  assert.deepEqual([...flags].sort(), [...MENU_PERMISSIONS].sort());
});
