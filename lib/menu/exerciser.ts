/**
 * The menu exerciser: runs the real menu as a child process and walks every path of the tree
 * (derived from {@link buildMenuTree}, not a hand-kept list), then ends input at every distinct
 * prompt, then takes seeded random walks, and interrupts a long operation with Ctrl-C. It checks
 * that no screen shows a stack trace, every breadcrumb is where the tree says, end of input exits
 * with 0, secrets typed are never echoed or logged, and nothing hangs (a timeout per step).
 *
 * Children work in a temporary folder (prepared data, logs, configuration) on the given data
 * folder (the bundled sample by default), so an exercise never touches the user's files.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { NavModel, Rng, stackTraceLines } from "./exercise_model.ts";
import { MENU_PERMISSIONS, MenuSession, type SessionSpec } from "./exercise_session.ts";
import { writeConfig } from "./config.ts";
import type { TraceEvent } from "./trace.ts";
import { treePaths } from "./tree.ts";
import type { MenuScreen } from "./types.ts";

/** Options of {@link exerciseMenu}. */
export interface ExerciseOptions {
  /** Project root (tasks/menu.ts lives there). */
  root: string;
  /** The tree to walk (the menu's own). */
  tree: MenuScreen;
  /** Data folder the menu works on (default: data/sample under root). */
  dataDir?: string;
  /** Folder for the children's prepared data, logs and configuration (default: a new temp dir). */
  workDir?: string;
  /** Keep workDir afterwards (default false when it was created here). */
  keepWorkDir?: boolean;
  /** Times to walk every path (default 1). */
  iterations?: number;
  /** Answers per random walk; 0 disables random walks (default 40). */
  randomSteps?: number;
  /** Random walks per iteration (default 2). */
  randomWalks?: number;
  /** Seed of the random walks (default 1). */
  seed?: number;
  /** End input at every distinct prompt (default true). */
  eofChecks?: boolean;
  /** Interrupt the longest operation seen with SIGINT (default true). */
  interruptCheck?: boolean;
  /** Longest wait for the next prompt (default 20 s). */
  stepTimeoutMs?: number;
  /** Longest wait while an operation runs (default 300 s). */
  operationTimeoutMs?: number;
  /** Children run at once for the end-of-input and random phases (default 2). */
  concurrency?: number;
  /** Only walk paths whose breadcrumb contains this text. */
  only?: string;
  /** Progress lines. */
  onProgress?: (line: string) => void;
}

/** One failed check. */
export interface ExerciseError {
  /** Breadcrumb of the path and the kind of run. */
  path: string;
  /** The answers typed, in order (`<EOF>` marks the end of input, `<SIGINT>` a Ctrl-C). */
  inputs: string[];
  /** What went wrong. */
  error: string;
  /** The end of what the menu printed. */
  output_excerpt: string;
  /** Which iteration (1-based; 0 for checks over all runs). */
  iteration: number;
}

/** The report written to logs/menu_exercise_report.json. */
export interface ExerciseReport {
  /** ISO 8601. */
  start_time: string;
  /** ISO 8601. */
  end_time: string;
  /** Times every path was walked. */
  iterations: number;
  /** Runs of the menu (paths, end-of-input checks, random walks, Ctrl-C). */
  paths_tested: number;
  /** Runs that passed every check. */
  passed: number;
  /** Runs that failed (plus 1 when the secret leaked into a file). */
  failed: number;
  /** Every problem found. */
  errors: ExerciseError[];
  /** Runs by kind: path walks, end-of-input checks, random walks, interrupts. */
  runs: Record<string, { tested: number; passed: number }>;
  /** Every path of the tree (breadcrumbs), as derived from the menu's definition. */
  tree_paths: string[];
  /** Seed of the random walks. */
  seed: number;
  /** Answers per random walk. */
  random_steps: number;
  /** The data folder the menu worked on. */
  data_dir: string;
  /** Wall time of the exercise. */
  duration_s: number;
  /** Notes (e.g. a check that could not run). */
  notes: string[];
}

type Answer = { type: "send"; text: string } | { type: "eof" } | { type: "interrupt" } | { type: "wait" };

/** How a run answers each prompt. */
interface Policy {
  /** Decide the answer to an event; `index` counts prompts (menu and action prompts). */
  decide(ev: TraceEvent, model: NavModel, index: number): Answer;
}

/** One finished run. */
interface RunResult {
  ok: boolean;
  /** Wall time of the run. */
  ms: number;
  problems: string[];
  inputs: string[];
  output: string;
  /** The prompts seen, with the answers typed before each (for end-of-input checks). */
  prompts: { index: number; crumb: string; kind: string; label: string }[];
  /** Operations seen with their duration. */
  operations: { label: string; ms: number; promptIndex: number }[];
}

const PROMPT_KINDS = new Set(["menu", "choose", "text", "number", "confirm", "typed", "secret", "pause"]);

/** The answer an action's prompt gets when walking a path (defaults, first options, no risk). */
export function defaultAnswer(ev: TraceEvent, secret: string, rng?: Rng): string {
  switch (ev.kind) {
    case "choose":
      return rng ? String(1 + rng.int(ev.options ?? 1)) : "1";
    case "text":
    case "number":
      return ev.sample ?? (ev.default !== undefined ? "" : "1");
    case "secret":
      return secret;
    case "typed": // never confirm a risky action
    case "confirm": // the default
    case "pause":
    default:
      return "";
  }
}

async function runOne(
  spec: SessionSpec,
  tree: MenuScreen,
  policy: Policy,
  opts: { stepTimeoutMs: number; operationTimeoutMs: number; secret: string; expectEof?: boolean },
): Promise<RunResult> {
  const t0 = performance.now();
  const session = new MenuSession(spec);
  const model = new NavModel(tree);
  const inputs: string[] = [];
  const problems: string[] = [];
  const prompts: RunResult["prompts"] = [];
  const operations: RunResult["operations"] = [];
  let promptIndex = 0;
  let opStarted: { label: string; at: number } | null = null;
  let exited: number | null = null;
  let sentEof = false;
  while (true) {
    const timeout = opStarted ? opts.operationTimeoutMs : opts.stepTimeoutMs;
    const sig = await session.next(timeout);
    if (sig.type === "timeout") {
      problems.push(
        `no prompt and no exit within ${timeout / 1000} s (hang) at "${
          opStarted ? opStarted.label : model.screenCrumb
        }"`,
      );
      break;
    }
    if (sig.type === "exit") {
      exited = sig.code;
      break;
    }
    const ev = sig.event;
    if (ev.kind === "exit") continue;
    if (ev.kind === "op_start") {
      opStarted = { label: ev.label ?? "", at: Date.now() };
    } else if (ev.kind === "op_end") {
      if (opStarted) operations.push({ label: opStarted.label, ms: Date.now() - opStarted.at, promptIndex });
      opStarted = null;
    }
    if (model.expectExit) {
      if (PROMPT_KINDS.has(ev.kind)) {
        problems.push(`the menu asked "${ev.label}" after an answer that should exit`);
      }
      continue;
    }
    model.observe(ev);
    if (PROMPT_KINDS.has(ev.kind)) {
      prompts.push({ index: promptIndex, crumb: ev.crumb, kind: ev.kind, label: ev.label ?? "" });
    }
    const answer = policy.decide(ev, model, PROMPT_KINDS.has(ev.kind) ? promptIndex : -1);
    if (PROMPT_KINDS.has(ev.kind)) promptIndex++;
    if (answer.type === "send") {
      // A secret is recorded as <secret>: reports and logs never hold it.
      inputs.push(ev.kind === "secret" ? "<secret>" : answer.text);
      if (ev.kind === "menu") model.applyMenuAnswer(answer.text);
      else model.applyActionAnswer(answer.text);
      await session.send(answer.text);
    } else if (answer.type === "eof") {
      inputs.push("<EOF>");
      sentEof = true;
      model.expectExit = true;
      await session.closeInput();
    } else if (answer.type === "interrupt") {
      inputs.push("<SIGINT>");
      session.interrupt();
    }
  }
  const end = await session.finish(opts.stepTimeoutMs);
  problems.push(...model.problems);
  if (exited === null && end.code !== null) exited = end.code;
  if (end.code === null) problems.push("the menu had to be killed");
  else if (end.code !== 0) problems.push(`exit code ${end.code}, expected 0`);
  if (!model.expectExit && end.code !== null) problems.push("the menu exited although no answer asked it to");
  if (sentEof && !/End of input/.test(end.stdout)) problems.push("end of input was not acknowledged");
  const screenText = end.stdout + "\n" + end.stderr;
  const traces = stackTraceLines(screenText);
  if (traces.length > 0) {
    problems.push(`stack trace or bug report on screen: ${traces.slice(0, 3).join(" | ")}`);
  }
  if (
    model.crumbsSeen.has(tree.title) &&
    // One line, or one line per part when it would not fit 80 columns.
    !/^ {2}Data: .+( \| |\n {2})MT5 bridge: .+( \| |\n {2})Credentials: .+$/m.test(end.stdout)
  ) {
    problems.push("the main screen shows no status bar (Data: ... | MT5 bridge: ... | Credentials: ...)");
  }
  for (const crumb of model.crumbsSeen) {
    if (!end.stdout.includes(crumb)) problems.push(`breadcrumb "${crumb}" is not shown on screen`);
  }
  if (screenText.includes(opts.secret)) problems.push("the secret typed at a prompt appears in the output");
  if (end.stderr.trim() !== "") {
    const first = end.stderr.trim().split("\n")[0];
    if (/^error:|panicked|Uncaught/.test(first)) problems.push(`error on stderr: ${first}`);
  }
  return {
    ok: problems.length === 0,
    ms: performance.now() - t0,
    problems,
    inputs,
    output: (end.stdout + (end.stderr ? `\n[stderr]\n${end.stderr}` : "")).slice(-1500),
    prompts,
    operations,
  };
}

/**
 * Walk to the target through its menu choices, answer an item's prompts with defaults, then
 * leave: `0` from a screen (then `q`), `q` once an item has returned to its screen. Optionally end
 * input at prompt number `eofAt`, or send SIGINT when an operation starts.
 */
function pathPolicy(
  target: { choices: string[]; kind: "screen" | "action" },
  secret: string,
  eofAt: number | null,
  interruptOp = false,
): Policy {
  let step = 0;
  let arrived = false;
  return {
    decide(ev, _model, index) {
      if (ev.kind === "op_start") return interruptOp ? { type: "interrupt" } : { type: "wait" };
      if (!PROMPT_KINDS.has(ev.kind)) return { type: "wait" };
      if (eofAt !== null && index === eofAt) return { type: "eof" };
      if (ev.kind !== "menu") return { type: "send", text: defaultAnswer(ev, secret) };
      if (step < target.choices.length) return { type: "send", text: target.choices[step++] };
      if (target.kind === "screen" && !arrived) {
        arrived = true;
        return { type: "send", text: "0" }; // back from the screen (exit on the main screen)
      }
      return { type: "send", text: "q" };
    },
  };
}

/** A seeded random walk of `steps` answers, then q. */
function randomPolicy(seed: number, steps: number, secret: string): Policy {
  const rng = new Rng(seed);
  let sent = 0;
  return {
    decide(ev, model) {
      if (!PROMPT_KINDS.has(ev.kind)) return { type: "wait" };
      sent++;
      if (sent > steps) return { type: "send", text: "q" };
      if (ev.kind === "menu") {
        const r = rng.next();
        const n = model.screen.items.length;
        if (r < 0.12) return { type: "send", text: ["x", "99", "", "-1", "1.5"][rng.int(5)] };
        // Going back from the main screen would end the walk early: only from deeper screens.
        if (r < 0.3 && model.depth > 1) return { type: "send", text: "0" };
        return { type: "send", text: String(1 + rng.int(n)) };
      }
      if (ev.kind === "choose" && rng.next() < 0.1) return { type: "send", text: "0" };
      if ((ev.kind === "text" || ev.kind === "number") && rng.next() < 0.1) {
        return { type: "send", text: "?" };
      }
      return { type: "send", text: defaultAnswer(ev, secret, rng) };
    },
  };
}

/**
 * A random high loopback port for the children's bridge (the exerciser itself has no network
 * permission to ask the system for a free one; a collision is very unlikely and would show up as
 * a failed connection test, not a silent pass).
 */
function freeLoopbackPort(): number {
  return 20000 + Math.floor(Math.random() * 40000);
}

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]);
    }
  });
  await Promise.all(workers);
}

async function filesContaining(dir: string, needle: string, skip: string): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile && resolve(p) !== resolve(skip)) {
        const info = await Deno.stat(p);
        if (info.size > 50_000_000) continue;
        const text = new TextDecoder().decode(await Deno.readFile(p));
        if (text.includes(needle)) hits.push(p);
      }
    }
  };
  await walk(dir);
  return hits;
}

/** Run the exercise and return its report (the caller writes it). */
export async function exerciseMenu(options: ExerciseOptions): Promise<ExerciseReport> {
  const started = new Date();
  const t0 = performance.now();
  const root = resolve(options.root);
  const dataDir = resolve(options.dataDir ?? join(root, "data", "sample"));
  const created = options.workDir === undefined;
  const workDir = options.workDir ?? await Deno.makeTempDir({ prefix: "kinetra-menu-exercise-" });
  const iterations = options.iterations ?? 1;
  const randomSteps = options.randomSteps ?? 40;
  const randomWalks = randomSteps > 0 ? options.randomWalks ?? 2 : 0;
  const seed = options.seed ?? 1;
  const stepTimeoutMs = options.stepTimeoutMs ?? 20_000;
  const operationTimeoutMs = options.operationTimeoutMs ?? 300_000;
  const concurrency = options.concurrency ?? 2;
  const progress = options.onProgress ?? (() => {});
  const secret = `exerciser-${crypto.randomUUID().slice(0, 12)}`;
  const configPath = join(workDir, "config", "config.json");
  const logsDir = join(workDir, "logs");
  // The children's bridge gets a loopback port of its own (never the default 18812, which a
  // real bridge or another test may be using), allowed by their --allow-net; the status bar does
  // not probe (a probe would open a connection to whatever listens there).
  const port = freeLoopbackPort();
  await writeConfig(configPath, { bridge: { address: `127.0.0.1:${port}` } });
  const spec: SessionSpec = {
    root,
    permissions: [
      ...MENU_PERMISSIONS.filter((p) => !p.startsWith("--allow-net")),
      `--allow-net=127.0.0.1:${port}`,
    ],
    menuArgs: [
      "--no-probe",
      "--data-dir",
      dataDir,
      "--prepared-dir",
      join(workDir, "prepared"),
      "--repaired-dir",
      join(workDir, "repaired"),
      "--logs-dir",
      logsDir,
      "--config",
      configPath,
    ],
  };
  const runOpts = { stepTimeoutMs, operationTimeoutMs, secret };
  const all = treePaths(options.tree);
  const paths = all.filter((p) => !options.only || p.crumb.includes(options.only));
  const errors: ExerciseError[] = [];
  const runs: ExerciseReport["runs"] = {};
  const notes: string[] = [];
  const record = (kind: string, path: string, r: RunResult, iteration: number) => {
    runs[kind] ??= { tested: 0, passed: 0 };
    runs[kind].tested++;
    if (r.ok) runs[kind].passed++;
    else {
      for (const problem of r.problems) {
        errors.push({
          path: `${path} [${kind}]`,
          inputs: r.inputs,
          error: problem,
          output_excerpt: r.output,
          iteration,
        });
      }
    }
    progress(
      `${r.ok ? "ok  " : "FAIL"} ${kind.padEnd(12)} ${(r.ms / 1000).toFixed(1).padStart(5)} s  ${path}  [${
        r.inputs.join(", ")
      }]${r.ok ? "" : `: ${r.problems[0]}`}`,
    );
  };

  try {
    for (let it = 1; it <= iterations; it++) {
      // 1. Every path, in tree order (state builds up as a user's would: configure, then test).
      const walked: { path: (typeof paths)[number]; result: RunResult }[] = [];
      for (const p of paths) {
        const r = await runOne(spec, options.tree, pathPolicy(p, secret, null), runOpts);
        record("path", p.crumb, r, it);
        walked.push({ path: p, result: r });
      }
      // 2. End of input at every distinct prompt of those walks.
      if (options.eofChecks ?? true) {
        const seen = new Set<string>();
        const jobs: { path: (typeof paths)[number]; at: number; key: string }[] = [];
        for (const w of walked) {
          for (const pr of w.result.prompts) {
            // A prompt is identified by where it is and what it asks: a screen's prompt met again
            // after an action returns is the same prompt, and needs no second run.
            const key = `${pr.crumb}|${pr.kind}|${pr.label}`;
            if (seen.has(key)) continue;
            seen.add(key);
            jobs.push({ path: w.path, at: pr.index, key });
          }
        }
        await pool(jobs, concurrency, async (job) => {
          const r = await runOne(spec, options.tree, pathPolicy(job.path, secret, job.at), runOpts);
          record("end_of_input", job.path.crumb, r, it);
        });
      }
      // 3. Random walks.
      const walks = Array.from({ length: randomWalks }, (_, i) => seed + (it - 1) * 1000 + i);
      await pool(walks, concurrency, async (s) => {
        const r = await runOne(spec, options.tree, randomPolicy(s, randomSteps, secret), runOpts);
        record("random_walk", `seed ${s}`, r, it);
      });
      // 4. Ctrl-C during the longest operation seen (only worth it when it lasts long enough).
      if ((options.interruptCheck ?? true) && it === 1) {
        const ops = walked.flatMap((w) => w.result.operations.map((o) => ({ ...o, path: w.path })));
        ops.sort((a, b) => b.ms - a.ms);
        const longest = ops[0];
        if (!longest || longest.ms < 1000) {
          notes.push(
            `Ctrl-C check skipped: no operation lasted 1 s or more on this data (longest ${
              longest?.ms ?? 0
            } ms)`,
          );
        } else {
          const r = await runOne(spec, options.tree, pathPolicy(longest.path, secret, null, true), runOpts);
          if (!/Cancelled/.test(r.output)) {
            r.ok = false;
            r.problems.push(`Ctrl-C during "${longest.label}" did not cancel it and return to the menu`);
          }
          record("interrupt", `${longest.path.crumb} (${longest.label})`, r, it);
        }
      }
    }
    // Secrets are never logged: search every file the children wrote (except the config file).
    const leaks = await filesContaining(workDir, secret, configPath);
    if (leaks.length > 0) {
      errors.push({
        path: "(all runs)",
        inputs: [],
        error: `the secret typed at a prompt was written to ${leaks.join(", ")}`,
        output_excerpt: "",
        iteration: 0,
      });
    }
  } finally {
    if (created && !options.keepWorkDir) await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
  const tested = Object.values(runs).reduce((s, r) => s + r.tested, 0);
  const passed = Object.values(runs).reduce((s, r) => s + r.passed, 0);
  const leaked = errors.some((e) => e.path === "(all runs)") ? 1 : 0;
  return {
    start_time: started.toISOString(),
    end_time: new Date().toISOString(),
    iterations,
    paths_tested: tested,
    passed: passed,
    failed: tested - passed + leaked,
    errors,
    runs,
    tree_paths: all.map((p) => p.crumb),
    seed,
    random_steps: randomSteps,
    data_dir: dataDir,
    duration_s: Math.round((performance.now() - t0) / 100) / 10,
    notes,
  };
}
