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
