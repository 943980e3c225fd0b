/**
 * A TCP connection that speaks line-delimited JSON: reads lines from any chunking, writes whole
 * lines, and closes once (idempotently).
 *
 * @module
 */
import { decodeLine, encodeLine, LineSplitter, type Message } from "./protocol.ts";

/** Callbacks of a line connection. */
export interface LineHandlers {
  /** Called for every complete, parsed line. */
  onMessage(msg: Message): void;
  /** Called once when the connection ends (peer closed, error or local close). */
  onClose(reason: string): void;
}

/** Line-delimited JSON over a Deno TCP connection. */
export class LineConn {
  readonly #conn: Deno.Conn;
  readonly #enc = new TextEncoder();
  #closed = false;
  #writing: Promise<void> = Promise.resolve();
  /** Resolves when the read loop has ended. */
  readonly done: Promise<void>;

  /** Start reading `conn` at once; `handlers` get every message and the close. */
  constructor(conn: Deno.Conn, handlers: LineHandlers) {
    this.#conn = conn;
    // Small request/reply lines: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per reply.
    try {
      (conn as Deno.TcpConn).setNoDelay?.(true);
    } catch { /* not a TCP connection */ }
    this.done = this.#readLoop(handlers);
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Send one message as a line. Rejects when the connection is closed or the write fails. */
  send(msg: Message): Promise<void> {
    return this.sendRaw(encodeLine(msg));
  }

  /** Send raw text (used by the simulator to split lines across writes). Writes are serialised. */
  sendRaw(text: string): Promise<void> {
    const p = this.#writing.then(async () => {
      if (this.#closed) throw new Error("connection closed");
      const bytes = this.#enc.encode(text);
      let off = 0;
      while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
    });
    this.#writing = p.catch(() => {});
    return p;
  }

  /** Close the connection (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  async #readLoop(h: LineHandlers): Promise<void> {
    const splitter = new LineSplitter();
    const dec = new TextDecoder();
    const buf = new Uint8Array(64 * 1024);
    let reason = "peer closed the connection";
    try {
      while (true) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        for (const line of splitter.push(dec.decode(buf.subarray(0, n), { stream: true }))) {
          let msg: Message;
          try {
            msg = decodeLine(line);
          } catch {
            continue; // a garbled line is dropped; the request it belonged to times out
          }
          h.onMessage(msg);
        }
      }
    } catch (e) {
      reason = this.#closed ? "closed locally" : `connection error: ${(e as Error).message}`;
    }
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#conn.close();
      } catch { /* ignore */ }
    } else if (reason === "peer closed the connection") {
      reason = "closed locally";
    }
    h.onClose(reason);
  }
}
