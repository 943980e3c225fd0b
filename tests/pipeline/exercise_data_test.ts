/** `deno task exercise:data` on the sample: every file loaded, validated, prepared; a sample backtested; the report's fields. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readBars } from "../../lib/data/mod.ts";
import { listDataFiles } from "../../lib/pipeline/mod.ts";

Deno.test("exercise:data --json --profile on data/sample", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-exdata-" });
  try {
    const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
    delete (env as Record<string, string>).RUST_BACKTRACE;
    const reportPath = join(tmp, "report.json");
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "exercise:data",
        "--source",
        "data/sample",
        "--out",
        join(tmp, "prepared"),
        "--report",
        reportPath,
        "--sample",
        "1",
        "--profile",
        "--json",
      ],
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(r.stdout);
    const report = JSON.parse(stdout);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(reportPath)), report, "report file = printed JSON");
    for (
      const k of [
        "data_files_found",
        "data_files_loaded",
        "total_rows_processed",
        "operations",
        "errors",
        "bottlenecks",
      ]
    ) {
      assert.ok(k in report, k);
    }
    const files = await listDataFiles("data/sample");
    assert.equal(report.data_files_found, files.length);
    assert.equal(report.data_files_loaded, files.length);
    let rows = 0;
    for (const f of files) rows += (await readBars(join("data/sample", f))).frame.height;
    assert.equal(report.total_rows_processed, rows);
    const ops = Object.fromEntries(report.operations.map((o: { operation: string }) => [o.operation, o]));
    for (const op of ["catalog", "data_loading", "validation", "preparation", "backtest_sample"]) {
      assert.ok(ops[op]?.available, `${op} available`);
    }
    assert.equal(ops.preparation.successful, files.length);
    assert.ok(ops.backtest_sample.successful >= 1);
    assert.ok(
      report.files.every((f: { read_ms: number; validate_ms: number }) =>
        f.read_ms >= 0 && f.validate_ms >= 0
      ),
    );
    // The sample's real findings are gaps (market closures), reported per file; exit 1 because errors exist.
    assert.ok(report.errors.length > 0 && report.errors.every((e: { code: string }) => e.code === "gaps"));
    assert.equal(r.code, 1);
    // The CPU profile is written and summarised.
    assert.ok(report.profile.samples > 0);
    assert.ok(report.profile.slowest.length > 0);
    assert.ok((await Deno.stat(report.profile.path)).size > 0);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("exercise:data stopped by SIGTERM (the menu's stop) saves a report of what finished and exits 130", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-exdata-stop-" });
  try {
    const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
    delete (env as Record<string, string>).RUST_BACKTRACE;
    const reportPath = join(tmp, "report.json");
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "-A",
        "tasks/exercise_data.ts",
        "--source",
        "data/sample",
        "--out",
        join(tmp, "prepared"),
        "--report",
        reportPath,
        "--verbose",
      ],
      env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!/ load \S+: \d+ rows/.test(out)) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    child.kill("SIGTERM");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    const status = await child.status;
    const err = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(status.code, 130, out + err);
    assert.match(err, /partial report saved to/);
    const report = JSON.parse(await Deno.readTextFile(reportPath));
    assert.equal(report.interrupted, true);
    assert.ok(
      report.files.some((f: { rows: number | null }) => (f.rows ?? 0) > 0),
      "the loaded file is in the report",
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
