/**
 * The live dashboard: a local web page per session (running or past) drawn from the session's
 * journal only, updated by Server-Sent Events, with token-protected controls that reach the runner
 * through its control file. `deno task dashboard` serves every session under logs/live;
 * `deno task live ... --dashboard` serves the running one.
 *
 * ```ts ignore
 * import { startDashboard } from "kinetra/dashboard/mod.ts";
 * const d = await startDashboard({ logsDir: "logs/live", listen: "127.0.0.1:8787" });
 * console.log(`dashboard: ${d.url}`);
 * ```
 *
 * @module
 */
export * from "./server.ts";
export * from "./sessions.ts";
export * from "./tail.ts";
export * from "./page.ts";
