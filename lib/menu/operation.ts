/**
 * Long operations: progress on the screen, Ctrl-C (SIGINT) cancels and returns to the menu, child
 * processes are stopped when cancelled, and the outcome is always reported.
 *
 * @module
 */
import { OperationCancelled } from "./control.ts";
import type { Prompter } from "./prompter.ts";

/** What a running operation can use. */
export interface OperationHandle {
  /** Aborted when the user pressed Ctrl-C. */
  readonly signal: AbortSignal;
  /** Report progress (`done` of `total` steps, with an optional note such as a file name). */
  progress(done: number, total: number, note?: string): void;
  /** Throw OperationCancelled when the user pressed Ctrl-C (call between steps). */
  checkCancelled(): void;
  /** Print a line of the operation's output. */
  log(line: string): void;
  /**
   * Run a child process (e.g. `deno task fix`), streaming its output indented; it is terminated
   * when the operation is cancelled. Returns its exit code and the last lines of its output.
   */
  runChild(command: string, args: readonly string[], env?: Record<string, string>): Promise<ChildOutcome>;
}

/** How a child process ended. */
export interface ChildOutcome {
  /** Exit code of the child. */
  code: number;
  /** The last 40 lines of stdout and stderr, interleaved as they came. */
  tail: string[];
}

/** A progress line: a bar on a terminal, plain throttled lines otherwise. */
export function progressText(done: number, total: number, label: string, note?: string): string {
  const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
  const width = 24;
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `  [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${pct}% ${label}${
    note ? ` (${note})` : ""
  }`;
}

let running = 0;

/** True while an operation runs (its own Ctrl-C handler is active). */
export function operationRunning(): boolean {
  return running > 0;
}

/** Wait for the next macrotask so a pending SIGINT can be delivered between steps. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Options of {@link runOperation}. */
export interface OperationOptions {
  /**
   * The operation honours its signal and ends cleanly by itself (e.g. the live runner, whose kill
   * switch it is): the first Ctrl-C aborts the signal and its result is still shown; a second
   * Ctrl-C abandons it. Default false: the first Ctrl-C returns to the menu at once.
   */
  cooperative?: boolean;
}

/**
 * Run `fn` as a cancellable operation. Ctrl-C while it runs aborts its signal, stops its child
 * processes and makes this throw OperationCancelled (at once, or once a cooperative operation
 * has wound down); the menu then returns to its screen instead of exiting.
 */
export async function runOperation<T>(
  ask: Prompter,
  label: string,
  fn: (op: OperationHandle) => Promise<T>,
  options: OperationOptions = {},
): Promise<T> {
  const controller = new AbortController();
  let abandon: (e: Error) => void = () => {};
  const abandoned = new Promise<never>((_, reject) => {
    abandon = reject;
  });
  abandoned.catch(() => {});
  let sigints = 0;
  const onSigint = () => {
    sigints++;
    if (sigints === 1) {
      ask.say(
        options.cooperative
          ? "\n  Ctrl-C: stopping cleanly (Ctrl-C again to abandon)..."
          : "\n  Ctrl-C: cancelling...",
      );
      controller.abort();
    }
    if (!options.cooperative || sigints >= 2) abandon(new OperationCancelled());
  };
  let listening = false;
  running++;
  try {
    Deno.addSignalListener("SIGINT", onSigint);
    listening = true;
  } catch {
    // Signals are not available on this platform: the operation is simply not cancellable.
  }
  const tty = ask.isTerminal;
  let lastShown = -1;
  let lastLine = "";
  const handle: OperationHandle = {
    signal: controller.signal,
    progress(done, total, note) {
      const text = progressText(done, total, label, note);
      if (tty) {
        ask.sayInline(`\r${text.padEnd(lastLine.length)}`);
        lastLine = text;
        if (done >= total) {
          ask.say("");
          lastLine = "";
        }
        return;
      }
      // Piped: one line per 10 % step (every step for short runs), always the last.
      const step = total <= 20 ? done : Math.floor((done / Math.max(1, total)) * 10);
      if (step !== lastShown || done >= total) {
        lastShown = step;
        ask.say(text);
      }
    },
    checkCancelled() {
      if (controller.signal.aborted) throw new OperationCancelled();
    },
    log(line) {
      if (tty && lastLine) {
        ask.say("");
        lastLine = "";
      }
      ask.say(line);
    },
    runChild: (command, args, env) => runChild(ask, controller.signal, command, args, env),
  };
  ask.trace({ kind: "op_start", label });
  ask.say(`  ${label}... (Ctrl-C cancels)`);
  let outcome: "ok" | "failed" | "cancelled" = "ok";
  try {
    const work = fn(handle);
    // If the menu moves on (Ctrl-C), a late failure of the abandoned work must not crash it.
    work.catch(() => {});
    const value = await Promise.race([work, abandoned]);
    if (controller.signal.aborted && !options.cooperative) throw new OperationCancelled();
    if (controller.signal.aborted) outcome = "cancelled";
    return value;
  } catch (e) {
    outcome = e instanceof OperationCancelled || controller.signal.aborted ? "cancelled" : "failed";
    if (controller.signal.aborted && !(e instanceof OperationCancelled)) throw new OperationCancelled();
    throw e;
  } finally {
    // A failure's message must start on its own line, not on the progress bar's.
    if (tty && lastLine) ask.say("");
    running--;
    if (listening) Deno.removeSignalListener("SIGINT", onSigint);
    ask.trace({ kind: "op_end", label, outcome });
  }
}

async function runChild(
  ask: Prompter,
  signal: AbortSignal,
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<ChildOutcome> {
  if (signal.aborted) throw new OperationCancelled();
  const child = new Deno.Command(command, {
    args: [...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const readers: ReadableStreamDefaultReader<string>[] = [];
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  // Ctrl-C: ask the child to stop (SIGTERM) and let it finish its own clean-up and last words;
  // if it is still there after 10 s, kill it and stop reading.
  const stop = () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    killTimer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      for (const r of readers) r.cancel().catch(() => {});
    }, 10_000);
  };
  signal.addEventListener("abort", stop, { once: true });
  const tail: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    readers.push(reader);
    let buf = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).replace(/\r$/, "");
          buf = buf.slice(nl + 1);
          tail.push(line);
          if (tail.length > 40) tail.shift();
          ask.say(`  | ${line}`);
        }
      }
    } catch {
      // cancelled after the kill
    }
    if (buf) {
      tail.push(buf);
      ask.say(`  | ${buf}`);
    }
  };
  try {
    await Promise.all([pump(child.stdout), pump(child.stderr)]);
    const status = await child.status;
    if (signal.aborted) throw new OperationCancelled();
    return { code: status.code, tail };
  } finally {
    clearTimeout(killTimer);
    signal.removeEventListener("abort", stop);
  }
}
