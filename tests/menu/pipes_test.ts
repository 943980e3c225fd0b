/** The real task with pipes: a whole session piped in, and a reader that goes away early. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { childEnv, menuCommand, SAMPLE } from "./_helpers.ts";

Deno.test("a piped session runs to its end; the transcript shows prompts with their answers; exit 0", async () => {
  const work = await Deno.makeTempDir({ prefix: "kinetra-menu-pipe-" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: menuCommand([
        "--data-dir",
        SAMPLE,
        "--logs-dir",
        join(work, "logs"),
        "--config",
        join(work, "c.json"),
      ]),
      env: childEnv(),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode("6\n3\n\n0\nbogus\n0\n"));
    await w.close();
    const out = await child.output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0);
    assert.match(text, /Choose 1-6, 0=exit, q=quit: 6\n/);
    assert.match(text, /Main Menu > System Status > Data Summary/);
    assert.match(text, /6 data files in /);
    assert.match(text, /Invalid: "bogus" is not an option/);
    assert.match(text, /Goodbye\./);
    assert.equal(new TextDecoder().decode(out.stderr).trim(), "");
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("when the reader of the output goes away, the menu ends quietly with 0 (no stack trace)", async () => {
  const work = await Deno.makeTempDir({ prefix: "kinetra-menu-pipe-" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: menuCommand([
        "--data-dir",
        SAMPLE,
        "--logs-dir",
        join(work, "logs"),
        "--config",
        join(work, "c.json"),
      ]),
      env: childEnv(),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.getReader();
    await reader.read(); // the first screen has started
    await reader.cancel();
    const w = child.stdin.getWriter();
    for (let i = 0; i < 20; i++) await w.write(new TextEncoder().encode("6\n0\n")).catch(() => {});
    await w.close().catch(() => {});
    const st = await child.status;
    const err = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(st.code, 0, err);
    assert.doesNotMatch(err, /^\s+at /m);
    assert.doesNotMatch(err, /internal error/);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
