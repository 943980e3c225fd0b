/**
 * Start-up reconciliation (demo/live): before a session trades, the runner reads the previous
 * journal of the same account (login and server) and magic number in the logs folder and settles
 * what that run left behind, by one documented rule, journalled as `recovery` events:
 *
 * 1. every order the previous run journalled as sent without an outcome (`pending` or `unknown`,
 *    e.g. after kill -9) is reconciled by its client order id: `executed` (the terminal has it,
 *    with its result) or `not_found` (it never reached the server). Nothing is resent.
 * 2. every position of this symbol with this magic number still open on the terminal belongs to a
 *    previous run whose strategy state is gone: it is CLOSED at once (rule `close`), through the
 *    order desk's journal-before-send path; its profit (the terminal's deal: profit + commission +
 *    swap) is reported in the summary's `recovery.closed_profit`, never mixed into this run's
 *    trades. Positions with another magic number (manual trades, other strategies) are left alone.
 *
 * @module
 */
import { join } from "node:path";
import { isSuccessRetcode } from "../market/mt5_constants.ts";
import { closingOrderType, sideName, sideOfPositionType } from "../market/side.ts";
import type { OrderDesk } from "./desk.ts";
import { readJournal } from "./journal.ts";
import type { LiveSession } from "./session.ts";
import type { RecoveryReport } from "./types.ts";

export type { RecoveryReport };

/** The first `run_start` and the bound account of a journal (cheap: stops early). */
async function journalHead(
  path: string,
): Promise<
  { ts: string; mode: string; magic: string; symbol: string; login: string; server: string } | null
> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return null;
  }
  let start: Record<string, unknown> | null = null;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (!start) {
      if (e.type !== "run_start") return null;
      start = e;
      continue;
    }
    if (e.type === "session" && (e.event === "account_bound" || e.event === "bridge_session_up")) {
      return {
        ts: String(start.ts),
        mode: String(start.mode),
        magic: String(start.magic ?? ""),
        symbol: String(start.symbol ?? ""),
        login: String(e.login),
        server: String(e.server),
      };
    }
  }
  return null;
}

/**
 * The most recent previous journal in `logsDir` of a demo/live run with this account and magic
 * (the current run's folder excluded), or null.
 */
export async function findPreviousJournal(
  logsDir: string,
  currentRunDir: string,
  account: { login: string; server: string },
  magic: string,
): Promise<string | null> {
  let best: { ts: string; path: string } | null = null;
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(logsDir)];
  } catch {
    return null;
  }
  for (const e of entries) {
    if (!e.isDirectory) continue;
    const dir = join(logsDir, e.name);
    if (dir === currentRunDir) continue;
    const path = join(dir, "journal.jsonl");
    const h = await journalHead(path);
    if (!h || h.mode === "virtual" || h.magic !== magic) continue;
    if (h.login !== account.login || h.server !== account.server) continue;
    if (!best || h.ts > best.ts) best = { ts: h.ts, path };
  }
  return best?.path ?? null;
}

/** Reconcile the previous run's open orders and close its leftover positions (see the module doc). */
export async function recoverPrevious(
  s: LiveSession,
  desk: OrderDesk,
  account: { login: string; server: string },
): Promise<RecoveryReport> {
  const { journal, io, symbol, magic } = s;
  const broker = desk.market.broker;
  const report: RecoveryReport = {
    previous_run: null,
    rule: "close",
    orders_checked: 0,
    executed: 0,
    not_found: 0,
    positions_closed: 0,
    positions_not_closed: 0,
    closed_profit: 0,
  };
  const prev = await findPreviousJournal(s.opts.logsDir ?? "logs/live", s.runDir, account, magic);
  if (prev) {
    report.previous_run = prev.replace(/[\\/]journal\.jsonl$/, "");
    const j = await readJournal(prev);
    for (const o of j.orders) {
      if (o.state !== "pending" && o.state !== "unknown") continue;
      report.orders_checked++;
      const rec = await broker.reconcile(o.cid);
      if (rec.state === "found") report.executed++;
      else report.not_found++;
      await journal.append("recovery", {
        what: "order",
        previous_run: report.previous_run,
        cid: o.cid,
        kind: o.kind,
        state: rec.state === "found" ? "executed" : "not_found",
        result: rec.result ?? null,
      });
    }
  }
  // Leftover positions of this magic number: closed by the rule (their strategy state is gone).
  const leftovers = (await broker.positions(symbol)).filter((p) => String(p.magic) === magic);
  for (const p of leftovers) {
    const cid = desk.nextCid();
    const r = await desk.tracked(
      "recovery_close",
      cid,
      { ticket: p.ticket, volume: p.volume, type: closingOrderType(sideOfPositionType(p.type)) },
      () => broker.close(cid, p.ticket),
    );
    const ok = isSuccessRetcode(r.retcode);
    let profit = 0;
    if (ok) {
      report.positions_closed++;
      for (const d of await broker.historyDeals()) {
        if (d.comment === cid) profit += (d.profit ?? 0) + (d.commission ?? 0) + (d.swap ?? 0);
      }
      report.closed_profit += profit;
    } else report.positions_not_closed++;
    await journal.append("recovery", {
      what: ok ? "position_closed" : "position_not_closed",
      previous_run: report.previous_run,
      ticket: p.ticket,
      side: sideName(sideOfPositionType(p.type)),
      volume: p.volume,
      price_open: p.price_open,
      cid,
      retcode: r.retcode,
      profit,
    });
  }
  if (report.orders_checked || leftovers.length) {
    io.print(
      `recovery: ${report.orders_checked} open order(s) of ${
        report.previous_run ?? "a previous run"
      } reconciled ` +
        `(${report.executed} executed, ${report.not_found} never arrived); ${report.positions_closed} leftover ` +
        `position(s) closed (profit ${report.closed_profit.toFixed(2)})` +
        (report.positions_not_closed ? `, ${report.positions_not_closed} could NOT be closed` : ""),
    );
  }
  return report;
}
