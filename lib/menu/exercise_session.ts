/**
 * One run of the real menu as a child process (`deno run ... tasks/menu.ts --trace`), driven
 * through its stdin, with the prompt events it writes to stderr telling the driver where it is.
 * Every wait has a timeout, so a hang is reported, never waited for.
 *
 * @module
 */
import { join } from "node:path";
import { parseTraceLine, TRACE_PREFIX, type TraceEvent } from "./trace.ts";
import { TASK_PERMISSIONS } from "../util/tasks.ts";

/** The permission flags of `deno task menu` (from lib/util/tasks.ts, which deno.json's command equals). */
export const MENU_PERMISSIONS: readonly string[] = ["--no-prompt", ...TASK_PERMISSIONS["menu"]];

/** How to start the menu. */
export interface SessionSpec {
  /** Project root (where tasks/menu.ts and deno.json are). */
  root: string;
  /** Flags for tasks/menu.ts (folders); `--trace` is added. */
  menuArgs: readonly string[];
  /** Extra environment. */
  env?: Record<string, string>;
  /** Permission flags (default: those of `deno task menu`). */
  permissions?: readonly string[];
}

/** What the session saw when it ended. */
export interface SessionEnd {
  /** Exit code, or null when the child had to be killed. */
  code: number | null;
  /** Everything the menu printed on stdout. */
  stdout: string;
  /** stderr without the trace lines. */
  stderr: string;
  /** Every trace event, in order. */
  events: TraceEvent[];
}

/** Something the driver waits for: a trace event, or the end of the process. */
export type SessionSignal = { type: "event"; event: TraceEvent } | { type: "exit"; code: number } | {
  type: "timeout";
};

/** A running menu child process. */
export class MenuSession {
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdout = "";
  #stderr = "";
  #events: TraceEvent[] = [];
  #queue: TraceEvent[] = [];
  #waiters: (() => void)[] = [];
  #exitCode: number | null = null;
  #done: Promise<void>;
  #stdinClosed = false;

  /** Start the menu child process. */
  constructor(spec: SessionSpec) {
    const env: Record<string, string> = { NO_COLOR: "1", KINETRA_MENU_EXERCISE: "1", ...(spec.env ?? {}) };
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...(spec.permissions ?? MENU_PERMISSIONS),
        join(spec.root, "tasks", "menu.ts"),
        "--trace",
        ...spec.menuArgs,
      ],
      cwd: spec.root,
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    const out = this.#pump(this.#child.stdout, (t) => {
      this.#stdout += t;
    });
    const err = this.#pumpLines(this.#child.stderr);
    this.#done = Promise.all([out, err, this.#child.status]).then(([, , st]) => {
      this.#exitCode = st.code;
      this.#wake();
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  async #pump(stream: ReadableStream<Uint8Array>, sink: (t: string) => void): Promise<void> {
    const dec = new TextDecoder();
    for await (const chunk of stream) sink(dec.decode(chunk, { stream: true }));
  }

  async #pumpLines(stream: ReadableStream<Uint8Array>): Promise<void> {
    let buf = "";
    await this.#pump(stream, (t) => {
      buf += t;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const ev = parseTraceLine(line);
        if (ev) {
          this.#events.push(ev);
          this.#queue.push(ev);
          this.#wake();
        } else {
          this.#stderr += line + "\n";
        }
      }
    });
    if (buf && !buf.startsWith(TRACE_PREFIX)) this.#stderr += buf;
  }

  /** Everything written to stdout so far. */
  get stdout(): string {
    return this.#stdout;
  }

  /** The next trace event, the end of the process, or a timeout. */
  async next(timeoutMs: number): Promise<SessionSignal> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const ev = this.#queue.shift();
      if (ev) return { type: "event", event: ev };
      if (this.#exitCode !== null) return { type: "exit", code: this.#exitCode };
      const left = deadline - Date.now();
      if (left <= 0) return { type: "timeout" };
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, left);
        this.#waiters.push(resolve);
      });
      clearTimeout(timer);
    }
  }

  /** Type one answer (a newline is added). */
  async send(line: string): Promise<void> {
    if (this.#stdinClosed) return;
    try {
      await this.#stdin.write(new TextEncoder().encode(line + "\n"));
    } catch {
      // The menu already exited; the next wait reports it.
    }
  }

  /** Close stdin (end of input, like Ctrl-D). */
  async closeInput(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    try {
      await this.#stdin.close();
    } catch {
      // already closed
    }
  }

  /** Send SIGINT (what Ctrl-C does on a terminal). */
  interrupt(): void {
    try {
      this.#child.kill("SIGINT");
    } catch {
      // already gone
    }
  }

  /** Wait for the process to end (killing it after `timeoutMs`) and collect what it printed. */
  async finish(timeoutMs: number): Promise<SessionEnd> {
    await this.closeInput();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      this.#done.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // gone
      }
      await this.#done.catch(() => {});
    }
    return {
      code: timedOut ? null : this.#exitCode,
      stdout: this.#stdout,
      stderr: this.#stderr,
      events: this.#events,
    };
  }
}
