/**
 * The live-testing room: the runner (virtual, demo, live), its journal, the CHS circuit breaker,
 * mode gates, credentials, readiness criteria and the connection test.
 *
 * @module
 */
export * from "./types.ts";
export * from "./runner.ts";
export * from "./journal.ts";
export * from "./control.ts";
export * from "./breaker.ts";
export * from "./config.ts";
export * from "./gates.ts";
export * from "./readiness.ts";
export * from "./prepared.ts";
export * from "./connection.ts";
export * from "./cli_io.ts";
export * from "./build.ts";
