/**
 * Terminal I/O for the live tasks: typed confirmations read from stdin (a terminal or a pipe, so
 * automation can answer too), and a kill switch wired to SIGINT/SIGTERM/SIGHUP.
 *
 * @module
 */
import { STOP_SIGNALS } from "../util/signals.ts";

/** Read one line from stdin; null at end of input. */
export async function readStdinLine(): Promise<string | null> {
  const buf = new Uint8Array(1);
  const bytes: number[] = [];
  while (true) {
    const n = await Deno.stdin.read(buf);
    if (n === null) return bytes.length ? new TextDecoder().decode(new Uint8Array(bytes)) : null;
    if (buf[0] === 10) break;
    if (buf[0] !== 13) bytes.push(buf[0]);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Ask on stderr, answer from stdin. */
export async function confirmOnTerminal(prompt: string): Promise<string | null> {
  await Deno.stderr.write(new TextEncoder().encode(prompt));
  return await readStdinLine();
}

/** An AbortController aborted by SIGINT, SIGTERM or SIGHUP; `dispose` removes the listeners. */
export function killSwitch(onKill?: (signal: string) => void): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const handlers: [Deno.Signal, () => void][] = [];
  for (const sig of STOP_SIGNALS) {
    const h = () => {
      onKill?.(sig);
      ac.abort();
    };
    try {
      Deno.addSignalListener(sig, h);
      handlers.push([sig, h]);
    } catch { /* signal not supported on this platform */ }
  }
  return {
    signal: ac.signal,
    dispose() {
      for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
    },
  };
}
