/**
 * Readiness for the next stage (virtual → demo → live) against the traders' criteria: CHS > 0.90,
 * Omega > 2.7, energy captured > 65 %, zero validator rejections, circuit breaker events < 5 % of
 * closed trades.
 *
 * @module
 */

/** One criterion's verdict. */
export interface ReadinessCheck {
  /** The criterion (e.g. `trades`, `chs`). */
  name: string;
  /** What it must reach, for people (e.g. `>= 30`). */
  target: string;
  /** The run's value (null when not defined). */
  value: number | null;
  /** True when the target is met. */
  pass: boolean;
}

/** The readiness report. */
export interface Readiness {
  /** The stage this run qualifies for next (null after live). */
  next_stage: "demo" | "live" | null;
  /** True when every check passed. */
  ready: boolean;
  /** Each criterion's verdict. */
  checks: ReadinessCheck[];
}

/** Evaluate readiness from a run's figures. */
export function evaluateReadiness(inp: {
  mode: "virtual" | "demo" | "live";
  chs: number;
  omega: number;
  energyCapturedPct: number;
  validatorRejections: number;
  breakerEvents: number;
  closedTrades: number;
}): Readiness {
  const num = (x: number) => (Number.isFinite(x) ? x : null);
  const rate = inp.closedTrades > 0
    ? (inp.breakerEvents / inp.closedTrades) * 100
    : (inp.breakerEvents ? 100 : 0);
  const checks: ReadinessCheck[] = [
    { name: "chs", target: "> 0.90", value: num(inp.chs), pass: inp.chs > 0.9 },
    { name: "omega", target: "> 2.7", value: num(inp.omega), pass: inp.omega > 2.7 },
    {
      name: "energy_captured_pct",
      target: "> 65",
      value: num(inp.energyCapturedPct),
      pass: inp.energyCapturedPct > 65,
    },
    {
      name: "validator_rejections",
      target: "= 0",
      value: inp.validatorRejections,
      pass: inp.validatorRejections === 0,
    },
    { name: "breaker_events_pct", target: "< 5", value: rate, pass: rate < 5 },
  ];
  return {
    next_stage: inp.mode === "virtual" ? "demo" : inp.mode === "demo" ? "live" : null,
    ready: checks.every((c) => c.pass) && inp.closedTrades > 0,
    checks,
  };
}
