/**
 * The wire schema of the MT5 bridge: every message the Expert Advisor sends to Kinetra (events and
 * the `data` of each reply) and every field Kinetra sends to the EA, as data. The same tables drive
 * {@link validateIncoming} / {@link validateReply} (the runner and the listener check every EA
 * message with them), the conversion of server times to UTC at the edge ({@link replyToUtc},
 * {@link eventToUtc}), and the conformance test that reads KinetraBridge.mq5 and fails when a field
 * it sends or reads differs from these definitions.
 *
 * Time rule: the EA sends times as the trade server stamps them (`TimeCurrent()`, `CopyRates`,
 * deal and position times: the server's local time, e.g. GMT+2, GMT+3 in summer) in fields of kind
 * `time`, and reports the server's offset `srv_offset_s = TimeTradeServer() − TimeGMT()` in `hello`
 * and in a `server_time` event whenever it changes (daylight saving). The listener converts every
 * `time` field to UTC (`utc = server − srv_offset_s·1000`) before anything else in Kinetra sees it;
 * fields of kind `utc` are already UTC.
 *
 * @module
 */
import { POSITION_TYPE, RETCODE } from "../market/mt5_constants.ts";

/** The kind of one field. `id` = a decimal string (tickets, magic: MQL5 ulong can exceed 2^53). */
export type FieldKind =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "id"
  | "time"
  | "utc"
  | "object"
  | "array"
  | "any";

/** One field of a message. */
export interface Field {
  /** The field's type. */
  kind: FieldKind;
  /** May be absent. */
  optional?: boolean;
  /** Allowed values (strings). */
  oneOf?: readonly string[];
  /** Allowed values (integers: an MT5 enumeration the field must hold). */
  values?: readonly number[];
  /** Fields of an object, or of each element of an array of objects. */
  fields?: Schema;
}

/** Fields of one message or object, by name. */
export type Schema = Readonly<Record<string, Field>>;

const f = (kind: FieldKind, extra: Partial<Field> = {}): Field => ({ kind, ...extra });
const opt = (x: Field): Field => ({ ...x, optional: true });
const obj = (fields: Schema): Field => ({ kind: "object", fields });
const arr = (fields: Schema): Field => ({ kind: "array", fields });
const str = f("string"), num = f("number"), int = f("integer"), bool = f("boolean"), id = f("id");
const time = f("time"), utc = f("utc");

/** account_info (ACCOUNT_* properties). */
export const ACCOUNT_SCHEMA: Schema = {
  login: id,
  server: str,
  company: str,
  currency: str,
  trade_mode: int,
  margin_mode: int,
  leverage: int,
  trade_allowed: bool,
  trade_expert: bool,
  balance: num,
  equity: num,
  margin: num,
  margin_free: num,
};

/**
 * terminal_info: TERMINAL_BUILD / CONNECTED / TRADE_ALLOWED (the Algo Trading button) and the EA's
 * own permission `ea_trade_allowed` = MQLInfoInteger(MQL_TRADE_ALLOWED) ("Allow Algo Trading" in
 * the EA's properties). (`tradeapi_disabled` exists only in the Python package, not in MQL5.)
 */
export const TERMINAL_SCHEMA: Schema = {
  build: int,
  connected: bool,
  trade_allowed: bool,
  ea_trade_allowed: bool,
};

/** symbol_spec (SYMBOL_* properties; order_mode = SYMBOL_ORDER_MODE flags, SL 16, TP 32). */
export const SPEC_SCHEMA: Schema = {
  name: str,
  digits: int,
  point: num,
  trade_tick_size: num,
  trade_tick_value: num,
  trade_contract_size: num,
  volume_min: num,
  volume_max: num,
  volume_step: num,
  volume_limit: num,
  trade_stops_level: int,
  trade_freeze_level: int,
  trade_mode: int,
  trade_exemode: int,
  filling_mode: int,
  order_mode: int,
  currency_profit: str,
  currency_margin: str,
};

/** A quote (SymbolInfoTick). */
export const TICK_SCHEMA: Schema = { symbol: str, bid: num, ask: num, time_msc: time };

/** One closed bar (CopyRates; time_msc = open time). */
export const BAR_SCHEMA: Schema = {
  time_msc: time,
  open: num,
  high: num,
  low: num,
  close: num,
  tick_volume: int,
  spread: int,
  real_volume: int,
};

/** An open position (POSITION_*; `type` is POSITION_TYPE_BUY 0 or POSITION_TYPE_SELL 1). */
export const POSITION_SCHEMA: Schema = {
  ticket: id,
  symbol: str,
  type: f("integer", { values: Object.values(POSITION_TYPE) }),
  volume: num,
  price_open: num,
  sl: num,
  tp: num,
  magic: id,
  comment: str,
  time_msc: time,
  profit: num,
  swap: num,
};

/** A deal in history (DEAL_*; reason = DEAL_REASON: 3 expert, 4 SL, 5 TP, 6 stop-out). */
export const DEAL_SCHEMA: Schema = {
  ticket: id,
  order: id,
  position_id: id,
  symbol: str,
  type: int,
  entry: int,
  reason: int,
  volume: num,
  price: num,
  commission: num,
  swap: num,
  profit: num,
  magic: id,
  comment: str,
  time_msc: time,
};

/**
 * The reply to a trade (MqlTradeResult + bridge fields). volume/price/commission/profit come from
 * the deal (HistoryDealSelect(result.deal)), never from MqlTradeResult, which a server may leave 0.
 */
export const RESULT_SCHEMA: Schema = {
  // A trade server return code (TRADE_RETCODE_*); any other number cannot be read as an outcome.
  retcode: f("integer", { values: Object.values(RETCODE) }),
  bridge_code: int,
  deal: id,
  order: id,
  position: id,
  volume: num,
  price: num,
  bid: num,
  ask: num,
  comment: str,
  commission: num,
  profit: num,
};

/** The reply to order_check (MqlTradeCheckResult; retcode 0 = passed; margin = this order's). */
export const CHECK_SCHEMA: Schema = {
  retcode: int,
  comment: str,
  balance: num,
  equity: num,
  profit: num,
  margin: num,
  margin_free: num,
  margin_level: num,
};

/** The `data` of the reply to each request type. */
export const REPLY_SCHEMAS: Readonly<Record<string, Field>> = {
  account_info: obj(ACCOUNT_SCHEMA),
  terminal_info: obj(TERMINAL_SCHEMA),
  symbol_spec: obj(SPEC_SCHEMA),
  rates: arr(BAR_SCHEMA),
  tick: obj(TICK_SCHEMA),
  positions: arr(POSITION_SCHEMA),
  deals: arr(DEAL_SCHEMA),
  order_check: obj(CHECK_SCHEMA),
  order_send: obj(RESULT_SCHEMA),
  close_position: obj(RESULT_SCHEMA),
  modify_sltp: obj(RESULT_SCHEMA),
  reconcile: obj({
    cid: str,
    state: f("string", { oneOf: ["found", "not_found"] }),
    result: opt(obj(RESULT_SCHEMA)),
    deals: arr(DEAL_SCHEMA),
  }),
  subscribe_bars: obj({ subscribed: bool, symbol: str, timeframe: str }),
  ping: obj({ pong: utc }),
};

/** Every message the EA sends (after the envelope `v`, `t`), by type. */
export const EVENT_SCHEMAS: Readonly<Record<string, Schema>> = {
  hello: {
    proto: int,
    ea_version: str,
    hmac: str,
    terminal: obj(TERMINAL_SCHEMA),
    account: obj(ACCOUNT_SCHEMA),
    time: obj({ current: time, gmt: utc, trade_server: time, srv_offset_s: int }),
  },
  hb: { seq: int, time_msc: time },
  bar: {
    seq: int,
    symbol: str,
    timeframe: str,
    /** Open time of the bar before this one in the terminal's history (gap detection). */
    prev_msc: time,
    bar: obj(BAR_SCHEMA),
  },
  server_time: { seq: int, srv_offset_s: int },
  market_state: { seq: int, connected: opt(bool), end_of_data: opt(bool) },
  res: {
    re: str,
    ok: bool,
    data: opt(f("any")),
    err: opt(obj({ code: str, msg: str })),
  },
};

const req = obj({
  action: int,
  symbol: str,
  volume: num,
  type: int,
  price: opt(num),
  sl: opt(num),
  tp: opt(num),
  deviation: opt(int),
  type_filling: opt(int),
  magic: opt(id),
  comment: opt(str),
  position: opt(id),
});

/** Every message Kinetra sends to the EA (after `v`, `t`, and `id`/`ts` for requests), by type. */
export const OUTGOING_SCHEMAS: Readonly<Record<string, Schema>> = {
  challenge: { nonce: str, proto: int },
  welcome: {
    session_id: str,
    heartbeat_ms: int,
    /** Resume a bar subscription: send every bar opened after `bar_after_msc` (server time). */
    bar_symbol: opt(str),
    bar_timeframe: opt(str),
    bar_after_msc: opt(time),
  },
  reject: { reason: str },
  account_info: {},
  terminal_info: {},
  symbol_spec: { symbol: str },
  rates: { symbol: str, timeframe: str, count: int },
  tick: { symbol: str },
  positions: { symbol: opt(str) },
  deals: { from_msc: opt(time) },
  order_check: { req },
  order_send: { cid: str, req },
  close_position: { cid: str, ticket: id, volume: opt(num), magic: opt(id) },
  modify_sltp: { cid: str, ticket: id, sl: num, tp: num },
  reconcile: { cid: str, magic: opt(id) },
  subscribe_bars: { symbol: str, timeframe: str },
  ping: {},
};

/** Outcome of a validation: `ok`, or the first problems found (path: what is wrong). */
export type Validation = { ok: true } | { ok: false; errors: string[] };

function check(v: unknown, field: Field, path: string, errors: string[]): void {
  if (v === undefined || v === null) {
    if (!field.optional) errors.push(`${path}: missing`);
    return;
  }
  switch (field.kind) {
    case "any":
      return;
    case "string":
      if (typeof v !== "string") errors.push(`${path}: expected a string`);
      else if (field.oneOf && !field.oneOf.includes(v)) {
        errors.push(`${path}: "${v}" not one of ${field.oneOf}`);
      }
      return;
    case "id":
      if (typeof v !== "string" || !/^\d+$/.test(v)) errors.push(`${path}: expected a decimal string`);
      return;
    case "number":
      if (typeof v !== "number" || !Number.isFinite(v)) errors.push(`${path}: expected a finite number`);
      return;
    case "integer":
    case "time":
    case "utc":
      if (typeof v !== "number" || !Number.isInteger(v)) errors.push(`${path}: expected an integer`);
      else if (field.values && !field.values.includes(v)) {
        errors.push(`${path}: ${v} not one of ${field.values}`);
      }
      return;
    case "boolean":
      if (typeof v !== "boolean") errors.push(`${path}: expected true or false`);
      return;
    case "object":
      if (typeof v !== "object" || Array.isArray(v)) errors.push(`${path}: expected an object`);
      else checkFields(v as Record<string, unknown>, field.fields ?? {}, path, errors);
      return;
    case "array":
      if (!Array.isArray(v)) errors.push(`${path}: expected an array`);
      else {
        for (let i = 0; i < v.length && errors.length < 8; i++) {
          check(v[i], { kind: "object", fields: field.fields }, `${path}[${i}]`, errors);
        }
      }
      return;
  }
}

function checkFields(o: Record<string, unknown>, schema: Schema, path: string, errors: string[]): void {
  for (const [k, field] of Object.entries(schema)) check(o[k], field, path ? `${path}.${k}` : k, errors);
}

function done(errors: string[]): Validation {
  return errors.length ? { ok: false, errors } : { ok: true };
}

/**
 * Check one message received from the EA against its type's schema (envelope `v`/`t`, then the
 * fields of `hello`, `hb`, `bar`, `server_time`, `market_state` or `res`). Unknown types are
 * invalid. The `data` of a reply is checked separately with {@link validateReply}, which needs the
 * request type. Extra fields are allowed (forward compatibility).
 */
export function validateIncoming(msg: unknown): Validation {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
    return done(["message: expected an object"]);
  }
  const m = msg as Record<string, unknown>;
  const errors: string[] = [];
  if (m.v !== 1) errors.push("v: expected 1");
  const t = m.t;
  if (typeof t !== "string") return done([...errors, "t: missing"]);
  const schema = EVENT_SCHEMAS[t];
  if (!schema) return done([...errors, `t: unknown message type "${t}"`]);
  checkFields(m, schema, "", errors);
  if (t === "res" && m.ok === false && !m.err) errors.push("err: missing on a failed reply");
  return done(errors);
}

/** Check the `data` of a successful reply to request type `t`. */
export function validateReply(t: string, data: unknown): Validation {
  const field = REPLY_SCHEMAS[t];
  if (!field) return done([`unknown request type "${t}"`]);
  const errors: string[] = [];
  check(data, field, "data", errors);
  return done(errors);
}

function shiftTimes(v: unknown, field: Field, deltaMs: number): unknown {
  if (v === undefined || v === null) return v;
  if (field.kind === "time") return typeof v === "number" ? v + deltaMs : v;
  if (field.kind === "object" && typeof v === "object" && !Array.isArray(v)) {
    return shiftFields(v as Record<string, unknown>, field.fields ?? {}, deltaMs);
  }
  if (field.kind === "array" && Array.isArray(v)) {
    return v.map((x) => shiftTimes(x, { kind: "object", fields: field.fields }, deltaMs));
  }
  return v;
}

function shiftFields(o: Record<string, unknown>, schema: Schema, deltaMs: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  for (const [k, field] of Object.entries(schema)) if (k in o) out[k] = shiftTimes(o[k], field, deltaMs);
  return out;
}

/** A copy of a reply's `data` with every server-time field converted to UTC. */
export function replyToUtc(t: string, data: unknown, srvOffsetMs: number): unknown {
  const field = REPLY_SCHEMAS[t];
  return field && srvOffsetMs ? shiftTimes(data, field, -srvOffsetMs) : data;
}

/** A copy of an EA event with every server-time field converted to UTC. */
export function eventToUtc<T extends { t: string }>(msg: T, srvOffsetMs: number): T {
  const schema = EVENT_SCHEMAS[msg.t];
  return schema && srvOffsetMs ? shiftFields(msg as Record<string, unknown>, schema, -srvOffsetMs) as T : msg;
}

/** A copy of an outgoing request payload with every UTC time field converted to server time. */
export function requestToServer(
  t: string,
  payload: Record<string, unknown>,
  srvOffsetMs: number,
): Record<string, unknown> {
  const schema = OUTGOING_SCHEMAS[t];
  return schema && srvOffsetMs ? shiftFields(payload, schema, srvOffsetMs) : payload;
}

/**
 * The trade server's calendar day of a UTC instant (days since 1970-01-01 in server time): daily
 * loss limits and swap roll over when this changes, as MT5 does at server midnight.
 */
export function serverDay(utcMs: number, srvOffsetMs: number): number {
  return Math.floor((utcMs + srvOffsetMs) / 86_400_000);
}
