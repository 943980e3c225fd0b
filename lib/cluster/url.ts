/**
 * Where the cluster's Redis is, and how to say it without leaking credentials.
 *
 * The URL comes from `--cluster URL`, else `$KINETRA_CLUSTER_URL`, else the `cluster_url` field of
 * `.kinetra/cluster.json` (which must not be readable by group or others: mode 0600). A password
 * may be written in the URL (`redis://user:pass@host:port/db`) or, better, left out of it and given
 * in `$KINETRA_REDIS_PASSWORD`. Only the redacted form (`redis://user:***@host:port/db`) is ever
 * printed, logged or stored.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";

/** Connection options in the shape BullMQ (ioredis) takes, plus a printable form. */
export interface ClusterConnection {
  /** Host name or address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Redis ACL user, when given. */
  readonly username?: string;
  /** Password, when given (never print it). */
  readonly password?: string;
  /** Database index. */
  readonly db: number;
  /** `redis://[user:***@]host:port/db`: safe to print. */
  readonly redacted: string;
}

/** Parse `redis://[user:pass@]host:port[/db]`; refuses anything else with a clear message. */
export function parseClusterUrl(
  url: string,
  env: Record<string, string | undefined> = {},
): ClusterConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new KinetraError(
      "bad_argument",
      `--cluster needs a URL like redis://host:6379/0, got "${redactText(url)}"`,
    );
  }
  if (u.protocol !== "redis:") {
    throw new KinetraError(
      "bad_argument",
      `--cluster needs a redis:// URL (rediss:// and other schemes are not supported), got "${u.protocol}"`,
    );
  }
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (!host) throw new KinetraError("bad_argument", "--cluster URL has no host");
  const port = u.port ? Number(u.port) : 6379;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new KinetraError("bad_argument", `--cluster URL has an invalid port "${u.port}"`);
  }
  const path = u.pathname.replace(/^\//, "");
  const db = path === "" ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0 || db > 15) {
    throw new KinetraError("bad_argument", `--cluster URL database must be 0..15, got "${path}"`);
  }
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : env.KINETRA_REDIS_PASSWORD || undefined;
  const who = username ? `${username}${password ? ":***" : ""}@` : password ? ":***@" : "";
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return { host, port, username, password, db, redacted: `redis://${who}${hostPart}:${port}/${db}` };
}

/** Replace any `user:pass@` in a text by `user:***@` (for error messages that echo input). */
export function redactText(text: string): string {
  return text.replace(/(\w+:\/\/[^:/@\s]*):[^@\s]*@/g, "$1:***@");
}

/**
 * The cluster URL to use: the flag, else `$KINETRA_CLUSTER_URL`, else `.kinetra/cluster.json`
 * (refused when group- or world-readable). Returns null when none is set.
 */
export async function resolveClusterUrl(
  flag: string | undefined,
  configPath = ".kinetra/cluster.json",
): Promise<
  string | null
> {
  if (flag) return flag;
  const env = Deno.env.get("KINETRA_CLUSTER_URL");
  if (env) return env;
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(configPath);
  } catch {
    return null;
  }
  if (st.mode !== null && (st.mode & 0o077) !== 0) {
    throw new KinetraError(
      "insecure_config",
      `${configPath} is readable by other users (mode ${
        (st.mode & 0o777).toString(8)
      }); run: chmod 600 ${configPath}`,
    );
  }
  let cfg: { cluster_url?: unknown };
  try {
    cfg = JSON.parse(await Deno.readTextFile(configPath));
  } catch (e) {
    throw new KinetraError("bad_config", `${configPath} is not valid JSON: ${(e as Error).message}`);
  }
  return typeof cfg.cluster_url === "string" ? cfg.cluster_url : null;
}
