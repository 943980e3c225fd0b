/**
 * The bridge and account configuration the menu edits, in the live room's file format
 * (lib/live/config.ts reads it): the address Kinetra's bridge listens on, the shared secret the
 * Expert Advisor proves with, and the MT5 account (login and server) live trading is pinned to.
 *
 * ```json
 * { "bridge": { "secret": "…", "address": "127.0.0.1:18812" },
 *   "live": { "login": "12345678", "server": "Broker-Live" } }
 * ```
 *
 * The file is written atomically with mode 0600; the secret is never printed
 * (see {@link maskedConfig}). The environment (`KINETRA_BRIDGE_SECRET`, `KINETRA_LIVE_LOGIN`,
 * `KINETRA_LIVE_SERVER`) takes precedence, as in the live runner.
 *
 * @module
 */
import { dirname } from "node:path";
import { KinetraError } from "../errors.ts";

/** The default bridge address (the live runner's default). */
export const DEFAULT_BRIDGE_HOST = "127.0.0.1";
/** The default bridge port. */
export const DEFAULT_BRIDGE_PORT = 18812;
/** The shortest shared secret the bridge accepts. */
export const MIN_SECRET_LENGTH = 8;

/** The configuration file's content (unknown keys written by other rooms are preserved). */
export interface KinetraConfig {
  /** The bridge: shared secret and `HOST:PORT` Kinetra listens on. */
  bridge?: { secret?: string; address?: string; [k: string]: unknown };
  /** The account live mode is pinned to. */
  live?: { login?: string | number; server?: string; [k: string]: unknown };
  /** Keys other rooms write are kept as they are. */
  [k: string]: unknown;
}

/** Read the configuration; an absent file is an empty configuration. */
export async function readConfig(path: string): Promise<KinetraConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw new KinetraError(
      "config_unreadable",
      `cannot read the configuration ${path}: ${(e as Error).message}`,
    );
  }
  try {
    const value = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as KinetraConfig;
  } catch (e) {
    throw new KinetraError(
      "config_invalid",
      `the configuration ${path} is not a JSON object (${(e as Error).message}); fix or delete it`,
    );
  }
}

/**
 * Write the configuration atomically with mode 0600 (owner read/write only): a temporary file in
 * the same folder is created with that mode, then renamed over the file.
 */
export async function writeConfig(path: string, config: KinetraConfig): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    const f = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
    try {
      const bytes = new TextEncoder().encode(JSON.stringify(config, null, 2) + "\n");
      let off = 0;
      while (off < bytes.length) off += await f.write(bytes.subarray(off));
      await f.sync();
    } finally {
      f.close();
    }
    if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o600);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Split `HOST:PORT`; null when it is not one. */
export function splitAddress(address: string): { host: string; port: number } | null {
  const m = address.match(/^(.+):(\d{1,5})$/);
  if (!m) return null;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1], port } : null;
}

/** The bridge settings in effect (never the secret itself). */
export interface BridgeSettings {
  /** Host the bridge listens on. */
  host: string;
  /** Port the bridge listens on. */
  port: number;
  /** True when a secret of at least 8 characters exists (file or `KINETRA_BRIDGE_SECRET`). */
  hasSecret: boolean;
  /** True when the file sets the bridge address or secret, or the environment sets the secret. */
  configured: boolean;
}

/** The bridge address and whether a usable secret exists. */
export function bridgeSettings(
  config: KinetraConfig,
  env: (k: string) => string | undefined,
): BridgeSettings {
  const addr = (config.bridge?.address && splitAddress(config.bridge.address)) ||
    { host: DEFAULT_BRIDGE_HOST, port: DEFAULT_BRIDGE_PORT };
  const secret = env("KINETRA_BRIDGE_SECRET") || config.bridge?.secret || "";
  const configured = config.bridge?.address !== undefined || !!config.bridge?.secret ||
    !!env("KINETRA_BRIDGE_SECRET");
  return { ...addr, hasSecret: secret.length >= MIN_SECRET_LENGTH, configured };
}

/** The pinned account, environment first (`KINETRA_LIVE_LOGIN`, `KINETRA_LIVE_SERVER`). */
export function pinnedAccount(
  config: KinetraConfig,
  env: (k: string) => string | undefined,
): { login: string | null; server: string | null } {
  const login = env("KINETRA_LIVE_LOGIN") ||
    (config.live?.login !== undefined ? String(config.live.login) : null);
  const server = env("KINETRA_LIVE_SERVER") || config.live?.server || null;
  return { login: login || null, server };
}

/** The configuration with the secret replaced by `********` (for showing it). */
export function maskedConfig(config: KinetraConfig): KinetraConfig {
  const copy = structuredClone(config);
  if (copy.bridge?.secret) copy.bridge.secret = "********";
  // Notification URLs carry their secrets (webhook paths, bot tokens, chat ids).
  const n = copy.notify as { urls?: unknown[] } | undefined;
  if (n && Array.isArray(n.urls)) n.urls = n.urls.map(() => "********");
  return copy;
}

/** Validate a host name or IPv4 address typed by the user; null when fine. */
export function checkHost(host: string): string | null {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
    return host.split(".").every((p) => Number(p) <= 255) ? null : `${host} is not a valid IPv4 address`;
  }
  if (/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host)) return null;
  return `"${host}" is not a host name or IPv4 address`;
}

/** True for loopback hosts (the only ones the status bar probes). */
export function isLoopback(host: string): boolean {
  return host === "localhost" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True when the file exists and others can read it (the live runner refuses such a file). */
export async function configTooOpen(path: string): Promise<boolean> {
  try {
    const st = await Deno.stat(path);
    return st.mode !== null && (st.mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/** The environment, tolerating a refused permission. */
export function envGet(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}
