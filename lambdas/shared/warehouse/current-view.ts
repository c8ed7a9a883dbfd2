import type { BigQuery } from '@google-cloud/bigquery';
import { isAlreadyExists, isNotFound } from '../bigquery/errors.js';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { Route } from '../routing.js';
import { currentViewQuery } from './views.js';

export type ViewChange = 'created' | 'updated' | 'unchanged';

/** A name the pipeline needs for its view is taken by an object of another kind. */
export class WarehouseConflictError extends Error {
  override name = 'WarehouseConflictError';
}

interface ViewMetadata {
  type?: string;
  view?: { query?: string; useLegacySql?: boolean };
}

/** GoogleSQL, explicitly: a view's `useLegacySql` defaults to true in the REST API (ViewDefinition). */
const viewDefinition = (projectId: string, route: Route) => ({
  query: currentViewQuery(projectId, route),
  useLegacySql: false,
});

async function viewMetadata(bigquery: BigQuery, route: Route): Promise<ViewMetadata | undefined> {
  const table = bigquery.dataset(route.dataset).table(currentViewName(route.targetTable));
  try {
    const [metadata] = await table.getMetadata();
    return metadata as ViewMetadata;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Creates the view with tables.insert, or brings its query up to date with tables.patch: both need
 * bigquery.tables.create/update and get, which roles/bigquery.dataEditor grants on the dataset — no
 * query job, so no bigquery.jobs.create. The changelog table must exist (BigQuery resolves the
 * view's references when it stores it).
 */
export async function applyCurrentView(bigquery: BigQuery, route: Route): Promise<ViewChange> {
  const projectId = await bigquery.getProjectId();
  const name = currentViewName(route.targetTable);
  const view = viewDefinition(projectId, route);
  const existing = await viewMetadata(bigquery, route);
  if (existing === undefined) {
    return (await createView(bigquery, route, view)) ? 'created' : 'unchanged';
  }
  if (existing.type !== 'VIEW') {
    throw new WarehouseConflictError(
      `${route.dataset}.${name} exists as a ${existing.type ?? 'table'}, not a view; rename or drop it, or set another "target" for ${route.schema}.${route.table}`,
    );
  }
  if (existing.view?.query === view.query && existing.view.useLegacySql === false) return 'unchanged';
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

/** Creates the view only when it is missing; never rewrites one (that is `warehouse apply`'s job). */
export async function ensureCurrentView(bigquery: BigQuery, route: Route): Promise<'created' | 'exists'> {
  if ((await viewMetadata(bigquery, route)) !== undefined) return 'exists';
  const projectId = await bigquery.getProjectId();
  return (await createView(bigquery, route, viewDefinition(projectId, route))) ? 'created' : 'exists';
}
