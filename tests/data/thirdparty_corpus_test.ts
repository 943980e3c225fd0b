/**
 * Issue 20 corpus: 30 real third-party files (tests/fixtures/thirdparty, sources and licences in its
 * README). For each, the expected rows, first and last bar times and closes come from a small
 * per-layout script here (string splitting and Date.UTC, no reader code), and the reader must
 * agree, without a CRITICAL finding, reporting its decisions in `read_decisions`.
 */
import assert from "node:assert/strict";
import { inspectFile } from "../../lib/data/inspect.ts";
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

/** The expected rows of a file, by layout. */
function expected(f: string): Row[] {
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
  if (f.startsWith("cdd_gemini")) return /preamble/;
  if (f.startsWith("cdd_excel")) return /does not hold readable times/;
  if (f.startsWith("investing_es_eurcop")) return /decimal mark|columns mapped/;
  if (/^investing_(es|en|pt)_.*monthly/.test(f)) {
    return /cannot tell day-first from month-first; read (day|month)-first because/;
  }
  if (f.startsWith("investing_en_bitcoin_daily_dmy")) return /day-first: line \d+/;
  if (f.startsWith("investing")) return /columns mapped by name/;
  if (f.startsWith("nasdaq")) return /month-first/;
  if (f.startsWith("cdd_binance")) return /epoch milliseconds/;
  if (f.startsWith("mt5_python")) return /pandas index.*epoch seconds/;
  return null;
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

for (const f of files) {
  Deno.test(`third-party file ${f}: rows, first/last times and closes as stated independently`, async () => {
    const rows = expected(f);
    // Sort and keep the last of repeated times (none are expected in this corpus).
    const byTime = new Map<number, number>();
    for (const [t, c] of rows) byTime.set(t, c);
    const times = [...byTime.keys()].sort((a, b) => a - b);
    const r = await inspectFile(`${DIR}/${f}`);
    assert.ok(r.format !== null, `${f}: read (${JSON.stringify(r.findings[0])})`);
    assert.equal(r.rows, times.length, `${f}: rows`);
    assert.equal(r.first_time, iso(times[0]), `${f}: first time`);
    assert.equal(r.last_time, iso(times[times.length - 1]), `${f}: last time`);
    assert.equal(r.first_close, byTime.get(times[0]), `${f}: first close`);
    assert.equal(r.last_close, byTime.get(times[times.length - 1]), `${f}: last close`);
    assert.ok(!r.findings.some((x) => x.severity === "CRITICAL"), `${f}: ${JSON.stringify(r.findings)}`);
    const want = mustReport(f);
    if (want) {
      const d = r.findings.find((x) => x.code === "read_decisions");
      assert.ok(d, `${f}: read_decisions finding`);
      assert.match(String(d.message), want, `${f}: ${d.message}`);
    }
    if (f === "investing_pt_ibovespa_monthly.csv") {
      const d = r.findings.find((x) => x.code === "read_decisions");
      assert.match(String(d?.message), /read as a thousands separator because the header is Portuguese/);
    }
    if (f === "yahoo_nsei_daily_nulls_a.csv") {
      const n = r.findings.find((x) => x.code === "null_rows");
      assert.ok(n && n.count === 2 && n.severity === "LOW", JSON.stringify(n));
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
  await Deno.remove(out, { recursive: true });
});
