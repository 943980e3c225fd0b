// Notifications against a local HTTP receiver on 127.0.0.1: the Slack, Telegram and generic
// payloads of a real virtual session (breaker trip, session summary), the other events (rejection,
// disconnect/reconnect, fills, halt, daily summary), retries and backoff, and receivers that hang or
// answer 500 leaving the session's trades unchanged. Secrets never reach any output.
import assert from "node:assert/strict";
import {
  JournalNotifier,
  loadNotifyConfig,
  Notifier,
  parseNotifyUrl,
  parseNotifyUrls,
  redact,
  saveNotifyConfig,
  startNotifications,
} from "../../lib/notify/mod.ts";
import { readJournal, runLive } from "../../lib/live/mod.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

interface Received {
  path: string;
  query: string;
  body: Record<string, unknown>;
}

/** A receiver: /ok/* answers 200, /fail500/* 500, /gone/* 404, /hang/* never, /flaky/* 500 twice then 200, /slow429/* 429 once. */
function receiver() {
  const got: Received[] = [];
  const hits = new Map<string, number>();
  let release: () => void = () => {};
  const hang = new Promise<void>((r) => (release = r));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const u = new URL(req.url);
    const text = await req.text();
    const kind = u.pathname.split("/")[1];
    hits.set(kind, (hits.get(kind) ?? 0) + 1);
    if (kind === "hang") {
      await hang;
      return new Response("late", { status: 200 });
    }
    if (kind === "fail500") return new Response("boom", { status: 500 });
    if (kind === "gone") return new Response("no such hook", { status: 404 });
    if (kind === "flaky" && hits.get(kind)! <= 2) return new Response("again", { status: 503 });
    if (kind === "slow429" && hits.get(kind)! === 1) {
      return new Response(JSON.stringify({ ok: false, parameters: { retry_after: 1 } }), { status: 429 });
    }
    got.push({ path: u.pathname, query: u.search, body: JSON.parse(text) });
    return new Response(JSON.stringify({ ok: true }), { headers: { "content-type": "application/json" } });
  });
  return {
    port: server.addr.port,
    got,
    hits,
    async close() {
      release();
      await server.shutdown();
    },
  };
}

const SECRETS = ["T0SECRET", "xoxSECRETPATH", "SECRETTOKEN", "987654321", "SECRETHOOK"];

Deno.test("notify: a virtual session's breaker trip and summary reach Slack, Telegram and a JSON webhook", async () => {
  const rx = receiver();
  const logsDir = await Deno.makeTempDir();
  const printed: string[] = [];
  try {
    const urls = [
      `slack+http://127.0.0.1:${rx.port}/ok/services/T0SECRET/B0SECRET/xoxSECRETPATH`,
      `telegram+http://127.0.0.1:${rx.port}/ok/bot123456:SECRETTOKEN/sendMessage?chat_id=987654321`,
      `http://127.0.0.1:${rx.port}/ok/generic/SECRETHOOK`,
    ];
    const n = await startNotifications({ urls, logsDir, pollMs: 50, print: (l) => printed.push(l) });
    assert.ok(n);
    assert.deepEqual(n.targets.map((t) => t.kind), ["slack", "telegram", "webhook"]);
    const s = await runLive(
      { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir },
      { print: (l) => printed.push(l) },
    );
    const stats = await n.stop();
    assert.ok(s.breaker_events >= 1, "the session trips the breaker");
    for (const st of Object.values(stats)) assert.equal(st.failed + st.dropped, 0);

    const slack = rx.got.filter((r) => r.path.startsWith("/ok/services/"));
    const tg = rx.got.filter((r) => r.path.includes("/sendMessage"));
    const hook = rx.got.filter((r) => r.path === "/ok/generic/SECRETHOOK");
    // Slack incoming webhook: { text } only.
    assert.ok(slack.every((r) => Object.keys(r.body).join() === "text" && typeof r.body.text === "string"));
    assert.equal(
      slack.filter((r) => /circuit breaker TRIPPED/.test(String(r.body.text))).length,
      s.breaker_events,
    );
    assert.ok(slack.some((r) => /session completed/.test(String(r.body.text))));
    // Telegram sendMessage: chat_id in the body (not the query), the token in the path.
    assert.ok(tg.every((r) => r.path === "/ok/bot123456:SECRETTOKEN/sendMessage" && r.query === ""));
    assert.ok(tg.every((r) => r.body.chat_id === "987654321" && typeof r.body.text === "string"));
    assert.equal(tg.length, slack.length, "the same messages to every target");
    // Generic webhook: structured.
    const events = hook.map((r) => r.body.event);
    assert.equal(events.filter((e) => e === "breaker_tripped").length, s.breaker_events);
    assert.equal(events[events.length - 1], "session_summary");
    for (const r of hook) {
      assert.equal(r.body.source, "kinetra");
      assert.equal(r.body.run_id, s.run_id);
    }
    const j = await readJournal(s.journal);
    const trip = hook.find((r) => r.body.event === "breaker_tripped")!;
    assert.equal((trip.body.data as { chs: number }).chs, j.breaker[0].chs);
    const fin = hook[hook.length - 1].body.data as { trades: number; breaker_trips: number };
    assert.equal(fin.trades, s.trades.length);
    assert.equal(fin.breaker_trips, s.breaker_events);
    // No secret in anything printed or written.
    const outputs = [
      printed.join("\n"),
      await Deno.readTextFile(s.journal),
      await Deno.readTextFile(s.summary_path),
    ].join("\n");
    for (const secret of SECRETS) assert.ok(!outputs.includes(secret), `${secret} leaked`);
    assert.ok(printed.some((l) => /notify: slack \(127\.0\.0\.1\), telegram \(127\.0\.0\.1\)/.test(l)));
  } finally {
    await rx.close();
    await Deno.remove(logsDir, { recursive: true });
  }
});

Deno.test("notify: receivers that hang or answer 500 leave the session's trades and statistics unchanged", async () => {
  const rx = receiver();
  const plainDir = await Deno.makeTempDir();
  const logsDir = await Deno.makeTempDir();
  const printed: string[] = [];
  try {
    const plain = await runLive({ mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir: plainDir }, {
      print: () => {},
    });
    const n = await startNotifications({
      urls: [
        `http://127.0.0.1:${rx.port}/hang/SECRETHOOK`,
        `slack+http://127.0.0.1:${rx.port}/fail500/services/T0SECRET/xoxSECRETPATH`,
      ],
      logsDir,
      pollMs: 20,
      attempts: 3,
      backoffMs: 20,
      // The hanging receiver's first message gives up after 3 × 200 ms, well inside the drain time.
      timeoutMs: 200,
      drainMs: 3000,
      fills: true,
      print: (l) => printed.push(l),
    });
    const s = await runLive({ mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir }, {
      print: (l) => printed.push(l),
    });
    const stats = await n!.stop();
    assert.equal(JSON.stringify(s.trades), JSON.stringify(plain.trades));
    assert.equal(JSON.stringify(s.stats), JSON.stringify(plain.stats));
    assert.equal(s.status, plain.status);
    const hang = stats["webhook (127.0.0.1)"], fail = stats["slack (127.0.0.1)"];
    assert.ok(hang.queued > 10, "fills are sent too");
    assert.equal(hang.sent, 0);
    assert.ok(
      hang.failed + hang.dropped === hang.queued,
      "every message to the hanging receiver was given up",
    );
    assert.equal(fail.sent, 0);
    assert.equal(fail.failed + fail.dropped, fail.queued);
    assert.ok(fail.attempts >= 3 && fail.attempts <= 3 * fail.queued, "3 attempts per message at most");
    assert.ok(rx.hits.get("fail500")! >= 3);
    assert.ok(printed.some((l) => /notify: slack \(127\.0\.0\.1\): ".*" not delivered: HTTP 500/.test(l)));
    assert.ok(printed.some((l) => /not delivered: timeout/.test(l)));
    for (const secret of SECRETS) assert.ok(!printed.join("\n").includes(secret), `${secret} leaked`);
  } finally {
    await rx.close();
    await Deno.remove(plainDir, { recursive: true });
    await Deno.remove(logsDir, { recursive: true });
  }
});

Deno.test("notify: retries with backoff after 5xx and 429 (retry_after), no retry after another 4xx", async () => {
  const rx = receiver();
  const log: string[] = [];
  try {
    const flaky = parseNotifyUrl(`http://127.0.0.1:${rx.port}/flaky/x`);
    const slow = parseNotifyUrl(
      `telegram+http://127.0.0.1:${rx.port}/slow429/botTOKEN1/sendMessage?chat_id=5`,
    );
    const n = new Notifier([flaky, slow], { backoffMs: 10, attempts: 4, log: (l) => log.push(l) });
    n.notify({ event: "halt", title: "halted", text: "kill switch" });
    const st = await n.close(10_000);
    assert.equal(st["webhook (127.0.0.1)"].sent, 1);
    assert.equal(st["webhook (127.0.0.1)"].attempts, 3, "two 503s, then delivered");
    assert.equal(st["telegram (127.0.0.1)"].sent, 1);
    assert.equal(st["telegram (127.0.0.1)"].attempts, 2, "one 429, then delivered after retry_after");
    assert.equal(rx.got.length, 2);
    assert.deepEqual(log, []);
    // A 404 is not retried.
    const gone = new Notifier([parseNotifyUrl(`http://127.0.0.1:${rx.port}/gone/x`)], { backoffMs: 10 });
    const missing = new Notifier([parseNotifyUrl(`http://127.0.0.1:${rx.port}/fail500/x`)], {
      backoffMs: 5,
      attempts: 2,
    });
    gone.notify({ event: "x", title: "t", text: "" });
    missing.notify({ event: "x", title: "t", text: "" });
    const g = await gone.close(5_000), m = await missing.close(5_000);
    assert.equal(g["webhook (127.0.0.1)"].attempts, 1, "a 404 is final");
    assert.equal(g["webhook (127.0.0.1)"].failed, 1);
    assert.equal(m["webhook (127.0.0.1)"].attempts, 2);
    assert.equal(m["webhook (127.0.0.1)"].failed, 1);
  } finally {
    await rx.close();
  }
});

Deno.test("notify: rejections, disconnect/reconnect, halt, optional fills and the daily summary become messages", async () => {
  const rx = receiver();
  try {
    const n = new Notifier([parseNotifyUrl(`http://127.0.0.1:${rx.port}/ok/hook`)], { backoffMs: 10 });
    const quiet = new JournalNotifier(n);
    const loud = new JournalNotifier(n, { fills: true });
    const ev = (type: string, f: Record<string, unknown> = {}) => ({
      ts: "2026-01-01T00:00:00Z",
      type,
      ...f,
    });
    for (const jn of [quiet, loud]) {
      jn.event(
        ev("run_start", { run_id: "r1", mode: "demo", symbol: "EURUSD", timeframe: "H1", strategy: "s" }),
      );
      jn.event(ev("session", { event: "bridge_session_up" })); // the first connection is not a reconnect
      jn.event(ev("fill", { what: "entry", side: 1, lots: 0.1, price: 1.1 }));
      jn.event(ev("rejection", { by: "validator", kind: "entry", retcode: 10016, message: "invalid stops" }));
      jn.event(ev("session", { event: "bridge_session_down", reason: "heartbeat" }));
      jn.event(ev("session", { event: "bridge_session_up" }));
      jn.event(ev("fill", { what: "exit", side: "long", reason: "tp", exit_price: 1.2, pnl: 12.5 }));
      jn.event(ev("control", { action: "halt_entries", source: "dashboard", error: null }));
      jn.event(ev("halt", { reason: "kill_switch", message: "halted by the kill switch" }));
      jn.daily("2026-01-01");
    }
    await n.close(5_000);
    const events = rx.got.map((r) => r.body.event);
    const base = ["rejection", "disconnect", "reconnect", "halt_entries", "halt", "daily_summary"];
    assert.deepEqual(events.slice(0, base.length), base);
    assert.deepEqual(events.slice(base.length), ["fill", ...base.slice(0, 3), "fill", ...base.slice(3)]);
    const rej = rx.got[0].body;
    assert.match(String(rej.title), /entry refused by the validator — r1/);
    assert.equal((rej.data as { retcode: number }).retcode, 10016);
    const daily = rx.got[5].body;
    assert.match(String(daily.text), /trades closed today 1, P&L 12\.5/);
    assert.match(String(daily.text), /validator 1/);
  } finally {
    await rx.close();
  }
});

Deno.test("notify: URLs are classified and never echoed; settings live in the 0600 config file", async () => {
  const s = parseNotifyUrl("https://hooks.slack.com/services/T0SECRET/B0/xoxSECRETPATH");
  assert.equal(s.kind, "slack");
  assert.equal(s.label, "slack (hooks.slack.com)");
  const t = parseNotifyUrl("telegram://123456:SECRETTOKEN@987654321");
  assert.equal(t.kind, "telegram");
  assert.equal(t.chatId, "987654321");
  assert.equal(t.url, "https://api.telegram.org/bot123456:SECRETTOKEN/sendMessage");
  const g = parseNotifyUrl("https://example.invalid/hooks/SECRETHOOK?k=v");
  assert.equal(g.kind, "webhook");
  const text = `a ${s.url} b ${t.url} c ${g.url} d 987654321`;
  const clean = redact(text, [s, t, g]);
  for (const secret of SECRETS) assert.ok(!clean.includes(secret), `${secret} not redacted: ${clean}`);
  for (
    const bad of [
      "ftp://x/SECRETHOOK",
      "not a url SECRETHOOK",
      "https://u:SECRETHOOK@h/x",
      "https://api.telegram.org/botX/sendMessage",
    ]
  ) {
    assert.throws(
      () => parseNotifyUrl(bad),
      (e: Error) => !e.message.includes("SECRETHOOK") && /--notify/.test(e.message),
    );
  }
  const fromEnv = parseNotifyUrls(
    ["env:KINETRA_TEST_HOOK"],
    (n) => n === "KINETRA_TEST_HOOK" ? g.url : undefined,
  );
  assert.equal(fromEnv[0].url, g.url);
  assert.throws(() => parseNotifyUrls(["env:NOPE_NOT_SET"], () => undefined), /NOPE_NOT_SET is not set/);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/config.json`;
    await Deno.writeTextFile(path, JSON.stringify({ bridge: { secret: "keepme-123" } }), { mode: 0o600 });
    await saveNotifyConfig({ urls: ["https://hooks.slack.com/services/a/b/c"], fills: true }, path);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const back = JSON.parse(await Deno.readTextFile(path));
    assert.equal(back.bridge.secret, "keepme-123", "other keys are kept");
    assert.deepEqual(await loadNotifyConfig(path), {
      urls: ["https://hooks.slack.com/services/a/b/c"],
      fills: true,
    });
    await Deno.chmod(path, 0o644);
    await assert.rejects(() => loadNotifyConfig(path), /chmod 600/);
    assert.deepEqual(await loadNotifyConfig(`${dir}/absent.json`), { urls: [], fills: false });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
