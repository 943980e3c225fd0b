// The Expert Advisor cannot be compiled here; these checks keep its source in step with the
// protocol: every request type is served, the default port matches, the live switch defaults to
// off, and it uses the MQL5 functions the protocol note and issue 16 prescribe.
import assert from "node:assert/strict";
import { DEFAULT_BRIDGE_PORT, EA_VERSION, REQUEST_TYPES } from "../../lib/mt5/mod.ts";

const src = await Deno.readTextFile(new URL("../../lib/mt5/ea/KinetraBridge.mq5", import.meta.url));

Deno.test("the EA serves every request type of protocol v1", () => {
  for (const t of REQUEST_TYPES) assert.ok(src.includes(`t == "${t}"`), `no handler for ${t}`);
  for (const t of ["challenge", "welcome", "reject"]) assert.ok(src.includes(`t == "${t}"`), t);
  for (const ev of ['\\"t\\":\\"hb\\"', '\\"t\\":\\"bar\\"', '\\"t\\":\\"hello\\"']) {
    assert.ok(src.includes(ev), ev);
  }
});

Deno.test("the EA defaults: Kinetra's port, live trading off, a secret required, its version", () => {
  assert.match(src, new RegExp(`input uint\\s+BridgePort\\s*=\\s*${DEFAULT_BRIDGE_PORT};`));
  assert.match(src, /input bool\s+AllowLive\s*=\s*false;/);
  assert.match(src, /StringLen\(BridgeSecret\) < 8/);
  assert.match(src, new RegExp(`#property version\\s+"${EA_VERSION.replace(".", "\\.")}"`));
  assert.ok(src.includes(`#define EA_VERSION "KinetraBridge-${EA_VERSION}"`));
});

Deno.test("the EA uses the documented MQL5 functions and journals before OrderSend", () => {
  for (
    const f of [
      "SocketCreate(",
      "SocketConnect(",
      "SocketSend(",
      "SocketRead(",
      "SocketIsReadable(",
      "SocketIsConnected(",
      "EventSetMillisecondTimer(",
      "OnTimer()",
      "CopyRates(",
      "SymbolInfoDouble(",
      "SymbolInfoInteger(",
      "AccountInfoInteger(",
      "CryptEncode(CRYPT_HASH_SHA256",
      "OrderSend(",
      "OrderCheck(",
      "HistorySelect(",
      "HistoryDealSelect(",
      "TimeTradeServer()",
      "TimeGMT()",
      "MQLInfoInteger(MQL_TRADE_ALLOWED)",
      "MQLInfoInteger(MQL_TESTER)",
      "SYMBOL_ORDER_MODE",
      "SYMBOL_FILLING_MODE",
      "ACCOUNT_TRADE_MODE_DEMO",
    ]
  ) assert.ok(src.includes(f), f);
  assert.ok(!src.includes("CTrade"), "CTrade ignores the requested filling and drops stops: OrderSend only");
  const journalled = src.indexOf('JournalWrite(cid, "received")');
  assert.ok(journalled > 0 && journalled < src.indexOf("OrderSend(rq, rs)"), "journal before sending");
});
