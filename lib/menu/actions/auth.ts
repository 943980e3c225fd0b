/**
 * Login and authentication: configure the bridge (address, port, shared secret), pin the MT5
 * account live trading is allowed on (login, server), show the configuration with the secret
 * masked, and test the connection. Secrets are read without echo and never printed or logged.
 *
 * @module
 */
import {
  checkHost,
  DEFAULT_BRIDGE_HOST,
  DEFAULT_BRIDGE_PORT,
  maskedConfig,
  readConfig,
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
    const host = await ask.text("Bridge address", {
      default: bridge.host ?? DEFAULT_BRIDGE_HOST,
      validate: checkHost,
    });
    const port = await ask.number("Bridge port", {
      default: bridge.port ?? DEFAULT_BRIDGE_PORT,
      min: 1,
      max: 65535,
      integer: true,
    });
    const secret = await ask.secret(
      "Shared secret (the same as the Expert Advisor's input)",
      !!bridge.secret,
    );
    const next = { ...config, bridge: { ...bridge, host, port, ...(secret !== null ? { secret } : {}) } };
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
    const account = config.account ?? {};
    const login = await ask.text("Account login (digits)", {
      default: account.login,
      sample: "51234567",
      validate: (v) => /^\d{1,20}$/.test(v) ? null : `"${v}" is not an account number (digits only)`,
    });
    const server = await ask.text("Trade server (as shown in MT5, e.g. MetaQuotes-Demo)", {
      default: account.server,
      sample: "MetaQuotes-Demo",
      validate: (v) => /^[\w .\-]{1,64}$/.test(v) ? null : `"${v}" does not look like a server name`,
    });
    await writeConfig(opts.configPath, { ...config, account: { ...account, login, server } });
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
    const envKeys = [
      "KINETRA_BRIDGE_HOST",
      "KINETRA_BRIDGE_PORT",
      "KINETRA_BRIDGE_SECRET",
      "KINETRA_ACCOUNT_LOGIN",
    ]
      .filter((k) => {
        try {
          return Deno.env.get(k) !== undefined;
        } catch {
          return false;
        }
      });
    if (envKeys.length > 0) {
      ask.say(`  Also set in the environment: ${envKeys.join(", ")} (values not shown)`);
    }
    await Promise.resolve();
  },
};

/** Test the connection (the same action as Live Testing > Test MT5 Connection). */
export const testConnectionAuth: MenuAction = { ...testConnectionAction, title: "Test Connection" };
