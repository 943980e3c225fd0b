// The dashboard server: the token on every endpoint (401 without it or with a wrong one), the
// security headers, the event stream fed from the journal (replay and resume), the session list,
// and the controls' typed confirmation down to the runner's control file and a real halt.
import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync } from "node:fs";
import {
  type Dashboard,
  DASHBOARD_CSP,
  listSessions,
  parseListen,
  startDashboard,
} from "../../lib/dashboard/mod.ts";
import { readJournal, runLive } from "../../lib/live/mod.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
const quiet = { print: () => {} };

async function withDashboard(logsDir: string, fn: (d: Dashboard) => Promise<void>, since?: number) {
  const d = await startDashboard({ logsDir, listen: "127.0.0.1:0", pollMs: 50, since });
  try {
    await fn(d);
  } finally {
    await d.close();
  }
}

/** A session folder that looks running: a run_start and nothing else yet. */
async function fakeRunning(logsDir: string, runId: string): Promise<string> {
  const dir = join(logsDir, runId);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    join(dir, "journal.jsonl"),
    JSON.stringify({ ts: new Date().toISOString(), type: "run_start", run_id: runId, mode: "virtual" }) +
      "\n",
  );
  return dir;
}

/** Read an SSE body until `end` (or `max` events), as [{event, id, data}]. */
async function readSse(
  res: Response,
  max = Infinity,
): Promise<{ event: string; id: string; data: string }[]> {
  const out: { event: string; id: string; data: string }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  try {
    while (out.length < max) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let k;
      while ((k = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, k);
        buf = buf.slice(k + 2);
        const f: Record<string, string> = { event: "message", id: "", data: "" };
        for (const line of block.split("\n")) {
          const m = /^(event|id|data): ?(.*)$/.exec(line);
          // Several data lines make one data value, joined with "\n" (as EventSource does).
          if (m) f[m[1]] = m[1] === "data" && f.data ? `${f.data}\n${m[2]}` : m[2];
        }
        if (block.startsWith(":") || (!f.data && f.event === "message")) continue;
        out.push({ event: f.event, id: f.id, data: f.data });
        if (f.event === "end") return out;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return out;
}

Deno.test("dashboard: every endpoint answers 401 without the token, with a wrong one, and with a wrong bearer", async () => {
  const logsDir = await Deno.makeTempDir();
  try {
    await fakeRunning(logsDir, "run-a");
    await withDashboard(logsDir, async (d) => {
      assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
      const base = `http://127.0.0.1:${d.port}`;
      const paths = [
        "/",
        "/index.html",
        "/events?run=run-a",
        "/api/sessions",
        "/static/app.js",
        "/static/app.css",
        "/static/plotly.min.js",
        "/favicon.ico",
        "/no/such/path",
      ];
      const wrong = d.token.slice(0, -1) + (d.token.endsWith("A") ? "B" : "A");
      for (const p of paths) {
        const sep = p.includes("?") ? "&" : "?";
        for (
          const [url, headers] of [
            [base + p, {}],
            [`${base}${p}${sep}token=${wrong}`, {}],
            [`${base}${p}${sep}token=`, {}],
            [base + p, { authorization: `Bearer ${wrong}` }],
          ] as [string, Record<string, string>][]
        ) {
          const r = await fetch(url, { headers });
          await r.body?.cancel();
          assert.equal(r.status, 401, `${url} ${JSON.stringify(headers)}`);
          assert.equal(r.headers.get("content-security-policy"), DASHBOARD_CSP);
        }
      }
      for (const method of ["POST", "GET"]) {
        const r = await fetch(`${base}/api/control?token=${wrong}`, {
          method,
          headers: { "content-type": "application/json" },
          body: method === "POST"
            ? JSON.stringify({ run: "run-a", action: "halt_entries", confirm: "HALT" })
            : undefined,
        });
        await r.body?.cancel();
        assert.equal(r.status, 401);
      }
      assert.equal(existsSync(join(logsDir, "run-a", "CONTROL")), false, "no control request got through");
      // With the token (query or bearer) the same endpoints answer.
      const ok = await fetch(`${base}/api/sessions?token=${d.token}`);
      assert.equal(ok.status, 200);
      assert.deepEqual((await ok.json()).map((s: { run_id: string }) => s.run_id), ["run-a"]);
      const page = await fetch(`${base}/`, { headers: { authorization: `Bearer ${d.token}` } });
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.ok(!/<script>[^<]/.test(html), "no inline script");
      assert.ok(!/src="https?:/.test(html) && !/href="https?:/.test(html), "nothing from another host");
      const csp = page.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.equal(page.headers.get("referrer-policy"), "no-referrer");
      const js = await fetch(`${base}/static/plotly.min.js?token=${d.token}`);
      assert.equal(js.status, 200);
      assert.ok((await js.text()).length > 1_000_000, "plotly.js is served locally");
      const unknown = await fetch(`${base}/no/such/path?token=${d.token}`);
      await unknown.body?.cancel();
      assert.equal(unknown.status, 404);
    });
  } finally {
    await Deno.remove(logsDir, { recursive: true });
  }
});

Deno.test("dashboard: controls need the token, JSON and the typed confirmation; ended sessions refuse", async () => {
  const logsDir = await Deno.makeTempDir();
  try {
    const dir = await fakeRunning(logsDir, "run-b");
    await withDashboard(logsDir, async (d) => {
      const post = async (body: unknown, type = "application/json") => {
        const r = await fetch(`http://127.0.0.1:${d.port}/api/control?token=${d.token}`, {
          method: "POST",
          headers: { "content-type": type },
          body: typeof body === "string" ? body : JSON.stringify(body),
        });
        return { status: r.status, body: await r.json() };
      };
      const get = await fetch(`http://127.0.0.1:${d.port}/api/control?token=${d.token}`);
      await get.body?.cancel();
      assert.equal(get.status, 405);
      assert.equal((await post("run=run-b&action=halt_entries&confirm=HALT", "text/plain")).status, 415);
      assert.equal((await post({ run: "run-b", action: "halt_entries" })).status, 400);
      const wrong = await post({ run: "run-b", action: "halt_entries", confirm: "halt" });
      assert.equal(wrong.status, 400);
      assert.match(wrong.body.error, /type HALT/);
      assert.equal((await post({ run: "run-b", action: "close_all_stop", confirm: "HALT" })).status, 400);
      assert.equal((await post({ run: "run-b", action: "sell", confirm: "HALT" })).status, 400);
      assert.equal((await post({ run: "../run-b", action: "halt_entries", confirm: "HALT" })).status, 404);
      assert.equal(existsSync(join(dir, "CONTROL")), false, "nothing reached the runner so far");
      const ok = await post({ run: "run-b", action: "close_all_stop", confirm: "CLOSE ALL" });
      assert.equal(ok.status, 202);
      const req = JSON.parse(await Deno.readTextFile(join(dir, "CONTROL")));
      assert.equal(req.action, "close_all_stop");
      assert.equal(req.source, "dashboard");
      // Once the session ended, controls are refused.
      await Deno.writeTextFile(
        join(dir, "journal.jsonl"),
        JSON.stringify({ ts: new Date().toISOString(), type: "run_end", status: "completed" }) + "\n",
        { append: true },
      );
      assert.equal((await post({ run: "run-b", action: "halt_entries", confirm: "HALT" })).status, 409);
    });
  } finally {
    await Deno.remove(logsDir, { recursive: true });
  }
});

Deno.test("dashboard: close all and stop from the dashboard halts a running virtual session", async () => {
  const logsDir = await Deno.makeTempDir();
  try {
    const since = Date.now();
    await withDashboard(logsDir, async (d) => {
      // ~20 s of bars at 150 bars/s: the request arrives long before the data ends.
      const run = runLive(
        { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir, runId: "stop-me", speed: 150 },
        quiet,
      );
      let status = 0;
      for (let k = 0; k < 100 && status !== 202; k++) {
        await new Promise((r) => setTimeout(r, 100));
        const r = await fetch(`http://127.0.0.1:${d.port}/api/control?token=${d.token}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ run: "stop-me", action: "close_all_stop", confirm: "CLOSE ALL" }),
        });
        status = r.status;
        await r.body?.cancel();
      }
      assert.equal(status, 202);
      const s = await run;
      assert.equal(s.halt_reason, "control_stop");
      assert.ok(s.bars_processed < 3000);
      const j = await readJournal(s.journal);
      const c = j.events.find((e) => e.type === "control");
      assert.equal(c?.action, "close_all_stop");
      assert.equal(c?.source, "dashboard");
    }, since);
  } finally {
    await Deno.remove(logsDir, { recursive: true });
  }
});

Deno.test("dashboard: the event stream replays a past session's journal line by line, then its summary", async () => {
  const logsDir = await Deno.makeTempDir();
  try {
    const s = await runLive(
      { mode: "virtual", strategy: "sma_cross", data: GBPUSD, logsDir, runId: "past" },
      quiet,
    );
    const lines = (await Deno.readTextFile(s.journal)).split("\n").filter((l) => l.trim());
    await withDashboard(logsDir, async (d) => {
      const r = await fetch(`http://127.0.0.1:${d.port}/events?run=past&token=${d.token}`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type") ?? "", /^text\/event-stream/);
      const ev = await readSse(r);
      assert.equal(ev[0].event, "hello");
      const hello = JSON.parse(ev[0].data);
      assert.deepEqual(
        hello.targets.map((t: { name: string }) => t.name),
        s.readiness.checks.map((c) => c.name),
      );
      const js = ev.filter((e) => e.event === "j");
      assert.deepEqual(js.flatMap((e) => e.data.split("\n")), lines, "exactly the journal's lines, in order");
      assert.equal(
        Number(js[js.length - 1].id),
        (await Deno.stat(s.journal)).size,
        "the id is a byte offset",
      );
      assert.deepEqual(
        JSON.parse(ev[ev.length - 2].data),
        JSON.parse(await Deno.readTextFile(s.summary_path)),
      );
      assert.equal(ev[ev.length - 1].event, "end");
      // Resume after the 100th line with Last-Event-ID (a byte offset).
      const after100 = lines.slice(0, 100).reduce((a, l) => a + new TextEncoder().encode(l).length + 1, 0);
      const again = await fetch(`http://127.0.0.1:${d.port}/events?run=past&token=${d.token}`, {
        headers: { "last-event-id": String(after100) },
      });
      const rest = (await readSse(again)).filter((e) => e.event === "j").flatMap((e) => e.data.split("\n"));
      assert.deepEqual(rest, lines.slice(100));
      const missing = await fetch(`http://127.0.0.1:${d.port}/events?run=nope&token=${d.token}`);
      await missing.body?.cancel();
      assert.equal(missing.status, 404);
    });
    const list = await listSessions(logsDir);
    assert.equal(list[0].status, "completed");
    assert.equal(list[0].strategy, "sma_cross");
  } finally {
    await Deno.remove(logsDir, { recursive: true });
  }
});

Deno.test("dashboard: addresses are checked", () => {
  assert.deepEqual(parseListen("127.0.0.1:8787"), { hostname: "127.0.0.1", port: 8787 });
  assert.deepEqual(parseListen("[::1]:0"), { hostname: "::1", port: 0 });
  for (const bad of ["8787", "127.0.0.1", "127.0.0.1:99999", ":80", "host:port"]) {
    assert.throws(() => parseListen(bad), /HOST:PORT/);
  }
});
