/**
 * mt5:sim with no runner listening (or after the runner ended) waits quietly: one "disconnected"
 * line, not one per second, and when it gives up it says why and what to start.
 */
import assert from "node:assert/strict";

Deno.test("mt5:sim without a runner: one waiting line, then a clear give-up message", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const env = { ...Deno.env.toObject(), NO_COLOR: "1", KINETRA_BRIDGE_SECRET: "0123456789abcdef" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", "tasks/mt5_sim.ts", "--port", String(port)],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.doesNotMatch(err, /^\s+at /m, "no stack trace");
  assert.equal((err.match(/sim: disconnected/g) ?? []).length, 1, err);
  assert.doesNotMatch(err, /sim_disconnected/, "the raw event is not repeated every second");
  assert.match(
    err,
    new RegExp(`no runner on 127\\.0\\.0\\.1:${port} after \\d+ reconnect attempts: stopping`),
  );
});
