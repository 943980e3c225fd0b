/**
 * The stop signals every long task honours alike: Ctrl-C (SIGINT), the menu's or a supervisor's
 * SIGTERM, and a closed terminal (SIGHUP). A task that receives one stops and saves what finished.
 *
 * @example
 * ```ts
 * import { onStopSignal } from "./signals.ts";
 * const ac = new AbortController();
 * const dispose = onStopSignal(() => ac.abort());
 * // ... long work honouring ac.signal ...
 * dispose();
 * ```
 *
 * @module
 */

/** The signals that ask a long task to stop and save what finished. */
export const STOP_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Call `handler` with the signal's name whenever one of {@link STOP_SIGNALS} arrives. Signals the
 * platform does not support are skipped. Returns a function that removes the listeners.
 */
export function onStopSignal(handler: (signal: Deno.Signal) => void): () => void {
  const added: [Deno.Signal, () => void][] = [];
  for (const sig of STOP_SIGNALS) {
    const h = (): void => handler(sig);
    try {
      Deno.addSignalListener(sig, h);
      added.push([sig, h]);
    } catch { /* not supported on this platform */ }
  }
  return () => {
    for (const [sig, h] of added) {
      try {
        Deno.removeSignalListener(sig, h);
      } catch { /* already removed */ }
    }
  };
}
