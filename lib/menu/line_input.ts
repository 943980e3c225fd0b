/**
 * A plain line reader over a byte stream (Deno.stdin.readable by default). It works the same on a
 * terminal, with piped input and at end of input, which npm prompt libraries do not under Deno
 * (they hang on EOF and pipes) and the built-in `prompt()` does not (it returns null when piped).
 *
 * Secrets: on a terminal the reader switches stdin to raw mode and reads without echo; when
 * piped it simply reads the next line (nothing is echoed by a pipe anyway).
 *
 * @module
 */

/** Where the menu reads its answers from. */
export interface InputSource {
  /** True when answers come from a terminal (the user sees their own typing). */
  readonly isTerminal: boolean;
  /** The next line without its line ending, or null at end of input. */
  readLine(): Promise<string | null>;
  /**
   * The next line without echoing it on a terminal, or null at end of input. Ctrl-C while typing
   * a secret returns `"\u0003"` so the caller can treat it as "cancel".
   */
  readSecret(): Promise<string | null>;
  /** Release the stream (a terminal keeps the process alive until the reader is cancelled). */
  close(): Promise<void>;
  /** Make the read in progress (or the next one) throw {@link InputInterrupted} (Ctrl-C at a prompt). */
  interrupt?(): void;
}

/** Thrown by a read that was interrupted (Ctrl-C at a prompt). */
export class InputInterrupted extends Error {
  constructor() {
    super("input interrupted");
    this.name = "InputInterrupted";
  }
}

/** Options of {@link StreamInput}. */
export interface StreamInputOptions {
  /** True when the stream is a terminal (enables raw mode for secrets). Default false. */
  isTerminal?: boolean;
  /** Switch the terminal's raw mode (default: Deno.stdin.setRaw). */
  setRaw?: (raw: boolean) => void;
  /** Where to echo the newline after a secret on a terminal. */
  writeEcho?: (text: string) => void;
}

/** An {@link InputSource} over a byte stream. */
export class StreamInput implements InputSource {
  readonly isTerminal: boolean;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  #pending = "";
  #eof = false;
  #setRaw: (raw: boolean) => void;
  #writeEcho: (text: string) => void;
  #inflight: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  #interrupted = false;
  #wakeInterrupt: (() => void) | null = null;

  /** Read lines from `stream` (the reader is locked until {@link close}). */
  constructor(stream: ReadableStream<Uint8Array>, options: StreamInputOptions = {}) {
    this.#reader = stream.getReader();
    this.isTerminal = options.isTerminal ?? false;
    this.#setRaw = options.setRaw ?? ((raw) => Deno.stdin.setRaw(raw));
    this.#writeEcho = options.writeEcho ?? (() => {});
  }

  interrupt(): void {
    this.#interrupted = true;
    this.#wakeInterrupt?.();
  }

  /** Read one more chunk into the pending text; false at end of input. */
  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    // The read stays in flight across an interrupt, so no input is lost.
    this.#inflight ??= this.#reader.read();
    const woken = new Promise<"interrupted">((resolve) => {
      this.#wakeInterrupt = () => resolve("interrupted");
    });
    if (this.#interrupted) this.#wakeInterrupt?.();
    const r = await Promise.race([this.#inflight, woken]);
    this.#wakeInterrupt = null;
    if (r === "interrupted") {
      this.#interrupted = false;
      throw new InputInterrupted();
    }
    this.#inflight = null;
    const { value, done } = r;
    if (done) {
      this.#pending += this.#decoder.decode();
      this.#eof = true;
      return false;
    }
    this.#pending += this.#decoder.decode(value, { stream: true });
    return true;
  }

  async readLine(): Promise<string | null> {
    while (true) {
      const nl = this.#pending.indexOf("\n");
      if (nl >= 0) {
        const line = this.#pending.slice(0, nl);
        this.#pending = this.#pending.slice(nl + 1);
        return line.endsWith("\r") ? line.slice(0, -1) : line;
      }
      if (!(await this.#fill())) {
        if (this.#pending.length === 0) return null;
        // A last line without a newline: answer it once; the next read reports the end.
        const line = this.#pending;
        this.#pending = "";
        return line.endsWith("\r") ? line.slice(0, -1) : line;
      }
    }
  }

  async readSecret(): Promise<string | null> {
    if (!this.isTerminal) return await this.readLine();
    this.#setRaw(true);
    try {
      let secret = "";
      while (true) {
        if (this.#pending.length === 0 && !(await this.#fill())) {
          return secret.length > 0 ? secret : null;
        }
        const ch = this.#pending[0];
        this.#pending = this.#pending.slice(1);
        if (ch === "\r" || ch === "\n") {
          // A CRLF pair from a paste: drop the LF that follows.
          if (ch === "\r" && this.#pending[0] === "\n") this.#pending = this.#pending.slice(1);
          return secret;
        }
        if (ch === "\u0003") return "\u0003";
        if (ch === "\u0004") {
          if (secret.length === 0) return null;
          continue;
        }
        if (ch === "\u007f" || ch === "\b") {
          secret = secret.slice(0, -1);
          continue;
        }
        if (ch === "\u0015") { // Ctrl-U: clear the line
          secret = "";
          continue;
        }
        if (ch >= " ") secret += ch;
      }
    } finally {
      this.#setRaw(false);
      this.#writeEcho("\n");
    }
  }

  async close(): Promise<void> {
    try {
      await this.#reader.cancel();
    } catch {
      // already closed
    }
  }
}

/** The process's stdin as an {@link InputSource}. */
export function stdinInput(): StreamInput {
  let tty = false;
  try {
    tty = Deno.stdin.isTerminal();
  } catch {
    tty = false;
  }
  const enc = new TextEncoder();
  return new StreamInput(Deno.stdin.readable, {
    isTerminal: tty,
    writeEcho: (text) => {
      Deno.stdout.writeSync(enc.encode(text));
    },
  });
}
