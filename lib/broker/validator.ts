/**
 * The MT5 order validator: the trade server's checks, in the server's order, with the real
 * retcodes (research note §3 and §5.6). Used by the live runner before every order (client
 * comparison: one point stricter than the server), by the paper broker and by the simulator
 * (server comparison). With `autoAdjust` it normalises volume and prices, moves too-close stops
 * to a safe distance and picks an allowed filling policy, reporting every change.
 *
 * @module
 */
import {
  ORDER_FILLING,
  ORDER_TYPE,
  RETCODE,
  retcodeName,
  SYMBOL_FILLING,
  TRADE_ACTION,
} from "../market/mt5_constants.ts";
import { isNormalizedPrice, normalizePrice, pointsBetween } from "../market/normalize.ts";
import {
  checkMargin,
  checkNormalizedVolume,
  checkOrderPrice,
  checkTradeMode,
  checkVolume,
  minStopPoints,
  type Refusal,
  stopDistancePoints,
  volumeValid,
} from "../execution/validation.ts";
import type { Instrument } from "../market/types.ts";
import { marginRequired } from "../market/costs.ts";
import { isBuyOrderType, sideOfPositionType } from "../market/side.ts";
import type { AccountInfo, BrokerPosition, Quote, TradeRequest } from "./types.ts";

/** What the validator needs to know about the market and the account. */
export interface ValidationContext {
  /** The symbol's trading rules. */
  spec: Instrument;
  /** The current quote. */
  quote: Quote;
  /** For the margin check and the account's trading permissions. */
  account?: AccountInfo;
  /** Open positions (closes, SL/TP changes, volume_limit). */
  positions?: readonly BrokerPosition[];
  /** False when the symbol's session is closed. Default true. */
  marketOpen?: boolean;
  /** Margin a request needs, in the deposit currency. Default: {@link defaultMarginRequired}. */
  marginRequired?: (req: TradeRequest, price: number) => number;
}

/** Validator options. */
export interface ValidatorOptions {
  /** Normalise volume and prices, move too-close stops, pick a filling. Default false. */
  autoAdjust?: boolean;
  /**
   * `server`: a distance equal to the stops/freeze level is accepted (what the trade server does);
   * `client`: one point more is required (Kinetra's pre-check margin). Default `client`.
   */
  comparison?: "server" | "client";
  /** Points added beyond the stops level when auto-adjusting a stop. Default 1. */
  safetyPoints?: number;
}

/** One change made by auto-adjust. */
export interface Adjustment {
  /** The request field that was changed. */
  field: "volume" | "price" | "sl" | "tp" | "type_filling";
  /** Value before the change (null when unset). */
  from: number | null;
  /** Value after the change. */
  to: number;
  /** Why the value was changed. */
  reason: string;
}

/** The validator's verdict: retcode 10009 (DONE) when the request may be sent. */
export interface ValidationResult {
  /** True when the request may be sent. */
  ok: boolean;
  /** MT5 trade server return code. */
  retcode: number;
  /** Name of the retcode (MQL5 constant without prefix). */
  retcode_name: string;
  /** Human explanation. */
  message: string;
  /** The request after auto-adjustments (the original when none). */
  request: TradeRequest;
  /** Every change auto-adjust made. */
  adjustments: Adjustment[];
}

/**
 * Default margin: the cost model's {@link marginRequired} (volume × contract size × price in the
 * deposit currency through the tick value, × the margin rate, / the leverage, at least 1:1).
 */
export function defaultMarginRequired(
  spec: Instrument,
  leverage: number,
  volume: number,
  price: number,
): number {
  return marginRequired(spec, volume, price, Math.max(1, leverage));
}

class Rejection {
  constructor(readonly retcode: number, readonly message: string) {}
}

/** Throw a core check's refusal (the validator's control flow). */
function refuse(r: Refusal | null): void {
  if (r) throw new Rejection(r.retcode, r.message);
}

/**
 * Validate (and with `autoAdjust`, repair) one trade request against the symbol's rules.
 *
 * @example
 * ```ts
 * import { validateOrder } from "./validator.ts";
 * import { symbolSpec } from "../market/instrument.ts";
 * const spec = { ...symbolSpec("EURUSD"), stopsLevel: 30, freezeLevel: 10, fillingMode: 1 };
 * const quote = { symbol: "EURUSD", bid: 1.1, ask: 1.1002, time_msc: 0 };
 * const v = validateOrder({ action: 1, symbol: "EURUSD", volume: 0.013, type: 0, sl: 1.0999 }, { spec, quote }, {
 *   autoAdjust: true,
 * });
 * console.log(v.retcode, v.request.volume, v.request.sl); // 10009 0.01 1.09968
 * ```
 */
export function validateOrder(
  req: TradeRequest,
  ctx: ValidationContext,
  opts: ValidatorOptions = {},
): ValidationResult {
  const adjustments: Adjustment[] = [];
  const r: TradeRequest = { ...req };
  try {
    checkRequest(r, ctx, opts, adjustments);
    return {
      ok: true,
      retcode: RETCODE.DONE,
      retcode_name: retcodeName(RETCODE.DONE),
      message: adjustments.length ? `valid after ${adjustments.length} adjustment(s)` : "valid",
      request: r,
      adjustments,
    };
  } catch (e) {
    if (!(e instanceof Rejection)) throw e;
    return {
      ok: false,
      retcode: e.retcode,
      retcode_name: retcodeName(e.retcode),
      message: e.message,
      request: r,
      adjustments,
    };
  }
}

function checkRequest(
  r: TradeRequest,
  ctx: ValidationContext,
  opts: ValidatorOptions,
  adj: Adjustment[],
): void {
  const { spec, quote } = ctx;
  const extra = opts.comparison === "server" ? 0 : 1;
  const auto = opts.autoAdjust === true;
  const safety = Math.max(0, opts.safetyPoints ?? 1);
  if (r.symbol !== spec.symbol) throw new Rejection(RETCODE.INVALID, `unknown symbol ${r.symbol}`);
  if (ctx.account && !ctx.account.trade_allowed) {
    throw new Rejection(
      RETCODE.TRADE_DISABLED,
      "trading is not allowed on this account (investor password?)",
    );
  }
  if (ctx.account && !ctx.account.trade_expert) {
    throw new Rejection(RETCODE.SERVER_DISABLES_AT, "automated trading is disabled for this account");
  }

  const closing = r.action === TRADE_ACTION.DEAL && r.position !== undefined && r.position !== "";
  const position = r.position ? ctx.positions?.find((p) => p.ticket === r.position) : undefined;

  if (r.action === TRADE_ACTION.SLTP) return checkModify(r, ctx, extra, auto, safety, adj, position);
  if (r.action !== TRADE_ACTION.DEAL && r.action !== TRADE_ACTION.PENDING) {
    throw new Rejection(RETCODE.INVALID, `unsupported trade action ${r.action}`);
  }
  const pending = r.action === TRADE_ACTION.PENDING;
  if (pending && !(r.type >= ORDER_TYPE.BUY_LIMIT && r.type <= ORDER_TYPE.SELL_STOP)) {
    throw new Rejection(RETCODE.INVALID_ORDER, `order type ${r.type} is not a pending limit/stop order`);
  }
  if (!pending && r.type !== ORDER_TYPE.BUY && r.type !== ORDER_TYPE.SELL) {
    throw new Rejection(RETCODE.INVALID_ORDER, `order type ${r.type} is not a market buy/sell`);
  }
  const buy = isBuyOrderType(r.type);

  // 1. Trade mode.
  refuse(checkTradeMode(spec, buy ? 1 : -1, closing));
  // 2. Session.
  if (ctx.marketOpen === false) {
    throw new Rejection(RETCODE.MARKET_CLOSED, `market closed for ${spec.symbol}`);
  }

  // 3. Volume.
  if (!Number.isFinite(r.volume) || r.volume <= 0) {
    throw new Rejection(RETCODE.INVALID_VOLUME, `volume must be a positive number, got ${r.volume}`);
  }
  if (!volumeValid(spec, r.volume)) {
    if (!auto) refuse(checkVolume(spec, r.volume));
    const { lots: fixed, refusal } = checkNormalizedVolume(spec, r.volume);
    refuse(refusal);
    adj.push({
      field: "volume",
      from: r.volume,
      to: fixed,
      reason: `normalised to step ${spec.volumeStep}`,
    });
    r.volume = fixed;
  }

  // 4. Closing a position: it must exist, be reduced by an opposite deal, not beyond its volume,
  // and not be frozen.
  if (closing) {
    if (!position) throw new Rejection(RETCODE.POSITION_CLOSED, `position ${r.position} does not exist`);
    if (sideOfPositionType(position.type) === (buy ? 1 : -1)) {
      throw new Rejection(RETCODE.INVALID, `closing deal for position ${r.position} must be opposite to it`);
    }
    if (r.volume > position.volume + 1e-9) {
      throw new Rejection(
        RETCODE.INVALID_CLOSE_VOLUME,
        `close volume ${r.volume} exceeds position volume ${position.volume}`,
      );
    }
    checkQuote(quote);
    checkFreeze(spec, quote, position, extra);
    checkFilling(r, spec, false, auto, adj);
    return;
  }

  // 5. Volume limit per direction.
  if (spec.volumeLimit > 0 && ctx.positions) {
    const same = ctx.positions.filter((p) =>
      p.symbol === spec.symbol && sideOfPositionType(p.type) === (buy ? 1 : -1)
    )
      .reduce((s, p) => s + p.volume, 0);
    if (same + r.volume > spec.volumeLimit + 1e-9) {
      throw new Rejection(
        RETCODE.LIMIT_VOLUME,
        `volume limit ${spec.volumeLimit} for ${spec.symbol} would be exceeded (${same} open + ${r.volume})`,
      );
    }
  }

  // 6. Quote and price.
  checkQuote(quote);
  const market = buy ? quote.ask : quote.bid;
  let open: number;
  if (pending) {
    refuse(checkOrderPrice(r.price));
    normalizeField(r, "price", spec, auto, adj);
    open = r.price!;
    checkPendingPrice(r, spec, quote, extra, auto, safety, adj);
    open = r.price!;
  } else {
    const instant = spec.executionMode === "instant" || spec.executionMode === "request";
    if (instant) {
      if (r.price === undefined || !(r.price > 0)) {
        if (!auto) throw new Rejection(RETCODE.INVALID_PRICE, "instant execution needs the request's price");
        adj.push({
          field: "price",
          from: r.price ?? null,
          to: market,
          reason: "filled in the current price",
        });
        r.price = market;
      }
      normalizeField(r, "price", spec, auto, adj);
      const dev = Math.abs(pointsBetween(spec, r.price!, market));
      if (dev > (r.deviation ?? 0)) {
        throw new Rejection(
          RETCODE.REQUOTE,
          `requote: price ${r.price} is ${dev} points from the market ${market} (deviation ${
            r.deviation ?? 0
          })`,
        );
      }
    }
    open = market;
  }

  // 7. Stops.
  checkStops(r, spec, buy, pending ? open : (buy ? quote.bid : quote.ask), pending, extra, auto, safety, adj);

  // 8. Filling.
  checkFilling(r, spec, pending, auto, adj);

  // 9. Margin.
  if (ctx.account) {
    const need = ctx.marginRequired
      ? ctx.marginRequired(r, open)
      : defaultMarginRequired(spec, ctx.account.leverage, r.volume, open);
    refuse(checkMargin(need, ctx.account.margin_free, ctx.account.currency));
  }
}

function checkQuote(q: Quote): void {
  if (!(q.bid > 0) || !(q.ask > 0) || q.ask < q.bid) {
    throw new Rejection(RETCODE.PRICE_OFF, `no valid quote (bid ${q.bid}, ask ${q.ask})`);
  }
}

function normalizeField(
  r: TradeRequest,
  field: "price" | "sl" | "tp",
  spec: Instrument,
  auto: boolean,
  adj: Adjustment[],
): void {
  const v = r[field];
  if (v === undefined || v === 0) return;
  if (!Number.isFinite(v) || v < 0) {
    throw new Rejection(
      field === "price" ? RETCODE.INVALID_PRICE : RETCODE.INVALID_STOPS,
      `${field} must be a positive number, got ${v}`,
    );
  }
  if (isNormalizedPrice(spec, v)) return;
  if (!auto) {
    throw new Rejection(
      field === "price" ? RETCODE.INVALID_PRICE : RETCODE.INVALID_STOPS,
      `${field} ${v} is not on the price grid (tick size ${spec.tickSize}, ${spec.digits} digits)`,
    );
  }
  const to = normalizePrice(spec, v);
  adj.push({ field, from: v, to, reason: `normalised to tick size ${spec.tickSize}` });
  r[field] = to;
}

/** Pending price rules: side and stops level measured from Ask (buy) or Bid (sell). */
function checkPendingPrice(
  r: TradeRequest,
  spec: Instrument,
  q: Quote,
  extra: number,
  auto: boolean,
  safety: number,
  adj: Adjustment[],
): void {
  const L = spec.stopsLevel;
  const need = Math.max(1, L + extra);
  // dist > 0 means the correct side.
  const [ref, sign, label] = r.type === ORDER_TYPE.BUY_LIMIT
    ? [q.ask, -1, "Ask − price"]
    : r.type === ORDER_TYPE.SELL_LIMIT
    ? [q.bid, 1, "price − Bid"]
    : r.type === ORDER_TYPE.BUY_STOP
    ? [q.ask, 1, "price − Ask"]
    : [q.bid, -1, "Bid − price"];
  const dist = sign * pointsBetween(spec, r.price!, ref);
  if (dist >= need) return;
  if (dist <= 0 || !auto) {
    throw new Rejection(
      RETCODE.INVALID_PRICE,
      `pending price ${r.price}: ${label} = ${dist} points, at least ${need} needed (stops level ${L})`,
    );
  }
  const to = normalizePrice(spec, ref + sign * (L + extra + safety) * spec.point);
  adj.push({
    field: "price",
    from: r.price!,
    to,
    reason: `moved to ${L + extra + safety} points from ${label}`,
  });
  r.price = to;
}

/**
 * SL/TP rules: measured from Bid (buy) or Ask (sell) for market orders and from the open price
 * for pending orders; correct side always, and at least the stops level away.
 */
function checkStops(
  r: TradeRequest,
  spec: Instrument,
  buy: boolean,
  ref: number,
  pending: boolean,
  extra: number,
  auto: boolean,
  safety: number,
  adj: Adjustment[],
): void {
  normalizeField(r, "sl", spec, auto, adj);
  normalizeField(r, "tp", spec, auto, adj);
  const L = spec.stopsLevel;
  const need = minStopPoints(spec, extra ? "client" : "server");
  const refName = pending ? "open price" : buy ? "Bid" : "Ask";
  for (const field of ["sl", "tp"] as const) {
    const v = r[field];
    if (v === undefined || v === 0) continue;
    // For a buy the SL sits below the reference and the TP above it; mirrored for a sell.
    const sign = (field === "sl") === buy ? -1 : 1;
    const dist = stopDistancePoints(spec, buy, field, v, ref);
    if (dist >= need) continue;
    if (dist <= 0 || !auto) {
      throw new Rejection(
        RETCODE.INVALID_STOPS,
        `${field.toUpperCase()} ${v} is ${
          dist <= 0 ? "on the wrong side of" : `only ${dist} points from`
        } the ${refName} ${ref}` +
          ` (at least ${need} points needed, stops level ${L})`,
      );
    }
    const to = normalizePrice(spec, ref + sign * (L + extra + safety) * spec.point);
    adj.push({ field, from: v, to, reason: `moved to ${L + extra + safety} points from the ${refName}` });
    r[field] = to;
  }
}

/** Freeze level: a position whose SL/TP lies within F of the closing price cannot be changed. */
function checkFreeze(spec: Instrument, q: Quote, p: BrokerPosition, extra: number): void {
  const F = spec.freezeLevel;
  if (F <= 0) return;
  const need = F + extra;
  const buyPos = sideOfPositionType(p.type) > 0;
  const ref = buyPos ? q.bid : q.ask;
  const checks: [number, number][] = [];
  if (p.tp > 0) checks.push([p.tp, buyPos ? 1 : -1]);
  if (p.sl > 0) checks.push([p.sl, buyPos ? -1 : 1]);
  for (const [level, sign] of checks) {
    const dist = sign * pointsBetween(spec, level, ref);
    if (dist < need) {
      throw new Rejection(
        RETCODE.FROZEN,
        `position ${p.ticket} is frozen: a stop at ${level} is ${dist} points from ${
          buyPos ? "Bid" : "Ask"
        } ${ref} (freeze level ${F})`,
      );
    }
  }
}

function checkModify(
  r: TradeRequest,
  ctx: ValidationContext,
  extra: number,
  auto: boolean,
  safety: number,
  adj: Adjustment[],
  position: BrokerPosition | undefined,
): void {
  const { spec, quote } = ctx;
  if (!position) throw new Rejection(RETCODE.POSITION_CLOSED, `position ${r.position} does not exist`);
  if (spec.tradeMode === "disabled") {
    throw new Rejection(RETCODE.TRADE_DISABLED, `trading is disabled for ${spec.symbol}`);
  }
  if (ctx.marketOpen === false) {
    throw new Rejection(RETCODE.MARKET_CLOSED, `market closed for ${spec.symbol}`);
  }
  checkQuote(quote);
  normalizeField(r, "sl", spec, auto, adj);
  normalizeField(r, "tp", spec, auto, adj);
  const tol = spec.point * 0.5;
  if (Math.abs((r.sl ?? 0) - position.sl) < tol && Math.abs((r.tp ?? 0) - position.tp) < tol) {
    throw new Rejection(
      RETCODE.NO_CHANGES,
      `no changes: SL ${position.sl} and TP ${position.tp} already set`,
    );
  }
  checkFreeze(spec, quote, position, extra);
  const buy = sideOfPositionType(position.type) > 0;
  checkStops(r, spec, buy, buy ? quote.bid : quote.ask, false, extra, auto, safety, adj);
}

/** Filling policy against the symbol's flags and execution mode (§3.6); wrong choice = 10030. */
function checkFilling(
  r: TradeRequest,
  spec: Instrument,
  pending: boolean,
  auto: boolean,
  adj: Adjustment[],
): void {
  const f = r.type_filling ?? ORDER_FILLING.FOK;
  if (fillingAllowed(spec, f, pending, r.type)) {
    r.type_filling = f;
    return;
  }
  const pick = allowedFilling(spec, pending, r.type);
  if (!auto || pick === null) {
    throw new Rejection(
      RETCODE.INVALID_FILL,
      `filling ${
        fillingName(f)
      } is not supported by ${spec.symbol} (flags ${spec.fillingMode}, execution ${spec.executionMode})`,
    );
  }
  adj.push({
    field: "type_filling",
    from: f,
    to: pick,
    reason: `${fillingName(pick)} is what the symbol allows`,
  });
  r.type_filling = pick;
}

/** True when a filling policy is allowed for this symbol and order kind. */
export function fillingAllowed(
  spec: Instrument,
  filling: number,
  pending: boolean,
  type: number,
): boolean {
  const exe = spec.executionMode;
  const instant = exe === "instant" || exe === "request";
  switch (filling) {
    case ORDER_FILLING.FOK:
      return (spec.fillingMode & SYMBOL_FILLING.FOK) !== 0 || (instant && !pending);
    case ORDER_FILLING.IOC:
      return !instant && (spec.fillingMode & SYMBOL_FILLING.IOC) !== 0;
    case ORDER_FILLING.BOC:
      return pending && (type === ORDER_TYPE.BUY_LIMIT || type === ORDER_TYPE.SELL_LIMIT) &&
        (spec.fillingMode & SYMBOL_FILLING.BOC) !== 0;
    case ORDER_FILLING.RETURN:
      if (instant && !pending) return false;
      return pending ? true : exe === "exchange";
    default:
      return false;
  }
}

/** The filling policy Kinetra picks for a symbol: FOK, else IOC, else RETURN; null when none fits. */
export function allowedFilling(spec: Instrument, pending: boolean, type: number): number | null {
  for (const f of [ORDER_FILLING.FOK, ORDER_FILLING.IOC, ORDER_FILLING.RETURN]) {
    if (fillingAllowed(spec, f, pending, type)) return f;
  }
  return null;
}

function fillingName(f: number): string {
  return (["FOK", "IOC", "RETURN", "BOC"] as const)[f] ?? String(f);
}
