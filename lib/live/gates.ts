/**
 * Mode gates. Virtual needs nothing. Demo asks for a typed confirmation (or `--yes`) and refuses
 * any account whose trade mode is not DEMO. Live needs all of: `--mode live`,
 * `--i-accept-real-money-risk`, `KINETRA_ALLOW_LIVE=1`, a pinned login and server in the
 * configuration, a typed confirmation (or `--yes`), and, at connection time, an account whose
 * login and server match the pins. Anything less is refused with a message naming what is missing.
 *
 * @module
 */
import { ACCOUNT_TRADE_MODE } from "../market/mt5_constants.ts";
import { KinetraError } from "../errors.ts";
import type { HelloInfo } from "../mt5/server.ts";
import type { LiveConfig } from "./config.ts";

/** The three modes. */
export type LiveMode = "virtual" | "demo" | "live";

/** What the live gate looks at before anything connects. */
export interface LiveGateInput {
  /** The requested mode. */
  mode: LiveMode;
  /** The explicit real-money opt-in flag. */
  acceptRealMoneyRisk: boolean;
  /** Environment lookup (KINETRA_ALLOW_LIVE, the secret). */
  env: (name: string) => string | undefined;
  /** The user's live configuration. */
  config: LiveConfig;
}

/** The list of missing live-mode requirements (empty = all present). */
export function missingLiveRequirements(inp: LiveGateInput): string[] {
  const missing: string[] = [];
  if (inp.mode !== "live") missing.push("--mode live");
  if (!inp.acceptRealMoneyRisk) missing.push("the flag --i-accept-real-money-risk");
  if (inp.env("KINETRA_ALLOW_LIVE") !== "1") missing.push("the environment variable KINETRA_ALLOW_LIVE=1");
  if (!inp.config.liveLogin) {
    missing.push(`a pinned account login (live.login in ${inp.config.path} or KINETRA_LIVE_LOGIN)`);
  }
  if (!inp.config.liveServer) {
    missing.push(`a pinned account server (live.server in ${inp.config.path} or KINETRA_LIVE_SERVER)`);
  }
  return missing;
}

/** Throw `live_refused` listing every missing requirement. */
export function assertLiveAllowed(inp: LiveGateInput): void {
  const missing = missingLiveRequirements(inp);
  if (missing.length) {
    throw new KinetraError(
      "live_refused",
      `live mode refused: it trades real money and needs ${
        missing.join(", ")
      }. Missing: ${missing.length} of 5.`,
      { exitCode: 2, details: { missing } },
    );
  }
}

/** The words a user must type to confirm each mode. */
export const CONFIRM_WORD: Record<"demo" | "live", string> = { demo: "DEMO", live: "REAL MONEY" };

/**
 * The account gate used at `hello`: returns a refusal reason or null. Demo accepts only
 * ACCOUNT_TRADE_MODE_DEMO (0); live accepts only the pinned login and server.
 */
export function accountGate(mode: LiveMode, config: LiveConfig): (hello: HelloInfo) => string | null {
  return (hello) => {
    const a = hello.account;
    if (!a.trade_allowed) return `account ${a.login} does not allow trading (investor password?)`;
    if (mode === "demo") {
      if (a.trade_mode === ACCOUNT_TRADE_MODE.REAL) {
        return `account ${a.login} on ${a.server} is a REAL account (trade_mode 2); demo mode refuses it`;
      }
      if (a.trade_mode !== ACCOUNT_TRADE_MODE.DEMO) {
        return `account ${a.login} on ${a.server} has trade_mode ${a.trade_mode} (not DEMO); demo mode refuses it`;
      }
      return null;
    }
    if (mode === "live") {
      if (String(a.login) !== config.liveLogin || a.server !== config.liveServer) {
        return `connected account ${a.login} on ${a.server} does not match the pinned live account ` +
          `${config.liveLogin} on ${config.liveServer}`;
      }
      return null;
    }
    return "virtual mode does not connect to MetaTrader";
  };
}
