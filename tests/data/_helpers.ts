/** Shared helpers for the data tests: temp folders, fixtures from real sample rows, tree hashes. */
import { join } from "node:path";
import { taskCommand, taskOfScript } from "../../lib/util/tasks.ts";

/** A real MT5 H4 export bundled with the repository. */
export const SAMPLE_FILE = "data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv";

/** The sample file's text (CRLF, tab, MT5 header). */
export function sampleText(): string {
  return Deno.readTextFileSync(SAMPLE_FILE);
}

/** The first `n` data lines of the sample (without header), as cell arrays. */
export function sampleRows(n: number): string[][] {
  return sampleText().split("\r\n").slice(1, n + 1).map((l) => l.split("\t"));
}

/** An independent oracle: epoch ms of `YYYY.MM.DD` + `HH:MM:SS` through Date.parse. */
export function mt5Time(date: string, time: string): number {
  return Date.parse(`${date.replaceAll(".", "-")}T${time}Z`);
}

/** Write a fixture file into `dir` and return its path. */
export function writeFixture(dir: string, name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  if (typeof content === "string") Deno.writeTextFileSync(p, content);
  else Deno.writeFileSync(p, content);
  return p;
}

/** Every file under `dir` with its size, mtime and sha256 (to prove a folder was not touched). */
export async function treeFingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(d: string): Promise<void> {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) {
        out[p + "/"] = "dir";
        await walk(p);
      } else {
        const st = await Deno.stat(p);
        const bytes = await Deno.readFile(p);
        const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
        out[p] = `${st.size} ${st.mtime?.getTime()} ${
          Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("")
        }`;
      }
    }
  }
  await walk(dir);
  return out;
}

/** Copy a folder tree (files and sub-folders). */
export async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    const a = join(from, e.name), b = join(to, e.name);
    if (e.isDirectory) await copyTree(a, b);
    else await Deno.writeFile(b, await Deno.readFile(a));
  }
}

/** Run a task file as a child process (as `deno task` does); returns code, stdout, stderr. */
export async function runTaskFile(
  task: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const out = await new Deno.Command(Deno.execPath(), {
    args: taskCommand(taskOfScript(task), args),
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
