/**
 * `deno task bench:notify [--rounds N] [--data FILE] [--fills] [--json]`: does watching a session change its
 * trades or slow it down? Conditions: no watcher; notifications to a receiver that answers 200, to
 * one that hangs, to one that answers 500; a dashboard whose event stream another process (curl)
 * reads (the receivers and curl run in other processes). Runs the same virtual session (sma_cross,
 * breaker off; with --fills a message for every fill, the worst case) as fast as
 * possible, alternating the conditions round by round on one machine, and reports the median wall
 * time and CPU time of the session itself and the time spent afterwards giving up on undelivered
 * messages. Figures go to docs/PERFORMANCE.md by hand, with the machine's load.
 */
import { join } from "node:path";
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { numberOptionOr, runTask } from "../lib/util/cli.ts";
import { realDataDir } from "../lib/util/paths.ts";
import { runLive } from "../lib/live/mod.ts";
import { startNotifications } from "../lib/notify/mod.ts";
import { startDashboard } from "../lib/dashboard/mod.ts";

const SAMPLE_DATA = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

/** GBPUSD M15 of the real data set (about 48,000 bars) when there, else the sample's H4 file. */
function defaultData(): string {
  const real = join(realDataDir().dir, "forex");
  try {
    const f = [...Deno.readDirSync(real)].map((e) => e.name).find((n) => /^GBPUSD\+?_M15_.*\.csv$/.test(n));
    if (f) return join(real, f);
  } catch { /* no real data */ }
  return SAMPLE_DATA;
}

type Condition = "plain" | "notify_ok" | "notify_hang" | "notify_500" | "dashboard_sse";
const CONDITIONS: Condition[] = ["plain", "notify_ok", "notify_hang", "notify_500", "dashboard_sse"];

/** /ok answers 200, /hang never answers, anything else 500; prints its port. */
const RECEIVER = `
const s = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: (a) => console.log(a.port) }, async (req) => {
  await req.body?.cancel();
  const p = new URL(req.url).pathname;
  if (p.startsWith("/hang")) await new Promise(() => {});
  return p.startsWith("/ok") ? new Response("ok") : new Response("boom", { status: 500 });
});`;

async function readPort(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/\n/.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  return Number(text.trim());
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function perCondition(): Record<Condition, number[]> {
  return { plain: [], notify_ok: [], notify_hang: [], notify_500: [], dashboard_sse: [] };
}

async function main(): Promise<number> {
  const v = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string" },
      data: { type: "string" },
      json: { type: "boolean" },
      fills: { type: "boolean" },
    },
  }).values;
  const rounds = numberOptionOr("rounds", v.rounds, 7, { integer: true, min: 1 });
  const data = v.data ?? defaultData();
  // The receivers run in another process, so their work is not counted as the session's.
  const rx = new Deno.Command(Deno.execPath(), {
    args: ["eval", RECEIVER],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const port = await readPort(rx.stdout);
  const base = `http://127.0.0.1:${port}`;
  const times = perCondition(), cpus = perCondition(), drains = perCondition();
  let reference: string | null = null;
  let same = true;
  let messages = 0;
  const root = await Deno.makeTempDir({ prefix: "kinetra-bench-notify-" });
  try {
    // One warm-up session (JIT, file cache), not counted.
    await runLive(
      { mode: "virtual", strategy: "sma_cross", data, logsDir: `${root}/warm`, chsThreshold: 0 },
      {
        print: () => {},
      },
    );
    for (let r = 0; r < rounds; r++) {
      // Rotate the order so no condition always runs first or last in a round.
      const order = CONDITIONS.map((_, k) => CONDITIONS[(k + r) % CONDITIONS.length]);
      for (const c of order) {
        const logsDir = `${root}/${r}-${c}`;
        const since = Date.now() - 1000;
        const n = c.startsWith("notify_")
          ? await startNotifications({
            urls: [`${base}/${c === "notify_ok" ? "ok" : c === "notify_hang" ? "hang" : "fail"}/x`],
            fills: v.fills === true,
            logsDir,
            since,
            drainMs: 2000,
            timeoutMs: 10_000,
          })
          : null;
        const d = c === "dashboard_sse"
          ? await startDashboard({ logsDir, listen: "127.0.0.1:0", since })
          : null;
        let reader: Deno.ChildProcess | null = null;
        if (d) {
          // A page's event stream, read by another process (curl) as a browser would read it; it
          // retries until the session's folder exists and ends with the stream's `end`.
          reader = new Deno.Command("curl", {
            args: [
              "-sfN",
              "--retry",
              "100",
              "--retry-all-errors",
              "--retry-delay",
              "0",
              "-o",
              "/dev/null",
              `http://127.0.0.1:${d.port}/events?run=bench&token=${d.token}`,
            ],
            stdout: "null",
            stderr: "null",
          }).spawn();
        }
        const t0 = performance.now();
        const cpu0 = cpuUsage();
        const s = await runLive(
          { mode: "virtual", strategy: "sma_cross", data, logsDir, runId: "bench", chsThreshold: 0 },
          { print: () => {} },
        );
        const cpu = cpuUsage(cpu0);
        times[c].push(performance.now() - t0);
        cpus[c].push((cpu.user + cpu.system) / 1000);
        const t1 = performance.now();
        if (n) messages = Object.values(await n.stop())[0].queued;
        if (reader) await reader.status;
        await d?.close();
        drains[c].push(performance.now() - t1);
        const key = JSON.stringify(s.trades) + JSON.stringify(s.stats);
        reference ??= key;
        if (key !== reference) same = false;
      }
    }
  } finally {
    rx.kill("SIGTERM");
    await rx.status;
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
  const plain = median(times.plain), plainCpu = median(cpus.plain);
  const rows = CONDITIONS.map((c) => ({
    condition: c,
    median_ms: +median(times[c]).toFixed(1),
    vs_plain_pct: +((median(times[c]) / plain - 1) * 100).toFixed(1),
    min_ms: +Math.min(...times[c]).toFixed(1),
    max_ms: +Math.max(...times[c]).toFixed(1),
    cpu_ms: +median(cpus[c]).toFixed(1),
    cpu_vs_plain_pct: +((median(cpus[c]) / plainCpu - 1) * 100).toFixed(1),
    after_session_ms: +median(drains[c]).toFixed(0),
  }));
  let load = "n/a";
  try {
    load = Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
  } catch { /* not on this platform */ }
  const out = { data, rounds, messages_per_session: messages, trades_identical: same, load_avg: load, rows };
  if (v.json) console.log(JSON.stringify(out, null, 2));
  else {
    console.log(`bench:notify  ${data}, ${rounds} rounds, load average ${load}`);
    console.log(
      `messages per notified session: ${messages}${v.fills ? " (every fill, plus the summary)" : ""}`,
    );
    console.log(`trades and statistics identical in every condition: ${same ? "yes" : "NO"}`);
    const pct = (x: number) => `${x >= 0 ? "+" : ""}${x} %`;
    console.log(
      "condition      wall median  vs plain      min      max   CPU median  vs plain  after session",
    );
    for (const r of rows) {
      console.log(
        [
          r.condition.padEnd(14),
          `${r.median_ms} ms`.padStart(11),
          pct(r.vs_plain_pct).padStart(9),
          String(r.min_ms).padStart(8),
          String(r.max_ms).padStart(8),
          `${r.cpu_ms} ms`.padStart(12),
          pct(r.cpu_vs_plain_pct).padStart(9),
          `${r.after_session_ms} ms`.padStart(14),
        ].join(" "),
      );
    }
  }
  return same ? 0 : 1;
}

if (import.meta.main) runTask(main);
