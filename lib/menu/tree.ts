/**
 * The menu tree: six screens under the main menu, every item doing its job through the library.
 * The runner, the breadcrumbs and the exerciser's paths all come from this one definition.
 *
 * @module
 */
import { configureBridge, pinAccount, showConfig, testConnectionAuth } from "./actions/auth.ts";
import { batchBacktest, compareStrategies, openLastReport, quickBacktest } from "./actions/backtesting.ts";
import { optimiseParameters, walkForwardAnalysis } from "./actions/research.ts";
import { portfolioBacktest } from "./actions/portfolio.ts";
import { fixPipeline, prepareData, showCatalog, validateData } from "./actions/data.ts";
import { dataSummaryByClass, featureSnapshot, openNotebooks } from "./actions/exploration.ts";
import { demoTrading, liveGuide, liveTestConnection, virtualTrading } from "./actions/live.ts";
import { notificationSettings, openDashboard } from "./actions/dashboard.ts";
import {
  dataSummaryStatus,
  performanceFigures,
  recentResultsAction,
  systemHealth,
} from "./actions/system.ts";
import { clusterStatus } from "./actions/cluster.ts";
import { breadcrumb, type MenuEntry, type MenuScreen } from "./types.ts";

/** The title of the root screen, first part of every breadcrumb. */
export const ROOT_TITLE = "Main Menu";

/** Build the menu tree. */
export function buildMenuTree(): MenuScreen {
  return {
    kind: "screen",
    title: ROOT_TITLE,
    description: "Kinetra",
    items: [
      {
        kind: "screen",
        title: "Login and Authentication",
        description:
          "bridge address, port and secret; the MT5 account to pin; connection test; notifications",
        items: [configureBridge, pinAccount, showConfig, testConnectionAuth, notificationSettings],
      },
      {
        kind: "screen",
        title: "Exploration",
        description: "data by asset class, feature and regime snapshot, notebooks",
        items: [dataSummaryByClass, featureSnapshot, openNotebooks],
      },
      {
        kind: "screen",
        title: "Backtesting",
        description:
          "quick backtest, batch over the catalog, compare strategies, last report, optimise, walk-forward, portfolio",
        items: [
          quickBacktest,
          batchBacktest,
          compareStrategies,
          openLastReport,
          optimiseParameters,
          walkForwardAnalysis,
          portfolioBacktest,
        ],
      },
      {
        kind: "screen",
        title: "Live Testing",
        description: "virtual trading, demo account testing, MT5 connection test, guide, dashboard",
        items: [virtualTrading, demoTrading, liveTestConnection, liveGuide, openDashboard],
      },
      {
        kind: "screen",
        title: "Data Management",
        description: "validate, prepare, fix pipeline, catalog",
        items: [validateData, prepareData, fixPipeline, showCatalog],
      },
      {
        kind: "screen",
        title: "System Status",
        description: "health, recent results, data summary, performance figures, cluster",
        items: [systemHealth, recentResultsAction, dataSummaryStatus, performanceFigures, clusterStatus],
      },
    ],
  };
}

/** One reachable entry of the tree with the numbers that lead to it from the main screen. */
export interface TreePath {
  /** Menu numbers typed from the main screen, e.g. ["4", "1"] for Virtual Trading. */
  choices: string[];
  /** Titles from the root to the entry. */
  titles: string[];
  /** `Main Menu > Live Testing > Virtual Trading`. */
  crumb: string;
  /** A screen (numbered options) or an item (an action). */
  kind: "screen" | "action";
}

/** Every screen and action of the tree, depth first, with the choices that reach it. */
export function treePaths(root: MenuScreen): TreePath[] {
  const out: TreePath[] = [];
  const visit = (entry: MenuEntry, choices: string[], titles: string[]) => {
    out.push({ choices, titles, crumb: breadcrumb(titles), kind: entry.kind });
    if (entry.kind === "screen") {
      entry.items.forEach((item, i) => visit(item, [...choices, String(i + 1)], [...titles, item.title]));
    }
  };
  visit(root, [], [root.title]);
  return out;
}
