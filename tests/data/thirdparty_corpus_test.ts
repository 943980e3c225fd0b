/**
 * Issue 20 corpus: real third-party files (sources and licences in tests/fixtures/thirdparty/README.md;
 * the files are kept outside the repository). For each, the expected rows, first and last bar (or
 * tick) times and closes (bids) come from a small per-layout script here (string splitting and
 * Date.UTC, no reader code), and the reader must agree, without a CRITICAL finding, reporting its
 * decisions in `read_decisions`. The run prints how many files it read and which of the issue's
 * layout groups they covered.
 */
import assert from "node:assert/strict";
import { inspectFile } from "../../lib/data/inspect.ts";
import { readBars } from "../../lib/data/read_bars.ts";
import { thirdPartyDir } from "../../lib/util/paths.ts";

// The vendor files are other people's data and are not committed (their sources and licences are
// in tests/fixtures/thirdparty/README.md): they come from $KINETRA_THIRDPARTY_DIR,
// ../shared/data/thirdparty or local copies. Without them these tests are reported as ignored.
const FOUND = thirdPartyDir();
const DIR = FOUND?.dir ?? "tests/fixtures/thirdparty";
if (FOUND) console.error(`third-party corpus: ${FOUND.dir} (${FOUND.which})`);
else {
  console.warn(
    "\n!!!!! SKIPPED the third-party corpus tests: no vendor files in $KINETRA_THIRDPARTY_DIR, " +
      "../shared/data/thirdparty or tests/fixtures/thirdparty (see its README for the sources) !!!!!\n",
  );
}

/** Split a CSV line: commas outside double quotes; quotes removed. */
function csv(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (const ch of line) {
    if (ch === '"') q = !q;
    else if (ch === "," && !q) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const lines = (f: string) =>
  Deno.readTextFileSync(`${DIR}/${f}`).replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => l.trim() !== "");
const en = (s: string) => Number(s.replaceAll(",", ""));
const es = (s: string) => Number(s.replaceAll(".", "").replace(",", "."));
const dmy = (s: string, sep: string) => {
  const [d, m, y] = s.split(sep).map(Number);
  return Date.UTC(y, m - 1, d);
};
const mdy = (s: string) => {
  const [m, d, y] = s.split("/").map(Number);
  return Date.UTC(y, m - 1, d);
};
const ymd = (s: string) => {
  const [y, m, d] = s.split(/[-.]/).map(Number);
  return Date.UTC(y, m - 1, d);
};

/** One expected bar: time (ms) and close. */
type Row = [number, number];

const HOUR = 3_600_000;
/** "HH:MM[:SS[.fff…]]" as ms of day. */
const clock = (t: string) => {
  const [hms, frac = ""] = t.split(".");
  const [hh, mi, ss = 0] = hms.split(":").map(Number);
  return hh * HOUR + mi * 60_000 + Number(ss) * 1000 + Number(frac.slice(0, 3).padEnd(3, "0"));
};
/** Dukascopy "DD.MM.YYYY HH:MM:SS.fff[ GMT±HHMM]" as UTC ms. */
const dukascopy = (x: string) => {
  const [d, t, zone] = x.split(" ");
  const off = zone
    ? (zone[3] === "-" ? -1 : 1) * (Number(zone.slice(4, 6)) * HOUR + Number(zone.slice(6, 8)) * 60_000)
    : 0;
  return dmy(d, ".") + clock(t) - off;
};
/** "YYYY-MM-DD HH:MM:SS[.f…][±HH:MM]" as UTC ms. */
const isoOffset = (x: string) => {
  const m = /^(\S+) ([\d:.]+?)(?:([+-])(\d\d):(\d\d))?$/.exec(x)!;
  const off = m[3] ? (m[3] === "-" ? -1 : 1) * (Number(m[4]) * HOUR + Number(m[5]) * 60_000) : 0;
  return ymd(m[1]) + clock(m[2]) - off;
};
/** HistData "YYYYMMDD HHMMSS[fff]" (as written, EST). */
const compact = (x: string) => {
  const [d, t] = x.split(" ");
  return Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8))) +
    Number(t.slice(0, 2)) * HOUR + Number(t.slice(2, 4)) * 60_000 + Number(t.slice(4, 6)) * 1000 +
    Number(t.slice(6) || "0");
};

/** Tick files: every row is kept (no de-duplication); the "close" is the bid. */
const isTickFile = (f: string) => f.startsWith("histdata_ticks") || f.startsWith("truefx_");

/** The expected rows of a file, by layout. */
function expected(f: string): Row[] {
  if (f.startsWith("wsj_")) {
    // WSJ: `Date, Open, High, Low, Close` (a space after each comma), MM/DD/YY, newest-first.
    return lines(f).slice(1).map((l) => l.split(", ")).map((c) => {
      const [m, d, yy] = c[0].split("/").map(Number);
      return [Date.UTC(yy < 70 ? 2000 + yy : 1900 + yy, m - 1, d), Number(c[4])];
    });
  }
  if (f.startsWith("stooq_") || f.startsWith("finam_")) {
    // <TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,…: YYYYMMDD and HHMMSS (Stooq) or HH:MM
    // (this Finam export, separated by semicolons).
    const sep = f.startsWith("finam_") ? ";" : ",";
    return lines(f).slice(1).map((l) => l.split(sep)).map((c) => [
      c[3].includes(":") ? compact(`${c[2]} 000000`) + clock(c[3]) : compact(`${c[2]} ${c[3]}`),
      Number(c[7]),
    ]);
  }
  if (f.startsWith("histdata_nt")) {
    return lines(f).map((l) => l.split(";")).map((c) => [compact(c[0]), Number(c[4])]);
  }
  if (f.startsWith("cdd_ampm") || f.startsWith("cdd_coinbase")) {
    // Old CryptoDataDownload files: an optional preamble line, then `Date,Symbol,…`; hourly times
    // on a 12-hour clock ("2019-06-04 01-AM": 12-AM is midnight, 12-PM noon).
    const all = lines(f);
    return all.slice(all.findIndex((l) => l.startsWith("Date,")) + 1).map((l) => l.split(",")).map((c) => {
      const [d, hm] = c[0].split(" ");
      const h = hm ? Number(hm.slice(0, 2)) % 12 + (hm.endsWith("PM") ? 12 : 0) : 0;
      return [ymd(d) + h * HOUR, Number(c[5])];
    });
  }
  if (f.startsWith("histdata_ticks")) {
    return lines(f).map((l) => l.split(",")).map((c) => [compact(c[0]), Number(c[1])]);
  }
  if (f.startsWith("binance_futures")) {
    return lines(f).slice(1).map((l) => l.split(",")).map((c) => [Number(c[0]), Number(c[4])]);
  }
  if (f.startsWith("binance_spot")) {
    return lines(f).map((l) => l.split(",")).map((c) => [Number(c[0]), Number(c[4])]);
  }
  if (f.startsWith("investing_it")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [dmy(c[0], "."), es(c[1])]);
  }
  if (f.startsWith("investing_fr")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [dmy(c[0], "/"), es(c[1])]);
  }
  if (f.startsWith("nasdaq_dollar")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [mdy(c[0]), Number(c[1].replace(/^\$/, ""))]);
  }
  if (f.startsWith("ariva_de")) {
    return lines(f).slice(1).map((l) => l.split(";")).map((c) => [ymd(c[0]), es(c[4])]);
  }
  if (f.startsWith("dukascopy")) {
    return lines(f).slice(1).map((l) => l.split(",")).map((c) => [dukascopy(c[0]), Number(c[4])]);
  }
  if (f.startsWith("truefx_")) {
    return lines(f).slice(1).map((l) => l.split(",")).map((c) => [isoOffset(c[0]), Number(c[1])]);
  }
  if (f.startsWith("fxcm_")) {
    return lines(f).slice(1).map((l) => l.split(",")).map((c) => [isoOffset(c[0]), Number(c[4])]);
  }
  if (f.startsWith("investing_es_eurcop")) {
    // Every line wrapped in quotes with doubled inner quotes (a spreadsheet re-save).
    return lines(f).slice(1).map((l) => {
      const c = csv(l.slice(1, -1).replaceAll('""', '"'));
      return [dmy(c[0], "."), es(c[1])];
    });
  }
  if (f.startsWith("investing_es") || f.startsWith("investing_pt")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [dmy(c[0], "."), es(c[1])]);
  }
  if (f === "investing_en_bitcoin_daily_dmy.csv") {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [dmy(c[0], "-"), en(c[1])]);
  }
  if (f.startsWith("investing_en")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [mdy(c[0]), en(c[1])]);
  }
  if (f.startsWith("cdd_gemini")) {
    return lines(f).slice(2).map((l) => csv(l)).map((c) => [Number(c[0]), Number(c[6])]);
  }
  if (f.startsWith("cdd_binance")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [Number(c[0]), Number(c[6])]);
  }
  if (f.startsWith("cdd_excel")) {
    // The unix column lost its precision (1.63521E+12): the times come from the date column.
    return lines(f).slice(1).map((l) => csv(l)).map((c) => {
      const [d, t] = c[1].split(" ");
      const [hh, mi] = t.split(":").map(Number);
      return [mdy(d) + hh * 3_600_000 + mi * 60_000, Number(c[6])];
    });
  }
  if (f.startsWith("nasdaq")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [mdy(c[0]), Number(c[1])]);
  }
  if (f.startsWith("yahoo")) {
    return lines(f).slice(1).map((l) => csv(l)).filter((c) => c[4] !== "null").map((
      c,
    ) => [ymd(c[0]), Number(c[4])]);
  }
  if (f.startsWith("es_plain")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [dmy(c[0], "."), Number(c[1])]);
  }
  if (f.startsWith("coinmarketcap")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [ymd(c[0]), Number(c[5])]);
  }
  if (f.startsWith("mt4")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => {
      const [hh, mi] = c[1].split(":").map(Number);
      return [ymd(c[0]) + hh * 3_600_000 + mi * 60_000, Number(c[5])];
    });
  }
  const isoT = (x: string) => {
    const [d, t] = x.split(" ");
    const [hh, mi, ss] = t.split(":").map(Number);
    return ymd(d) + hh * 3_600_000 + mi * 60_000 + ss * 1000;
  };
  if (f.startsWith("mt5_python")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [Number(c[1]) * 1000, Number(c[5])]);
  }
  if (f.startsWith("generic_")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [isoT(c[0]), Number(c[4])]);
  }
  if (f.startsWith("recorder_")) {
    return lines(f).slice(1).map((l) => csv(l)).map((c) => [isoT(c[0]), Number(c[6])]);
  }
  throw new Error(`no expectation script for ${f}`);
}

/** Decisions each layout must report (a regular expression over the read_decisions message). */
function mustReport(f: string): RegExp | null {
  if (f.startsWith("histdata_nt")) return /HistData ASCII layout.*EST, UTC-05:00/;
  if (f.startsWith("histdata_ticks")) return /HistData's tick layout.*read as ticks.*EST, UTC-05:00/;
  if (f.startsWith("binance_")) return /epoch milliseconds/;
  if (f === "investing_fr_oat10y_daily.csv") return /read as a decimal comma because the header is French/;
  if (f.startsWith("investing_it") || f.startsWith("investing_fr")) {
    return /columns mapped by name: .*→ close.*day-first: line \d+/;
  }
  if (f.startsWith("nasdaq_dollar")) return /'\$' sign.*read without it.*month-first: line \d+/;
  if (f.startsWith("ariva_de")) return /"Schlusskurs" → close.*'\.' separates thousands/;
  if (f.startsWith("dukascopy_gmt_offset")) return /UTC offset; converted to UTC.*day-first: line \d+/;
  if (f === "dukascopy_spy_daily.csv") return /day-first: line \d+/;
  if (f.startsWith("dukascopy")) return /dates read day-first as told \(date order dmy\)/;
  if (f.startsWith("truefx_") || f.startsWith("fxcm_")) return /UTC offset; converted to UTC/;
  if (f.startsWith("stooq_")) return /compact HHMMSS times \("000000"\)/;
  if (f.startsWith("wsj_")) return /two-digit years: 70–99 are 1970–1999.*month-first: line \d+/;
  if (f.startsWith("cdd_ampm_nopreamble")) return /12-hour clock/;
  if (f.startsWith("cdd_ampm")) return /preamble.*12-hour clock/;
  if (f.startsWith("cdd_coinbase")) return /preamble: "Created on/;
  if (f.startsWith("cdd_gemini")) return /preamble/;
  if (f.startsWith("cdd_excel")) return /does not hold readable times/;
  if (f.startsWith("investing_es_eurcop")) return /decimal mark|columns mapped/;
  if (/^investing_(es|en|pt)_.*monthly/.test(f)) return /dates read (day|month)-first as told/;
  if (f.startsWith("investing_en_bitcoin_daily_dmy")) return /day-first: line \d+/;
  if (f.startsWith("investing")) return /columns mapped by name/;
  if (f.startsWith("nasdaq")) return /month-first/;
  if (f.startsWith("cdd_binance")) return /epoch milliseconds/;
  if (f.startsWith("mt5_python")) return /pandas index.*epoch seconds/;
  return null;
}

/**
 * Files whose dates no row can settle (no day above 12 anywhere: monthly bars on the 1st, a
 * Dukascopy hour file within the first 12 days): the reader refuses them (`ambiguous_date`, naming
 * `--date-order`), so the test passes the order the vendor writes and checks the refusal without it.
 */
function dateOrderOf(f: string): "dmy" | "mdy" | undefined {
  if (/^dukascopy_eurusd_(h1|m15)_/.test(f)) return "dmy";
  if (/^investing_(es|pt)_.*monthly/.test(f)) return "dmy";
  if (/^investing_en_.*monthly/.test(f)) return "mdy";
  return undefined;
}

/** The layout groups (its "Layouts to read" list), and the ones each file holds. */
const GROUPS: Record<string, string> = {
  preamble: "preamble lines before the header",
  header_shape: "header split differently from the rows, extra header names, empty trailing cells",
  es: "Spanish header",
  de: "German header",
  fr: "French header",
  it: "Italian header",
  pt: "Portuguese header",
  investing: 'investing.com "Price"/"Último" close, Vol. K/M, Change %',
  decimal_comma: "decimal comma",
  semicolon_decimal_comma: "decimal comma with a semicolon or tab delimiter",
  thousands: "thousands separators",
  histdata: "HistData ASCII",
  epoch_s: "epoch seconds",
  epoch_ms: "epoch milliseconds (Binance klines, CryptoDataDownload unix)",
  newest_first: "newest-first order",
  yahoo_null: "Yahoo rows of null",
  two_digit_year: "two-digit years",
  day_month_scan: "day/month order decided by scanning the rows",
  dukascopy_gmt: "Dukascopy GMT offset in each timestamp",
  mt5_python: "MetaTrader 5 Python API dump",
  ticks: "tick files (bid/ask)",
};
function groupsOf(f: string): string[] {
  const g: string[] = [];
  const add = (...x: string[]) => g.push(...x);
  if (f.startsWith("investing_")) add("investing", "newest_first");
  if (/^investing_(es|pt|it|fr)_/.test(f)) add("decimal_comma");
  if (f.startsWith("investing_es") || f.startsWith("es_plain")) add("es");
  if (f.startsWith("investing_pt")) add("pt", "thousands");
  if (f.startsWith("investing_it")) add("it");
  if (f.startsWith("investing_fr")) add("fr");
  if (/^investing_es_(gold|silver|platinum|xau|xpt|bitcoin)/.test(f) || f === "investing_fr_masi_daily.csv") {
    add("thousands");
  }
  if (/^investing_(en_(eurusd|bitcoin_daily)|it|fr)/.test(f) || f.startsWith("nasdaq")) add("day_month_scan");
  if (f.startsWith("ariva_de")) {
    add("de", "decimal_comma", "semicolon_decimal_comma", "thousands", "newest_first");
  }
  if (f.startsWith("cdd_gemini")) add("preamble", "epoch_ms", "newest_first");
  if (f.startsWith("cdd_binance")) add("epoch_ms", "newest_first");
  if (f.startsWith("cdd_excel") || f.startsWith("coinmarketcap") || f.startsWith("nasdaq")) {
    add("newest_first");
  }
  if (f.startsWith("cdd_ampm") || f.startsWith("cdd_coinbase")) add("newest_first");
  if (f.startsWith("wsj_")) add("two_digit_year", "day_month_scan", "newest_first");
  if (/^cdd_(ampm_coinbase|coinbase)/.test(f)) add("preamble");
  if (f.startsWith("binance_")) add("epoch_ms");
  if (f.startsWith("yahoo_nsei_daily_nulls")) add("yahoo_null");
  if (f.startsWith("mt5_python")) add("mt5_python", "epoch_s");
  if (f.startsWith("histdata_nt")) add("histdata");
  if (f.startsWith("histdata_ticks")) add("histdata", "ticks");
  if (f.startsWith("truefx_")) add("ticks");
  if (f.startsWith("dukascopy_gmt_offset") || f === "dukascopy_spy_daily.csv") add("day_month_scan");
  if (f.startsWith("dukascopy_gmt_offset")) add("dukascopy_gmt");
  return [...new Set(g)];
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 19);
const files = FOUND
  ? [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => n.endsWith(".csv")).sort()
  : [];

Deno.test({
  name: "the corpus holds at least 30 real third-party files, each listed with its source and licence",
  ignore: !FOUND,
}, () => {
  assert.ok(files.length >= 30, `${files.length} files`);
  const readme = Deno.readTextFileSync("tests/fixtures/thirdparty/README.md");
  for (const f of files) assert.match(readme, new RegExp("`" + f.replace(/[.^$]/g, "\\$&") + "`"), f);
});

Deno.test({
  name: "the corpus covers at least 15 of the issue's layout groups (printed with their file counts)",
  ignore: !FOUND,
}, () => {
  const count = new Map<string, number>();
  for (const f of files) for (const g of groupsOf(f)) count.set(g, (count.get(g) ?? 0) + 1);
  const covered = Object.keys(GROUPS).filter((g) => count.has(g));
  console.error(
    `third-party corpus: ${files.length} files, ${covered.length} of ${
      Object.keys(GROUPS).length
    } layout groups:\n` +
      Object.entries(GROUPS).map(([g, name]) =>
        `  ${count.has(g) ? "✓" : "✗"} ${name}: ${count.get(g) ?? 0} file(s)`
      )
        .join("\n"),
  );
  assert.ok(covered.length >= 15, `${covered.length} groups covered`);
});

for (const f of files) {
  Deno.test(`third-party file ${f}: rows, first/last times and closes as stated independently`, async () => {
    const rows = expected(f);
    const dateOrder = dateOrderOf(f);
    const r = await inspectFile(`${DIR}/${f}`, { dateOrder });
    assert.ok(r.format !== null, `${f}: read (${JSON.stringify(r.findings[0])})`);
    if (isTickFile(f)) {
      // Ticks: every row kept, sorted stably by time; the times carry milliseconds.
      const sorted = rows.map((x, i) => [...x, i]).sort((a, b) => a[0] - b[0] || a[2] - b[2]);
      const isoMs = (t: number) => new Date(t).toISOString().slice(0, 23).replace(/\.000$/, "");
      assert.equal(r.format, "mt5_ticks", `${f}: format`);
      assert.equal(r.rows, sorted.length, `${f}: ticks`);
      assert.equal(r.first_time, isoMs(sorted[0][0]), `${f}: first time`);
      assert.equal(r.last_time, isoMs(sorted[sorted.length - 1][0]), `${f}: last time`);
      assert.equal(r.first_close, sorted[0][1], `${f}: first bid`);
      assert.equal(r.last_close, sorted[sorted.length - 1][1], `${f}: last bid`);
    } else {
      // Sort and keep the last of repeated times (none are expected in this corpus).
      const byTime = new Map<number, number>();
      for (const [t, c] of rows) byTime.set(t, c);
      const times = [...byTime.keys()].sort((a, b) => a - b);
      assert.equal(r.rows, times.length, `${f}: rows`);
      assert.equal(r.first_time, iso(times[0]), `${f}: first time`);
      assert.equal(r.last_time, iso(times[times.length - 1]), `${f}: last time`);
      assert.equal(r.first_close, byTime.get(times[0]), `${f}: first close`);
      assert.equal(r.last_close, byTime.get(times[times.length - 1]), `${f}: last close`);
      // The strict path (readBars, what data:inspect and the library use) gives the same bars.
      const strict = (await readBars(`${DIR}/${f}`, { dateOrder })).arrays!;
      assert.equal(strict.length, times.length, `${f}: strict rows`);
      assert.deepEqual(Array.from(strict.time), times, `${f}: strict times`);
      assert.deepEqual(Array.from(strict.close), times.map((t) => byTime.get(t)), `${f}: strict closes`);
    }
    assert.ok(!r.findings.some((x) => x.severity === "CRITICAL"), `${f}: ${JSON.stringify(r.findings)}`);
    // Every file reports its key decisions: the delimiter, the header row, the column mapping, the
    // number format, the date layout (and the day/month order where the dates need one), the time zone.
    const d = r.findings.find((x) => x.code === "read_decisions");
    assert.ok(d, `${f}: read_decisions finding`);
    const msg = String(d.message);
    assert.match(msg, /delimiter: (tab|comma|semicolon|pipe|space)/, `${f}: delimiter in ${msg}`);
    assert.match(msg, /header: line \d+|no header: line \d+/, `${f}: header row in ${msg}`);
    assert.match(msg, /columns mapped by (name|position): [^;]*→ (close|bid)/, `${f}: columns in ${msg}`);
    assert.match(msg, /numbers: '[.,]' is the decimal mark/, `${f}: decimal mark in ${msg}`);
    assert.match(msg, /dates: /, `${f}: dates in ${msg}`);
    assert.match(msg, /time zone: |UTC|EST/, `${f}: time zone in ${msg}`);
    if (/^(DD|MM)/.test(String(r.read?.date_layout))) {
      assert.match(
        msg,
        /dates are (day|month)-first: line \d+|dates read (day|month)-first as told/,
        `${f}: ${msg}`,
      );
    }
    const want = mustReport(f);
    if (want) assert.match(msg, want, `${f}: ${msg}`);
    if (dateOrder) {
      // Without the order the file is refused, saying how to pass it; never read one way silently.
      const refused = await inspectFile(`${DIR}/${f}`);
      assert.equal(refused.format, null, `${f}: read without a date order`);
      assert.equal(refused.findings[0].code, "ambiguous_date");
      assert.match(String(refused.findings[0].message), /--date-order dmy or --date-order mdy/);
      await assert.rejects(
        () => readBars(`${DIR}/${f}`),
        (e) => (e as { code?: string }).code === "ambiguous_date",
      );
    }
    if (f === "investing_pt_ibovespa_monthly.csv") {
      assert.match(msg, /read as a thousands separator because the header is Portuguese/);
    }
    if (f.startsWith("yahoo_nsei_daily_nulls")) {
      const n = r.findings.find((x) => x.code === "null_rows");
      assert.ok(n && n.count === 2 && n.severity === "LOW" && typeof n.line === "number", JSON.stringify(n));
      assert.match(
        msg,
        /2 row\(s\) of null prices \(no trading\) skipped, never read as zero; the first is line \d+/,
      );
    }
  });
}

Deno.test("the demo's third_party step writes two vendor layouts from the sample and shows how they were read", async () => {
  const { STEPS } = await import("../../tasks/demo.ts");
  const step = STEPS.find((s) => s.name === "third_party")!;
  const lines: string[] = [];
  const out = await Deno.makeTempDir();
  const ctx = {
    source: "data/sample",
    out,
    json: false,
    summary: {} as Record<string, unknown>,
    say: (l: string) => lines.push(l),
  };
  assert.equal(await step.run(ctx), true);
  const text = lines.join("\n");
  assert.match(text, /decided: .*preamble/);
  assert.match(text, /decided: .*"Último" → close/);
  assert.match(text, /decided: dates are day-first/);
  assert.match(text, /investing_es_daily\.csv: 60 bars 2024-01-02T00:00:00 \.\. 2024-03-25T00:00:00/);
  assert.equal((ctx.summary.third_party as unknown[]).length, 2);
  // A monthly file no row can date: refused, then read with the order passed.
  assert.match(
    text,
    /investing_es_monthly\.csv: refused \(ambiguous_date\): .*--date-order dmy or --date-order mdy/,
  );
  assert.match(text, /with --date-order dmy: 12 bars 2024-01-01T00:00:00 \.\. 2024-12-01T00:00:00/);
  assert.match(text, /decided: delimiter: comma/);
  await Deno.remove(out, { recursive: true });
});
