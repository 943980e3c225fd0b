/**
 * Python float arithmetic that the compat profile needs to reproduce backtesting.py exactly.
 *
 * @module
 */

/**
 * Python's float floor division `a // b` (fmod-based, as CPython computes it): differs from
 * `Math.floor(a / b)` when the quotient rounds up, e.g. `pyFloorDiv(1, 0.1) === 9`.
 */
export function pyFloorDiv(a: number, b: number): number {
  let mod = a % b;
  let div = (a - mod) / b;
  if (mod) {
    if ((b < 0) !== (mod < 0)) {
      mod += b;
      div -= 1;
    }
  }
  if (div) {
    let floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
    return floordiv;
  }
  return 0 * (a / b); // signed zero like CPython
}
