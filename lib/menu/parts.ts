/**
 * Lazy loading of the other rooms of lib/. The menu imports a room only when an item needs it, so
 * navigation stays instant (no polars load to draw a screen), and an item whose room is missing
 * or broken says plainly that this part is not available instead of crashing the menu.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";

/**
 * Import `lib/<path>` (e.g. `backtest/mod.ts`) and check it exports `names`. Throws a KinetraError
 * `part_unavailable` naming the part when it is missing or lacks what the menu calls.
 */
export async function loadPart<T>(path: string, part: string, names: readonly string[] = []): Promise<T> {
  const url = new URL(`../${path}`, import.meta.url).href;
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0];
    const missing = /Module not found|Cannot find module|No such file/i.test(msg);
    throw new KinetraError(
      "part_unavailable",
      `${part} is not available in this build: lib/${path} ${
        missing ? "does not exist yet" : `failed to load (${msg})`
      }.`,
      { exitCode: 1 },
    );
  }
  const absent = names.filter((n) => !(n in mod));
  if (absent.length > 0) {
    throw new KinetraError(
      "part_unavailable",
      `${part} is not available in this build: lib/${path} does not export ${absent.join(", ")} yet.`,
      { exitCode: 1 },
    );
  }
  return mod as T;
}
