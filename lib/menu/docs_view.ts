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
