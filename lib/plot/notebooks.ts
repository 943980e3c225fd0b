/**
 * Executing Kinetra's notebooks headlessly and checking them: a project-local Deno kernelspec
 * (via JUPYTER_PATH, so the user's own kernels are untouched), Jupyter's nbconvert to run each
 * notebook, and a post-check of every cell's outputs, because the Deno kernel can drop a cell's
 * outputs without any error (docs/NOTEBOOKS.md).
 *
 * Cell expectations are tags in each code cell's metadata (`metadata.tags`):
 * `expect-output` (any output), `expect-plot` (a Kinetra plotly figure), `expect-table` (an HTML
 * table), `expect-markdown` (a Markdown output), `no-output` (must stay silent). Every code cell
 * must carry at least one of them, so a new cell cannot slip through unchecked.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { basename, delimiter, join, resolve } from "node:path";
import { KinetraError } from "../errors.ts";
import { writeJsonAtomic } from "../util/fs.ts";

/** The kernelspec name used to execute the notebooks. */
export const KERNEL_NAME = "kinetra-deno";
/** Where the project-local kernelspec lives (git-ignored). */
export const KERNELSPEC_ROOT = ".kinetra/jupyter";
/** Tags a code cell may carry. */
export const CELL_TAGS = [
  "expect-output",
  "expect-plot",
  "expect-table",
  "expect-markdown",
  "no-output",
] as const;

/** A notebook cell (nbformat 4, the fields used here). */
export interface NotebookCell {
  /** Cell kind. */
  cell_type: "code" | "markdown" | "raw";
  /** Cell text (a string or a list of lines). */
  source: string | string[];
  /** Cell metadata; `tags` holds the output expectations. */
  metadata: { tags?: string[]; [k: string]: unknown };
  /** Outputs of an executed code cell. */
  outputs?: NotebookOutput[];
  /** Execution number, null when not executed. */
  execution_count?: number | null;
}

/** A code cell output (nbformat 4). */
export interface NotebookOutput {
  /** Output kind. */
  output_type: "stream" | "display_data" | "execute_result" | "error";
  /** MIME bundle of rich outputs. */
  data?: Record<string, unknown>;
  /** Text of a stream output. */
  text?: string | string[];
  /** Error name of an error output. */
  ename?: string;
  /** Error message of an error output. */
  evalue?: string;
}

/** A notebook (nbformat 4). */
export interface Notebook {
  /** The cells in order. */
  cells: NotebookCell[];
  /** Notebook metadata (kernelspec, language_info). */
  metadata: Record<string, unknown>;
  /** Major format version (4). */
  nbformat: number;
  /** Minor format version. */
  nbformat_minor: number;
}

/** One problem found in a notebook. */
export interface NotebookProblem {
  /** 1-based index among all cells. */
  cell: number;
  /** What is wrong. */
  message: string;
}

/** The result of executing one notebook. */
export interface NotebookRun {
  /** The notebook executed. */
  notebook: string;
  /** The executed copy. */
  output: string;
  /** True when there is no problem. */
  ok: boolean;
  /** Wall time of nbconvert, kernel start included. */
  seconds: number;
  /** Code cells in the notebook. */
  code_cells: number;
  /** Outputs produced in all. */
  outputs: number;
  /** Everything found wrong (empty when ok). */
  problems: NotebookProblem[];
}

function text(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join("") : v ?? "";
}

/** Read and parse a notebook file. */
export async function readNotebook(path: string): Promise<Notebook> {
  let raw: string;
  try {
    raw = await Deno.readTextFile(path);
  } catch (e) {
    throw new KinetraError("file_not_found", `cannot read notebook ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(raw) as Notebook;
  } catch (e) {
    throw new KinetraError("bad_notebook", `${path} is not a JSON notebook: ${(e as Error).message}`);
  }
}

/**
 * Problems of a committed notebook: stored outputs or execution counts (commit notebooks clean),
 * code cells without an expectation tag, unknown tags.
 */
export function checkSourceNotebook(nb: Notebook): NotebookProblem[] {
  const problems: NotebookProblem[] = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== "code") return;
    const tags = c.metadata?.tags ?? [];
    if (c.outputs?.length) {
      problems.push({ cell: i + 1, message: "has stored outputs (commit notebooks without outputs)" });
    }
    if (c.execution_count != null) {
      problems.push({ cell: i + 1, message: "has an execution count (clear outputs before committing)" });
    }
    const known = tags.filter((t) => (CELL_TAGS as readonly string[]).includes(t));
    if (!known.length) {
      problems.push({ cell: i + 1, message: `has no expectation tag (one of ${CELL_TAGS.join(", ")})` });
    }
  });
  return problems;
}

function isPlot(o: NotebookOutput): boolean {
  const html = text(o.data?.["text/html"] as string | string[] | undefined);
  return html.includes('class="kinetra-plot"') && html.includes("newPlot");
}

/** Problems of an executed notebook: errors, unexecuted cells, missing or unexpected outputs. */
export function checkExecutedNotebook(nb: Notebook): NotebookProblem[] {
  const problems: NotebookProblem[] = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== "code") return;
    const cell = i + 1;
    const outs = c.outputs ?? [];
    const tags = c.metadata?.tags ?? [];
    if (c.execution_count == null) problems.push({ cell, message: "was not executed" });
    for (const o of outs) {
      if (o.output_type === "error") problems.push({ cell, message: `raised ${o.ename}: ${o.evalue}` });
    }
    const rich = outs.filter((o) => o.output_type === "display_data" || o.output_type === "execute_result");
    if (tags.includes("no-output") && outs.length) {
      problems.push({ cell, message: `is tagged no-output but produced ${outs.length} output(s)` });
    }
    if (tags.includes("expect-output") && !outs.length) {
      problems.push({
        cell,
        message: "produced no output (expect-output): dropped by the kernel or never shown",
      });
    }
    if (tags.includes("expect-plot") && !rich.some(isPlot)) {
      problems.push({ cell, message: "produced no plotly figure (expect-plot)" });
    }
    if (
      tags.includes("expect-table") &&
      !rich.some((o) => text(o.data?.["text/html"] as string).includes("<table"))
    ) {
      problems.push({ cell, message: "produced no HTML table (expect-table)" });
    }
    if (tags.includes("expect-markdown") && !rich.some((o) => o.data?.["text/markdown"] !== undefined)) {
      problems.push({ cell, message: "produced no Markdown (expect-markdown)" });
    }
  });
  return problems;
}

/** Find Jupyter's nbconvert: `jupyter-nbconvert` on PATH or in /usr/bin; null when absent. */
export function findNbconvert(): string | null {
  const dirs = (Deno.env.get("PATH") ?? "").split(delimiter).filter(Boolean);
  for (const d of [...dirs, "/usr/bin", "/usr/local/bin"]) {
    const p = join(d, "jupyter-nbconvert");
    if (existsSync(p)) return p;
  }
  return null;
}

/** The project-local kernelspec JSON for the Deno kernel running `denoPath`. */
export function kernelSpec(denoPath: string, displayName = "Deno (Kinetra)"): Record<string, unknown> {
  return {
    argv: [denoPath, "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: displayName,
    language: "typescript",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", RUST_BACKTRACE: "0" },
  };
}

/**
 * Write the project-local kernelspec `<root>/.kinetra/jupyter/kernels/kinetra-deno/kernel.json`
 * for the running deno binary; returns the JUPYTER_PATH entry to use.
 */
export async function installProjectKernel(root = Deno.cwd(), denoPath = Deno.execPath()): Promise<string> {
  const base = resolve(root, KERNELSPEC_ROOT);
  await writeJsonAtomic(join(base, "kernels", KERNEL_NAME, "kernel.json"), kernelSpec(denoPath));
  return base;
}

/** Options of {@link runNotebook}. */
export interface RunNotebookOptions {
  /** Folder for executed copies (default logs/notebooks). */
  outDir?: string;
  /** Per-cell timeout in seconds (default 120). */
  cellTimeoutSec?: number;
  /** Project root (default cwd). */
  root?: string;
  /** nbconvert executable (default {@link findNbconvert}). */
  nbconvert?: string;
}

/**
 * Execute one notebook with nbconvert and the project-local Deno kernel, then check it: the run
 * fails on any cell error, on unexecuted cells and on missing expected outputs.
 */
export async function runNotebook(path: string, opts: RunNotebookOptions = {}): Promise<NotebookRun> {
  const root = resolve(opts.root ?? Deno.cwd());
  const nbconvert = opts.nbconvert ?? findNbconvert();
  if (!nbconvert) {
    throw new KinetraError(
      "jupyter_missing",
      "Jupyter's nbconvert was not found (install it: apt-get install jupyter-nbconvert)",
    );
  }
  const src = await readNotebook(path);
  const outDir = resolve(root, opts.outDir ?? "logs/notebooks");
  await Deno.mkdir(outDir, { recursive: true });
  const name = basename(path);
  const output = join(outDir, name);
  const jupyterPath = await installProjectKernel(root);
  const env: Record<string, string> = {
    JUPYTER_PATH: [jupyterPath, Deno.env.get("JUPYTER_PATH")].filter(Boolean).join(delimiter),
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  const t0 = performance.now();
  const cmd = new Deno.Command(nbconvert, {
    args: [
      "--to",
      "notebook",
      "--execute",
      `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
      `--ExecutePreprocessor.timeout=${opts.cellTimeoutSec ?? 120}`,
      "--output-dir",
      outDir,
      "--output",
      name,
      resolve(path),
    ],
    cwd: root,
    env,
    stdout: "piped",
    stderr: "piped",
  });
  await Deno.remove(output).catch(() => {});
  const res = await cmd.output();
  const seconds = (performance.now() - t0) / 1000;
  const codeCells = src.cells.filter((c) => c.cell_type === "code").length;
  if (!res.success) {
    const err = new TextDecoder().decode(res.stderr);
    return {
      notebook: path,
      output,
      ok: false,
      seconds,
      code_cells: codeCells,
      outputs: 0,
      problems: [{
        cell: 0,
        message: `nbconvert failed (exit ${res.code}): ${summarizeNbconvertError(err)}`,
      }],
    };
  }
  const executed = await readNotebook(output);
  const problems = checkExecutedNotebook(executed);
  const outputs = executed.cells.reduce((n, c) => n + (c.outputs?.length ?? 0), 0);
  return {
    notebook: path,
    output,
    ok: problems.length === 0,
    seconds,
    code_cells: codeCells,
    outputs,
    problems,
  };
}

/** The useful part of nbconvert's stderr: the failing cell and the error, without the Python traceback. */
export function summarizeNbconvertError(stderr: string): string {
  const i = stderr.indexOf("An error occurred while executing the following cell");
  if (i >= 0) return stderr.slice(i).split("\n").slice(0, 40).join("\n").trim();
  const lines = stderr.trim().split("\n");
  return lines.slice(-15).join("\n");
}

/** The notebooks of a folder, sorted (`*.ipynb`, checkpoints skipped). */
export function listNotebooks(dir = "notebooks"): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile && e.name.endsWith(".ipynb") && !e.name.startsWith(".")) out.push(join(dir, e.name));
  }
  return out.sort();
}

/**
 * Export an executed notebook to a standalone HTML page next to it (nbconvert `--to html`); the
 * figures carry plotly.js, so the page works offline. Returns the HTML path.
 */
export async function exportNotebookHtml(executed: string, nbconvert = findNbconvert()): Promise<string> {
  if (!nbconvert) throw new KinetraError("jupyter_missing", "Jupyter's nbconvert was not found");
  const res = await new Deno.Command(nbconvert, {
    args: ["--to", "html", resolve(executed)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!res.success) {
    throw new KinetraError(
      "nbconvert_failed",
      `nbconvert --to html ${executed} failed: ${
        summarizeNbconvertError(new TextDecoder().decode(res.stderr))
      }`,
      { exitCode: 1 },
    );
  }
  return executed.replace(/\.ipynb$/, ".html");
}
