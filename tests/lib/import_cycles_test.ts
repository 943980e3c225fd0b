// No import cycle anywhere in lib/: every static import and re-export (type-only ones included,
// since they tie the modules' meanings together) forms a graph that must be acyclic. Dynamic
// `import()` calls are not edges (they load on demand).
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

const LIB = resolve("lib");

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...tsFiles(p));
    else if (e.isFile && /\.ts$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Relative specifiers of the static imports and re-exports of a module's source. */
export function staticImports(source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/g;
  for (const m of text.matchAll(re)) if (m[1].startsWith(".")) out.push(m[1]);
  return out;
}

/** The cycles of a graph (each as a path that returns to its start), found by depth-first search. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (n: string) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 1) cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return cycles;
}

Deno.test("the cycle finder finds a cycle and accepts a DAG (so the real check can fail)", () => {
  assert.deepEqual(findCycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]])), [["a", "b", "c", "a"]]);
  assert.deepEqual(findCycles(new Map([["a", ["b", "c"]], ["b", ["c"]], ["c", []]])), []);
  assert.deepEqual(
    staticImports(
      `import type { A } from "./a.ts";\nexport * from "../b.ts";\n// import "./c.ts";\nconst x = await import("./d.ts");`,
    ),
    ["./a.ts", "../b.ts"],
  );
});

Deno.test("lib/ has no import cycle", () => {
  const graph = new Map<string, string[]>();
  for (const f of tsFiles(LIB)) {
    const deps = staticImports(Deno.readTextFileSync(f))
      .map((s) => relative(LIB, resolve(dirname(f), s)))
      .filter((p) => p.endsWith(".ts") && !p.startsWith(".."));
    graph.set(relative(LIB, f), deps);
  }
  assert.ok(graph.size > 100, `expected the whole of lib/, found ${graph.size} modules`);
  const cycles = findCycles(graph);
  assert.deepEqual(cycles.map((c) => c.join(" → ")), [], "import cycles in lib/");
});
