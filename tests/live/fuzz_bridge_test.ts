// A short seeded run of fuzz:bridge (the long run is the task): mutated EA messages and hostile
// connections through a man-in-the-middle proxy on 127.0.0.1; the runner never crashes, never
// loses a journalled order, and its journal agrees with the simulator's book.
import assert from "node:assert/strict";
import { fuzzBridge, mutateLine, seededRandom } from "../../lib/live/fuzz_bridge.ts";
import { sampleBars } from "../mt5/helpers.ts";

Deno.test("fuzz:bridge mutations are seeded and hostile", () => {
  const line = JSON.stringify({
    v: 1,
    t: "res",
    re: "r1",
    ok: true,
    data: { retcode: 10009, volume: 1, price: 1.2 },
  });
  const a = Array.from({ length: 50 }, (_, k) => mutateLine(line, seededRandom(k)).what);
  const b = Array.from({ length: 50 }, (_, k) => mutateLine(line, seededRandom(k)).what);
  assert.deepEqual(a, b, "same seed, same mutation");
  assert.ok(new Set(a).size > 10, `varied mutations: ${[...new Set(a)].join(", ")}`);
});

Deno.test("fuzz:bridge short seeded run: no crash, nothing lost, journal = book", async () => {
  const logsDir = await Deno.makeTempDir();
  const results = await fuzzBridge({
    cases: 4,
    seed: 7,
    bars: 50,
    rate: 0.05,
    bars_data: await sampleBars(),
    logsDir,
  });
  for (const r of results) assert.deepEqual(r.problems, [], `seed ${r.seed}: ${r.problems.join("; ")}`);
  assert.ok(results.reduce((s, r) => s + r.mutations, 0) > 10, "the proxy mutated messages");
  await Deno.remove(logsDir, { recursive: true });
});
