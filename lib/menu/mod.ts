/**
 * The interactive menu (`deno task menu`) and its exerciser (`deno task exercise:menu`): a tree of
 * screens with a status bar and breadcrumbs whose items call the library, and a walker that runs
 * the real menu as a child process over every path of that tree.
 *
 * ```ts ignore
 * import { buildMenuTree, resolveMenuOptions, runMenu, stdinInput, stderrTracer } from "kinetra/menu/mod.ts";
 * const out = await runMenu(buildMenuTree(), resolveMenuOptions(), {
 *   input: stdinInput(),
 *   write: (t) => Deno.stdout.writeSync(new TextEncoder().encode(t)),
 *   trace: stderrTracer(),
 * });
 * ```
 *
 * @module
 */
export * from "./control.ts";
export * from "./types.ts";
export * from "./trace.ts";
export * from "./line_input.ts";
export * from "./prompter.ts";
export * from "./options.ts";
export * from "./config.ts";
export * from "./status.ts";
export * from "./operation.ts";
export * from "./datasets.ts";
export * from "./tree.ts";
export * from "./runner.ts";
export * from "./docs_view.ts";
export * from "./exercise_model.ts";
export * from "./exercise_session.ts";
export * from "./exerciser.ts";
