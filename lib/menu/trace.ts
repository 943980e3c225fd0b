/**
 * Machine-readable prompt events for the menu exerciser. When tracing is on (env
 * `KINETRA_MENU_TRACE=1` or `--trace`), every prompt and operation boundary writes one line
 * `@@kinetra-menu {json}` to stderr. A person at the terminal never sees them; the exerciser uses
 * them to know which screen it is on and what kind of answer is expected, without parsing prose.
 *
 * @module
 */

/** The prefix of a trace line on stderr. */
export const TRACE_PREFIX = "@@kinetra-menu ";

/** Kinds of prompts the menu asks. */
export type PromptKind = "menu" | "choose" | "text" | "number" | "confirm" | "typed" | "secret" | "pause";

/** One trace event. */
export interface TraceEvent {
  /** A prompt kind, or an operation boundary (`op_start`, `op_end`), or `exit`. */
  kind: PromptKind | "op_start" | "op_end" | "exit";
  /** Breadcrumb of the screen or action asking. */
  crumb: string;
  /** The prompt's label. */
  label?: string;
  /** Number of numbered options (menu and choose prompts). */
  options?: number;
  /** Default answer, when Enter accepts one. */
  default?: string;
  /** An example of a valid answer declared by the prompt (for prompts without a default). */
  sample?: string;
  /** For `op_end`: how the operation ended. */
  outcome?: "ok" | "failed" | "cancelled";
  /** For `exit`: the exit code the menu is about to use. */
  code?: number;
}

/** Writes trace events (or nothing when tracing is off). */
export type Tracer = (event: TraceEvent) => void;

/** A tracer that writes events to stderr synchronously, so they interleave correctly with output. */
export function stderrTracer(): Tracer {
  const enc = new TextEncoder();
  return (event) => {
    const bytes = enc.encode(TRACE_PREFIX + JSON.stringify(event) + "\n");
    let off = 0;
    while (off < bytes.length) off += Deno.stderr.writeSync(bytes.subarray(off));
  };
}

/** A tracer that drops everything. */
export const noTracer: Tracer = () => {};

/** Parse a stderr line into a trace event, or null when it is not one. */
export function parseTraceLine(line: string): TraceEvent | null {
  if (!line.startsWith(TRACE_PREFIX)) return null;
  try {
    return JSON.parse(line.slice(TRACE_PREFIX.length)) as TraceEvent;
  } catch {
    return null;
  }
}
