/**
 * Strategy choices: only the strategies registered in lib/strategies/registry.ts are offered.
 *
 * @module
 */
import type { Strategy } from "../../strategies/contract.ts";
import type { Prompter } from "../prompter.ts";

/** The part of the strategy registry the menu calls. */
export interface RegistryApi {
  listStrategies(): Strategy[];
  getStrategy(name: string): Strategy;
}

/** Load the strategy registry (or throw "not available"). */
export function loadRegistry(): Promise<RegistryApi> {
  return import("../../strategies/registry.ts");
}

/** `text` cut to at most `max` characters at a word boundary, with "…" when something was cut. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:(]+$/, "")}…`;
}

/** Ask for one of the registered strategies; returns its name. */
export async function pickStrategy(ask: Prompter): Promise<string> {
  const list = (await loadRegistry()).listStrategies();
  const i = await ask.choose(
    "Strategy",
    list.map((s) => `${s.name.padEnd(16)} ${shorten(s.description.split("\n")[0], 60)}`),
    0,
  );
  return list[i].name;
}
