/**
 * The stages of a pipeline cycle. Each is a {@link Stage}: a name, a title, a default time limit
 * and a `run(ctx)` returning a {@link StageResult}. The pipeline takes the list as an option, so
 * tests can run only the data stages; `defaultStages()` is the full list `deno task fix` runs.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import type pl from "nodejs-polars";
import { isKinetraError } from "../errors.ts";
import { scanPrepared } from "../data/catalog.ts";
import { runChild } from "./child.ts";
import { exerciseData, prepareFiles } from "./exercise_data.ts";
import { checkBacktestInvariants } from "./invariants.ts";
import { BACKTEST, DATA, FEATURES, libUrl, STRATEGIES } from "./parts.ts";
import { categorize } from "./categorize.ts";
import { failsRun, type RawError, type StageName, type StageResult } from "./types.ts";
import type { WorkingSet } from "./working_set.ts";

/** What a stage gets to run. */
export interface StageContext {
  /** Project root (child processes run here). */
  root: string;
  /** Source data folder (read only). */
  source: string;
  /** The files to use (repaired copies stand in for fixed sources). */
  workingSet: WorkingSet;
  /** Prepared output (pipeline-owned). */
  preparedDir: string;
  /** Scratch folder of this run (views, temporary outputs). */
  workDir: string;
  /** This run's time limit in ms (longer when retried after a timeout). */
  timeoutMs: number;
  cycle: number;
  /** Progress lines for humans. */
  progress(line: string): void;
}

/** One stage. */
export interface Stage {
  name: StageName;
  title: string;
  /** Default time limit in ms. */
  timeoutMs: number;
  /** Run in the first cycle only (its result stands for the run): the slow unit-test suite. */
  oncePerRun?: boolean;
  run(ctx: StageContext): Promise<StageResult>;
}

const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");

/** Remove terminal colour codes. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

function result(stage: StageName, t0: number, partial: Partial<StageResult>): StageResult {
  const errors = partial.errors ?? [];
  return {
    stage,
    status: partial.status ?? (errors.length ? "failed" : "passed"),
    passed: partial.passed ?? 0,
    failed: partial.failed ?? 0,
    duration_ms: Math.round(performance.now() - t0),
    errors,
    notes: partial.notes ?? [],
  };
}

function unavailable(stage: StageName, t0: number, reason: string): StageResult {
  return result(stage, t0, {
    status: "unavailable",
    errors: [{ stage, code: "stage_unavailable", message: `${stage} unavailable: ${reason}` }],
    notes: [reason],
  });
}

function timedOut(stage: StageName, t0: number, ms: number, what: string): StageResult {
  return result(stage, t0, {
    status: "timeout",
    errors: [{
      stage,
      code: "timeout",
      message: `${what} timed out after ${Math.round(ms / 1000)} s`,
      details: { limit_ms: ms },
    }],
  });
}

// ---------------------------------------------------------------------------------------------
// Unit test suite

/** Test files excluded from the unit test stage: this room (recursion) and the slow optional suites. */
export const DEFAULT_TEST_EXCLUDES: readonly RegExp[] = [
  /^tests\/pipeline\//,
  /^tests\/notebooks\//,
  // Whole words of the file name only ("pty" must not catch "empty_test.ts").
  /(^|[/_])(browser|chromium|playwright|tmux|pty|notebooks?)(_|\.|\/|$)/i,
];

async function listTests(dir: string, root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (/_test\.(ts|js|mts)$/.test(e.name)) out.push(relative(root, p));
    }
  }
  if (existsSync(dir)) await walk(dir);
  return out.sort();
}

/** Parse `deno test` output: counts from its closing line, one error per failing test. */
export function parseDenoTest(
  out: string,
): { passed: number; failed: number; summary: boolean; errors: RawError[] } {
  const text = stripAnsi(out);
  const m = text.match(/(?:^|\n)(?:ok|FAILED) \| (\d+) passed[^|]*\| (\d+) failed/);
  const errors: RawError[] = [];
  const errBlock = text.split(/\n ERRORS \n/)[1]?.split(/\n FAILURES \n/)[0] ?? "";
  const head = /^(.+?) => (\S+?):(\d+):(\d+)\s*$/;
  let cur: { name: string; loc: string; lines: string[] } | null = null;
  const flush = () => {
    if (!cur) return;
    const msg = cur.lines.join("\n").trim();
    const first = msg.split("\n").find((l) => l.startsWith("error:")) ?? msg.split("\n")[0] ?? "";
    errors.push({
      stage: "unit_tests",
      code: /TypeError/.test(first) ? "type_error" : "test_failure",
      message: `${cur.name}: ${first.replace(/^error:\s*/, "")}\n${msg.slice(0, 1500)}`,
      file: cur.loc,
      details: { test: cur.name, locations: [cur.loc] },
    });
  };
  for (const line of errBlock.split("\n")) {
    const h = line.match(head);
    if (h) {
      flush();
      cur = { name: h[1], loc: `${h[2].replace(/^\.\//, "")}:${h[3]}:${h[4]}`, lines: [] };
    } else if (cur) cur.lines.push(line);
  }
  flush();
  return { passed: m ? +m[1] : 0, failed: m ? +m[2] : errors.length, summary: !!m, errors };
}

/** Locations `file:///path:line:col` in tool output, as `path:line:col` relative to `root`. */
export function locationsIn(text: string, root: string): string[] {
  const out = new Set<string>();
  for (const m of stripAnsi(text).matchAll(/file:\/\/(\/[^\s:)]+):(\d+):(\d+)/g)) {
    out.add(`${relative(root, m[1])}:${m[2]}:${m[3]}`);
  }
  return [...out];
}

/**
 * The unit test suite: `deno test` as child processes, one per folder of tests/ (so a hanging or
 * crashing room is located and does not hide the others' results), tests/pipeline and the slow
 * optional suites excluded. `ctx.timeoutMs` is the limit of each folder's run.
 */
export function unitTestStage(
  opts: { dir?: string; excludes?: readonly RegExp[]; timeoutMs?: number } = {},
): Stage {
  return {
    name: "unit_tests",
    title: "unit test suite",
    timeoutMs: opts.timeoutMs ?? 300_000,
    oncePerRun: true,
    async run(ctx) {
      const t0 = performance.now();
      const files = (await listTests(join(ctx.root, opts.dir ?? "tests"), ctx.root))
        .filter((f) => !(opts.excludes ?? DEFAULT_TEST_EXCLUDES).some((re) => re.test(f)));
      if (!files.length) return unavailable("unit_tests", t0, "no test files found under tests/");
      const groups = new Map<string, string[]>();
      for (const f of files) {
        const parts = f.split("/");
        const g = parts.length > 2 ? parts.slice(0, 2).join("/") + "/" : parts[0] + "/";
        groups.set(g, [...(groups.get(g) ?? []), f]);
      }
      const errors: RawError[] = [];
      let passed = 0, failed = 0, timeouts = 0;
      for (const [group, list] of groups) {
        const r = await runChild(Deno.execPath(), ["test", "--no-prompt", "-A", ...list], {
          cwd: ctx.root,
          timeoutMs: ctx.timeoutMs,
        });
        const parsed = parseDenoTest(r.stdout + "\n" + r.stderr);
        if (r.timedOut) {
          timeouts++;
          failed++;
          const running = [...stripAnsi(r.stdout).matchAll(/running \d+ tests? from \.\/(\S+)/g)].pop()?.[1];
          errors.push({
            stage: "unit_tests",
            code: "timeout",
            message: `deno test ${group} timed out after ${Math.round(ctx.timeoutMs / 1000)} s` +
              (running ? ` (last file started: ${running})` : ""),
            file: running ?? group,
            details: { limit_ms: ctx.timeoutMs, group },
          });
          continue;
        }
        passed += parsed.passed;
        failed += parsed.failed;
        errors.push(...parsed.errors);
        if (!parsed.summary && r.code !== 0) {
          const text = (r.stderr || r.stdout).trim();
          const locs = locationsIn(text, ctx.root);
          failed++;
          errors.push({
            stage: "unit_tests",
            code: /TS\d{4}/.test(text) ? "type_check" : undefined,
            message: `deno test ${group} ended without a summary (exit ${r.code}): ${text.slice(0, 1500)}`,
            file: locs[0] ?? group,
            details: { locations: locs },
          });
        } else if (r.code !== 0 && !parsed.errors.length) {
          errors.push({
            stage: "unit_tests",
            code: "test_failure",
            message: `deno test ${group} exited ${r.code}: ${r.stderr.slice(-800)}`,
            file: group,
          });
        }
      }
      const res = result("unit_tests", t0, {
        passed,
        failed,
        errors,
        notes: [
          `${files.length} test files in ${groups.size} folders (${[...groups.keys()].join(", ")}); ` +
          "excluded: tests/pipeline and slow optional suites",
        ],
      });
      if (timeouts) res.status = "timeout";
      return res;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Import check

async function libMods(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.name === "mod.ts") out.push(relative(join(root, "lib"), p));
    }
  }
  await walk(join(root, "lib"));
  return out.sort();
}

/** The runtime programs checked by the import stage. */
export const SYSTEM_DEPENDENCIES: readonly { name: string; cmd: string; args: string[]; apt: string }[] = [
  {
    name: "jupyter nbconvert",
    cmd: "/usr/bin/jupyter",
    args: ["nbconvert", "--version"],
    apt: "jupyter-nbconvert",
  },
  { name: "chromium", cmd: "/usr/bin/chromium", args: ["--version"], apt: "chromium" },
];

/**
 * Import every lib/**\/mod.ts, type-check lib/ and tasks/ (`deno check`), load the polars binding,
 * check the npm packages of the import map are installed, and the system programs (Jupyter's
 * nbconvert, Chromium) answer `--version`.
 */
export function importCheckStage(opts: { typeCheck?: boolean; timeoutMs?: number } = {}): Stage {
  return {
    name: "import_check",
    title: "import check (lib modules, deno check, polars, npm packages, Jupyter, Chromium)",
    timeoutMs: opts.timeoutMs ?? 300_000,
    async run(ctx) {
      const t0 = performance.now();
      const errors: RawError[] = [];
      let passed = 0;
      const fail = (e: RawError) => errors.push(e);
      for (const mod of await libMods(ctx.root)) {
        try {
          await import(libUrl(mod).href);
          passed++;
        } catch (e) {
          const msg = (e as Error).message;
          fail({
            stage: "import_check",
            code: /Cannot find module|not a dependency|Could not find npm/i.test(msg)
              ? "missing_dependency"
              : undefined,
            message: `import lib/${mod} failed: ${msg}`,
            file: `lib/${mod}`,
            details: { locations: locationsIn(msg, ctx.root), kind: "module" },
          });
        }
      }
      // Polars binding.
      try {
        // Imported here, not at the top: a broken binding must be an error of this check, not a crash.
        const polars = (await import("nodejs-polars")).default;
        const df = polars.DataFrame({ a: [1, 2, 3] });
        if (df.height !== 3) throw new Error(`polars returned ${df.height} rows for 3`);
        passed++;
      } catch (e) {
        fail({
          stage: "import_check",
          code: "missing_dependency",
          message: `polars binding failed to load: ${(e as Error).message}`,
          details: { kind: "npm", package: "nodejs-polars" },
        });
      }
      // npm packages of the import map.
      try {
        const cfg = JSON.parse(await Deno.readTextFile(join(ctx.root, "deno.json")));
        for (const [name, spec] of Object.entries(cfg.imports ?? {}) as [string, string][]) {
          if (!spec.startsWith("npm:")) continue;
          const pkg = spec.slice(4).replace(/@[^@/]*$/, "");
          if (existsSync(join(ctx.root, "node_modules", pkg, "package.json"))) passed++;
          else {
            fail({
              stage: "import_check",
              code: "missing_dependency",
              message: `npm package ${pkg} (import "${name}") is not installed in node_modules`,
              details: { kind: "npm", package: pkg },
            });
          }
        }
      } catch (e) {
        fail({ stage: "import_check", message: `cannot read deno.json: ${(e as Error).message}` });
      }
      for (const dep of SYSTEM_DEPENDENCIES) {
        const r = await runChild(dep.cmd, dep.args, { timeoutMs: 60_000, processGroup: false });
        if (r.code === 0) passed++;
        else {
          fail({
            stage: "import_check",
            code: r.timedOut ? "timeout" : "missing_dependency",
            message: r.notFound || r.code === -1
              ? `${dep.name} is not installed (${dep.cmd} not found)`
              : `${dep.name} failed: ${dep.cmd} ${dep.args.join(" ")} exited ${r.code}: ${
                r.stderr.slice(0, 300)
              }`,
            details: { kind: "apt", package: dep.apt, command: `${dep.cmd} ${dep.args.join(" ")}` },
          });
        }
      }
      if (opts.typeCheck !== false) {
        const targets = ["lib/", "tasks/"].filter((d) => existsSync(join(ctx.root, d)));
        const remaining = Math.max(30_000, ctx.timeoutMs - (performance.now() - t0));
        const r = await runChild(Deno.execPath(), ["check", ...targets], {
          cwd: ctx.root,
          timeoutMs: remaining,
        });
        if (r.timedOut) {
          fail({
            stage: "import_check",
            code: "timeout",
            message: `deno check timed out after ${Math.round(remaining / 1000)} s`,
          });
        } else if (r.code === 0) passed++;
        else errors.push(...parseDenoCheck(r.stderr + r.stdout, ctx.root));
      }
      return result("import_check", t0, { passed, failed: errors.length, errors });
    },
  };
}

/** One type_error per diagnostic of `deno check` output, located at its file:line:col. */
export function parseDenoCheck(out: string, root: string): RawError[] {
  const text = stripAnsi(out);
  const errors: RawError[] = [];
  const blocks = text.split(/\n(?=TS\d{4} \[ERROR\])/);
  for (const b of blocks) {
    const m = b.match(/(TS\d{4}) \[ERROR\]: ([^\n]+)/);
    if (!m) continue;
    const loc = locationsIn(b, root)[0];
    errors.push({
      stage: "import_check",
      code: "type_check",
      message: `${m[1]}: ${m[2]}`,
      file: loc,
      details: { locations: loc ? [loc] : [], excerpt: b.slice(0, 600) },
    });
  }
  if (!errors.length) {
    errors.push({
      stage: "import_check",
      code: "type_check",
      message: `deno check failed: ${text.slice(0, 1200)}`,
    });
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Data stages

/** Raw errors from the exerciser's errors (files relative to the source). */
function exerciserErrors(
  stage: StageName,
  list: {
    file: string | null;
    code: string;
    message: string;
    severity: string | null;
    details?: Record<string, unknown>;
  }[],
): RawError[] {
  return list.map((e) => ({
    stage,
    code: e.code,
    message: e.message,
    file: e.file ?? undefined,
    details: { ...(e.details ?? {}), ...(e.severity ? { data_severity: e.severity } : {}) },
  }));
}

/** The real-data exerciser on the working set: load and validate every file (lib/data's checks). */
export function realDataStage(opts: { backtestSample?: number; timeoutMs?: number } = {}): Stage {
  return {
    name: "real_data",
    title: "real-data exerciser (load and validate every file)",
    timeoutMs: opts.timeoutMs ?? 600_000,
    async run(ctx) {
      const t0 = performance.now();
      const report = await exerciseData({
        source: ctx.source,
        files: ctx.workingSet.files(),
        prepare: false,
        backtestSample: opts.backtestSample ?? 0,
        deadlineMs: performance.now() + ctx.timeoutMs,
      });
      if (report.timed_out) return timedOut("real_data", t0, ctx.timeoutMs, "real-data exerciser");
      if (report.data_files_found === 0) {
        return result("real_data", t0, {
          failed: 1,
          errors: [{
            stage: "real_data",
            code: "file_not_found",
            message:
              `no data files found under ${ctx.source}: put your MT5 exports there or pass --source DIR`,
          }],
        });
      }
      const errors = exerciserErrors("real_data", report.errors);
      for (const u of report.unavailable) {
        errors.push({ stage: "real_data", code: "stage_unavailable", message: `real-data ${u}` });
      }
      // A file fails only on a finding that fails the run (LOW ones such as holiday gaps are reported).
      const failing = errors.filter((e) => failsRun(categorize(e)));
      const failedFiles = new Set(failing.map((e) => e.file).filter((f) => f));
      return result("real_data", t0, {
        status: failing.length ? "failed" : "passed",
        passed: report.data_files_found - failedFiles.size,
        failed: failedFiles.size,
        errors,
        notes: [
          `${report.data_files_found} files, ${report.data_files_loaded} loaded, ${report.total_rows_processed} rows`,
          ...(errors.length > failing.length
            ? [`${errors.length - failing.length} LOW finding(s) reported`]
            : []),
        ],
      });
    },
  };
}

/** Data preparation of the working set with lib/data's prepareDataset into the pipeline's prepared folder. */
export function preparationStage(opts: { testRatio?: number; timeoutMs?: number } = {}): Stage {
  return {
    name: "data_preparation",
    title: "data preparation (train/test split of the working set)",
    timeoutMs: opts.timeoutMs ?? 600_000,
    async run(ctx) {
      const t0 = performance.now();
      const data = DATA;
      const files = ctx.workingSet.files();
      const r = await prepareFiles(data, ctx.source, files, {
        out: ctx.preparedDir,
        viewDir: join(ctx.workDir, "view"),
        testRatio: opts.testRatio,
        signal: AbortSignal.timeout(ctx.timeoutMs),
      });
      if (r.errors.some((e) => e.code === "timeout")) {
        return timedOut("data_preparation", t0, ctx.timeoutMs, "data preparation");
      }
      return result("data_preparation", t0, {
        passed: r.operation.successful,
        failed: r.operation.failed,
        errors: exerciserErrors("data_preparation", r.errors),
        notes: [`prepared into ${ctx.preparedDir}`],
      });
    },
  };
}

/** Prepared files listed by `<dir>/manifest.json` (null when there is no readable manifest). */
export async function preparedFromManifest(
  dir: string,
  split: "train" | "test" | "all",
): Promise<string[] | null> {
  try {
    const m = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
    if (!Array.isArray(m.files)) return null;
    const out: string[] = [];
    for (const f of m.files as { train_path?: string | null; test_path?: string | null; status?: string }[]) {
      if (f.status === "failed") continue;
      if ((split === "train" || split === "all") && f.train_path) out.push(join(dir, f.train_path));
      if ((split === "test" || split === "all") && f.test_path) out.push(join(dir, f.test_path));
    }
    return out;
  } catch {
    return null;
  }
}

async function readPrepared(path: string): Promise<pl.DataFrame> {
  const polars = (await import("nodejs-polars")).default;
  return /\.parquet$/i.test(path) ? polars.readParquet(path) : polars.readIPC(path);
}

/** Each registered strategy on each prepared file, checking the invariants. */
export function backtestValidationStage(
  opts: { split?: "train" | "test" | "all"; timeoutMs?: number; strategies?: string[] } = {},
): Stage {
  return {
    name: "backtest_validation",
    title: "backtest validation (every strategy on every prepared file, invariants)",
    timeoutMs: opts.timeoutMs ?? 900_000,
    async run(ctx) {
      const t0 = performance.now();
      const data = DATA, bt = BACKTEST, st = STRATEGIES, ft = FEATURES;
      const files = await preparedFromManifest(ctx.preparedDir, opts.split ?? "test") ??
        scanPrepared(ctx.preparedDir, { split: opts.split ?? "test" });
      if (!files.length) {
        return unavailable(
          "backtest_validation",
          t0,
          `no prepared files under ${ctx.preparedDir} (run preparation first)`,
        );
      }
      const strategies = opts.strategies
        ? opts.strategies.map((n) => st.getStrategy(n))
        : st.listStrategies();
      const errors: RawError[] = [];
      let passed = 0, failed = 0;
      const deadline = t0 + ctx.timeoutMs;
      for (const f of files) {
        if (performance.now() > deadline) {
          return timedOut("backtest_validation", t0, ctx.timeoutMs, "backtest validation");
        }
        const rel = relative(ctx.preparedDir, f);
        let arrays;
        try {
          arrays = data.toArrays(await readPrepared(f));
        } catch (e) {
          failed++;
          errors.push({
            stage: "backtest_validation",
            code: isKinetraError(e) ? e.code : undefined,
            message: `cannot read prepared ${rel}: ${(e as Error).message}`,
            file: `prepared/${rel}`,
          });
          continue;
        }
        for (const s of strategies) {
          try {
            const features = s.features.length ? ft.computeFeatures(arrays, s.features) : {};
            const res = bt.runBacktest({ bars: arrays, strategy: s, features });
            const bad = checkBacktestInvariants(res);
            if (bad.length) failed++;
            else passed++;
            for (const v of bad) {
              errors.push({
                stage: "backtest_validation",
                code: v.code,
                message: `${s.name} on ${rel}: ${v.message}`,
                file: `prepared/${rel}#${s.name}`,
              });
            }
          } catch (e) {
            failed++;
            const err = e as Error;
            errors.push({
              stage: "backtest_validation",
              code: isKinetraError(e) ? e.code : (e instanceof TypeError ? "type_error" : undefined),
              message: `${s.name} on ${rel}: ${err.message}`,
              file: `prepared/${rel}#${s.name}`,
              details: { locations: locationsIn(err.stack ?? "", ctx.root).slice(0, 5) },
            });
          }
        }
      }
      return result("backtest_validation", t0, {
        passed,
        failed,
        errors,
        notes: [
          `${files.length} prepared files x ${strategies.length} strategies (${
            strategies.map((s) => s.name).join(", ")
          })`,
        ],
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Menu exerciser

/** `deno task exercise:menu --json` as a child; one error per failing menu path. */
export function menuExerciserStage(opts: { timeoutMs?: number; args?: string[] } = {}): Stage {
  return {
    name: "menu_exerciser",
    title: "menu exerciser (every menu path in a child process)",
    timeoutMs: opts.timeoutMs ?? 600_000,
    async run(ctx) {
      const t0 = performance.now();
      // The menu is walked over the pipeline's source data so both look at the same files.
      const args = ["task", "exercise:menu", "--json", "--data-dir", ctx.source, ...(opts.args ?? [])];
      const r = await runChild(Deno.execPath(), args, {
        cwd: ctx.root,
        timeoutMs: ctx.timeoutMs,
      });
      if (r.timedOut) return timedOut("menu_exerciser", t0, ctx.timeoutMs, "menu exerciser");
      let rep: Record<string, unknown> | null = null;
      const trimmed = r.stdout.trim();
      for (
        const cand of [
          trimmed,
          trimmed.slice(trimmed.indexOf("{")),
          trimmed.split("\n").filter((l) => l.startsWith("{")).pop() ?? "",
        ]
      ) {
        try {
          rep = JSON.parse(cand);
          break;
        } catch { /* try the next */ }
      }
      if (!rep) {
        const text = (r.stderr + "\n" + r.stdout).trim();
        return result("menu_exerciser", t0, {
          failed: 1,
          errors: [{
            stage: "menu_exerciser",
            message: `exercise:menu printed no JSON report (exit ${r.code}): ${text.slice(-1500)}`,
            details: { locations: locationsIn(text, ctx.root) },
          }],
        });
      }
      const errs = (rep.errors as Record<string, unknown>[] | undefined) ?? [];
      const errors: RawError[] = errs.map((e) => {
        const path = Array.isArray(e.path) ? (e.path as string[]).join(" > ") : String(e.path ?? "?");
        // Categorised on the error alone: the screen excerpt may mention anything (e.g. "gaps").
        const what = [e.error, e.message].filter((x) => typeof x === "string").join("; ") || "failed";
        const excerpt = [e.output_excerpt, e.excerpt, e.output].find((x) => typeof x === "string") as
          | string
          | undefined;
        return {
          stage: "menu_exerciser",
          message: `menu path ${path}: ${what.slice(0, 1500)}`,
          file: `menu: ${path}`,
          details: {
            inputs: e.inputs,
            output_excerpt: excerpt?.slice(-1500),
            locations: locationsIn(`${what}\n${excerpt ?? ""}`, ctx.root),
          },
        };
      });
      if (r.code !== 0 && !errors.length) {
        errors.push({
          stage: "menu_exerciser",
          code: "test_failure",
          message: `exercise:menu exited ${r.code}: ${r.stderr.slice(-800)}`,
        });
      }
      return result("menu_exerciser", t0, {
        passed: Number(rep.passed ?? 0),
        failed: Number(rep.failed ?? errors.length),
        errors,
        notes: [`${rep.paths_tested ?? "?"} paths tested`],
      });
    },
  };
}

/**
 * The stages `deno task fix` runs by default, in cycle order: every stage but the unit-test suite,
 * which takes minutes and runs only when asked (`--stages unit_tests,...`, see {@link allStages}).
 */
export function defaultStages(): Stage[] {
  return allStages().filter((s) => s.name !== "unit_tests");
}

/** Every stage, in cycle order, the unit-test suite first (run once per run, not per cycle). */
export function allStages(): Stage[] {
  return [
    unitTestStage(),
    importCheckStage(),
    realDataStage(),
    preparationStage(),
    backtestValidationStage(),
    menuExerciserStage(),
  ];
}

/** The data stages only (real data, preparation, backtest validation): quick runs and tests. */
export function dataStages(): Stage[] {
  return [realDataStage(), preparationStage(), backtestValidationStage()];
}
