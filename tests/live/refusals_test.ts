// Issue 14 item 7: N consecutive broker refusals with the same retcode (default 3) halt new
// entries; an accepted order in between resets the count. (Before: the runner kept sending.)
import assert from "node:assert/strict";
import { RETCODE } from "../../lib/market/mt5_constants.ts";
import type { TradeRequest, TradeResult } from "../../lib/broker/types.ts";
import type { BarArrays } from "../../lib/data/types.ts";
import { OrderDesk } from "../../lib/live/desk.ts";
import { paperMarket } from "../../lib/live/feed.ts";
import { RiskGuard } from "../../lib/live/guard.ts";
import { readJournal } from "../../lib/live/journal.ts";
import { TradeBook } from "../../lib/execution/trade_book.ts";
import { setUpSession } from "../../lib/live/session.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

/** A desk over the paper broker whose `send` answers `refuse(n)` (null = execute) for the n-th send. */
async function deskWith(refuse: (n: number) => number | null, maxRefusals?: number) {
  const logsDir = await Deno.makeTempDir();
  const s = await setUpSession(
    {
      mode: "virtual",
      strategy: "sma_cross",
      data: GBPUSD,
      logsDir,
      runId: "r",
      chsThreshold: 0,
      maxRefusals,
    },
    { print: () => {} },
  );
  const market = paperMarket(s);
  const paper = market.paper!;
  let n = 0;
  const send = paper.send.bind(paper);
  const broker = {
    kind: "paper",
    account: () => paper.account(),
    symbolSpec: (x: string) => paper.symbolSpec(x),
    quote: (x: string) => paper.quote(x),
    positions: (x?: string) => paper.positions(x),
    orderCheck: (r: TradeRequest) => paper.orderCheck(r),
    close: (c: string, t: string, v?: number) => paper.close(c, t, v),
    modify: (c: string, t: string, sl: number, tp: number) => paper.modify(c, t, sl, tp),
    reconcile: (c: string) => paper.reconcile(c),
    historyDeals: () => paper.historyDeals(),
    send: async (cid: string, req: TradeRequest): Promise<TradeResult> => {
      const code = refuse(++n);
      if (code === null) return await send(cid, req);
      return {
        retcode: code,
        bridge_code: 0,
        deal: "0",
        order: "0",
        position: "0",
        volume: 0,
        price: 0,
        bid: 0,
        ask: 0,
        comment: "refused by the test broker",
      };
    },
  };
  market.broker = broker;
  const bars = s.replay as BarArrays;
  const ledger = new TradeBook(market.spec, s.cash);
  const guard = new RiskGuard(s, 252);
  const desk = new OrderDesk(s, market, ledger, guard, {
    bars: () => bars,
    energy: () => null,
    halting: () => false,
  });
  paper.setQuote({
    symbol: s.symbol,
    bid: bars.open[5],
    ask: bars.open[5] + desk.spreadPx(5),
    time_msc: bars.time[5],
  });
  const entry = (side: 1 | -1) => desk.execute([{ kind: "entry", side, size: 1 }], 4, 5);
  return { s, desk, guard, entry, sends: () => n };
}

Deno.test("three consecutive refusals with one retcode halt new entries; the fourth is never sent", async () => {
  const { s, desk, guard, entry, sends } = await deskWith(() => RETCODE.NO_MONEY);
  for (let k = 0; k < 5; k++) await entry(1);
  assert.equal(sends(), 3, "no order after the third refusal");
  assert.equal(guard.entriesHalted?.by, "repeated_refusals");
  assert.match(guard.entriesHalted!.message, /10019/);
  assert.equal(desk.counters.broker_rejections, 3);
  assert.equal(desk.counters.entries_blocked, 2);
  await s.journal.close();
  const j = await readJournal(s.journal.path);
  assert.equal(j.events.filter((e) => e.type === "limit" && e.what === "entries_halted").length, 1);
});

Deno.test("an accepted order resets the count; different retcodes do not add up", async () => {
  const codes = [
    RETCODE.NO_MONEY,
    RETCODE.NO_MONEY,
    null,
    RETCODE.NO_MONEY,
    RETCODE.INVALID_FILL,
    RETCODE.NO_MONEY,
  ];
  const { s, desk, guard, entry, sends } = await deskWith((
    n,
  ) => (n <= codes.length ? codes[n - 1] : RETCODE.NO_MONEY));
  for (let k = 0; k < 6; k++) await entry(1);
  assert.equal(sends(), 6, JSON.stringify({ c: desk.counters, h: guard.entriesHalted }));
  assert.equal(guard.entriesHalted, null);
  await s.journal.close();
});

Deno.test("a permission retcode (10027 Algo Trading off) halts new entries at the first refusal", async () => {
  const { s, guard, entry, sends } = await deskWith(() => RETCODE.CLIENT_DISABLES_AT, 3);
  await entry(1);
  await entry(1);
  assert.equal(sends(), 1);
  assert.equal(guard.entriesHalted?.by, "refused_permission");
  await s.journal.close();
});
