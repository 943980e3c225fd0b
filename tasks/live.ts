/**
 * `deno task live --mode virtual|demo|live --strategy NAME [--symbol S --timeframe TF] [--data FILE] [--date-order dmy|mdy]
 * [--duration MIN] [--max-trades N] [--chs-threshold 0.55] [--speed BARS_PER_SECOND|0]
 * [--bridge HOST:PORT] [--yes] [--json] ...`, `deno task live --test-connection [--bridge HOST:PORT]`
 * and `deno task live --init-config`. See docs/LIVE_TESTING_GUIDE.md for every flag.
 */
import { parseArgs } from "node:util";
import { numberOption, paramOptions, runTask } from "../lib/util/cli.ts";
import { KinetraError } from "../lib/errors.ts";
import { parseModel } from "../lib/backtest/intrabar.ts";
import { dateOrderArg } from "../lib/data/cli_args.ts";
import {
  confirmOnTerminal,
  initLiveConfig,
  killSwitch,
  type LiveMode,
  runLive,
  testConnection,
} from "../lib/live/mod.ts";
import { BASKET_LIVE_REFUSED, runLiveBasket } from "../lib/live/basket.ts";
import { runDemoBasket } from "../lib/live/basket_demo.ts";
import { type Dashboard, startDashboard } from "../lib/dashboard/mod.ts";
import {
  loadNotifyConfig,
  type Notifications,
  parseNotifyUrls,
  startNotifications,
} from "../lib/notify/mod.ts";

const USAGE = `usage:
  deno task live --mode virtual --strategy NAME (--data FILE | --symbol S --timeframe TF) [options]
  deno task live --mode virtual --strategy NAME --symbols A,B,C --timeframe TF [--source DIR] [--lots N]
    [--max-positions N] [options]   (several symbols on one account; docs/PORTFOLIO.md)
  deno task live --mode demo --symbol S --timeframe TF --strategy NAME [--bridge HOST:PORT] [--yes] [options]
  deno task live --mode demo --symbols A,B,C --timeframe TF --strategy NAME [--max-positions N] [--bridge HOST:PORT]
    [--yes] [options]   (several symbols on one DEMO account; the first one's bars pace the session)
  deno task live --mode live ... --i-accept-real-money-risk   (also KINETRA_ALLOW_LIVE=1 and a pinned account)
  deno task live --test-connection [--bridge HOST:PORT] [--symbol S]
  deno task live --init-config
options: --param k=v (repeatable) --duration MIN --max-trades N --chs-threshold X --breaker-reset-margin M
         --speed BARS_PER_SECOND|0
  --max-daily-loss MONEY --max-position LOTS --flatten-on-breaker --flatten-on-halt --no-auto-adjust
  --kill-file PATH --cash N --connect-timeout SEC --logs-dir DIR --recompute once|per_bar --max-refusals N --max-bad-messages N --trade-timeout SEC --bar-timeout SEC --json
  --dashboard [HOST:PORT]   serve the session's dashboard (default 127.0.0.1 on a free port; docs/DASHBOARD.md)
  --notify URL (repeatable) Slack webhook, Telegram sendMessage or JSON webhook (also "notify" in the config file)
  --notify-fills            a message for every fill too;  --no-notify  ignore the config file's notify URLs
  --allow-critical          virtual: replay a file whose validation has CRITICAL findings
  --date-order dmy|mdy      virtual: read NN/NN/YYYY dates no row of the replay file(s) settles day-first
                            or month-first (demo and live take their bars from the terminal, not from files)
  --conversion data|static  virtual: profits at the rate of the moment from the data folder's pairs (default
                            data, as deno task backtest) or at the static table's rates
  --model open|ohlc|lower|ticks [--lower FILE] [--ticks FILE]
                            virtual: stop-loss/take-profit fills along each bar's path (docs/BACKTESTING.md)`;

/** `--dashboard` may come without a value: then it listens on 127.0.0.1, any free port. */
export const DEFAULT_LIVE_DASHBOARD = "127.0.0.1:0";

function withDashboardDefault(args: string[]): string[] {
  const out: string[] = [];
  for (let k = 0; k < args.length; k++) {
    out.push(args[k]);
    if (args[k] === "--dashboard" && (k + 1 >= args.length || args[k + 1].startsWith("-"))) {
      out.push(DEFAULT_LIVE_DASHBOARD);
    }
  }
  return out;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: withDashboardDefault(Deno.args),
      options: {
        mode: { type: "string" },
        symbol: { type: "string" },
        symbols: { type: "string" },
        source: { type: "string" },
        lots: { type: "string" },
        "max-positions": { type: "string" },
        timeframe: { type: "string" },
        strategy: { type: "string" },
        param: { type: "string", multiple: true },
        data: { type: "string" },
        duration: { type: "string" },
        "max-trades": { type: "string" },
        "chs-threshold": { type: "string" },
        "breaker-reset-margin": { type: "string" },
        speed: { type: "string" },
        bridge: { type: "string" },
        yes: { type: "boolean" },
        json: { type: "boolean" },
        "test-connection": { type: "boolean" },
        "init-config": { type: "boolean" },
        "i-accept-real-money-risk": { type: "boolean" },
        "flatten-on-breaker": { type: "boolean" },
        "flatten-on-halt": { type: "boolean" },
        "max-daily-loss": { type: "string" },
        "max-position": { type: "string" },
        "no-auto-adjust": { type: "boolean" },
        "kill-file": { type: "string" },
        cash: { type: "string" },
        "connect-timeout": { type: "string" },
        "logs-dir": { type: "string" },
        recompute: { type: "string" },
        dashboard: { type: "string" },
        notify: { type: "string", multiple: true },
        "notify-fills": { type: "boolean" },
        "no-notify": { type: "boolean" },
        "max-refusals": { type: "string" },
        "max-bad-messages": { type: "string" },
        "allow-critical": { type: "boolean" },
        "date-order": { type: "string" },
        conversion: { type: "string" },
        model: { type: "string" },
        lower: { type: "string" },
        ticks: { type: "string" },
        "trade-timeout": { type: "string" },
        "bar-timeout": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new KinetraError("bad_option", `${(e as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const print = (l: string) => console.error(l);
  if (v["init-config"]) {
    const path = await initLiveConfig();
    print(`created ${path} (mode 0600) with a new bridge secret.`);
    print(
      "Copy bridge.secret from that file into the Expert Advisor's BridgeSecret input; it is never printed.",
    );
    if (v.json) console.log(JSON.stringify({ created: path }));
    return 0;
  }
  if (v["test-connection"]) {
    print("waiting for the Expert Advisor to connect (Ctrl-C to stop)…");
    const report = await testConnection({
      bridge: v.bridge,
      symbol: v.symbol,
      timeoutMs: (numberOption("connect-timeout", v["connect-timeout"], { code: "bad_option" }) ?? 30) * 1000,
      onListening: (a) => print(`listening on ${a.hostname}:${a.port}`),
    });
    if (v.json) console.log(JSON.stringify(report, null, 2));
    else {
      const a = report.account;
      print(`connected: EA ${report.ea_version} at ${report.address}, round trip ${report.latency_ms} ms`);
      print(
        `account ${a.login} on ${a.server} (${a.company ?? "?"}), ${a.trade_mode_name.toUpperCase()} account`,
      );
      print(
        `balance ${a.balance} ${a.currency}, equity ${a.equity}, free margin ${a.margin_free}, leverage 1:${a.leverage}`,
      );
      print(`trading allowed: ${a.trade_allowed}, expert trading: ${a.trade_expert}`);
      if (report.symbol) print(`${report.symbol.name}: bid ${report.symbol.bid} ask ${report.symbol.ask}`);
      print(
        `usable for: ${report.usable_for.length ? report.usable_for.join(", ") : "nothing (see the guide)"}`,
      );
    }
    return 0;
  }
  if (!v.mode) throw new KinetraError("bad_option", `--mode is required\n${USAGE}`);
  if (!v.strategy) throw new KinetraError("bad_option", `--strategy is required\n${USAGE}`);
  const params = paramOptions(v.param, "bad_option");
  const dateOrder = dateOrderArg(v["date-order"], USAGE);
  if (dateOrder && v.mode !== "virtual") {
    throw new KinetraError(
      "bad_option",
      `--date-order reads the bar files of virtual mode; --mode ${v.mode} takes its bars from the terminal`,
    );
  }
  if (v.symbols !== undefined) {
    if (v.model !== undefined || v.lower !== undefined || v.ticks !== undefined) {
      throw new KinetraError(
        "bad_option",
        "--model/--lower/--ticks are for one symbol (--data), not a --symbols basket",
      );
    }
    return await runBasket(v, params, print);
  }
  if (v.recompute && v.recompute !== "once" && v.recompute !== "per_bar") {
    throw new KinetraError("bad_option", `--recompute must be once or per_bar, got "${v.recompute}"`);
  }
  // Notifications: --notify URLs and the config file's (bad URLs are bad input, before anything runs).
  const notifyUrls = [...(v.notify ?? [])];
  let notifyFills = v["notify-fills"] === true;
  if (!v["no-notify"]) {
    try {
      const cfg = await loadNotifyConfig();
      notifyUrls.push(...cfg.urls);
      notifyFills ||= cfg.fills;
    } catch (e) {
      if (!(e instanceof KinetraError) || v.notify?.length) throw e;
      print(`notify: the config file's notification settings are ignored: ${e.message}`);
    }
  }
  parseNotifyUrls(notifyUrls);
  // The dashboard shows the session this task runs: sessions started from now on.
  let dashboard: Dashboard | null = null;
  if (v.dashboard !== undefined) {
    dashboard = await startDashboard({
      logsDir: v["logs-dir"] ?? "logs/live",
      listen: v.dashboard,
      since: Date.now() - 1000,
      onControl: (run, action) => print(`dashboard: ${action} requested for ${run}`),
    });
    // Its own line on stderr (stdout is kept for --json).
    print(`dashboard: ${dashboard.url}`);
  }
  let notifications: Notifications | null = null;
  if (notifyUrls.length) {
    notifications = await startNotifications({
      urls: notifyUrls,
      fills: notifyFills,
      logsDir: v["logs-dir"] ?? "logs/live",
      since: Date.now() - 1000,
      print,
    });
  }
  const kill = killSwitch((s) => print(`${s}: halting cleanly…`));
  try {
    const summary = await runLive({
      mode: v.mode as LiveMode,
      strategy: v.strategy,
      params,
      symbol: v.symbol,
      timeframe: v.timeframe,
      data: v.data,
      allowCritical: v["allow-critical"],
      dateOrder,
      conversion: v.conversion as "data" | "static" | undefined,
      model: v.model === undefined ? undefined : parseModel(v.model),
      lower: v.lower,
      ticks: v.ticks,
      durationMin: numberOption("duration", v.duration, { code: "bad_option" }),
      maxTrades: numberOption("max-trades", v["max-trades"], { code: "bad_option" }),
      chsThreshold: numberOption("chs-threshold", v["chs-threshold"], { code: "bad_option" }),
      breakerResetMargin: numberOption("breaker-reset-margin", v["breaker-reset-margin"], {
        code: "bad_option",
      }),
      speed: numberOption("speed", v.speed, { code: "bad_option" }),
      bridge: v.bridge,
      yes: v.yes,
      acceptRealMoneyRisk: v["i-accept-real-money-risk"],
      flattenOnBreaker: v["flatten-on-breaker"],
      flattenOnHalt: v["flatten-on-halt"],
      maxDailyLoss: numberOption("max-daily-loss", v["max-daily-loss"], { code: "bad_option" }),
      maxPositionLots: numberOption("max-position", v["max-position"], { code: "bad_option" }),
      autoAdjust: !v["no-auto-adjust"],
      killFile: v["kill-file"],
      cash: numberOption("cash", v.cash, { code: "bad_option" }),
      connectTimeoutMs: v["connect-timeout"]
        ? numberOption("connect-timeout", v["connect-timeout"], { code: "bad_option" })! * 1000
        : undefined,
      logsDir: v["logs-dir"],
      recompute: v.recompute as "once" | "per_bar" | undefined,
      maxRefusals: numberOption("max-refusals", v["max-refusals"], { code: "bad_option" }),
      maxBadMessages: numberOption("max-bad-messages", v["max-bad-messages"], { code: "bad_option" }),
      barTimeoutMs: v["bar-timeout"]
        ? numberOption("bar-timeout", v["bar-timeout"], { code: "bad_option" })! * 1000
        : undefined,
      timeouts: v["trade-timeout"]
        ? { tradeMs: numberOption("trade-timeout", v["trade-timeout"], { code: "bad_option" })! * 1000 }
        : undefined,
    }, { print, confirm: confirmOnTerminal, signal: kill.signal });
    if (v.json) {
      console.log(
        JSON.stringify(summary, (_k, x) => typeof x === "number" && !Number.isFinite(x) ? null : x, 2),
      );
    }
    const r = summary.readiness;
    print(
      `readiness for ${r.next_stage ?? "(last stage)"}: ${r.ready ? "READY" : "not ready"} — ` +
        r.checks.map((c) =>
          `${c.name} ${c.value === null ? "n/a" : +Number(c.value).toFixed(3)} ${c.pass ? "ok" : "no"}`
        )
          .join(", "),
    );
    // A bug that ended the session (after its journal and summary were written) exits 70.
    if (summary.halt_reason === "internal_error") return 70;
    return summary.status === "halted" && summary.halt_reason !== "kill_switch" &&
        summary.halt_reason !== "duration" && summary.halt_reason !== "max_trades" &&
        summary.halt_reason !== "control_stop"
      ? 1
      : 0;
  } finally {
    kill.dispose();
    // Bounded: whatever a slow receiver still holds is given up after 10 s.
    if (notifications) await notifications.stop();
    if (dashboard) {
      // Open pages get the summary and the end of the stream, then the server stops.
      await new Promise((r) => setTimeout(r, 3000));
      await dashboard.close();
      print("dashboard closed; `deno task dashboard` replays this session from its journal");
    }
  }
}

/** `--symbols A,B,C`: a virtual basket on one account (lib/live/basket.ts). */
async function runBasket(
  v: Record<string, string | boolean | string[] | undefined>,
  params: Record<string, number>,
  print: (l: string) => void,
): Promise<number> {
  const str = (k: string) => v[k] as string | undefined;
  if (v.mode === "live") {
    throw new KinetraError("bad_option", BASKET_LIVE_REFUSED);
  }
  if (v.mode === "demo") {
    for (const k of ["source", "lots", "conversion", "data", "symbol"]) {
      if (v[k] !== undefined) {
        throw new KinetraError(
          "bad_option",
          `--${k} does not apply to demo mode on several symbols (the terminal serves the bars and books the money; ` +
            "sizing is the strategy's, as in single-symbol demo mode)",
        );
      }
    }
  }
  const kill = killSwitch((s) => print(`${s}: halting cleanly…`));
  try {
    const maxPositions = numberOption("max-positions", str("max-positions"), { code: "bad_option" });
    if (v.mode === "demo") {
      const summary = await runDemoBasket({
        mode: "demo",
        strategy: str("strategy")!,
        params,
        symbols: str("symbols")!.split(","),
        timeframe: str("timeframe") ?? "",
        maxPositions,
        durationMin: numberOption("duration", str("duration"), { code: "bad_option" }),
        maxTrades: numberOption("max-trades", str("max-trades"), { code: "bad_option" }),
        chsThreshold: numberOption("chs-threshold", str("chs-threshold"), { code: "bad_option" }),
        breakerResetMargin: numberOption("breaker-reset-margin", str("breaker-reset-margin"), {
          code: "bad_option",
        }),
        bridge: str("bridge"),
        yes: v.yes === true,
        flattenOnBreaker: v["flatten-on-breaker"] === true,
        flattenOnHalt: v["flatten-on-halt"] === true,
        maxDailyLoss: numberOption("max-daily-loss", str("max-daily-loss"), { code: "bad_option" }),
        maxPositionLots: numberOption("max-position", str("max-position"), { code: "bad_option" }),
        autoAdjust: !v["no-auto-adjust"],
        killFile: str("kill-file"),
        connectTimeoutMs: str("connect-timeout")
          ? numberOption("connect-timeout", str("connect-timeout"), { code: "bad_option" })! * 1000
          : undefined,
        logsDir: str("logs-dir"),
        maxRefusals: numberOption("max-refusals", str("max-refusals"), { code: "bad_option" }),
        maxBadMessages: numberOption("max-bad-messages", str("max-bad-messages"), { code: "bad_option" }),
        barTimeoutMs: str("bar-timeout")
          ? numberOption("bar-timeout", str("bar-timeout"), { code: "bad_option" })! * 1000
          : undefined,
        timeouts: str("trade-timeout")
          ? { tradeMs: numberOption("trade-timeout", str("trade-timeout"), { code: "bad_option" })! * 1000 }
          : undefined,
      }, { print, confirm: confirmOnTerminal, signal: kill.signal });
      if (v.json) {
        console.log(
          JSON.stringify(summary, (_k, x) => typeof x === "number" && !Number.isFinite(x) ? null : x, 2),
        );
      }
      const r = summary.readiness;
      print(`readiness for ${r.next_stage ?? "(last stage)"}: ${r.ready ? "READY" : "not ready"}`);
      if (summary.halt_reason === "internal_error") return 70;
      return summary.status === "halted" &&
          !["kill_switch", "duration", "max_trades", "control_stop"].includes(summary.halt_reason ?? "")
        ? 1
        : 0;
    }
    const summary = await runLiveBasket({
      mode: v.mode as LiveMode,
      strategy: str("strategy")!,
      params,
      symbols: str("symbols")!.split(","),
      timeframe: str("timeframe") ?? "",
      source: str("source"),
      dateOrder: dateOrderArg(str("date-order"), USAGE),
      conversion: str("conversion") as "data" | "static" | undefined,
      lots: numberOption("lots", str("lots"), { code: "bad_option" }),
      limits: maxPositions !== undefined ? { maxPositions } : undefined,
      durationMin: numberOption("duration", str("duration"), { code: "bad_option" }),
      maxTrades: numberOption("max-trades", str("max-trades"), { code: "bad_option" }),
      chsThreshold: numberOption("chs-threshold", str("chs-threshold"), { code: "bad_option" }),
      speed: numberOption("speed", str("speed"), { code: "bad_option" }),
      flattenOnBreaker: v["flatten-on-breaker"] === true,
      maxDailyLoss: numberOption("max-daily-loss", str("max-daily-loss"), { code: "bad_option" }),
      killFile: str("kill-file"),
      cash: numberOption("cash", str("cash"), { code: "bad_option" }),
      logsDir: str("logs-dir"),
    }, { print, signal: kill.signal });
    if (v.json) {
      console.log(
        JSON.stringify(summary, (_k, x) => typeof x === "number" && !Number.isFinite(x) ? null : x, 2),
      );
    }
    const r = summary.readiness;
    print(`readiness for ${r.next_stage}: ${r.ready ? "READY" : "not ready"}`);
    return summary.status === "halted" &&
        !["kill_switch", "duration", "max_trades", "control_stop"].includes(summary.halt_reason ?? "")
      ? 1
      : 0;
  } finally {
    kill.dispose();
  }
}

if (import.meta.main) runTask(main);
