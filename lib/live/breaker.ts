/**
 * The CHS circuit breaker: trips when the composite health score falls below the threshold and
 * resets only when it rises above threshold + the reset margin (default 0.10; hysteresis). Events are transitions, never
 * loop iterations: a breaker that stays tripped for a thousand bars is one event.
 *
 * @module
 */
import { DEFAULT_BREAKER_RESET_MARGIN, DEFAULT_CHS_THRESHOLD } from "../util/defaults.ts";

/** A breaker transition. */
export type BreakerTransition = "tripped" | "reset";

/** Hysteresis breaker over CHS values. */
export class CircuitBreaker {
  /** CHS below this trips the breaker. */
  readonly threshold: number;
  /** CHS above this resets a tripped breaker (threshold + reset margin). */
  readonly resetAbove: number;
  #tripped = false;
  #trips = 0;
  #resets = 0;

  /** A breaker tripping below `threshold` and resetting above `threshold + resetMargin`. */
  constructor(threshold: number = DEFAULT_CHS_THRESHOLD, resetMargin: number = DEFAULT_BREAKER_RESET_MARGIN) {
    this.threshold = threshold;
    this.resetAbove = threshold + resetMargin;
  }

  /** True while new entries are blocked. */
  get tripped(): boolean {
    return this.#tripped;
  }

  /** Number of trips (the run's breaker events). */
  get trips(): number {
    return this.#trips;
  }

  /** Number of resets. */
  get resets(): number {
    return this.#resets;
  }

  /** Feed a CHS value (NaN = not yet defined: no change). Returns the transition, if any. */
  update(chs: number): BreakerTransition | null {
    if (!Number.isFinite(chs)) return null;
    if (!this.#tripped && chs < this.threshold) {
      this.#tripped = true;
      this.#trips++;
      return "tripped";
    }
    if (this.#tripped && chs > this.resetAbove) {
      this.#tripped = false;
      this.#resets++;
      return "reset";
    }
    return null;
  }
}
