import type { BigQuery } from '@google-cloud/bigquery';
import { isAlreadyExists, isNotFound } from '../bigquery/errors.js';
import { historyViewName } from '../mappings/bigquery-names.js';
import { hasHistory, type Route } from '../routing.js';
import type { CurrentMetadata } from './current-view.js';
import { WarehouseConflictError } from './errors.js';
import { historyViewQuery } from './history-query.js';

/**
 * Label on every `<table>_history` view this project creates. `"history": false` deletes the view
 * only when it carries it, so an object someone else made under the name is never touched.
 */
export const HISTORY_LABEL = 'dms2bq_view';
const HISTORY_LABEL_VALUE = 'history';

export type HistoryChange = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent';

const ours = (metadata: CurrentMetadata): boolean =>
  metadata.type === 'VIEW' && metadata.labels?.[HISTORY_LABEL] === HISTORY_LABEL_VALUE;

/** tables.get of `<target>_history`, or undefined when there is none. */
async function historyMetadata(bigquery: BigQuery, route: Route): Promise<CurrentMetadata | undefined> {
  try {
    const [metadata] = await bigquery
      .dataset(route.dataset)
      .table(historyViewName(route.targetTable))
      .getMetadata();
    return metadata as CurrentMetadata;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** tables.insert of the labelled view (GoogleSQL); false when another writer created it first (409). */
async function createHistoryView(bigquery: BigQuery, route: Route): Promise<boolean> {
  const projectId = await bigquery.getProjectId();
  try {
    await bigquery.dataset(route.dataset).createTable(historyViewName(route.targetTable), {
      view: { query: historyViewQuery(projectId, route), useLegacySql: false },
      labels: { [HISTORY_LABEL]: HISTORY_LABEL_VALUE },
    });
    return true;
  } catch (error) {
    if (isAlreadyExists(error)) return false;
    throw error;
  }
}

/**
 * `warehouse apply`'s part: makes `<target>_history` what the mapping says. With history on, creates
 * the view or brings its query up to date (tables.insert/patch, so roles/bigquery.dataEditor and no
 * query job, like `_current`), and refuses an object under the name that it did not create. With
 * `"history": false`, deletes the view only if this project created it (its label). The changelog
 * must exist: BigQuery resolves a view's references when it stores it.
 */
export async function applyHistoryView(bigquery: BigQuery, route: Route): Promise<HistoryChange> {
  const existing = await historyMetadata(bigquery, route);
  const name = historyViewName(route.targetTable);
  if (!hasHistory(route)) {
    if (existing === undefined || !ours(existing)) return 'absent';
    await bigquery.dataset(route.dataset).table(name).delete();
    return 'deleted';
  }
  if (existing === undefined) return (await createHistoryView(bigquery, route)) ? 'created' : 'unchanged';
  if (!ours(existing)) {
    throw new WarehouseConflictError(
      `${route.dataset}.${name} exists as a ${existing.type ?? 'table'} that dms2bq did not create (no ${HISTORY_LABEL}=${HISTORY_LABEL_VALUE} label), so it cannot be the history view; rename or drop it, or set "history": false on ${route.schema}.${route.table}`,
    );
  }
  const query = historyViewQuery(await bigquery.getProjectId(), route);
  if (existing.view?.query === query && existing.view.useLegacySql === false) return 'unchanged';
  await bigquery
    .dataset(route.dataset)
    .table(name)
    .setMetadata({ view: { query, useLegacySql: false } });
  return 'updated';
}

/**
 * The loader's part, after a load: creates `<target>_history` when the mapping wants it and nothing
 * is under the name (the first load created the changelog after the deploy's apply). Never rewrites
 * or deletes anything; that is `warehouse apply`'s job.
 */
export async function ensureHistoryView(
  bigquery: BigQuery,
  route: Route,
): Promise<'created' | 'exists' | 'off'> {
  if (!hasHistory(route)) return 'off';
  if ((await historyMetadata(bigquery, route)) !== undefined) return 'exists';
  return (await createHistoryView(bigquery, route)) ? 'created' : 'exists';
}
