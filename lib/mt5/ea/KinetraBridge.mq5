//+------------------------------------------------------------------+
//| KinetraBridge.mq5 — the MetaTrader 5 side of the Kinetra bridge   |
//|                                                                  |
//| Protocol v1 (lib/mt5/protocol.ts, fields in lib/mt5/schema.ts):   |
//| the EA connects OUT to Kinetra (MQL5 sockets are client-only),    |
//| answers the HMAC-SHA256 challenge with the shared secret, sends a |
//| heartbeat every second, serves requests (one JSON object per      |
//| line) and pushes closed bars.                                     |
//|                                                                  |
//| Time: every time on the wire is the trade server's (TimeCurrent,  |
//| CopyRates, deals); the server's offset TimeTradeServer()-TimeGMT()|
//| goes in hello and in a server_time event whenever it changes, and |
//| Kinetra converts to UTC.                                          |
//|                                                                  |
//| Safety: AllowLive=false refuses every trade on a non-demo account;|
//| every client order id (cid) is journalled in MQL5/Files before    |
//| OrderSend and updated after; every outcome, refusals included, is |
//| journalled before the reply, and a repeated cid returns the       |
//| stored result instead of trading twice.                           |
//|                                                                  |
//| Install: copy to MQL5/Experts, compile in MetaEditor, enable Algo |
//| Trading, add the Kinetra address (e.g. 127.0.0.1) in Tools >      |
//| Options > Expert Advisors > "Allow WebRequest for listed URL",    |
//| attach to ONE chart. See docs/LIVE_TESTING_GUIDE.md.              |
//|                                                                  |
//| This file cannot be compiled in Kinetra's CI: keep it small.      |
//| Blocks marked //@sends, //@event and //@reads are checked against |
//| lib/mt5/schema.ts by tests/mt5/ea_conformance_test.ts.            |
//+------------------------------------------------------------------+
#property copyright "Kinetra"
#property version   "1.10"

#define EA_VERSION "KinetraBridge-1.10"

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
int      g_srvOffset = 0;        // TimeTradeServer() - TimeGMT(), seconds
bool     g_marketConnected = true;
string   g_barSymbol = "";
ENUM_TIMEFRAMES g_barTf = PERIOD_CURRENT;
string   g_barTfName = "";
datetime g_lastBarTime = 0;      // open time of the forming bar last seen
datetime g_lastSentBar = 0;      // open time of the last closed bar sent
string   g_jCids[];              // EA journal: cid -> stored result line
string   g_jResults[];

//--- JSON helpers (flat lookup; Kinetra's keys are unique within each message) ---------------
string JEsc(const string s)
  {
   string r = "";
   int n = StringLen(s);
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(s, i);
      if(c == '\\') r += "\\\\";
      else if(c == '"') r += "\\\"";
      else if(c == '\n') r += "\\n";
      else if(c == '\r') r += "\\r";
      else if(c == '\t') r += "\\t";
      else if(c < 0x20) r += StringFormat("\\u%04x", (int)c);   // other control characters
      else r += ShortToString(c);
     }
   return r;
  }
string JStr(const string key, const string v) { return "\"" + key + "\":\"" + JEsc(v) + "\""; }
string JNum(const string key, const double v, const int digits)
  {
   if(!MathIsValidNumber(v)) return "\"" + key + "\":0";   // NaN/inf are not JSON
   return "\"" + key + "\":" + DoubleToString(v, digits);
  }
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
   string out = "";
   int n = StringLen(json);
   for(int i = p + 1; i < n; i++)
     {
      ushort c = StringGetCharacter(json, i);
      if(c == '"') return out;
      if(c == '\\' && i + 1 < n)
        {
         i++;
         ushort e = StringGetCharacter(json, i);
         if(e == 'n') out += "\n";
         else if(e == 't') out += "\t";
         else if(e == 'r') out += "\r";
         else out += ShortToString(e);   // \" \\ \/
         continue;
        }
      out += ShortToString(c);
     }
   return "";
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

//--- Server time -----------------------------------------------------------------------------
// The trade server's offset from GMT in seconds, rounded to 15 minutes (both clocks are derived
// from the computer's clock, so their difference is the offset up to a second of jitter).
int ServerOffset()
  {
   long d = (long)TimeTradeServer() - (long)TimeGMT();
   return (int)(MathRound(d / 900.0) * 900);
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
//@sends res
void Reply(const string id, const string data) { SendLine("{\"v\":1,\"t\":\"res\",\"re\":\"" + JEsc(id) + "\",\"ok\":true,\"data\":" + data + "}"); }
void ReplyError(const string id, const string code, const string msg)
  {
   SendLine("{\"v\":1,\"t\":\"res\",\"re\":\"" + JEsc(id) + "\",\"ok\":false,\"err\":{" + JStr("code", code) + "," + JStr("msg", msg) + "}}");
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
   FileWriteString(h, cid + "\t" + result + "\n");   // result lines are JSON: control characters escaped
   FileFlush(h);
   FileClose(h);
   int k = JournalIndex(cid);
   if(k < 0) { k = ArraySize(g_jCids); ArrayResize(g_jCids, k + 1); ArrayResize(g_jResults, k + 1); g_jCids[k] = cid; }
   g_jResults[k] = result;
  }

//--- Snapshots ---------------------------------------------------------------------------
//@sends account
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
//@sends terminal
string TerminalJson()
  {
   return "{" + JInt("build", TerminalInfoInteger(TERMINAL_BUILD)) + "," + JBool("connected", TerminalInfoInteger(TERMINAL_CONNECTED) != 0) + "," +
          JBool("trade_allowed", TerminalInfoInteger(TERMINAL_TRADE_ALLOWED) != 0) + "," +
          JBool("ea_trade_allowed", MQLInfoInteger(MQL_TRADE_ALLOWED) != 0) + "}";
  }
//@sends spec
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
          JInt("filling_mode", SymbolInfoInteger(s, SYMBOL_FILLING_MODE)) + "," + JInt("order_mode", SymbolInfoInteger(s, SYMBOL_ORDER_MODE)) + "," +
          JStr("currency_profit", SymbolInfoString(s, SYMBOL_CURRENCY_PROFIT)) + "," +
          JStr("currency_margin", SymbolInfoString(s, SYMBOL_CURRENCY_MARGIN)) + "}";
  }
//@sends tick
string TickJson(const string s, const MqlTick &t)
  {
   int d = (int)SymbolInfoInteger(s, SYMBOL_DIGITS);
   return "{" + JStr("symbol", s) + "," + JNum("bid", t.bid, d) + "," + JNum("ask", t.ask, d) + "," + JInt("time_msc", t.time_msc) + "}";
  }
//@sends bar
string BarJson(const MqlRates &r)
  {
   return "{" + JInt("time_msc", (long)r.time * 1000) + "," + JNum("open", r.open, 8) + "," + JNum("high", r.high, 8) + "," +
          JNum("low", r.low, 8) + "," + JNum("close", r.close, 8) + "," + JInt("tick_volume", r.tick_volume) + "," +
          JInt("spread", r.spread) + "," + JInt("real_volume", r.real_volume) + "}";
  }
//@sends position
string PositionsJson(const string symbol)
  {
   string out = "[";
   for(int i = 0; i < PositionsTotal(); i++)
     {
      ulong ticket = PositionGetTicket(i);   // also selects the position
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
//@sends deal
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
// Deals from `from` (server time; 0 = the whole history) to a day ahead.
string DealsJson(const datetime from)
  {
   string out = "[";
   if(!HistorySelect(from, TimeCurrent() + 86400)) return "[]";
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
   return PERIOD_CURRENT;   // unknown
  }

//--- Trading -----------------------------------------------------------------------------
//@sends result
string ResultJson(const uint retcode, const int bridgeCode, const ulong deal, const ulong order, const ulong position,
                  const double volume, const double price, const double bid, const double ask,
                  const double commission, const double profit, const string comment)
  {
   return "{" + JInt("retcode", retcode) + "," + JInt("bridge_code", bridgeCode) + "," + JStr("deal", IntegerToString((long)deal)) + "," +
          JStr("order", IntegerToString((long)order)) + "," + JStr("position", IntegerToString((long)position)) + "," +
          JNum("volume", volume, 8) + "," + JNum("price", price, 8) + "," + JNum("bid", bid, 8) + "," + JNum("ask", ask, 8) + "," +
          JNum("commission", commission, 2) + "," + JNum("profit", profit, 2) + "," + JStr("comment", comment) + "}";
  }
bool LiveGateOpen() { return AccountInfoInteger(ACCOUNT_TRADE_MODE) == ACCOUNT_TRADE_MODE_DEMO || AllowLive; }

// Why trading is off, or "" when the terminal, this EA and the account all allow it.
string AlgoTradingOff()
  {
   if(TerminalInfoInteger(TERMINAL_TRADE_ALLOWED) == 0) return "the terminal's Algo Trading button is off";
   if(MQLInfoInteger(MQL_TRADE_ALLOWED) == 0) return "'Allow Algo Trading' is off in the EA's properties (Common tab)";
   if(AccountInfoInteger(ACCOUNT_TRADE_EXPERT) == 0) return "the broker does not allow Expert Advisors on this account";
   if(AccountInfoInteger(ACCOUNT_TRADE_ALLOWED) == 0) return "trading is not allowed on this account (investor password?)";
   return "";
  }

// Filling policies for a market order, as the MQL5 reference states (ENUM_ORDER_TYPE_FILLING):
// FOK with the symbol's FOK flag (always in Request/Instant execution), IOC with its IOC flag (not
// in Request/Instant), RETURN in Market and Exchange execution. Same rule as the simulator's
// serverFillingAllowed().
bool FillingAllowed(const string s, const int f)
  {
   long exe = SymbolInfoInteger(s, SYMBOL_TRADE_EXEMODE);
   long flags = SymbolInfoInteger(s, SYMBOL_FILLING_MODE);
   bool instant = (exe == SYMBOL_TRADE_EXECUTION_REQUEST || exe == SYMBOL_TRADE_EXECUTION_INSTANT);
   if(f == ORDER_FILLING_FOK) return (flags & SYMBOL_FILLING_FOK) != 0 || instant;
   if(f == ORDER_FILLING_IOC) return !instant && (flags & SYMBOL_FILLING_IOC) != 0;
   if(f == ORDER_FILLING_RETURN) return !instant;
   return false;
  }
// The requested filling when allowed, else FOK, IOC, RETURN (the first allowed); -1 when none is.
int PickFilling(const string s, const int requested)
  {
   if(FillingAllowed(s, requested)) return requested;
   if(FillingAllowed(s, ORDER_FILLING_FOK)) return ORDER_FILLING_FOK;
   if(FillingAllowed(s, ORDER_FILLING_IOC)) return ORDER_FILLING_IOC;
   if(FillingAllowed(s, ORDER_FILLING_RETURN)) return ORDER_FILLING_RETURN;
   return -1;
  }
// Why the symbol cannot take these stops with the order, or "".
string StopsRefused(const string s, const double sl, const double tp)
  {
   long om = SymbolInfoInteger(s, SYMBOL_ORDER_MODE);
   if(sl > 0 && (om & SYMBOL_ORDER_SL) == 0) return s + " does not accept stop-loss orders (SYMBOL_ORDER_MODE " + IntegerToString(om) + ")";
   if(tp > 0 && (om & SYMBOL_ORDER_TP) == 0) return s + " does not accept take-profit orders (SYMBOL_ORDER_MODE " + IntegerToString(om) + ")";
   return "";
  }

// A stored result returned again: its bridge_code becomes -12 (duplicate, cached), whatever it was.
string MarkDuplicate(const string stored)
  {
   int p = JFind(stored, "bridge_code");
   if(p < 0) return stored;
   int e = p;
   int n = StringLen(stored);
   while(e < n && StringGetCharacter(stored, e) != ',' && StringGetCharacter(stored, e) != '}') e++;
   return StringSubstr(stored, 0, p) + "-12" + StringSubstr(stored, e);
  }

// A refusal before anything is sent: journalled like every outcome, then returned.
string Refuse(const string cid, const uint retcode, const int bridgeCode, const ulong position, const string why)
  {
   Print("KinetraBridge: ", cid, " refused: ", why);
   string r = ResultJson(retcode, bridgeCode, 0, 0, position, 0, 0, 0, 0, 0, 0, why);
   JournalWrite(cid, r);
   return r;
  }

// The fill as the deal records it: a server may leave MqlTradeResult.price/volume at 0.
void FillFromDeal(MqlTradeResult &rs, double &commission, double &profit, ulong &position)
  {
   commission = 0;
   profit = 0;
   position = 0;
   if(rs.deal == 0) return;
   bool found = HistoryDealSelect(rs.deal);
   for(int i = 0; i < 50 && !found; i++) { Sleep(10); found = HistoryDealSelect(rs.deal); }   // the deal may lag OrderSend
   if(!found) { Print("KinetraBridge: deal ", rs.deal, " not in the history yet, error ", GetLastError()); return; }
   rs.price = HistoryDealGetDouble(rs.deal, DEAL_PRICE);
   rs.volume = HistoryDealGetDouble(rs.deal, DEAL_VOLUME);
   commission = HistoryDealGetDouble(rs.deal, DEAL_COMMISSION);
   profit = HistoryDealGetDouble(rs.deal, DEAL_PROFIT);
   position = (ulong)HistoryDealGetInteger(rs.deal, DEAL_POSITION_ID);
  }

//@reads order_send,close_position,modify_sltp
string Trade(const string t, const string json)
  {
   string cid = JGetString(json, "cid");
   if(StringLen(cid) == 0 || StringLen(cid) > 16) return ResultJson(TRADE_RETCODE_INVALID, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "cid must be 1..16 characters");
   int k = JournalIndex(cid);
   if(k >= 0 && StringFind(g_jResults[k], "{") == 0)
     {
      return MarkDuplicate(g_jResults[k]);   // seen before: the stored result, never a second OrderSend
     }
   if(!LiveGateOpen()) return Refuse(cid, TRADE_RETCODE_REJECT, -20, 0, "refused by the EA: AllowLive is off for a non-demo account");
   string off = AlgoTradingOff();
   if(off != "") return Refuse(cid, TRADE_RETCODE_CLIENT_DISABLES_AT, 0, 0, "refused by the EA: algo trading is off: " + off);
   MqlTradeRequest rq;
   MqlTradeResult rs;
   ZeroMemory(rq);
   ZeroMemory(rs);
   ulong position = 0;
   if(t == "order_send")
     {
      string s = JGetString(json, "symbol");
      if(!SymbolSelect(s, true)) return Refuse(cid, TRADE_RETCODE_INVALID, 0, 0, "refused by the EA: no symbol " + s);
      ENUM_ORDER_TYPE type = (ENUM_ORDER_TYPE)(int)JGetNumber(json, "type", 0);
      if(type != ORDER_TYPE_BUY && type != ORDER_TYPE_SELL) return Refuse(cid, TRADE_RETCODE_INVALID, 0, 0, "refused by the EA: only market orders (type 0 or 1)");
      double sl = JGetNumber(json, "sl", 0);
      double tp = JGetNumber(json, "tp", 0);
      string stops = StopsRefused(s, sl, tp);
      if(stops != "") return Refuse(cid, TRADE_RETCODE_INVALID_STOPS, 0, 0, "refused by the EA: " + stops + "; nothing was sent");
      int fill = PickFilling(s, (int)JGetNumber(json, "type_filling", ORDER_FILLING_FOK));
      if(fill < 0) return Refuse(cid, TRADE_RETCODE_INVALID_FILL, 0, 0, "refused by the EA: " + s + " allows no filling policy for market orders");
      rq.action = TRADE_ACTION_DEAL;
      rq.symbol = s;
      rq.volume = JGetNumber(json, "volume", 0);
      rq.type = type;
      rq.price = (type == ORDER_TYPE_BUY) ? SymbolInfoDouble(s, SYMBOL_ASK) : SymbolInfoDouble(s, SYMBOL_BID);
      rq.sl = sl;
      rq.tp = tp;
      rq.deviation = (ulong)JGetNumber(json, "deviation", 20);
      rq.type_filling = (ENUM_ORDER_TYPE_FILLING)fill;
      rq.magic = JGetULong(json, "magic");
      rq.comment = cid;
     }
   else if(t == "close_position")
     {
      ulong ticket = JGetULong(json, "ticket");
      if(!PositionSelectByTicket(ticket)) return Refuse(cid, TRADE_RETCODE_POSITION_CLOSED, 0, ticket, "position not found");
      string s = PositionGetString(POSITION_SYMBOL);
      bool isBuy = PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY;
      double vol = JGetNumber(json, "volume", 0);
      int fill = PickFilling(s, ORDER_FILLING_FOK);
      if(fill < 0) return Refuse(cid, TRADE_RETCODE_INVALID_FILL, 0, ticket, "refused by the EA: " + s + " allows no filling policy for market orders");
      rq.action = TRADE_ACTION_DEAL;
      rq.position = ticket;
      rq.symbol = s;
      rq.volume = (vol > 0) ? vol : PositionGetDouble(POSITION_VOLUME);
      rq.type = isBuy ? ORDER_TYPE_SELL : ORDER_TYPE_BUY;
      rq.price = isBuy ? SymbolInfoDouble(s, SYMBOL_BID) : SymbolInfoDouble(s, SYMBOL_ASK);
      rq.deviation = 20;
      rq.magic = (ulong)PositionGetInteger(POSITION_MAGIC);
      rq.comment = cid;
      rq.type_filling = (ENUM_ORDER_TYPE_FILLING)fill;
      position = ticket;
     }
   else   // modify_sltp
     {
      ulong ticket = JGetULong(json, "ticket");
      // Select first: a position closed by its SL/TP is gone, and nothing may be reported as modified.
      if(!PositionSelectByTicket(ticket)) return Refuse(cid, TRADE_RETCODE_POSITION_CLOSED, 0, ticket, "position not found (closed by its stop-loss or take-profit?)");
      rq.action = TRADE_ACTION_SLTP;
      rq.position = ticket;
      rq.symbol = PositionGetString(POSITION_SYMBOL);
      rq.sl = JGetNumber(json, "sl", 0);
      rq.tp = JGetNumber(json, "tp", 0);
      rq.magic = (ulong)PositionGetInteger(POSITION_MAGIC);
      position = ticket;
     }
   JournalWrite(cid, "received");   // journalled before OrderSend
   ResetLastError();
   bool sent = OrderSend(rq, rs);
   if(!sent) Print("KinetraBridge: ", t, " ", cid, " retcode ", rs.retcode, " ", rs.comment, " error ", GetLastError());
   uint retcode = rs.retcode;
   string comment = rs.comment;
   if(!sent && retcode == 0) { retcode = TRADE_RETCODE_INVALID; comment = "rejected by the terminal, error " + IntegerToString(GetLastError()); }
   double commission = 0, profit = 0;
   if(retcode == TRADE_RETCODE_DONE || retcode == TRADE_RETCODE_DONE_PARTIAL)
     {
      ulong dealPosition = 0;
      FillFromDeal(rs, commission, profit, dealPosition);
      if(t == "order_send") position = (dealPosition != 0) ? dealPosition : rs.order;
     }
   string result = ResultJson(retcode, 0, rs.deal, rs.order, position, rs.volume, rs.price, rs.bid, rs.ask, commission, profit, comment);
   JournalWrite(cid, result);   // updated after
   return result;
  }

//@reads order_check
//@sends check
string OrderCheckJson(const string json)
  {
   MqlTradeRequest rq;
   MqlTradeCheckResult cr;
   ZeroMemory(rq);
   ZeroMemory(cr);
   string s = JGetString(json, "symbol");
   if(!SymbolSelect(s, true)) { cr.retcode = TRADE_RETCODE_INVALID; cr.comment = "no symbol " + s; }
   else
     {
      ENUM_ORDER_TYPE type = (ENUM_ORDER_TYPE)(int)JGetNumber(json, "type", 0);
      double price = JGetNumber(json, "price", 0);
      int fill = PickFilling(s, (int)JGetNumber(json, "type_filling", ORDER_FILLING_FOK));
      rq.action = TRADE_ACTION_DEAL;
      rq.symbol = s;
      rq.volume = JGetNumber(json, "volume", 0);
      rq.type = type;
      rq.price = (price > 0) ? price : ((type == ORDER_TYPE_BUY) ? SymbolInfoDouble(s, SYMBOL_ASK) : SymbolInfoDouble(s, SYMBOL_BID));
      rq.sl = JGetNumber(json, "sl", 0);
      rq.tp = JGetNumber(json, "tp", 0);
      rq.deviation = (ulong)JGetNumber(json, "deviation", 20);
      rq.type_filling = (ENUM_ORDER_TYPE_FILLING)((fill < 0) ? ORDER_FILLING_FOK : fill);
      rq.magic = JGetULong(json, "magic");
      rq.comment = JGetString(json, "comment");
      if(!OrderCheck(rq, cr)) Print("KinetraBridge: order_check ", cr.retcode, " ", cr.comment);
      string stops = StopsRefused(s, rq.sl, rq.tp);
      if(cr.retcode == 0 && stops != "") { cr.retcode = TRADE_RETCODE_INVALID_STOPS; cr.comment = stops; }
      if(cr.retcode == 0 && fill < 0) { cr.retcode = TRADE_RETCODE_INVALID_FILL; cr.comment = s + " allows no filling policy for market orders"; }
     }
   return "{" + JInt("retcode", cr.retcode) + "," + JStr("comment", cr.comment) + "," + JNum("balance", cr.balance, 2) + "," +
          JNum("equity", cr.equity, 2) + "," + JNum("profit", cr.profit, 2) + "," + JNum("margin", cr.margin, 2) + "," +
          JNum("margin_free", cr.margin_free, 2) + "," + JNum("margin_level", cr.margin_level, 2) + "}";
  }

//@reads reconcile
//@sends reconcile
string Reconcile(const string json)
  {
   string cid = JGetString(json, "cid");
   int k = JournalIndex(cid);
   string deals = "[";
   ulong lastDeal = 0;
   if(HistorySelect(0, TimeCurrent() + 86400))
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
                            HistoryDealGetDouble(lastDeal, DEAL_PRICE), 0, 0, HistoryDealGetDouble(lastDeal, DEAL_COMMISSION),
                            HistoryDealGetDouble(lastDeal, DEAL_PROFIT), "reconstructed from history");
      return "{" + JStr("cid", cid) + ",\"state\":\"found\",\"result\":" + r + ",\"deals\":" + deals + "}";
     }
   return "{" + JStr("cid", cid) + ",\"state\":\"not_found\",\"deals\":[]}";
  }

//@reads subscribe_bars
//@sends subscribe_bars
void SubscribeBars(const string id, const string line)
  {
   string s = JGetString(line, "symbol");
   string tfName = JGetString(line, "timeframe");
   ENUM_TIMEFRAMES tf = Timeframe(tfName);
   if(!SymbolSelect(s, true)) { ReplyError(id, "unknown_symbol", "no symbol " + s); return; }
   if(tf == PERIOD_CURRENT) { ReplyError(id, "bad_timeframe", "unknown timeframe " + tfName); return; }
   g_barSymbol = s;
   g_barTfName = tfName;
   g_barTf = tf;
   g_lastBarTime = iTime(s, tf, 0);
   g_lastSentBar = iTime(s, tf, 1);   // Kinetra has the history up to here (rates)
   Reply(id, "{" + JBool("subscribed", true) + "," + JStr("symbol", s) + "," + JStr("timeframe", tfName) + "}");
  }

//@reads rates
void Rates(const string id, const string line)
  {
   string s = JGetString(line, "symbol");
   string tfName = JGetString(line, "timeframe");
   ENUM_TIMEFRAMES tf = Timeframe(tfName);
   if(!SymbolSelect(s, true)) { ReplyError(id, "unknown_symbol", "no symbol " + s); return; }
   if(tf == PERIOD_CURRENT) { ReplyError(id, "bad_timeframe", "unknown timeframe " + tfName); return; }
   MqlRates r[];
   int n = CopyRates(s, tf, 1, (int)JGetNumber(line, "count", 300), r);   // closed bars only, oldest first
   if(n < 0) { ReplyError(id, "no_history", "CopyRates failed, error " + IntegerToString(GetLastError())); return; }
   string out = "[";
   for(int i = 0; i < n; i++) { if(i > 0) out += ","; out += BarJson(r[i]); }
   Reply(id, out + "]");
  }

//@reads tick
void Tick(const string id, const string line)
  {
   string s = JGetString(line, "symbol");
   MqlTick t;
   if(!SymbolSelect(s, true)) { ReplyError(id, "unknown_symbol", "no symbol " + s); return; }
   if(!SymbolInfoTick(s, t) || t.bid <= 0) { ReplyError(id, "no_quote", "no quote for " + s + " yet"); return; }
   Reply(id, TickJson(s, t));
  }

//--- Events ------------------------------------------------------------------------------
//@event hello
void SendHello(const string nonce)
  {
   SendLine("{\"v\":1,\"t\":\"hello\",\"proto\":1," + JStr("ea_version", EA_VERSION) + "," + JStr("hmac", HmacSha256Hex(BridgeSecret, nonce)) +
            ",\"terminal\":" + TerminalJson() + ",\"account\":" + AccountJson() + ",\"time\":{" + JInt("current", (long)TimeCurrent() * 1000) + "," +
            JInt("gmt", (long)TimeGMT() * 1000) + "," + JInt("trade_server", (long)TimeTradeServer() * 1000) + "," + JInt("srv_offset_s", g_srvOffset) + "}}");
  }
//@event bar
void SendRates(const MqlRates &r, const datetime prev)
  {
   g_seq++;
   SendLine("{\"v\":1,\"t\":\"bar\"," + JInt("seq", g_seq) + "," + JStr("symbol", g_barSymbol) + "," + JStr("timeframe", g_barTfName) + "," +
            JInt("prev_msc", (long)prev * 1000) + ",\"bar\":" + BarJson(r) + "}");
   g_lastSentBar = r.time;
  }
//@event hb
void SendHeartbeat()
  {
   g_seq++;
   SendLine("{\"v\":1,\"t\":\"hb\"," + JInt("seq", g_seq) + "," + JInt("time_msc", (long)TimeTradeServer() * 1000) + "}");   // advances without ticks
  }
//@event server_time
void SendServerTime()
  {
   g_seq++;
   SendLine("{\"v\":1,\"t\":\"server_time\"," + JInt("seq", g_seq) + "," + JInt("srv_offset_s", g_srvOffset) + "}");
  }
//@event market_state
void SendMarketState(const bool connected)
  {
   g_seq++;
   SendLine("{\"v\":1,\"t\":\"market_state\"," + JInt("seq", g_seq) + "," + JBool("connected", connected) + "}");
  }

// Send every closed bar opened after `after` (server time), each with its predecessor's time so
// Kinetra can tell a gap. after <= 0: only the last closed bar.
void SendBarsAfter(const datetime after)
  {
   if(g_barSymbol == "") return;
   MqlRates r[];
   datetime lastClosed = iTime(g_barSymbol, g_barTf, 1);
   if(lastClosed == 0 || (after > 0 && lastClosed <= after)) return;
   if(after <= 0)
     {
      if(CopyRates(g_barSymbol, g_barTf, 1, 2, r) == 2) SendRates(r[1], r[0].time);
      return;
     }
   int n = CopyRates(g_barSymbol, g_barTf, after, lastClosed, r);   // [after, lastClosed], oldest first
   if(n <= 0) { Print("KinetraBridge: CopyRates of the missed bars failed, error ", GetLastError()); return; }
   for(int i = 0; i < n && g_sock != INVALID_HANDLE; i++)
     {
      if(r[i].time <= after) continue;
      SendRates(r[i], (i > 0) ? r[i - 1].time : 0);   // prev 0: the acknowledged bar is not in the history (Kinetra sees a gap)
     }
  }

//--- Dispatch ----------------------------------------------------------------------------
//@reads challenge,welcome,reject,account_info,terminal_info,symbol_spec,positions,deals,ping
void Handle(const string line)
  {
   string t = JGetString(line, "t");
   if(t == "challenge") { SendHello(JGetString(line, "nonce")); return; }
   if(t == "welcome")
     {
      g_welcome = true;
      g_backoff = 1000;
      g_hbMs = (uint)JGetNumber(line, "heartbeat_ms", 1000);
      Print("KinetraBridge: connected to Kinetra; server time GMT", (g_srvOffset >= 0 ? "+" : ""), DoubleToString(g_srvOffset / 3600.0, 2));
      string bs = JGetString(line, "bar_symbol");
      if(g_barSymbol == "" && bs != "" && Timeframe(JGetString(line, "bar_timeframe")) != PERIOD_CURRENT && SymbolSelect(bs, true))
        {
         // The EA restarted while Kinetra kept its subscription: resume it.
         g_barSymbol = bs;
         g_barTfName = JGetString(line, "bar_timeframe");
         g_barTf = Timeframe(g_barTfName);
         g_lastBarTime = iTime(g_barSymbol, g_barTf, 0);
        }
      // Every bar after the last one Kinetra received (bars that closed during the outage too).
      double after = JGetNumber(line, "bar_after_msc", -1);
      if(g_barSymbol != "") SendBarsAfter((after >= 0) ? (datetime)(long)(after / 1000) : g_lastSentBar);
      return;
     }
   if(t == "reject") { Print("KinetraBridge: refused by Kinetra: ", JGetString(line, "reason")); Disconnect(); g_nextConnect = GetTickCount64() + 60000; return; }
   string id = JGetString(line, "id");
   if(id == "") return;
   if(t == "ping") { Reply(id, "{" + JInt("pong", (long)TimeGMT() * 1000) + "}"); return; }
   if(t == "account_info") { Reply(id, AccountJson()); return; }
   if(t == "terminal_info") { Reply(id, TerminalJson()); return; }
   if(t == "symbol_spec") { string s = JGetString(line, "symbol"); if(!SymbolSelect(s, true)) { ReplyError(id, "unknown_symbol", "no symbol " + s); return; } Reply(id, SpecJson(s)); return; }
   if(t == "tick") { Tick(id, line); return; }
   if(t == "positions") { Reply(id, PositionsJson(JGetString(line, "symbol"))); return; }
   if(t == "deals") { Reply(id, DealsJson((datetime)(long)(JGetNumber(line, "from_msc", 0) / 1000))); return; }
   if(t == "rates") { Rates(id, line); return; }
   if(t == "subscribe_bars") { SubscribeBars(id, line); return; }
   if(t == "order_check") { Reply(id, OrderCheckJson(line)); return; }
   if(t == "order_send" || t == "close_position" || t == "modify_sltp") { Reply(id, Trade(t, line)); return; }
   if(t == "reconcile") { Reply(id, Reconcile(line)); return; }
   ReplyError(id, "unknown_request", "unknown request " + t);
  }

//--- Event handlers ----------------------------------------------------------------------
int OnInit()
  {
   if(MQLInfoInteger(MQL_TESTER) != 0 || MQLInfoInteger(MQL_OPTIMIZATION) != 0)
     {
      Print("KinetraBridge: the Strategy Tester has no network sockets; attach the EA to a chart of a demo account instead");
      return INIT_FAILED;
     }
   if(StringLen(BridgeSecret) < 8) { Print("KinetraBridge: set BridgeSecret (8+ characters, from .kinetra/config.json)"); return INIT_PARAMETERS_INCORRECT; }
   if(AccountInfoInteger(ACCOUNT_TRADE_MODE) != ACCOUNT_TRADE_MODE_DEMO && !AllowLive)
      Print("KinetraBridge: this is not a demo account and AllowLive is off: every trade will be refused");
   string off = AlgoTradingOff();
   if(off != "") Print("KinetraBridge: algo trading is off (", off, "): every order will be refused until it is on");
   g_srvOffset = ServerOffset();
   g_marketConnected = TerminalInfoInteger(TERMINAL_CONNECTED) != 0;
   JournalLoad();
   if(!EventSetMillisecondTimer(TimerMs)) return INIT_FAILED;
   Print("KinetraBridge ", EA_VERSION, ": connecting to ", BridgeHost, ":", BridgePort);
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
      if(g_sock != INVALID_HANDLE) { Print("KinetraBridge: connection to Kinetra lost"); Disconnect(); }
      TryConnect();
      return;
     }
   uint avail = SocketIsReadable(g_sock);
   if(avail > 0)
     {
      uchar buf[];
      ResetLastError();
      int n = SocketRead(g_sock, buf, avail, 100);
      if(n < 0)
        {
         // SocketIsReadable can report bytes that SocketRead then times out on: only a real socket
         // error (invalid handle, 5270) or a closed socket ends the link.
         int err = GetLastError();
         if(err == 5270 || !SocketIsConnected(g_sock)) { Print("KinetraBridge: read failed, error ", err); Disconnect(); return; }
         n = 0;
        }
      if(n > 0) g_partial += CharArrayToString(buf, 0, n, CP_UTF8);
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
   int off = ServerOffset();
   bool offsetChanged = (off != g_srvOffset);
   g_srvOffset = off;
   if(!g_welcome) return;
   if(offsetChanged) SendServerTime();   // daylight saving: before any bar stamped with the new clock
   bool connected = TerminalInfoInteger(TERMINAL_CONNECTED) != 0;
   if(connected != g_marketConnected) { g_marketConnected = connected; SendMarketState(connected); }
   ulong now = GetTickCount64();
   if(now - g_lastHb >= g_hbMs)
     {
      g_lastHb = now;
      SendHeartbeat();
     }
   if(g_barSymbol != "")
     {
      datetime cur = iTime(g_barSymbol, g_barTf, 0);
      if(cur != 0 && cur != g_lastBarTime) { g_lastBarTime = cur; SendBarsAfter(g_lastSentBar); }   // one or more bars closed
     }
  }
//+------------------------------------------------------------------+
