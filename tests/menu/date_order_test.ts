/**
 * The menu's date order: a read refused because no row settles the day/month order asks once and
 * keeps the answer for the session; `--date-order` (MenuOptions.dateOrder) sets it up front.
 */
import assert from "node:assert/strict";
import { childEnv, menuCommand, runScripted, tempOptions } from "./_helpers.ts";
import { AMBIGUOUS_SOURCE, writeAmbiguousFile } from "../_date_order.ts";

async function ambiguousDir(): Promise<{ dir: string; first: string; last: string; n: number }> {
  const dir = await Deno.makeTempDir({ prefix: "kinetra_menu_dates_" });
  await Deno.mkdir(`${dir}/forex`);
  const bars = await writeAmbiguousFile(AMBIGUOUS_SOURCE, `${dir}/forex/GBPUSD_H4.csv`);
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return { dir, first: day(bars[0].t), last: day(bars.at(-1)!.t), n: bars.length };
}

Deno.test("menu: an ambiguous file asks for the date order once, reads with the answer and keeps it for the session", async () => {
  const data = await ambiguousDir();
  const opts = await tempOptions({ dataDir: data.dir });
  try {
    // Exploration > Feature and Regime Snapshot, the only symbol; asked: day-first; Enter;
    // then Backtesting > Compare Strategies on the same file: not asked again.
    const { out } = await runScripted(["2", "2", "", "1", "", "0", "3", "3", "", ""], opts);
    assert.equal(opts.dateOrder, "dmy");
    assert.equal(out.match(/no row tells whether its dates are day-first or month-first/g)?.length, 1, out);
    assert.match(out, /Dates read day-first for the rest of this session/);
    assert.ok(out.includes(`GBPUSD H4: ${data.n} bars, ${data.first}..${data.last}`), out);
    assert.match(out, /Common evaluation window/);
    assert.doesNotMatch(out, /Error:/);
  } finally {
    await Deno.remove(opts.work, { recursive: true });
    await Deno.remove(data.dir, { recursive: true });
  }
});

Deno.test("menu: 0 at the date-order prompt goes back without a setting; month-first is another reading", async () => {
  const data = await ambiguousDir();
  const back = await tempOptions({ dataDir: data.dir });
  const mdy = await tempOptions({ dataDir: data.dir });
  try {
    const b = await runScripted(["2", "2", "", "0"], back);
    assert.equal(back.dateOrder, undefined);
    assert.match(b.out, /no row tells whether its dates are day-first or month-first/);
    assert.ok(!b.out.includes(`${data.n} bars`), "nothing read");
    const m = await runScripted(["2", "2", "", "2", ""], mdy);
    assert.equal(mdy.dateOrder, "mdy");
    // The same cells read month-first are other bars in another order: other feature values.
    const dmy = await tempOptions({ dataDir: data.dir, dateOrder: "dmy" });
    const d = await runScripted(["2", "2", "", ""], dmy);
    await Deno.remove(dmy.work, { recursive: true });
    const features = (out: string) => out.slice(out.indexOf("Latest bar"), out.indexOf("Next:"));
    assert.match(features(d.out), /energy_pct/);
    assert.notEqual(features(m.out), features(d.out));
  } finally {
    for (const o of [back, mdy]) await Deno.remove(o.work, { recursive: true });
    await Deno.remove(data.dir, { recursive: true });
  }
});

Deno.test("menu --date-order: the setting reads without asking (summary, validation); without it the summary says how", async () => {
  const data = await ambiguousDir();
  const set = await tempOptions({ dataDir: data.dir, dateOrder: "dmy" });
  const unset = await tempOptions({ dataDir: data.dir });
  try {
    // Exploration > Data Summary; Data Management > Validate Data.
    const s = await runScripted(["2", "1", "", "0", "5", "1", ""], set);
    assert.doesNotMatch(s.out, /no row tells/);
    assert.match(s.out, new RegExp(`forex\\s+1\\s+${data.n}\\s+${data.first}\\.\\.${data.last}`));
    assert.doesNotMatch(s.out, /ambiguous_date/);
    const u = await runScripted(["2", "1", ""], unset);
    assert.match(u.out, /unreadable: forex\/GBPUSD_H4\.csv: .*ambiguous/);
    assert.match(
      u.out,
      /1 file\(s\) have dates no row can order \(day\/month\): start the menu with --date-order dmy\|mdy/,
    );
    // The task: a bad value is bad input (exit 2, no stack trace).
    const r = await new Deno.Command(Deno.execPath(), {
      args: menuCommand(["--date-order", "dd/mm", "--data-dir", data.dir]),
      env: childEnv(),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 2, err);
    assert.match(err, /--date-order "dd\/mm": expected dmy/);
    assert.doesNotMatch(err, /\n\s+at /);
  } finally {
    for (const o of [set, unset]) await Deno.remove(o.work, { recursive: true });
    await Deno.remove(data.dir, { recursive: true });
  }
});
