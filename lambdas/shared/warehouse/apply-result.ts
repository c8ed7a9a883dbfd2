import { currentViewName, historyViewName } from '../mappings/bigquery-names.js';
import type { CurrentMode } from '../mappings/model.js';
import type { Route } from '../routing.js';
import type { CurrentOutcome } from './current-object.js';
import type { HistoryChange } from './history-view.js';

/** A CDC table created empty over a changelog that already holds rows. */
export interface Backfill {
  /** `dataset.<target>_current`. */
  table: string;
  /** `dataset.<target>`, the changelog it is rebuilt from. */
  changelog: string;
  rows: number;
}

/** Everything one `warehouse apply` did, object by object (`dataset.table` names). */
export interface ApplyResult {
  datasetsCreated: string[];
  /** `<role> on <dataset> to <email>`: dataset access given to the pipeline's identities. */
  accessGranted: string[];
  changelogsCreated: string[];
  viewsCreated: string[];
  viewsUpdated: string[];
  viewsUnchanged: string[];
  /** table → view: the CDC table was deleted and the view created under its name. */
  viewsReplacingTables: string[];
  currentTablesCreated: string[];
  /** view → table, or a CDC table with another key or column type: deleted, and a CDC table created. */
  currentTablesReplacing: { table: string; reason: string }[];
  currentTablesUpdated: { table: string; changes: string[] }[];
  currentTablesUnchanged: string[];
  /** CDC tables that start empty while their changelog has rows: `warehouse rebuild-current` fills them. */
  needsBackfill: Backfill[];
  /** Tables without declared columns and not loaded yet: their `_current` follows the first load. */
  waitingForFirstLoad: { changelog: string; current: CurrentMode }[];
  /** `<target>_history` views: created, query brought up to date, kept, or deleted (`"history": false`). */
  historyViewsCreated: string[];
  historyViewsUpdated: string[];
  historyViewsUnchanged: string[];
  historyViewsDeleted: string[];
}

export const emptyApplyResult = (): ApplyResult => ({
  datasetsCreated: [],
  accessGranted: [],
  changelogsCreated: [],
  viewsCreated: [],
  viewsUpdated: [],
  viewsUnchanged: [],
  viewsReplacingTables: [],
  currentTablesCreated: [],
  currentTablesReplacing: [],
  currentTablesUpdated: [],
  currentTablesUnchanged: [],
  needsBackfill: [],
  waitingForFirstLoad: [],
  historyViewsCreated: [],
  historyViewsUpdated: [],
  historyViewsUnchanged: [],
  historyViewsDeleted: [],
});

export function recordHistory(result: ApplyResult, route: Route, change: HistoryChange): void {
  const lists = {
    created: result.historyViewsCreated,
    updated: result.historyViewsUpdated,
    unchanged: result.historyViewsUnchanged,
    deleted: result.historyViewsDeleted,
    absent: undefined,
  };
  lists[change]?.push(`${route.dataset}.${historyViewName(route.targetTable)}`);
}

/** The command that fills a CDC table from its changelog (`dms2bq warehouse rebuild-current`). */
export const rebuildCurrentCommand = (changelog: string): string =>
  `dms2bq warehouse rebuild-current --table ${changelog}`;

export function recordCurrent(result: ApplyResult, route: Route, outcome: CurrentOutcome): void {
  const name = `${route.dataset}.${currentViewName(route.targetTable)}`;
  if (outcome.kind === 'view') {
    const lists = {
      created: result.viewsCreated,
      updated: result.viewsUpdated,
      unchanged: result.viewsUnchanged,
      'replaced-table': result.viewsReplacingTables,
    };
    lists[outcome.change].push(name);
    return;
  }
  switch (outcome.change) {
    case 'created':
      result.currentTablesCreated.push(name);
      break;
    case 'replaced-view':
      result.currentTablesReplacing.push({ table: name, reason: 'it was a view' });
      break;
    case 'rebuilt':
      result.currentTablesReplacing.push({ table: name, reason: outcome.details.join('; ') });
      break;
    case 'updated':
      result.currentTablesUpdated.push({ table: name, changes: outcome.details });
      break;
    case 'unchanged':
      result.currentTablesUnchanged.push(name);
  }
  if (outcome.backfillRows > 0) {
    result.needsBackfill.push({
      table: name,
      changelog: `${route.dataset}.${route.targetTable}`,
      rows: outcome.backfillRows,
    });
  }
}

/** Every view the apply left in place, whether it created, updated or kept it. */
export const viewsInPlace = (result: ApplyResult): string[] => [
  ...result.viewsCreated,
  ...result.viewsUpdated,
  ...result.viewsUnchanged,
  ...result.viewsReplacingTables,
];

/** Every CDC table the apply left in place, created, replaced, updated or kept. */
export const currentTablesInPlace = (result: ApplyResult): string[] => [
  ...result.currentTablesCreated,
  ...result.currentTablesReplacing.map(({ table }) => table),
  ...result.currentTablesUpdated.map(({ table }) => table),
  ...result.currentTablesUnchanged,
];
