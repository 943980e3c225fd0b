/**
 * Kinetra's shared defaults, each defined once and imported everywhere else (tasks, menu, live
 * runner, batch, preparation, plots).
 *
 * @module
 */

/** CHS below this trips the live circuit breaker (and gates health-based sizing). */
export const DEFAULT_CHS_THRESHOLD = 0.55;

/** A tripped breaker resets only when the CHS rises above threshold + this margin (hysteresis). */
export const DEFAULT_BREAKER_RESET_MARGIN = 0.10;

/** Share of each file's most recent bars that goes to the test split (prepare, batch, exerciser). */
export const DEFAULT_TEST_RATIO = 0.2;
