/**
 * Networking permission gate: every listen or connect in Kinetra goes through
 * {@link requireNet}, which asks `Deno.permissions.query` first (it never prompts) and, when the
 * permission is missing, fails with a message naming the exact `--allow-net` flag to add.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";

/**
 * Throw `net_permission` (exit code 3) unless the process may use `hostname:port`. The message
 * names the flag, e.g. `--allow-net=127.0.0.1:18812`.
 */
export async function requireNet(hostname: string, port: number, purpose: string): Promise<void> {
  const host = `${hostname}:${port}`;
  const st = await Deno.permissions.query({ name: "net", host });
  if (st.state === "granted") return;
  throw new KinetraError(
    "net_permission",
    `network access to ${host} is not permitted (needed to ${purpose}; permission state: ${st.state}). ` +
      `Run with --allow-net=${host} (and --no-prompt), e.g. edit the deno.json task or use ` +
      `deno run --no-prompt --allow-net=${host} ...`,
    { exitCode: 3, details: { flag: `--allow-net=${host}` } },
  );
}
