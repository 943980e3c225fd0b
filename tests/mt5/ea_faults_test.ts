// The ten runtime faults of KinetraBridge.mq5 1.00 (issue 16), each against the strict simulator:
// the simulator's EA 1.00 model shows the fault (the test's first half: what Kinetra saw before),
// and the current EA logic (1.10, mirrored from the .mq5) does not.
import assert from "node:assert/strict";
import { BRIDGE_CODE, RETCODE } from "../../lib/broker/mod.ts";
import type { Mt5SymbolInfo } from "../../lib/broker/mod.ts";
import {
  type BridgeServer,
  type EaVersion,
  type Message,
  Mt5BridgeBroker,
  type Mt5Simulator,
  type SimulatorOptions,
} from "../../lib/mt5/mod.ts";
import { GBPUSD, listen, sampleBars, simulator } from "./helpers.ts";

interface Rig {
  server: BridgeServer;
  sim: Mt5Simulator;
  broker: Mt5BridgeBroker;
}

async function rig(ea: EaVersion, over: Partial<SimulatorOptions> = {}): Promise<Rig> {
  const server = await listen();
  const sim = await simulator(server, { strict: true, ea, ...over });
  await server.waitForSession(3000);
  const broker = new Mt5BridgeBroker(server, { timeouts: { readMs: 2000, tradeMs: 2000 }, magic: "77" });
  return { server, sim, broker };
}

async function done(r: Rig): Promise<void> {
  await r.sim.stop();
  await r.server.close();
}

const buy = (extra: Record<string, unknown> = {}) => ({
  action: 1,
  symbol: "GBPUSD+",
  volume: 0.01,
  type: 0,
  type_filling: 0,
  ...extra,
});

const until = async (cond: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return cond();
};

Deno.test("fault 1: modify_sltp on a position closed by its stop answers 10036, not the last DONE", async () => {
  for (const ea of ["1.00", "1.10"] as const) {
    const r = await rig(ea);
    const open = await r.broker.send("kf1open000000001", buy());
    assert.equal(open.retcode, RETCODE.DONE);
    await r.sim.book.close("slhit", open.position); // the server's stop-loss closed it
    const m = await r.broker.modify("kf1modify0000001", open.position, 1.1, 1.5);
    if (ea === "1.00") assert.equal(m.retcode, RETCODE.DONE, "1.00 replied the previous trade's result");
    else {
      assert.equal(m.retcode, RETCODE.POSITION_CLOSED);
      assert.match(m.comment, /position not found/);
    }
    assert.equal(r.server.stats.bad_messages, 0);
    await done(r);
  }
});

Deno.test("fault 2: bars that closed while the link was down reach Kinetra after the reconnect", async () => {
  for (const ea of ["1.00", "1.10"] as const) {
    const r = await rig(ea, {
      faults: ["link_drop"],
      linkDropAfterBars: 3,
      linkDropMs: 250,
      barIntervalMs: 20,
    });
    const got: number[] = [];
    const gaps: Message[] = [];
    r.server.onEvent((m) => {
      if (m.t !== "bar") return;
      if (m.gap) gaps.push(m);
      if (!m.resent) got.push((m.bar as { time_msc: number }).time_msc);
    });
    const start = r.sim.cursor;
    await r.broker.subscribeBars("GBPUSD+", "H4");
    // Let the link drop, stay down while the market moves on, and come back.
    await until(() => r.sim.stats.connections >= 2 && r.sim.cursor >= start + 25, 5000);
    const closed = r.sim.cursor - start;
    await until(() => got.length >= closed, 1000);
    assert.ok(r.sim.stats.faults_fired.includes("link_drop"));
    if (ea === "1.00") {
      assert.ok(
        got.length < r.sim.cursor - start,
        `1.00 lost bars: ${got.length} of ${r.sim.cursor - start}`,
      );
      assert.ok(gaps.length >= 1 && r.server.stats.bar_gaps >= 1, "the listener flags the gap");
    } else {
      assert.ok(got.length >= closed, `every closed bar arrived: ${got.length} of ${closed}`);
      for (let i = 1; i < got.length; i++) assert.ok(got[i] > got[i - 1], "in order, no repeats");
      assert.deepEqual(gaps, []);
      assert.equal(r.server.stats.bar_gaps, 0);
    }
    await done(r);
  }
});

const NO_FOK_IOC: Mt5SymbolInfo = { ...GBPUSD, filling_mode: 0, trade_exemode: 2 };
const NO_STOPS: Mt5SymbolInfo = { ...GBPUSD, order_mode: 1 | 2 | 4 | 8 };

Deno.test("fault 3a: a market-execution symbol without FOK/IOC fills with RETURN instead of 10030", async () => {
  for (const ea of ["1.00", "1.10"] as const) {
    const r = await rig(ea, { spec: NO_FOK_IOC });
    const res = await r.broker.send("kf3fill000000001", buy());
    if (ea === "1.00") {
      assert.equal(res.retcode, RETCODE.INVALID_FILL, "CTrade refused without sending");
      assert.equal(r.sim.book.deals().length, 0);
    } else {
      assert.equal(res.retcode, RETCODE.DONE);
      assert.equal(r.sim.book.deals().length, 1);
    }
    await done(r);
  }
});

Deno.test("fault 3b: stops on a symbol whose SYMBOL_ORDER_MODE lacks SL/TP are refused, never dropped", async () => {
  for (const ea of ["1.00", "1.10"] as const) {
    const r = await rig(ea, { spec: NO_STOPS });
    const q = await r.broker.quote("GBPUSD+");
    const res = await r.broker.send("kf3stop000000001", buy({ sl: Number((q.bid - 0.005).toFixed(5)) }));
    const open = await r.sim.book.positions();
    if (ea === "1.00") {
      assert.equal(res.retcode, RETCODE.DONE, "reported DONE ...");
      assert.equal(open.length, 1);
      assert.equal(open[0].sl, 0, "... for a position without its stop-loss");
    } else {
      assert.equal(res.retcode, RETCODE.INVALID_STOPS);
      assert.match(res.comment, /does not accept stop-loss orders \(SYMBOL_ORDER_MODE 15\)/);
      assert.equal(open.length, 0);
      assert.equal(r.sim.stats.server_requests, 0, "nothing was sent");
    }
    await done(r);
  }
});

Deno.test("fault 4: SocketIsReadable reporting bytes that SocketRead times out on keeps a healthy link", async () => {
  for (const ea of ["1.00", "1.10"] as const) {
    const r = await rig(ea, { faults: ["phantom_readable"] });
    await until(() => r.sim.stats.phantom_reads > 0, 2000);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(r.sim.stats.phantom_reads, 1);
    if (ea === "1.00") assert.ok(r.server.stats.disconnects >= 1, "1.00 dropped a healthy link");
    else {
      assert.equal(r.server.stats.disconnects, 0);
      assert.equal(r.sim.stats.connections, 1);
      assert.ok(r.server.session());
    }
    await done(r);
  }
});

Deno.test("fault 5: fill price, volume, commission and profit come from the deal, not MqlTradeResult", async () => {
  for (const ea of ["1.00", "1.10"] as const) {
    const r = await rig(ea, { commissionPerLot: 3.5 });
    const res = await r.broker.send("kf5fill000000001", buy());
    assert.equal(res.retcode, RETCODE.DONE);
    const deal = r.sim.book.deals().find((d) => d.ticket === res.deal)!;
    assert.ok(deal.price > 1, "the deal has the fill");
    if (ea === "1.00") {
      assert.equal(res.price, 0, "the server left MqlTradeResult.price at 0");
      assert.equal(res.volume, 0);
    } else {
      assert.equal(res.price, deal.price);
      assert.equal(res.volume, deal.volume);
      assert.equal(res.commission, deal.commission);
      assert.ok(res.commission! < 0);
      const close = await r.broker.close("kf5close00000001", res.position);
      const out = r.sim.book.deals().find((d) => d.ticket === close.deal)!;
      assert.equal(close.price, out.price);
      assert.equal(close.profit, out.profit);
    }
    await done(r);
  }
});

Deno.test("fault 6: order_check runs OrderCheck: the order's margin, and 10019 when it does not fit", async () => {
  for (const ea of ["1.00", "1.10"] as const) {
    const r = await rig(ea);
    const ok = await r.broker.orderCheck(buy({ volume: 1 }));
    const huge = await r.broker.orderCheck(buy({ volume: 100 }));
    if (ea === "1.00") {
      assert.equal(ok.margin, 0);
      assert.equal(huge.retcode, 0, "1.00 passed an order 10 times the account");
    } else {
      const q = await r.broker.quote("GBPUSD+");
      assert.equal(ok.retcode, 0);
      assert.ok(Math.abs(ok.margin - (100_000 * q.ask) / 100) < 1, `margin ${ok.margin}`);
      assert.equal(huge.retcode, RETCODE.NO_MONEY);
      assert.ok(huge.margin_free < 0);
    }
    await done(r);
  }
});

Deno.test("fault 7: a refused cid is journalled: sent again it returns the refusal, never a trade", async () => {
  for (const ea of ["1.00", "1.10"] as const) {
    const r = await rig(ea, { account: "real" });
    const first = await r.broker.send("kf7gate000000001", buy());
    assert.equal(first.bridge_code, BRIDGE_CODE.LIVE_GATE);
    r.sim.setPermissions({ allowLive: true }); // the user flips AllowLive; Kinetra resends the same cid
    const again = await r.broker.send("kf7gate000000001", buy());
    if (ea === "1.00") {
      assert.equal(again.retcode, RETCODE.DONE, "1.00 traded on a cid it had refused");
      assert.equal(r.sim.book.deals().length, 1);
    } else {
      assert.equal(again.bridge_code, BRIDGE_CODE.DUPLICATE_CACHED);
      assert.equal(again.retcode, RETCODE.REJECT);
      assert.equal(r.sim.book.deals().length, 0);
      const rec = await r.broker.reconcile("kf7gate000000001");
      assert.equal(rec.state, "found");
      assert.equal(rec.result?.bridge_code, BRIDGE_CODE.LIVE_GATE);
    }
    await done(r);
  }
});

Deno.test("fault 8: control characters in broker strings are escaped, so the line stays one JSON object", async () => {
  const company = "Kinetra\tSim\nMarkets\u0001 Ltd";
  for (const ea of ["1.00", "1.10"] as const) {
    const server = await listen({ handshakeTimeoutMs: 800 });
    const sim = await simulator(server, { strict: true, ea, company, maxConnectAttempts: 1 });
    if (ea === "1.00") {
      await assert.rejects(server.waitForSession(1500), /no Expert Advisor connected/);
    } else {
      const s = await server.waitForSession(3000);
      assert.equal(s.hello.account.company, company);
    }
    await sim.stop();
    await server.close();
  }
});

Deno.test("fault 9: 'Allow Algo Trading' off is reported in hello and refused early with the reason", async () => {
  for (const ea of ["1.00", "1.10"] as const) {
    const r = await rig(ea, { eaTradeAllowed: false });
    const res = await r.broker.send("kf9algo000000001", buy());
    assert.equal(res.retcode, RETCODE.CLIENT_DISABLES_AT);
    assert.equal(r.server.session()?.hello.terminal.ea_trade_allowed, false);
    if (ea === "1.00") {
      assert.equal(r.sim.stats.server_requests, 1, "1.00 found out from the terminal's 10027");
    } else {
      assert.equal(r.sim.stats.server_requests, 0, "refused before OrderSend");
      assert.match(res.comment, /Allow Algo Trading/);
    }
    await done(r);
  }
});

Deno.test("fault 10: in the Strategy Tester the EA says so in OnInit and stops instead of retrying", async () => {
  for (const ea of ["1.00", "1.10"] as const) {
    const server = await listen();
    const sim = await simulator(server, { strict: true, ea, tester: true, maxConnectAttempts: 50 });
    await new Promise((r) => setTimeout(r, 300));
    if (ea === "1.00") {
      assert.ok(sim.stats.connect_attempts >= 3, `1.00 kept retrying: ${sim.stats.connect_attempts}`);
      assert.equal(sim.stats.init_failed, "");
    } else {
      assert.equal(sim.stats.connect_attempts, 0);
      assert.match(sim.stats.init_failed, /Strategy Tester/);
      await sim.finished;
    }
    await sim.stop();
    await server.close();
  }
});

Deno.test("server time: hello's offset, the DST switch, and every time converted to UTC at the edge", async () => {
  const bars = await sampleBars();
  // 2024-03-08 20:00 server time is the last bar before the US switch (Sunday 10 March).
  const friday = bars.time.findIndex((t) => t >= Date.UTC(2024, 2, 8, 20));
  const r = await rig("1.10", { historyBars: friday - 2, barIntervalMs: 20 });
  assert.equal(r.server.session()?.hello.time?.srv_offset_s, 7200, "GMT+2 in winter");
  const seen: { utc: number; file: number }[] = [];
  r.server.onEvent((m) => {
    if (m.t === "bar") {
      const utc = (m.bar as { time_msc: number }).time_msc;
      seen.push({ utc, file: bars.time[bars.time.findIndex((t) => t - utc >= 2 * 3_600_000)] });
    }
  });
  await r.broker.subscribeBars("GBPUSD+", "H4");
  await until(() => seen.length >= 6, 3000);
  assert.equal(r.server.serverOffsetMs(), 3 * 3_600_000, "GMT+3 after the switch");
  assert.equal(seen[0].file - seen[0].utc, 2 * 3_600_000, "a winter bar is server time − 2 h");
  const monday = seen.find((s) => s.utc >= Date.UTC(2024, 2, 10));
  assert.ok(monday, "a bar after the switch arrived");
  assert.equal(monday.file - monday.utc, 3 * 3_600_000, "a summer bar is server time − 3 h");
  // Positions and deals: server times converted as well.
  const res = await r.broker.send("ktimeopen0000001", buy());
  const [pos] = await r.broker.positions("GBPUSD+");
  const [deal] = r.sim.book.deals();
  assert.equal(pos.ticket, res.position);
  assert.equal(deal.time_msc - pos.time_msc, 3 * 3_600_000);
  const [wireDeal] = await r.broker.historyDeals();
  assert.equal(wireDeal.time_msc, pos.time_msc);
  assert.equal(r.server.stats.bad_messages, 0);
  await done(r);
});
