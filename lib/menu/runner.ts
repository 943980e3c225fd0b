/**
 * The menu loop: draws a screen (breadcrumb, status bar on the main screen, numbered options),
 * reads the choice, descends into screens or runs actions, and turns the control signals into
 * moves: 0 goes back, q quits, end of input exits with 0, Ctrl-C during an operation returns to
 * the screen. No screen ever shows a stack trace: unexpected failures are summarised on screen
 * and their details appended to `<logs>/menu_errors.log`.
 *
 * @module
 */
import { join } from "node:path";
import { isKinetraError } from "../errors.ts";
import { appendLine } from "../util/fs.ts";
import { MenuBack, MenuEof, MenuInterrupt, MenuQuit, OperationCancelled } from "./control.ts";
import type { InputSource } from "./line_input.ts";
import { runOperation } from "./operation.ts";
import type { MenuOptions } from "./options.ts";
import { Prompter, type Writer } from "./prompter.ts";
import { checkStatus } from "./status.ts";
import type { Tracer } from "./trace.ts";
import { breadcrumb, type MenuAction, type MenuScreen } from "./types.ts";

/** Where a session reads, writes and traces. */
export interface MenuIO {
  /** Where answers come from. */
  input: InputSource;
  /** Where the screen goes. */
  write: Writer;
  /** Where prompt events go (the exerciser's channel). */
  trace: Tracer;
}

const RULE = "=".repeat(80);
const THIN = "-".repeat(80);

/** How the session ended. */
export interface MenuOutcome {
  /** Exit code for the task: 0, or 130 after Ctrl-C at a prompt. */
  code: number;
  /** 0 on the main screen, q, end of input, or Ctrl-C at a prompt. */
  reason: "exit" | "quit" | "eof" | "interrupt";
}

/** Draw one screen. */
async function drawScreen(
  ask: Prompter,
  screen: MenuScreen,
  titles: string[],
  opts: MenuOptions,
): Promise<void> {
  const root = titles.length === 1;
  ask.say("");
  ask.say(root ? RULE : THIN);
  ask.say(root ? "  KINETRA" : `  ${screen.title}`);
  ask.say(`  ${breadcrumb(titles)}`);
  if (root) {
    let line: string;
    try {
      line = (await checkStatus(opts)).line;
    } catch (e) {
      line = `Status unavailable: ${(e as Error).message}`;
    }
    // One line when it fits an 80-column terminal, else one line per part (never wrapped).
    if (line.length <= 78) ask.say(`  ${line}`);
    else for (const part of line.split(" | ")) ask.say(`  ${part}`);
  }
  ask.say(root ? RULE : THIN);
  screen.items.forEach((item, i) => {
    const more = item.kind === "screen" ? " >" : "";
    ask.say(`  ${String(i + 1).padStart(2)}. ${item.title}${more}  - ${item.description}`);
  });
  ask.say(`   0. ${root ? "Exit" : "Back"}`);
  ask.say("  Navigation: number to choose, 0 to go back, q to quit from anywhere");
}

/** Run one action with its header, error handling and the closing pause. */
async function runAction(
  ask: Prompter,
  action: MenuAction,
  titles: string[],
  opts: MenuOptions,
): Promise<void> {
  const crumb = breadcrumb(titles);
  ask.crumb = crumb;
  ask.say("");
  ask.say(THIN);
  ask.say(`  ${crumb}`);
  ask.say(`  ${action.description}`);
  ask.say(THIN);
  try {
    await action.run({
      ask,
      opts,
      crumb,
      operation: (label, fn, options) => runOperation(ask, label, fn, options),
    });
  } catch (e) {
    if (e instanceof MenuBack) {
      ask.say(e.message === "invalid" || e.message === "done" ? "" : "  Back.");
      return;
    }
    if (e instanceof OperationCancelled) {
      ask.say("  Cancelled; back to the menu.");
      return;
    }
    if (e instanceof MenuQuit || e instanceof MenuEof || e instanceof MenuInterrupt) throw e;
    if (isKinetraError(e)) {
      ask.say(`  Error: ${e.message}`);
    } else if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      // A refused Deno permission or a file the user may not touch: their setup, not a bug.
      ask.say(`  Error: permission refused: ${(e as Error).message.split("\n")[0]}`);
    } else if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.AlreadyExists) {
      ask.say(`  Error: ${(e as Error).message.split("\n")[0]}`);
    } else {
      const err = e instanceof Error ? e : new Error(String(e));
      const log = join(opts.logsDir, "menu_errors.log");
      await appendLine(
        log,
        JSON.stringify({
          time: new Date().toISOString(),
          crumb,
          message: err.message,
          stack: err.stack ?? "",
        }),
      ).catch(() => {});
      ask.say(`  Unexpected problem (a bug in Kinetra): ${err.message.split("\n")[0]}`);
      ask.say(`  Details were written to ${log}.`);
    }
  }
  await ask.pause();
}

/**
 * Run the menu until the user exits (0 on the main screen), quits (q) or input ends: exit code 0
 * for those three. Ctrl-C at a prompt (no operation running) leaves with 130, as a shell would.
 */
export async function runMenu(root: MenuScreen, opts: MenuOptions, io: MenuIO): Promise<MenuOutcome> {
  const ask = new Prompter(io.input, io.write, io.trace);
  const stack: MenuScreen[] = [root];
  const titles: string[] = [root.title];
  let outcome: MenuOutcome = { code: 0, reason: "exit" };
  try {
    while (stack.length > 0) {
      const screen = stack[stack.length - 1];
      ask.crumb = breadcrumb(titles);
      await drawScreen(ask, screen, titles, opts);
      const n = await ask.menuChoice(screen.items.length, stack.length === 1 ? "exit" : "back");
      if (n === 0) {
        stack.pop();
        titles.pop();
        continue;
      }
      const entry = screen.items[n - 1];
      if (entry.kind === "screen") {
        stack.push(entry);
        titles.push(entry.title);
      } else {
        await runAction(ask, entry, [...titles, entry.title], opts);
      }
    }
    ask.say("Goodbye.");
  } catch (e) {
    if (e instanceof MenuQuit) {
      ask.say("Goodbye.");
      outcome = { code: 0, reason: "quit" };
    } else if (e instanceof MenuEof) {
      ask.say("End of input: leaving the menu.");
      outcome = { code: 0, reason: "eof" };
    } else if (e instanceof MenuInterrupt) {
      ask.say("Ctrl-C: leaving the menu.");
      outcome = { code: 130, reason: "interrupt" };
    } else {
      throw e;
    }
  }
  io.trace({ kind: "exit", crumb: ask.crumb, code: outcome.code });
  return outcome;
}
