/** The pattern table: codes and messages map to the documented categories; unknown falls back. */
import assert from "node:assert/strict";
import { categories, categorize, categorizeAll, patternTable } from "../../lib/pipeline/mod.ts";

Deno.test("every category the issue requires exists with a severity and a fix", () => {
  const required = [
    "dtype_incompatibility",
    "missing_column",
    "unrecognized_format",
    "timeframe_mismatch",
    "duplicate_bars",
    "unsorted_bars",
    "gaps",
    "empty_file",
    "file_not_found",
    "missing_dependency",
    "stdin_eof",
    "timeout",
    "type_error",
    "unknown",
  ];
  for (const c of required) assert.ok(categories().includes(c), `missing category ${c}`);
  for (const p of patternTable()) {
    assert.ok(["CRITICAL", "HIGH", "MEDIUM", "LOW"].includes(p.severity), p.category);
    assert.ok(p.fix && p.suggestion, p.category);
    new RegExp(p.regex); // compiles
  }
});

Deno.test("lib/data's error and finding codes map to their categories", () => {
  const cases: [string, string][] = [
    ["non_numeric", "dtype_incompatibility"],
    ["missing_column", "missing_column"],
    ["unrecognized_format", "unrecognized_format"],
    ["ambiguous_date", "unrecognized_format"],
    ["timeframe_mismatch", "timeframe_mismatch"],
    ["duplicate_bars", "duplicate_bars"],
    ["unsorted_bars", "unsorted_bars"],
    ["gaps", "gaps"],
    ["empty_file", "empty_file"],
    ["header_only", "empty_file"],
    ["file_not_found", "file_not_found"],
    ["column_count_mismatch", "malformed_row"],
    ["truncated_file", "malformed_row"],
    ["invalid_date", "malformed_row"],
    ["non_positive_price", "invalid_price"],
    ["ohlc_inconsistent", "invalid_price"],
    ["date_range_mismatch", "date_range_mismatch"],
    ["utf16_encoding", "format_variant"],
    ["timeout", "timeout"],
  ];
  for (const [code, cat] of cases) {
    assert.equal(categorize({ stage: "real_data", code, message: "m", file: "f.csv" }).category, cat, code);
  }
});

Deno.test("messages without a code are matched by the regexes, in table order", () => {
  const m = (message: string) => categorize({ stage: "unit_tests", message }).category;
  assert.equal(m("error: Cannot find module 'nodejs-polars-linux-x64-gnu'"), "missing_dependency");
  assert.equal(m("TypeError: x.map is not a function"), "type_error");
  assert.equal(m("TS2322: Type 'string' is not assignable to type 'number'."), "type_error");
  assert.equal(m("menu path Main > Data: Input stream ended (EOF) at prompt"), "stdin_eof");
  assert.equal(m("command timed out after 30 s"), "timeout");
  assert.equal(
    m("ufunc 'add' did not contain a loop: resolved dtypes are not compatible with add.reduce"),
    "dtype_incompatibility",
  );
  assert.equal(m("AssertionError: Expected values to be strictly equal"), "test_failure");
  assert.equal(
    m("menu path Main Menu > Backtesting: Unexpected problem (a bug in Kinetra): Cannot read properties of undefined (reading 'length')"),
    "type_error",
  );
  assert.equal(
    m("Kinetra cannot read this file: unrecognized format (first line 'PK')"),
    "unrecognized_format",
  );
  assert.equal(m("something nobody has seen"), "unknown");
  assert.equal(categorize({ stage: "unit_tests", message: "something nobody has seen" }).severity, "LOW");
});

Deno.test("the same defect is counted once; a consequence is counted under its cause", () => {
  const list = categorizeAll([
    { stage: "real_data", code: "duplicate_bars", message: "5 dups", file: "a.csv" },
    { stage: "data_preparation", code: "duplicate_bars", message: "dups again", file: "a.csv" },
    { stage: "real_data", code: "truncated_file", message: "last line cut", file: "b.csv" },
    { stage: "real_data", code: "date_range_mismatch", message: "range differs", file: "b.csv" },
    { stage: "real_data", code: "date_range_mismatch", message: "range differs", file: "c.csv" },
  ]);
  assert.deepEqual(list.map((e) => `${e.file}:${e.category}`), [
    "a.csv:duplicate_bars",
    "b.csv:malformed_row",
    "c.csv:date_range_mismatch",
  ]);
  assert.equal(list[0].details?.occurrences, 2);
  assert.deepEqual(list[0].details?.also_reported_by, ["data_preparation"]);
  assert.equal((list[1].details?.subsumes as unknown[]).length, 1);
});

Deno.test("categorising again does not grow the counts (the stage's records are not annotated)", () => {
  const raws = [
    {
      stage: "real_data" as const,
      code: "duplicate_bars",
      message: "5 dups",
      file: "a.csv",
      details: { n: 5 },
    },
    {
      stage: "data_preparation" as const,
      code: "duplicate_bars",
      message: "dups",
      file: "a.csv",
      details: { n: 5 },
    },
  ];
  const first = categorizeAll(raws);
  const again = categorizeAll(raws);
  assert.deepEqual(again, first);
  assert.equal(again[0].details?.occurrences, 2);
  assert.deepEqual(raws[0].details, { n: 5 });
});
