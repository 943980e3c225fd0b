/**
 * The file-based control channel of a running session, next to the kill switch: another process
 * (the dashboard) writes `logs/live/<run>/CONTROL` atomically with one JSON request; the runner looks
 * for it after every bar, journals a `control` event, deletes the file and acts:
 *
 * - `halt_entries`: no new entries for the rest of the session (open positions keep their SL/TP and
 *   exits; blocked entries are journalled as `limit` / `entry_blocked` with `by: "control"`);
 * - `close_all_stop`: close every open position and stop (a `halt` with reason `control_stop`).
 *
 * A request the runner cannot read (bad JSON, unknown action) is journalled with its `error` and
 * deleted; nothing else happens.
 *
 * @example
 * ```ts
 * import { readControlRequest, requestControl } from "./control.ts";
 * const dir = await Deno.makeTempDir();
 * await requestControl(dir, "halt_entries", { source: "dashboard" });
 * const r = await readControlRequest(dir);
 * console.log(r?.action); // "halt_entries"
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { KinetraError } from "../errors.ts";
import { writeJsonAtomic } from "../util/fs.ts";

/** The actions a control request can ask for. */
export const CONTROL_ACTIONS = ["halt_entries", "close_all_stop"] as const;

/** One control action. */
export type ControlAction = typeof CONTROL_ACTIONS[number];

/** The file name of the control request inside a run folder. */
export const CONTROL_FILE = "CONTROL";

/** What the runner reads from the control file. */
export interface ControlRequest {
  /** The action, or null when the file did not hold a known one (see `error`). */
  action: ControlAction | null;
  /** Who asked (e.g. "dashboard"). */
  source: string;
  /** When it was asked (ISO time). */
  requested_at: string | null;
  /** Why the request was not understood, or null. */
  error: string | null;
}

/** True when `x` is a control action. */
export function isControlAction(x: unknown): x is ControlAction {
  return typeof x === "string" && (CONTROL_ACTIONS as readonly string[]).includes(x);
}

/**
 * Ask a running session to act: writes `<runDir>/CONTROL` atomically (temporary file + rename). A
 * request still waiting is replaced; the runner acts on it after the bar it is processing.
 */
export async function requestControl(
  runDir: string,
  action: ControlAction,
  meta: { source?: string } = {},
): Promise<string> {
  if (!isControlAction(action)) {
    throw new KinetraError(
      "bad_option",
      `unknown control action "${action}" (${CONTROL_ACTIONS.join(", ")})`,
    );
  }
  const path = join(runDir, CONTROL_FILE);
  await writeJsonAtomic(path, {
    action,
    source: meta.source ?? "unknown",
    requested_at: new Date().toISOString(),
  });
  return path;
}

/**
 * The pending request of a run folder, removing its file; null when there is none. Cheap when
 * there is no file (one `existsSync`), so the runner may call it after every bar.
 */
export async function readControlRequest(runDir: string): Promise<ControlRequest | null> {
  const path = join(runDir, CONTROL_FILE);
  if (!existsSync(path)) return null;
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
  }
  await Deno.remove(path).catch(() => {});
  let raw: Record<string, unknown> = {};
  let error: string | null = null;
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object") raw = v;
    else error = "the control file does not hold a JSON object";
  } catch (e) {
    error = `the control file is not JSON: ${(e as Error).message}`;
  }
  const action = isControlAction(raw.action) ? raw.action : null;
  if (!error && !action) error = `unknown control action ${JSON.stringify(raw.action ?? null)}`;
  return {
    action,
    source: typeof raw.source === "string" ? raw.source.slice(0, 64) : "unknown",
    requested_at: typeof raw.requested_at === "string" ? raw.requested_at.slice(0, 40) : null,
    error,
  };
}
