/**
 * Progress reporting for long data tasks: a redrawn bar on a terminal, plain lines otherwise
 * (logs, pipes, CI). Written to stderr so stdout stays clean for `--json`.
 *
 * @module
 */

/** A progress reporter: call with the number done, the total and a short label. */
export type Progress = (done: number, total: number, label: string) => void;

/**
 * Make a progress reporter. `terminal` defaults to whether stderr is a terminal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeProgress } from "./progress.ts";
 * const lines: string[] = [];
 * const p = makeProgress({ terminal: false, write: (s) => lines.push(s) });
 * p(1, 2, "prepared a.csv");
 * assert.ok(lines[0] === "[1/2] prepared a.csv\n");
 * ```
 */
export function makeProgress(
  opts: { terminal?: boolean; write?: (s: string) => void; width?: number } = {},
): Progress {
  const terminal = opts.terminal ?? safeIsTerminal();
  const enc = new TextEncoder();
  const write = opts.write ?? ((s: string) => Deno.stderr.writeSync(enc.encode(s)));
  const width = opts.width ?? 30;
  return (done, total, label) => {
    if (!terminal) {
      write(`[${done}/${total}] ${label}\n`);
      return;
    }
    const frac = total > 0 ? done / total : 1;
    const filled = Math.round(frac * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const text = label.length > 50 ? "…" + label.slice(-49) : label;
    write(`\r\x1b[2K${bar} ${String(Math.round(frac * 100)).padStart(3)}% ${done}/${total} ${text}`);
    if (done >= total) write("\n");
  };
}

function safeIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}
