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

/** The body of an MQL5 function (from its signature to the closing "  }" at column 2). */
function fn(name: string): string {
  const start = src.search(new RegExp(`^\\S.*\\b${name}\\(`, "m"));
  assert.ok(start >= 0, `no function ${name}`);
  const end = src.indexOf("\n  }\n", start);
  return src.slice(start, end + 4);
}

Deno.test("each of the ten runtime faults has its fix in the EA source", () => {
  const trade = fn("Trade");
  // 1. modify_sltp selects the ticket first and answers 10036.
  const modify = trade.slice(trade.indexOf("// modify_sltp"));
  assert.ok(
    modify.indexOf("PositionSelectByTicket(ticket)") < modify.indexOf("TRADE_ACTION_SLTP") &&
      /PositionSelectByTicket\(ticket\)\) return Refuse\(cid, TRADE_RETCODE_POSITION_CLOSED/.test(modify),
  );
  // 2. After a reconnect, every bar after the one Kinetra acknowledged, each with its predecessor.
  assert.match(
    fn("Handle"),
    /SendBarsAfter\(\(after >= 0\) \? \(datetime\)\(long\)\(after \/ 1000\) : g_lastSentBar\)/,
  );
  assert.match(fn("SendBarsAfter"), /CopyRates\(g_barSymbol, g_barTf, after, lastClosed, r\)/);
  assert.match(fn("SendRates"), /JInt\("prev_msc", \(long\)prev \* 1000\)/);
  // 3. OrderSend with the requested filling or MQL5's fallbacks (RETURN in Market/Exchange); stops refused.
  assert.match(fn("FillingAllowed"), /if\(f == ORDER_FILLING_RETURN\) return !instant;/);
  assert.match(
    trade,
    /int fill = PickFilling\(s, \(int\)JGetNumber\(json, "type_filling", ORDER_FILLING_FOK\)\);/,
  );
  assert.match(fn("StopsRefused"), /\(om & SYMBOL_ORDER_SL\) == 0[\s\S]*\(om & SYMBOL_ORDER_TP\) == 0/);
  assert.ok(trade.indexOf("StopsRefused(") < trade.indexOf("OrderSend(rq, rs)"));
  // 4. A SocketRead timeout drops the link only on a real error or a closed socket.
  assert.match(fn("OnTimer"), /if\(err == 5270 \|\| !SocketIsConnected\(g_sock\)\)/);
  // 5. Fill price and volume from the deal.
  const deal = fn("FillFromDeal");
  assert.match(deal, /HistoryDealSelect\(rs\.deal\)/);
  assert.match(deal, /rs\.price = HistoryDealGetDouble\(rs\.deal, DEAL_PRICE\)/);
  assert.match(deal, /rs\.volume = HistoryDealGetDouble\(rs\.deal, DEAL_VOLUME\)/);
  assert.ok(trade.indexOf("FillFromDeal(") < trade.lastIndexOf("ResultJson("));
  // 6. order_check calls OrderCheck with an MqlTradeCheckResult.
  assert.match(fn("OrderCheckJson"), /MqlTradeCheckResult cr;[\s\S]*OrderCheck\(rq, cr\)/);
  // 7. Every early return after the journal lookup is journalled (Refuse), none bypasses it.
  const early = trade.slice(
    trade.indexOf("if(!LiveGateOpen())"),
    trade.indexOf('JournalWrite(cid, "received")'),
  );
  const returns = [...early.matchAll(/return ([A-Za-z]+)\(/g)];
  assert.ok(returns.length >= 8, `${returns.length} early returns found`);
  for (const m of returns) assert.equal(m[1], "Refuse", `unjournalled return ${m[0]}`);
  assert.match(fn("Refuse"), /JournalWrite\(cid, r\)/);
  // 8. Control characters escaped.
  const esc = fn("JEsc");
  for (const c of ["\\\\n", "\\\\r", "\\\\t", "\\\\u%04x"]) assert.ok(esc.includes(c), c);
  // 9. MQL_TRADE_ALLOWED reported in hello/terminal_info and checked before any order.
  assert.match(fn("TerminalJson"), /JBool\("ea_trade_allowed", MQLInfoInteger\(MQL_TRADE_ALLOWED\) != 0\)/);
  assert.ok(trade.indexOf("AlgoTradingOff()") < trade.indexOf("OrderSend(rq, rs)"));
  // 10. The Strategy Tester is refused in OnInit.
  assert.match(fn("OnInit"), /MQLInfoInteger\(MQL_TESTER\) != 0[\s\S]*return INIT_FAILED;/);
});
