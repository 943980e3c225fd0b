/**
 * `deno task dashboard [--listen HOST:PORT] [--logs-dir DIR] [--no-controls]`: serve every session
 * under logs/live (running and past) on a local page. Prints `dashboard: http://HOST:PORT/?token=TOKEN`
 * on a line of its own; stops on Ctrl-C / SIGTERM. See docs/DASHBOARD.md.
 */
import { parseArgs } from "node:util";
import { runTask } from "../lib/util/cli.ts";
import { KinetraError } from "../lib/errors.ts";
import { DEFAULT_DASHBOARD_LISTEN, startDashboard } from "../lib/dashboard/mod.ts";
import { killSwitch } from "../lib/live/cli_io.ts";

const USAGE = `usage: deno task dashboard [--listen HOST:PORT] [--logs-dir DIR] [--no-controls]
  --listen HOST:PORT  where to listen (default ${DEFAULT_DASHBOARD_LISTEN}; port 0 = any free port)
  --logs-dir DIR      the folder of session folders (default logs/live)
  --no-controls       a read-only page (no "halt new entries" / "close all and stop")`;

async function main(): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: Deno.args,
      options: {
        listen: { type: "string" },
        "logs-dir": { type: "string" },
        "no-controls": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new KinetraError("bad_option", `${(e as Error).message}\n${USAGE}`);
  }
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const logsDir = v["logs-dir"] ?? "logs/live";
  const d = await startDashboard({
    logsDir,
    listen: v.listen ?? DEFAULT_DASHBOARD_LISTEN,
    controls: !v["no-controls"],
    onControl: (run, action) => console.error(`control: ${action} requested for ${run}`),
  });
  console.log(`dashboard: ${d.url}`);
  console.error(`serving the sessions under ${logsDir} on ${d.hostname}:${d.port}; Ctrl-C stops`);
  const kill = killSwitch();
  await new Promise<void>((r) => kill.signal.addEventListener("abort", () => r(), { once: true }));
  kill.dispose();
  await d.close();
  console.error("dashboard stopped");
  return 0;
}

if (import.meta.main) runTask(main);
