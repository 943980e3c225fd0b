/**
 * Test the MT5 connection: Kinetra's bridge listens on the configured address and waits for the
 * Expert Advisor (or `deno task mt5:sim`) to connect and prove the shared secret; the result says
 * which terminal and account answered. The work is the live room's `testConnection`.
 *
 * @module
 */
import { KinetraError } from "../../errors.ts";
import { bridgeSettings, envGet, readConfig } from "../config.ts";
import type { ActionContext, MenuAction } from "../types.ts";

/** The part of lib/live/mod.ts the menu calls for a connection test. */
type LiveConnectionApi = Pick<typeof import("../../live/mod.ts"), "testConnection">;

/** Print a result object as indented `key: value` lines, never a secret. */
export function printResult(say: (s: string) => void, value: unknown, indent = "  "): void {
  if (value === null || typeof value !== "object") {
    say(`${indent}${String(value)}`);
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (/secret|password|token|hmac/i.test(k)) continue;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      say(`${indent}${k}:`);
      printResult(say, v, indent + "  ");
    } else {
      say(`${indent}${k}: ${Array.isArray(v) ? JSON.stringify(v) : String(v)}`);
    }
  }
}

/** The connection test action. */
export const testConnectionAction: MenuAction = {
  kind: "action",
  title: "Test MT5 Connection",
  description: "listen on the bridge address and check that the Expert Advisor connects and authenticates",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const config = await readConfig(opts.configPath);
    const b = bridgeSettings(config, envGet);
    if (!b.configured || !b.hasSecret) {
      ask.say(`  The bridge is ${b.configured ? "configured but has no shared secret" : "not configured"}.`);
      ask.say("  Next: Main Menu > Login and Authentication > Configure MT5 Bridge.");
      return;
    }
    const live = await import("../../live/mod.ts");
    const timeoutS = await ask.number("Seconds to wait for the Expert Advisor", {
      default: 20,
      min: 1,
      max: 600,
      integer: true,
      sample: 2,
    });
    ask.say(
      `  Listening on ${b.host}:${b.port}. Start the Expert Advisor in MT5 (or, to try without MetaTrader,`,
    );
    ask.say(`  run \`deno task mt5:sim --port ${b.port}\` in another terminal).`);
    const result = await ctx.operation("Waiting for the Expert Advisor", async (op) => {
      try {
        op.progress(0, 1, `up to ${timeoutS} s`);
        const report = await live.testConnection({
          bridge: `${b.host}:${b.port}`,
          configPath: opts.configPath,
          timeoutMs: timeoutS * 1000,
        });
        op.progress(1, 1);
        return report;
      } catch (e) {
        if (e instanceof KinetraError || (e as Error).name === "KinetraError") throw e;
        throw new KinetraError("connection_failed", `the connection test failed: ${(e as Error).message}`);
      }
    });
    ask.say(
      `  Connected: Expert Advisor ${result.ea_version} at ${result.address}, latency ${result.latency_ms} ms`,
    );
    printResult(ask.say.bind(ask), { account: result.account, usable_for: result.usable_for });
    ask.say(
      result.usable_for.includes("demo")
        ? "  Next: Live Testing > Demo Account Testing."
        : "  Next: Live Testing > Virtual Trading to rehearse; this account is not usable for demo testing.",
    );
  },
};
