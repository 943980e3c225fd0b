/** Symbol specifications: defaults for every symbol of the real data set, overrides from JSON. */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import {
  KNOWN_SYMBOLS,
  normalizePrice,
  normalizeVolume,
  symbolSpec,
  valuePerPriceUnit,
} from "../../lib/market/mod.ts";
import { KinetraError } from "../../lib/errors.ts";
import { realDataDir } from "../../lib/util/paths.ts";
import { scanCatalogSync } from "../../lib/data/catalog.ts";

/** Symbols and the largest number of decimals printed in the first rows of each export. */
function symbolsOfDataDir(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const { path: p } of scanCatalogSync(dir).files) {
    const name = basename(p);
    if (!/\.csv$/i.test(name) || !name.includes("_")) continue;
    const sym = name.split("_")[0];
    const f = Deno.openSync(p);
    const buf = new Uint8Array(8192);
    const n = f.readSync(buf) ?? 0;
    f.close();
    const lines = new TextDecoder().decode(buf.subarray(0, n)).split(/\r?\n/).slice(1, -1);
    let dec = 0;
    for (const l of lines) {
      for (const cell of l.split("\t").slice(2, 6)) dec = Math.max(dec, cell.split(".")[1]?.length ?? 0);
    }
    out.set(sym, Math.max(out.get(sym) ?? 0, dec));
  }
  return out;
}

Deno.test("every symbol of the real data set has a built-in spec whose digits match the exports", () => {
  const { dir, which } = realDataDir();
  console.log(`symbols from ${dir} (${which})`);
  const seen = symbolsOfDataDir(dir);
  assert.ok(seen.size >= 6);
  if (which === "shared") assert.equal(seen.size, 22);
  for (const [sym, dec] of seen) {
    const s = symbolSpec(sym);
    assert.ok(KNOWN_SYMBOLS.includes(sym), `${sym} has defaults`);
    assert.match(s.source, /^Kinetra default/);
    assert.equal(s.digits, dec, `${sym} digits`);
    assert.equal(s.point, Number((10 ** -dec).toFixed(dec)));
    assert.ok(s.contractSize > 0 && s.tickValue > 0 && s.volumeMin > 0 && s.volumeStep > 0);
  }
});

Deno.test("tick value expresses the quote currency in USD", () => {
  assert.ok(Math.abs(valuePerPriceUnit(symbolSpec("AUDUSD+")) - 100_000) < 1e-6);
  assert.equal(symbolSpec("AUDUSD+").tickValue, 1);
  assert.ok(Math.abs(valuePerPriceUnit(symbolSpec("EURJPY+")) - 100_000 / 150) < 1e-6);
  assert.ok(Math.abs(valuePerPriceUnit(symbolSpec("XAUUSD+")) - 100) < 1e-9);
  assert.equal(symbolSpec("COPPER-C").contractSize, 25_000);
});

Deno.test("unknown names: suffix stripped to a known symbol, else a flagged generic default", () => {
  assert.match(symbolSpec("EURUSD.r").source, /EURUSD/);
  assert.equal(symbolSpec("AUDUSD").digits, 5);
  const g = symbolSpec("USDCHF");
  assert.match(g.source, /generic/);
  assert.equal(g.assetClass, "forex");
  assert.throws(() => symbolSpec("  "), (e) => e instanceof KinetraError && e.code === "bad_symbol_spec");
});

Deno.test("overrides from a JSON file, in camelCase or MT5 field names; bad files give clear errors", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const p = join(dir, "symbols.json");
    Deno.writeTextFileSync(
      p,
      JSON.stringify({
        "AUDUSD+": { commissionPerLot: 2.5, trade_stops_level: 15, swap_long: -1.1, trade_mode: 1 },
      }),
    );
    const s = symbolSpec("AUDUSD+", p);
    assert.equal(s.commissionPerLot, 2.5);
    assert.equal(s.stopsLevel, 15);
    assert.equal(s.swapLong, -1.1);
    assert.equal(s.tradeMode, "longonly");
    assert.match(s.source, /overridden/);
    assert.equal(symbolSpec("GBPUSD+", p).commissionPerLot, 3.5); // other symbols untouched
    Deno.writeTextFileSync(p, JSON.stringify({ "AUDUSD+": { bogus: 1 } }));
    assert.throws(
      () => symbolSpec("AUDUSD+", p),
      (e) => e instanceof KinetraError && /bogus/.test(e.message),
    );
    Deno.writeTextFileSync(p, JSON.stringify({ "AUDUSD+": { volumeMin: -1 } }));
    assert.throws(
      () => symbolSpec("AUDUSD+", p),
      (e) => e instanceof KinetraError && e.code === "bad_symbol_spec",
    );
    Deno.writeTextFileSync(p, "{not json");
    assert.throws(
      () => symbolSpec("AUDUSD+", p),
      (e) => e instanceof KinetraError && /not valid JSON/.test(e.message),
    );
    assert.throws(
      () => symbolSpec("AUDUSD+", join(dir, "missing.json")),
      (e) => e instanceof KinetraError && e.code === "file_not_found",
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("volume and price normalisation follow MQL5 (floor to step, clamp, tick rounding)", () => {
  const s = symbolSpec("AUDUSD+");
  assert.equal(normalizeVolume(s, 0.237), 0.23);
  assert.equal(normalizeVolume(s, 0.3), 0.3);
  assert.equal(normalizeVolume(s, 0.004), 0);
  assert.equal(normalizeVolume(s, 1e6), s.volumeMax);
  assert.equal(normalizePrice(s, 0.651234), 0.65123);
  assert.equal(normalizePrice(symbolSpec("EURJPY+"), 1.000005), 1);
});
