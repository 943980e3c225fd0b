/**
 * `deno doc --lint lib/mod.ts` is clean: every symbol of the public face has JSDoc, exported
 * functions and constants have explicit types, and no public type refers to a private one. The test
 * runs the real command and fails with the first diagnostics when it reports any error.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("deno doc --lint lib/mod.ts reports no error", async () => {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", "lib/mod.ts"],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const errors = text.split("\n").filter((l) => /^error(\[[\w-]+\])?:/.test(l));
  assert.equal(
    out.code === 0 && errors.length === 0,
    true,
    `deno doc --lint lib/mod.ts exited ${out.code} with ${errors.length} error line(s):\n` +
      text.split("\n").slice(0, 80).join("\n"),
  );
});
