/**
 * Human-readable renderings of the data tasks' records (the JSON forms are the records themselves).
 *
 * @module
 */
import type { InspectRecord } from "./inspect.ts";
import type { Manifest } from "./prepare.ts";
import type { FolderValidation } from "./validate_folder.ts";

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** The `data:inspect` text: fields, how the file was read, then findings. */
export function formatInspect(r: InspectRecord): string {
  const lines = [
    `file                ${r.file}`,
    `symbol              ${r.symbol}`,
    `format              ${r.format ?? "unreadable"}`,
    `rows                ${r.rows}`,
    `first_time          ${r.first_time ?? "-"}   first_close ${r.first_close ?? "-"}`,
    `last_time           ${r.last_time ?? "-"}   last_close  ${r.last_close ?? "-"}`,
    `timeframe           declared ${r.timeframe_declared ?? "-"}, detected ${r.timeframe_detected ?? "-"}`,
  ];
  if (r.read) {
    lines.push(
      `read as             ${r.read.encoding}, ${r.read.line_ending}, ${r.read.delimiter}-separated, ` +
        `${
          r.read.has_header ? "header" : "no header"
        }, dates ${r.read.date_layout} (time ${r.read.time_layout}), ` +
        `decimal '${r.read.decimal}'`,
    );
    if (r.read.ignored_columns.length) lines.push(`ignored columns     ${r.read.ignored_columns.join(", ")}`);
    for (const rep of r.read.repairs) lines.push(`repair              ${rep}`);
  }
  lines.push(r.findings.length ? `findings (${r.findings.length}):` : "findings            none");
  for (const f of r.findings) lines.push(`  ${pad(f.severity, 8)} ${pad(f.code, 22)} ${f.message}`);
  return lines.join("\n");
}

/** The `data:validate` table: one line per file, then totals. */
export function formatValidation(v: FolderValidation): string {
  const rows = v.records.map((r) => [
    r.file.length > 58 ? "…" + r.file.slice(-57) : r.file,
    r.asset_class,
    r.format ?? "unreadable",
    String(r.rows),
    `${r.timeframe_declared ?? "-"}/${r.timeframe_detected ?? "-"}`,
    r.severity ?? "ok",
    r.findings.map((f) => f.code + (f.count !== undefined ? `(${f.count})` : "")).join(" "),
  ]);
  const head = ["file", "class", "format", "rows", "tf decl/det", "worst", "findings"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  widths[6] = 0;
  const line = (r: string[]) =>
    r.map((c, i) => (i === 3 ? c.padStart(widths[i]) : pad(c, widths[i]))).join("  ").trimEnd();
  const out = [line(head), ...rows.map(line)];
  const crit = v.records.filter((r) => r.severity === "CRITICAL");
  for (const r of crit) {
    for (const f of r.findings.filter((x) => x.severity === "CRITICAL")) {
      out.push(`CRITICAL ${r.file}: ${f.code}: ${f.message}`);
    }
  }
  const byCode = new Map<string, number>();
  for (const r of v.records) for (const f of r.findings) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
  if (byCode.size) {
    out.push(
      `files per finding: ${[...byCode].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(", ")}`,
    );
  }
  const s = v.by_severity;
  out.push(
    `${v.records.length} files: ${s.CRITICAL} critical, ${s.HIGH} high, ${s.MEDIUM} medium, ${s.LOW} low, ${s.none} clean` +
      ` (worst finding per file); ${v.records.reduce((n, r) => n + r.rows, 0)} bars`,
  );
  return out.join("\n");
}

/** The `prepare` summary. */
export function formatManifest(m: Manifest): string {
  const t = m.totals;
  const out = [
    `${t.files} files from ${m.source} → ${m.out} (test ratio ${m.test_ratio}, parquet): ` +
    `${t.prepared} prepared, ${t.skipped} unchanged (skipped), ${t.failed} failed; ${t.rows} bars`,
  ];
  if (t.kept) out.push(`${t.kept} entries of earlier runs (other files) kept in the manifest`);
  for (const f of m.files.filter((x) => x.status === "failed")) {
    out.push(`failed ${f.file}: ${f.error?.message ?? ""}`);
  }
  out.push(`manifest: ${m.out}/manifest.json`);
  return out.join("\n");
}
