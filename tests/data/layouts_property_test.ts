/**
 * Property tests for issue 20: real MT5 exports rewritten into each third-party layout the reader
 * supports must read back to the same bars (times, open, high, low, close), and every layout that
 * needed a decision reports it in a `read_decisions` finding. The source bars come from the MT5
 * files themselves (parsed here with split/Date.UTC, independently of the reader).
 */
import assert from "node:assert/strict";
import { loadBytes } from "../../lib/data/read_bars.ts";
import { validateLoaded } from "../../lib/data/validate.ts";
import { isKinetraError } from "../../lib/errors.ts";

interface Bar {
  t: number;
  o: string;
  h: string;
  l: string;
  c: string;
  v: string;
}

/** An MT5 export's bars (first `n`), straight from its text. */
function mt5Bars(path: string, n: number): Bar[] {
  const lines = Deno.readTextFileSync(path).split(/\r?\n/).slice(1, n + 1).filter((l) => l !== "");
  return lines.map((l) => {
    const c = l.split("\t");
    const [y, mo, d] = c[0].split(".").map(Number);
    const [hh, mi, ss] = c[1].split(":").map(Number);
    return { t: Date.UTC(y, mo - 1, d, hh, mi, ss), o: c[2], h: c[3], l: c[4], c: c[5], v: c[6] };
  });
}

const p2 = (x: number) => String(x).padStart(2, "0");
const iso = (t: number) => new Date(t).toISOString();
function parts(t: number) {
  const d = new Date(t);
  return {
    Y: String(d.getUTCFullYear()),
    M: p2(d.getUTCMonth() + 1),
    D: p2(d.getUTCDate()),
    h: p2(d.getUTCHours()),
    m: p2(d.getUTCMinutes()),
    s: p2(d.getUTCSeconds()),
  };
}
/** "1234.5" with thousands: "1,234.5" (sep ",") or "1.234,5" (sep "."). */
function grouped(x: string, thousands: string, decimal: string): string {
  const [i, f] = x.split(".");
  const g = i.replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
  return f === undefined ? g : `${g}${decimal}${f}`;
}

interface Layout {
  name: string;
  /** Build the file text from bars (oldest first). */
  write: (bars: Bar[]) => string;
  /** Times the layout carries are converted (e.g. offsets) or kept: a function of the source time. */
  time?: (t: number) => number;
  /** Expect a read_decisions finding mentioning this. */
  decision?: RegExp;
  /** Options for the read. */
  opts?: { dateOrder?: "dmy" | "mdy" };
}

const H = ["Date", "Open", "High", "Low", "Close", "Volume"];
const dt = (t: number) => {
  const p = parts(t);
  return `${p.Y}-${p.M}-${p.D} ${p.h}:${p.m}:${p.s}`;
};

const LAYOUTS: Layout[] = [
  {
    name: "comma, ISO date-time",
    write: (b) =>
      [H.join(","), ...b.map((x) => [dt(x.t), x.o, x.h, x.l, x.c, x.v].join(","))].join("\n") + "\n",
  },
  {
    name: "semicolon, decimal comma, DD.MM.YYYY HH:MM",
    write: (b) =>
      [
        "Datum;Eröffnung;Hoch;Tief;Schluss;Volumen",
        ...b.map((x) => {
          const p = parts(x.t);
          const nums = [x.o, x.h, x.l, x.c, x.v].map((v) => v.replace(".", ","));
          return [`${p.D}.${p.M}.${p.Y} ${p.h}:${p.m}`, ...nums].join(";");
        }),
      ].join("\r\n") + "\r\n",
    decision: /German|day-first|decimal/,
  },
  {
    name: "tab, Spanish header, decimal comma",
    write: (b) =>
      [
        "FECHA\tAPERTURA\tALTO\tBAJO\tCIERRE\tVOLUMEN",
        ...b.map((x) => [dt(x.t), x.o, x.h, x.l, x.c, x.v].map((v) => v.replace(".", ",")).join("\t")),
      ].join("\n") + "\n",
    decision: /columns mapped by name/,
  },
  {
    name: "French header",
    write: (b) =>
      [
        "Date,Ouverture,Plus Haut,Plus Bas,Clôture,Volume",
        ...b.map((x) => [dt(x.t), x.o, x.h, x.l, x.c, x.v].join(",")),
      ]
        .join("\n") + "\n",
    decision: /columns mapped by name/,
  },
  {
    name: "Italian header",
    write: (b) =>
      [
        "Data,Apertura,Massimo,Minimo,Chiusura,Volume",
        ...b.map((x) => [dt(x.t), x.o, x.h, x.l, x.c, x.v].join(",")),
      ]
        .join("\n") + "\n",
    decision: /columns mapped by name/,
  },
  {
    name: "Portuguese header",
    write: (b) =>
      [
        "Data,Abertura,Máxima,Mínima,Fechamento,Volume",
        ...b.map((x) => [dt(x.t), x.o, x.h, x.l, x.c, x.v].join(",")),
      ]
        .join("\n") + "\n",
    decision: /columns mapped by name/,
  },
  {
    name: "investing.com English: quoted, newest-first, Price, Vol. K, Change %, thousands",
    write: (b) =>
      [
        `"Date","Price","Open","High","Low","Vol.","Change %"`,
        ...[...b].reverse().map((x) => {
          const p = parts(x.t);
          return [
            `${p.M}/${p.D}/${p.Y} ${p.h}:${p.m}`,
            grouped(x.c, ",", "."),
            grouped(x.o, ",", "."),
            grouped(x.h, ",", "."),
            grouped(x.l, ",", "."),
            `${(Number(x.v) / 1000).toFixed(2)}K`,
            "0.10%",
          ]
            .map((v) => `"${v}"`).join(",");
        }),
      ].join("\n") + "\n",
    decision: /columns mapped by name/,
  },
  {
    name: "investing.com Spanish: Último, thousands dot, decimal comma",
    write: (b) =>
      [
        `"Fecha","Último","Apertura","Máximo","Mínimo","Vol.","% var."`,
        ...[...b].reverse().map((x) => {
          const p = parts(x.t);
          return [
            `${p.D}.${p.M}.${p.Y} ${p.h}:${p.m}`,
            grouped(x.c, ".", ","),
            grouped(x.o, ".", ","),
            grouped(x.h, ".", ","),
            grouped(x.l, ".", ","),
            "1,5M",
            "0,10%",
          ]
            .map((v) => `"${v}"`).join(",");
        }),
      ].join("\n") + "\n",
    decision: /columns mapped by name/,
  },
  {
    name: "preamble lines (title and URL) before the header",
    write: (b) =>
      [
        "EURCAD Historical Data",
        "https://www.example-data-vendor.com",
        H.join(","),
        ...b.map((x) => [dt(x.t), x.o, x.h, x.l, x.c, x.v].join(",")),
      ].join("\n") + "\n",
    decision: /preamble/,
  },
  {
    name: "comma header over tab rows",
    write: (b) =>
      [H.join(","), ...b.map((x) => [dt(x.t), x.o, x.h, x.l, x.c, x.v].join("\t"))].join("\n") + "\n",
    decision: /header is split by comma/,
  },
  {
    name: "quoted header cells separated by spaces",
    write: (b) =>
      [H.map((x) => `"${x}"`).join(" "), ...b.map((x) => [dt(x.t), x.o, x.h, x.l, x.c, x.v].join(","))].join(
        "\n",
      ) +
      "\n",
    decision: /quoted cells separated by spaces/,
  },
  {
    name: "a header naming a trailing column the rows lack (Filename)",
    write: (b) =>
      [[...H, "Filename"].join(","), ...b.map((x) => [dt(x.t), x.o, x.h, x.l, x.c, x.v].join(","))].join(
        "\n",
      ) + "\n",
    decision: /Filename/,
  },
  {
    name: "rows with an empty trailing cell",
    write: (b) =>
      [H.join(";"), ...b.map((x) => [dt(x.t), x.o, x.h, x.l, x.c, x.v, ""].join(";"))].join("\n") + "\n",
    decision: /empty cell/,
  },
  {
    name: "HistData ASCII (no header, YYYYMMDD HHMMSS;…)",
    write: (b) =>
      b.map((x) => {
        const p = parts(x.t);
        return [`${p.Y}${p.M}${p.D} ${p.h}${p.m}${p.s}`, x.o, x.h, x.l, x.c, "0"].join(";");
      }).join("\n") + "\n",
    decision: /HistData.*EST/,
  },
  {
    name: "epoch seconds, newest-first (Coinbase-like)",
    write: (b) =>
      [
        "time,low,high,open,close,volume",
        ...[...b].reverse().map((x) => [x.t / 1000, x.l, x.h, x.o, x.c, x.v].join(",")),
      ]
        .join("\n") + "\n",
    decision: /epoch seconds/,
  },
  {
    name: "epoch milliseconds, no header (Binance kline)",
    write: (b) =>
      b.map((x) => [x.t, x.o, x.h, x.l, x.c, x.v, x.t + 1, "0", "1", "0", "0", "0"].join(",")).join("\n") +
      "\n",
    decision: /epoch milliseconds/,
  },
  {
    name: "CryptoDataDownload: URL line, unix + date columns, newest-first",
    write: (b) =>
      [
        "https://www.CryptoDataDownload.com",
        "unix,date,symbol,open,high,low,close,Volume XYZ,Volume USDT,tradecount",
        ...[...b].reverse().map((x) =>
          [x.t, dt(x.t), "XYZ/USDT", x.o, x.h, x.l, x.c, x.v, "0", "5"].join(",")
        ),
      ].join("\n") + "\n",
    decision: /preamble/,
  },
  {
    name: "CryptoDataDownload (old): title line, 12-hour clock `YYYY-MM-DD HH-AM|PM`, newest-first",
    write: (b) =>
      [
        "Timestamps are UTC timezone,https://www.CryptoDataDownload.com",
        "Date,Symbol,Open,High,Low,Close,Volume XYZ,Volume USD",
        ...[...b].reverse().map((x) => {
          const p = parts(x.t);
          const h = Number(p.h);
          const h12 = `${p2(h % 12 === 0 ? 12 : h % 12)}-${h < 12 ? "AM" : "PM"}`;
          return [`${p.Y}-${p.M}-${p.D} ${h12}`, "XYZUSD", x.o, x.h, x.l, x.c, x.v, "0"].join(",");
        }),
      ].join("\n") + "\n",
    decision: /preamble.*12-hour clock/,
  },
  {
    name: "Stooq intraday: <TICKER>,<PER>,<DATE>,<TIME> with YYYYMMDD and HHMMSS",
    write: (b) =>
      [
        "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>",
        ...b.map((x) => {
          const p = parts(x.t);
          return ["XYZ.US", "240", `${p.Y}${p.M}${p.D}`, `${p.h}${p.m}${p.s}`, x.o, x.h, x.l, x.c, x.v, "0"]
            .join(",");
        }),
      ].join("\n") + "\n",
    decision: /compact HHMMSS times/,
  },
  {
    name: "Finam: semicolons, <TICKER>;<PER>;<DATE>;<TIME> with YYYYMMDD and HHMM",
    write: (b) =>
      [
        "<TICKER>;<PER>;<DATE>;<TIME>;<OPEN>;<HIGH>;<LOW>;<CLOSE>;<VOL>",
        ...b.map((x) => {
          const p = parts(x.t);
          return ["XYZ", "240", `${p.Y}${p.M}${p.D}`, `${p.h}${p.m}`, x.o, x.h, x.l, x.c, x.v].join(";");
        }),
      ].join("\r\n") + "\r\n",
    decision: /compact HHMM times/,
  },
  {
    name: "Yahoo: Adj Close and rows of null",
    write: (b) =>
      [
        "Date,Open,High,Low,Close,Adj Close,Volume",
        ...b.flatMap((x, i) => {
          const row = [dt(x.t), x.o, x.h, x.l, x.c, x.c, x.v].join(",");
          return i === 3 ? [row, `${dt(x.t + 60_000)},null,null,null,null,null,null`] : [row];
        }),
      ].join("\n") + "\n",
  },
  {
    name: "two-digit years, day-first (DD/MM/YY HH:MM)",
    write: (b) =>
      [
        H.join(","),
        ...b.map((x) => {
          const p = parts(x.t);
          return [`${p.D}/${p.M}/${p.Y.slice(2)} ${p.h}:${p.m}`, x.o, x.h, x.l, x.c, x.v].join(",");
        }),
      ].join("\n") + "\n",
    decision: /two-digit years/,
  },
  {
    name: "Dukascopy: DD.MM.YYYY HH:MM:SS.000 GMT+0200",
    write: (b) =>
      [
        "Gmt time,Open,High,Low,Close,Volume",
        ...b.map((x) => {
          const p = parts(x.t + 2 * 3_600_000);
          return [`${p.D}.${p.M}.${p.Y} ${p.h}:${p.m}:${p.s}.000 GMT+0200`, x.o, x.h, x.l, x.c, x.v].join(
            ",",
          );
        }),
      ].join("\n") + "\n",
    decision: /UTC offset/,
  },
  {
    name: "ariva.de German: semicolons, decimal-comma prices, dotted thousands in the volumes, newest-first",
    write: (b) =>
      [
        "Datum;Erster;Hoch;Tief;Schlusskurs;Stuecke;Volumen",
        ...[...b].reverse().map((x) => {
          const p = parts(x.t);
          const vol = grouped(String(Number(x.v) * 1000 + 123), ".", ",");
          return [
            `${p.Y}-${p.M}-${p.D} ${p.h}:${p.m}`,
            ...[x.o, x.h, x.l, x.c].map((v) => v.replace(".", ",")),
            "",
            vol,
          ]
            .join(";");
        }),
      ].join("\n") + "\n",
    decision: /'\.' separates thousands/,
  },
  {
    name: "nasdaq.com: Close/Last first, prices with a '$' sign, newest-first",
    write: (b) =>
      [
        "Date,Close/Last,Volume,Open,High,Low",
        ...[...b].reverse().map((x) => {
          const p = parts(x.t);
          return [`${p.M}/${p.D}/${p.Y} ${p.h}:${p.m}`, `$${x.c}`, x.v, `$${x.o}`, `$${x.h}`, `$${x.l}`].join(
            ",",
          );
        }),
      ].join("\n") + "\n",
    decision: /'\$' sign/,
  },
  {
    name: "MetaTrader 5 Python API dump (pandas index, epoch seconds)",
    write: (b) =>
      [
        ",time,open,high,low,close,tick_volume,spread,real_volume",
        ...b.map((x, i) => [i, x.t / 1000, x.o, x.h, x.l, x.c, x.v, "12", "0"].join(",")),
      ].join("\n") + "\n",
    decision: /pandas index/,
  },
];

const SOURCES = [
  "data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv",
  "data/sample/crypto/BTCUSD_H4_202401020000_202512282000.csv",
];

for (const layout of LAYOUTS) {
  Deno.test(`layout property: ${layout.name} reads back to the MT5 bars`, () => {
    for (const src of SOURCES) {
      const bars = mt5Bars(src, 200);
      const text = layout.write(bars);
      let loaded;
      try {
        loaded = loadBytes(`x_${layout.name.replace(/\W+/g, "_")}.csv`, new TextEncoder().encode(text), {
          lenient: true,
          ...layout.opts,
        });
      } catch (e) {
        throw new Error(
          `${layout.name} on ${src}: ${isKinetraError(e) ? e.message : e}\n${text.slice(0, 300)}`,
        );
      }
      // The strict path (readBars and data:inspect read without `lenient`) gives the same bars.
      let strict;
      try {
        strict = loadBytes(`x_${layout.name.replace(/\W+/g, "_")}.csv`, new TextEncoder().encode(text), {
          ...layout.opts,
        });
      } catch (e) {
        throw new Error(
          `${layout.name} on ${src} (strict): ${isKinetraError(e) ? e.message : e}\n${text.slice(0, 300)}`,
        );
      }
      for (const [path, a] of [["lenient", loaded.arrays!], ["strict", strict.arrays!]] as const) {
        assert.equal(a.length, bars.length, `${layout.name} on ${src} (${path}): bars`);
        for (let i = 0; i < bars.length; i++) {
          const want = bars[i];
          const ctx = `${layout.name} on ${src} (${path}), bar ${i} (${iso(want.t)})`;
          assert.equal(a.time[i], want.t, `${ctx}: time ${iso(a.time[i])}`);
          assert.equal(a.open[i], Number(want.o), `${ctx}: open`);
          assert.equal(a.high[i], Number(want.h), `${ctx}: high`);
          assert.equal(a.low[i], Number(want.l), `${ctx}: low`);
          assert.equal(a.close[i], Number(want.c), `${ctx}: close`);
        }
      }
      const findings = validateLoaded(loaded);
      assert.ok(
        !findings.some((f) => f.severity === "CRITICAL"),
        `${layout.name}: ${JSON.stringify(findings)}`,
      );
      if (layout.decision) {
        const d = findings.find((f) => f.code === "read_decisions");
        assert.ok(d, `${layout.name}: a read_decisions finding`);
        assert.match(String(d.message), layout.decision, `${layout.name}: ${d.message}`);
      }
    }
  });
}

Deno.test("layout property: ambiguous day/month order is refused (a header language never decides it), saying how to pass the order", () => {
  const bars = mt5Bars(SOURCES[0], 30).filter((b) => new Date(b.t).getUTCDate() <= 12);
  const text = [
    H.join(","),
    ...bars.map((x) => {
      const p = parts(x.t);
      return [`${p.D}/${p.M}/${p.Y} ${p.h}:${p.m}`, x.o, x.h, x.l, x.c, x.v].join(",");
    }),
  ].join("\n") + "\n";
  assert.throws(
    () => loadBytes("amb.csv", new TextEncoder().encode(text)),
    (e) =>
      isKinetraError(e) && e.code === "ambiguous_date" &&
      /--date-order dmy or --date-order mdy/.test(e.message) && /dateOrder/.test(e.message),
  );
  // Lenient reads (data:validate, the tasks' gate) refuse it the same way.
  assert.throws(
    () => loadBytes("amb.csv", new TextEncoder().encode(text), { lenient: true }),
    (e) => isKinetraError(e) && e.code === "ambiguous_date",
  );
  // A Spanish header suggests day-first but does not decide: still refused, the suggestion named.
  const es = text.replace(H.join(","), "Fecha,Apertura,Alto,Bajo,Cierre,Volumen");
  assert.throws(
    () => loadBytes("amb_es.csv", new TextEncoder().encode(es)),
    (e) => isKinetraError(e) && e.code === "ambiguous_date" && /Spanish/.test(e.message),
  );
  const esTold = loadBytes("amb_es.csv", new TextEncoder().encode(es), { dateOrder: "dmy" });
  assert.equal(esTold.arrays!.time[0], bars[0].t);
  const told = loadBytes("amb.csv", new TextEncoder().encode(text), { dateOrder: "dmy" });
  assert.equal(told.arrays!.time[0], bars[0].t);
  assert.match(
    String(validateLoaded(told).find((f) => f.code === "read_decisions")?.message),
    /day-first as told/,
  );
});

Deno.test("layout property: two-digit years that reach back before 1970 are refused, never read as 20xx", () => {
  // WSJ's layout (`Date, Open, High, Low, Close`, MM/DD/YY, newest-first) over a history crossing 1970.
  const rows = [
    "01/05/71, 5.5, 5.6, 5.4, 5.5",
    "12/31/69, 5.4, 5.5, 5.3, 5.4",
    "12/30/69, 5.3, 5.4, 5.2, 5.3",
  ];
  const text = ["Date, Open, High, Low, Close", ...rows].join("\n") + "\n";
  assert.throws(
    () => loadBytes("wsj.csv", new TextEncoder().encode(text)),
    (e) => isKinetraError(e) && e.code === "ambiguous_date" && /four-digit years/.test(e.message),
  );
  // The same layout within 1970–2069 reads, with the rule reported.
  const ok = loadBytes(
    "wsj.csv",
    new TextEncoder().encode(text.replace(/\/69,/g, "/70,")),
  );
  assert.equal(ok.arrays!.time[0], Date.UTC(1970, 11, 30));
  assert.match(
    String(validateLoaded(ok).find((f) => f.code === "read_decisions")?.message),
    /two-digit years/,
  );
});

Deno.test("layout property: a decimal mark that could be read two ways is decided and reported, never silent", () => {
  // Every price has a comma followed by exactly three digits, in a semicolon file: decimal comma, reported.
  const text =
    "Date;Open;High;Low;Close\n2024-01-02;1,234;1,250;1,200;1,240\n2024-01-03;1,240;1,260;1,230;1,255\n";
  const l = loadBytes("x.csv", new TextEncoder().encode(text));
  assert.equal(l.arrays!.close[0], 1.24);
  assert.match(String(validateLoaded(l).find((f) => f.code === "read_decisions")?.message), /decimal comma/);
  // Both conventions in one file: refused.
  const mixed =
    "Date;Open;High;Low;Close\n2024-01-02;1.234,5;1.250,0;1.200,0;1.240,0\n2024-01-03;1,240.5;1,260.0;1,230.0;1,255.0\n";
  assert.throws(
    () => loadBytes("y.csv", new TextEncoder().encode(mixed)),
    (e) => isKinetraError(e) && e.code === "ambiguous_number",
  );
});

Deno.test("layout property: tick files (bid/ask, or a single price) are read as ticks and resampled to the same bars on request", async () => {
  const { readBars } = await import("../../lib/data/read_bars.ts");
  const bars = mt5Bars(SOURCES[0], 120);
  const dir = await Deno.makeTempDir({ prefix: "kinetra_ticks_" });
  // Four ticks per H4 bar, in the bar: open, high, low, close (the bar's own prices).
  const ticks: Array<[number, string]> = [];
  for (const b of bars) {
    ticks.push([b.t, b.o], [b.t + 60_000, b.h], [b.t + 120_000, b.l], [b.t + 180_000, b.c]);
  }
  const single = `${dir}/single.csv`;
  Deno.writeTextFileSync(
    single,
    ["time,price,volume", ...ticks.map(([t, p]) => `${t},${p},1`)].join("\n") + "\n",
  );
  const both = `${dir}/bidask.csv`;
  Deno.writeTextFileSync(
    both,
    ["time,bid,ask", ...ticks.map(([t, p]) => `${t / 1000},${p},${p}`)].join("\n") + "\n",
  );
  // HistData's tick layout: no header, `YYYYMMDD HHMMSSfff,bid,ask,volume` (bid = ask here).
  const histdata = `${dir}/histdata_ticks.csv`;
  const compactMs = (t: number) => {
    const q = parts(t);
    return `${q.Y}${q.M}${q.D} ${q.h}${q.m}${q.s}${String(t % 1000).padStart(3, "0")}`;
  };
  Deno.writeTextFileSync(
    histdata,
    ticks.map(([t, p], i) => `${compactMs(t + (i % 7))},${p},${p},0`).join("\n") + "\n",
  );
  for (const p of [single, both, histdata]) {
    const got = await readBars(p, { timeframe: "H4" });
    const a = got.arrays!;
    assert.equal(a.length, bars.length, p);
    for (let i = 0; i < bars.length; i++) {
      assert.equal(a.time[i], bars[i].t, `${p} bar ${i}`);
      assert.deepEqual(
        [a.open[i], a.high[i], a.low[i], a.close[i]],
        [bars[i].o, bars[i].h, bars[i].l, bars[i].c].map(Number),
      );
    }
  }
  const d = (await readBars(single, { timeframe: "H4" })).meta.report!.decisions!;
  assert.ok(d.some((x) => /single price column/.test(x)), JSON.stringify(d));
  const h = (await readBars(histdata, { timeframe: "H4" })).meta.report!.decisions!;
  assert.ok(h.some((x) => /HistData's tick layout/.test(x)), JSON.stringify(h));
  // The same layout with a bid above its ask is not HistData's: it could be read two ways, so it is refused.
  const odd = `${dir}/odd_ticks.csv`;
  Deno.writeTextFileSync(
    odd,
    ticks.map(([t, p], i) => `${compactMs(t)},${i === 5 ? Number(p) + 1 : p},${p},0`).join("\n") + "\n",
  );
  await assert.rejects(
    () => readBars(odd, { timeframe: "H4" }),
    (e) => isKinetraError(e) && e.code === "missing_column",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("layout property: a number format contradicted after the sampled lines is refused, saying so", () => {
  // 40 rows with plain decimals, then one written with a decimal comma (a tab file): the first lines
  // decided '.'; the later row is not read one way silently nor quarantined as one bad row.
  const bars = mt5Bars(SOURCES[0], 41);
  const row = (x: Bar) => [dt(x.t), x.o, x.h, x.l, x.c, x.v].join("\t");
  const text =
    [H.join("\t"), ...bars.slice(0, 40).map(row), row(bars[40]).replace(/\t(\d+)\.(\d+)/, "\t$1,$2")]
      .join("\n") + "\n";
  for (const lenient of [false, true]) {
    assert.throws(
      () => loadBytes("late.csv", new TextEncoder().encode(text), { lenient }),
      (e) =>
        isKinetraError(e) && e.code === "ambiguous_number" && /line 42/.test(e.message) &&
        /contradicts the number format decided from the file's first \d+ data line/.test(e.message) &&
        /'\.' as the decimal mark/.test(e.message),
    );
  }
  // A later row with thousands separators in a file whose first lines had none (comma-quoted).
  const q = (x: Bar, open: string) => [dt(x.t), open, x.h, x.l, x.c, x.v].map((v) => `"${v}"`).join(",");
  const text2 = [H.join(","), ...bars.slice(0, 40).map((x) => q(x, x.o)), q(bars[40], "1,234.5")].join("\n") +
    "\n";
  assert.throws(
    () => loadBytes("late2.csv", new TextEncoder().encode(text2)),
    (e) => isKinetraError(e) && e.code === "ambiguous_number" && /"1,234\.5"/.test(e.message),
  );
  // The same damage in an MT5 export (its format fixes '.') stays one quarantined row.
  const mt5 = Deno.readTextFileSync(SOURCES[0]).split("\n").slice(0, 42);
  mt5[41] = mt5[41].replace(/\t(\d+)\.(\d+)/, "\t$1,$2");
  const l = loadBytes("AUDUSD_H4.csv", new TextEncoder().encode(mt5.join("\n") + "\n"), { lenient: true });
  assert.equal(l.rowIssues!.counts.non_numeric, 1);
});

Deno.test("layout property: rows of null prices are skipped in the strict read too, with a finding and a decision", () => {
  const bars = mt5Bars(SOURCES[0], 20);
  const text = [
    "Date,Open,High,Low,Close,Adj Close,Volume",
    ...bars.flatMap((x, i) => {
      const r = [dt(x.t), x.o, x.h, x.l, x.c, x.c, x.v].join(",");
      return i === 4 || i === 9 ? [r, `${dt(x.t + 60_000)},null,null,null,null,null,null`] : [r];
    }),
  ].join("\n") + "\n";
  for (const lenient of [false, true]) {
    const l = loadBytes("yahoo.csv", new TextEncoder().encode(text), { lenient });
    assert.equal(l.arrays!.length, bars.length);
    assert.deepEqual(Array.from(l.arrays!.time), bars.map((b) => b.t));
    const f = validateLoaded(l);
    const n = f.find((x) => x.code === "null_rows");
    // Line 1 is the header; the first null row follows the 5th bar.
    assert.ok(n && n.severity === "LOW" && n.count === 2 && n.line === 7, JSON.stringify(n));
    assert.match(
      String(f.find((x) => x.code === "read_decisions")?.message),
      /2 row\(s\) of null prices.*line 7/,
    );
  }
  // A file of nothing but null rows is refused, saying so.
  const allNull = "Date,Open,High,Low,Close\n2024-01-02,null,null,null,null\n";
  assert.throws(
    () => loadBytes("n.csv", new TextEncoder().encode(allNull)),
    (e) => isKinetraError(e) && e.code === "null_rows",
  );
});

Deno.test("layout property: every read names its delimiter, header, columns, number format, dates and time zone", () => {
  // Even a plain generic file whose header and rows agree.
  const bars = mt5Bars(SOURCES[0], 10);
  const text = [H.join(","), ...bars.map((x) => [dt(x.t), x.o, x.h, x.l, x.c, x.v].join(","))].join("\n") +
    "\n";
  const d = loadBytes("plain.csv", new TextEncoder().encode(text)).report.decisions!.join("; ");
  assert.match(d, /delimiter: comma \(the sampled rows split into 6 cells\)/);
  assert.match(d, /header: line 1 "Date,Open,High,Low,Close,Volume"/);
  assert.match(
    d,
    /columns mapped by name: "Date" → date, "Open" → open, "High" → high, "Low" → low, "Close" → close, "Volume" → volume/,
  );
  assert.match(d, /numbers: '\.' is the decimal mark, no thousands separator/);
  assert.match(d, /dates: YYYY-MM-DD \(year first, unambiguous\); times in the date cells/);
  assert.match(d, /time zone: none written in the file; times kept as written/);
  // investing.com's Vol. suffixes are a decision too.
  const inv = [
    `"Date","Price","Open","High","Low","Vol.","Change %"`,
    `"01/15/2024","1.1","1.0","1.2","0.9","1.5K","0.10%"`,
    `"01/16/2024","1.1","1.0","1.2","0.9","2.5M","0.10%"`,
  ].join("\n") + "\n";
  const di = loadBytes("inv.csv", new TextEncoder().encode(inv)).report.decisions!.join("; ");
  assert.match(di, /volumes are written with K\/M\/B suffixes.*line 2: "1\.5K"/);
  assert.match(di, /dates are month-first: line 2/);
});
