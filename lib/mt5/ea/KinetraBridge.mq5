//+------------------------------------------------------------------+
//| KinetraBridge.mq5 — the MetaTrader 5 side of the Kinetra bridge   |
//|                                                                  |
//| Protocol v1 (lib/mt5/protocol.ts): the EA connects OUT to Kinetra |
//| (MQL5 sockets are client-only), answers the HMAC-SHA256 challenge |
//| with the shared secret, sends a heartbeat every second, serves   |
//| requests (one JSON object per line) and pushes closed bars.       |
//|                                                                  |
//| Safety: AllowLive=false refuses every trade on a non-demo account;|
//| every client order id (cid) is journalled in MQL5/Files before    |
//| OrderSend and updated after, and a repeated cid returns the       |
//| stored result instead of trading twice.                           |
//|                                                                  |
//| Install: copy to MQL5/Experts, compile in MetaEditor, enable Algo |
//| Trading, add the Kinetra address (e.g. 127.0.0.1) in Tools >      |
//| Options > Expert Advisors > "Allow WebRequest for listed URL",    |
//| attach to ONE chart. See docs/LIVE_TESTING_GUIDE.md.              |
//|                                                                  |
//| This file cannot be compiled in Kinetra's CI: keep it small.      |
//+------------------------------------------------------------------+
#property copyright "Kinetra"
#property version   "1.00"

#include <Trade\Trade.mqh>

input string BridgeHost   = "127.0.0.1";   // Kinetra bridge address (must be in the allowed list)
input uint   BridgePort   = 18812;         // Kinetra bridge port
input string BridgeSecret = "";            // Shared secret: bridge.secret of .kinetra/config.json
input bool   AllowLive    = false;         // Allow trading on a non-demo (REAL/CONTEST) account
input uint   TimerMs      = 50;            // Timer period in milliseconds

int      g_sock = INVALID_HANDLE;
bool     g_welcome = false;
string   g_partial = "";
uint     g_hbMs = 1000;
ulong    g_lastHb = 0;
ulong    g_nextConnect = 0;
uint     g_backoff = 1000;
long     g_seq = 0;
string   g_barSymbol = "";
ENUM_TIMEFRAMES g_barTf = PERIOD_CURRENT;
string   g_barTfName = "";
datetime g_lastBarTime = 0;
string   g_jCids[];    // EA journal: cid -> stored result line
string   g_jResults[];
CTrade   g_trade;

//--- JSON helpers (flat lookup; Kinetra's keys are unique within each message) ---------------
string JEsc(const string s)
  {
   string r = s;
   StringReplace(r, "\\", "\\\\");
   StringReplace(r, "\"", "\\\"");
   return r;
  }
string JStr(const string key, const string v) { return "\"" + key + "\":\"" + JEsc(v) + "\""; }
string JNum(const string key, const double v, const int digits) { return "\"" + key + "\":" + DoubleToString(v, digits); }
string JInt(const string key, const long v) { return "\"" + key + "\":" + IntegerToString(v); }
string JBool(const string key, const bool v) { return "\"" + key + "\":" + (v ? "true" : "false"); }

int JFind(const string json, const string key)
  {
   int p = StringFind(json, "\"" + key + "\":");
   if(p < 0) return -1;
   return p + StringLen(key) + 3;
  }
string JGetString(const string json, const string key)
  {
   int p = JFind(json, key);
   if(p < 0 || StringGetCharacter(json, p) != '"') return "";
   int e = StringFind(json, "\"", p + 1);
   if(e < 0) return "";
   return StringSubstr(json, p + 1, e - p - 1);
  }
double JGetNumber(const string json, const string key, const double def)
  {
   int p = JFind(json, key);
   if(p < 0) return def;
   if(StringGetCharacter(json, p) == '"') p++;   // numbers sent as strings (tickets, magic)
   int e = p;
   int n = StringLen(json);
   while(e < n)
     {
      ushort c = StringGetCharacter(json, e);
      if((c >= '0' && c <= '9') || c == '-' || c == '.' || c == 'e' || c == 'E' || c == '+') e++;
      else break;
     }
   if(e == p) return def;
   return StringToDouble(StringSubstr(json, p, e - p));
  }
ulong JGetULong(const string json, const string key)
  {
   string s = JGetString(json, key);
   if(s == "") return (ulong)JGetNumber(json, key, 0);
   return (ulong)StringToInteger(s);
  }

//--- HMAC-SHA256 built from CryptEncode(CRYPT_HASH_SHA256) (RFC 2104, block size 64) ----------
string HmacSha256Hex(const string secret, const string message)
  {
   uchar key[], msg[], none[], digest[];
   StringToCharArray(secret, key, 0, StringLen(secret), CP_UTF8);
   StringToCharArray(message, msg, 0, StringLen(message), CP_UTF8);
   if(ArraySize(key) > 64)
     {
      uchar hk[];
      CryptEncode(CRYPT_HASH_SHA256, key, none, hk);
      ArrayCopy(key, hk);
      ArrayResize(key, ArraySize(hk));
     }
   uchar ipad[64], opad[64];
   for(int i = 0; i < 64; i++)
     {
      uchar k = (i < ArraySize(key)) ? key[i] : 0;
      ipad[i] = (uchar)(k ^ 0x36);
      opad[i] = (uchar)(k ^ 0x5c);
     }
   uchar inner[], innerHash[], outer[];
   ArrayResize(inner, 64 + ArraySize(msg));
   ArrayCopy(inner, ipad, 0, 0, 64);
   ArrayCopy(inner, msg, 64, 0, ArraySize(msg));
   CryptEncode(CRYPT_HASH_SHA256, inner, none, innerHash);
   ArrayResize(outer, 64 + ArraySize(innerHash));
   ArrayCopy(outer, opad, 0, 0, 64);
   ArrayCopy(outer, innerHash, 64, 0, ArraySize(innerHash));
   CryptEncode(CRYPT_HASH_SHA256, outer, none, digest);
   string hex = "";
   for(int i = 0; i < ArraySize(digest); i++) hex += StringFormat("%02x", digest[i]);
   return hex;
  }

//--- Socket I/O ------------------------------------------------------------------------------
bool SendLine(const string line)
  {
   if(g_sock == INVALID_HANDLE) return false;
   uchar buf[];
   int len = StringToCharArray(line + "\n", buf, 0, WHOLE_ARRAY, CP_UTF8) - 1;  // drop the terminating 0
   if(len <= 0) return false;
   if(SocketSend(g_sock, buf, (uint)len) != len)
     {
      Print("KinetraBridge: send failed, error ", GetLastError());
      Disconnect();
      return false;
     }
   return true;
  }
void Reply(const string id, const string data) { SendLine("{\"v\":1,\"t\":\"res\",\"re\":\"" + id + "\",\"ok\":true,\"data\":" + data + "}"); }
void ReplyError(const string id, const string code, const string msg)
  {
   SendLine("{\"v\":1,\"t\":\"res\",\"re\":\"" + id + "\",\"ok\":false,\"err\":{" + JStr("code", code) + "," + JStr("msg", msg) + "}}");
  }
void Disconnect()
  {
   if(g_sock != INVALID_HANDLE) SocketClose(g_sock);
   g_sock = INVALID_HANDLE;
   g_welcome = false;
   g_partial = "";
   g_nextConnect = GetTickCount64() + g_backoff;
   g_backoff = (uint)MathMin(g_backoff * 2, 10000);
  }
void TryConnect()
  {
   if(GetTickCount64() < g_nextConnect) return;
   g_sock = SocketCreate();
   if(g_sock == INVALID_HANDLE) { Print("KinetraBridge: SocketCreate failed, error ", GetLastError()); g_nextConnect = GetTickCount64() + g_backoff; return; }
   if(!SocketConnect(g_sock, BridgeHost, BridgePort, 1000))
     {
      Print("KinetraBridge: cannot connect to ", BridgeHost, ":", BridgePort, " error ", GetLastError(),
            " (is Kinetra listening, and is the address in the allowed list?)");
      Disconnect();
      return;
     }
   g_lastHb = GetTickCount64();
  }

//--- Journal of client order ids (MQL5/Files/KinetraBridge_journal.txt) ---------------------
void JournalLoad()
  {
   ArrayResize(g_jCids, 0);
   ArrayResize(g_jResults, 0);
   int h = FileOpen("KinetraBridge_journal.txt", FILE_READ | FILE_TXT | FILE_ANSI | FILE_SHARE_READ);
   if(h == INVALID_HANDLE) return;
   while(!FileIsEnding(h))
     {
      string line = FileReadString(h);
      int tab = StringFind(line, "\t");
      if(tab <= 0) continue;
      string cid = StringSubstr(line, 0, tab);
      string res = StringSubstr(line, tab + 1);
      int k = JournalIndex(cid);
      if(k < 0) { k = ArraySize(g_jCids); ArrayResize(g_jCids, k + 1); ArrayResize(g_jResults, k + 1); g_jCids[k] = cid; }
      g_jResults[k] = res;   // later lines (results) replace "received"
     }
   FileClose(h);
  }
int JournalIndex(const string cid)
  {
   for(int i = ArraySize(g_jCids) - 1; i >= 0; i--) if(g_jCids[i] == cid) return i;
   return -1;
  }
void JournalWrite(const string cid, const string result)
  {
   int h = FileOpen("KinetraBridge_journal.txt", FILE_READ | FILE_WRITE | FILE_TXT | FILE_ANSI | FILE_SHARE_READ);
   if(h == INVALID_HANDLE) { Print("KinetraBridge: journal write failed, error ", GetLastError()); return; }
   FileSeek(h, 0, SEEK_END);
   FileWriteString(h, cid + "\t" + result + "\n");
   FileFlush(h);
   FileClose(h);
   int k = JournalIndex(cid);
   if(k < 0) { k = ArraySize(g_jCids); ArrayResize(g_jCids, k + 1); ArrayResize(g_jResults, k + 1); g_jCids[k] = cid; }
   g_jResults[k] = result;
  }

//--- Snapshots ---------------------------------------------------------------------------
string AccountJson()
  {
   return "{" + JStr("login", IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN))) + "," +
          JStr("server", AccountInfoString(ACCOUNT_SERVER)) + "," + JStr("company", AccountInfoString(ACCOUNT_COMPANY)) + "," +
          JStr("currency", AccountInfoString(ACCOUNT_CURRENCY)) + "," + JInt("trade_mode", AccountInfoInteger(ACCOUNT_TRADE_MODE)) + "," +
          JInt("margin_mode", AccountInfoInteger(ACCOUNT_MARGIN_MODE)) + "," + JInt("leverage", AccountInfoInteger(ACCOUNT_LEVERAGE)) + "," +
          JBool("trade_allowed", AccountInfoInteger(ACCOUNT_TRADE_ALLOWED) != 0) + "," +
          JBool("trade_expert", AccountInfoInteger(ACCOUNT_TRADE_EXPERT) != 0) + "," +
          JNum("balance", AccountInfoDouble(ACCOUNT_BALANCE), 2) + "," + JNum("equity", AccountInfoDouble(ACCOUNT_EQUITY), 2) + "," +
          JNum("margin", AccountInfoDouble(ACCOUNT_MARGIN), 2) + "," + JNum("margin_free", AccountInfoDouble(ACCOUNT_MARGIN_FREE), 2) + "}";
  }
string TerminalJson()
  {
   return "{" + JInt("build", TerminalInfoInteger(TERMINAL_BUILD)) + "," + JBool("connected", TerminalInfoInteger(TERMINAL_CONNECTED) != 0) + "," +
          JBool("trade_allowed", TerminalInfoInteger(TERMINAL_TRADE_ALLOWED) != 0) + "}";
  }
string SpecJson(const string s)
  {
   return "{" + JStr("name", s) + "," + JInt("digits", SymbolInfoInteger(s, SYMBOL_DIGITS)) + "," +
          JNum("point", SymbolInfoDouble(s, SYMBOL_POINT), 10) + "," + JNum("trade_tick_size", SymbolInfoDouble(s, SYMBOL_TRADE_TICK_SIZE), 10) + "," +
          JNum("trade_tick_value", SymbolInfoDouble(s, SYMBOL_TRADE_TICK_VALUE), 10) + "," +
          JNum("trade_contract_size", SymbolInfoDouble(s, SYMBOL_TRADE_CONTRACT_SIZE), 4) + "," +
          JNum("volume_min", SymbolInfoDouble(s, SYMBOL_VOLUME_MIN), 8) + "," + JNum("volume_max", SymbolInfoDouble(s, SYMBOL_VOLUME_MAX), 8) + "," +
          JNum("volume_step", SymbolInfoDouble(s, SYMBOL_VOLUME_STEP), 8) + "," + JNum("volume_limit", SymbolInfoDouble(s, SYMBOL_VOLUME_LIMIT), 8) + "," +
          JInt("trade_stops_level", SymbolInfoInteger(s, SYMBOL_TRADE_STOPS_LEVEL)) + "," + JInt("trade_freeze_level", SymbolInfoInteger(s, SYMBOL_TRADE_FREEZE_LEVEL)) + "," +
          JInt("trade_mode", SymbolInfoInteger(s, SYMBOL_TRADE_MODE)) + "," + JInt("trade_exemode", SymbolInfoInteger(s, SYMBOL_TRADE_EXEMODE)) + "," +
          JInt("filling_mode", SymbolInfoInteger(s, SYMBOL_FILLING_MODE)) + "," + JStr("currency_profit", SymbolInfoString(s, SYMBOL_CURRENCY_PROFIT)) + "," +
          JStr("currency_margin", SymbolInfoString(s, SYMBOL_CURRENCY_MARGIN)) + "}";
  }
string TickJson(const string s)
  {
   MqlTick t;
   if(!SymbolInfoTick(s, t)) return "{" + JStr("symbol", s) + ",\"bid\":0,\"ask\":0,\"time_msc\":0}";
   int d = (int)SymbolInfoInteger(s, SYMBOL_DIGITS);
   return "{" + JStr("symbol", s) + "," + JNum("bid", t.bid, d) + "," + JNum("ask", t.ask, d) + "," + JInt("time_msc", t.time_msc) + "}";
  }
string BarJson(const MqlRates &r)
  {
   return "{" + JInt("time_msc", (long)r.time * 1000) + "," + JNum("open", r.open, 8) + "," + JNum("high", r.high, 8) + "," +
          JNum("low", r.low, 8) + "," + JNum("close", r.close, 8) + "," + JInt("tick_volume", r.tick_volume) + "," +
          JInt("spread", r.spread) + "," + JInt("real_volume", r.real_volume) + "}";
  }
string PositionsJson(const string symbol)
  {
   string out = "[";
   for(int i = 0; i < PositionsTotal(); i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0) continue;
      string s = PositionGetString(POSITION_SYMBOL);
      if(symbol != "" && s != symbol) continue;
      if(StringLen(out) > 1) out += ",";
      out += "{" + JStr("ticket", IntegerToString((long)ticket)) + "," + JStr("symbol", s) + "," + JInt("type", PositionGetInteger(POSITION_TYPE)) + "," +
             JNum("volume", PositionGetDouble(POSITION_VOLUME), 8) + "," + JNum("price_open", PositionGetDouble(POSITION_PRICE_OPEN), 8) + "," +
             JNum("sl", PositionGetDouble(POSITION_SL), 8) + "," + JNum("tp", PositionGetDouble(POSITION_TP), 8) + "," +
             JStr("magic", IntegerToString(PositionGetInteger(POSITION_MAGIC))) + "," + JStr("comment", PositionGetString(POSITION_COMMENT)) + "," +
             JInt("time_msc", PositionGetInteger(POSITION_TIME_MSC)) + "," + JNum("profit", PositionGetDouble(POSITION_PROFIT), 2) + "," +
             JNum("swap", PositionGetDouble(POSITION_SWAP), 2) + "}";
     }
   return out + "]";
  }
string DealJson(const ulong d)
  {
   return "{" + JStr("ticket", IntegerToString((long)d)) + "," + JStr("order", IntegerToString(HistoryDealGetInteger(d, DEAL_ORDER))) + "," +
          JStr("position_id", IntegerToString(HistoryDealGetInteger(d, DEAL_POSITION_ID))) + "," + JStr("symbol", HistoryDealGetString(d, DEAL_SYMBOL)) + "," +
          JInt("type", HistoryDealGetInteger(d, DEAL_TYPE)) + "," + JInt("entry", HistoryDealGetInteger(d, DEAL_ENTRY)) + "," +
          JInt("reason", HistoryDealGetInteger(d, DEAL_REASON)) + "," + JNum("volume", HistoryDealGetDouble(d, DEAL_VOLUME), 8) + "," +
          JNum("price", HistoryDealGetDouble(d, DEAL_PRICE), 8) + "," + JNum("commission", HistoryDealGetDouble(d, DEAL_COMMISSION), 2) + "," +
          JNum("swap", HistoryDealGetDouble(d, DEAL_SWAP), 2) + "," + JNum("profit", HistoryDealGetDouble(d, DEAL_PROFIT), 2) + "," +
          JStr("magic", IntegerToString(HistoryDealGetInteger(d, DEAL_MAGIC))) + "," + JStr("comment", HistoryDealGetString(d, DEAL_COMMENT)) + "," +
          JInt("time_msc", HistoryDealGetInteger(d, DEAL_TIME_MSC)) + "}";
  }
string DealsJson()
  {
   string out = "[";
   if(!HistorySelect(TimeCurrent() - 7 * 86400, TimeCurrent() + 86400)) return "[]";
   for(int i = 0; i < HistoryDealsTotal(); i++)
     {
      ulong d = HistoryDealGetTicket(i);
      if(d == 0 || HistoryDealGetString(d, DEAL_SYMBOL) == "") continue;   // skip balance operations
      if(StringLen(out) > 1) out += ",";
      out += DealJson(d);
     }
   return out + "]";
  }
ENUM_TIMEFRAMES Timeframe(const string tf)
  {
   if(tf == "M1") return PERIOD_M1;   if(tf == "M5") return PERIOD_M5;   if(tf == "M15") return PERIOD_M15;
   if(tf == "M30") return PERIOD_M30; if(tf == "H1") return PERIOD_H1;   if(tf == "H4") return PERIOD_H4;
   if(tf == "D1") return PERIOD_D1;   if(tf == "W1") return PERIOD_W1;   if(tf == "MN1") return PERIOD_MN1;
   return PERIOD_CURRENT;
  }

//--- Trading -----------------------------------------------------------------------------
string ResultJson(const uint retcode, const int bridgeCode, const ulong deal, const ulong order, const ulong position,
                  const double volume, const double price, const double bid, const double ask, const string comment)
  {
   return "{" + JInt("retcode", retcode) + "," + JInt("bridge_code", bridgeCode) + "," + JStr("deal", IntegerToString((long)deal)) + "," +
          JStr("order", IntegerToString((long)order)) + "," + JStr("position", IntegerToString((long)position)) + "," +
          JNum("volume", volume, 8) + "," + JNum("price", price, 8) + "," + JNum("bid", bid, 8) + "," + JNum("ask", ask, 8) + "," +
          JStr("comment", comment) + "}";
  }
bool LiveGateOpen() { return AccountInfoInteger(ACCOUNT_TRADE_MODE) == ACCOUNT_TRADE_MODE_DEMO || AllowLive; }

string Trade(const string t, const string json)
  {
   string cid = JGetString(json, "cid");
   if(StringLen(cid) == 0 || StringLen(cid) > 16) return ResultJson(TRADE_RETCODE_INVALID, 0, 0, 0, 0, 0, 0, 0, 0, "cid must be 1..16 characters");
   int k = JournalIndex(cid);
   if(k >= 0 && StringFind(g_jResults[k], "{") == 0)
     {
      string cached = g_jResults[k];
      StringReplace(cached, "\"bridge_code\":0", "\"bridge_code\":-12");
      return cached;   // seen before: the stored result, never a second OrderSend
     }
   if(!LiveGateOpen()) return ResultJson(TRADE_RETCODE_REJECT, -20, 0, 0, 0, 0, 0, 0, 0, "refused by the EA: AllowLive is off for a non-demo account");
   JournalWrite(cid, "received");   // journalled before OrderSend
   MqlTradeRequest rq;
   MqlTradeResult rs;
   ZeroMemory(rq);
   ZeroMemory(rs);
   ulong position = 0;
   bool sent = false;
   if(t == "order_send")
     {
      string s = JGetString(json, "symbol");
      long magic = (long)JGetULong(json, "magic");
      g_trade.SetExpertMagicNumber((ulong)magic);
      g_trade.SetDeviationInPoints((ulong)JGetNumber(json, "deviation", 20));
      g_trade.SetTypeFilling((ENUM_ORDER_TYPE_FILLING)(int)JGetNumber(json, "type_filling", ORDER_FILLING_FOK));
      ENUM_ORDER_TYPE type = (ENUM_ORDER_TYPE)(int)JGetNumber(json, "type", 0);
      double price = (type == ORDER_TYPE_BUY) ? SymbolInfoDouble(s, SYMBOL_ASK) : SymbolInfoDouble(s, SYMBOL_BID);
      sent = g_trade.PositionOpen(s, type, JGetNumber(json, "volume", 0), price, JGetNumber(json, "sl", 0), JGetNumber(json, "tp", 0), cid);
      g_trade.Result(rs);
      if(rs.retcode == TRADE_RETCODE_DONE || rs.retcode == TRADE_RETCODE_DONE_PARTIAL)
        {
         if(AccountInfoInteger(ACCOUNT_MARGIN_MODE) == ACCOUNT_MARGIN_MODE_RETAIL_HEDGING) position = rs.order;
         else if(PositionSelect(s)) position = (ulong)PositionGetInteger(POSITION_TICKET);
        }
     }
   else if(t == "close_position")
     {
      ulong ticket = JGetULong(json, "ticket");
      if(!PositionSelectByTicket(ticket)) return ResultJson(TRADE_RETCODE_POSITION_CLOSED, 0, 0, 0, ticket, 0, 0, 0, 0, "position not found");
      string s = PositionGetString(POSITION_SYMBOL);
      bool isBuy = PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY;
      double vol = JGetNumber(json, "volume", 0);
      rq.action = TRADE_ACTION_DEAL;
      rq.position = ticket;
      rq.symbol = s;
      rq.volume = (vol > 0) ? vol : PositionGetDouble(POSITION_VOLUME);
      rq.type = isBuy ? ORDER_TYPE_SELL : ORDER_TYPE_BUY;
      rq.price = isBuy ? SymbolInfoDouble(s, SYMBOL_BID) : SymbolInfoDouble(s, SYMBOL_ASK);
      rq.deviation = 20;
      rq.magic = (ulong)PositionGetInteger(POSITION_MAGIC);
      rq.comment = cid;
      long fill = SymbolInfoInteger(s, SYMBOL_FILLING_MODE);
      rq.type_filling = ((fill & SYMBOL_FILLING_FOK) != 0) ? ORDER_FILLING_FOK : ((fill & SYMBOL_FILLING_IOC) != 0) ? ORDER_FILLING_IOC : ORDER_FILLING_RETURN;
      sent = OrderSend(rq, rs);
      position = ticket;
     }
   else if(t == "modify_sltp")
     {
      ulong ticket = JGetULong(json, "ticket");
      sent = g_trade.PositionModify(ticket, JGetNumber(json, "sl", 0), JGetNumber(json, "tp", 0));
      g_trade.Result(rs);
      position = ticket;
     }
   if(!sent) Print("KinetraBridge: ", t, " ", cid, " retcode ", rs.retcode, " ", rs.comment, " error ", GetLastError());
   string result = ResultJson(rs.retcode, 0, rs.deal, rs.order, position, rs.volume, rs.price, rs.bid, rs.ask, rs.comment);
   JournalWrite(cid, result);   // updated after
   return result;
  }

string Reconcile(const string json)
  {
   string cid = JGetString(json, "cid");
   int k = JournalIndex(cid);
   string deals = "[";
   ulong lastDeal = 0;
   if(HistorySelect(TimeCurrent() - 7 * 86400, TimeCurrent() + 86400))
     {
      for(int i = 0; i < HistoryDealsTotal(); i++)
        {
         ulong d = HistoryDealGetTicket(i);
         if(d == 0 || HistoryDealGetString(d, DEAL_COMMENT) != cid) continue;
         if(StringLen(deals) > 1) deals += ",";
         deals += DealJson(d);
         lastDeal = d;
        }
     }
   deals += "]";
   if(k >= 0 && StringFind(g_jResults[k], "{") == 0)
      return "{" + JStr("cid", cid) + ",\"state\":\"found\",\"result\":" + g_jResults[k] + ",\"deals\":" + deals + "}";
   if(lastDeal != 0)
     {
      string r = ResultJson(TRADE_RETCODE_DONE, 0, lastDeal, (ulong)HistoryDealGetInteger(lastDeal, DEAL_ORDER),
                            (ulong)HistoryDealGetInteger(lastDeal, DEAL_POSITION_ID), HistoryDealGetDouble(lastDeal, DEAL_VOLUME),
                            HistoryDealGetDouble(lastDeal, DEAL_PRICE), 0, 0, "reconstructed from history");
      return "{" + JStr("cid", cid) + ",\"state\":\"found\",\"result\":" + r + ",\"deals\":" + deals + "}";
     }
   return "{" + JStr("cid", cid) + ",\"state\":\"not_found\",\"deals\":[]}";
  }

//--- Dispatch ----------------------------------------------------------------------------
void Handle(const string line)
  {
   string t = JGetString(line, "t");
   if(t == "challenge")
     {
      string nonce = JGetString(line, "nonce");
      SendLine("{\"v\":1,\"t\":\"hello\",\"proto\":1,\"ea_version\":\"KinetraBridge-1.00\"," + JStr("hmac", HmacSha256Hex(BridgeSecret, nonce)) +
               ",\"terminal\":" + TerminalJson() + ",\"account\":" + AccountJson() + ",\"time\":{" + JInt("current", (long)TimeCurrent() * 1000) + "," +
               JInt("gmt", (long)TimeGMT() * 1000) + "," + JInt("trade_server", (long)TimeTradeServer() * 1000) + "}}");
      return;
     }
   if(t == "welcome") { g_welcome = true; g_backoff = 1000; g_hbMs = (uint)JGetNumber(line, "heartbeat_ms", 1000); Print("KinetraBridge: connected"); if(g_barSymbol != "") ResendLastBar(); return; }
   if(t == "reject") { Print("KinetraBridge: refused by Kinetra: ", JGetString(line, "reason")); Disconnect(); g_nextConnect = GetTickCount64() + 60000; return; }
   string id = JGetString(line, "id");
   if(id == "") return;
   if(t == "ping") { Reply(id, "{\"pong\":true}"); return; }
   if(t == "account_info") { Reply(id, AccountJson()); return; }
   if(t == "terminal_info") { Reply(id, TerminalJson()); return; }
   if(t == "symbol_spec") { string s = JGetString(line, "symbol"); if(!SymbolSelect(s, true)) { ReplyError(id, "unknown_symbol", "no symbol " + s); return; } Reply(id, SpecJson(s)); return; }
   if(t == "tick") { Reply(id, TickJson(JGetString(line, "symbol"))); return; }
   if(t == "positions") { Reply(id, PositionsJson(JGetString(line, "symbol"))); return; }
   if(t == "deals") { Reply(id, DealsJson()); return; }
   if(t == "rates")
     {
      MqlRates r[];
      int n = CopyRates(JGetString(line, "symbol"), Timeframe(JGetString(line, "timeframe")), 1, (int)JGetNumber(line, "count", 300), r);
      if(n < 0) { ReplyError(id, "no_history", "CopyRates failed, error " + IntegerToString(GetLastError())); return; }
      string out = "[";
      for(int i = 0; i < n; i++) { if(i > 0) out += ","; out += BarJson(r[i]); }
      Reply(id, out + "]");
      return;
     }
   if(t == "subscribe_bars")
     {
      g_barSymbol = JGetString(line, "symbol");
      g_barTfName = JGetString(line, "timeframe");
      g_barTf = Timeframe(g_barTfName);
      g_lastBarTime = iTime(g_barSymbol, g_barTf, 0);
      Reply(id, "{\"subscribed\":true}");
      return;
     }
   if(t == "order_check") { Reply(id, "{\"retcode\":0,\"comment\":\"use order_send\",\"margin\":0,\"margin_free\":" + DoubleToString(AccountInfoDouble(ACCOUNT_MARGIN_FREE), 2) + "}"); return; }
   if(t == "order_send" || t == "close_position" || t == "modify_sltp") { Reply(id, Trade(t, line)); return; }
   if(t == "reconcile") { Reply(id, Reconcile(line)); return; }
   ReplyError(id, "unknown_request", "unknown request " + t);
  }

void SendBar(const int shift)
  {
   MqlRates r[];
   if(CopyRates(g_barSymbol, g_barTf, shift, 1, r) != 1) return;
   g_seq++;
   SendLine("{\"v\":1,\"t\":\"bar\"," + JInt("seq", g_seq) + "," + JStr("symbol", g_barSymbol) + "," + JStr("timeframe", g_barTfName) + ",\"bar\":" + BarJson(r[0]) + "}");
  }
void ResendLastBar() { SendBar(1); }

//--- Event handlers ----------------------------------------------------------------------
int OnInit()
  {
   if(StringLen(BridgeSecret) < 8) { Print("KinetraBridge: set BridgeSecret (8+ characters, from .kinetra/config.json)"); return INIT_PARAMETERS_INCORRECT; }
   if(AccountInfoInteger(ACCOUNT_TRADE_MODE) != ACCOUNT_TRADE_MODE_DEMO && !AllowLive)
      Print("KinetraBridge: this is not a demo account and AllowLive is off: every trade will be refused");
   JournalLoad();
   if(!EventSetMillisecondTimer(TimerMs)) return INIT_FAILED;
   return INIT_SUCCEEDED;
  }
void OnDeinit(const int reason)
  {
   EventKillTimer();
   Disconnect();
  }
void OnTimer()
  {
   if(g_sock == INVALID_HANDLE || !SocketIsConnected(g_sock))
     {
      if(g_sock != INVALID_HANDLE) Disconnect();
      TryConnect();
      return;
     }
   uint avail = SocketIsReadable(g_sock);
   if(avail > 0)
     {
      uchar buf[];
      int n = SocketRead(g_sock, buf, avail, 100);
      if(n < 0) { Print("KinetraBridge: read failed, error ", GetLastError()); Disconnect(); return; }
      g_partial += CharArrayToString(buf, 0, n, CP_UTF8);
      if(StringLen(g_partial) > 1048576) { Print("KinetraBridge: line over 1 MiB, dropping the connection"); Disconnect(); return; }
      int nl;
      while((nl = StringFind(g_partial, "\n")) >= 0)
        {
         string line = StringSubstr(g_partial, 0, nl);
         g_partial = StringSubstr(g_partial, nl + 1);
         StringTrimRight(line);
         if(StringLen(line) > 0) Handle(line);
         if(g_sock == INVALID_HANDLE) return;
        }
     }
   if(!g_welcome) return;
   ulong now = GetTickCount64();
   if(now - g_lastHb >= g_hbMs)
     {
      g_lastHb = now;
      g_seq++;
      SendLine("{\"v\":1,\"t\":\"hb\"," + JInt("seq", g_seq) + "," + JInt("time_msc", (long)TimeCurrent() * 1000) + "}");
     }
   if(g_barSymbol != "")
     {
      datetime cur = iTime(g_barSymbol, g_barTf, 0);
      if(cur != 0 && cur != g_lastBarTime) { g_lastBarTime = cur; SendBar(1); }   // bar 1 just closed
     }
  }
//+------------------------------------------------------------------+
