/**
 * The risk guard of a live run: the online CHS (daily returns and closed trades, the backtest's
 * periods) feeding the circuit breaker with hysteresis, the limits (trades, duration, daily loss),
 * the kill switch, and the decision whether a new entry may go out.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { ChsTracker, type ChsTrade } from "../risk/chs.ts";
import { type BreakerTransition, CircuitBreaker } from "./breaker.ts";
import { readControlRequest } from "./control.ts";
import { Halt, type LiveSession } from "./session.ts";

const DAY_MS = 86_400_000;

/** The backtest statistics' rule: weekend bars make up more than 60 % of their calendar share. */
export function hasWeekendBars(time: ArrayLike<number>): boolean {
  let weekend = 0;
  for (let k = 0; k < time.length; k++) {
    const d = new Date(time[k]).getUTCDay();
    if (d === 0 || d === 6) weekend++;
  }
  return time.length > 0 && weekend / time.length > 2 / 7 * 0.6;
}

/** Breaker, CHS, limits and kill switch of one session. */
export class RiskGuard {
  readonly breaker: CircuitBreaker;
  readonly chs: ChsTracker;
  /** Last and lowest CHS (NaN until defined). */
  chsLast = NaN;
  chsMin = NaN;
  /** Entries made (counted by the order desk). */
  entries = 0;
  /** Limit events (daily loss, max trades, position size). */
  limitEvents = 0;
  /** Set by a `halt_entries` request on the control channel (the dashboard). */
  entriesHaltedByControl = false;
  /** New entries stopped for the rest of the session (refusals, a flapping link), with why. */
  entriesHalted: { by: string; message: string; at: string } | null = null;
  /** Bars and market time (ms) spent with the breaker tripped. */
  haltedBars = 0;
  haltedMs = 0;
  #lastBarTime = NaN;
  #chsLogged = NaN;
  #maxTradesNoted = false;
  #flattenNext = false;
  #dailyBlockedDay = -1;
  #dayKey = -1;
  #dayStartEquity: number;
  #lastDayKey = -1;
  #lastDayEq = NaN;
  #prevDayEq = NaN;

  /** `dayOffsetMs`: added to bar times to find the day (the trade server's offset for UTC bridge times). */
  constructor(readonly s: LiveSession, periodsPerYear: number, readonly dayOffsetMs: () => number = () => 0) {
    this.breaker = new CircuitBreaker(s.threshold, s.resetMargin);
    this.chs = new ChsTracker({ minTrades: 10, periodsPerYear });
    this.#dayStartEquity = s.cash;
  }

  /** Throw a Halt when the kill switch fired (signal or file) or the duration limit is reached. */
  checkKill(): void {
    const { io, opts, killFiles, startedAt } = this.s;
    if (io.signal?.aborted) throw new Halt("kill_switch", "halted by the kill switch (signal)");
    for (const f of killFiles) {
      if (existsSync(f)) throw new Halt("kill_switch", `halted by the kill switch (file ${f})`);
    }
    if (opts.durationMin !== undefined && Date.now() - startedAt.getTime() > opts.durationMin * 60_000) {
      throw new Halt("duration", `duration limit of ${opts.durationMin} min reached`);
    }
  }

  /** The control channel (lib/live/control.ts): a request written by the dashboard, acted on between bars. */
  async checkControl(): Promise<void> {
    const { journal, io, runDir } = this.s;
    const req = await readControlRequest(runDir);
    if (!req) return;
    await journal.append("control", { ...req });
    if (req.error) {
      io.print(`control request ignored: ${req.error}`);
      return;
    }
    if (req.action === "halt_entries") {
      if (!this.entriesHaltedByControl) io.print(`control: new entries halted (${req.source})`);
      this.entriesHaltedByControl = true;
    } else if (req.action === "close_all_stop") {
      throw new Halt("control_stop", `close all and stop requested (${req.source})`);
    }
  }

  /**
   * Stop new entries for the rest of the session (`by`: a short reason code); journalled as a
   * `limit` event `entries_halted` and printed once. Open positions are still managed.
   */
  async haltEntries(by: string, message: string): Promise<void> {
    if (this.entriesHalted) return;
    this.entriesHalted = { by, message, at: new Date().toISOString() };
    this.limitEvents++;
    await this.s.journal.append("limit", { what: "entries_halted", by, message });
    this.s.io.print(`new entries halted: ${message}`);
  }

  /** A closed trade for the CHS. */
  addTrade(t: ChsTrade): void {
    this.chs.addTrade(t);
  }

  /**
   * Bar `i` closed with equity `eq` (`prevEq`: the previous bar's, if any): daily returns, the
   * CHS, breaker transitions, the daily loss and max-trades limits, all journalled.
   */
  async afterBar(
    i: number,
    barTime: number,
    eq: number,
    prevEq: number | undefined,
    chsEq: number = eq,
  ): Promise<BreakerTransition | null> {
    const { journal, io, opts, threshold } = this.s;
    // Time spent with the breaker tripped (market time, from the previous bar to this one).
    if (this.breaker.tripped) {
      this.haltedBars++;
      if (this.#lastBarTime === this.#lastBarTime) this.haltedMs += barTime - this.#lastBarTime;
    }
    this.#lastBarTime = barTime;
    let transition: BreakerTransition | null = null;
    const key = Math.floor((barTime + this.dayOffsetMs()) / DAY_MS);
    if (key !== this.#lastDayKey) {
      if (this.#lastDayKey >= 0) {
        if (this.#prevDayEq === this.#prevDayEq && this.#prevDayEq > 0) {
          this.chs.addReturn(this.#lastDayEq / this.#prevDayEq - 1);
        }
        this.#prevDayEq = this.#lastDayEq;
      }
      this.#lastDayKey = key;
    }
    // The CHS's daily returns include the shadow trades' P&L while the breaker is tripped.
    this.#lastDayEq = chsEq;
    if (key !== this.#dayKey) {
      this.#dayKey = key;
      this.#dayStartEquity = prevEq ?? eq;
    }
    const value = this.chs.value();
    if (value === value) {
      this.chsLast = value;
      this.chsMin = this.chsMin === this.chsMin ? Math.min(this.chsMin, value) : value;
      if (Math.abs(value - (this.#chsLogged === this.#chsLogged ? this.#chsLogged : -1)) > 1e-12) {
        this.#chsLogged = value;
        await journal.append("chs", { bar: i, bar_time: new Date(barTime).toISOString(), value });
      }
      const tr = this.breaker.update(value);
      transition = tr;
      if (tr) {
        await journal.append("breaker", {
          state: tr,
          chs: value,
          threshold,
          reset_above: this.breaker.resetAbove,
          bar: i,
          bar_time: new Date(barTime).toISOString(),
        });
        io.print(
          tr === "tripped"
            ? `circuit breaker TRIPPED: CHS ${value.toFixed(3)} < ${threshold}; new entries stopped`
            : `circuit breaker reset: CHS ${value.toFixed(3)} > ${this.breaker.resetAbove.toFixed(2)}`,
        );
        if (tr === "tripped" && opts.flattenOnBreaker) {
          this.#flattenNext = true;
          await journal.append("limit", { what: "flatten_on_breaker", bar: i });
        }
      }
    }
    if (
      opts.maxDailyLoss !== undefined && this.#dailyBlockedDay !== this.#dayKey &&
      eq < this.#dayStartEquity - opts.maxDailyLoss
    ) {
      this.#dailyBlockedDay = this.#dayKey;
      this.limitEvents++;
      await journal.append("limit", {
        what: "max_daily_loss",
        equity: eq,
        day_start_equity: this.#dayStartEquity,
      });
      io.print(`daily loss limit reached (${(this.#dayStartEquity - eq).toFixed(2)}); no new entries today`);
    }
    if (opts.maxTrades !== undefined && this.entries >= opts.maxTrades && !this.#maxTradesNoted) {
      this.#maxTradesNoted = true;
      this.limitEvents++;
      await journal.append("limit", { what: "max_trades", entries: this.entries });
    }
    return transition;
  }

  /** True once after the breaker tripped with --flatten-on-breaker. */
  takeFlatten(): boolean {
    const f = this.#flattenNext;
    this.#flattenNext = false;
    return f;
  }

  /** Why a new entry may not go out now (null = it may). */
  entryBlockedBy(halting: boolean): string | null {
    const { opts } = this.s;
    return this.breaker.tripped
      ? "circuit_breaker"
      : this.entriesHaltedByControl
      ? "control"
      : this.entriesHalted
      ? this.entriesHalted.by
      : halting
      ? "halting"
      : opts.maxTrades !== undefined && this.entries >= opts.maxTrades
      ? "max_trades"
      : this.#dailyBlockedDay === this.#dayKey && this.#dayKey >= 0
      ? "max_daily_loss"
      : null;
  }

  /** The run is done: max trades reached and no position open. */
  doneAfterMaxTrades(openCount: number): boolean {
    const { opts } = this.s;
    return opts.maxTrades !== undefined && this.entries >= opts.maxTrades && openCount === 0;
  }

  /** The last period's return (the backtest statistics count it too), then the final CHS. */
  async finish(lastIndex: number, lastTime: number): Promise<void> {
    if (this.#lastDayKey >= 0 && this.#prevDayEq === this.#prevDayEq && this.#prevDayEq > 0) {
      this.chs.addReturn(this.#lastDayEq / this.#prevDayEq - 1);
      const v = this.chs.value();
      if (v === v) {
        this.chsLast = v;
        this.chsMin = this.chsMin === this.chsMin ? Math.min(this.chsMin, v) : v;
        await this.s.journal.append("chs", {
          bar: lastIndex,
          bar_time: new Date(lastTime).toISOString(),
          final: true,
          value: v,
        });
      }
    }
  }
}
