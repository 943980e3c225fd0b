/**
 * Every `deno task` command shown in README.md and docs/*.md (code blocks, and inline commands on
 * concrete files) that can run offline is run, so the
 * docs cannot drift from the program: it must end with exit code 0, no stack trace. Heavy commands
 * run on data/sample (`data/master` and `../shared/data/master` become data/sample), outputs go to a
 * temporary folder. Commands that are templates (FILE, DIR, [...]), need the network, a runner, an
 * Expert Advisor, a display or minutes of work are listed as skipped with the reason.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The `deno task ...` lines of fenced code blocks and inline code, continuation lines joined. */
export function docCommands(text: string): string[] {
  const out: string[] = [];
  for (const block of text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) {
    const lines = block[1].split("\n");
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i].trim();
      while (line.endsWith("\\") && i + 1 < lines.length) {
        line = line.slice(0, -1).trimEnd() + " " + lines[++i].trim();
      }
      line = line.replace(/\s+#.*$/, "");
      if (/^(npx --yes deno@[\d.]+ )?(deno )?task /.test(line) && line.startsWith("deno task")) {
        out.push(line);
      }
    }
  }
  // Inline code: only complete commands on concrete files (fragments such as `deno task backtest --json` are not).
  for (const m of text.matchAll(/`(deno task [^`]+)`/g)) {
    if (
      /(--data|--source) (data\/sample|tests\/fixtures)\//.test(m[1]) ||
      /(--data|--source) data\/sample\b/.test(m[1])
    ) {
      out.push(m[1].trim());
    }
  }
  return out;
}

/** Why a command is not run here, or null when it runs offline in seconds. */
function skipReason(cmd: string): string | null {
  if (
    /\b(FILE|DIR|NAME|RUN_DIR|N|TF|ISO|LIST|R|X|MIN|PATH|SEC|POINTS|S)\b|\.\.\.|…|\[|\]|<|>|\||\(/.test(
      cmd.replace(/^deno task \S+/, ""),
    )
  ) {
    return "a template (placeholders)";
  }
  if (/--write-docs/.test(cmd)) return "rewrites a doc (never from a test)";
  const task = cmd.split(/\s+/)[2];
  const heavy: Record<string, string> = {
    test: "the whole suite (this test is part of it)",
    demo: "covered by the demo tests (minutes)",
    menu: "interactive (covered by the menu tests)",
    "exercise:menu": "covered by the menu exerciser test",
    notebooks: "covered by the notebook tests (Jupyter)",
    "jupyter:install": "installs a kernel",
    "build:live": "compiles a binary (minutes)",
    dashboard: "a server that runs until stopped",
    worker: "a cluster worker (Redis)",
    "mt5:sim": "needs a running runner",
  };
  if (task in heavy) return heavy[task];
  if (/^bench:/.test(task)) return "a benchmark (minutes; figures in docs/PERFORMANCE.md)";
  if (task === "live" && !/--mode virtual/.test(cmd)) {
    return "needs an Expert Advisor or a runner (demo/live/connection test)";
  }
  if (/--cluster|redis:|https?:|smtps?:|telegram:/.test(cmd)) return "needs the network";
  if (/--dashboard/.test(cmd)) return "starts a dashboard server";
  if (task === "fix" && !/--stages/.test(cmd)) return "every stage incl. the menu exerciser (minutes)";
  if (/unit_tests|menu_exerciser/.test(cmd)) return "runs the test suite or the menu exerciser (minutes)";
  if (/\/srv\/|\/mnt\//.test(cmd)) return "a path on another machine";
  if (/relative_momentum/.test(cmd)) return "needs the master data's JPY pairs";
  if (task === "compare") return "needs two run folders (tests/strategies/batch_report_test.ts runs it)";
  return null;
}

/** The command as run here: sample data, outputs in `tmp`, the flags that keep it offline. */
function localArgs(cmd: string, tmp: string): string[] {
  const args = cmd.replace(/^deno task /, "").split(/\s+/).filter(Boolean).map((a) =>
    a.replace(/^\.\.\/shared\/data\/master$/, "data/sample").replace(/^data\/master$/, "data/sample")
      .replace(/^logs\//, `${tmp}/logs/`)
  );
  const task = args[0];
  const has = (f: string) => args.includes(f);
  if (task === "prepare" && !has("--out")) args.push("--out", join(tmp, "prepared"));
  if (
    ["prepare", "data:validate", "backtest:batch", "exercise:data", "fix"].includes(task) && !has("--source")
  ) {
    args.push("--source", "data/sample");
  }
  if (task === "backtest:batch" && !has("--out")) args.push("--out", join(tmp, "backtests"));
  if (task === "exercise:data") {
    args.push("--out", join(tmp, "ex"), "--report", join(tmp, "ex.json"), "--sample", "1");
  }
  if (task === "fix") args.push("--log-dir", join(tmp, "fixlog"), "--out", join(tmp, "repaired"));
  if (task === "live" && !has("--logs-dir")) args.push("--logs-dir", join(tmp, "live"));
  if (task === "portfolio" && !has("--report") && !has("--json")) args.push("--json");
  return args;
}

Deno.test("every offline-runnable command in README.md and docs/ runs and exits 0 (sample data)", async () => {
  const files = ["README.md", ...[...Deno.readDirSync(join(ROOT, "docs"))].map((e) => `docs/${e.name}`)]
    .filter((f) => f.endsWith(".md")).sort();
  const seen = new Set<string>();
  const ran: string[] = [], skipped: string[] = [], failed: string[] = [];
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-doc-commands-" });
  const env = { ...Deno.env.toObject(), NO_COLOR: "1", KINETRA_MASTER_DIR: join(ROOT, "data", "sample") };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  try {
    for (const f of files) {
      for (const cmd of docCommands(await Deno.readTextFile(join(ROOT, f)))) {
        if (seen.has(cmd)) continue;
        seen.add(cmd);
        // A command for users must not point outside the clone (the master data set is the one
        // documented exception: it runs on data/sample here).
        const outside = cmd.split(/\s+/).find((w) =>
          w.startsWith("../") && !w.startsWith("../shared/data/master")
        );
        if (outside) {
          failed.push(`${f}: ${cmd} points at ${outside}, which a user's clone does not have`);
          continue;
        }
        const why = skipReason(cmd);
        if (why) {
          skipped.push(`${f}: ${cmd}  (${why})`);
          continue;
        }
        const args = localArgs(cmd, tmp);
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["task", ...args],
          cwd: ROOT,
          env,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
        ran.push(`${f}: deno task ${args.join(" ")} → ${out.code}`);
        if (out.code !== 0 || /^\s+at .+:\d+:\d+\)?$/m.test(text)) {
          failed.push(`${f}: deno task ${args.join(" ")} exited ${out.code}\n${text.slice(-1200)}`);
        }
      }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  console.log(
    `ran ${ran.length}:\n  ${ran.join("\n  ")}\nskipped ${skipped.length}:\n  ${skipped.join("\n  ")}`,
  );
  assert.ok(ran.length >= 8, "the docs show runnable commands");
  assert.deepEqual(failed, [], failed.join("\n\n"));
});
