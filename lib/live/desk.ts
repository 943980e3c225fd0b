/**
 * The order desk of a live run: entries, closes, SL/TP modifications and the broker's own exits,
 * each validated with the MT5 validator, journalled before it is sent and after, with unknown
 * outcomes reconciled by client order id (never a blind resend), and every fill booked in the
 * trade ledger (the backtest's trade records).
 *
 * @module
 */
import { chsTradeOf } from "../risk/chs.ts";
import type { ExitReason, TradeRecord } from "../backtest/mod.ts";
import {
  ACCOUNT_MARGIN_MODE,
  BRIDGE_CODE,
  DEAL_ENTRY,
  DEAL_REASON,
  isSuccessRetcode,
  isUnknownOutcome,
  RETCODE,
  retcodeName,
  TRADE_ACTION,
} from "../market/mt5_constants.ts";
import { closingOrderType, orderTypeOfSide, sideOfDealType, sideOfPositionType } from "../market/side.ts";
import type { BrokerDeal, BrokerPosition, Quote, TradeRequest, TradeResult } from "../broker/types.ts";
import { normalizePrice } from "../market/normalize.ts";
import { allowedFilling, validateOrder } from "../broker/validator.ts";
import type { BarArrays } from "../data/types.ts";
import { newCid } from "../mt5/protocol.ts";
import type { OrderIntent } from "../strategies/contract.ts";
import { isoTime, type Market } from "./feed.ts";
import type { RiskGuard } from "./guard.ts";
import { TradeBook } from "../execution/trade_book.ts";
import { Halt, type LiveSession } from "./session.ts";
import { entryLots } from "../execution/sizing.ts";
import { marginRequired } from "../market/costs.ts";
import { BadReplyError } from "./wire.ts";

/** Default number of consecutive broker refusals with one retcode that halt new entries. */
export const DEFAULT_MAX_REFUSALS = 3;

/**
 * Retcodes that say trading is not permitted at all: the first one halts new entries. (10006
 * REJECT counts only when the live gate sent it, bridge code -20.)
 */
export const PERMISSION_RETCODES: readonly number[] = [
  RETCODE.TRADE_DISABLED,
  RETCODE.SERVER_DISABLES_AT,
  RETCODE.CLIENT_DISABLES_AT,
];

/** The desk's counters (they go into the summary). */
export interface DeskCounters {
  validator_rejections: number;
  broker_rejections: number;
  adjustments: number;
  entries_blocked: number;
  unknown_outcomes: number;
  reconciled: number;
  resent: number;
}

/** What the desk reads from the running session. */
export interface DeskView {
  /** The bars so far. */
  bars(): BarArrays;
  /** The strategy's energy column (for the trade record), or null. */
  energy(): Float64Array | null;
  /** True once the session is halting (no new entries). */
  halting(): boolean;
  /**
   * The equity risk sizing is measured against, when it is not this desk's book (a basket on one
   * account: the account's, every symbol's P&L included). Default: the book marked at the quote.
   */
  sizingEquity?(): number;
}

/** Entries, closes, modifications and reconciliation against one broker. */
export class OrderDesk {
  readonly counters: DeskCounters = {
    validator_rejections: 0,
    broker_rejections: 0,
    adjustments: 0,
    entries_blocked: 0,
    unknown_outcomes: 0,
    reconciled: 0,
    resent: 0,
  };
  /** Every client order id this run sent. */
  readonly ourCids: Set<string> = new Set<string>();
  #cidCounter = 0;
  #refusals: { retcode: number; n: number } | null = null;
  /**
   * Shadow trades while the breaker is tripped: the strategy's entries simulated at the live quote
   * in a book of their own, never sent; they keep the CHS scoring so the breaker can reset.
   */
  readonly shadow: TradeBook;
  readonly #shadowStart: number;
  #shadowBrackets: { sl: number; tp: number } = { sl: NaN, tp: NaN };
  /** Shadow results for the summary. */
  readonly shadowStats = { trades: 0, pnl: 0, wins: 0 };
  readonly #runTag: string;
  readonly #seenDeals = new Set<string>();

  constructor(
    readonly s: LiveSession,
    readonly market: Market,
    readonly ledger: TradeBook,
    readonly guard: RiskGuard,
    readonly view: DeskView,
  ) {
    this.#runTag = s.runId.replace(/[^0-9a-z]/gi, "").slice(-5);
    this.shadow = new TradeBook(market.spec, ledger.cash);
    this.#shadowStart = ledger.cash;
  }

  /** The shadow book's P&L so far (closed and open, marked at `close`). */
  shadowPnl(close: number, spreadPx: number): number {
    return this.shadow.equityAt(close, spreadPx) - this.#shadowStart;
  }

  async #shadowClosed(recs: TradeRecord[], why: string): Promise<void> {
    for (const t of recs) {
      this.shadowStats.trades++;
      this.shadowStats.pnl += t.pnl;
      if (t.pnl > 0) this.shadowStats.wins++;
      this.guard.addTrade(chsTradeOf(t));
      await this.s.journal.append("shadow", { what: "exit", why, ...exitFields(t) });
    }
  }

  /** A shadow entry: sized and priced as a real one at the live quote, booked in the shadow book only. */
  async #shadowEntry(it: Extract<OrderIntent, { kind: "entry" }>, decisionBar: number, barIdx: number) {
    if (it.type && it.type !== "market") return;
    const { symbol, leverage } = this.s;
    const q = await this.market.broker.quote(symbol);
    const side = it.side;
    const price = side > 0 ? q.ask : q.bid;
    const sl = it.sl === undefined ? undefined : this.gridPrice(it.sl);
    const tp = it.tp === undefined ? undefined : this.gridPrice(it.tp);
    const eq = this.shadow.equityAt(q.bid, this.spreadNow(q, barIdx));
    const lots = entryLots({
      spec: this.market.spec,
      size: it.size,
      price,
      sl,
      equity: eq,
      marginFree: Math.max(0, eq - this.shadow.marginUsed(leverage)),
      leverage,
      perUnit: this.shadow.valuePerLot,
    });
    if (!lots) return;
    const energy = this.view.energy();
    const recs = this.shadow.fill({
      lots: side * lots,
      price,
      bar: barIdx,
      time: q.time_msc,
      reason: "reverse",
      spreadPx: this.spreadNow(q, barIdx),
      opens: true,
      sl,
      tp,
      tag: it.tag,
      energy: energy ? energy[decisionBar] : NaN,
    });
    this.#shadowBrackets = { sl: sl ?? NaN, tp: tp ?? NaN };
    await this.s.journal.append("shadow", {
      what: "entry",
      side,
      lots,
      price,
      sl: sl ?? null,
      tp: tp ?? null,
      bar: barIdx,
      time: isoTime(q.time_msc),
    });
    await this.#shadowClosed(recs, "reverse");
  }

  /** Close the shadow position at the live quote (a close intent, or the breaker's reset). */
  async shadowCloseAll(barIdx: number, why: string): Promise<void> {
    if (!this.shadow.openCount) return;
    const q = await this.market.broker.quote(this.s.symbol);
    const price = this.shadow.netLots > 0 ? q.bid : q.ask;
    const reason = why === "reset" ? "end" : "signal";
    const recs = this.shadow.closeAll(price, barIdx, q.time_msc, reason, this.spreadNow(q, barIdx));
    await this.#shadowClosed(recs, why);
  }

  /** The shadow position's SL/TP against bar `i` (touched: closed at the level, or the open on a gap). */
  async shadowStops(i: number): Promise<void> {
    if (!this.shadow.openCount) return;
    const bars = this.view.bars();
    const long = this.shadow.netLots > 0;
    const spread = this.spreadPx(i);
    const { sl, tp } = this.#shadowBrackets;
    // Longs close at Bid (bar prices); shorts at Ask (bar prices + spread).
    const lo = bars.low[i] + (long ? 0 : spread), hi = bars.high[i] + (long ? 0 : spread);
    const open = bars.open[i] + (long ? 0 : spread);
    let exit = NaN, reason: "sl" | "tp" = "sl";
    if (sl === sl && (long ? lo <= sl : hi >= sl)) exit = long ? Math.min(open, sl) : Math.max(open, sl);
    else if (tp === tp && (long ? hi > tp : lo < tp)) {
      exit = long ? Math.max(open, tp) : Math.min(open, tp);
      reason = "tp";
    }
    if (exit !== exit) return;
    const recs = this.shadow.closeAll(exit, i, bars.time[i], reason, spread);
    await this.#shadowClosed(recs, reason);
  }

  /** A new client order id of this run. */
  nextCid(): string {
    const cid = newCid(this.#runTag, ++this.#cidCounter);
    this.ourCids.add(cid);
    return cid;
  }

  /** A price on the symbol's grid, normalised as the validator does (and as the backtest's mt5 profile). */
  gridPrice(v: number): number {
    return normalizePrice(this.market.spec, v);
  }

  /** The spread of bar `i` in price units. */
  spreadPx(i: number): number {
    const bars = this.view.bars();
    return (bars.spread ? bars.spread[i] : this.market.spec.spreadTypical) * this.market.spec.point;
  }

  /** Virtual: the bar's spread exactly as the backtest computes it; demo/live: the quote's. */
  spreadNow(q: Quote, barIdx: number): number {
    return this.s.replay ? this.spreadPx(barIdx) : q.ask - q.bid;
  }

  async #waitForLink(): Promise<void> {
    const server = this.market.server;
    if (!server) return;
    const ms = this.s.opts.reconnectTimeoutMs ?? 30_000;
    try {
      await server.waitForSession(ms);
    } catch {
      throw new Halt(
        "link_lost",
        `the bridge link is down (${this.market.linkDown() ?? "no session"}) and did not come back within ${
          ms / 1000
        } s`,
      );
    }
  }

  /** Journal before sending, reconcile unknown outcomes, never resend blindly. */
  async tracked(
    kind: string,
    cid: string,
    request: unknown,
    call: () => Promise<TradeResult>,
  ): Promise<TradeResult> {
    const { journal, io, magic } = this.s;
    const c = this.counters;
    await journal.append("order_pending", { cid, kind, request });
    let r = await call();
    let rounds = 0;
    while (
      isUnknownOutcome(r.retcode) || r.bridge_code === BRIDGE_CODE.UNKNOWN ||
      r.bridge_code === BRIDGE_CODE.NOT_DELIVERED
    ) {
      c.unknown_outcomes++;
      await journal.append("order_unknown", {
        cid,
        kind,
        retcode: r.retcode,
        bridge_code: r.bridge_code,
        why: r.comment,
      });
      io.print(`order ${cid}: outcome unknown (${r.comment}); reconciling before anything else`);
      if (++rounds > 3) {
        throw new Halt(
          "order_outcome_unknown",
          `order ${cid} still has no known outcome after 3 reconciliations`,
        );
      }
      try {
        await this.#waitForLink();
      } catch (e) {
        throw new Halt(
          "order_outcome_unknown",
          `${(e as Error).message}; order ${cid} (${kind}) has an UNKNOWN outcome: look for comment ${cid} ` +
            `(magic ${magic}) in the terminal's trade history before trading again`,
        );
      }
      let rec;
      for (let k = 0;; k++) {
        try {
          rec = await this.market.broker.reconcile(cid);
          break;
        } catch (e) {
          if (k >= 2) {
            throw new Halt("order_outcome_unknown", `cannot reconcile order ${cid}: ${(e as Error).message}`);
          }
          await this.#waitForLink();
        }
      }
      await journal.append("reconcile", {
        cid,
        state: rec.state,
        result: rec.result ?? null,
        ok: rec.state === "found",
      });
      if (rec.state === "found" && rec.result) {
        c.reconciled++;
        r = rec.result;
        break;
      }
      // Not found: it never reached the server, so sending it again (same cid) cannot duplicate it.
      c.resent++;
      await journal.append("order_pending", { cid, kind, request, resend: true });
      r = await call();
    }
    const ok = isSuccessRetcode(r.retcode) && r.bridge_code !== BRIDGE_CODE.LIVE_GATE;
    await journal.append("order_result", { cid, kind, ok, result: r });
    if (ok) this.#refusals = null;
    else if (r.retcode !== RETCODE.POSITION_CLOSED) await this.#refused(r);
    return r;
  }

  /**
   * The refusal rule: a permission retcode (10017, 10026, 10027, or 10006 from the live gate)
   * halts new entries at once; `maxRefusals` (default 3) consecutive refusals with one retcode
   * halt them too. Any accepted order resets the count.
   */
  async #refused(r: TradeResult): Promise<void> {
    const max = this.s.opts.maxRefusals ?? DEFAULT_MAX_REFUSALS;
    const name = `${r.retcode} ${retcodeName(r.retcode)}`;
    if (
      PERMISSION_RETCODES.includes(r.retcode) ||
      (r.retcode === RETCODE.REJECT && r.bridge_code === BRIDGE_CODE.LIVE_GATE)
    ) {
      await this.guard.haltEntries(
        "refused_permission",
        `the broker refused with ${name} (${r.comment}): trading is not permitted; fix it in the terminal or the EA and start again`,
      );
      return;
    }
    this.#refusals = this.#refusals?.retcode === r.retcode
      ? { retcode: r.retcode, n: this.#refusals.n + 1 }
      : { retcode: r.retcode, n: 1 };
    if (this.#refusals.n >= max) {
      await this.guard.haltEntries(
        "repeated_refusals",
        `${this.#refusals.n} consecutive orders refused with ${name} (last: ${r.comment})`,
      );
    }
  }

  /** Closed trades: into the CHS and the journal. */
  async onClosed(recs: TradeRecord[]): Promise<void> {
    for (const t of recs) {
      this.guard.addTrade(chsTradeOf(t));
      await this.s.journal.append("fill", { what: "exit", ...exitFields(t) });
    }
  }

  /**
   * The broker's positions on the session's symbol; in demo/live only those with this run's magic
   * number (manual trades and other strategies are not the strategy's).
   */
  async positions(): Promise<BrokerPosition[]> {
    const all = await this.market.broker.positions(this.s.symbol);
    return this.s.replay ? all : all.filter((p) => p.magic === undefined || String(p.magic) === this.s.magic);
  }

  /** Close `volume` (default all) of one position; returns false when it could not be closed. */
  async closeOne(
    p: BrokerPosition,
    positions: BrokerPosition[],
    reason: ExitReason,
    barIdx: number,
    volume = p.volume,
  ): Promise<boolean> {
    const { journal, io, symbol } = this.s;
    const { broker, spec } = this.market;
    const c = this.counters;
    const ledger = this.ledger;
    const q = await broker.quote(symbol);
    const held = sideOfPositionType(p.type);
    const closeType = closingOrderType(held);
    const req: TradeRequest = {
      action: TRADE_ACTION.DEAL,
      symbol,
      volume,
      type: closeType,
      position: p.ticket,
      type_filling: allowedFilling(spec, false, closeType) ?? 0,
    };
    const v = validateOrder(req, { spec: spec, quote: q, positions }, { comparison: "client" });
    if (!v.ok) {
      c.validator_rejections++;
      await journal.append("rejection", {
        by: "validator",
        kind: "close",
        retcode: v.retcode,
        message: v.message,
      });
      io.print(`close refused by the validator: ${v.retcode} ${v.message}`);
      return false;
    }
    const cid = this.nextCid();
    const partial = volume < p.volume - 1e-12;
    const r = await this.tracked(
      "close",
      cid,
      { ticket: p.ticket, volume },
      () => broker.close(cid, p.ticket, partial ? volume : undefined),
    );
    if (!isSuccessRetcode(r.retcode)) {
      if (r.retcode === RETCODE.POSITION_CLOSED) return true;
      c.broker_rejections++;
      await journal.append("rejection", {
        by: "broker",
        kind: "close",
        retcode: r.retcode,
        message: r.comment,
      });
      return false;
    }
    const lots = -held * r.volume;
    const recs0 = reason === "signal" && positions.length === 1 &&
        Math.abs(Math.abs(ledger.netLots) - r.volume) < 1e-9
      ? ledger.closeAll(r.price, barIdx, q.time_msc, reason, this.spreadNow(q, barIdx))
      : ledger.fill({
        lots,
        price: r.price,
        bar: barIdx,
        time: q.time_msc,
        reason,
        spreadPx: this.spreadNow(q, barIdx),
        opens: false,
      });
    const recs = await this.#terminalMoney(recs0, (d) => d.comment === cid);
    await this.onClosed(recs);
    return true;
  }

  /**
   * Demo/live: the money of closed trades comes from the terminal's deals. The runner does not
   * estimate swap there; the swap of the exit deals (`which`) is put on the trades it closed (in
   * proportion to their size) and into the cash. Virtual mode keeps the estimate (no terminal).
   */
  async #terminalMoney(recs: TradeRecord[], which: (d: BrokerDeal) => boolean): Promise<TradeRecord[]> {
    if (this.s.replay || !recs.length) return recs;
    let deals: BrokerDeal[];
    try {
      deals = (await this.market.broker.historyDeals()).filter((d) => d.entry !== DEAL_ENTRY.IN && which(d));
    } catch (e) {
      if (e instanceof BadReplyError) return recs;
      throw e;
    }
    const swap = deals.reduce((s, d) => s + (Number.isFinite(d.swap) ? d.swap : 0), 0);
    if (!swap) return recs;
    const size = recs.reduce((s, t) => s + Math.abs(t.size), 0) || 1;
    let booked = 0;
    for (const t of recs) {
      const share = swap * Math.abs(t.size) / size;
      booked += share - t.swap;
      t.pnl += share - t.swap;
      t.swap = share;
    }
    this.ledger.adjustCash(booked);
    return recs;
  }

  /** Close every position of the symbol. */
  async closeAll(reason: "signal" | "end" | "stop_out", barIdx: number): Promise<void> {
    const positions = await this.positions();
    for (const p of positions) await this.closeOne(p, positions, reason, barIdx);
  }

  /** An entry intent: limits, sizing, validation, then the order. */
  async openEntry(
    it: Extract<OrderIntent, { kind: "entry" }>,
    decisionBar: number,
    barIdx: number,
  ): Promise<void> {
    const { journal, io, symbol, opts, leverage, magic } = this.s;
    const { broker, spec } = this.market;
    const c = this.counters;
    const ledger = this.ledger;
    const blockedBy = this.guard.entryBlockedBy(this.view.halting());
    if (blockedBy) {
      c.entries_blocked++;
      await journal.append("limit", { what: "entry_blocked", by: blockedBy, bar: decisionBar });
      // While the breaker is tripped (and the account is flat) the strategy keeps trading in shadow.
      if (blockedBy === "circuit_breaker" && ledger.openCount === 0) {
        await this.#shadowEntry(it, decisionBar, barIdx);
      }
      return;
    }
    if (it.type && it.type !== "market") {
      c.validator_rejections++;
      await journal.append("rejection", {
        by: "runner",
        kind: "entry",
        retcode: RETCODE.INVALID_ORDER,
        message: `${it.type} entries are not supported by the live runner (market entries only)`,
      });
      return;
    }
    const q: Quote = await broker.quote(symbol);
    const acc = await broker.account();
    const side = it.side;
    const price = side > 0 ? q.ask : q.bid;
    // Sizing knows only the fill moment: open trades marked at this quote (longs at Bid, shorts at
    // Ask), SL/TP on the price grid the validator will put them on (as the backtest's mt5 profile).
    const sl = it.sl === undefined ? undefined : this.gridPrice(it.sl);
    const tp = it.tp === undefined ? undefined : this.gridPrice(it.tp);
    const eq = this.view.sizingEquity?.() ?? ledger.equityAt(q.bid, this.spreadNow(q, barIdx));
    const lots = entryLots({
      spec,
      size: it.size,
      price,
      sl,
      equity: eq,
      // Virtual: the ledger's free margin (the backtest's accounting, swap included); demo/live: the account's.
      marginFree: this.s.replay ? Math.max(0, eq - ledger.marginUsed(leverage)) : acc.margin_free,
      leverage,
      // The value of a price move at the rate of the moment (virtual `--conversion data`; else static).
      perUnit: ledger.valuePerLot,
    });
    if (!lots) {
      c.validator_rejections++;
      await journal.append("rejection", {
        by: "validator",
        kind: "entry",
        retcode: RETCODE.INVALID_VOLUME,
        message: `entry size came out below the minimum volume ${spec.volumeMin}`,
      });
      return;
    }
    if (
      opts.maxPositionLots !== undefined &&
      Math.abs(ledger.netLots + side * lots) > opts.maxPositionLots + 1e-9
    ) {
      c.entries_blocked++;
      this.guard.limitEvents++;
      await journal.append("limit", {
        what: "max_position_lots",
        requested: lots,
        net: ledger.netLots,
        max: opts.maxPositionLots,
      });
      return;
    }
    const type = orderTypeOfSide(side);
    let positions = await this.positions();
    // A hedging account would keep both sides open; the strategy contract nets them (as the
    // backtest does), so opposite positions are closed first-in first-out before the remainder opens.
    let remaining = lots;
    if (acc.margin_mode === ACCOUNT_MARGIN_MODE.RETAIL_HEDGING) {
      const opposite = positions.filter((p) => sideOfPositionType(p.type) !== side).sort((a, b) =>
        a.time_msc - b.time_msc
      );
      for (const p of opposite) {
        if (remaining <= 1e-12) break;
        const vol = Math.min(p.volume, remaining);
        if (!(await this.closeOne(p, positions, "reverse", barIdx, vol))) return;
        remaining = Number((remaining - vol).toFixed(8));
      }
      if (remaining <= 1e-12) return;
      positions = await this.positions();
    }
    const req: TradeRequest = {
      action: TRADE_ACTION.DEAL,
      symbol,
      volume: remaining,
      type,
      sl,
      tp,
      deviation: 20,
      type_filling: allowedFilling(spec, false, type) ?? 0,
      magic,
    };
    // Virtual replay compares with the server's rule (as the backtest does at the fill); demo/live
    // keep the client's extra point of margin.
    // Virtual: the margin of the new volume at the rate of the moment (the ledger's value per lot,
    // as the backtest's fill check; static rates when there is no data conversion).
    const margin = this.s.replay
      ? (r: TradeRequest, at: number) =>
        marginRequired(spec, r.volume, at, Math.max(1, acc.leverage), ledger.valuePerLot)
      : undefined;
    const v = validateOrder(req, { spec: spec, quote: q, account: acc, positions, marginRequired: margin }, {
      autoAdjust: opts.autoAdjust ?? true,
      comparison: this.s.replay ? "server" : "client",
    });
    for (const a of v.adjustments) {
      c.adjustments++;
      await journal.append("adjustment", { ...a });
      io.print(`adjusted ${a.field}: ${a.from ?? "none"} -> ${a.to} (${a.reason})`);
    }
    if (!v.ok) {
      c.validator_rejections++;
      await journal.append("rejection", {
        by: "validator",
        kind: "entry",
        retcode: v.retcode,
        message: v.message,
      });
      io.print(`entry refused by the validator: ${v.retcode} ${v.retcode_name}: ${v.message}`);
      return;
    }
    const cid = this.nextCid();
    const sent = { ...v.request, comment: cid };
    const r = await this.tracked("entry", cid, sent, () => broker.send(cid, sent));
    if (!isSuccessRetcode(r.retcode) || r.bridge_code === BRIDGE_CODE.LIVE_GATE) {
      c.broker_rejections++;
      await journal.append("rejection", {
        by: "broker",
        kind: "entry",
        retcode: r.retcode,
        message: r.comment,
      });
      io.print(`entry refused by the broker: ${r.retcode}: ${r.comment}`);
      return;
    }
    this.guard.entries++;
    const energy = this.view.energy();
    const recs = ledger.fill({
      lots: side * r.volume,
      price: r.price,
      bar: barIdx,
      time: q.time_msc,
      reason: "reverse",
      spreadPx: this.spreadNow(q, barIdx),
      opens: true,
      sl: v.request.sl,
      tp: v.request.tp,
      tag: it.tag,
      energy: energy ? energy[decisionBar] : NaN,
    });
    await journal.append("fill", {
      what: "entry",
      cid,
      side,
      lots: r.volume,
      price: r.price,
      time: isoTime(q.time_msc),
    });
    await this.onClosed(recs);
  }

  /**
   * A `modify` intent: move the SL/TP of every open position through the broker (prices on the grid,
   * validated without adjustment, journalled), then on the ledger's trades. An unchanged level is a
   * no-op, a refused one is counted and journalled (the backtest records it as a rejection).
   */
  async modifyBrackets(it: Extract<OrderIntent, { kind: "modify" }>, barIdx: number): Promise<void> {
    const { journal, io, symbol } = this.s;
    const { broker, spec } = this.market;
    const c = this.counters;
    for (const v of [it.sl, it.tp]) {
      if (v !== undefined && !(v > 0 && Number.isFinite(v))) {
        c.validator_rejections++;
        await journal.append("rejection", {
          by: "runner",
          kind: "modify",
          retcode: RETCODE.INVALID_STOPS,
          message: `modify needs positive finite SL/TP prices (sl=${it.sl}, tp=${it.tp})`,
        });
        return;
      }
    }
    const sl = it.sl === undefined ? undefined : this.gridPrice(it.sl);
    const tp = it.tp === undefined ? undefined : this.gridPrice(it.tp);
    const positions = await this.positions();
    let changed = false;
    for (const p of positions) {
      const newSl = sl ?? p.sl, newTp = tp ?? p.tp;
      if (newSl === p.sl && newTp === p.tp) continue;
      const q = await broker.quote(symbol);
      const req: TradeRequest = {
        action: TRADE_ACTION.SLTP,
        symbol,
        volume: p.volume,
        type: p.type,
        position: p.ticket,
        sl: newSl,
        tp: newTp,
      };
      // Virtual replay compares with the server's rule (as the backtest does); demo/live keep the
      // client's extra point of margin.
      const v = validateOrder(req, { spec: spec, quote: q, positions }, {
        autoAdjust: false,
        comparison: this.s.replay ? "server" : "client",
      });
      if (!v.ok) {
        c.validator_rejections++;
        await journal.append("rejection", {
          by: "validator",
          kind: "modify",
          retcode: v.retcode,
          message: v.message,
          ticket: p.ticket,
        });
        io.print(`modify refused by the validator: ${v.retcode} ${v.message}`);
        continue;
      }
      const cid = this.nextCid();
      const r = await this.tracked(
        "modify",
        cid,
        { ticket: p.ticket, sl: newSl, tp: newTp, bar: barIdx },
        () => broker.modify(cid, p.ticket, newSl, newTp),
      );
      if (!isSuccessRetcode(r.retcode)) {
        c.broker_rejections++;
        await journal.append("rejection", {
          by: "broker",
          kind: "modify",
          retcode: r.retcode,
          message: r.comment,
          ticket: p.ticket,
        });
        continue;
      }
      changed = true;
    }
    if (changed) this.ledger.setBrackets(sl, tp);
  }

  /** Carry out a strategy's intents in order. */
  async execute(intents: OrderIntent[], decisionBar: number, barIdx: number): Promise<void> {
    for (const it of intents) {
      try {
        if (it.kind === "close") {
          if (this.shadow.openCount && this.ledger.openCount === 0) {
            await this.shadowCloseAll(barIdx, "signal");
          } else await this.closeAll("signal", barIdx);
        } else if (it.kind === "entry") await this.openEntry(it, decisionBar, barIdx);
        else if (it.kind === "modify") await this.modifyBrackets(it, barIdx);
      } catch (e) {
        // A read the EA kept answering with malformed data: this intent is dropped (journalled);
        // the wire monitor counts the messages and halts the session when there are too many.
        if (!(e instanceof BadReplyError)) throw e;
        await this.s.journal.append("rejection", { by: "bridge", kind: it.kind, message: e.message });
        this.s.io.print(`${it.kind} skipped: ${e.message}`);
      }
    }
  }

  /** Stops and exits the broker made on its own (server-side SL/TP), learned from its deals. */
  async syncExternalExits(barIdx: number): Promise<void> {
    const deals = await this.market.broker.historyDeals();
    for (const d of deals) {
      if (this.#seenDeals.has(d.ticket)) continue;
      this.#seenDeals.add(d.ticket);
      if (this.ourCids.has(d.comment) || d.symbol !== this.s.symbol || d.entry !== DEAL_ENTRY.OUT) continue;
      // An exit deal is opposite to the position it closes (the ledger's, when its type is no trade).
      const net = this.ledger.netLots;
      const dealSide = sideOfDealType(d.type) ?? (net > 0 ? -1 : net < 0 ? 1 : null);
      if (dealSide === null) continue;
      const reason = d.comment.startsWith("sl") || d.reason === DEAL_REASON.SL
        ? "sl"
        : d.comment.startsWith("tp") || d.reason === DEAL_REASON.TP
        ? "tp"
        : "stop_out";
      const lots = dealSide * d.volume;
      const recs = this.ledger.fill({
        lots,
        price: d.price,
        bar: barIdx,
        time: d.time_msc,
        reason,
        spreadPx: this.spreadPx(barIdx),
        opens: false,
      });
      await this.onClosed(await this.#terminalMoney(recs, (x) => x.ticket === d.ticket));
    }
  }

  /** Virtual: the paper broker's SL/TP fills on bar `i` (of `only` these tickets, if given). */
  async applyStops(i: number, only: Set<string> | undefined): Promise<void> {
    const paper = this.market.paper;
    if (!paper) return;
    const bars = this.view.bars();
    const spreadPoints = bars.spread ? bars.spread[i] : this.market.spec.spreadTypical;
    const p = this.s.intrabar;
    let exits;
    if (p && p.segStart[i + 1] > p.segStart[i]) {
      // --model: the bar's path, segment by segment (each a monotonic leg or one quote), in order.
      exits = [];
      const point = this.market.spec.point;
      for (let k = p.segStart[i]; k < p.segStart[i + 1]; k++) {
        const sp = p.segSpread[k];
        exits.push(...paper.processBar(this.s.symbol, {
          open: p.segOpen[k],
          high: p.segHigh[k],
          low: p.segLow[k],
          spreadPoints: sp === sp ? sp / point : spreadPoints,
          time_msc: bars.time[i],
        }, only));
      }
    } else {
      exits = paper.processBar(this.s.symbol, {
        open: bars.open[i],
        high: bars.high[i],
        low: bars.low[i],
        spreadPoints,
        time_msc: bars.time[i],
      }, only);
    }
    for (const x of exits) {
      // An exit sells a long position and buys back a short one.
      const lots = this.ledger.netLots > 0 ? -x.result.volume : x.result.volume;
      const recs = this.ledger.fill({
        lots,
        price: x.price,
        bar: i,
        time: bars.time[i],
        reason: x.reason,
        spreadPx: this.spreadPx(i),
        opens: false,
      });
      await this.onClosed(recs);
    }
  }

  /** Duplicates: client order ids of this run that produced more than one deal (-1: unknown). */
  async duplicates(): Promise<number> {
    let duplicates = 0;
    try {
      const deals = await this.market.broker.historyDeals();
      const per = new Map<string, number>();
      for (const d of deals) {
        if (this.ourCids.has(d.comment)) per.set(d.comment, (per.get(d.comment) ?? 0) + 1);
      }
      for (const v of per.values()) if (v > 1) duplicates += v - 1;
    } catch { /* link down: counted from the journal only */ }
    return duplicates;
  }
}

/** The journal fields of a trade's exit (real fills and shadow trades alike). */
function exitFields(t: TradeRecord) {
  return {
    reason: t.exit_reason,
    side: t.side,
    size: t.size,
    entry_price: t.entry_price,
    exit_price: t.exit_price,
    pnl: t.pnl,
    return_pct: t.return_pct,
    entry_time: t.entry_time,
    exit_time: t.exit_time,
  };
}
