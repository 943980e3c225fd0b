/**
 * The exerciser's model of the menu, built from the menu's own tree: where each answer should
 * lead, so every breadcrumb the real menu shows can be checked against where it ought to be.
 *
 * @module
 */
import { MAX_INVALID } from "./prompter.ts";
import type { TraceEvent } from "./trace.ts";
import { breadcrumb, type MenuScreen } from "./types.ts";

/** Tracks the expected position in the tree as answers are typed. */
export class NavModel {
  readonly #stack: MenuScreen[];
  readonly #titles: string[];
  #action: string | null = null;
  #invalid = 0;
  /** True once an answer should have ended the menu (q, or 0 on the main screen). */
  expectExit = false;
  /** Problems found (wrong breadcrumb, wrong number of options, prompt in the wrong place). */
  readonly problems: string[] = [];
  /** Every breadcrumb the menu should have shown so far. */
  readonly crumbsSeen = new Set<string>();

  /** Start on the main screen of `root`. */
  constructor(root: MenuScreen) {
    this.#stack = [root];
    this.#titles = [root.title];
  }

  /** The screen the menu should be on. */
  get screen(): MenuScreen {
    return this.#stack[this.#stack.length - 1];
  }

  /** The breadcrumb of the screen the menu should be on. */
  get screenCrumb(): string {
    return breadcrumb(this.#titles);
  }

  /** The breadcrumb of the running action, or null on a screen. */
  get actionCrumb(): string | null {
    return this.#action;
  }

  /** Depth of the screen stack (1 = main screen). */
  get depth(): number {
    return this.#stack.length;
  }

  /** Check a prompt event against the expected position. */
  observe(ev: TraceEvent): void {
    if (ev.kind === "menu") {
      this.#action = null; // an action ends by returning to its screen
      const expected = this.screenCrumb;
      this.crumbsSeen.add(expected);
      if (ev.crumb !== expected) this.problems.push(`breadcrumb is "${ev.crumb}", expected "${expected}"`);
      if (ev.options !== this.screen.items.length) {
        this.problems.push(
          `"${expected}" offers ${ev.options} options, the tree has ${this.screen.items.length}`,
        );
      }
    } else if (ev.kind !== "op_start" && ev.kind !== "op_end" && ev.kind !== "exit") {
      if (this.#action === null) {
        this.problems.push(
          `a ${ev.kind} prompt "${ev.label}" appeared outside any action (at "${ev.crumb}")`,
        );
      } else if (ev.crumb !== this.#action) {
        this.problems.push(`breadcrumb is "${ev.crumb}", expected "${this.#action}"`);
      }
    }
  }

  /** Apply an answer typed at a screen's menu prompt. */
  applyMenuAnswer(answer: string): void {
    const a = answer.trim().toLowerCase();
    if (a === "q" || a === "quit" || a === "exit") {
      this.expectExit = true;
      return;
    }
    const n = /^\d+$/.test(a) ? Number(a) : NaN;
    if (n === 0) {
      this.#invalid = 0;
      this.#pop();
      return;
    }
    const entry = Number.isInteger(n) ? this.screen.items[n - 1] : undefined;
    if (!entry) {
      this.#invalid++;
      if (this.#invalid >= MAX_INVALID) {
        this.#invalid = 0;
        this.#pop();
      }
      return;
    }
    this.#invalid = 0;
    if (entry.kind === "screen") {
      this.#stack.push(entry);
      this.#titles.push(entry.title);
    } else {
      this.#action = breadcrumb([...this.#titles, entry.title]);
      this.crumbsSeen.add(this.#action);
    }
  }

  /** An answer typed at an action's prompt that quits the menu. */
  applyActionAnswer(answer: string): void {
    const a = answer.trim().toLowerCase();
    if (a === "q" || a === "quit" || a === "exit") this.expectExit = true;
  }

  #pop(): void {
    if (this.#stack.length === 1) {
      this.expectExit = true;
      return;
    }
    this.#stack.pop();
    this.#titles.pop();
  }
}

/** A small seeded random generator (mulberry32) so random walks can be replayed. */
export class Rng {
  #s: number;
  /** The same seed gives the same sequence. */
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Lines that betray a stack trace or an unhandled failure on screen. */
export function stackTraceLines(text: string): string[] {
  return text.split("\n").filter((l) =>
    /^\s+at\s+(async\s+)?\S.*:\d+:\d+\)?\s*$/.test(l) ||
    /\bUncaught\b|Traceback \(most recent call last\)|internal error \(a bug in Kinetra|Unexpected problem \(a bug in Kinetra/
      .test(l)
  );
}
