/**
 * Symbol specifications (the fields of MT5's `symbol_info` that trading rules and costs need),
 * with defaults for the 22 instruments of the real data set and a JSON override file.
 *
 * Where each default comes from is documented in docs/SYMBOLS.md: digits are the decimals printed
 * in the exports; contract sizes, volume limits, commission and swap are typical retail MT5 values
 * per asset class (indicative: override them with your broker's `symbol_info` values).
 *
 * @example
 * ```ts
 * import { symbolSpec } from "./symbols.ts";
 * const spec = symbolSpec("EURJPY+");
 * console.log(spec.digits, spec.point, spec.contractSize); // 3 0.001 100000
 * ```
 *
 * @module
 */
import { existsSync } from "node:fs";
import { KinetraError } from "../errors.ts";

/** Asset classes of the data set (folder names of data/master). */
export type AssetClass = "forex" | "metals" | "energy" | "indices" | "crypto" | "stocks" | "other";

/** How swap rates are expressed (MT5 SYMBOL_SWAP_MODE, reduced to the modes that matter). */
export type SwapMode = "disabled" | "points" | "money" | "interest";

/** MT5 SYMBOL_TRADE_MODE. */
export type TradeMode = "disabled" | "longonly" | "shortonly" | "closeonly" | "full";

/** One instrument's trading specification (MT5 `symbol_info` fields in camelCase). */
export interface SymbolSpec {
  /** Symbol name as in the file names, e.g. `EURJPY+`. */
  symbol: string;
  /** Asset class (folder of the data set). */
  assetClass: AssetClass;
  /** Price decimals. */
  digits: number;
  /** 10^-digits: the unit of spreads, stops levels, slippage and swap points. */
  point: number;
  /** Minimal price change (`trade_tick_size`). */
  tickSize: number;
  /** Value of one tick for one lot, in the account currency (`trade_tick_value`). */
  tickValue: number;
  /** Units of the underlying per lot (`trade_contract_size`). */
  contractSize: number;
  /** Smallest volume per deal, lots. */
  volumeMin: number;
  /** Largest volume per deal, lots. */
  volumeMax: number;
  /** Volume step, lots. */
  volumeStep: number;
  /** Minimal distance of SL/TP/pending prices from the market, in points (0 = none). */
  stopsLevel: number;
  /** Distance in points inside which orders cannot be modified (0 = none). */
  freezeLevel: number;
  /** Swap for a long position per night (unit by `swapMode`; negative = charged). */
  swapLong: number;
  /** Swap for a short position per night. */
  swapShort: number;
  /** How swapLong/swapShort are expressed. */
  swapMode: SwapMode;
  /**
   * Day (0 = Sunday … 6 = Saturday) whose night is charged three times (MT5
   * `swap_rollover3days`, usually 3 = Wednesday); -1 = never.
   */
  tripleSwapDay: number;
  /** True when Saturday and Sunday nights are charged too (24/7 crypto). */
  swapWeekends: boolean;
  /** Commission per lot per side, in the account currency. */
  commissionPerLot: number;
  /** Which orders the symbol accepts. */
  tradeMode: TradeMode;
  /** Profit currency of the instrument (the quote currency). */
  currency: string;
  /** Account currency the tick value is expressed in. */
  accountCurrency: string;
  /** Typical spread in points (used when the bars have no spread column). */
  spreadTypical: number;
  /** Where the values come from (shown by docs and the CLI). */
  source: string;
}

/** Static conversion rates to USD used to express tick values of non-USD quotes (approximate). */
export const USD_PER: Readonly<Record<string, number>> = {
  USD: 1,
  JPY: 1 / 150,
  EUR: 1.08,
  AUD: 0.65,
  GBP: 1.27,
  ZAR: 1 / 18.5,
};

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

function roundTo(x: number, digits: number): number {
  return Number(x.toFixed(Math.min(15, Math.max(0, digits))));
}

function fromBase(symbol: string, b: Base, source: string): SymbolSpec {
  const point = roundTo(10 ** -b.digits, b.digits);
  const tickSize = b.tick ?? point;
  const usdPer = USD_PER[b.ccy] ?? 1;
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
    stopsLevel: 0,
    freezeLevel: 0,
    swapLong: b.swap[0],
    swapShort: b.swap[1],
    swapMode: "points",
    tripleSwapDay: b.cls === "crypto" ? -1 : 3,
    swapWeekends: b.cls === "crypto",
    commissionPerLot: b.comm,
    tradeMode: "full",
    currency: b.ccy,
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

/** MT5 snake_case field names accepted in override files, mapped to SymbolSpec keys. */
const MT5_FIELD: Record<string, keyof SymbolSpec> = {
  trade_tick_size: "tickSize",
  trade_tick_value: "tickValue",
  trade_contract_size: "contractSize",
  volume_min: "volumeMin",
  volume_max: "volumeMax",
  volume_step: "volumeStep",
  trade_stops_level: "stopsLevel",
  stops_level: "stopsLevel",
  trade_freeze_level: "freezeLevel",
  freeze_level: "freezeLevel",
  swap_long: "swapLong",
  swap_short: "swapShort",
  swap_mode: "swapMode",
  swap_rollover3days: "tripleSwapDay",
  commission_per_lot: "commissionPerLot",
  trade_mode: "tradeMode",
  currency_profit: "currency",
  spread_typical: "spreadTypical",
};

const SWAP_MODES: readonly SwapMode[] = ["disabled", "points", "money", "interest"];
const TRADE_MODES: readonly TradeMode[] = ["disabled", "longonly", "shortonly", "closeonly", "full"];

/**
 * Apply a partial override (camelCase or MT5 field names; MT5 numeric enums accepted for
 * `trade_mode` 0..4 and `swap_mode` 0 = disabled, 1 = points, 2..4 = money, 5..8 = interest).
 */
export function applySymbolOverrides(
  spec: SymbolSpec,
  raw: Record<string, unknown>,
  where = "override",
): SymbolSpec {
  const out: SymbolSpec = { ...spec };
  const rec = out as unknown as Record<string, unknown>;
  for (const [k0, v] of Object.entries(raw)) {
    const k = (MT5_FIELD[k0] ?? k0) as string;
    if (!(k in spec)) {
      throw new KinetraError("bad_symbol_spec", `${where}: unknown symbol field "${k0}" for ${spec.symbol}`);
    }
    if (k === "tradeMode") {
      out.tradeMode = typeof v === "number" ? TRADE_MODES[v] : v as TradeMode;
      if (!TRADE_MODES.includes(out.tradeMode)) {
        throw new KinetraError("bad_symbol_spec", `${where}: bad trade mode ${v} for ${spec.symbol}`);
      }
    } else if (k === "swapMode") {
      out.swapMode = typeof v === "number"
        ? (v === 0 ? "disabled" : v === 1 ? "points" : v <= 4 ? "money" : "interest")
        : v as SwapMode;
      if (!SWAP_MODES.includes(out.swapMode)) {
        throw new KinetraError("bad_symbol_spec", `${where}: bad swap mode ${v} for ${spec.symbol}`);
      }
    } else if (typeof spec[k as keyof SymbolSpec] === "number") {
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
  validateSymbolSpec(out);
  out.source = `${spec.source}; overridden by ${where}`;
  return out;
}

/** Throw `bad_symbol_spec` when a spec cannot be traded consistently. */
export function validateSymbolSpec(s: SymbolSpec): void {
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
export function symbolSpec(symbol: string, overridesPath?: string): SymbolSpec {
  const name = symbol.trim();
  if (!name) throw new KinetraError("bad_symbol_spec", "symbol name is empty");
  let spec: SymbolSpec;
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
  validateSymbolSpec(spec);
  return spec;
}

/** Money value of a price move of 1.0 for one lot, in the account currency. */
export function valuePerPriceUnit(spec: SymbolSpec): number {
  return spec.tickValue / spec.tickSize;
}

/**
 * Normalise a volume to the symbol's step (floor), clamped to the maximum. Returns 0 when the
 * result is below the minimum (the order cannot be sent: MT5 retcode 10014).
 */
export function normalizeVolume(lots: number, spec: SymbolSpec): number {
  if (!(lots > 0) || !Number.isFinite(lots)) return 0;
  const step = spec.volumeStep;
  let v = Math.floor(lots / step + 1e-9) * step;
  v = Math.min(v, spec.volumeMax);
  const dec = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  v = Number(v.toFixed(Math.min(dec + 2, 12)));
  return v + 1e-12 < spec.volumeMin ? 0 : v;
}

/** Round a price to the symbol's tick size and digits (MQL5 standard library rule). */
export function normalizePrice(price: number, spec: SymbolSpec): number {
  return roundTo(Math.round(price / spec.tickSize) * spec.tickSize, spec.digits);
}
