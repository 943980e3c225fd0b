import assert from "node:assert/strict";
import { RETCODE, validateOrder } from "../../lib/broker/mod.ts";
import type { BrokerPosition, TradeRequest } from "../../lib/broker/mod.ts";
import { account, EURJPY, EURUSD, NAS100, quote } from "./fixtures.ts";
import { tradeModeOf } from "../../lib/market/mod.ts";

// EURUSD: Bid 1.10000, Ask 1.10020 (spread 20 points), stops level 30, freeze level 10.
const q = quote("EURUSD", 1.1, 1.1002);
const ctx = { spec: EURUSD, quote: q, account: account() };
const buy = (over: Partial<TradeRequest> = {}): TradeRequest => ({
  action: 1,
  symbol: "EURUSD",
  volume: 0.1,
  type: 0,
  type_filling: 0,
  ...over,
});

Deno.test("a plain market buy passes with retcode 10009", () => {
  const v = validateOrder(buy(), ctx);
  assert.equal(v.ok, true);
  assert.equal(v.retcode, RETCODE.DONE);
  assert.deepEqual(v.adjustments, []);
});

Deno.test("trade modes: disabled 10017, long-only refuses sells 10042, short-only refuses buys 10043, close-only 10044", () => {
  const mk = (trade_mode: number, type: number) =>
    validateOrder(buy({ type }), { ...ctx, spec: { ...EURUSD, tradeMode: tradeModeOf(trade_mode) } }).retcode;
  assert.equal(mk(0, 0), RETCODE.TRADE_DISABLED);
  assert.equal(mk(1, 1), RETCODE.LONG_ONLY);
  assert.equal(mk(1, 0), RETCODE.DONE);
  assert.equal(mk(2, 0), RETCODE.SHORT_ONLY);
  assert.equal(mk(2, 1), RETCODE.DONE);
  assert.equal(mk(3, 0), RETCODE.CLOSE_ONLY);
});

Deno.test("close-only still lets a position be closed", () => {
  const pos: BrokerPosition = {
    ticket: "77",
    symbol: "EURUSD",
    type: 0,
    volume: 0.1,
    price_open: 1.09,
    sl: 0,
    tp: 0,
    magic: "1",
    comment: "",
    time_msc: 0,
    profit: 0,
    swap: 0,
  };
  const v = validateOrder(buy({ type: 1, position: "77" }), {
    ...ctx,
    spec: { ...EURUSD, tradeMode: tradeModeOf(3) },
    positions: [pos],
  });
  assert.equal(v.retcode, RETCODE.DONE);
});

Deno.test("market closed gives 10018", () => {
  assert.equal(validateOrder(buy(), { ...ctx, marketOpen: false }).retcode, RETCODE.MARKET_CLOSED);
});

Deno.test("volume below min, above max or off the step gives 10014; auto-adjust floors to the step and reports it", () => {
  assert.equal(validateOrder(buy({ volume: 0.001 }), ctx).retcode, RETCODE.INVALID_VOLUME);
  assert.equal(validateOrder(buy({ volume: 51 }), ctx).retcode, RETCODE.INVALID_VOLUME);
  assert.equal(validateOrder(buy({ volume: 0.123 }), ctx).retcode, RETCODE.INVALID_VOLUME);
  const a = validateOrder(buy({ volume: 0.129 }), ctx, { autoAdjust: true });
  assert.equal(a.ok, true);
  assert.equal(a.request.volume, 0.12);
  assert.deepEqual(a.adjustments.map((x) => [x.field, x.from, x.to]), [["volume", 0.129, 0.12]]);
  const big = validateOrder(buy({ volume: 80 }), { ...ctx, account: account({ margin_free: 1e9 }) }, {
    autoAdjust: true,
  });
  assert.equal(big.request.volume, 50);
  // Below the minimum even after normalising: refused rather than traded larger than asked.
  assert.equal(
    validateOrder(buy({ volume: 0.004 }), ctx, { autoAdjust: true }).retcode,
    RETCODE.INVALID_VOLUME,
  );
});

Deno.test("stops of a buy are measured from Bid: 30 points below Bid is the server's minimum, the client wants 31", () => {
  // SL exactly 30 points below Bid (1.09970): the server accepts (>=), Kinetra's pre-check refuses.
  assert.equal(validateOrder(buy({ sl: 1.0997 }), ctx, { comparison: "server" }).retcode, RETCODE.DONE);
  assert.equal(validateOrder(buy({ sl: 1.0997 }), ctx).retcode, RETCODE.INVALID_STOPS);
  assert.equal(validateOrder(buy({ sl: 1.09969 }), ctx).retcode, RETCODE.DONE);
  // 30 points below Ask is only 10 below Bid: refused even by the server.
  assert.equal(
    validateOrder(buy({ sl: 1.0999 }), ctx, { comparison: "server" }).retcode,
    RETCODE.INVALID_STOPS,
  );
  // TP of a buy measured from Bid too.
  assert.equal(validateOrder(buy({ tp: 1.1003 }), ctx, { comparison: "server" }).retcode, RETCODE.DONE);
  assert.equal(
    validateOrder(buy({ tp: 1.10029 }), ctx, { comparison: "server" }).retcode,
    RETCODE.INVALID_STOPS,
  );
});

Deno.test("stops of a sell are measured from Ask, and wrong-side stops are refused even with auto-adjust", () => {
  const sell = buy({ type: 1 });
  assert.equal(validateOrder({ ...sell, sl: 1.1005 }, ctx, { comparison: "server" }).retcode, RETCODE.DONE);
  assert.equal(
    validateOrder({ ...sell, sl: 1.10049 }, ctx, { comparison: "server" }).retcode,
    RETCODE.INVALID_STOPS,
  );
  assert.equal(validateOrder({ ...sell, tp: 1.0999 }, ctx, { comparison: "server" }).retcode, RETCODE.DONE);
  assert.equal(
    validateOrder({ ...sell, sl: 1.09 }, ctx, { autoAdjust: true }).retcode,
    RETCODE.INVALID_STOPS,
  );
});

Deno.test("auto-adjust moves a too-close stop to stops level + margin + safety points and reports it", () => {
  const v = validateOrder(buy({ sl: 1.0999, tp: 1.1001 }), ctx, { autoAdjust: true, safetyPoints: 2 });
  assert.equal(v.ok, true);
  // Client margin 1 point + safety 2 points beyond 30: 33 points from Bid 1.10000.
  assert.equal(v.request.sl, 1.09967);
  assert.equal(v.request.tp, 1.10033);
  assert.deepEqual(v.adjustments.map((a) => a.field), ["sl", "tp"]);
  // The adjusted request passes the strict check unchanged.
  const again = validateOrder(v.request, ctx);
  assert.equal(again.ok, true);
  assert.equal(again.adjustments.length, 0);
});

Deno.test("prices off the tick grid: 10016 for stops without auto-adjust, normalised with it (index tick 0.25)", () => {
  const nq = quote("NAS100", 20000, 20001);
  const nctx = { spec: NAS100, quote: nq, account: account({ margin_free: 1e6 }) };
  const r: TradeRequest = { action: 1, symbol: "NAS100", volume: 1, type: 0, sl: 19990.1 };
  assert.equal(validateOrder(r, nctx).retcode, RETCODE.INVALID_STOPS);
  const v = validateOrder(r, nctx, { autoAdjust: true });
  assert.equal(v.ok, true);
  assert.equal(v.request.sl, 19990);
});

Deno.test("pending orders: side and stops level from Ask/Bid give 10015; SL/TP measured from the open price", () => {
  const pend = (type: number, price: number, over: Partial<TradeRequest> = {}) =>
    validateOrder({ action: 5, symbol: "EURUSD", volume: 0.1, type, price, type_filling: 2, ...over }, ctx, {
      comparison: "server",
    });
  assert.equal(pend(2, 1.0999).retcode, RETCODE.DONE); // buy limit 30 pts below Ask
  assert.equal(pend(2, 1.1).retcode, RETCODE.INVALID_PRICE); // 20 pts below Ask
  assert.equal(pend(3, 1.1003).retcode, RETCODE.DONE); // sell limit 30 above Bid
  assert.equal(pend(4, 1.1005).retcode, RETCODE.DONE); // buy stop 30 above Ask
  assert.equal(pend(4, 1.0995).retcode, RETCODE.INVALID_PRICE); // buy stop below Ask
  assert.equal(pend(5, 1.0997).retcode, RETCODE.DONE); // sell stop 30 below Bid
  assert.equal(pend(2, 1.0999, { sl: 1.0996 }).retcode, RETCODE.DONE);
  assert.equal(pend(2, 1.0999, { sl: 1.0997 }).retcode, RETCODE.INVALID_STOPS);
});

Deno.test("filling: FOK-only symbol refuses IOC with 10030, auto-adjust picks FOK; instant execution refuses IOC", () => {
  assert.equal(validateOrder(buy({ type_filling: 1 }), ctx).retcode, RETCODE.INVALID_FILL);
  const v = validateOrder(buy({ type_filling: 1 }), ctx, { autoAdjust: true });
  assert.equal(v.request.type_filling, 0);
  assert.equal(v.adjustments[0].field, "type_filling");
  // RETURN for a market order outside exchange execution: 10030.
  assert.equal(validateOrder(buy({ type_filling: 2 }), ctx).retcode, RETCODE.INVALID_FILL);
  const jq = quote("EURJPY", 160, 160.02);
  const jr: TradeRequest = {
    action: 1,
    symbol: "EURJPY",
    volume: 0.1,
    type: 0,
    type_filling: 1,
    price: 160.02,
  };
  assert.equal(validateOrder(jr, { spec: EURJPY, quote: jq }).retcode, RETCODE.INVALID_FILL);
});

Deno.test("instant execution: requote 10004 beyond the deviation, accepted within it", () => {
  const jq = quote("EURJPY", 160, 160.02);
  const jr: TradeRequest = { action: 1, symbol: "EURJPY", volume: 0.1, type: 0, type_filling: 0 };
  assert.equal(
    validateOrder({ ...jr, price: 160.03, deviation: 5 }, { spec: EURJPY, quote: jq }).retcode,
    RETCODE.REQUOTE,
  );
  assert.equal(
    validateOrder({ ...jr, price: 160.023, deviation: 5 }, { spec: EURJPY, quote: jq }).retcode,
    RETCODE.DONE,
  );
  assert.equal(validateOrder(jr, { spec: EURJPY, quote: jq }).retcode, RETCODE.INVALID_PRICE);
});

Deno.test("margin: 10019 when the free margin is short (1 lot EURUSD at 1:100 needs about 1100 USD)", () => {
  assert.equal(
    validateOrder(buy({ volume: 1 }), { ...ctx, account: account({ margin_free: 1000 }) }).retcode,
    RETCODE.NO_MONEY,
  );
  assert.equal(
    validateOrder(buy({ volume: 1 }), { ...ctx, account: account({ margin_free: 1200 }) }).retcode,
    RETCODE.DONE,
  );
});

Deno.test("no quote gives 10021; account without trading rights gives 10017", () => {
  assert.equal(validateOrder(buy(), { ...ctx, quote: quote("EURUSD", 0, 0) }).retcode, RETCODE.PRICE_OFF);
  assert.equal(
    validateOrder(buy(), { ...ctx, account: account({ trade_allowed: false }) }).retcode,
    RETCODE.TRADE_DISABLED,
  );
});

Deno.test("closing and modifying: missing position 10036, too much volume 10038, frozen 10029, no change 10025", () => {
  const pos: BrokerPosition = {
    ticket: "9",
    symbol: "EURUSD",
    type: 0,
    volume: 0.1,
    price_open: 1.099,
    sl: 1.0995,
    tp: 1.102,
    magic: "1",
    comment: "",
    time_msc: 0,
    profit: 0,
    swap: 0,
  };
  const pctx = { ...ctx, positions: [pos] };
  const close = (over: Partial<TradeRequest>) =>
    validateOrder(buy({ type: 1, position: "9", ...over }), pctx);
  assert.equal(close({ position: "10" }).retcode, RETCODE.POSITION_CLOSED);
  assert.equal(close({ volume: 0.2 }).retcode, RETCODE.INVALID_CLOSE_VOLUME);
  assert.equal(close({}).retcode, RETCODE.DONE);
  // SL 5 points under Bid is inside the freeze level (10): the position cannot be closed.
  const frozen = { ...pos, sl: 1.09995 };
  assert.equal(
    validateOrder(buy({ type: 1, position: "9" }), { ...ctx, positions: [frozen] }, { comparison: "server" })
      .retcode,
    RETCODE.FROZEN,
  );
  const mod = (sl: number, tp: number) =>
    validateOrder({ action: 6, symbol: "EURUSD", volume: 0.1, type: 0, position: "9", sl, tp }, pctx).retcode;
  assert.equal(mod(1.0995, 1.102), RETCODE.NO_CHANGES);
  assert.equal(mod(1.099, 1.102), RETCODE.DONE);
  assert.equal(mod(1.0999, 1.102), RETCODE.INVALID_STOPS);
});

Deno.test("volume_limit per direction gives 10034", () => {
  const pos: BrokerPosition = {
    ticket: "9",
    symbol: "EURUSD",
    type: 0,
    volume: 0.5,
    price_open: 1.099,
    sl: 0,
    tp: 0,
    magic: "1",
    comment: "",
    time_msc: 0,
    profit: 0,
    swap: 0,
  };
  const c = { ...ctx, spec: { ...EURUSD, volumeLimit: 0.6 }, positions: [pos] };
  assert.equal(validateOrder(buy({ volume: 0.2 }), c).retcode, RETCODE.LIMIT_VOLUME);
  assert.equal(validateOrder(buy({ volume: 0.1 }), c).retcode, RETCODE.DONE);
  assert.equal(validateOrder(buy({ volume: 0.2, type: 1 }), c).retcode, RETCODE.DONE);
});
