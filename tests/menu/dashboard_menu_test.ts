// Live Testing > Open Dashboard serves the sessions and prints its address; Login and Authentication >
// Notification Settings adds and removes URLs in the 0600 config without ever showing them.
import assert from "node:assert/strict";
import { StreamInput } from "../../lib/menu/line_input.ts";
import { runMenu } from "../../lib/menu/runner.ts";
import { buildMenuTree } from "../../lib/menu/tree.ts";
import { runScripted, tempOptions } from "./_helpers.ts";

Deno.test("menu: Open Dashboard prints dashboard: URL, serves it with its token until you go back", async () => {
  const opts = await tempOptions();
  try {
    let out = "";
    let feed!: ReadableStreamDefaultController<Uint8Array>;
    const input = new ReadableStream<Uint8Array>({ start: (c) => void (feed = c) });
    const say = (t: string) => feed.enqueue(new TextEncoder().encode(t + "\n"));
    const done = runMenu(buildMenuTree(), opts, {
      input: new StreamInput(input),
      write: (t) => void (out += t),
      trace: () => {},
    });
    say("4"); // Live Testing
    say("5"); // Open Dashboard
    let m: RegExpMatchArray | null = null;
    for (
      let k = 0;
      k < 200 && !(m = out.match(/^dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m));
      k++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(m, `no dashboard line in:\n${out}`);
    const url = new URL(m[1]);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Kinetra live dashboard/);
    const denied = await fetch(`${url.origin}/api/sessions`);
    await denied.body?.cancel();
    assert.equal(denied.status, 401);
    say(""); // stop the dashboard
    say(""); // back to the screen
    say("0");
    say("0");
    feed.close();
    await done;
    assert.match(out, /Dashboard stopped/);
    await assert.rejects(() => fetch(url), "the server is closed");
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("menu: Notification Settings stores URLs in the 0600 config and shows only their format and host", async () => {
  const opts = await tempOptions();
  try {
    const secretUrl = "https://hooks.slack.com/services/T0SECRET/B0SECRET/xoxSECRETPATH";
    // Login and Authentication > Notification Settings: add; again: fills on; then Show Configuration.
    const { out } = await runScripted(["1", "5", "1", secretUrl, "", "5", "3", "", "3", "", "0", "0"], opts);
    assert.match(out, /Added slack \(hooks\.slack\.com\)/);
    assert.match(out, /1\. slack \(hooks\.slack\.com\)/);
    assert.match(out, /Saved \(mode 0600\): 1 URL\(s\), every fill on\./);
    assert.ok(!out.includes("SECRET"), "the URL is never shown, not even in Show Configuration");
    const cfg = JSON.parse(await Deno.readTextFile(opts.configPath));
    assert.deepEqual(cfg.notify, { urls: [secretUrl], fills: true });
    assert.equal((await Deno.stat(opts.configPath)).mode! & 0o777, 0o600);
    // Remove it again.
    const again = await runScripted(["1", "5", "2", "1", "", "0", "0"], opts);
    assert.match(again.out, /Removed slack \(hooks\.slack\.com\)/);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(opts.configPath)).notify.urls, []);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});
