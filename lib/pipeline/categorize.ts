/**
 * Categorisation: the pattern table (lib/pipeline/patterns.json, kept as data) maps an error's
 * code and message to a category, a severity, whether it can be fixed automatically and the fix.
 *
 * @example
 * ```ts
 * import { categorize } from "./categorize.ts";
 * const e = categorize({ stage: "real_data", code: "duplicate_bars", message: "3 duplicate bar times", file: "a.csv" });
 * console.log(e.category, e.severity, e.auto_fixable); // duplicate_bars HIGH true
 * ```
 *
 * @module
 */
import table from "./patterns.json" with { type: "json" };
import type { PipelineError, RawError, Severity } from "./types.ts";
import { SEVERITY_ORDER } from "./types.ts";
import { KinetraError } from "../errors.ts";

/** One row of the pattern table. */
export interface Pattern {
  category: string;
  codes: string[];
  regex: string;
  severity: Severity;
  auto_fixable: boolean;
  fix: string;
  suggestion: string;
  /** Categories that explain this one when the same file has them too (it is then not counted apart). */
  subsumed_by?: string[];
}

/** The fallback for errors no pattern matches. */
export interface UnknownPattern {
  category: string;
  severity: Severity;
  auto_fixable: boolean;
  fix: string;
  suggestion: string;
}

interface CompiledPattern extends Pattern {
  re: RegExp;
}

function compile(patterns: Pattern[]): CompiledPattern[] {
  return patterns.map((p) => {
    if (!(p.severity in SEVERITY_ORDER)) {
      throw new KinetraError("bad_pattern_table", `pattern ${p.category}: unknown severity ${p.severity}`);
    }
    return { ...p, re: new RegExp(p.regex, "i") };
  });
}

const PATTERNS: CompiledPattern[] = compile(table.patterns as Pattern[]);
const UNKNOWN: UnknownPattern = table.unknown as UnknownPattern;
const BY_CODE = new Map<string, CompiledPattern>();
for (const p of PATTERNS) for (const c of p.codes) if (!BY_CODE.has(c)) BY_CODE.set(c, p);

/** The pattern table's rows (read-only view), for docs and tests. */
export function patternTable(): readonly Pattern[] {
  return PATTERNS;
}

/** The pattern row of a category, or the unknown row. */
export function patternFor(category: string): Pattern | UnknownPattern {
  return PATTERNS.find((p) => p.category === category) ?? UNKNOWN;
}

/** Every category name the table knows, `unknown` last. */
export function categories(): string[] {
  return [...PATTERNS.map((p) => p.category), UNKNOWN.category];
}

/**
 * Identity of an error within a run: the same defect seen by two stages, or again in a later
 * cycle, has the same key. Data errors are keyed by file and category; others by stage,
 * category and a digit-free message (so counts and durations do not make it look new).
 */
export function errorKey(e: RawError, category: string): string {
  if (e.file) return `${e.file}|${category}`;
  const msg = e.message.replace(/\d+(\.\d+)?/g, "#").slice(0, 200);
  return `${e.stage}|${category}|${msg}`;
}

/** Categorise one raw error: by code first, then by the first matching regex, else unknown. */
export function categorize(e: RawError): PipelineError {
  const byCode = e.code ? BY_CODE.get(e.code) : undefined;
  const p: Pattern | UnknownPattern = byCode ?? PATTERNS.find((q) => q.re.test(e.message)) ?? UNKNOWN;
  return {
    ...e,
    // A copy: merging and subsumption annotate it, and must not touch the stage's own record.
    ...(e.details ? { details: { ...e.details } } : {}),
    category: p.category,
    severity: p.severity,
    auto_fixable: p.auto_fixable,
    fix: p.fix,
    key: errorKey(e, p.category),
  };
}

/**
 * Categorise a list and count each defect once: errors with the same key are merged (the first
 * reported wins; `details.also_reported_by` lists the other stages, `details.occurrences` the count).
 */
export function categorizeAll(errors: readonly RawError[]): PipelineError[] {
  const byKey = new Map<string, PipelineError>();
  for (const raw of errors) {
    const e = categorize(raw);
    const seen = byKey.get(e.key);
    if (!seen) {
      byKey.set(e.key, e);
      continue;
    }
    const d = (seen.details ??= {});
    d.occurrences = ((d.occurrences as number | undefined) ?? 1) + 1;
    if (e.stage !== seen.stage) {
      const also = (d.also_reported_by as string[] | undefined) ?? [];
      if (!also.includes(e.stage)) also.push(e.stage);
      d.also_reported_by = also;
    }
  }
  // A consequence of another defect of the same file is counted under that defect.
  const list = [...byKey.values()];
  const catsByFile = new Map<string, PipelineError[]>();
  for (const e of list) if (e.file) catsByFile.set(e.file, [...(catsByFile.get(e.file) ?? []), e]);
  return list.filter((e) => {
    const by = (patternFor(e.category) as Pattern).subsumed_by;
    if (!by || !e.file) return true;
    const cause = catsByFile.get(e.file)!.find((x) => by.includes(x.category));
    if (!cause) return true;
    const d = (cause.details ??= {});
    d.subsumes = [...((d.subsumes as unknown[]) ?? []), {
      category: e.category,
      code: e.code,
      message: e.message,
    }];
    return false;
  });
}
