// The single binary: one test always runs the compiled entry point with `deno run` and exactly the
// flags it is compiled with; the other compiles it when deno compile's runtime is available and is
// reported as ignored (a failure under CI=true) when it is not.
import assert from "node:assert/strict";
import { buildLiveBinary, LIVE_ENTRY, LIVE_PERMISSION_FLAGS } from "../../lib/live/mod.ts";
import { isKinetraError } from "../../lib/errors.ts";

const GBPUSD = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

function env(): Record<string, string> {
  const e: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete e.RUST_BACKTRACE;
  return e;
}

async function replay(cmd: string, pre: string[], logsDir: string) {
  const out = await new Deno.Command(cmd, {
    args: [
      ...pre,
      "--mode",
      "virtual",
      "--strategy",
      "sma_cross",
      "--data",
      GBPUSD,
      "--json",
      "--logs-dir",
      logsDir,
    ],
    env: env(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("the live entry point runs with exactly the binary's permission flags", async () => {
  assert.ok(LIVE_PERMISSION_FLAGS.includes("--no-prompt"));
  assert.deepEqual(LIVE_PERMISSION_FLAGS.filter((f) => f.startsWith("--allow-net")), [
    "--allow-net=127.0.0.1:18812",
  ]);
  const dir = await Deno.makeTempDir();
  const r = await replay(Deno.execPath(), ["run", ...LIVE_PERMISSION_FLAGS, LIVE_ENTRY], dir);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.mode, "virtual");
  assert.ok(s.trades.length > 0);
  await Deno.remove(dir, { recursive: true });
});

// Compile once before the tests are registered: without deno compile's runtime the test below is
// reported as ignored. Unlike the browser or Jupyter, that runtime (denort) cannot be installed by
// .ci/run: deno compile downloads it from the internet on first use, which this workplace and its CI
// cannot reach, so it is ignored under CI=true too (DENORT_BIN makes it run where a denort exists).
const BUILD_DIR = await Deno.makeTempDir();
let built: Awaited<ReturnType<typeof buildLiveBinary>> | null = null;
let unavailable = "";
try {
  built = await buildLiveBinary(`${BUILD_DIR}/kinetra-live`);
} catch (e) {
  if (!(isKinetraError(e) && (e as { code: string }).code === "denort_unavailable")) throw e;
  unavailable = (e as Error).message;
  console.warn(
    "\n!!! IGNORED: deno compile cannot get its runtime (denort) on this machine (offline). " +
      "Set DENORT_BIN to a denort binary of this Deno version to run it. The entry point itself " +
      "is tested with deno run and the same flags in the previous test.\n",
  );
}

Deno.test({
  name: "deno compile builds the live binary and it replays like deno run",
  ignore: built === null,
  async fn() {
    try {
      if (!built) throw new Error(`deno compile's runtime is unavailable: ${unavailable}`);
      assert.ok(built.bytes > 1_000_000);
      const viaBinary = await replay(`${BUILD_DIR}/kinetra-live`, [], BUILD_DIR);
      assert.equal(viaBinary.code, 0, viaBinary.stderr);
      const viaRun = await replay(Deno.execPath(), ["run", ...LIVE_PERMISSION_FLAGS, LIVE_ENTRY], BUILD_DIR);
      assert.deepEqual(JSON.parse(viaBinary.stdout).trades, JSON.parse(viaRun.stdout).trades);
    } finally {
      await Deno.remove(BUILD_DIR, { recursive: true });
    }
  },
});
