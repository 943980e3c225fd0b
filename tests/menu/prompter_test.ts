import assert from "node:assert/strict";
import { MenuBack, MenuEof, MenuQuit } from "../../lib/menu/control.ts";
import { StreamInput } from "../../lib/menu/line_input.ts";
import { Prompter } from "../../lib/menu/prompter.ts";
import type { TraceEvent } from "../../lib/menu/trace.ts";
import { textStream } from "./_helpers.ts";

function prompter(text: string, opts: { tty?: boolean; raw?: boolean[] } = {}) {
  let out = "";
  const events: TraceEvent[] = [];
  const input = new StreamInput(textStream(text), {
    isTerminal: opts.tty ?? false,
    setRaw: (r) => opts.raw?.push(r),
    writeEcho: (t) => {
      out += t;
    },
  });
  const ask = new Prompter(input, (t) => {
    out += t;
  }, (e) => events.push(e));
  return { ask, events, out: () => out };
}

Deno.test("line input: CRLF and LF lines, a last line without newline, then end of input", async () => {
  const input = new StreamInput(textStream("a\r\nb\nlast"));
  assert.equal(await input.readLine(), "a");
  assert.equal(await input.readLine(), "b");
  assert.equal(await input.readLine(), "last");
  assert.equal(await input.readLine(), null);
  assert.equal(await input.readLine(), null);
});

Deno.test("menu choice: a number in range is returned, 0 is back", async () => {
  const p = prompter("2\n0\n");
  assert.equal(await p.ask.menuChoice(4), 2);
  assert.equal(await p.ask.menuChoice(4), 0);
  assert.equal(p.events.filter((e) => e.kind === "menu").length, 2);
  assert.equal(p.events[0].options, 4);
});

Deno.test("menu choice: an invalid answer is explained, three in a row go back", async () => {
  const p = prompter("x\n9\n\n3\n");
  assert.equal(await p.ask.menuChoice(4), 0);
  assert.match(p.out(), /Invalid: "x" is not an option.*attempt 1\/3/);
  assert.match(p.out(), /attempt 3\/3/);
  assert.match(p.out(), /Three invalid answers in a row: going back/);
  // The counter starts again at the next prompt.
  assert.equal(await p.ask.menuChoice(4), 3);
});

Deno.test("q, quit and exit quit from any prompt; end of input ends the menu", async () => {
  for (const word of ["q", "Q", "quit", "EXIT"]) {
    await assert.rejects(prompter(word + "\n").ask.choose("Pick", ["a", "b"]), MenuQuit);
    await assert.rejects(prompter(word + "\n").ask.number("N", { default: 1, min: 1 }), MenuQuit);
    await assert.rejects(prompter(word + "\n").ask.pause(), MenuQuit);
  }
  await assert.rejects(prompter("").ask.menuChoice(3), MenuEof);
  await assert.rejects(prompter("").ask.text("Name", { default: "x" }), MenuEof);
  await assert.rejects(prompter("").ask.secret("Secret"), MenuEof);
  await assert.rejects(prompter("").ask.confirm("Sure?", true), MenuEof);
  await assert.rejects(prompter("").ask.pause(), MenuEof);
});

Deno.test("choose: Enter takes the default, 0 goes back, invalid thrice goes back", async () => {
  assert.equal(await prompter("\n").ask.choose("Pick", ["a", "b", "c"], 1), 1);
  assert.equal(await prompter("3\n").ask.choose("Pick", ["a", "b", "c"], 0), 2);
  await assert.rejects(prompter("0\n").ask.choose("Pick", ["a", "b"]), MenuBack);
  await assert.rejects(prompter("7\nz\n-1\n").ask.choose("Pick", ["a", "b"]), MenuBack);
});

Deno.test("number: bounds, whole numbers, default; 0 is a value when the minimum allows it", async () => {
  const p = prompter("abc\n2.5\n7\n");
  assert.equal(await p.ask.number("Trades", { min: 1, max: 10, integer: true, default: 5 }), 7);
  assert.match(p.out(), /"abc" is not a number/);
  assert.match(p.out(), /2.5 must be a whole number/);
  assert.equal(await prompter("\n").ask.number("Speed", { min: 0, default: 3 }), 3);
  assert.equal(await prompter("0\n").ask.number("Speed", { min: 0, default: 3 }), 0);
  await assert.rejects(prompter("0\n").ask.number("Trades", { min: 1, default: 3 }), MenuBack);
  const hi = prompter("11\n");
  await assert.rejects(hi.ask.number("Trades", { min: 1, max: 10 }), MenuEof);
  assert.match(hi.out(), /11 is above the maximum 10/);
});

Deno.test("typed confirmation: only the exact word confirms", async () => {
  assert.equal(await prompter("DEMO\n").ask.typed("Trade?", "DEMO"), true);
  assert.equal(await prompter("demo\n").ask.typed("Trade?", "DEMO"), false);
  assert.equal(await prompter("\n").ask.typed("Trade?", "DEMO"), false);
  assert.equal(await prompter("y\n").ask.typed("Trade?", "DEMO"), false);
});

Deno.test("secret from a pipe: read as a line, never written to the output", async () => {
  const p = prompter("hunter2-very-secret\n");
  assert.equal(await p.ask.secret("Secret", false, 8), "hunter2-very-secret");
  assert.ok(!p.out().includes("hunter2"));
  assert.ok(!JSON.stringify(p.events).includes("hunter2"));
  // q is a valid secret, not a quit.
  assert.equal(await prompter("qqqqqqqq\n").ask.secret("Secret", false, 8), "qqqqqqqq");
  const short = prompter("short\nlong-enough\n");
  assert.equal(await short.ask.secret("Secret", false, 8), "long-enough");
  assert.match(short.out(), /at least 8 characters/);
  assert.ok(!short.out().includes("short\n"));
});

Deno.test("secret on a terminal: raw mode on while typing, off after; backspace edits; no echo", async () => {
  const raw: boolean[] = [];
  const p = prompter("abx\u007fc-123\r", { tty: true, raw });
  assert.equal(await p.ask.secret("Secret"), "abc-123");
  assert.deepEqual(raw, [true, false]);
  assert.ok(!p.out().includes("abc"));
  // Ctrl-D on an empty secret is end of input; Ctrl-C cancels (back).
  await assert.rejects(prompter("\u0004", { tty: true, raw: [] }).ask.secret("Secret"), MenuEof);
  await assert.rejects(prompter("ab\u0003", { tty: true, raw: [] }).ask.secret("Secret"), MenuBack);
});
