/**
 * The strategy registry: every strategy Kinetra can run by name (CLI, menu, batch, live).
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import type { Strategy } from "./contract.ts";
import { smaCross } from "./sma_cross.ts";
import { berserker } from "./berserker.ts";
import { sniper } from "./sniper.ts";
import { multiAgentV7 } from "./multi_agent_v7.ts";

// Other rooms add their strategies here with a minimal edit (one import, one entry).
const REGISTRY: Strategy[] = [
  smaCross as Strategy,
  berserker as Strategy,
  sniper as Strategy,
  multiAgentV7 as Strategy,
];

/** Every registered strategy, in registration order. */
export function listStrategies(): Strategy[] {
  return REGISTRY.slice();
}

/** The strategy called `name` (KinetraError `unknown_strategy` listing the known names). */
export function getStrategy(name: string): Strategy {
  const s = REGISTRY.find((x) => x.name === name) ??
    REGISTRY.find((x) => x.name === name.toLowerCase().replace(/-/g, "_"));
  if (!s) {
    throw new KinetraError(
      "unknown_strategy",
      `unknown strategy "${name}"; known: ${REGISTRY.map((x) => x.name).join(", ")}`,
    );
  }
  return s;
}
