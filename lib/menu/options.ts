/**
 * Where the menu reads and writes: every folder and file is injectable (flags or environment) so
 * tests and the exerciser run the real menu on temporary folders and the bundled sample.
 *
 * @module
 */
import { defaultSourceDir, LOGS_DIR, PREPARED_DIR, REPAIRED_DIR } from "../util/paths.ts";

/** The default configuration file (mode 0600, ignored by git). */
export const DEFAULT_CONFIG_PATH = ".kinetra/config.json";

/** Folders and switches of one menu session. */
export interface MenuOptions {
  /** The raw exports to work on (data/master by default, data/sample when it is empty). */
  dataDir: string;
  /** Train/test outputs (data/prepared). */
  preparedDir: string;
  /** Repaired copies written by the fix pipeline (data/repaired). */
  repairedDir: string;
  /** Run outputs: reports, batch runs, live journals (logs). */
  logsDir: string;
  /** Bridge and account configuration file (.kinetra/config.json). */
  configPath: string;
  /** Probe the configured bridge address with a quick loopback connect (when permitted). */
  probeBridge: boolean;
  /** Write machine-readable prompt events to stderr for the exerciser. */
  trace: boolean;
  /**
   * True when the menu runs under the exerciser: operations that would start the exerciser again
   * (the fix pipeline runs it) use their quick, non-recursive form.
   */
  underExerciser: boolean;
  /**
   * Day/month order of `NN/NN/YYYY` dates no row of a file settles (`--date-order dmy|mdy`); unset:
   * the first refused read asks and the answer is kept for the session (lib/menu/date_order.ts).
   */
  dateOrder?: "dmy" | "mdy";
}

/** Flags a task may pass (undefined = use the environment, then the default). */
export interface MenuFlags {
  /** `--data-dir`. */
  dataDir?: string;
  /** `--prepared-dir`. */
  preparedDir?: string;
  /** `--repaired-dir`. */
  repairedDir?: string;
  /** `--logs-dir`. */
  logsDir?: string;
  /** `--config`. */
  config?: string;
  /** `--no-probe`. */
  noProbe?: boolean;
  /** `--trace`. */
  trace?: boolean;
  /** `--date-order`. */
  dateOrder?: "dmy" | "mdy";
}

/**
 * Resolve the session's options: flags first, then the environment (`KINETRA_DATA_DIR`, else
 * `KINETRA_MASTER_DIR` as for the real-data tests,
 * `KINETRA_PREPARED_DIR`, `KINETRA_REPAIRED_DIR`, `KINETRA_LOGS_DIR`, `KINETRA_CONFIG`, `KINETRA_MENU_TRACE=1`,
 * `KINETRA_MENU_NO_PROBE=1`, `KINETRA_MENU_EXERCISE=1`), then the defaults.
 */
export function resolveMenuOptions(
  flags: MenuFlags = {},
  env: (k: string) => string | undefined = envGet,
): MenuOptions {
  return {
    dataDir: flags.dataDir ?? env("KINETRA_DATA_DIR") ?? env("KINETRA_MASTER_DIR") ?? defaultSourceDir(),
    preparedDir: flags.preparedDir ?? env("KINETRA_PREPARED_DIR") ?? PREPARED_DIR,
    repairedDir: flags.repairedDir ?? env("KINETRA_REPAIRED_DIR") ?? REPAIRED_DIR,
    logsDir: flags.logsDir ?? env("KINETRA_LOGS_DIR") ?? LOGS_DIR,
    configPath: flags.config ?? env("KINETRA_CONFIG") ?? DEFAULT_CONFIG_PATH,
    probeBridge: !(flags.noProbe ?? env("KINETRA_MENU_NO_PROBE") === "1"),
    trace: flags.trace ?? env("KINETRA_MENU_TRACE") === "1",
    underExerciser: env("KINETRA_MENU_EXERCISE") === "1",
    ...(flags.dateOrder ? { dateOrder: flags.dateOrder } : {}),
  };
}

function envGet(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}
