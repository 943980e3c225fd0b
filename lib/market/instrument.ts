/**
 * The one instrument type ({@link Instrument}: the fields of MT5's `symbol_info` that trading
 * rules, normalisation and costs need, in camelCase), with defaults for the 22 instruments of the
 * real data set and a JSON override file. MT5's own field names are mapped in one place,
 * ./mt5_names.ts (the bridge's edge).
 *
 * Where each default comes from is documented in docs/SYMBOLS.md: digits are the decimals printed
 * in the exports; contract sizes, volume limits, commission and swap are typical retail MT5 values
 * per asset class (indicative: override them with your broker's `symbol_info` values).
 *
 * @example
 * ```ts
 * import { symbolSpec } from "./instrument.ts";
 * const spec = symbolSpec("EURJPY+");
 * console.log(spec.digits, spec.point, spec.contractSize); // 3 0.001 100000
 * ```
 *
 * @module
 */
import { existsSync } from "node:fs";
import { KinetraError } from "../errors.ts";
import { STATIC_CONVERTER } from "./currency.ts";
import { MT5_OVERRIDE_FIELDS } from "./mt5_names.ts";
import { roundTo } from "./normalize.ts";
import type { AssetClass, ExecutionMode, Instrument, SwapMode, TradeMode } from "./types.ts";

export type { AssetClass, ExecutionMode, Instrument, SwapMode, TradeMode } from "./types.ts";

interface Base {
  cls: AssetClass;
  digits: number;
  contract: number;
  ccy: string;
  vol: [number, number, number];
  comm: number;
  swap: [number, number];
  spread: number;
  tick?: number;
}

const FX: Pick<Base, "cls" | "contract" | "vol" | "comm"> = {
  cls: "forex",
  contract: 100_000,
  vol: [0.01, 100, 0.01],
  comm: 3.5,
};

/** Defaults for the 22 instruments of ../shared/data/master (plus EURUSD of the reference data). */
const TABLE: Record<string, Base> = {
  "AUDJPY+": { ...FX, digits: 3, ccy: "JPY", swap: [-2.1, -9.5], spread: 5 },
  "AUDUSD+": { ...FX, digits: 5, ccy: "USD", swap: [-2.4, -2.6], spread: 2 },
  "EURJPY+": { ...FX, digits: 3, ccy: "JPY", swap: [6.1, -19.5], spread: 2 },
  "GBPJPY+": { ...FX, digits: 3, ccy: "JPY", swap: [9.8, -26.8], spread: 1 },
  "GBPUSD+": { ...FX, digits: 5, ccy: "USD", swap: [-2.2, -2.9], spread: 0 },
  "EURUSD": { ...FX, digits: 5, ccy: "USD", swap: [-7.3, 2.1], spread: 1 },
  "XAUUSD+": {
    cls: "metals",
    digits: 2,
    contract: 100,
    ccy: "USD",
    vol: [0.01, 100, 0.01],
    comm: 3.5,
    swap: [-45.6, 25.1],
    spread: 7,
  },
  "XAUAUD+": {
    cls: "metals",
    digits: 2,
    contract: 100,
    ccy: "AUD",
    vol: [0.01, 100, 0.01],
    comm: 3.5,
    swap: [-52.0, 20.0],
    spread: 25,
  },
  "XAGUSD": {
    cls: "metals",
    digits: 3,
    contract: 5_000,
    ccy: "USD",
    vol: [0.01, 100, 0.01],
    comm: 0,
    swap: [-6.5, 1.8],
    spread: 20,
  },
  "XPTUSD": {
    cls: "metals",
    digits: 2,
    contract: 100,
    ccy: "USD",
    vol: [0.01, 100, 0.01],
    comm: 0,
    swap: [-12.0, -4.0],
    spread: 300,
  },
  "COPPER-C": {
    cls: "metals",
    digits: 4,
    contract: 25_000,
    ccy: "USD",
    vol: [0.1, 100, 0.1],
    comm: 0,
    swap: [-3.0, -1.5],
    spread: 35,
  },
  "UKOUSD": {
    cls: "energy",
    digits: 3,
    contract: 1_000,
    ccy: "USD",
    vol: [0.01, 100, 0.01],
    comm: 0,
    swap: [-3.5, -1.0],
    spread: 23,
  },
  "DJ30ft": {
    cls: "indices",
    digits: 2,
    contract: 1,
    ccy: "USD",
    vol: [0.1, 1000, 0.1],
    comm: 0,
    swap: [-600, -250],
    spread: 500,
  },
  "EU50": {
    cls: "indices",
    digits: 2,
    contract: 1,
    ccy: "EUR",
    vol: [0.1, 1000, 0.1],
    comm: 0,
    swap: [-120, -40],
    spread: 130,
  },
  "GER40": {
    cls: "indices",
    digits: 2,
    contract: 1,
    ccy: "EUR",
    vol: [0.1, 1000, 0.1],
    comm: 0,
    swap: [-500, -150],
    spread: 50,
  },
  "NAS100": {
    cls: "indices",
    digits: 2,
    contract: 1,
    ccy: "USD",
    vol: [0.1, 1000, 0.1],
    comm: 0,
    swap: [-480, -220],
    spread: 70,
  },
  "Nikkei225": {
    cls: "indices",
    digits: 2,
    contract: 1,
    ccy: "JPY",
    vol: [0.1, 1000, 0.1],
    comm: 0,
    swap: [-1200, -400],
    spread: 700,
  },
  "SA40": {
    cls: "indices",
    digits: 2,
    contract: 1,
    ccy: "ZAR",
    vol: [0.1, 1000, 0.1],
    comm: 0,
    swap: [-1800, -300],
    spread: 1050,
  },
  "US2000": {
    cls: "indices",
    digits: 2,
    contract: 1,
    ccy: "USD",
    vol: [0.1, 1000, 0.1],
    comm: 0,
    swap: [-55, -25],
    spread: 32,
  },
  "BTCUSD": {
    cls: "crypto",
    digits: 2,
    contract: 1,
    ccy: "USD",
    vol: [0.01, 100, 0.01],
    comm: 0,
    swap: [-1800, -900],
    spread: 1594,
  },
  "BTCJPY": {
    cls: "crypto",
    digits: 0,
    contract: 1,
    ccy: "JPY",
    vol: [0.01, 100, 0.01],
    comm: 0,
    swap: [-2700, -1350],
    spread: 2360,
  },
  "ETHEUR": {
    cls: "crypto",
    digits: 2,
    contract: 1,
    ccy: "EUR",
    vol: [0.01, 1000, 0.01],
    comm: 0,
    swap: [-90, -45],
    spread: 865,
  },
  "XRPJPY": {
    cls: "crypto",
    digits: 3,
    contract: 1_000,
    ccy: "JPY",
    vol: [0.1, 10_000, 0.1],
    comm: 0,
    swap: [-8, -4],
    spread: 346,
  },
};

/** Names of the symbols that have built-in defaults. */
export const KNOWN_SYMBOLS: readonly string[] = Object.keys(TABLE);

function fromBase(symbol: string, b: Base, source: string): Instrument {
  const point = roundTo(10 ** -b.digits, b.digits);
  const tickSize = b.tick ?? point;
  const usdPer = STATIC_CONVERTER.knows(b.ccy) ? STATIC_CONVERTER.rate(b.ccy, "USD", 0) : 1;
  const letters = symbol.toUpperCase().replace(/[^A-Z]/g, "");
  const base = b.cls === "forex" && letters.length >= 6 ? letters.slice(0, 3) : b.ccy;
  return {
    symbol,
    assetClass: b.cls,
    digits: b.digits,
    point,
    tickSize,
    tickValue: Number((tickSize * b.contract * usdPer).toPrecision(12)),
    contractSize: b.contract,
    volumeMin: b.vol[0],
    volumeMax: b.vol[1],
    volumeStep: b.vol[2],
    volumeLimit: 0,
    stopsLevel: 0,
    freezeLevel: 0,
    swapLong: b.swap[0],
    swapShort: b.swap[1],
    swapMode: "points",
    tripleSwapDay: b.cls === "crypto" ? -1 : 3,
    swapWeekends: b.cls === "crypto",
    commissionPerLot: b.comm,
    tradeMode: "full",
    executionMode: "market",
    fillingMode: 3, // FOK | IOC: the common retail setup
    marginRate: 1,
    baseCurrency: base,
    currency: b.ccy,
    marginCurrency: base,
    accountCurrency: "USD",
    spreadTypical: b.spread,
    source,
  };
}

/** Guess an asset class and quote currency from an unknown name (fallback defaults only). */
function guessBase(symbol: string): Base {
  const s = symbol.toUpperCase().replace(/[^A-Z0-9]/g, "");
  if (/^(BTC|ETH|XRP|LTC|SOL|ADA|DOGE)/.test(s)) {
    return {
      cls: "crypto",
      digits: 2,
      contract: 1,
      ccy: s.slice(-3),
      vol: [0.01, 100, 0.01],
      comm: 0,
      swap: [0, 0],
      spread: 1000,
    };
  }
  if (/^X(AU|AG|PT|PD)/.test(s)) {
    return {
      cls: "metals",
      digits: 2,
      contract: 100,
      ccy: s.slice(3, 6),
      vol: [0.01, 100, 0.01],
      comm: 0,
      swap: [0, 0],
      spread: 30,
    };
  }
  if (/^[A-Z]{6}$/.test(s)) {
    const jpy = s.endsWith("JPY");
    return { ...FX, comm: 0, digits: jpy ? 3 : 5, ccy: s.slice(3), swap: [0, 0], spread: 10 };
  }
  return {
    cls: "other",
    digits: 2,
    contract: 1,
    ccy: "USD",
    vol: [0.01, 1000, 0.01],
    comm: 0,
    swap: [0, 0],
    spread: 0,
  };
}

const SWAP_MODES: readonly SwapMode[] = ["disabled", "points", "money", "interest"];
const TRADE_MODES: readonly TradeMode[] = ["disabled", "longonly", "shortonly", "closeonly", "full"];
const EXECUTION_MODES: readonly ExecutionMode[] = ["request", "instant", "market", "exchange"];

/**
 * Apply a partial override (camelCase or MT5 field names; MT5 numeric enums accepted for
 * `trade_mode` 0..4 and `swap_mode` 0 = disabled, 1 = points, 2..4 = money, 5..8 = interest).
 */
export function applySymbolOverrides(
  spec: Instrument,
  raw: Record<string, unknown>,
  where = "override",
): Instrument {
  const out: Instrument = { ...spec };
  const rec = out as unknown as Record<string, unknown>;
  for (const [k0, v] of Object.entries(raw)) {
    const k = (MT5_OVERRIDE_FIELDS[k0] ?? k0) as string;
    if (!(k in spec)) {
      throw new KinetraError("bad_symbol_spec", `${where}: unknown symbol field "${k0}" for ${spec.symbol}`);
    }
    if (k === "tradeMode") {
      out.tradeMode = typeof v === "number" ? TRADE_MODES[v] : v as TradeMode;
      if (!TRADE_MODES.includes(out.tradeMode)) {
        throw new KinetraError("bad_symbol_spec", `${where}: bad trade mode ${v} for ${spec.symbol}`);
      }
    } else if (k === "executionMode") {
      out.executionMode = typeof v === "number" ? EXECUTION_MODES[v] : v as ExecutionMode;
      if (!EXECUTION_MODES.includes(out.executionMode)) {
        throw new KinetraError("bad_symbol_spec", `${where}: bad execution mode ${v} for ${spec.symbol}`);
      }
    } else if (k === "swapMode") {
      out.swapMode = typeof v === "number"
        ? (v === 0 ? "disabled" : v === 1 ? "points" : v <= 4 ? "money" : "interest")
        : v as SwapMode;
      if (!SWAP_MODES.includes(out.swapMode)) {
        throw new KinetraError("bad_symbol_spec", `${where}: bad swap mode ${v} for ${spec.symbol}`);
      }
    } else if (typeof spec[k as keyof Instrument] === "number") {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new KinetraError(
          "bad_symbol_spec",
          `${where}: ${k0} of ${spec.symbol} must be a finite number`,
        );
      }
      rec[k] = v;
    } else {
      rec[k] = v;
    }
  }
  if (raw.digits !== undefined && raw.point === undefined) out.point = roundTo(10 ** -out.digits, out.digits);
  if (raw.digits !== undefined && raw.tickSize === undefined && raw.trade_tick_size === undefined) {
    const ratio = spec.tickValue / spec.tickSize;
    out.tickSize = out.point;
    if (raw.tickValue === undefined && raw.trade_tick_value === undefined) {
      out.tickValue = out.tickSize * ratio;
    }
  }
  validateInstrument(out);
  out.source = `${spec.source}; overridden by ${where}`;
  return out;
}

/** Throw `bad_symbol_spec` when a spec cannot be traded consistently. */
export function validateInstrument(s: Instrument): void {
  const bad = (m: string) => {
    throw new KinetraError("bad_symbol_spec", `symbol ${s.symbol}: ${m}`);
  };
  if (!(s.point > 0)) bad(`point must be > 0 (got ${s.point})`);
  if (!(s.tickSize > 0)) bad(`tick size must be > 0 (got ${s.tickSize})`);
  if (!(s.tickValue > 0)) bad(`tick value must be > 0 (got ${s.tickValue})`);
  if (!(s.contractSize > 0)) bad(`contract size must be > 0 (got ${s.contractSize})`);
  if (!(s.volumeMin > 0) || !(s.volumeStep > 0) || !(s.volumeMax >= s.volumeMin)) {
    bad(
      `volume limits must satisfy 0 < min <= max and step > 0 (got ${s.volumeMin}/${s.volumeMax}/${s.volumeStep})`,
    );
  }
  if (s.stopsLevel < 0 || s.freezeLevel < 0) bad("stops and freeze levels must be >= 0");
  if (s.commissionPerLot < 0) bad("commission per lot must be >= 0");
  if (!(s.marginRate >= 0)) bad(`margin rate must be >= 0 (got ${s.marginRate})`);
  if (!(s.volumeLimit >= 0)) bad(`volume limit must be >= 0 (got ${s.volumeLimit})`);
}

function readOverrides(path: string): Record<string, Record<string, unknown>> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new KinetraError("file_not_found", `symbol override file not found: ${path}`);
    }
    throw e;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new KinetraError(
      "bad_symbol_spec",
      `symbol override file ${path} is not valid JSON: ${(e as Error).message}`,
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new KinetraError(
      "bad_symbol_spec",
      `symbol override file ${path} must hold an object keyed by symbol`,
    );
  }
  return data as Record<string, Record<string, unknown>>;
}

/** Default location of the symbol override file (used when it exists and no path is given). */
export const DEFAULT_SYMBOL_OVERRIDES = "data/symbols.json";

/**
 * The specification of `symbol`: built-in defaults (exact name, or the name without a broker
 * suffix such as `+`, `-C`, `.r`), else a generic default guessed from the name (its `source`
 * says so), then the entry of the override file (`overridesPath`, else data/symbols.json when it
 * exists) for that symbol.
 */
export function symbolSpec(symbol: string, overridesPath?: string): Instrument {
  const name = symbol.trim();
  if (!name) throw new KinetraError("bad_symbol_spec", "symbol name is empty");
  let spec: Instrument;
  const exact = TABLE[name] ??
    Object.entries(TABLE).find(([k]) => k.toUpperCase() === name.toUpperCase())?.[1];
  if (exact) {
    spec = fromBase(name, exact, "Kinetra default for " + name + " (see docs/SYMBOLS.md)");
  } else {
    const stripped = name.replace(/([+\-.#][A-Za-z0-9]*)$/, "");
    const alias = Object.keys(TABLE).find((k) =>
      k.replace(/[+\-].*$/, "").toUpperCase() === stripped.toUpperCase()
    );
    spec = alias
      ? fromBase(name, TABLE[alias], `Kinetra default for ${alias} (name matched without suffix)`)
      : fromBase(name, guessBase(name), "generic default guessed from the name (not a known symbol)");
  }
  const path = overridesPath ?? (existsSync(DEFAULT_SYMBOL_OVERRIDES) ? DEFAULT_SYMBOL_OVERRIDES : undefined);
  if (path) {
    const all = readOverrides(path);
    const entry = all[name] ?? all[name.toUpperCase()];
    if (entry !== undefined) {
      if (typeof entry !== "object" || entry === null) {
        throw new KinetraError("bad_symbol_spec", `${path}: entry for ${name} must be an object`);
      }
      spec = applySymbolOverrides(spec, entry, path);
    }
  }
  validateInstrument(spec);
  return spec;
}

/** Money value of a price move of 1.0 for one lot, in the account currency. */
export function valuePerPriceUnit(spec: Instrument): number {
  return spec.tickValue / spec.tickSize;
}
