/**
 * Summary of a batch per strategy and asset class, marked against the targets traders set for
 * promotion to live (CHS > 0.90, Omega > 2.7, energy captured > 65 %). Reported as measured.
 *
 * @module
 */
import type { BatchResult } from "./batch_types.ts";

/** Promotion targets (strict inequalities). */
export const PROMOTION_TARGETS = { chs: 0.9, omega: 2.7, energy_captured_pct: 65 } as const;

/** One row of the summary. */
export interface SummaryRow {
  /** Strategy name. */
  strategy: string;
  /** Asset class, or "all" for the strategy's total row. */
  asset_class: string;
  /** Files run. */
  files: number;
  /** Files whose run failed (error recorded). */
  files_failed: number;
  /** Trades summed over files. */
  trades: number;
  /** Mean of the files' return (%). */
  return_pct: number;
  /** Median of the files' Omega (per-bar equity returns). */
  omega: number;
  /** Median of the files' Sharpe ratio. */
  sharpe: number;
  /** Worst (most negative) file max drawdown (%). */
  max_drawdown_pct: number;
  /** Median of the files' energy captured (%). */
  energy_captured_pct: number;
  /** Median of the files' MFE captured (%). */
  mfe_captured_pct: number;
  /** Median of the files' CHS (files with too few trades for a CHS are left out). */
  chs: number;
  /** Whether the row's figure beats each target. */
  meets: { chs: boolean; omega: boolean; energy_captured: boolean };
  /** Files whose own figures beat all three targets. */
  files_meeting_all: number;
  /** Median over files of the deflated Sharpe ratio (trials = the strategies run on each file). */
  dsr?: number;
  /** Median over files of the PBO of choosing among the strategies run on each file. */
  pbo?: number;
}

function finite(xs: number[]): number[] {
  return xs.filter((x) => typeof x === "number" && Number.isFinite(x));
}

function median(xs: number[]): number {
  const v = finite(xs).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function mean(xs: number[]): number {
  const v = finite(xs);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

/** True when a file's own stats beat all three targets. */
export function meetsAllTargets(r: BatchResult): boolean {
  const s = r.stats;
  return !!s && s.chs > PROMOTION_TARGETS.chs && s.omega > PROMOTION_TARGETS.omega &&
    s.energy_captured_pct > PROMOTION_TARGETS.energy_captured_pct;
}

function row(strategy: string, assetClass: string, rs: BatchResult[]): SummaryRow {
  const ok = rs.filter((r) => r.stats && !r.error);
  const st = ok.map((r) => r.stats!);
  const dd = finite(st.map((s) => s.max_drawdown_pct));
  const out: SummaryRow = {
    strategy,
    asset_class: assetClass,
    files: rs.length,
    files_failed: rs.length - ok.length,
    trades: st.reduce((a, s) => a + (s.trades || 0), 0),
    return_pct: mean(st.map((s) => s.return_pct)),
    omega: median(st.map((s) => s.omega)),
    sharpe: median(st.map((s) => s.sharpe)),
    max_drawdown_pct: dd.length ? Math.min(...dd) : NaN,
    energy_captured_pct: median(st.map((s) => s.energy_captured_pct)),
    mfe_captured_pct: median(st.map((s) => s.mfe_captured_pct)),
    chs: median(st.map((s) => s.chs)),
    meets: { chs: false, omega: false, energy_captured: false },
    files_meeting_all: ok.filter(meetsAllTargets).length,
    dsr: median(ok.map((r) => r.overfit?.dsr ?? NaN)),
    pbo: median(ok.map((r) => r.overfit?.pbo ?? NaN)),
  };
  out.meets = {
    chs: out.chs > PROMOTION_TARGETS.chs,
    omega: out.omega > PROMOTION_TARGETS.omega,
    energy_captured: out.energy_captured_pct > PROMOTION_TARGETS.energy_captured_pct,
  };
  return out;
}

/** Rows per strategy × asset class (sorted), each strategy followed by its "all" row. */
export function summarizeBatch(results: readonly BatchResult[]): SummaryRow[] {
  const strategies = [...new Set(results.map((r) => r.strategy))];
  const rows: SummaryRow[] = [];
  for (const s of strategies) {
    const mine = results.filter((r) => r.strategy === s);
    const classes = [...new Set(mine.map((r) => r.asset_class))].sort();
    for (const c of classes) rows.push(row(s, c, mine.filter((r) => r.asset_class === c)));
    rows.push(row(s, "all", mine));
  }
  return rows;
}

function fmt(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "n/a";
}

/**
 * The summary as a fixed-width text table (✓ = target met, ✗ = not), with the DSR and PBO medians
 * beside the targets. `split` says which bars the figures come from: promotion is judged only on
 * the test (out-of-sample) part, and the footer says so.
 */
export function summaryTable(rows: readonly SummaryRow[], opts: { split?: string } = {}): string {
  const head = [
    "strategy",
    "class",
    "files",
    "fail",
    "trades",
    "return%",
    "omega",
    "sharpe",
    "maxDD%",
    "energy%",
    "mfe%",
    "chs",
    "met(all)",
    "dsr",
    "pbo",
  ];
  const mark = (b: boolean): string => (b ? "✓" : "✗");
  const body = rows.map((r) => [
    r.strategy,
    r.asset_class,
    String(r.files),
    String(r.files_failed),
    String(r.trades),
    fmt(r.return_pct),
    `${fmt(r.omega)} ${mark(r.meets.omega)}`,
    fmt(r.sharpe),
    fmt(r.max_drawdown_pct),
    `${fmt(r.energy_captured_pct, 1)} ${mark(r.meets.energy_captured)}`,
    fmt(r.mfe_captured_pct, 1),
    `${fmt(r.chs, 3)} ${mark(r.meets.chs)}`,
    `${r.files_meeting_all}/${r.files}`,
    fmt(r.dsr ?? NaN),
    fmt(r.pbo ?? NaN),
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k].length)));
  const line = (cells: string[]): string => cells.map((c, k) => c.padEnd(widths[k])).join("  ").trimEnd();
  return [
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...body.map(line),
    "",
    `targets for promotion to live: CHS > ${PROMOTION_TARGETS.chs}, Omega > ${PROMOTION_TARGETS.omega}, energy captured > ${PROMOTION_TARGETS.energy_captured_pct} % (✓ met, ✗ not met; medians over files, measured, not tuned)`,
    opts.split === "test"
      ? "judged out of sample (the test part of each file); dsr, pbo: medians over files of the deflated Sharpe ratio and the probability of backtest overfitting of choosing among the strategies run (docs/RESEARCH.md)"
      : `these figures include in-sample bars (--split ${
        opts.split ?? "all"
      }): promotion is judged only out of sample, with --split test (or deno task walkforward); dsr, pbo: medians over files of the deflated Sharpe ratio and the PBO of choosing among the strategies run (docs/RESEARCH.md)`,
  ].join("\n");
}

/**
 * The strategies' total rows as a markdown table for the docs (generated from a run, never typed by
 * hand), with a line saying which run, data and split it comes from.
 */
export function summaryMarkdown(
  rows: readonly SummaryRow[],
  opts: { split: string; source: string; runDir: string; files: number; when?: Date },
): string {
  const all = rows.filter((r) => r.asset_class === "all");
  const mark = (b: boolean): string => (b ? "✓" : "✗");
  const n = (v: number, d = 2): string => (Number.isFinite(v) ? v.toFixed(d).replace("-", "−") : "n/a");
  const head = [
    "strategy",
    "trades",
    "return % (mean)",
    "Omega (median)",
    "Sharpe (median)",
    "worst max DD %",
    "energy captured %",
    "MFE captured %",
    "CHS",
    "files meeting all targets",
  ];
  const body = all.map((r) => [
    r.strategy,
    r.trades.toLocaleString("en-US").replace(/,/g, " "),
    n(r.return_pct),
    `${n(r.omega)} ${mark(r.meets.omega)}`,
    n(r.sharpe),
    n(r.max_drawdown_pct, 1),
    `${n(r.energy_captured_pct, 1)} ${mark(r.meets.energy_captured)}`,
    n(r.mfe_captured_pct, 1),
    `${n(r.chs, 3)} ${mark(r.meets.chs)}`,
    `${r.files_meeting_all} / ${r.files}`,
  ]);
  const when = (opts.when ?? new Date()).toISOString().slice(0, 16).replace("T", " ");
  return [
    `Generated by \`deno task backtest:batch --write-docs\` on ${when} UTC from ${opts.files} files of ${opts.source}` +
    ` (split ${opts.split}; run ${opts.runDir.split(/[\\/]/).pop()}).`,
    "",
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...body.map((b) => `| ${b.join(" | ")} |`),
  ].join("\n");
}

/** Replace the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` in a markdown text. */
export function replaceBetweenMarkers(text: string, name: string, content: string): string | null {
  const start = `<!-- ${name}:start -->`, end = `<!-- ${name}:end -->`;
  const a = text.indexOf(start), b = text.indexOf(end);
  if (a < 0 || b < a) return null;
  return text.slice(0, a + start.length) + "\n\n" + content + "\n\n" + text.slice(b);
}
