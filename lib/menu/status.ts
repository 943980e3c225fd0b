/**
 * The status bar of the main screen, each part checked for real: the data files present and
 * prepared, the MT5 bridge (configured; reachable, by a quick loopback connect with a short
 * timeout, only when configured and permitted) and the credentials (configured or missing).
 *
 * @example
 * ```ts
 * import { checkStatus, resolveMenuOptions } from "kinetra/menu/mod.ts";
 * const s = await checkStatus(resolveMenuOptions({ noProbe: true }));
 * console.log(s.line); // Data: 84 files, 84 prepared | MT5 bridge: not configured | Credentials: missing
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { scanCatalog, scanPrepared } from "../data/catalog.ts";
import { KinetraError } from "../errors.ts";
import {
  bridgeSettings,
  configTooOpen,
  envGet,
  isLoopback,
  MIN_SECRET_LENGTH,
  pinnedAccount,
  readConfig,
} from "./config.ts";
import type { MenuOptions } from "./options.ts";
import { netPermitted, probeTcp, probeTcpState } from "../mt5/probe.ts";

/** Data files found in a folder, by asset class (the first folder level). */
export interface DataCount {
  /** The folder counted. */
  dir: string;
  /** Number of exports found. */
  files: number;
  /** Exports per asset class. */
  byClass: Record<string, number>;
  /** Relative paths of the files, sorted. */
  paths: string[];
  /** False when the folder does not exist (or cannot be read). */
  exists: boolean;
}

/** The whole status, with the one-line summary. */
export interface StatusReport {
  /** Data files and prepared train/test files. */
  data: DataCount & { preparedTrain: number; preparedTest: number; prepared: number };
  /** The bridge address and what the probe found. */
  bridge: {
    /**
     * `reachable`: a runner listens; `not_running`: nothing listens (connection refused: the normal
     * state until Live Testing starts a runner); `broken`: the connect timed out or failed otherwise,
     * or the secret is missing or too short (`problem` says which).
     */
    state: "not_configured" | "reachable" | "not_running" | "broken" | "not_permitted" | "not_probed";
    host: string;
    port: number;
    /** What is wrong when `state` is `broken`. */
    problem?: string;
  };
  /** Whether a usable secret and a pinned account exist. */
  credentials: { secret: boolean; account: string | null; state: "configured" | "incomplete" | "missing" };
  /** e.g. `Data: 84 files, 84 prepared | MT5 bridge: not configured | Credentials: missing` */
  line: string;
}

/** Count the data files of a folder (`scanCatalog`'s list: recursive, hidden files and READMEs skipped). */
export async function countDataFiles(dir: string): Promise<DataCount> {
  let paths: string[] = [];
  let exists = true;
  try {
    paths = (await scanCatalog(dir)).files.map((f) => f.relative_path).sort();
  } catch (e) {
    if (!(e instanceof KinetraError)) throw e;
    exists = false;
  }
  const byClass: Record<string, number> = {};
  for (const p of paths) {
    const parts = p.split(/[\\/]/);
    const cls = parts.length > 1 ? parts[0] : "(no class folder)";
    byClass[cls] = (byClass[cls] ?? 0) + 1;
  }
  return { dir, files: paths.length, byClass, paths, exists };
}

/**
 * Count prepared files (train and test folders of the prepared dir, any depth): the Parquet splits
 * and any exports split by hand, as lib/data's scanner finds them for the batch.
 */
export function countPrepared(preparedDir: string): { train: number; test: number } {
  const count = (d: string): number => {
    try {
      return scanPrepared(d, { exports: true }).length;
    } catch {
      return 0; // unreadable: nothing to count
    }
  };
  return { train: count(join(preparedDir, "train")), test: count(join(preparedDir, "test")) };
}

/** Re-exported for callers of the status module; the implementation lives in lib/mt5. */
export { netPermitted, probeTcp };

/** Check every part of the status bar. */
export async function checkStatus(
  opts: MenuOptions,
  env: (k: string) => string | undefined = envGet,
): Promise<StatusReport> {
  const data = await countDataFiles(opts.dataDir);
  const prep = countPrepared(opts.preparedDir);
  let config;
  let configProblem = "";
  try {
    config = await readConfig(opts.configPath);
  } catch (e) {
    config = {};
    configProblem = (e as Error).message;
  }
  const b = bridgeSettings(config, env);
  let state: StatusReport["bridge"]["state"] = "not_configured";
  let problem: string | undefined;
  if (b.configured) {
    if (!opts.probeBridge || !isLoopback(b.host)) state = "not_probed";
    else if (!(await netPermitted(b.host, b.port))) state = "not_permitted";
    else {
      const found = await probeTcpState(b.host, b.port);
      if (found.state === "listening") state = "reachable";
      else if (found.state === "refused") state = "not_running";
      else {
        state = "broken";
        problem = found.state === "timeout"
          ? "the connect timed out (nothing should block a loopback address)"
          : `the connect failed: ${found.message ?? found.state}`;
      }
    }
    if (!b.hasSecret && state !== "broken") {
      state = "broken";
      problem = `no bridge secret of at least ${MIN_SECRET_LENGTH} characters`;
    }
  }
  const { login, server } = pinnedAccount(config, env);
  const account = login && server ? `${login}@${server}` : null;
  if (!configProblem && (await configTooOpen(opts.configPath))) configProblem = "readable by others";
  const credState = b.hasSecret && account ? "configured" : b.hasSecret || account ? "incomplete" : "missing";

  const prepared = Math.min(prep.train, prep.test);
  const dataPart = !data.exists
    ? `Data: folder ${opts.dataDir} not found`
    : data.files === 0
    ? `Data: no files in ${opts.dataDir}`
    : `Data: ${data.files} files${
      opts.dataDir.replace(/\/$/, "") === "data/master" ? "" : ` (${opts.dataDir})`
    }, ${prepared === 0 ? "none prepared" : `${prepared} prepared`}`;
  const addr = `${b.host}:${b.port}`;
  const bridgePart = {
    not_configured: "MT5 bridge: not configured",
    reachable: `MT5 bridge: ${addr} reachable`,
    not_running: `MT5 bridge: ${addr} idle (no runner)`,
    broken: `MT5 bridge: ${addr} broken`,
    not_permitted: `MT5 bridge: ${addr} configured (not checked: needs --allow-net=${addr})`,
    not_probed: `MT5 bridge: ${addr} configured (not checked)`,
  }[state];
  const credPart = configProblem
    ? `Credentials: config file ${
      configProblem === "readable by others" ? "readable by others (chmod 600)" : "invalid"
    }`
    : {
      configured: `Credentials: configured (account ${account})`,
      incomplete: b.hasSecret
        ? "Credentials: secret set, account not pinned"
        : "Credentials: account pinned, no secret",
      missing: "Credentials: missing",
    }[credState];
  return {
    data: { ...data, preparedTrain: prep.train, preparedTest: prep.test, prepared },
    bridge: { state, host: b.host, port: b.port, ...(problem ? { problem } : {}) },
    credentials: { secret: b.hasSecret, account, state: credState },
    line: `${dataPart} | ${bridgePart} | ${credPart}`,
  };
}
