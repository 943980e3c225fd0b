/**
 * `deno task bench:data [--source DIR] [--runs N] [--no-polars] [--json] [--compare CHECKOUT]`
 *
 * Benchmark: read and validate every export of the real data set (default: the folder
 * `realDataDir()` picks: $KINETRA_MASTER_DIR, ../shared/data/master, data/master, data/sample) with
 * Kinetra's reader (`validateFolder`, exactly what `data:validate` does), then, in the same
 * process, a plain line-splitting JavaScript reader and (unless --no-polars) polars `readCSV` with
 * the time column built, over the same files. Reports wall time, rows per second and peak RSS.
 * Peak RSS for Kinetra is read (VmHWM) right after its runs, before the other readers run.
 *
 * `--compare CHECKOUT` (another checkout of Kinetra, e.g. `git worktree add /tmp/kinetra-old <commit>`)
 * first runs that version's `validateFolder` and this one's alternately in this process (one untimed
 * warm-up run each, then `runs` rounds, order swapped every round), so that "before" and "after"
 * see the same load.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import process from "node:process";
import pl from "nodejs-polars";
import { parseTaskArgs, scanCatalog, validateFolder } from "../lib/data/mod.ts";
import { KinetraError } from "../lib/errors.ts";
import { numberOptionOr, runTask } from "../lib/util/cli.ts";
import { realDataDir } from "../lib/util/paths.ts";

const USAGE =
  "usage: deno task bench:data [--source DIR] [--runs N] [--no-polars] [--json] [--compare CHECKOUT]";

/** Peak resident set size of this process in bytes (Linux VmHWM), else the current RSS. */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux */ }
  return Deno.memoryUsage().rss;
}

/** The baseline: read text, split lines and cells, Date.parse and Number into typed arrays. */
async function plainReader(path: string): Promise<number> {
  const text = await Deno.readTextFile(path);
  const lines = text.split("\n");
  const n = lines.length;
  const time = new Float64Array(n), close = new Float64Array(n);
  let k = 0;
  for (let i = 1; i < n; i++) {
    const line = lines[i];
    if (line.length < 2) continue;
    const c = line.split("\t");
    time[k] = Date.parse(`${c[0].replaceAll(".", "-")}T${c[1]}Z`);
    for (let j = 2; j < c.length; j++) close[k] = Number(c[j]);
    k++;
  }
  return k;
}

/** polars readCSV plus the time column (concat date and time, strptime, cast to ms). */
function polarsReader(path: string): number {
  const df = pl.readCSV(path, { sep: "\t" });
  const cols = df.columns;
  if (!cols.includes("<TIME>")) return df.height;
  const t = df.select(
    pl.concatString([pl.col("<DATE>"), pl.col("<TIME>")], " ")
      .str.strptime(pl.Datetime("ms"), "%Y.%m.%d %H:%M:%S").cast(pl.Datetime("ms")).alias("time"),
  );
  return t.height;
}

const ms = (t0: number) => Math.round(performance.now() - t0);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

type ValidateFolder = (dir: string) => Promise<{ records: unknown[] }>;

/** `validateFolder` of another checkout (its lib/data/mod.ts), for an A/B in this process. */
async function otherValidateFolder(checkout: string): Promise<ValidateFolder> {
  const mod = resolve(checkout, "lib/data/mod.ts");
  if (!existsSync(mod)) {
    throw new KinetraError(
      "bad_argument",
      `--compare ${checkout}: no lib/data/mod.ts there; expected another checkout of Kinetra (e.g. git worktree add /tmp/kinetra-old <commit>).`,
    );
  }
  const m = await import(pathToFileURL(mod).href);
  if (typeof m.validateFolder !== "function") {
    throw new KinetraError(
      "bad_argument",
      `--compare ${checkout}: its lib/data/mod.ts has no validateFolder.`,
    );
  }
  return m.validateFolder as ValidateFolder;
}

/** Wall and CPU milliseconds of each run of one side of an A/B. */
interface Side {
  wall: number[];
  cpu: number[];
}

/**
 * `runs` rounds of `a` and `b` alternated (order swapped each round) after one untimed run of each:
 * wall and process CPU ms (every thread: parsing and the file reads) of each run.
 */
async function alternate(
  a: ValidateFolder,
  b: ValidateFolder,
  source: string,
  runs: number,
): Promise<{ a: Side; b: Side }> {
  // One untimed run of each first: both compiled (warm) before any run counts.
  await a(source);
  await b(source);
  const sa: Side = { wall: [], cpu: [] }, sb: Side = { wall: [], cpu: [] };
  for (let r = 0; r < runs; r++) {
    const order: Array<[ValidateFolder, Side]> = r % 2 ? [[b, sb], [a, sa]] : [[a, sa], [b, sb]];
    for (const [f, side] of order) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await f(source);
      side.wall.push(ms(t0));
      const cpu = process.cpuUsage(cpu0);
      side.cpu.push(Math.round((cpu.user + cpu.system) / 1000));
    }
  }
  return { a: sa, b: sb };
}

await runTask(async () => {
  const { values } = parseTaskArgs(Deno.args, {
    source: { type: "string" },
    runs: { type: "string", default: "3" },
    "no-polars": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    compare: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  }, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const real = realDataDir();
  const source = values.source ?? real.dir;
  const runs = numberOptionOr("runs", values.runs, 3, { integer: true, min: 1 });
  const cat = await scanCatalog(source);
  const bytes = cat.files.reduce((s, f) => s + f.size_bytes, 0);
  const log = (s: string) => {
    if (!values.json) console.log(s);
  };
  log(
    `bench:data on ${source} (${values.source ? "given" : real.which}): ${cat.files.length} files, ${
      (bytes / 1e6).toFixed(1)
    } MB`,
  );
  log(
    `machine: ${navigator.hardwareConcurrency} logical CPUs, load average ${
      Deno.loadavg().map((x) => x.toFixed(2)).join(" ")
    }`,
  );

  // Before/after in the same minutes: another checkout's reader and this one, alternated.
  let compare: null | {
    checkout: string;
    other_ms: number[];
    this_ms: number[];
    other_cpu_ms: number[];
    this_cpu_ms: number[];
    other_best_ms: number;
    this_best_ms: number;
    other_median_ms: number;
    this_median_ms: number;
    other_median_cpu_ms: number;
    this_median_cpu_ms: number;
    load_average: number[];
  } = null;
  if (values.compare) {
    const other = await otherValidateFolder(values.compare);
    const ab = await alternate(other, validateFolder, source, runs);
    compare = {
      checkout: resolve(values.compare),
      other_ms: ab.a.wall,
      this_ms: ab.b.wall,
      other_cpu_ms: ab.a.cpu,
      this_cpu_ms: ab.b.cpu,
      other_best_ms: Math.min(...ab.a.wall),
      this_best_ms: Math.min(...ab.b.wall),
      other_median_ms: median(ab.a.wall),
      this_median_ms: median(ab.b.wall),
      other_median_cpu_ms: median(ab.a.cpu),
      this_median_cpu_ms: median(ab.b.cpu),
      load_average: Deno.loadavg(),
    };
    const c = compare;
    log(
      `\nA/B, alternated in this process (${runs} rounds, load average now ${c.load_average[0].toFixed(2)}):`,
    );
    log(
      `  ${values.compare.padEnd(28)} wall ${
        c.other_ms.join(", ")
      } (best ${c.other_best_ms}, median ${c.other_median_ms}); CPU median ${c.other_median_cpu_ms} ms`,
    );
    log(
      `  ${"this checkout".padEnd(28)} wall ${
        c.this_ms.join(", ")
      } (best ${c.this_best_ms}, median ${c.this_median_ms}); CPU median ${c.this_median_cpu_ms} ms`,
    );
    log(
      `  this / other: best ${(c.this_best_ms / c.other_best_ms).toFixed(3)}, median ${
        (c.this_median_ms / c.other_median_ms).toFixed(3)
      }, CPU median ${(c.this_median_cpu_ms / c.other_median_cpu_ms).toFixed(3)}`,
    );
  }

  // Kinetra: read + validate every file (what data:validate does), `runs` times.
  const kinetraMs: number[] = [];
  let rows = 0, findings = 0, critical = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const v = await validateFolder(source);
    kinetraMs.push(ms(t0));
    rows = v.records.reduce((s, x) => s + x.rows, 0);
    findings = v.records.reduce((s, x) => s + x.findings.length, 0);
    critical = v.by_severity.CRITICAL;
  }
  const kinetraPeak = peakRss();

  const plainMs: number[] = [];
  let plainRows = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    plainRows = 0;
    for (const f of cat.files) plainRows += await plainReader(f.path);
    plainMs.push(ms(t0));
  }
  const polarsMs: number[] = [];
  let polarsRows = 0;
  if (!values["no-polars"]) {
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      polarsRows = 0;
      for (const f of cat.files) polarsRows += polarsReader(f.path);
      polarsMs.push(ms(t0));
    }
  }
  const best = (xs: number[]) => Math.min(...xs);
  const result = {
    source,
    files: cat.files.length,
    bytes,
    rows,
    runs,
    load_average: Deno.loadavg(),
    kinetra_read_validate: {
      wall_ms: kinetraMs,
      best_ms: best(kinetraMs),
      first_ms: kinetraMs[0],
      rows_per_second: Math.round(rows / (best(kinetraMs) / 1000)),
      findings,
      critical_files: critical,
      peak_rss_bytes: kinetraPeak,
    },
    plain_js_reader: {
      wall_ms: plainMs,
      best_ms: best(plainMs),
      rows: plainRows,
      rows_per_second: Math.round(plainRows / (best(plainMs) / 1000)),
    },
    polars_read_csv_with_time: polarsMs.length
      ? {
        wall_ms: polarsMs,
        best_ms: best(polarsMs),
        rows: polarsRows,
        rows_per_second: Math.round(polarsRows / (best(polarsMs) / 1000)),
      }
      : null,
    peak_rss_bytes_process: peakRss(),
    compare,
  };
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  const mb = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;
  const k = result.kinetra_read_validate;
  log(`\nreader                         runs (ms)            best     rows/s`);
  const row = (name: string, xs: number[], rps: number) =>
    log(
      `${name.padEnd(30)} ${xs.join(", ").padEnd(20)} ${String(best(xs)).padStart(5)} ms ${
        (rps / 1e6).toFixed(2)
      } M`,
    );
  row("kinetra read + validate", kinetraMs, k.rows_per_second);
  row("plain JS line-splitting read", plainMs, result.plain_js_reader.rows_per_second);
  if (result.polars_read_csv_with_time) {
    row("polars readCSV + time column", polarsMs, result.polars_read_csv_with_time.rows_per_second);
  }
  log(`\n${rows} bars, ${findings} findings (${critical} files with CRITICAL findings)`);
  log(
    `peak RSS after the Kinetra runs: ${mb(kinetraPeak)}; whole process: ${
      mb(result.peak_rss_bytes_process)
    }`,
  );
  log(
    `target: under 1000 ms for read + validate, peak RSS under 1.5 GB → ${
      k.best_ms < 1000 && kinetraPeak < 1.5 * 1024 ** 3 ? "met" : "NOT met"
    } (best run; first run ${k.first_ms} ms)`,
  );
  return 0;
});
