// The market room: one instrument type, one normaliser, one side, the MT5 name mapping at the
// edge, and the currency converter interface.
import assert from "node:assert/strict";
import {
  instrumentFromMt5,
  isNormalizedPrice,
  isVolumeOnStep,
  normalizePrice,
  normalizeVolume,
  orderTypeOfSide,
  pointsBetween,
  sideName,
  sideOf,
  sideOfType,
  STATIC_CONVERTER,
  StaticConverter,
  symbolSpec,
  toMt5SymbolInfo,
  USD_PER,
} from "../../lib/market/mod.ts";
import { ORDER_TYPE } from "../../lib/market/mt5_constants.ts";
import { KinetraError } from "../../lib/errors.ts";

Deno.test("an instrument carries MT5's trading properties with retail defaults", () => {
  const s = symbolSpec("EURJPY+");
  assert.equal(s.digits, 3);
  assert.equal(s.point, 0.001);
  assert.equal(s.tickSize, 0.001);
  assert.equal(s.contractSize, 100_000);
  assert.equal(s.executionMode, "market");
  assert.equal(s.fillingMode, 3); // FOK | IOC
  assert.equal(s.volumeLimit, 0);
  assert.equal(s.marginRate, 1);
  assert.equal(s.currency, "JPY");
  assert.equal(s.baseCurrency, "EUR");
  assert.equal(s.marginCurrency, "EUR");
  // Tick value of a JPY quote in USD through the static table: 0.001 × 100 000 / 150.
  assert.ok(Math.abs(s.tickValue - 100 / 150) < 1e-12);
});

Deno.test("MT5 names map both ways in one place and round-trip every carried field", () => {
  const s = { ...symbolSpec("XAUUSD+"), stopsLevel: 12, freezeLevel: 3, tradeMode: "longonly" as const };
  const info = toMt5SymbolInfo(s);
  assert.equal(info.name, "XAUUSD+");
  assert.equal(info.trade_mode, 1);
  assert.equal(info.trade_exemode, 2);
  assert.equal(info.trade_stops_level, 12);
  assert.equal(info.trade_freeze_level, 3);
  const back = instrumentFromMt5(info, symbolSpec("XAUUSD+"));
  for (
    const k of [
      "digits",
      "point",
      "tickSize",
      "contractSize",
      "volumeMin",
      "volumeMax",
      "volumeStep",
      "stopsLevel",
      "freezeLevel",
      "tradeMode",
      "executionMode",
      "fillingMode",
      "currency",
    ] as const
  ) {
    assert.equal(back[k], s[k], k);
  }
  assert.ok(Math.abs(back.tickValue - s.tickValue) < 1e-12);
  // A terminal's values win over the defaults; what the bridge does not carry stays.
  const broker = instrumentFromMt5({ ...info, volume_step: 0.1, trade_exemode: 1 }, symbolSpec("XAUUSD+"));
  assert.equal(broker.volumeStep, 0.1);
  assert.equal(broker.executionMode, "instant");
  assert.equal(broker.swapLong, s.swapLong);
});

Deno.test("override files accept MT5 names for the new fields", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/symbols.json`;
    Deno.writeTextFileSync(
      path,
      JSON.stringify({
        "GBPUSD+": { trade_exemode: 1, filling_mode: 1, volume_limit: 5, margin_initial: 0.5 },
      }),
    );
    const s = symbolSpec("GBPUSD+", path);
    assert.equal(s.executionMode, "instant");
    assert.equal(s.fillingMode, 1);
    assert.equal(s.volumeLimit, 5);
    assert.equal(s.marginRate, 0.5);
    Deno.writeTextFileSync(path, JSON.stringify({ "GBPUSD+": { trade_exemode: 9 } }));
    assert.throws(() => symbolSpec("GBPUSD+", path), (e) => e instanceof KinetraError);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("one normaliser: prices snap to the tick grid, volumes floor to the step, 0 means cannot", () => {
  const eu = symbolSpec("EURUSD");
  assert.equal(normalizePrice(eu, 1.0812345), 1.08123);
  assert.equal(normalizePrice(eu, 1.0812351), 1.08124);
  assert.ok(isNormalizedPrice(eu, 1.08123));
  assert.ok(!isNormalizedPrice(eu, 1.081235));
  // An index whose tick size (0.25) is larger than its point (0.01).
  const idx = { ...symbolSpec("NAS100"), tickSize: 0.25 };
  assert.equal(normalizePrice(idx, 20000.13), 20000.25);
  assert.equal(normalizePrice(idx, 20000.12), 20000);
  assert.equal(normalizeVolume(eu, 0.037), 0.03);
  assert.equal(normalizeVolume(eu, 0.03), 0.03);
  assert.equal(normalizeVolume(eu, 0.004), 0);
  assert.equal(normalizeVolume(eu, -1), 0);
  assert.equal(normalizeVolume(eu, NaN), 0);
  assert.equal(normalizeVolume(eu, 1e9), eu.volumeMax);
  assert.ok(isVolumeOnStep(eu, 0.07));
  assert.ok(!isVolumeOnStep(eu, 0.075));
  assert.equal(pointsBetween(eu, 1.1003, 1.1), 30);
});

Deno.test("one side: +1/-1 in code, names in records, MT5 type numbers converted here", () => {
  assert.equal(sideName(1), "long");
  assert.equal(sideName(-1), "short");
  assert.equal(sideOf("buy"), 1);
  assert.equal(sideOf("short"), -1);
  assert.equal(sideOf(-0.5), -1);
  assert.throws(() => sideOf(0));
  assert.equal(orderTypeOfSide(1), ORDER_TYPE.BUY);
  assert.equal(orderTypeOfSide(-1), ORDER_TYPE.SELL);
  assert.equal(sideOfType(ORDER_TYPE.BUY_LIMIT), 1);
  assert.equal(sideOfType(ORDER_TYPE.SELL_STOP), -1);
});

Deno.test("currency conversion goes through a converter with rate(from, to, time)", () => {
  assert.equal(STATIC_CONVERTER.rate("USD", "USD", 0), 1);
  assert.equal(STATIC_CONVERTER.rate("EUR", "USD", 0), USD_PER.EUR);
  const eurJpy = STATIC_CONVERTER.rate("EUR", "JPY", Date.UTC(2025, 0, 1));
  assert.ok(Math.abs(eurJpy - 1.08 * 150) < 1e-9);
  assert.throws(() => STATIC_CONVERTER.rate("XYZ", "USD", 0), (e) => e instanceof KinetraError);
  const custom = new StaticConverter({ USD: 1, CHF: 1.1 });
  assert.ok(Math.abs(custom.rate("USD", "CHF", 0) - 1 / 1.1) < 1e-15);
});
