// The one mapping between the side (+1/-1) and MT5's order, position and deal type numbers.
import assert from "node:assert/strict";
import {
  closingOrderType,
  DEAL_TYPE,
  dealTypeOfSide,
  isBuyOrderType,
  ORDER_TYPE,
  orderTypeOfSide,
  POSITION_TYPE,
  positionTypeOfSide,
  sideName,
  sideOfDealType,
  sideOfPositionType,
  sideOfType,
  signedPositionLots,
} from "../../lib/market/mod.ts";

Deno.test("MT5's type constants have the MQL5 values the mapping relies on", () => {
  assert.deepEqual([ORDER_TYPE.BUY, ORDER_TYPE.SELL], [0, 1]);
  assert.deepEqual([POSITION_TYPE.BUY, POSITION_TYPE.SELL], [0, 1]);
  assert.deepEqual([DEAL_TYPE.BUY, DEAL_TYPE.SELL, DEAL_TYPE.BALANCE], [0, 1, 2]);
});

Deno.test("side ↔ position type: both directions, round trip, other numbers refused", () => {
  assert.equal(positionTypeOfSide(1), POSITION_TYPE.BUY);
  assert.equal(positionTypeOfSide(-1), POSITION_TYPE.SELL);
  assert.equal(sideOfPositionType(POSITION_TYPE.BUY), 1);
  assert.equal(sideOfPositionType(POSITION_TYPE.SELL), -1);
  for (const s of [1, -1] as const) assert.equal(sideOfPositionType(positionTypeOfSide(s)), s);
  assert.throws(() => sideOfPositionType(2), RangeError);
  assert.throws(() => sideOfPositionType(-1), RangeError);
  assert.equal(sideName(sideOfPositionType(POSITION_TYPE.SELL)), "short");
});

Deno.test("side ↔ deal type: trades map to a side, balance operations to none", () => {
  assert.equal(dealTypeOfSide(1), DEAL_TYPE.BUY);
  assert.equal(dealTypeOfSide(-1), DEAL_TYPE.SELL);
  assert.equal(sideOfDealType(DEAL_TYPE.BUY), 1);
  assert.equal(sideOfDealType(DEAL_TYPE.SELL), -1);
  assert.equal(sideOfDealType(DEAL_TYPE.BALANCE), null);
  assert.equal(sideOfDealType(DEAL_TYPE.CREDIT), null);
});

Deno.test("side → order types: opening, closing (the opposite), buy kinds", () => {
  assert.equal(orderTypeOfSide(1), ORDER_TYPE.BUY);
  assert.equal(orderTypeOfSide(-1), ORDER_TYPE.SELL);
  assert.equal(closingOrderType(1), ORDER_TYPE.SELL, "a sell closes a long");
  assert.equal(closingOrderType(-1), ORDER_TYPE.BUY, "a buy closes a short");
  for (const t of [ORDER_TYPE.BUY, ORDER_TYPE.BUY_LIMIT, ORDER_TYPE.BUY_STOP, ORDER_TYPE.BUY_STOP_LIMIT]) {
    assert.ok(isBuyOrderType(t), `buy kind ${t}`);
    assert.equal(sideOfType(t), 1);
  }
  for (
    const t of [ORDER_TYPE.SELL, ORDER_TYPE.SELL_LIMIT, ORDER_TYPE.SELL_STOP, ORDER_TYPE.SELL_STOP_LIMIT]
  ) {
    assert.ok(!isBuyOrderType(t), `sell kind ${t}`);
    assert.equal(sideOfType(t), -1);
  }
  assert.ok(!isBuyOrderType(ORDER_TYPE.CLOSE_BY));
});

Deno.test("signed lots of positions: longs add, shorts subtract", () => {
  const book = [
    { type: POSITION_TYPE.BUY, volume: 0.3 },
    { type: POSITION_TYPE.SELL, volume: 0.1 },
  ];
  assert.equal(signedPositionLots(book[0]), 0.3);
  assert.equal(signedPositionLots(book[1]), -0.1);
  assert.ok(Math.abs(book.reduce((s, p) => s + signedPositionLots(p), 0) - 0.2) < 1e-12);
});
