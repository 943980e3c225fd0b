/** In the menu, a CHS threshold of 0 (breaker off, for a parity check) is a value, not "back". */
import assert from "node:assert/strict";
import { runScripted, tempOptions } from "./_helpers.ts";

Deno.test("Virtual Trading takes 0 as the CHS threshold and runs with the breaker off", async () => {
  const opts = await tempOptions();
  try {
    // Live Testing > Virtual Trading: first strategy, first symbol, 5 trades, CHS 0, full speed, confirm.
    const { out } = await runScripted(["4", "1", "", "", "5", "0", "", ""], opts);
    assert.match(out, /CHS threshold of the circuit breaker \(0 = off\) 0-1 \(q=quit\)/);
    assert.match(out, /virtual run /);
    assert.match(out, /breaker events 0/);
    const runs = await Array.fromAsync(Deno.readDir(`${opts.logsDir}/live`));
    assert.equal(runs.length, 1, "the run happened (0 did not go back)");
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});
