/**
 * The MT5 bridge room: protocol v1 (line-delimited JSON, HMAC challenge, heartbeat, client order
 * ids), the permission-gated listener, the bridge as a Broker, and the loopback simulator that
 * plays the Expert Advisor. All of Kinetra's networking lives here.
 *
 * @module
 */
export * from "./protocol.ts";
export * from "./permissions.ts";
export * from "./line_conn.ts";
export * from "./server.ts";
export * from "./bridge_broker.ts";
export * from "./simulator.ts";
export * from "./probe.ts";
