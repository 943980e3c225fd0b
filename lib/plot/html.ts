/**
 * Self-contained HTML: plotly.js (from the npm package plotly.js-dist-min) inlined, figures as
 * JSON, no network at all. Pages set `body[data-rendered="1"]` once every chart has rendered (and
 * `data-render-error` if one failed), which is what browser tests wait for.
 *
 * @module
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { KinetraError } from "../errors.ts";
import { DEFAULT_CONFIG, type Figure } from "./figure.ts";

let plotlyCache: string | null = null;

/**
 * The text of plotly.min.js from the npm package plotly.js-dist-min (read once, then cached).
 * Throws KinetraError `plotly_missing` when the package is not installed.
 */
export function plotlyJs(): string {
  if (plotlyCache !== null) return plotlyCache;
  try {
    const require = createRequire(import.meta.url);
    let path: string;
    try {
      path = require.resolve("plotly.js-dist-min");
    } catch {
      // Notebook kernels and odd cwd's: fall back to the project's node_modules.
      path = `${Deno.cwd()}/node_modules/plotly.js-dist-min/plotly.min.js`;
    }
    plotlyCache = readFileSync(path, "utf8");
  } catch (e) {
    throw new KinetraError(
      "plotly_missing",
      `cannot read plotly.js from the npm package plotly.js-dist-min (${
        (e as Error).message
      }); run \`deno install\``,
      { cause: e },
    );
  }
  return plotlyCache;
}

/** Make text safe inside a `<script>` element: no `</script`, no `<!--` (HTML parsing rules). */
export function escapeScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** JSON for a `<script type="application/json">` block (`<`, `>`, `&` and U+2028/9 escaped). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A block of a page: a chart or raw HTML (already escaped by the caller). */
export type PageBlock =
  | { kind: "figure"; figure: Figure; id?: string; caption?: string }
  | { kind: "html"; html: string };

/** Options of {@link htmlPage} and {@link figureHtml}. */
export interface HtmlOptions {
  /** Document title (also the page heading unless `heading` is false). */
  title?: string;
  /** Show the title as an `<h1>` (default true). */
  heading?: boolean;
  /** Extra CSS appended to the house style. */
  css?: string;
  /** plotly.js source to inline (default: {@link plotlyJs}). Tests may pass a stub-free copy. */
  plotly?: string;
  /**
   * JavaScript run once every chart has rendered, before `body[data-rendered]` is set (e.g. event
   * handlers on a chart). It runs as the body of a function.
   */
  afterRender?: string;
  /**
   * Load plotly.js from this (relative) path instead of inlining it: for folders of many pages
   * that share one copy (the batch report's per-run pages). The page then needs that file beside it.
   */
  plotlySrc?: string;
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 24px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #263238; background: #f5f7fa; }
h1 { font-size: 22px; margin: 4px 0 12px; }
h2 { font-size: 16px; margin: 22px 0 8px; }
.k-chart { background: #fff; border: 1px solid #e0e4e8; border-radius: 6px; margin: 10px 0; padding: 4px; }
.k-caption { color: #546e7a; font-size: 12px; margin: 2px 6px 6px; }
.k-note { color: #546e7a; font-size: 12px; }
table.k-table { border-collapse: collapse; background: #fff; border: 1px solid #e0e4e8; font-variant-numeric: tabular-nums; }
table.k-table th, table.k-table td { padding: 3px 10px; border-bottom: 1px solid #eef1f4; text-align: right; white-space: nowrap; }
table.k-table th:first-child, table.k-table td:first-child { text-align: left; }
table.k-table thead th { background: #eceff1; position: sticky; top: 0; }
.k-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
.k-pos { color: #2e7d32; } .k-neg { color: #c62828; }
.k-stats { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.k-cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0 4px; }
.k-card { background: #fff; border: 1px solid #e0e4e8; border-radius: 6px; padding: 6px 14px; min-width: 110px; }
.k-card-label { color: #607d8b; font-size: 11px; text-transform: uppercase; letter-spacing: .04em; }
.k-card-value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.k-scroll { max-height: 420px; overflow: auto; display: inline-block; max-width: 100%; }
`;

/** The inline script that draws every figure and then marks the body. */
const RENDER_JS = `
(function () {
  var figs = JSON.parse(document.getElementById("k-figures").textContent);
  var jobs = figs.map(function (f) {
    var el = document.getElementById(f.id);
    return Plotly.newPlot(el, f.figure.data, f.figure.layout, f.figure.config);
  });
  Promise.all(jobs).then(function () {
    if (window.__kinetraAfterRender) window.__kinetraAfterRender();
    document.body.setAttribute("data-rendered", "1");
  }, function (e) {
    document.body.setAttribute("data-render-error", String(e && e.message || e));
  });
  window.addEventListener("error", function (e) {
    document.body.setAttribute("data-render-error", String(e.message));
  });
})();
`;

/**
 * A complete offline HTML page from blocks (charts and HTML fragments), in order.
 *
 * @example
 * ```ts
 * const html = htmlPage([{ kind: "html", html: "<p>hello</p>" }], { title: "t", plotly: "" });
 * console.log(html.startsWith("<!DOCTYPE html>")); // true
 * ```
 */
export function htmlPage(blocks: readonly PageBlock[], opts: HtmlOptions = {}): string {
  const figures: { id: string; figure: Figure }[] = [];
  const body: string[] = [];
  if (opts.title && opts.heading !== false) body.push(`<h1>${escapeHtml(opts.title)}</h1>`);
  blocks.forEach((b, i) => {
    if (b.kind === "html") {
      body.push(b.html);
      return;
    }
    const id = b.id ?? `k-fig-${i}`;
    const height = typeof b.figure.layout.height === "number" ? b.figure.layout.height : 450;
    figures.push({ id, figure: { ...b.figure, config: { ...DEFAULT_CONFIG, ...b.figure.config } } });
    body.push(
      `<div class="k-chart"><div id="${escapeHtml(id)}" class="k-plot" data-chart="${
        escapeHtml(id)
      }" style="height:${height}px"></div>` +
        (b.caption ? `<div class="k-caption">${escapeHtml(b.caption)}</div>` : "") + `</div>`,
    );
  });
  const plotly = opts.plotly ?? (figures.length && !opts.plotlySrc ? plotlyJs() : "");
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title ?? "Kinetra")}</title>`,
    `<style>${CSS}${opts.css ?? ""}</style>`,
    "</head>",
    "<body>",
    ...body,
    !figures.length
      ? ""
      : opts.plotlySrc
      ? `<script src="${escapeHtml(opts.plotlySrc)}"></script>`
      : `<script>${escapeScript(plotly)}</script>`,
    `<script type="application/json" id="k-figures">${scriptJson(figures)}</script>`,
    figures.length && opts.afterRender
      ? `<script>window.__kinetraAfterRender = function () {\n${escapeScript(opts.afterRender)}\n};</script>`
      : "",
    figures.length
      ? `<script>${RENDER_JS}</script>`
      : `<script>document.body.setAttribute("data-rendered", "1");</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/**
 * One self-contained HTML page showing one figure or several (stacked), working offline.
 *
 * @example
 * ```ts
 * const html = figureHtml({ data: [{ type: "scatter", y: [1, 3, 2] }], layout: {} }, { title: "demo" });
 * console.log(html.includes('data-chart="k-fig-0"')); // true
 * ```
 */
export function figureHtml(fig: Figure | readonly Figure[], opts: HtmlOptions = {}): string {
  const figs = Array.isArray(fig) ? fig : [fig as Figure];
  return htmlPage(figs.map((f) => ({ kind: "figure" as const, figure: f })), opts);
}
