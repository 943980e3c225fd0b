/**
 * Risk of ruin (diffusion approximation) and the health-gated position size of the original
 * RiskManager, with its defects fixed (no randomness, explicit units).
 *
 * @module
 */
import { DEFAULT_CHS_THRESHOLD } from "../util/defaults.ts";

/**
 * Probability of losing `ruin` (a fraction of equity, e.g. 0.5) before recovering, for trades
 * whose returns (fractions of equity) have mean `mu` and standard deviation `sigma`:
 * RoR = exp(−2·μ·ruin/σ²), clipped to [0, 1]. μ ≤ 0 gives 1; σ ≈ 0 gives 0 when μ > 0.
 * NaN inputs give NaN.
 */
export function riskOfRuin(mu: number, sigma: number, ruin: number): number {
  if (mu !== mu || ruin !== ruin) return NaN;
  if (mu <= 0) return 1;
  if (!(sigma * sigma > 1e-20)) return sigma === sigma ? 0 : NaN;
  const expo = Math.max(-50, Math.min(50, -2 * mu * ruin / (sigma * sigma)));
  return Math.min(1, Math.max(0, Math.exp(expo)));
}

/** Gate parameters of `healthGatedFraction`. */
export interface HealthGate {
  /** Base fraction of equity risked per trade (default 0.02). */
  baseFraction?: number;
  /** Minimum CHS to trade at all (default 0.55). */
  minChs?: number;
  /** Maximum risk of ruin to trade at all (default 0.10). */
  maxRor?: number;
}

/**
 * Fraction of equity to risk: base × (1 − RoR/maxRoR) × (CHS − minCHS)/(1 − minCHS); 0 (circuit
 * breaker) when CHS < minCHS, RoR > maxRoR or either is NaN.
 */
export function healthGatedFraction(chs: number, ror: number, gate: HealthGate = {}): number {
  const base = gate.baseFraction ?? 0.02,
    minChs = gate.minChs ?? DEFAULT_CHS_THRESHOLD,
    maxRor = gate.maxRor ?? 0.1;
  if (!(chs >= minChs) || !(ror <= maxRor)) return 0;
  return base * (1 - ror / maxRor) * (chs - minChs) / (1 - minChs);
}
