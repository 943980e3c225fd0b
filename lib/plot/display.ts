/**
 * Rich display of figures (and tables, markdown, text) in the Deno Jupyter kernel.
 *
 * The Deno kernel can publish `status: idle` before a cell's outputs, and nbclient then drops
 * them silently (see docs/NOTEBOOKS.md). Every helper here sends its output with
 * `Deno.jupyter.display` and then sleeps briefly so the output is flushed before the cell ends;
 * end a cell with one of them rather than with a bare expression.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import { DEFAULT_CONFIG, type Figure } from "./figure.ts";
import { escapeHtml, escapeScript, plotlyJs, scriptJson } from "./html.ts";

/** Milliseconds slept after each display (measured: 50 ms is enough for small outputs). */
export const FLUSH_MS = 150;
/**
 * Extra milliseconds per MB of output: the output that carries plotly.js (4.8 MB) was seen to be
 * dropped with a flat 150 ms on a loaded machine, so big outputs wait in proportion to their size.
 */
export const FLUSH_MS_PER_MB = 250;

let plotlySent = false;

/** Wait long enough for the kernel to publish pending outputs before the cell goes idle. */
export function flush(ms: number = FLUSH_MS): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface JupyterLike {
  display(bundle: Record<string, unknown>, opts: { raw: boolean }): Promise<void> | void;
}

const NOT_IN_JUPYTER =
  "display() and show*() work in the Deno Jupyter kernel only; use figureHtml() to write a page instead";

/** Send a MIME bundle to the notebook; outside the kernel, a KinetraError `not_in_jupyter`. */
async function send(bundle: Record<string, unknown>): Promise<void> {
  try {
    // Deno.jupyter exists in every deno, but reading or using it throws outside `deno jupyter`.
    const j = (Deno as unknown as { jupyter?: JupyterLike }).jupyter;
    if (!j) throw new Error("Deno.jupyter is only available in `deno jupyter`");
    await j.display(bundle, { raw: true });
  } catch (e) {
    if (/only available in `?deno jupyter/i.test(String((e as Error)?.message))) {
      throw new KinetraError("not_in_jupyter", NOT_IN_JUPYTER, { cause: e });
    }
    throw e;
  }
}

/** Options of {@link display}. */
export interface DisplayOptions {
  /**
   * Inline plotly.js in this output even if an earlier output of this kernel already did
   * (default: only the first figure of a kernel session carries it, so notebooks stay light).
   */
  inlinePlotly?: boolean;
}

/**
 * The HTML fragment for one figure in a notebook output: a div plus a script that draws it when
 * plotly.js is available (inlined here when `withPlotly`). Exported for tests.
 */
export function figureFragment(fig: Figure, withPlotly: boolean): string {
  const id = `kinetra-plot-${crypto.randomUUID().slice(0, 8)}`;
  const height = typeof fig.layout.height === "number" ? fig.layout.height : 450;
  const payload = scriptJson({
    data: fig.data,
    layout: fig.layout,
    config: { ...DEFAULT_CONFIG, ...fig.config },
  });
  return (withPlotly ? `<script>${escapeScript(plotlyJs())}</script>` : "") +
    `<div id="${id}" class="kinetra-plot" style="height:${height}px;width:100%"></div>` +
    `<script type="application/json" id="${id}-json">${payload}</script>` +
    `<script>(function(){var f=JSON.parse(document.getElementById("${id}-json").textContent);` +
    `function draw(){window.Plotly.newPlot("${id}",f.data,f.layout,f.config);}` +
    `if(window.Plotly){draw();}else{var n=0,t=setInterval(function(){if(window.Plotly||++n>100){clearInterval(t);` +
    `if(window.Plotly)draw();else document.getElementById("${id}").textContent="plotly.js not loaded: re-run the notebook from the top";}},100);}})();</script>`;
}

/**
 * Show one figure or several in the notebook, then flush. The output is HTML (a div and a drawing
 * script); the first figure of a kernel session also carries plotly.js itself (4.8 MB, offline),
 * later ones reuse it. The flush waits longer for bigger outputs.
 *
 * @example
 * ```ts ignore
 * import { display, equityDrawdownFigure } from "kinetra/plot/mod.ts";
 * await display(equityDrawdownFigure({ time, equity }));
 * ```
 */
export async function display(fig: Figure | readonly Figure[], opts: DisplayOptions = {}): Promise<void> {
  const figs = Array.isArray(fig) ? fig : [fig as Figure];
  for (const f of figs) {
    const withPlotly = opts.inlinePlotly === true || !plotlySent;
    const title = (f.layout.title as { text?: string } | undefined)?.text ?? "figure";
    const html = figureFragment(f, withPlotly);
    await send({
      "text/html": html,
      "text/plain": `<plotly figure: ${title}, ${f.data.length} traces>`,
    });
    plotlySent = true;
    await flush(FLUSH_MS + FLUSH_MS_PER_MB * html.length / 1e6);
  }
}

/** Show Markdown, then flush. */
export async function showMarkdown(md: string): Promise<void> {
  await send({ "text/markdown": md, "text/plain": md });
  await flush();
}

/** Show plain text (e.g. a summary line), then flush. */
export async function showText(text: string): Promise<void> {
  await send({ "text/plain": text });
  await flush();
}

/**
 * Show rows of objects as an HTML table (first `max` rows, default 30), then flush.
 * Numbers are rounded to `digits` decimals (default 4).
 */
export async function showTable(
  rows: readonly Record<string, unknown>[],
  opts: { max?: number; digits?: number; title?: string } = {},
): Promise<void> {
  await send({
    "text/html": tableHtml(rows, opts),
    "text/plain": `<table: ${rows.length} rows>`,
  });
  await flush();
}

/** HTML table for {@link showTable} (exported for tests and reports). */
export function tableHtml(
  rows: readonly Record<string, unknown>[],
  opts: { max?: number; digits?: number; title?: string } = {},
): string {
  const max = opts.max ?? 30;
  const digits = opts.digits ?? 4;
  const cols: string[] = [];
  for (const r of rows.slice(0, max)) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const fmt = (v: unknown): string => {
    if (v === null || v === undefined) return "";
    if (typeof v === "number") {
      return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toFixed(digits) : String(v);
    }
    if (v instanceof Date) return v.toISOString();
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  };
  const head = `<tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = rows.slice(0, max).map((r) =>
    `<tr>${cols.map((c) => `<td>${escapeHtml(fmt(r[c]))}</td>`).join("")}</tr>`
  ).join("");
  const note = rows.length > max ? `<div><small>${max} of ${rows.length} rows</small></div>` : "";
  const title = opts.title ? `<div><b>${escapeHtml(opts.title)}</b></div>` : "";
  return `${title}<table class="kinetra-table"><thead>${head}</thead><tbody>${body}</tbody></table>${note}`;
}
