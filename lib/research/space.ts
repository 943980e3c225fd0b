/**
 * The search space of an optimisation: one dimension per swept parameter, taken from the strategy's
 * own parameter declarations, plus constraints between parameters.
 *
 * Grid specs (the `--grid` flag): `NAME=START:STOP:STEP` (STOP inclusive: `fast=5:50:5` is 5, 10, …,
 * 50) or `NAME=v1,v2,...` (a categorical list). A parameter the strategy declares as integer must get
 * whole values; min/max declarations are enforced. Parameters not swept keep their defaults.
 *
 * Constraints (`--constraint "fast<slow"`): `A OP B` where A and B are a parameter name, a number or
 * `k*name` (e.g. `slow>=2*fast`), OP one of `<`, `<=`, `>`, `>=`, `==`, `!=`; several may be joined
 * with `&&` or given as separate flags.
 *
 * ```ts
 * import { buildSpace, enumerateGrid } from "kinetra/research/space.ts";
 * import { getStrategy } from "kinetra/strategies/registry.ts";
 * const space = buildSpace(getStrategy("sma_cross"), ["fast=5:20:5", "slow=10,20,40"], ["fast<slow"]);
 * console.log([...enumerateGrid(space)].length); // 9
 * ```
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import type { Params, Strategy } from "../strategies/contract.ts";

/** One swept parameter. */
export type Dimension =
  | {
    readonly name: string;
    /** An ordered range START:STOP:STEP; `values` is its lattice (STOP inclusive). */
    readonly kind: "range";
    readonly start: number;
    readonly stop: number;
    readonly step: number;
    /** Whole numbers only (the strategy declares the parameter as integer). */
    readonly integer: boolean;
    readonly values: readonly number[];
  }
  | {
    readonly name: string;
    /** A categorical list of values (no order assumed by the model-based search). */
    readonly kind: "list";
    readonly integer: boolean;
    readonly values: readonly number[];
  };

/** A comparison between two terms (`coef * param` or a number). */
export interface Constraint {
  /** The text as given (for messages). */
  readonly text: string;
  /** Left-hand term. */
  readonly left: Term;
  /** Comparison operator. */
  readonly op: "<" | "<=" | ">" | ">=" | "==" | "!=";
  /** Right-hand term. */
  readonly right: Term;
}

/** `coef * name` when `name` is set, else the number `coef`. */
export interface Term {
  /** The number, or the factor of the parameter. */
  readonly coef: number;
  /** Parameter name, or null for a plain number. */
  readonly name: string | null;
}

/** Dimensions, constraints and the fixed (default) values of the other parameters. */
export interface SearchSpace {
  /** Strategy name. */
  readonly strategy: string;
  /** The swept parameters, in the order given. */
  readonly dims: readonly Dimension[];
  /** Constraints every point must satisfy. */
  readonly constraints: readonly Constraint[];
  /** Values of the parameters that are not swept (the strategy's defaults). */
  readonly fixed: Readonly<Params>;
}

/** Decimal places of a number as written (so 0.1 + 0.2 steps stay clean: 0.3, not 0.30000000000000004). */
function decimals(s: string): number {
  const m = s.trim().toLowerCase().match(/^[-+]?\d*(?:\.(\d+))?(?:e([-+]?\d+))?$/);
  if (!m) return 12;
  return Math.max(0, (m[1]?.length ?? 0) - Number(m[2] ?? 0));
}

function parseNumber(s: string, what: string): number {
  const x = Number(s);
  if (s.trim() === "" || !Number.isFinite(x)) {
    throw new KinetraError("bad_grid", `${what}: "${s}" is not a number`);
  }
  return x;
}

function known(strategy: Strategy): string {
  return Object.entries(strategy.params).map(([k, p]) =>
    `${k} (${p.integer ? "integer" : "real"}, default ${p.default}${
      p.min !== undefined ? `, min ${p.min}` : ""
    }${p.max !== undefined ? `, max ${p.max}` : ""})`
  ).join(", ");
}

/** Parse one grid spec against the strategy's parameter declarations. */
export function parseGridSpec(strategy: Strategy, spec: string): Dimension {
  const m = spec.match(/^\s*([A-Za-z_]\w*)\s*=\s*(.+?)\s*$/);
  if (!m) {
    throw new KinetraError(
      "bad_grid",
      `--grid needs NAME=START:STOP:STEP or NAME=v1,v2,..., got "${spec}"`,
    );
  }
  const name = m[1], body = m[2];
  const decl = strategy.params[name];
  if (!decl) {
    throw new KinetraError(
      "bad_parameter",
      `unknown parameter "${name}" for strategy ${strategy.name}; valid parameters: ${known(strategy)}`,
    );
  }
  const integer = decl.integer === true;
  let dim: Dimension;
  if (body.includes(":")) {
    const parts = body.split(":");
    if (parts.length !== 3) {
      throw new KinetraError("bad_grid", `--grid ${name}: a range needs START:STOP:STEP, got "${body}"`);
    }
    const [start, stop, step] = parts.map((p) => parseNumber(p, `--grid ${name}`));
    if (!(step > 0)) throw new KinetraError("bad_grid", `--grid ${name}: STEP must be > 0, got ${step}`);
    if (stop < start) {
      throw new KinetraError("bad_grid", `--grid ${name}: STOP ${stop} is below START ${start}`);
    }
    const dp = Math.min(12, Math.max(decimals(parts[0]), decimals(parts[2])));
    const count = Math.floor((stop - start) / step + 1e-9) + 1;
    if (count > 1_000_000) {
      throw new KinetraError("bad_grid", `--grid ${name}: ${count} values is too many (at most 1,000,000)`);
    }
    const values: number[] = [];
    for (let k = 0; k < count; k++) values.push(Number((start + k * step).toFixed(dp)));
    dim = { name, kind: "range", start, stop, step, integer, values };
  } else {
    const values = body.split(",").map((p) => parseNumber(p, `--grid ${name}`));
    if (new Set(values).size !== values.length) {
      throw new KinetraError("bad_grid", `--grid ${name}: the list repeats a value ("${body}")`);
    }
    dim = { name, kind: "list", integer, values };
  }
  for (const v of dim.values) {
    if (integer && !Number.isInteger(v)) {
      throw new KinetraError(
        "bad_grid",
        `--grid ${name}: ${v} is not a whole number (${name} is an integer parameter)`,
      );
    }
    if (decl.min !== undefined && v < decl.min) {
      throw new KinetraError("bad_grid", `--grid ${name}: ${v} is below the parameter's minimum ${decl.min}`);
    }
    if (decl.max !== undefined && v > decl.max) {
      throw new KinetraError("bad_grid", `--grid ${name}: ${v} is above the parameter's maximum ${decl.max}`);
    }
  }
  return dim;
}

function parseTerm(s: string, names: Set<string>, text: string): Term {
  const t = s.trim();
  const m = t.match(/^(?:([-+]?\d*\.?\d+(?:e[-+]?\d+)?)\s*\*\s*)?([A-Za-z_]\w*)$/i);
  if (m) {
    if (!names.has(m[2])) {
      throw new KinetraError(
        "bad_constraint",
        `constraint "${text}": unknown parameter "${m[2]}"; valid parameters: ${[...names].join(", ")}`,
      );
    }
    return { coef: m[1] === undefined ? 1 : Number(m[1]), name: m[2] };
  }
  const x = Number(t);
  if (t === "" || !Number.isFinite(x)) {
    throw new KinetraError(
      "bad_constraint",
      `constraint "${text}": "${t}" is neither a parameter, a number nor NUMBER*parameter`,
    );
  }
  return { coef: x, name: null };
}

/** Parse one constraint expression (parts joined with `&&` give several constraints). */
export function parseConstraints(strategy: Strategy, text: string): Constraint[] {
  const names = new Set(Object.keys(strategy.params));
  return text.split("&&").map((part) => {
    const m = part.match(/^(.*?)(<=|>=|==|!=|<|>)(.*)$/);
    if (!m || m[1].trim() === "" || m[3].trim() === "") {
      throw new KinetraError(
        "bad_constraint",
        `constraint "${part.trim()}" needs the form A<B (operators < <= > >= == !=), e.g. "fast<slow"`,
      );
    }
    return {
      text: part.trim(),
      left: parseTerm(m[1], names, part.trim()),
      op: m[2] as Constraint["op"],
      right: parseTerm(m[3], names, part.trim()),
    };
  });
}

/** Build the search space (grid specs and constraint expressions as given on the command line). */
export function buildSpace(
  strategy: Strategy,
  grid: readonly string[],
  constraints: readonly string[] = [],
): SearchSpace {
  if (!grid.length) {
    throw new KinetraError(
      "bad_grid",
      `give at least one --grid NAME=START:STOP:STEP or NAME=v1,v2,...; parameters of ${strategy.name}: ${
        known(strategy)
      }`,
    );
  }
  const dims = grid.map((g) => parseGridSpec(strategy, g));
  const seen = new Set<string>();
  for (const d of dims) {
    if (seen.has(d.name)) throw new KinetraError("bad_grid", `--grid ${d.name} is given twice`);
    seen.add(d.name);
  }
  const fixed: Params = {};
  for (const [k, p] of Object.entries(strategy.params)) if (!seen.has(k)) fixed[k] = p.default;
  return {
    strategy: strategy.name,
    dims,
    constraints: constraints.flatMap((c) => parseConstraints(strategy, c)),
    fixed,
  };
}

function termValue(t: Term, p: Params): number {
  return t.name === null ? t.coef : t.coef * p[t.name];
}

/** True when `params` satisfies every constraint. */
export function satisfies(space: SearchSpace, params: Params): boolean {
  for (const c of space.constraints) {
    const a = termValue(c.left, params), b = termValue(c.right, params);
    const ok = c.op === "<"
      ? a < b
      : c.op === "<="
      ? a <= b
      : c.op === ">"
      ? a > b
      : c.op === ">="
      ? a >= b
      : c.op === "=="
      ? a === b
      : a !== b;
    if (!ok) return false;
  }
  return true;
}

/** Number of grid points before constraints. */
export function gridSize(space: SearchSpace): number {
  return space.dims.reduce((n, d) => n * d.values.length, 1);
}

/** Every grid point that satisfies the constraints, first dimension slowest (full parameter sets). */
export function* enumerateGrid(space: SearchSpace): Generator<Params> {
  const dims = space.dims;
  const idx = new Array(dims.length).fill(0);
  if (dims.some((d) => d.values.length === 0)) return;
  while (true) {
    const p: Params = { ...space.fixed };
    for (let k = 0; k < dims.length; k++) p[dims[k].name] = dims[k].values[idx[k]];
    if (satisfies(space, p)) yield p;
    let k = dims.length - 1;
    while (k >= 0 && ++idx[k] === dims[k].values.length) idx[k--] = 0;
    if (k < 0) return;
  }
}

/** The grid points after constraints; a `grid_empty` error when none is left. */
export function gridPoints(space: SearchSpace): Params[] {
  const out = [...enumerateGrid(space)];
  if (!out.length) {
    throw new KinetraError(
      "grid_empty",
      `the grid is empty after the constraints (${
        space.constraints.map((c) => c.text).join(" && ")
      }): none of its ${gridSize(space)} points satisfies them`,
    );
  }
  return out;
}

/** A stable text key of the swept values (for de-duplication). */
export function paramsKey(space: SearchSpace, p: Params): string {
  return space.dims.map((d) => `${d.name}=${p[d.name]}`).join(",");
}
