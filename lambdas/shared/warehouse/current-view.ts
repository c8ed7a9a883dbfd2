import type { BigQuery, TableField } from '@google-cloud/bigquery';
import { isAlreadyExists, isNotFound } from '../bigquery/errors.js';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { Route } from '../routing.js';
import { WarehouseConflictError } from './errors.js';
import { currentViewQuery } from './views.js';

export { WarehouseConflictError } from './errors.js';

export type ViewChange = 'created' | 'updated' | 'unchanged';

/** What tables.get says of the `<table>_current` object, view or CDC table. */
export interface CurrentMetadata {
  type?: string;
  view?: { query?: string; useLegacySql?: boolean };
  schema?: { fields?: TableField[] };
  tableConstraints?: { primaryKey?: { columns?: string[] } };
  maxStaleness?: string;
  labels?: Record<string, string>;
}

/** GoogleSQL, explicitly: a view's `useLegacySql` defaults to true in the REST API (ViewDefinition). */
const viewDefinition = (projectId: string, route: Route) => ({
  query: currentViewQuery(projectId, route),
  useLegacySql: false,
});

/** A BigQuery CDC table: a table with a primary key (a plain table under the name is not one). */
export const isCdcTable = (metadata: CurrentMetadata | undefined): boolean =>
  metadata?.type === 'TABLE' && (metadata.tableConstraints?.primaryKey?.columns?.length ?? 0) > 0;

/** tables.get of `<target>_current`, or undefined when there is none. */
export async function currentMetadata(
  bigquery: BigQuery,
  route: Route,
): Promise<CurrentMetadata | undefined> {
  const table = bigquery.dataset(route.dataset).table(currentViewName(route.targetTable));
  try {
    const [metadata] = await table.getMetadata();
    return metadata as CurrentMetadata;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Creates the view with tables.insert, or brings its query up to date with tables.patch: both need
 * bigquery.tables.create/update and get, which roles/bigquery.dataEditor grants on the dataset — no
 * query job, so no bigquery.jobs.create. The changelog table must exist (BigQuery resolves the
 * view's references when it stores it). `existing` is the object's tables.get, when the caller has it.
 */
export async function applyCurrentView(
  bigquery: BigQuery,
  route: Route,
  existing?: CurrentMetadata | null,
): Promise<ViewChange> {
  const projectId = await bigquery.getProjectId();
  const name = currentViewName(route.targetTable);
  const view = viewDefinition(projectId, route);
  const metadata = existing === undefined ? await currentMetadata(bigquery, route) : (existing ?? undefined);
  if (metadata === undefined) {
    return (await createView(bigquery, route, view)) ? 'created' : 'unchanged';
  }
  if (metadata.type !== 'VIEW') {
    throw new WarehouseConflictError(
      `${route.dataset}.${name} exists as a ${metadata.type ?? 'table'}, not the view "current": "view" needs; rename or drop it, or set another "target" for ${route.schema}.${route.table}`,
    );
  }
  if (metadata.view?.query === view.query && metadata.view.useLegacySql === false) return 'unchanged';
  await bigquery.dataset(route.dataset).table(name).setMetadata({ view });
  return 'updated';
}

/** tables.insert of the view; false when another writer created it first (409). */
async function createView(
  bigquery: BigQuery,
  route: Route,
  view: { query: string; useLegacySql: boolean },
): Promise<boolean> {
  try {
    await bigquery.dataset(route.dataset).createTable(currentViewName(route.targetTable), { view });
    return true;
  } catch (error) {
    if (isAlreadyExists(error)) return false;
    throw error;
  }
}

/**
 * Makes sure a view route's `<target>_current` exists: creates the view when nothing has the name.
 * Never deletes: a CDC table under the name (the mapping switched back, a deploy rolled back to the
 * view mode, or a loader of the previous release meeting the table `warehouse apply` just made) is
 * left to `warehouse apply`, which CD runs after every deploy. A loader deleting by name could remove
 * a table that apply has just filled (ADR 0042). Never rewrites a view's query (apply's job either).
 */
export async function ensureCurrentView(
  bigquery: BigQuery,
  route: Route,
): Promise<'created' | 'exists' | 'table-left'> {
  const existing = await currentMetadata(bigquery, route);
  if (isCdcTable(existing)) return 'table-left';
  if (existing !== undefined) return 'exists';
  const projectId = await bigquery.getProjectId();
  return (await createView(bigquery, route, viewDefinition(projectId, route))) ? 'created' : 'exists';
}
