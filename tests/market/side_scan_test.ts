// The side of a trade is one thing in lib/ (lib/market/side.ts: +1/-1): MT5's order, position and
// deal type numbers (0 buy, 1 sell) are converted there and nowhere else. This source scan fails
// when a raw `type === 0`-style side test, a `type: 0` literal or a `buy ? 0 : 1` order type
// appears in lib/ outside the edge modules (like tests/lib/import_cycles_test.ts for cycles).
import assert from "node:assert/strict";
import { join, relative, resolve } from "node:path";

const LIB = resolve("lib");
/** The edge: the one mapping between the side and MT5's type numbers, and MT5's constants. */
const EDGE = new Set(["market/side.ts", "market/mt5_constants.ts", "market/mt5_names.ts"]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...sourceFiles(p));
    else if (e.isFile && /\.(ts|js)$/.test(e.name)) out.push(p);
  }
  return out;
}

const RULES: readonly { name: string; re: RegExp; context?: RegExp }[] = [
  // p.type === 0, type !== 1, position.type === (buy ? 0 : 1)
  { name: "type compared with a number", re: /\btype\s*[!=]==?\s*\(?\s*(?:[\w.!]+\s*\?\s*)?-?\d/ },
  // 0 === p.type
  { name: "number compared with a type", re: /\b\d\s*[!=]==?\s*[\w.]*\btype\b/ },
  // { type: 0 }, { type: buy ? 0 : 1 }
  { name: "type set to a number", re: /\btype\s*:\s*(?:[\w.!]+\s*\?\s*)?\d/ },
  // buy ? 0 : 1 (an order/deal type made from a side), when the line speaks of a side
  {
    name: "0/1 chosen by a side",
    re: /\?\s*[01]\s*:\s*[01]\b/,
    context: /\b(?:type|buy|sell|long|short|side)\b/i,
  },
];

/** The raw side tests of a module's source: `line: text (rule)` for each hit, comments ignored. */
export function rawSideTests(source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/^\s*\/\/.*$/gm, "");
  const hits: string[] = [];
  text.split("\n").forEach((line, i) => {
    const code = line.replace(/\s\/\/.*$/, "");
    for (const r of RULES) {
      if (r.re.test(code) && (!r.context || r.context.test(code))) {
        hits.push(`${i + 1}: ${code.trim()} (${r.name})`);
        break;
      }
    }
  });
  return hits;
}

Deno.test("the side scan flags raw MT5 type tests and accepts the mapping's calls (so the real check can fail)", () => {
  const flagged = [
    "const buy = p.type === 0;",
    "if (position.type !== 1) return;",
    "if (position.type === (buy ? 0 : 1)) throw x;",
    "const lots = (d.type === 0 ? 1 : -1) * d.volume;",
    "if (0 === p.type) go();",
    "const req = { action: 1, type: 0, volume };",
    "send({ type: buy ? 1 : 0 });",
    "fill(cid, symbol, buy ? 0 : 1, volume);",
  ];
  for (const s of flagged) assert.equal(rawSideTests(s).length, 1, `not flagged: ${s}`);
  const clean = [
    "const held = sideOfPositionType(p.type);",
    "type: closingOrderType(held),",
    'if (e.type === "reconcile") return;',
    "const y = yoe + era * 400 + (m <= 2 ? 1 : 0);",
    "return ok ? 1 : 0;",
    "const side = long ? 1 : -1;",
    "// p.type === 0 in a comment",
    "/** type: 0 in a doc example */",
    'if (typeof v === "number") n++;',
  ];
  for (const s of clean) assert.deepEqual(rawSideTests(s), [], `flagged: ${s}`);
});

Deno.test("no raw MT5 type number is used for the side in lib/ outside lib/market/side.ts", () => {
  const found: string[] = [];
  let scanned = 0;
  for (const f of sourceFiles(LIB)) {
    const rel = relative(LIB, f);
    if (EDGE.has(rel)) continue;
    scanned++;
    for (const hit of rawSideTests(Deno.readTextFileSync(f))) found.push(`lib/${rel}:${hit}`);
  }
  assert.ok(scanned > 100, `expected the whole of lib/, scanned ${scanned} modules`);
  assert.deepEqual(found, [], "raw side tests outside lib/market/side.ts (use its mapping)");
});
