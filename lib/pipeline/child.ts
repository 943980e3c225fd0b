/**
 * Run a child process with a time limit, capturing its output. Used by the stages that exercise
 * other parts of Kinetra as separate processes (the unit test suite, the menu exerciser,
 * `deno check`, runtime dependencies).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { KinetraError } from "../errors.ts";
import { onStopSignal } from "../util/signals.ts";

/** What a child process did. */
export interface ChildResult {
  /** Exit code (-1 when it could not start, 124 when killed at the time limit). */
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The program could not be started (not installed, not executable). */
  notFound: boolean;
  durationMs: number;
}

/** Options for {@link runChild}. */
export interface ChildOptions {
  /** Kill the child after this many milliseconds (default 120 000). */
  timeoutMs?: number;
  cwd?: string;
  env?: Record<string, string>;
  /** Run in its own process group so a timeout kills the whole tree (default true). */
  processGroup?: boolean;
  /** Text written to the child's stdin, which is then closed (default: stdin closed at once). */
  stdin?: string;
}

/** The environment children get: ours, without colours and without RUST_BACKTRACE noise. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1", ...extra };
  delete env.RUST_BACKTRACE;
  return env;
}

async function drain(stream: ReadableStream<Uint8Array>, sink: Uint8Array[]): Promise<void> {
  for await (const chunk of stream) sink.push(chunk);
}

function join(chunks: Uint8Array[]): string {
  const dec = new TextDecoder();
  return chunks.map((c) => dec.decode(c, { stream: true })).join("") + dec.decode();
}

/**
 * Run `cmd args...`, kill it (SIGKILL, whole process group) at the time limit, and return its
 * output and status. A Ctrl-C (SIGINT) or SIGTERM to this process while the child runs stops the
 * child's group and throws KinetraError `interrupted` (exit code 130).
 */
export async function runChild(cmd: string, args: string[], opts: ChildOptions = {}): Promise<ChildResult> {
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let child: Deno.ChildProcess;
  try {
    // `setsid` puts the child in its own process group so a timeout kills its children too
    // (a killed `deno task` would otherwise leave its grandchildren holding our pipes).
    const useSetsid = opts.processGroup !== false && existsSync("/usr/bin/setsid");
    child = new Deno.Command(useSetsid ? "/usr/bin/setsid" : cmd, {
      args: useSetsid ? [cmd, ...args] : args,
      cwd: opts.cwd,
      env: opts.env ?? childEnv(),
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    const notFound = e instanceof Deno.errors.NotFound;
    return {
      code: -1,
      stdout: "",
      stderr: (e as Error).message,
      timedOut: false,
      notFound,
      durationMs: performance.now() - t0,
    };
  }
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const drained = Promise.all([drain(child.stdout, out), drain(child.stderr, err)]);
  try {
    const w = child.stdin.getWriter();
    if (opts.stdin) await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  } catch { /* child closed its stdin early */ }
  let timedOut = false;
  let interrupted: Deno.Signal | null = null;
  const killTree = (sig: Deno.Signal) => {
    try {
      Deno.kill(-child.pid, sig);
    } catch {
      try {
        child.kill(sig);
      } catch { /* already gone */ }
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killTree("SIGKILL");
  }, timeoutMs);
  // In its own process group the child does not get the terminal's Ctrl-C: pass it on.
  let forceKill: ReturnType<typeof setTimeout> | undefined;
  const onSignal = (sig: Deno.Signal) => () => {
    interrupted = sig;
    killTree("SIGTERM");
    forceKill ??= setTimeout(() => killTree("SIGKILL"), 3000);
  };
  const disposeSignals = onStopSignal((sig) => onSignal(sig)());
  const status = await child.status;
  clearTimeout(timer);
  clearTimeout(forceKill);
  disposeSignals();
  if (interrupted) {
    throw new KinetraError(
      "interrupted",
      `interrupted (${interrupted}) while running ${cmd} ${args.join(" ")}`,
      {
        exitCode: 130,
      },
    );
  }
  // Grandchildren that escaped the group could keep the pipes open: do not wait for them forever.
  await Promise.race([drained, new Promise((r) => setTimeout(r, 2000))]);
  const stderr = join(err);
  return {
    code: timedOut ? 124 : status.code,
    stdout: join(out),
    stderr,
    timedOut,
    notFound: status.code === 127 && /failed to execute|No such file|not found/i.test(stderr),
    durationMs: performance.now() - t0,
  };
}
