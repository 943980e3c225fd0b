import assert from "node:assert/strict";
import { join } from "node:path";
import { readConfig } from "../../lib/menu/config.ts";
import { buildMenuTree, treePaths } from "../../lib/menu/tree.ts";
import { runScripted, tempOptions } from "./_helpers.ts";

Deno.test("main screen: status bar checked for real, numbered options, breadcrumb", async () => {
  const opts = await tempOptions();
  try {
    const { out, outcome } = await runScripted(["q"], opts);
    assert.equal(outcome.code, 0);
    assert.equal(outcome.reason, "quit");
    const files = (await Array.fromAsync(Deno.readDir(opts.dataDir))).length > 0;
    assert.ok(files);
    assert.match(
      out,
      /Data: 6 files \(.*sample\), none prepared\s+MT5 bridge: not configured\s+Credentials: missing/,
    );
    const tree = buildMenuTree();
    tree.items.forEach((item, i) => assert.ok(out.includes(`${i + 1}. ${item.title}`), item.title));
    assert.match(out, /0\. Exit/);
    assert.match(out, /^ {2}Main Menu$/m);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("breadcrumbs on every screen of the tree, and 0 walks back up to the exit", async () => {
  const opts = await tempOptions();
  try {
    for (const p of treePaths(buildMenuTree()).filter((p) => p.kind === "screen" && p.choices.length > 0)) {
      const answers = [...p.choices, ...p.choices.map(() => "0"), "0"];
      const { out, outcome, events } = await runScripted(answers, opts);
      assert.equal(outcome.reason, "exit", p.crumb);
      assert.ok(out.includes(`  ${p.crumb}\n`), `breadcrumb ${p.crumb} shown`);
      const crumbs = events.filter((e) => e.kind === "menu").map((e) => e.crumb);
      assert.equal(crumbs[p.choices.length], p.crumb);
      assert.equal(crumbs[crumbs.length - 1], "Main Menu");
      assert.match(out, /Goodbye\./);
    }
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("end of input at a screen and inside an action exits cleanly", async () => {
  const opts = await tempOptions();
  try {
    let r = await runScripted([], opts);
    assert.equal(r.outcome.code, 0);
    assert.equal(r.outcome.reason, "eof");
    assert.match(r.out, /End of input: leaving the menu\./);
    // Inside Quick Backtest, at the strategy prompt.
    r = await runScripted(["3", "1"], opts);
    assert.equal(r.outcome.reason, "eof");
    assert.equal(
      r.events.filter((e) => e.kind === "choose").at(-1)?.crumb,
      "Main Menu > Backtesting > Quick Backtest",
    );
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("three invalid choices go back one level; q inside an action quits", async () => {
  const opts = await tempOptions();
  try {
    const r = await runScripted(["2", "x", "y", "z", "q"], opts);
    const crumbs = r.events.filter((e) => e.kind === "menu").map((e) => e.crumb);
    assert.deepEqual(crumbs, [
      "Main Menu",
      "Main Menu > Exploration",
      "Main Menu > Exploration",
      "Main Menu > Exploration",
      "Main Menu",
    ]);
    const q = await runScripted(["3", "1", "q"], opts);
    assert.equal(q.outcome.reason, "quit");
    assert.match(q.out, /Goodbye\./);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("login: the bridge and account are saved 0600 in the live runner's format; the secret is never shown", async () => {
  const opts = await tempOptions();
  const secret = "s3cret-" + crypto.randomUUID().slice(0, 8);
  try {
    const r = await runScripted([
      "1",
      "1",
      "",
      "18812",
      secret,
      "",
      "2",
      "51234567",
      "MetaQuotes-Demo",
      "",
      "3",
      "",
      "q",
    ], opts);
    assert.equal(r.outcome.code, 0);
    assert.ok(!r.out.includes(secret), "secret not echoed");
    assert.ok(!JSON.stringify(r.events).includes(secret), "secret not in trace events");
    const cfg = await readConfig(opts.configPath);
    assert.equal(cfg.bridge?.address, "127.0.0.1:18812");
    assert.equal(cfg.bridge?.secret, secret);
    assert.equal(String(cfg.live?.login), "51234567");
    assert.equal(cfg.live?.server, "MetaQuotes-Demo");
    const mode = (await Deno.stat(opts.configPath)).mode! & 0o777;
    assert.equal(mode, 0o600);
    assert.match(r.out, /"secret": "\*\*\*\*\*\*\*\*"/);
    // The live room reads the same file.
    const { loadLiveConfig } = await import("../../lib/live/config.ts");
    const live = await loadLiveConfig(opts.configPath, () => undefined);
    assert.equal(live.secret, secret);
    assert.equal(live.address, "127.0.0.1:18812");
    assert.equal(live.liveLogin, "51234567");
    // Status bar on the next start.
    const s = await runScripted(["q"], opts);
    assert.match(s.out, /MT5 bridge: 127\.0\.0\.1:18812 configured \(not checked\)/);
    assert.match(s.out, /Credentials: configured \(account 51234567@MetaQuotes-Demo\)/);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("quick backtest on a chosen real file writes results and a report, then returns to its screen", async () => {
  const opts = await tempOptions();
  try {
    const r = await runScripted(["3", "1", "1", "1", "", "q"], opts);
    assert.equal(r.outcome.code, 0);
    assert.match(r.out, /sma_cross on AUDUSD\+ H4 \(\d+ bars\)/);
    assert.match(r.out, /return %/);
    const files = await Array.fromAsync(Deno.readDir(join(opts.logsDir, "menu")));
    assert.ok(files.some((f) => f.name.endsWith(".html")));
    const json = files.find((f) => f.name.endsWith(".json"))!;
    const saved = JSON.parse(await Deno.readTextFile(join(opts.logsDir, "menu", json.name)));
    assert.equal(saved.strategy, "sma_cross");
    assert.equal(saved.trades.length, saved.stats.trades);
    const crumbs = r.events.filter((e) => e.kind === "menu").map((e) => e.crumb);
    assert.deepEqual(crumbs, ["Main Menu", "Main Menu > Backtesting", "Main Menu > Backtesting"]);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});

Deno.test("choices list only what exists: symbols from the data folder, registered strategies", async () => {
  const opts = await tempOptions();
  try {
    const r = await runScripted(["3", "1"], opts);
    const { listStrategies } = await import("../../lib/strategies/registry.ts");
    const names = listStrategies().map((s) => s.name);
    for (const n of names) assert.ok(r.out.includes(n), n);
    const choose = r.events.find((e) => e.kind === "choose")!;
    assert.equal(choose.options, names.length);
    // A folder with two files of one symbol offers that symbol and its two timeframes.
    const dir = join(opts.work, "two");
    await Deno.mkdir(join(dir, "forex"), { recursive: true });
    const src = join(opts.dataDir, "forex", "AUDUSD+_H4_202401020000_202512300800.csv");
    await Deno.copyFile(src, join(dir, "forex", "AUDUSD+_H4_202401020000_202512300800.csv"));
    await Deno.copyFile(src, join(dir, "forex", "AUDUSD+_D1_202401020000_202512300800.csv"));
    const r2 = await runScripted(["3", "1", "1", "1"], { ...opts, dataDir: dir });
    const prompts = r2.events.filter((e) => e.kind === "choose");
    assert.equal(prompts[1].options, 1); // one symbol
    assert.equal(prompts[2].options, 2); // two timeframes
    // By duration: H4 before D1.
    assert.match(r2.out, /1\. H4 /);
    assert.match(r2.out, /2\. D1 /);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});
