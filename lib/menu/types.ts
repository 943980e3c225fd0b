/**
 * The menu as data: a tree of screens and actions. The runner draws it, the breadcrumbs come from
 * it and the exerciser derives every path from it, so a new item is reachable, shown and
 * exercised the moment it is added here.
 *
 * @module
 */
import type { MenuOptions } from "./options.ts";
import type { Prompter } from "./prompter.ts";
import type { OperationHandle, OperationOptions } from "./operation.ts";

/** What an action gets to do its job. */
export interface ActionContext {
  /** Prompts with the menu's conventions. */
  readonly ask: Prompter;
  /** Folders and switches of the session. */
  readonly opts: MenuOptions;
  /** Breadcrumb of the action, e.g. `Main Menu > Live Testing > Virtual Trading`. */
  readonly crumb: string;
  /**
   * Run a long operation: progress is shown, Ctrl-C cancels it and returns to the menu, and the
   * operation's outcome is reported.
   */
  operation<T>(
    label: string,
    fn: (op: OperationHandle) => Promise<T>,
    options?: OperationOptions,
  ): Promise<T>;
}

/** A leaf: does one job, then the user returns to its screen. */
export interface MenuAction {
  /** Discriminant. */
  readonly kind: "action";
  /** Short title, used in the option list and the breadcrumb. */
  readonly title: string;
  /** One line saying what it does. */
  readonly description: string;
  /** Do the job. Throwing MenuBack returns to the screen; KinetraErrors are shown as messages. */
  run(ctx: ActionContext): Promise<void>;
}

/** A screen of numbered options. */
export interface MenuScreen {
  /** Discriminant. */
  readonly kind: "screen";
  /** Title, shown in the parent's option list and in breadcrumbs. */
  readonly title: string;
  /** One line saying what is on the screen. */
  readonly description: string;
  /** The numbered options, in order. */
  readonly items: readonly MenuEntry[];
}

/** An option on a screen. */
export type MenuEntry = MenuScreen | MenuAction;

/** The separator between breadcrumb parts. */
export const CRUMB_SEPARATOR = " > ";

/** Join titles into a breadcrumb: `Main Menu > Live Testing > Virtual Trading`. */
export function breadcrumb(titles: readonly string[]): string {
  return titles.join(CRUMB_SEPARATOR);
}
