// The wire schema: every EA→Kinetra message is checked against lib/mt5/schema.ts, server times
// become UTC at the edge, and server days follow the server's midnight.
import assert from "node:assert/strict";
import {
  eventToUtc,
  replyToUtc,
  requestToServer,
  serverDay,
  validateIncoming,
  validateReply,
} from "../../lib/mt5/protocol.ts";
import { nyCloseOffsetS } from "../../lib/mt5/simulator.ts";

const bar = {
  time_msc: 1_700_000_000_000,
  open: 1,
  high: 2,
  low: 0.5,
  close: 1.5,
  tick_volume: 10,
  spread: 3,
  real_volume: 0,
};

Deno.test("validateIncoming accepts each EA event type and names what is wrong otherwise", () => {
  assert.deepEqual(validateIncoming({ v: 1, t: "hb", seq: 3, time_msc: 5 }), { ok: true });
  assert.deepEqual(
    validateIncoming({ v: 1, t: "bar", seq: 4, symbol: "EURUSD", timeframe: "H1", prev_msc: 1, bar }),
    { ok: true },
  );
  assert.deepEqual(validateIncoming({ v: 1, t: "server_time", seq: 5, srv_offset_s: 7200 }), { ok: true });
  assert.deepEqual(validateIncoming({ v: 1, t: "market_state", seq: 6, connected: false }), { ok: true });
  assert.deepEqual(validateIncoming({ v: 1, t: "res", re: "r1", ok: true, data: [] }), { ok: true });
  const bad = validateIncoming({
    v: 1,
    t: "bar",
    seq: 4,
    symbol: "EURUSD",
    timeframe: "H1",
    bar: { ...bar, open: "1" },
  });
  assert.equal(bad.ok, false);
  assert.ok(!bad.ok && bad.errors.includes("prev_msc: missing"), JSON.stringify(bad));
  assert.ok(!bad.ok && bad.errors.includes("bar.open: expected a finite number"), JSON.stringify(bad));
  const unknown = validateIncoming({ v: 1, t: "tick_stream" });
  assert.ok(!unknown.ok && /unknown message type/.test(unknown.errors[0]));
  assert.equal(validateIncoming({ v: 1, t: "res", re: "r2", ok: false }).ok, false, "a failure needs err");
  assert.equal(validateIncoming({ v: 2, t: "hb", seq: 1, time_msc: 1 }).ok, false);
  assert.equal(validateIncoming("hb").ok, false);
});

Deno.test("validateReply checks the data of each request type (ids are decimal strings)", () => {
  const result = {
    retcode: 10009,
    bridge_code: 0,
    deal: "12",
    order: "11",
    position: "11",
    volume: 0.1,
    price: 1.2345,
    bid: 1.2344,
    ask: 1.2345,
    comment: "done",
    commission: -0.7,
    profit: 0,
  };
  assert.deepEqual(validateReply("order_send", result), { ok: true });
  const numericTicket = validateReply("order_send", { ...result, deal: 12 });
  assert.ok(!numericTicket.ok && numericTicket.errors[0] === "data.deal: expected a decimal string");
  const noCommission = validateReply("close_position", { ...result, commission: undefined });
  assert.ok(!noCommission.ok && noCommission.errors[0] === "data.commission: missing");
  assert.deepEqual(validateReply("ping", { pong: 1700000000000 }), { ok: true });
  assert.equal(validateReply("ping", { pong: true }).ok, false, "pong is a number (UTC ms)");
  assert.equal(validateReply("reconcile", { cid: "k1", state: "maybe", deals: [] }).ok, false);
  assert.deepEqual(validateReply("rates", [bar, bar]), { ok: true });
  assert.equal(validateReply("rates", [bar, { ...bar, spread: 1.5 }]).ok, false);
});

Deno.test("server times become UTC at the edge, and UTC request times become server times", () => {
  const off = 3 * 3_600_000;
  const ev = eventToUtc(
    { v: 1, t: "bar", seq: 1, symbol: "X", timeframe: "H1", prev_msc: bar.time_msc - 3_600_000, bar },
    off,
  );
  assert.equal((ev.bar as typeof bar).time_msc, bar.time_msc - off);
  assert.equal(ev.prev_msc, bar.time_msc - 3_600_000 - off);
  assert.equal(ev.seq, 1, "non-time fields untouched");
  const deals = replyToUtc("deals", [{ time_msc: 5_000_000_000, price: 1 }], off) as { time_msc: number }[];
  assert.equal(deals[0].time_msc, 5_000_000_000 - off);
  const pong = replyToUtc("ping", { pong: 42 }, off) as { pong: number };
  assert.equal(pong.pong, 42, "pong is already UTC");
  assert.deepEqual(requestToServer("deals", { from_msc: 1000 }, off), { from_msc: 1000 + off });
});

Deno.test("the server day turns at the server's midnight (GMT+2/+3), not at UTC midnight", () => {
  const utc2130 = Date.UTC(2024, 0, 15, 21, 30); // 23:30 on a GMT+2 server
  const utc2230 = Date.UTC(2024, 0, 15, 22, 30); // 00:30 the next server day
  assert.equal(serverDay(utc2230, 7_200_000) - serverDay(utc2130, 7_200_000), 1);
  assert.equal(serverDay(utc2230, 0), serverDay(utc2130, 0), "same UTC day");
});

Deno.test("a New York close server runs GMT+2 in winter and GMT+3 during US daylight saving", () => {
  assert.equal(nyCloseOffsetS(Date.UTC(2024, 0, 10)), 7200);
  assert.equal(nyCloseOffsetS(Date.UTC(2024, 2, 10, 6, 59)), 7200, "just before the 2nd Sunday of March");
  assert.equal(nyCloseOffsetS(Date.UTC(2024, 2, 10, 7, 0)), 10800);
  assert.equal(nyCloseOffsetS(Date.UTC(2024, 6, 1)), 10800);
  assert.equal(nyCloseOffsetS(Date.UTC(2024, 10, 3, 6, 0)), 7200, "first Sunday of November");
});

Deno.test("a position's type must be POSITION_TYPE_BUY or _SELL: any other number is a bad reply at the edge", () => {
  const position = {
    ticket: "1001",
    symbol: "EURUSD",
    type: 0,
    volume: 0.1,
    price_open: 1.1,
    sl: 0,
    tp: 0,
    magic: "7",
    comment: "k",
    time_msc: 1_700_000_000_000,
    profit: 0,
    swap: 0,
  };
  assert.deepEqual(validateReply("positions", [position, { ...position, type: 1 }]), { ok: true });
  for (const type of [-1, 2, 1.5]) {
    const v = validateReply("positions", [{ ...position, type }]);
    assert.equal(v.ok, false, `type ${type} accepted`);
  }
});

Deno.test("a trade reply's retcode must be a TRADE_RETCODE_*: any other number is unreadable (the desk reconciles)", () => {
  const result = {
    retcode: 10009,
    bridge_code: 0,
    deal: "12",
    order: "11",
    position: "11",
    volume: 0.1,
    price: 1.2345,
    bid: 1.2344,
    ask: 1.2345,
    comment: "Request executed",
    commission: 0,
    profit: 0,
  };
  for (const retcode of [10009, 10006, 10016, 10036]) {
    assert.deepEqual(validateReply("order_send", { ...result, retcode }), { ok: true }, `retcode ${retcode}`);
  }
  for (const retcode of [1e308, -1, 0, 10005]) {
    assert.equal(
      validateReply("order_send", { ...result, retcode }).ok,
      false,
      `retcode ${retcode} accepted`,
    );
  }
});
