// Conformance of KinetraBridge.mq5 with the protocol module: reads the EA's source and fails when a
// message type or a field it sends or reads differs from lib/mt5/schema.ts. The EA marks its JSON
// builders with //@sends NAME or //@event TYPE and its request handlers with //@reads TYPES; each
// block runs to the function's closing brace ("  }").
import assert from "node:assert/strict";
import {
  ACCOUNT_SCHEMA,
  BAR_SCHEMA,
  CHECK_SCHEMA,
  DEAL_SCHEMA,
  EVENT_SCHEMAS,
  type Field,
  OUTGOING_SCHEMAS,
  POSITION_SCHEMA,
  REPLY_SCHEMAS,
  REQUEST_TYPES,
  RESULT_SCHEMA,
  type Schema,
  SPEC_SCHEMA,
  TERMINAL_SCHEMA,
  TICK_SCHEMA,
} from "../../lib/mt5/protocol.ts";

const SRC = await Deno.readTextFile(new URL("../../lib/mt5/ea/KinetraBridge.mq5", import.meta.url));

interface Block {
  kind: "sends" | "event" | "reads";
  names: string[];
  body: string;
}

function blocks(src: string): Block[] {
  const lines = src.split(/\r?\n/);
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const tags: { kind: Block["kind"]; names: string[] }[] = [];
    let j = i;
    for (let m; j < lines.length && (m = lines[j].match(/^\/\/@(sends|event|reads) (\S+)\s*$/)); j++) {
      tags.push({ kind: m[1] as Block["kind"], names: m[2].split(",") });
    }
    if (!tags.length) continue;
    const body: string[] = [];
    for (; j < lines.length; j++) {
      body.push(lines[j]);
      if (lines[j] === "  }") break;
    }
    for (const t of tags) out.push({ ...t, body: body.join("\n") });
    i = j;
  }
  return out;
}

const sentKeys = (body: string) =>
  new Set([
    ...[...body.matchAll(/J(?:Str|Num|Int|Bool)\("(\w+)"/g)].map((m) => m[1]),
    ...[...body.matchAll(/\\"(\w+)\\":/g)].map((m) => m[1]),
  ]);
const readKeys = (body: string) =>
  new Set([...body.matchAll(/JGet(?:String|Number|ULong)\((?:json|line), "(\w+)"/g)].map((m) => m[1]));
const sentTypes = (src: string) => new Set([...src.matchAll(/\\"t\\":\\"(\w+)\\"/g)].map((m) => m[1]));

const required = (s: Schema) => Object.entries(s).filter(([, f]) => !f.optional).map(([k]) => k);
const fieldsOf = (f: Field): Schema => f.fields ?? {};
const ENVELOPE: Schema = { v: { kind: "integer" }, t: { kind: "string" } };

/** What each //@sends and //@event block must write: exactly these fields (optional ones may be absent). */
const SENDS: Record<string, Schema> = {
  account: ACCOUNT_SCHEMA,
  terminal: TERMINAL_SCHEMA,
  spec: SPEC_SCHEMA,
  tick: TICK_SCHEMA,
  bar: BAR_SCHEMA,
  position: POSITION_SCHEMA,
  deal: DEAL_SCHEMA,
  result: RESULT_SCHEMA,
  check: CHECK_SCHEMA,
  reconcile: fieldsOf(REPLY_SCHEMAS.reconcile),
  subscribe_bars: fieldsOf(REPLY_SCHEMAS.subscribe_bars),
  res: { ...ENVELOPE, ...EVENT_SCHEMAS.res, ...fieldsOf(EVENT_SCHEMAS.res.err) },
};
const EVENTS: Record<string, Schema> = Object.fromEntries(
  Object.entries(EVENT_SCHEMAS).filter(([t]) => t !== "res").map(([t, s]) => [
    t,
    // A nested object written inline (hello.time) is part of the block; objects written by other
    // builders (account, terminal, bar) are checked in their own blocks.
    { ...ENVELOPE, ...s, ...(t === "hello" ? fieldsOf(s.time) : {}) },
  ]),
);

function allFields(s: Schema, into = new Set<string>()): Set<string> {
  for (const [k, f] of Object.entries(s)) {
    into.add(k);
    if (f.fields) allFields(f.fields, into);
  }
  return into;
}

/** Every difference between the EA source and the protocol module (empty = conformant). */
function differences(src: string): string[] {
  const problems: string[] = [];
  const bs = blocks(src);
  for (const b of bs.filter((b) => b.kind !== "reads")) {
    for (const name of b.names) {
      const schema = (b.kind === "sends" ? SENDS : EVENTS)[name];
      if (!schema) {
        problems.push(
          `//@${b.kind} ${name}: no such ${b.kind === "sends" ? "object" : "event"} in schema.ts`,
        );
        continue;
      }
      const found = sentKeys(b.body);
      for (const k of found) {
        if (!(k in schema)) problems.push(`${name}: the EA sends "${k}", not in the protocol`);
      }
      for (const k of required(schema)) {
        if (!found.has(k)) problems.push(`${name}: the EA never sends "${k}"`);
      }
    }
  }
  const readsCovered = new Set<string>();
  for (const b of bs.filter((b) => b.kind === "reads")) {
    const allowed = new Set(["t", "id"]);
    for (const name of b.names) {
      const schema = OUTGOING_SCHEMAS[name];
      if (!schema) {
        problems.push(`//@reads ${name}: Kinetra sends no such message`);
        continue;
      }
      readsCovered.add(name);
      allFields(schema, allowed);
    }
    for (const k of readKeys(b.body)) {
      if (!allowed.has(k)) {
        problems.push(`${b.names.join(",")}: the EA reads "${k}", which Kinetra never sends`);
      }
    }
  }
  for (const t of Object.keys(OUTGOING_SCHEMAS)) {
    if (!readsCovered.has(t)) problems.push(`${t}: no //@reads handler in the EA`);
  }
  const types = sentTypes(src);
  for (const t of types) {
    if (!(t in EVENT_SCHEMAS)) problems.push(`the EA sends message type "${t}", unknown to the protocol`);
  }
  for (const t of Object.keys(EVENT_SCHEMAS)) if (!types.has(t)) problems.push(`the EA never sends "${t}"`);
  for (const name of Object.keys(SENDS)) {
    if (!bs.some((b) => b.kind === "sends" && b.names.includes(name))) {
      problems.push(`no //@sends ${name} block`);
    }
  }
  for (const t of Object.keys(EVENTS)) {
    if (!bs.some((b) => b.kind === "event" && b.names.includes(t))) problems.push(`no //@event ${t} block`);
  }
  return problems;
}

Deno.test("the EA sends and reads exactly the protocol module's message types and fields", () => {
  assert.deepEqual(differences(SRC), []);
  // The blocks really cover the builders (not an empty parse).
  const bs = blocks(SRC);
  assert.ok(bs.length >= 20, `only ${bs.length} annotated blocks`);
  assert.ok(sentKeys(bs.find((b) => b.names.includes("deal"))!.body).has("reason"));
});

Deno.test("every request type is handled and the ping answer is a UTC number", () => {
  for (const t of REQUEST_TYPES) assert.ok(t in OUTGOING_SCHEMAS, t);
  assert.ok(SRC.includes('JInt("pong", (long)TimeGMT() * 1000)'), "pong = TimeGMT() in ms");
  assert.equal(REPLY_SCHEMAS.ping.fields?.pong.kind, "utc");
});

Deno.test("the conformance check fails on a changed field, an extra field and an unknown type", () => {
  const renamed = SRC.replace('JStr("currency_margin"', 'JStr("currency_marg"');
  assert.deepEqual(differences(renamed), [
    'spec: the EA sends "currency_marg", not in the protocol',
    'spec: the EA never sends "currency_margin"',
  ]);
  const extra = SRC.replace('JInt("reason", HistoryDealGetInteger', 'JInt("reasons", HistoryDealGetInteger');
  assert.ok(differences(extra).includes('deal: the EA sends "reasons", not in the protocol'));
  const readsMore = SRC.replace('JGetString(line, "nonce")', 'JGetString(line, "salt")');
  assert.ok(differences(readsMore).some((p) => p.includes('reads "salt"')));
  const newType = SRC.replace('\\"t\\":\\"server_time\\"', '\\"t\\":\\"clock\\"');
  assert.ok(differences(newType).includes('the EA sends message type "clock", unknown to the protocol'));
  assert.ok(differences(newType).includes('the EA never sends "server_time"'));
});
