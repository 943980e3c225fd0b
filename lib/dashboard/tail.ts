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
  line: string;
  end: number;
}

/** Incremental reader of an append-only text file. */
export class JournalTail {
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

  /** Complete lines appended since the last call ([] when nothing new or no file yet). */
  async poll(maxBytes = 8 << 20): Promise<TailLine[]> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path, { read: true });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    try {
      const size = (await file.stat()).size;
      if (size < this.#offset) {
        // Truncated or replaced: start again from the beginning.
        this.#offset = 0;
        this.#partial = new Uint8Array(0);
      }
      if (size === this.#offset) return [];
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
      const out: TailLine[] = [];
      let from = 0;
      for (let k = 0; k < data.length; k++) {
        if (data[k] !== 10) continue;
        const line = this.#dec.decode(data.subarray(from, k)).trim();
        if (line) out.push({ line, end: start + k + 1 });
        from = k + 1;
      }
      this.#partial = data.slice(from);
      return out;
    } finally {
      file.close();
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
