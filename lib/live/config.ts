/**
 * Live-testing configuration and credentials. The bridge's shared secret and the pinned live
 * account come from `.kinetra/config.json` (created with mode 0600, ignored by git) or from the
 * environment (`KINETRA_BRIDGE_SECRET`, `KINETRA_LIVE_LOGIN`, `KINETRA_LIVE_SERVER`). The secret
 * is never printed or logged: {@link redact} is used wherever a config is shown.
 *
 * ```json
 * { "bridge": { "secret": "…", "address": "127.0.0.1:18812" },
 *   "live": { "login": "12345678", "server": "Broker-Live" } }
 * ```
 *
 * @module
 */
import { dirname } from "node:path";
import { KinetraError } from "../errors.ts";
import { randomHex } from "../mt5/protocol.ts";

/** Default config path (relative to the project root). */
export const DEFAULT_CONFIG_PATH = ".kinetra/config.json";

/** The resolved configuration. */
export interface LiveConfig {
  /** Shared secret of the HMAC challenge (never print it). */
  secret: string | null;
  /** Bridge address from the config (`HOST:PORT`), or null. */
  address: string | null;
  /** Live account pinned by the user. */
  liveLogin: string | null;
  /** Server of the pinned live account. */
  liveServer: string | null;
  /** Where each value came from, for messages (`env`, `file`, `none`). */
  sources: { secret: string; live: string };
  /** The config file path that was looked at. */
  path: string;
}

interface FileShape {
  bridge?: { secret?: string; address?: string };
  live?: { login?: string | number; server?: string };
}

/**
 * Load the configuration: environment first, then the file. A file readable by others (mode not
 * 0600) is refused with the chmod to run.
 */
export async function loadLiveConfig(
  path = DEFAULT_CONFIG_PATH,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): Promise<LiveConfig> {
  let file: FileShape = {};
  let haveFile = false;
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
    const text = await Deno.readTextFile(path);
    try {
      file = JSON.parse(text);
    } catch {
      throw new KinetraError("config_invalid", `${path} is not valid JSON`);
    }
    haveFile = true;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const envSecret = env("KINETRA_BRIDGE_SECRET");
  const envLogin = env("KINETRA_LIVE_LOGIN");
  const envServer = env("KINETRA_LIVE_SERVER");
  const fileLogin = file.live?.login !== undefined ? String(file.live.login) : null;
  return {
    secret: envSecret || file.bridge?.secret || null,
    address: file.bridge?.address ?? null,
    liveLogin: envLogin || fileLogin,
    liveServer: envServer || file.live?.server || null,
    sources: {
      secret: envSecret ? "env" : file.bridge?.secret ? "file" : "none",
      live: envLogin || envServer ? "env" : fileLogin || file.live?.server ? "file" : "none",
    },
    path: haveFile ? path : `${path} (absent)`,
  };
}

/**
 * Create the config file with a fresh random secret, mode 0600 (refuses to overwrite). Returns
 * the path; the secret is not returned so it cannot end up on a screen by accident.
 */
export async function initLiveConfig(path = DEFAULT_CONFIG_PATH): Promise<string> {
  try {
    await Deno.stat(path);
    throw new KinetraError("config_exists", `${path} already exists; edit it or remove it first`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const body: FileShape = { bridge: { secret: randomHex(24), address: "127.0.0.1:18812" }, live: {} };
  const tmp = `${path}.${randomHex(4)}.tmp`;
  const f = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
  try {
    await f.write(new TextEncoder().encode(JSON.stringify(body, null, 2) + "\n"));
    await f.sync();
  } finally {
    f.close();
  }
  await Deno.chmod(tmp, 0o600).catch(() => {});
  await Deno.rename(tmp, path);
  return path;
}

/** A config safe to show: the secret replaced by whether it is set. */
export function redact(cfg: LiveConfig): Record<string, unknown> {
  return {
    secret: cfg.secret ? "(set)" : "(missing)",
    secret_source: cfg.sources.secret,
    address: cfg.address,
    live_login: cfg.liveLogin,
    live_server: cfg.liveServer,
    path: cfg.path,
  };
}

/** The secret or a KinetraError saying how to provide one. */
export function requireSecret(cfg: LiveConfig): string {
  if (cfg.secret && cfg.secret.length >= 8) return cfg.secret;
  throw new KinetraError(
    "missing_secret",
    `no bridge secret: set KINETRA_BRIDGE_SECRET (8+ characters) or create ${DEFAULT_CONFIG_PATH} with ` +
      "`deno task live --init-config` and copy its bridge.secret into the Expert Advisor's BridgeSecret input",
    { exitCode: 2 },
  );
}
