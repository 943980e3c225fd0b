/**
 * Research charts' data and the offline HTML reports of `deno task optimize --report` and
 * `deno task walkforward --report` (lib/plot builders; plotly inlined, no network).
 *
 * @module
 */
import { equityDrawdownFigure } from "../plot/equity.ts";
import type { Figure } from "../plot/figure.ts";
import { escapeHtml, htmlPage, type PageBlock } from "../plot/html.ts";
import { keyStatsHtml, statsTableHtml } from "../plot/report.ts";
import {
  monteCarloFanFigure,
  type ObjectiveGrid,
  objectiveHeatmapFigure,
  parallelCoordinatesFigure,
  walkForwardFigure,
} from "../plot/research.ts";
import { fmtNum, overfitVerdict } from "./cli.ts";
import type { Trial } from "./evaluate.ts";
import { type OptimizeResult, tradeReturnsOnEquity } from "./optimize.ts";
import type { WalkForwardResult } from "./walkforward.ts";

/**
 * The objective over parameters `x` and `y` (default: the first two swept): each cell holds the
 * best objective over the other swept parameters (null where no ranked result exists).
 */
export function objectiveGrid(r: OptimizeResult, x?: string, y?: string): ObjectiveGrid | null {
  const dims = r.space.dims;
  const xd = dims.find((d) => d.name === (x ?? dims[0]?.name));
  const yd = dims.find((d) => d.name === (y ?? dims[1]?.name));
  if (!xd || !yd || xd === yd) return null;
  const xs = [...xd.values].sort((a, b) => a - b), ys = [...yd.values].sort((a, b) => a - b);
  const z: (number | null)[][] = ys.map(() => xs.map(() => null));
  for (const t of r.results) {
    if (t.excluded || t.objective === null) continue;
    const i = ys.indexOf(t.params[yd.name]), j = xs.indexOf(t.params[xd.name]);
    if (i < 0 || j < 0) continue;
    const cur = z[i][j];
    if (cur === null || (r.minimize ? t.objective < cur : t.objective > cur)) z[i][j] = t.objective;
  }
  const b = r.best;
  return {
    objective: r.objective,
    x: { name: xd.name, values: xs },
    y: { name: yd.name, values: ys },
    z,
    best: b ? { x: b.params[xd.name], y: b.params[yd.name] } : null,
  };
}

/** The charts of an optimisation: heatmap (2+ parameters) or a line (1), parallel coordinates (3+), Monte Carlo fan. */
export function optimizeFigures(r: OptimizeResult): Figure[] {
  const figs: Figure[] = [];
  const g = objectiveGrid(r);
  if (g) figs.push(objectiveHeatmapFigure(g));
  else if (r.space.dims.length === 1) {
    const d = r.space.dims[0];
    const pts = r.results.filter((t) => !t.excluded).sort((a, b) => a.params[d.name] - b.params[d.name]);
    figs.push({
      data: [{
        type: "scatter",
        mode: "lines+markers",
        x: pts.map((t) => t.params[d.name]),
        y: pts.map((t) => t.objective),
      }],
      layout: {
        title: { text: `${r.objective} by ${d.name}` },
        xaxis: { title: { text: d.name } },
        yaxis: { title: { text: r.objective } },
      },
    });
  }
  if (r.space.dims.length >= 3) {
    const ranked = r.results.filter((t: Trial) => !t.excluded);
    figs.push(parallelCoordinatesFigure(
      r.space.dims.map((d) => ({ name: d.name, values: ranked.map((t) => t.params[d.name]) })),
      { name: r.objective, values: ranked.map((t) => t.objective) },
    ));
  }
  if (r.monte_carlo && r.bestRun) {
    const ret = tradeReturnsOnEquity(r.bestRun);
    let e = 1;
    const actual = ret.map((x) => (e *= 1 + x));
    figs.push(monteCarloFanFigure(r.monte_carlo.bootstrap.fan, {
      actual: { step: actual.map((_, i) => i + 1), equity: actual },
      interval: r.monte_carlo.interval,
      title: `Monte Carlo equity fan (${r.monte_carlo.paths} bootstrap paths of the best result's trades)`,
    }));
  }
  return figs;
}

function overfitHtml(d: OptimizeResult["deflated_sharpe"], p: OptimizeResult["pbo"]): string {
  const v = overfitVerdict(d, p);
  return `<h2>Overfitting statistics</h2><table class="k-table"><tbody>
<tr><td>trials</td><td>${d.trials}</td></tr>
<tr><td>Sharpe ratio per bar (selected)</td><td>${fmtNum(d.sharpe)}</td></tr>
<tr><td>expected max Sharpe of the trials (SR₀)</td><td>${fmtNum(d.expected_max_sharpe)}</td></tr>
<tr><td>deflated Sharpe ratio (DSR)</td><td>${fmtNum(d.dsr)}</td></tr>
<tr><td>probabilistic Sharpe ratio (PSR, vs 0)</td><td>${fmtNum(d.psr)}</td></tr>
<tr><td>PBO (CSCV, ${p.partitions} partitions, ${p.splits} splits)</td><td>${fmtNum(p.pbo)}</td></tr>
</tbody></table><p class="k-note" id="k-verdict">${escapeHtml(v.text)}</p>`;
}

/** The offline HTML report of an optimisation. */
export function optimizeReportHtml(
  r: OptimizeResult,
  opts: { title?: string; plotly?: string } = {},
): string {
  const blocks: PageBlock[] = [];
  const best = r.best;
  blocks.push({
    kind: "html",
    html:
      `<p>${escapeHtml(r.method)} search · ${r.trials} trials · ${r.excluded} excluded · objective ${
        escapeHtml(r.objective)
      } ${r.minimize ? "minimised" : "maximised"}${r.interrupted ? " · <b>interrupted</b>" : ""}</p>` +
      (best
        ? `<p>best: ${escapeHtml(r.space.dims.map((d) => `${d.name}=${best.params[d.name]}`).join(", "))} → ${
          escapeHtml(r.objective)
        } ${fmtNum(best.objective)}</p>`
        : "<p>No ranked result.</p>"),
  });
  for (const f of optimizeFigures(r)) blocks.push({ kind: "figure", figure: f });
  blocks.push({ kind: "html", html: overfitHtml(r.deflated_sharpe, r.pbo) });
  if (r.bestRun) {
    const s = r.bestRun.toJSON().stats;
    blocks.push({ kind: "html", html: `<h2>Best result (in sample)</h2>${keyStatsHtml(s)}` });
    blocks.push({
      kind: "figure",
      figure: equityDrawdownFigure({ time: r.bestRun.time, equity: r.bestRun.equity }, {
        title: "Best result: equity and drawdown",
      }),
    });
    blocks.push({ kind: "html", html: statsTableHtml(s) });
  }
  return htmlPage(blocks, { title: opts.title ?? `${r.strategy} optimisation`, plotly: opts.plotly });
}

/** The offline HTML report of a walk-forward analysis. */
export function walkForwardReportHtml(
  r: WalkForwardResult,
  opts: { title?: string; plotly?: string } = {},
): string {
  const blocks: PageBlock[] = [];
  blocks.push({
    kind: "html",
    html: `<p>${r.windows.length} windows (${
      r.anchored ? "anchored" : "rolling"
    }) · walk-forward efficiency ${fmtNum(r.wfe)}</p>`,
  });
  blocks.push({
    kind: "figure",
    figure: walkForwardFigure(
      r.windows.map((w) => ({
        trainStart: Date.parse(w.train.start),
        trainEnd: Date.parse(w.train.end),
        testStart: Date.parse(w.test.start),
        testEnd: Date.parse(w.test.end),
        label: Object.entries(w.best_params ?? {}).filter(([k]) => r.swept.includes(k)).map(([k, v]) =>
          `${k}=${v}`
        ).join(" "),
      })),
      { time: r.oos.time, equity: r.oos.equity },
    ),
  });
  const rows = r.windows.map((w, k) =>
    `<tr><td>${k + 1}</td><td>${escapeHtml(w.train.start)} → ${escapeHtml(w.train.end)}</td><td>${
      escapeHtml(w.test.start)
    } → ${escapeHtml(w.test.end)}</td><td>${
      escapeHtml(
        Object.entries(w.best_params ?? {}).filter(([k]) => r.swept.includes(k)).map(([k, v]) => `${k}=${v}`)
          .join(", ") || "–",
      )
    }</td><td>${fmtNum(w.is_stats?.[r.objective])}</td><td>${fmtNum(w.oos_stats?.[r.objective])}</td><td>${
      fmtNum(w.oos_stats?.return_pct)
    }</td></tr>`
  );
  blocks.push({
    kind: "html",
    html:
      `<h2>Windows</h2><table class="k-table"><thead><tr><th>#</th><th>train</th><th>test</th><th>chosen</th><th>IS ${
        escapeHtml(r.objective)
      }</th><th>OOS ${escapeHtml(r.objective)}</th><th>OOS return %</th></tr></thead><tbody>${
        rows.join("")
      }</tbody></table>`,
  });
  blocks.push({ kind: "html", html: overfitHtml(r.deflated_sharpe, r.pbo) });
  blocks.push({
    kind: "html",
    html: `<h2>Stitched out-of-sample result</h2>${keyStatsHtml(r.oos.stats)}${statsTableHtml(r.oos.stats)}`,
  });
  return htmlPage(blocks, { title: opts.title ?? `${r.strategy} walk-forward`, plotly: opts.plotly });
}
