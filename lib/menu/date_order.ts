/**
 * The menu's day/month order for `NN/NN/YYYY` dates no row of a file settles: the session's setting
 * (`deno task menu --date-order dmy|mdy`, `MenuOptions.dateOrder`), or, when unset and a read is
 * refused with `ambiguous_date`, a prompt whose answer becomes the session's setting and the read
 * is done again (the same decision as the tasks' `--date-order`; docs/MENU.md).
 *
 * @module
 */
import { isKinetraError } from "../errors.ts";
import type { ActionContext } from "./types.ts";

/** The two orders, as `ReadOptions.dateOrder` and the tasks' `--date-order` spell them. */
export type MenuDateOrder = "dmy" | "mdy";

/** True for a refusal a date order settles (not, e.g., two-digit years before 1970). */
export function needsDateOrder(e: unknown): boolean {
  return isKinetraError(e) && e.code === "ambiguous_date" && e.details?.option === "dateOrder";
}

/**
 * Run `read` with the session's date order; when it is unset and `read` is refused because no row
 * settles the day/month order, ask for the order (0 goes back), keep it for the session and run
 * `read` again with it. Any other error, or a refusal with the order already set, is rethrown.
 *
 * @example
 * ```ts ignore
 * const bars = await withDateOrder(ctx, (dateOrder) => data.readBars(file.path, { dateOrder }));
 * ```
 */
export async function withDateOrder<T>(
  ctx: Pick<ActionContext, "ask" | "opts">,
  read: (dateOrder: MenuDateOrder | undefined) => Promise<T>,
): Promise<T> {
  try {
    return await read(ctx.opts.dateOrder);
  } catch (e) {
    if (ctx.opts.dateOrder !== undefined || !needsDateOrder(e)) throw e;
    const { ask } = ctx;
    const file = String((e as { details?: Record<string, unknown> }).details?.file ?? "the file");
    ask.say(`  ${file}: no row tells whether its dates are day-first or month-first.`);
    const i = await ask.choose("Read such dates as (kept for this session; the tasks' --date-order)", [
      "day-first, 31/12/2024 (dmy)",
      "month-first, 12/31/2024 (mdy)",
    ]);
    const order: MenuDateOrder = i === 0 ? "dmy" : "mdy";
    ctx.opts.dateOrder = order;
    ask.say(`  Dates read ${order === "dmy" ? "day" : "month"}-first for the rest of this session.`);
    return await read(order);
  }
}
