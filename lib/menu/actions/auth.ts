/**
 * Login and authentication: configure the bridge (address, port, shared secret), pin the MT5
 * account live trading is allowed on (login, server), show the configuration with the secret
 * masked, and test the connection. Secrets are read without echo and never printed or logged.
 *
 * @module
 */
import {
  bridgeSettings,
  checkHost,
  configTooOpen,
  DEFAULT_BRIDGE_HOST,
  DEFAULT_BRIDGE_PORT,
  envGet,
  maskedConfig,
  MIN_SECRET_LENGTH,
  pinnedAccount,
  readConfig,
  splitAddress,
  writeConfig,
} from "../config.ts";
import type { ActionContext, MenuAction } from "../types.ts";
import { testConnectionAction } from "./connection.ts";

/** Configure the bridge address, port and shared secret. */
export const configureBridge: MenuAction = {
  kind: "action",
  title: "Configure MT5 Bridge",
  description: "address and port Kinetra listens on for the Expert Advisor, and the shared secret",
  async run({ ask, opts }: ActionContext): Promise<void> {
    const config = await readConfig(opts.configPath);
    const bridge = config.bridge ?? {};
    const current = (bridge.address && splitAddress(bridge.address)) ||
      { host: DEFAULT_BRIDGE_HOST, port: DEFAULT_BRIDGE_PORT };
    const host = await ask.text("Bridge address", { default: current.host, validate: checkHost });
    const port = await ask.number("Bridge port", {
      default: current.port,
      min: 1,
      max: 65535,
      integer: true,
    });
    const secret = await ask.secret(
      `Shared secret, ${MIN_SECRET_LENGTH}+ characters (the Expert Advisor's BridgeSecret input)`,
      !!bridge.secret,
      MIN_SECRET_LENGTH,
    );
    const next = {
      ...config,
      bridge: { ...bridge, address: `${host}:${port}`, ...(secret !== null ? { secret } : {}) },
    };
    await writeConfig(opts.configPath, next);
    ask.say(`  Saved to ${opts.configPath} (readable by you only, mode 0600). The secret is not shown.`);
    ask.say(`  Bridge: ${host}:${port}; secret ${secret !== null ? "set" : "unchanged"}.`);
    if (host !== DEFAULT_BRIDGE_HOST || port !== DEFAULT_BRIDGE_PORT) {
      ask.say(
        `  Note: the menu and live tasks are allowed to reach ${DEFAULT_BRIDGE_HOST}:${DEFAULT_BRIDGE_PORT};`,
      );
      ask.say(
        `  for ${host}:${port} run them with --allow-net=${host}:${port} (see docs/LIVE_TESTING_GUIDE.md).`,
      );
    }
    ask.say("  Next: pin the MT5 account (option 2), then test the connection (option 4).");
  },
};

/** Pin the MT5 account (login and server) live trading is allowed on. */
export const pinAccount: MenuAction = {
  kind: "action",
  title: "Pin MT5 Account",
  description: "the account login and server that live trading must match",
  async run({ ask, opts }: ActionContext): Promise<void> {
    const config = await readConfig(opts.configPath);
    const live = config.live ?? {};
    const login = await ask.text("Account login (digits)", {
      default: live.login !== undefined ? String(live.login) : undefined,
      sample: "51234567",
      validate: (v) => /^\d{1,20}$/.test(v) ? null : `"${v}" is not an account number (digits only)`,
    });
    const server = await ask.text("Trade server (as shown in MT5, e.g. MetaQuotes-Demo)", {
      default: live.server,
      sample: "MetaQuotes-Demo",
      validate: (v) => /^[\w .\-]{1,64}$/.test(v) ? null : `"${v}" does not look like a server name`,
    });
    await writeConfig(opts.configPath, { ...config, live: { ...live, login, server } });
    ask.say(`  Pinned account ${login} on ${server} in ${opts.configPath} (mode 0600).`);
    ask.say("  Live mode refuses any other account; demo mode refuses accounts whose trade mode is REAL.");
    ask.say("  Next: test the connection (option 4).");
  },
};

/** Show the configuration with the secret masked. */
export const showConfig: MenuAction = {
  kind: "action",
  title: "Show Configuration",
  description: "the bridge and account settings in effect (the secret is masked)",
  async run({ ask, opts }: ActionContext): Promise<void> {
    const config = await readConfig(opts.configPath);
    ask.say(`  File: ${opts.configPath}${Object.keys(config).length === 0 ? " (not created yet)" : ""}`);
    for (const line of JSON.stringify(maskedConfig(config), null, 2).split("\n")) ask.say(`  ${line}`);
    if (await configTooOpen(opts.configPath)) {
      ask.say(`  Warning: other users can read this file; run chmod 600 ${opts.configPath}`);
    }
    const envKeys = [
      "KINETRA_BRIDGE_SECRET",
      "KINETRA_LIVE_LOGIN",
      "KINETRA_LIVE_SERVER",
      "KINETRA_ALLOW_LIVE",
    ]
      .filter((k) => envGet(k) !== undefined);
    if (envKeys.length > 0) ask.say(`  Set in the environment (takes precedence): ${envKeys.join(", ")}`);
    const b = bridgeSettings(config, envGet);
    const acct = pinnedAccount(config, envGet);
    ask.say(
      `  In effect: bridge ${b.host}:${b.port}, secret ${b.hasSecret ? "set" : "missing"}, account ${
        acct.login && acct.server ? `${acct.login}@${acct.server}` : "not pinned"
      }`,
    );
  },
};

/** Test the connection (the same action as Live Testing > Test MT5 Connection). */
export const testConnectionAuth: MenuAction = { ...testConnectionAction, title: "Test Connection" };
