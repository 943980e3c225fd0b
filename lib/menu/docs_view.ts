/**
 * Show a project document (the live testing guide, the performance figures) on the screen.
 *
 * @module
 */

/** The project's root folder (two levels above lib/menu). */
export function projectRoot(): string {
  return new URL("../../", import.meta.url).pathname;
}

/** Read `docs/<name>` from the project, or null when it does not exist. */
export async function readDoc(name: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(new URL(`../../docs/${name}`, import.meta.url));
  } catch {
    return null;
  }
}

/** The `## heading` sections of a markdown text, in order. */
export function markdownSections(text: string): { heading: string; body: string }[] {
  const out: { heading: string; body: string }[] = [];
  let current: { heading: string; body: string } | null = null;
  for (const line of text.split("\n")) {
    const m = line.match(/^##\s+(.*)$/);
    if (m) {
      current = { heading: m[1].trim(), body: "" };
      out.push(current);
    } else if (current) {
      current.body += line + "\n";
    }
  }
  return out;
}

/** Remove inline markdown (emphasis, code ticks, links) from one line. */
function plain(s: string): string {
  return s.replace(/\*\*(.+?)\*\*/g, "$1").replace(/`([^`]*)`/g, "$1").replace(
    /\[([^\]]+)\]\([^)]*\)/g,
    "$1",
  );
}

/** Wrap `text` to `width` columns at spaces, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent = ""): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/**
 * A markdown section as terminal lines of at most `width` columns: paragraphs and list items
 * wrapped, tables aligned in columns (or, when too wide, one "first cell: the other cells" entry per
 * row), code blocks kept as they are, HTML comments (internal notes) left out.
 */
export function renderMarkdown(body: string, width = 96): string[] {
  const src = body.replace(/<!--[\s\S]*?-->/g, "").split("\n");
  const out: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) {
      out.push(
        ...wrap(
          plain(para.join(" ")),
          width,
          para[0].match(/^(\s*([-*]|\d+\.)\s+)/)?.[1].replace(/\S/g, " ") ?? "",
        ),
      );
    }
    para = [];
  };
  for (let i = 0; i < src.length; i++) {
    const line = src[i];
    if (/^```/.test(line.trim())) {
      flush();
      for (i++; i < src.length && !/^```/.test(src[i].trim()); i++) out.push(`  ${src[i]}`);
      continue;
    }
    if (/^\s*\|/.test(line)) {
      flush();
      const rows: string[][] = [];
      for (; i < src.length && /^\s*\|/.test(src[i]); i++) {
        const cells = src[i].trim().replace(/^\||\|$/g, "").split(/(?<!\\)\|/).map((c) =>
          plain(c.trim().replace(/\\\|/g, "|"))
        );
        if (cells.every((c) => /^:?-{2,}:?$/.test(c) || c === "")) continue;
        rows.push(cells);
      }
      i--;
      const n = Math.max(...rows.map((r) => r.length));
      const w = Array.from({ length: n }, (_, k) => Math.max(...rows.map((r) => (r[k] ?? "").length)));
      if (w.reduce((a, b) => a + b + 2, 0) <= width) {
        rows.forEach((r, k) => {
          out.push(r.map((c, j) => c.padEnd(w[j])).join("  ").trimEnd());
          if (k === 0) out.push(w.map((x) => "-".repeat(x)).join("  "));
        });
      } else {
        const head = rows[0];
        for (const r of rows.slice(1)) {
          out.push(
            ...wrap(`${r[0]}: ${r.slice(1).map((c, j) => `${head[j + 1]} ${c}`).join("; ")}`, width, "    "),
          );
        }
      }
      continue;
    }
    const h = line.match(/^#{2,6}\s+(.*)$/);
    if (h) {
      flush();
      out.push("", plain(h[1]));
      continue;
    }
    if (line.trim() === "") {
      flush();
      if (out.length && out[out.length - 1] !== "") out.push("");
      continue;
    }
    if (/^\s*([-*]|\d+\.)\s+/.test(line)) flush();
    para.push(line.trim());
  }
  flush();
  while (out.length && out[out.length - 1] === "") out.pop();
  while (out.length && out[0] === "") out.shift();
  return out;
}
