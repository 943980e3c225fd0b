/**
 * The health check tells "not running" (no runner listening: the normal state) from "broken" (a
 * bridge that cannot work as configured), and gives advice that fits what failed.
 */
import assert from "node:assert/strict";
import { writeConfig } from "../../lib/menu/config.ts";
import { healthChecks } from "../../lib/menu/actions/system.ts";
import type { ActionContext } from "../../lib/menu/types.ts";
import { runScripted, tempOptions } from "./_helpers.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("no runner listening: the bridge line is ok and says 'not running'; no data advice for it", async () => {
  const opts = await tempOptions({ probeBridge: true });
  try {
    const port = freePort();
    await writeConfig(opts.configPath, {
      bridge: { address: `127.0.0.1:${port}`, secret: "0123456789abcdef" },
    });
    const checks = await healthChecks({ opts } as unknown as ActionContext);
    const bridge = checks.find((c) => c.name === "MT5 bridge connection")!;
    assert.equal(bridge.ok, true);
    assert.match(bridge.detail, /not running \(no runner listening; normal until Live Testing starts one\)/);
    const { out } = await runScripted(["6", "1"], opts);
    assert.match(out, /ok\s+MT5 bridge connection\s+127\.0\.0\.1:\d+: not running/);
    assert.doesNotMatch(out, /FAIL MT5 bridge connection/);
    // The only failing line is the missing prepared data, and the advice is about that.
    assert.match(out, /Next \(prepared data\): Data Management > Prepare Data/);
    assert.doesNotMatch(out, /Next \(MT5 bridge connection\)/);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("a runner listening: ok, 'a runner is listening'", async () => {
  const opts = await tempOptions({ probeBridge: true });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    for await (const conn of listener) conn.close();
  })();
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    await writeConfig(opts.configPath, {
      bridge: { address: `127.0.0.1:${port}`, secret: "0123456789abcdef" },
    });
    const bridge = (await healthChecks({ opts } as unknown as ActionContext)).find((c) =>
      c.name === "MT5 bridge connection"
    )!;
    assert.equal(bridge.ok, true);
    assert.match(bridge.detail, /a runner is listening/);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("a bridge that cannot work (secret missing) is 'broken', fails, and the advice says what to set", async () => {
  const opts = await tempOptions({ probeBridge: true });
  try {
    await writeConfig(opts.configPath, { bridge: { address: `127.0.0.1:${freePort()}` } });
    const bridge = (await healthChecks({ opts } as unknown as ActionContext)).find((c) =>
      c.name === "MT5 bridge connection"
    )!;
    assert.equal(bridge.ok, false);
    assert.match(bridge.detail, /broken: no bridge secret/);
    assert.match(bridge.advice!, /Login and Authentication > Configure the Bridge/);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});
