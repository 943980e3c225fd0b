// The permission flags of each task are defined once (lib/util/tasks.ts): deno.json's commands must
// be exactly what the table gives, so the two cannot drift apart.
import assert from "node:assert/strict";
import { isAbsolute } from "node:path";
import { TASK_PERMISSIONS, taskCommand, taskDenoJsonCommand, taskScript } from "../../lib/util/tasks.ts";

const ROOT = new URL("../../", import.meta.url);
const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))) as {
  tasks: Record<string, string | { command: string }>;
};
const commands = Object.fromEntries(
  Object.entries(denoJson.tasks).map(([k, v]) => [k, typeof v === "string" ? v : v.command]),
);

Deno.test("every `deno run` task of deno.json has exactly the flags of TASK_PERMISSIONS", () => {
  const runTasks = Object.keys(commands).filter((k) => commands[k].startsWith("deno run"));
  assert.ok(runTasks.length >= 30, `only ${runTasks.length} deno run tasks found`);
  const missing = runTasks.filter((k) => !Object.hasOwn(TASK_PERMISSIONS, k));
  assert.deepEqual(missing, [], `add these deno.json tasks to TASK_PERMISSIONS in lib/util/tasks.ts`);
  for (const k of runTasks) {
    assert.equal(commands[k], taskDenoJsonCommand(k), `deno.json task "${k}" differs from lib/util/tasks.ts`);
  }
});

Deno.test("every TASK_PERMISSIONS entry is a deno.json task whose script exists", async () => {
  for (const k of Object.keys(TASK_PERMISSIONS)) {
    assert.ok(Object.hasOwn(commands, k), `TASK_PERMISSIONS has "${k}", deno.json has no such task`);
    const st = await Deno.stat(new URL(taskScript(k), ROOT));
    assert.ok(st.isFile, taskScript(k));
    for (const f of TASK_PERMISSIONS[k]) assert.match(f, /^(-A|--allow-[a-z]+(=[^\s]+)?)$/, `${k}: ${f}`);
  }
});

Deno.test("taskCommand: deno run with the task's flags, its script's absolute path, then the args", async () => {
  const args = taskCommand("menu", ["--data-dir", "x"]);
  assert.deepEqual(args.slice(0, 2), ["run", "--no-prompt"]);
  const flags = TASK_PERMISSIONS["menu"];
  assert.deepEqual(args.slice(2, 2 + flags.length), [...flags]);
  const script = args[2 + flags.length];
  assert.ok(isAbsolute(script) && script.endsWith("/tasks/menu.ts"), script);
  assert.ok((await Deno.stat(script)).isFile);
  assert.deepEqual(args.slice(3 + flags.length), ["--data-dir", "x"]);
  assert.throws(() => taskCommand("no:such"), /no task "no:such"/);
  assert.throws(() => taskCommand("toString"), /no task/);
});
