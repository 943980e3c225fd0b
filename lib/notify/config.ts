/**
 * Notification settings in the credentials file (`.kinetra/config.json`, mode 0600), next to the
 * bridge secret: `"notify": { "urls": ["https://hooks.slack.com/services/…"], "fills": false }`.
 * The URLs are secrets: the file is refused when others can read it, and it is written atomically
 * with mode 0600, keeping every other key.
 *
 * @example
 * ```ts
 * import { loadNotifyConfig, saveNotifyConfig } from "./config.ts";
 * const path = `${await Deno.makeTempDir()}/config.json`;
 * await saveNotifyConfig({ urls: ["https://example.invalid/hook"], fills: false }, path);
 * console.log((await loadNotifyConfig(path)).urls.length); // 1
 * ```
 *
 * @module
 */
import { dirname } from "node:path";
import { KinetraError } from "../errors.ts";
import { DEFAULT_CONFIG_PATH } from "../live/config.ts";

/** The `notify` section. */
export interface NotifyConfig {
  /** Target URLs (secrets: never printed). */
  urls: string[];
  /** A message for every fill. */
  fills: boolean;
}

async function readFile(path: string): Promise<Record<string, unknown> | null> {
  try {
    const st = await Deno.stat(path);
    if (st.mode !== null && (st.mode & 0o077) !== 0) {
      throw new KinetraError(
        "config_permissions",
        `${path} holds credentials but other users can read it (mode ${(st.mode & 0o777).toString(8)}); ` +
          `run: chmod 600 ${path}`,
        { exitCode: 3 },
      );
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    const v = JSON.parse(await Deno.readTextFile(path));
    return v && typeof v === "object" ? v : {};
  } catch {
    throw new KinetraError("config_invalid", `${path} is not valid JSON`);
  }
}

/** The notification settings of the config file (none when the file or the section is absent). */
export async function loadNotifyConfig(path = DEFAULT_CONFIG_PATH): Promise<NotifyConfig> {
  const file = await readFile(path);
  const n = file?.notify;
  if (n === undefined || n === null) return { urls: [], fills: false };
  if (Array.isArray(n)) return { urls: n.filter((x): x is string => typeof x === "string"), fills: false };
  if (typeof n !== "object") throw new KinetraError("config_invalid", `${path}: "notify" must be an object`);
  const o = n as Record<string, unknown>;
  const urls = Array.isArray(o.urls) ? o.urls.filter((x): x is string => typeof x === "string") : [];
  return { urls, fills: o.fills === true };
}

/** Write the `notify` section (creating the file 0600 if needed; other keys kept). */
export async function saveNotifyConfig(cfg: NotifyConfig, path = DEFAULT_CONFIG_PATH): Promise<void> {
  const file = (await readFile(path)) ?? {};
  file.notify = { urls: cfg.urls, fills: cfg.fills };
  await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const f = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
  try {
    await f.write(new TextEncoder().encode(JSON.stringify(file, null, 2) + "\n"));
    await f.sync();
  } finally {
    f.close();
  }
  await Deno.chmod(tmp, 0o600).catch(() => {});
  await Deno.rename(tmp, path);
}
