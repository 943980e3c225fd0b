/**
 * The menu's prompts, with one set of input conventions everywhere: numbered options, `0` goes
 * back, `q` (or `quit`, `exit`) quits from any prompt, Enter accepts a shown default, an invalid
 * answer is explained and three in a row go back, and end of input ends the menu cleanly.
 *
 * @module
 */
import { MenuBack, MenuEof, MenuInterrupt, MenuQuit } from "./control.ts";
import { InputInterrupted, type InputSource } from "./line_input.ts";
import { noTracer, type PromptKind, type TraceEvent, type Tracer } from "./trace.ts";

/** How many invalid answers in a row send the user back. */
export const MAX_INVALID = 3;

/** Writes text to the screen (synchronously, so output and prompts stay in order). */
export type Writer = (text: string) => void;

/** Options of a numeric prompt. */
export interface NumberPromptOptions {
  /** Answer taken on Enter. */
  default?: number;
  /** Smallest accepted value (inclusive); when above 0, `0` means back. */
  min?: number;
  /** Largest accepted value (inclusive). */
  max?: number;
  /** Only whole numbers. */
  integer?: boolean;
  /** A valid example answer for the exerciser when there is no default. */
  sample?: number;
}

/** Options of a text prompt. */
export interface TextPromptOptions {
  /** Answer taken on Enter. */
  default?: string;
  /** Return an error message for an invalid answer, or null when valid. */
  validate?: (value: string) => string | null;
  /** A valid example answer for the exerciser when there is no default. */
  sample?: string;
}

/** Asks the user things, with the menu's conventions. */
export class Prompter {
  /** Breadcrumb of the screen or action currently asking (set by the runner). */
  crumb = "Main Menu";
  readonly #input: InputSource;
  readonly #write: Writer;
  readonly #trace: Tracer;

  /** Ask on `input`, show on `write`, report prompts to `trace`. */
  constructor(input: InputSource, write: Writer, trace: Tracer = noTracer) {
    this.#input = input;
    this.#write = write;
    this.#trace = trace;
  }

  /** True when answers come from a terminal. */
  get isTerminal(): boolean {
    return this.#input.isTerminal;
  }

  /** Print text followed by a newline. */
  say(text = ""): void {
    this.#write(text + "\n");
  }

  /** Print text without a newline (progress bars redraw a line with a carriage return). */
  sayInline(text: string): void {
    this.#write(text);
  }

  /** Emit a trace event with the current breadcrumb. */
  trace(event: Omit<TraceEvent, "crumb">): void {
    this.#trace({ crumb: this.crumb, ...event });
  }

  /** Show the prompt, read one answer; handles end of input and quitting. */
  async #ask(
    kind: PromptKind,
    prompt: string,
    meta: Partial<TraceEvent> = {},
    opts: { secret?: boolean } = {},
  ): Promise<string> {
    this.#trace({ kind, crumb: this.crumb, label: prompt, ...meta });
    this.#write(prompt);
    let line: string | null;
    try {
      line = opts.secret ? await this.#input.readSecret() : await this.#input.readLine();
    } catch (e) {
      if (e instanceof InputInterrupted) {
        this.#write("\n");
        throw new MenuInterrupt();
      }
      throw e;
    }
    if (line === null) {
      this.#write("\n");
      throw new MenuEof();
    }
    if (opts.secret) {
      if (line === "\u0003") throw new MenuBack("cancelled");
      return line;
    }
    // Show piped answers so a transcript reads like a session (a terminal echoes them itself).
    if (!this.#input.isTerminal) this.#write(line + "\n");
    const answer = line.trim();
    const lower = answer.toLowerCase();
    if (lower === "q" || lower === "quit" || lower === "exit") throw new MenuQuit();
    return answer;
  }

  /** Explain an invalid answer; on the third in a row, go back. */
  #invalid(message: string, attempt: number): void {
    this.say(`  Invalid: ${message} (attempt ${attempt}/${MAX_INVALID})`);
    if (attempt >= MAX_INVALID) {
      this.say("  Three invalid answers in a row: going back.");
      throw new MenuBack("invalid");
    }
  }

  /**
   * A screen's numbered options: returns the number chosen (1..count) or 0 for back. Three
   * invalid answers in a row count as 0.
   */
  async menuChoice(count: number, backLabel = "back"): Promise<number> {
    for (let attempt = 1;; attempt++) {
      const answer = await this.#ask("menu", `Choose 1-${count}, 0=${backLabel}, q=quit: `, {
        options: count,
      });
      const n = /^\d+$/.test(answer) ? Number(answer) : NaN;
      if (Number.isInteger(n) && n >= 0 && n <= count) return n;
      try {
        this.#invalid(`"${answer}" is not an option; type a number from 1 to ${count}, or 0 or q`, attempt);
      } catch (e) {
        if (e instanceof MenuBack) return 0;
        throw e;
      }
    }
  }

  /** Pick one of `options` (shown numbered); returns its index. 0 goes back (throws MenuBack). */
  async choose(label: string, options: readonly string[], defaultIndex?: number): Promise<number> {
    this.say(`${label}:`);
    options.forEach((o, i) => this.say(`  ${String(i + 1).padStart(2)}. ${o}`));
    const def = defaultIndex !== undefined ? ` [${defaultIndex + 1}]` : "";
    for (let attempt = 1;; attempt++) {
      const answer = await this.#ask(
        "choose",
        `${label} (1-${options.length}, 0=back, q=quit)${def}: `,
        {
          options: options.length,
          default: defaultIndex !== undefined ? String(defaultIndex + 1) : undefined,
        },
      );
      if (answer === "" && defaultIndex !== undefined) return defaultIndex;
      if (answer === "0") throw new MenuBack();
      const n = /^\d+$/.test(answer) ? Number(answer) : NaN;
      if (n >= 1 && n <= options.length) return n - 1;
      this.#invalid(`"${answer}" is not one of 1-${options.length}`, attempt);
    }
  }

  /** Free text; Enter accepts the default; 0 goes back. */
  async text(label: string, opts: TextPromptOptions = {}): Promise<string> {
    const def = opts.default !== undefined && opts.default !== "" ? ` [${opts.default}]` : "";
    for (let attempt = 1;; attempt++) {
      const answer = await this.#ask("text", `${label} (0=back, q=quit)${def}: `, {
        default: opts.default,
        sample: opts.sample,
      });
      if (answer === "0") throw new MenuBack();
      const value = answer === "" && opts.default !== undefined ? opts.default : answer;
      const problem = value === "" ? "an answer is needed" : opts.validate?.(value) ?? null;
      if (problem === null) return value;
      this.#invalid(problem, attempt);
    }
  }

  /** A number within bounds; Enter accepts the default; 0 goes back unless 0 is allowed. */
  async number(label: string, opts: NumberPromptOptions = {}): Promise<number> {
    const zeroIsBack = opts.min === undefined || opts.min > 0;
    const def = opts.default !== undefined ? ` [${opts.default}]` : "";
    const range = opts.min !== undefined && opts.max !== undefined ? ` ${opts.min}-${opts.max}` : "";
    for (let attempt = 1;; attempt++) {
      const answer = await this.#ask(
        "number",
        `${label}${range} (${zeroIsBack ? "0=back, " : ""}q=quit)${def}: `,
        {
          default: opts.default !== undefined ? String(opts.default) : undefined,
          sample: opts.sample !== undefined ? String(opts.sample) : undefined,
        },
      );
      if (answer === "0" && zeroIsBack) throw new MenuBack();
      if (answer === "" && opts.default !== undefined) return opts.default;
      const v = answer === "" ? NaN : Number(answer);
      let problem: string | null = null;
      if (!Number.isFinite(v)) problem = `"${answer}" is not a number`;
      else if (opts.integer && !Number.isInteger(v)) problem = `${v} must be a whole number`;
      else if (opts.min !== undefined && v < opts.min) problem = `${v} is below the minimum ${opts.min}`;
      else if (opts.max !== undefined && v > opts.max) problem = `${v} is above the maximum ${opts.max}`;
      if (problem === null) return v;
      this.#invalid(problem, attempt);
    }
  }

  /** Yes or no; Enter accepts the default. 0 goes back. */
  async confirm(label: string, defaultYes: boolean): Promise<boolean> {
    for (let attempt = 1;; attempt++) {
      const answer = (await this.#ask("confirm", `${label} ${defaultYes ? "[Y/n]" : "[y/N]"}: `, {
        default: defaultYes ? "y" : "n",
      })).toLowerCase();
      if (answer === "") return defaultYes;
      if (answer === "y" || answer === "yes") return true;
      if (answer === "n" || answer === "no") return false;
      if (answer === "0") throw new MenuBack();
      this.#invalid(`answer y or n`, attempt);
    }
  }

  /**
   * An explicit confirmation: the user must type `word` exactly. Anything else (including Enter)
   * declines, so nothing risky happens by accident.
   */
  async typed(label: string, word: string): Promise<boolean> {
    const answer = await this.#ask("typed", `${label} Type ${word} to confirm, anything else cancels: `, {
      default: "",
    });
    return answer === word;
  }

  /** A secret: not echoed on a terminal, never logged; Enter keeps the current one when `keep`. */
  async secret(label: string, keep = false, minLength = 1): Promise<string | null> {
    for (let attempt = 1;; attempt++) {
      const value = await this.#ask(
        "secret",
        `${label} (input hidden${keep ? "; Enter keeps the current one" : ""}): `,
        { sample: "secret" },
        { secret: true },
      );
      if (value === "" && keep) return null;
      if (value.length >= minLength && value.trim() === value) return value;
      this.#invalid(
        value.trim() !== value
          ? "a secret must not start or end with spaces"
          : `the secret must have at least ${minLength} characters (nothing was shown or saved)`,
        attempt,
      );
    }
  }

  /** Wait for Enter (end of input also ends the menu here). */
  async pause(label = "Press Enter to return to the menu"): Promise<void> {
    await this.#ask("pause", `${label} (q=quit) `);
  }
}
