/**
 * `deno task test [paths or deno-test flags...]`: runs the whole test suite (unit, real-data,
 * browser and notebook tests; all are `deno test` files under tests/) and ends with the line
 * `tests: N passed, M failed` taken from deno test's own closing counts.
 */
const extra = Deno.args;
const paths = extra.filter((a) => !a.startsWith("-"));
const flags = extra.filter((a) => a.startsWith("-"));
await Deno.mkdir("logs", { recursive: true });
const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
delete (env as Record<string, string>).RUST_BACKTRACE;
const cmd = new Deno.Command(Deno.execPath(), {
  args: [
    "test",
    "--no-prompt",
    "-A",
    "--junit-path=logs/junit.xml",
    ...flags,
    ...(paths.length ? paths : ["tests/"]),
  ],
  env,
  stdout: "piped",
  stderr: "inherit",
});
const child = cmd.spawn();
let tail = "";
const dec = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + dec.decode(chunk, { stream: true })).slice(-4000);
}
const status = await child.status;
// deno test's closing line: "ok | 7 passed (5 steps) | 0 failed | 1 ignored (1 step) (223ms)"
const m = tail.match(/(?:^|\n)(?:ok|FAILED) \| (\d+) passed[^|]*\| (\d+) failed/);
let passed = m ? Number(m[1]) : 0;
let failed = m ? Number(m[2]) : 0;
if (!m) {
  // No closing line: the run itself failed (type error, no test found). Count it as a failure.
  console.error("deno test ended without a summary line (see the errors above)");
  passed = 0;
  failed = Math.max(1, failed);
}
console.log(`tests: ${passed} passed, ${failed} failed`);
Deno.exit(status.code !== 0 ? (status.code || 1) : failed > 0 ? 1 : 0);
