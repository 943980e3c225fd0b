/**
 * The bridge and account configuration the menu edits: the address and port Kinetra's bridge
 * listens on, the shared secret the Expert Advisor proves with, and the MT5 account (login and
 * server) live trading is pinned to. Stored as JSON in a file created with mode 0600; the secret
 * is never printed (see {@link maskedConfig}).
 *
 * @module
 */
import { dirname } from "node:path";
import { KinetraError } from "../errors.ts";

/** The default bridge address and port (the live runner's default). */
export const DEFAULT_BRIDGE_HOST = "127.0.0.1";
/** The default bridge port. */
export const DEFAULT_BRIDGE_PORT = 18812;

/** The configuration file's content (unknown keys written by other rooms are preserved). */
export interface KinetraConfig {
  bridge?: { host?: string; port?: number; secret?: string; [k: string]: unknown };
  account?: { login?: string; server?: string; [k: string]: unknown };
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
    const f = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
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

/** The bridge settings in effect: the file's, else the environment's, else nothing. */
export interface BridgeSettings {
  host: string;
  port: number;
  /** True when a shared secret is configured (in the file or `KINETRA_BRIDGE_SECRET`). */
  hasSecret: boolean;
  /** Whether the address came from the file, the environment or nothing. */
  configured: boolean;
}

/** The bridge address and whether a secret exists (never the secret itself). */
export function bridgeSettings(
  config: KinetraConfig,
  env: (k: string) => string | undefined,
): BridgeSettings {
  const envHost = env("KINETRA_BRIDGE_HOST");
  const envPort = env("KINETRA_BRIDGE_PORT");
  const host = config.bridge?.host ?? envHost ?? DEFAULT_BRIDGE_HOST;
  const port = config.bridge?.port ?? (envPort ? Number(envPort) : DEFAULT_BRIDGE_PORT);
  const configured = config.bridge?.host !== undefined || config.bridge?.port !== undefined ||
    envHost !== undefined || envPort !== undefined;
  const hasSecret = (config.bridge?.secret ?? env("KINETRA_BRIDGE_SECRET") ?? "") !== "";
  return { host, port, hasSecret, configured };
}

/** The configuration with the secret replaced by `********` (for showing it). */
export function maskedConfig(config: KinetraConfig): KinetraConfig {
  const copy = structuredClone(config);
  if (copy.bridge?.secret) copy.bridge.secret = "********";
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
