/**
 * Follow a growing JSON-lines file (a session's journal.jsonl): read what was appended since the
 * last call, hand out complete lines only (a line still being written waits for its newline), and
 * remember the byte offset after each line so a reader can resume exactly there (the SSE event id).
 *
 * @example
 * ```ts
 * import { JournalTail } from "./tail.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/j.jsonl`, '{"type":"run_start"}\n{"type":"ch');
 * const tail = new JournalTail(`${dir}/j.jsonl`);
 * console.log((await tail.poll()).map((l) => l.line)); // [ '{"type":"run_start"}' ]
 * ```
 *
 * @module
 */

/** One complete line and the byte offset just after it. */
export interface TailLine {
  /** The line, without its newline. */
  line: string;
  /** The byte offset just after the line's newline. */
  end: number;
}

/** Incremental reader of an append-only text file. */
export class JournalTail {
  /** The file being followed. */
  readonly path: string;
  #offset: number;
  #partial: Uint8Array = new Uint8Array(0);
  readonly #dec = new TextDecoder();

  /** `fromOffset`: start there (a byte offset at a line start, e.g. a previous line's `end`). */
  constructor(path: string, fromOffset = 0) {
    this.path = path;
    this.#offset = Math.max(0, Math.floor(fromOffset));
  }

  /** Byte offset of the next unread line. */
  get offset(): number {
    return this.#offset - this.#partial.length;
  }

  /**
   * The bytes appended since the last call, cut after the last complete line: `start` is the byte
   * offset of `data` in the file. Null when there is nothing new (or no file yet).
   */
  async pollChunk(maxBytes = 8 << 20): Promise<{ start: number; data: Uint8Array } | null> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path, { read: true });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
    try {
      const size = (await file.stat()).size;
      if (size < this.#offset) {
        // Truncated or replaced: start again from the beginning.
        this.#offset = 0;
        this.#partial = new Uint8Array(0);
      }
      if (size === this.#offset) return null;
      const want = Math.min(size - this.#offset, maxBytes);
      const buf = new Uint8Array(want);
      await file.seek(this.#offset, Deno.SeekMode.Start);
      let got = 0;
      while (got < want) {
        const r = await file.read(buf.subarray(got));
        if (r === null) break;
        got += r;
      }
      const start = this.#offset - this.#partial.length;
      this.#offset += got;
      const data = this.#partial.length ? concat(this.#partial, buf.subarray(0, got)) : buf.subarray(0, got);
      const cut = data.lastIndexOf(10) + 1;
      this.#partial = data.slice(cut);
      return cut > 0 ? { start, data: data.subarray(0, cut) } : null;
    } finally {
      file.close();
    }
  }

  /** Complete lines appended since the last call ([] when nothing new or no file yet). */
  async poll(maxBytes = 8 << 20): Promise<TailLine[]> {
    const chunk = await this.pollChunk(maxBytes);
    if (!chunk) return [];
    // One decode and one split for the whole chunk; byte offsets from the newline positions (a
    // newline byte never occurs inside a multi-byte UTF-8 character, so both agree line by line).
    const texts = this.#dec.decode(chunk.data).split("\n");
    const out: TailLine[] = [];
    let from = 0;
    for (let k = 0; k < texts.length - 1; k++) {
      const nl = chunk.data.indexOf(10, from);
      from = nl + 1;
      const line = texts[k].trim();
      if (line) out.push({ line, end: chunk.start + from });
    }
    return out;
  }

  /** Complete lines appended since the last call, as text only (the cheapest way to read them). */
  async pollLines(maxBytes = 8 << 20): Promise<string[]> {
    const chunk = await this.pollChunk(maxBytes);
    if (!chunk) return [];
    const texts = this.#dec.decode(chunk.data).split("\n");
    texts.pop();
    return texts;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
