// The tasks as a user runs them (deno run with the tasks' flags): `deno task dashboard` prints its
// address on stdout and stops on SIGTERM; `deno task live ... --dashboard` prints it on stderr and
// serves the running session; bad addresses exit 2, a refused permission 3, never a stack trace.
import assert from "node:assert/strict";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";
const BASE = ["run", "--no-prompt", "--allow-read", "--allow-write", "--allow-env", "--allow-sys"];
const ADDRESS = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,})$/;

function env(): Record<string, string> {
  const e = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (e as Record<string, string>).RUST_BACKTRACE;
  return e;
}

/** Lines of a child's stream, one at a time. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let k;
    while ((k = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, k);
      buf = buf.slice(k + 1);
    }
  }
  if (buf) yield buf;
}

Deno.test("deno task dashboard prints dashboard: URL on its own line, serves with the token, stops on SIGTERM", async () => {
  const logs = await Deno.makeTempDir();
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        ...BASE,
        "--allow-net=127.0.0.1",
        "tasks/dashboard.ts",
        "--listen",
        "127.0.0.1:0",
        "--logs-dir",
        logs,
      ],
      stdout: "piped",
      stderr: "piped",
      env: env(),
    }).spawn();
    const stderr = new Response(child.stderr).text();
    let url = "";
    const out = lines(child.stdout);
    // next() rather than for-await: leaving a for-await loop would close the stream.
    for (let r = await out.next(); !r.done; r = await out.next()) {
      const m = ADDRESS.exec(r.value);
      if (m) {
        url = m[1];
        break;
      }
    }
    assert.ok(url, "the address line");
    const ok = await fetch(url);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const u = new URL(url);
    const no = await fetch(`${u.origin}/api/sessions`);
    await no.body?.cancel();
    assert.equal(no.status, 401);
    child.kill("SIGTERM");
    for (let r = await out.next(); !r.done; r = await out.next()) { /* drain */ }
    const st = await child.status;
    assert.equal(st.code, 0, await stderr);
    assert.ok(
      !(await stderr).includes(u.searchParams.get("token")!),
      "the token is printed once, on stdout only",
    );
  } finally {
    await Deno.remove(logs, { recursive: true });
  }
});

Deno.test("deno task live --dashboard serves the running session; Ctrl-C (SIGTERM) halts it cleanly", async () => {
  const logs = await Deno.makeTempDir();
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        ...BASE,
        "--allow-ffi",
        "--allow-net=127.0.0.1",
        "tasks/live.ts",
        "--mode",
        "virtual",
        "--strategy",
        "sma_cross",
        "--data",
        GBPUSD,
        "--logs-dir",
        logs,
        "--speed",
        "100",
        "--dashboard",
      ],
      stdout: "piped",
      stderr: "piped",
      env: env(),
    }).spawn();
    const stdout = new Response(child.stdout).text();
    let url = "";
    const err = lines(child.stderr);
    const seen: string[] = [];
    for (let r = await err.next(); !r.done; r = await err.next()) {
      seen.push(r.value);
      const m = ADDRESS.exec(r.value);
      if (m) {
        url = m[1];
        break;
      }
    }
    assert.ok(url, `the address line on stderr:\n${seen.join("\n")}`);
    const u = new URL(url);
    let sessions: { run_id: string; status: string }[] = [];
    for (let k = 0; k < 100 && !sessions.length; k++) {
      const r = await fetch(`${u.origin}/api/sessions?token=${u.searchParams.get("token")}`);
      sessions = await r.json();
      if (!sessions.length) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(sessions.length, 1, "only the session this task runs");
    assert.equal(sessions[0].status, "running");
    const ev = await fetch(`${u.origin}/events?run=${sessions[0].run_id}`);
    await ev.body?.cancel();
    assert.equal(ev.status, 401);
    child.kill("SIGTERM");
    const rest: string[] = [];
    for (let r = await err.next(); !r.done; r = await err.next()) rest.push(r.value);
    const st = await child.status;
    assert.equal(st.code, 0, rest.join("\n"));
    assert.ok(rest.some((l) => /halted: halted by the kill switch/.test(l)), rest.join("\n"));
    assert.ok(rest.some((l) => /dashboard closed/.test(l)));
    assert.equal((await stdout).trim(), "", "stdout stays free for --json");
  } finally {
    await Deno.remove(logs, { recursive: true });
  }
});

Deno.test("dashboard address errors: bad HOST:PORT exits 2, an address the task may not use exits 3", async () => {
  const run = async (listen: string) => {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [...BASE, "--allow-net=127.0.0.1", "tasks/dashboard.ts", "--listen", listen],
      stdout: "piped",
      stderr: "piped",
      env: env(),
    }).output();
    return { code: r.code, err: new TextDecoder().decode(r.stderr) };
  };
  const bad = await run("nonsense");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /must look like HOST:PORT/);
  const refused = await run("0.0.0.0:0");
  assert.equal(refused.code, 3);
  assert.match(refused.err, /--allow-net=0\.0\.0\.0/);
  for (const e of [bad.err, refused.err]) assert.ok(!/\bat .*\.ts:\d+/.test(e), "no stack trace");
});
