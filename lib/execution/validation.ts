/**
 * The trade server's checks as pure functions returning MT5 retcodes, shared by the broker's order
 * validator (lib/broker/validator.ts: live runner, paper broker, EA simulator) and the backtest
 * engine. Each returns `null` when the check passes, else a {@link Refusal}.
 *
 * @example
 * ```ts
 * import { checkTradeMode, checkVolume } from "./validation.ts";
 * import { symbolSpec } from "../market/instrument.ts";
 * const eu = { ...symbolSpec("EURUSD"), tradeMode: "longonly" as const };
 * console.log(checkTradeMode(eu, -1, false)?.retcode); // 10042
 * console.log(checkVolume(eu, 0.015)?.reason); // invalid_volume
 * ```
 *
 * @module
 */
import { RETCODE, retcodeName } from "../market/mt5_constants.ts";
import { isVolumeOnStep, normalizeVolume } from "../market/normalize.ts";
import type { Instrument } from "../market/types.ts";

/** A refused order: MT5 retcode, short reason code (e.g. `invalid_stops`) and a human message. */
export interface Refusal {
  /** MT5 trade server return code. */
  retcode: number;
  /** Short reason code, e.g. `invalid_stops`. */
  reason: string;
  /** Human explanation. */
  message: string;
}

/** The short reason code of a retcode: its MQL5 name in lower case (10016 → `invalid_stops`). */
export function reasonOf(retcode: number): string {
  return retcodeName(retcode).toLowerCase();
}

/** A refusal with `reasonOf(retcode)` unless a reason is given. */
export function refusal(retcode: number, message: string, reason: string = reasonOf(retcode)): Refusal {
  return { retcode, reason, message };
}

/**
 * The symbol's trade mode against a deal of `side` (+1 buy, -1 sell): disabled 10017, and unless
 * the deal closes a position, close-only 10044, long-only 10042, short-only 10043.
 */
export function checkTradeMode(spec: Instrument, side: number, closing: boolean): Refusal | null {
  const tm = spec.tradeMode;
  if (tm === "disabled") return refusal(RETCODE.TRADE_DISABLED, `trading is disabled for ${spec.symbol}`);
  if (closing) return null;
  if (tm === "closeonly") return refusal(RETCODE.CLOSE_ONLY, `${spec.symbol} allows closing positions only`);
  if (tm === "longonly" && side < 0) {
    return refusal(RETCODE.LONG_ONLY, `${spec.symbol} allows long positions only`);
  }
  if (tm === "shortonly" && side > 0) {
    return refusal(RETCODE.SHORT_ONLY, `${spec.symbol} allows short positions only`);
  }
  return null;
}

/** True when `lots` is within the symbol's volume limits and on its step. */
export function volumeValid(spec: Instrument, lots: number): boolean {
  return Number.isFinite(lots) && lots > 0 && lots >= spec.volumeMin - 1e-12 &&
    lots <= spec.volumeMax + 1e-12 && isVolumeOnStep(spec, lots);
}

/** Volume: a positive number within [min, max] on the step, else 10014. */
export function checkVolume(spec: Instrument, lots: number): Refusal | null {
  if (!Number.isFinite(lots) || lots <= 0) {
    return refusal(RETCODE.INVALID_VOLUME, `volume must be a positive number, got ${lots}`);
  }
  if (!volumeValid(spec, lots)) {
    return refusal(
      RETCODE.INVALID_VOLUME,
      `volume ${lots} is outside [${spec.volumeMin}, ${spec.volumeMax}] or off the step ${spec.volumeStep}`,
    );
  }
  return null;
}

/**
 * The auto-adjusting rule for a volume (the validator with `autoAdjust`, the engine's sizes in lots):
 * floored to the step and clamped to the maximum; below the minimum after that, 10014. Returns the
 * normalised lots (0 when refused) and the refusal.
 */
export function checkNormalizedVolume(
  spec: Instrument,
  lots: number,
): { lots: number; refusal: Refusal | null } {
  const r = checkVolume(spec, lots);
  if (r === null) return { lots, refusal: null };
  const fixed = Number.isFinite(lots) && lots > 0 ? normalizeVolume(spec, lots) : 0;
  if (fixed !== 0) return { lots: fixed, refusal: null };
  return {
    lots: 0,
    refusal: refusal(
      RETCODE.INVALID_VOLUME,
      `volume ${lots} is outside [${spec.volumeMin}, ${spec.volumeMax}] or off the step ${spec.volumeStep}` +
        " (below the minimum after normalising)",
    ),
  };
}

/** A pending order's price: a positive finite number, else 10015. */
export function checkOrderPrice(price: number | undefined): Refusal | null {
  if (price === undefined || !Number.isFinite(price) || price <= 0) {
    return refusal(RETCODE.INVALID_PRICE, `a pending order needs a positive price, got ${price}`);
  }
  return null;
}

/**
 * Whole points between a stop level and the price it is measured from, positive on the correct
 * side: a buy's SL below `ref` and TP above it, mirrored for a sell.
 */
export function stopDistancePoints(
  spec: Pick<Instrument, "point">,
  buy: boolean,
  field: "sl" | "tp",
  level: number,
  ref: number,
): number {
  const below = (field === "sl") === buy;
  return below ? Math.round((ref - level) / spec.point) : Math.round((level - ref) / spec.point);
}

/**
 * Fewest whole points a stop must keep from its reference: the stops level (at least 1), plus one
 * point for the `client` comparison (Kinetra's pre-check margin; the `server` accepts equality).
 */
export function minStopPoints(spec: Pick<Instrument, "stopsLevel">, comparison: "server" | "client"): number {
  return Math.max(1, spec.stopsLevel + (comparison === "server" ? 0 : 1));
}

/**
 * MT5's stops rule for a position's SL/TP (as set or modified): each given level on the correct
 * side of `ref` (Bid for a buy, Ask for a sell; the open price for a pending order) and at least
 * {@link minStopPoints} away, else 10016.
 */
export function checkStops(
  spec: Instrument,
  buy: boolean,
  ref: number,
  sl: number | undefined,
  tp: number | undefined,
  comparison: "server" | "client",
): Refusal | null {
  const need = minStopPoints(spec, comparison);
  for (const [field, v] of [["sl", sl], ["tp", tp]] as const) {
    if (v === undefined || v === 0 || v !== v) continue;
    const dist = stopDistancePoints(spec, buy, field, v, ref);
    if (dist < need) {
      return refusal(
        RETCODE.INVALID_STOPS,
        `${field.toUpperCase()} ${v} is ${
          dist <= 0 ? "on the wrong side of" : `only ${dist} points from`
        } ${ref} for a ${
          buy ? "buy" : "sell"
        } (at least ${need} points needed, stops level ${spec.stopsLevel})`,
      );
    }
  }
  return null;
}

/** Free margin against what an order needs, else 10019. */
export function checkMargin(need: number, free: number, currency: string): Refusal | null {
  if (need > free + 1e-9) {
    return refusal(
      RETCODE.NO_MONEY,
      `not enough money: margin ${need.toFixed(2)} ${currency} needed, ${free.toFixed(2)} free`,
    );
  }
  return null;
}
