/**
 * Private helper: stacked panels sharing one date x axis (price on top, indicators below).
 *
 * @module
 */
import { axis, axisId, stackDomains } from "./figure.ts";

/** One panel of a stacked figure. */
export interface PanelSpec {
  weight: number;
  yaxis?: Record<string, unknown>;
}

/** Axis references per panel (`xref` "x2", `yref` "y2") and the layout keys to merge. */
export interface PanelLayout {
  refs: { x: string; y: string }[];
  axes: Record<string, unknown>;
}

/** Build axes for `panels` stacked top to bottom; only the bottom panel shows date tick labels. */
export function stackedPanels(
  panels: readonly PanelSpec[],
  xExtra: Record<string, unknown> = {},
): PanelLayout {
  const domains = stackDomains(panels.map((p) => p.weight), panels.length > 2 ? 0.03 : 0.05);
  const refs: { x: string; y: string }[] = [];
  const axes: Record<string, unknown> = {};
  panels.forEach((p, i) => {
    const x = axisId("x", i);
    const y = axisId("y", i);
    refs.push({ x: x.ref, y: y.ref });
    const last = i === panels.length - 1;
    axes[x.key] = axis({
      type: "date",
      anchor: y.ref,
      showticklabels: last,
      rangeslider: { visible: false },
      ...(i > 0 ? { matches: "x" } : {}),
      ...xExtra,
    });
    axes[y.key] = axis({ anchor: x.ref, domain: domains[i], ...p.yaxis });
  });
  return { refs, axes };
}
