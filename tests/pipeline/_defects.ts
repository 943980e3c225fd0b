/**
 * Test helper: copy real files from data/sample into a temporary folder and inject one defect
 * per file, returning which file carries which defect and the category the pipeline must give it.
 */
import { join } from "node:path";

/** One injected defect. */
export interface Injected {
  /** Path relative to the temporary source folder. */
  rel: string;
  defect: string;
  /** The category the pipeline must report for this file. */
  category: string;
}

const SAMPLE = "data/sample";

function lines(text: string): string[] {
  return text.split("\r\n").filter((l) => l !== "");
}

function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out[0] = 0xff;
  out[1] = 0xfe;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 + 2 * i] = c & 0xff;
    out[3 + 2 * i] = c >> 8;
  }
  return out;
}

/** Build the defective copy under `dir`; returns the injected defects. */
export async function buildDefectiveCopy(dir: string): Promise<Injected[]> {
  const src = (rel: string) => Deno.readTextFile(join(SAMPLE, rel));
  const put = async (rel: string, data: string | Uint8Array) => {
    await Deno.mkdir(join(dir, rel, ".."), { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(join(dir, rel), data);
    else await Deno.writeFile(join(dir, rel), data);
  };
  const out: Injected[] = [];

  // 1. Duplicated rows: rows 100..104 each written twice in a row.
  {
    const rel = "forex/AUDUSD+_H4_202401020000_202512300800.csv";
    const l = lines(await src(rel));
    const dup = l.flatMap((row, i) => i >= 100 && i < 105 ? [row, row] : [row]);
    await put(rel, dup.join("\r\n") + "\r\n");
    out.push({ rel, defect: "duplicated rows", category: "duplicate_bars" });
  }
  // 2. A UTF-16 copy (what MT5 writes when asked for Unicode).
  {
    const rel = "forex/GBPUSD+_H4_202401020000_202512262000.csv";
    await put(rel, utf16le(await src(rel)));
    out.push({ rel, defect: "UTF-16 copy", category: "format_variant" });
  }
  // 3. A comma-separated copy.
  {
    const rel = "crypto/BTCUSD_H4_202401020000_202512282000.csv";
    await put(rel, (await src(rel)).replaceAll("\t", ","));
    out.push({ rel, defect: "comma-separated copy", category: "format_variant" });
  }
  // 4. A truncated file: cut in the middle of its last line (an interrupted export).
  {
    const rel = "energy/UKOUSD_H4_202401020000_202512262000.csv";
    const text = await src(rel);
    const lastStart = text.lastIndexOf("\r\n", text.length - 3) + 2;
    await put(rel, text.slice(0, lastStart + 18));
    out.push({ rel, defect: "truncated file", category: "malformed_row" });
  }
  // 5. Text in a price column.
  {
    const rel = "indices/NAS100_H4_202401020000_202512262000.csv";
    const l = lines(await src(rel));
    const cells = l[50].split("\t");
    cells[3] = "n/a";
    l[50] = cells.join("\t");
    await put(rel, l.join("\r\n") + "\r\n");
    out.push({ rel, defect: "text in a price column", category: "dtype_incompatibility" });
  }
  // 6. An empty file.
  {
    const rel = "forex/EURJPY+_H4_202401020000_202512300800.csv";
    await put(rel, "");
    out.push({ rel, defect: "empty file", category: "empty_file" });
  }
  // 7. A name declaring the wrong timeframe (H4 bars in a file named H1).
  {
    const rel = "metals/XAUUSD+_H1_202401020000_202512262000.csv";
    await put(rel, await src("metals/XAUUSD+_H4_202401020000_202512262000.csv"));
    out.push({ rel, defect: "wrong timeframe in the name", category: "timeframe_mismatch" });
  }
  return out;
}

/** sha256 of every file under `dir` (relative path → hex digest). */
export async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(d: string, prefix: string): Promise<void> {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory) await walk(p, rel);
      else {
        const h = new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(p)));
        out[rel] = [...h].map((b) => b.toString(16).padStart(2, "0")).join("");
      }
    }
  }
  await walk(dir, "");
  return out;
}
