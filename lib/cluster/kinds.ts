/**
 * Every job kind a worker can execute, registered by importing this module. Workers run only
 * these registered kinds, by name, with schema-checked payloads: never code taken from a queue.
 *
 * @module
 */
import "./batch_kind.ts";
import "./probe_kind.ts";
import "./sweep_kind.ts";
