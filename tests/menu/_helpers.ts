/**
 * Helpers for the menu tests: scripted input streams, an in-process session on temp folders and
 * the bundled sample, and the child-process command of the real task.
 */
import { join } from "node:path";
import { StreamInput } from "../../lib/menu/line_input.ts";
import type { MenuOptions } from "../../lib/menu/options.ts";
import { type MenuOutcome, runMenu } from "../../lib/menu/runner.ts";
import type { TraceEvent } from "../../lib/menu/trace.ts";
import { buildMenuTree } from "../../lib/menu/tree.ts";
import { taskCommand } from "../../lib/util/tasks.ts";

/** The project root. */
export const ROOT = new URL("../../", import.meta.url).pathname;
/** The bundled sample (real H4 exports). */
export const SAMPLE = join(ROOT, "data", "sample");

/** A byte stream that yields `text` then ends (or stays open when `end` is false). */
export function textStream(text: string, end = true): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(c) {
      if (bytes.length) c.enqueue(bytes);
      if (end) c.close();
    },
  });
}

/** Options on fresh temp folders. */
export async function tempOptions(over: Partial<MenuOptions> = {}): Promise<MenuOptions & { work: string }> {
  const work = await Deno.makeTempDir({ prefix: "kinetra-menu-test-" });
  return {
    work,
    dataDir: SAMPLE,
    preparedDir: join(work, "prepared"),
    repairedDir: join(work, "repaired"),
    logsDir: join(work, "logs"),
    configPath: join(work, "config", "config.json"),
    probeBridge: false,
    trace: true,
    underExerciser: true,
    ...over,
  };
}

/** Run the real menu tree in this process on scripted answers. */
export async function runScripted(
  answers: readonly string[],
  opts: MenuOptions,
  { end = true }: { end?: boolean } = {},
): Promise<{ out: string; outcome: MenuOutcome; events: TraceEvent[] }> {
  let out = "";
  const events: TraceEvent[] = [];
  const text = answers.length ? answers.join("\n") + "\n" : "";
  const outcome = await runMenu(buildMenuTree(), opts, {
    input: new StreamInput(textStream(text, end)),
    write: (t) => {
      out += t;
    },
    trace: (e) => events.push(e),
  });
  return { out, outcome, events };
}

/** The command line of `deno task menu` (its flags from lib/util/tasks.ts, as deno.json's). */
export function menuCommand(args: string[]): string[] {
  return taskCommand("menu", args);
}

/** Environment for children: no backtraces, no colour. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1", ...extra };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  return env;
}
