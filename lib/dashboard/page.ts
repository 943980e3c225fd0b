/**
 * The dashboard's HTML page and stylesheet. The page holds no inline script or style: scripts and
 * CSS come from the dashboard itself (`/static/...?token=…`), so the Content-Security-Policy can
 * forbid everything else (see server.ts).
 *
 * @module
 */
import { escapeHtml } from "../plot/html.ts";

/** The page for a token (URLs carry it: every request needs it). */
export function dashboardHtml(token: string, title = "Kinetra live dashboard"): string {
  const t = encodeURIComponent(token);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/static/app.css?token=${t}">
</head>
<body>
<header class="k-head">
  <div class="k-title">Kinetra <span>live dashboard</span></div>
  <select id="k-run" aria-label="session"></select>
  <span id="k-status" class="k-badge">…</span>
  <span id="k-meta" class="k-meta"></span>
  <span id="k-updated" class="k-meta k-right"></span>
</header>
<main>
<div id="k-ended" class="k-meta"></div>
<section id="k-cards" class="k-cards"></section>
<div class="k-chart"><div class="k-chart-title">Price, entries ▲▼, exits ✕, SL/TP</div><div id="k-price" class="k-plot" style="height:440px"></div></div>
<div class="k-grid">
  <div class="k-chart"><div class="k-chart-title">Equity and drawdown</div><div id="k-equity" class="k-plot" style="height:320px"></div></div>
  <div class="k-chart"><div class="k-chart-title">CHS, breaker threshold and events</div><div id="k-chs" class="k-plot" style="height:320px"></div></div>
</div>
<div class="k-grid k-grid3">
  <section class="k-panel"><h2>Open positions</h2><table id="k-positions" class="k-table"></table></section>
  <section class="k-panel"><h2>Readiness</h2><div id="k-readiness-verdict" class="k-verdict"></div><table id="k-readiness" class="k-table"></table></section>
  <section class="k-panel"><h2>Limits used</h2><div id="k-limits"></div></section>
</div>
<section class="k-panel">
  <h2>Orders, fills, rejections, adjustments</h2>
  <div id="k-counts" class="k-chips"></div>
  <div class="k-scroll"><table id="k-log" class="k-table k-log"></table></div>
</section>
<section class="k-panel" id="k-controls">
  <h2>Controls</h2>
  <button type="button" data-action="halt_entries" disabled>Halt new entries</button>
  <button type="button" data-action="close_all_stop" class="k-danger" disabled>Close all and stop</button>
  <span id="k-controls-note" class="k-note"></span>
  <div id="k-confirm" class="k-confirm" hidden>
    <div id="k-confirm-what"></div>
    <label>Type <b id="k-confirm-word"></b> to confirm: <input id="k-confirm-input" autocomplete="off" spellcheck="false"></label>
    <div class="k-row"><button type="button" id="k-confirm-send">Send</button>
    <button type="button" id="k-confirm-cancel">Cancel</button>
    <span id="k-confirm-msg"></span></div>
  </div>
</section>
</main>
<script src="/static/plotly.min.js?token=${t}"></script>
<script src="/static/app.js?token=${t}"></script>
</body>
</html>
`;
}

/** The stylesheet (house colours of lib/plot). */
export const DASHBOARD_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #263238; background: #f2f4f7; }
main { padding: 10px 18px 40px; }
.k-head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; padding: 10px 18px; background: #263238; color: #eceff1; }
.k-title { font-size: 17px; font-weight: 600; }
.k-title span { font-weight: 400; color: #b0bec5; }
.k-head select { font: inherit; padding: 3px 6px; border-radius: 4px; border: 1px solid #546e7a; background: #37474f; color: #eceff1; max-width: 460px; }
.k-meta { color: #b0bec5; font-size: 12px; }
main .k-meta { color: #546e7a; }
.k-right { margin-left: auto; }
.k-badge { padding: 2px 10px; border-radius: 10px; font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; background: #607d8b; color: #fff; }
.k-st-running { background: #2e7d32; }
.k-st-halting, .k-st-halted { background: #c62828; }
.k-st-completed { background: #1565c0; }
.k-cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 10px; }
.k-card { background: #fff; border: 1px solid #e0e4e8; border-radius: 6px; padding: 5px 12px; min-width: 112px; }
.k-card-label { color: #607d8b; font-size: 11px; text-transform: uppercase; letter-spacing: .04em; }
.k-card-value { font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
.k-chart { background: #fff; border: 1px solid #e0e4e8; border-radius: 6px; margin: 8px 0; padding: 4px 4px 0; }
.k-chart-title { font-weight: 600; font-size: 13px; margin: 4px 8px 0; color: #37474f; }
.k-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 10px; }
.k-grid3 { grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); }
.k-panel { background: #fff; border: 1px solid #e0e4e8; border-radius: 6px; padding: 6px 12px 10px; margin: 8px 0; }
h2 { font-size: 14px; margin: 4px 0 8px; color: #37474f; }
table.k-table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.k-table th, table.k-table td { padding: 3px 8px; border-bottom: 1px solid #eef1f4; text-align: right; white-space: nowrap; }
table.k-table th:first-child, table.k-table td:first-child { text-align: left; }
table.k-table thead th { background: #eceff1; position: sticky; top: 0; font-weight: 600; }
table.k-log td:last-child, table.k-log th:last-child { text-align: left; white-space: normal; width: 70%; }
table.k-log th:nth-child(2) { text-align: left; }
table.k-log td:nth-child(2) { text-align: left; color: #546e7a; }
.k-empty td { color: #90a4ae; text-align: left !important; font-style: italic; }
.k-lv-bad td:last-child { color: #c62828; } .k-lv-good td:last-child { color: #2e7d32; } .k-lv-warn td:last-child { color: #e65100; }
.k-scroll { max-height: 360px; overflow: auto; }
.k-pos { color: #2e7d32; } .k-neg { color: #c62828; }
.k-verdict { font-weight: 600; margin-bottom: 4px; }
.k-note { color: #607d8b; font-size: 12px; margin-left: 8px; }
.k-chips { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 8px; }
.k-chip { background: #eceff1; border-radius: 10px; padding: 1px 10px; font-size: 12px; }
.k-chip-bad { background: #ffebee; color: #c62828; }
.k-limit { display: grid; grid-template-columns: 82px 1fr 150px; align-items: center; gap: 8px; margin: 5px 0; }
.k-limit-name { color: #455a64; }
.k-limit-val { text-align: right; font-variant-numeric: tabular-nums; font-size: 12px; }
.k-bar { height: 10px; background: #eceff1; border-radius: 5px; overflow: hidden; }
.k-bar-fill { height: 100%; background: #42a5f5; width: 0; }
.k-bar-fill.k-full { background: #ef5350; }
button { font: inherit; padding: 5px 14px; border-radius: 4px; border: 1px solid #90a4ae; background: #eceff1; cursor: pointer; }
button:disabled { opacity: .5; cursor: not-allowed; }
button.k-danger { border-color: #c62828; color: #c62828; background: #fff; }
.k-confirm { margin-top: 10px; padding: 10px; border: 1px solid #ffcc80; background: #fff8e1; border-radius: 6px; display: flex; flex-direction: column; gap: 6px; max-width: 560px; }
.k-confirm[hidden] { display: none; }
.k-row { display: flex; gap: 8px; align-items: center; }
.k-confirm input { font: inherit; padding: 3px 6px; margin-left: 6px; }
`;
