/**
 * The demo's third-party step: two files in vendors' layouts written from a bundled MT5 sample (an
 * investing.com-style Spanish daily file — quoted, BOM, DD.MM.YYYY, decimal comma, "K" volumes,
 * newest first — and a CryptoDataDownload-style file — a preamble line, unix milliseconds beside a
 * date, newest first), then read back with every decision the reader made shown; and a monthly file
 * whose dates no row settles (every bar on the 1st): refused (`ambiguous_date`), then read with the
 * order passed (`--date-order dmy`). The real vendor corpus of the tests is third-party data and is
 * not shipped with the project.
 *
 * @module
 */
import { join } from "node:path";
import { inspectFile } from "../lib/data/inspect.ts";
import { readBars, toArrays } from "../lib/data/mod.ts";
import { writeTextAtomic } from "../lib/util/fs.ts";

/** What the step needs from the demo. */
export interface ThirdPartyCtx {
  /** Bundled sample folder. */
  readonly source: string;
  /** Output folder of the demo run. */
  readonly out: string;
  /** One line to the user. */
  say(line: string): void;
  /** The demo's JSON summary. */
  readonly summary: Record<string, unknown>;
}

const p2 = (x: number) => String(x).padStart(2, "0");
const comma = (x: number, d: number) => x.toFixed(d).replace(".", ",");

/** Write the two vendor-layout files from `mt5File`; returns their paths. */
export async function writeVendorFiles(mt5File: string, dir: string): Promise<string[]> {
  const b = toArrays(await readBars(mt5File));
  // Daily bars (investing.com files are daily): aggregate the H4 bars by UTC date.
  const days: { t: number; o: number; h: number; l: number; c: number; v: number }[] = [];
  for (let i = 0; i < b.length; i++) {
    const t = Math.floor(b.time[i] / 86_400_000) * 86_400_000;
    const last = days[days.length - 1];
    if (last && last.t === t) {
      last.h = Math.max(last.h, b.high[i]);
      last.l = Math.min(last.l, b.low[i]);
      last.c = b.close[i];
      last.v += b.tickVolume[i];
    } else days.push({ t, o: b.open[i], h: b.high[i], l: b.low[i], c: b.close[i], v: b.tickVolume[i] });
  }
  const d60 = days.slice(0, 60).reverse(); // newest first, as the vendor writes it
  const es = ['"Fecha","Último","Apertura","Máximo","Mínimo","Vol.","% var."'];
  for (let k = 0; k < d60.length; k++) {
    const x = d60[k], prev = d60[k + 1];
    const d = new Date(x.t);
    const chg = prev ? (100 * (x.c - prev.c) / prev.c) : 0;
    es.push(
      [
        `${p2(d.getUTCDate())}.${p2(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`,
        comma(x.c, 4),
        comma(x.o, 4),
        comma(x.h, 4),
        comma(x.l, 4),
        `${comma(x.v / 1000, 2)}K`,
        `${comma(chg, 2)}%`,
      ].map((c) => `"${c}"`).join(","),
    );
  }
  const bars = Array.from({ length: Math.min(120, b.length) }, (_, i) => i).reverse();
  const cdd = [
    "Created on 2026-12-03,https://www.CryptoDataDownload.com",
    "unix,date,symbol,open,high,low,close,Volume",
  ];
  for (const i of bars) {
    const d = new Date(b.time[i]);
    const date = `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${
      p2(d.getUTCHours())
    }:00:00`;
    cdd.push(
      `${b.time[i]},${date},SAMPLE,${b.open[i]},${b.high[i]},${b.low[i]},${b.close[i]},${b.tickVolume[i]}`,
    );
  }
  const a = join(dir, "investing_es_daily.csv"), c = join(dir, "cryptodatadownload_h4.csv");
  await writeTextAtomic(a, "\uFEFF" + es.join("\r\n") + "\r\n");
  await writeTextAtomic(c, cdd.join("\n") + "\n");
  return [a, c];
}

/** The step: write the two files, read them, show the decisions; true when both read cleanly. */
export async function thirdPartyDemoStep(ctx: ThirdPartyCtx): Promise<boolean> {
  const mt5 = join(ctx.source, "forex", "GBPUSD+_H4_202401020000_202512262000.csv");
  const dir = join(ctx.out, "third_party");
  const files = await writeVendorFiles(mt5, dir);
  const out: unknown[] = [];
  let ok = true;
  for (const f of files) {
    const rec = await inspectFile(f);
    const d = rec.findings.find((x) => x.code === "read_decisions");
    ctx.say(
      `${f}: ${rec.rows} bars ${rec.first_time} .. ${rec.last_time}, close ${rec.first_close} .. ${rec.last_close}`,
    );
    for (const line of (d?.decisions as string[] | undefined) ?? []) ctx.say(`  decided: ${line}`);
    ok &&= rec.format !== null && rec.severity !== "CRITICAL";
    out.push({ file: f, rows: rec.rows, decisions: d?.decisions ?? [] });
  }
  ctx.summary.third_party = out;
  // Monthly bars on the 1st (DD.MM.YYYY): no day above 12, so the order cannot be read from the
  // rows. Refused without an order, read with one.
  const monthly = join(dir, "investing_es_monthly.csv");
  const rows = ['"Fecha","Último","Apertura","Máximo","Mínimo"'];
  for (let m = 12; m >= 1; m--) rows.push(`"01.${p2(m)}.2024","1,1${m}","1,10","1,20","1,00"`);
  await writeTextAtomic(monthly, rows.join("\n") + "\n");
  const refused = await inspectFile(monthly);
  const why = refused.findings[0];
  ctx.say(
    `${monthly}: refused (${why?.code}): ${String(why?.message).replace(/^.*?: dates like/, "dates like")}`,
  );
  const told = await inspectFile(monthly, { dateOrder: "dmy" });
  ctx.say(`  with --date-order dmy: ${told.rows} bars ${told.first_time} .. ${told.last_time}`);
  ok &&= refused.format === null && why?.code === "ambiguous_date" && told.rows === 12;
  ctx.summary.third_party_date_order = { file: monthly, refused: why?.code, rows_with_order: told.rows };
  return ok;
}
