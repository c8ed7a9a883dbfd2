import type { BigQuery } from '@google-cloud/bigquery';
import { isNotFound } from '../bigquery/errors.js';
import { loadConfiguration } from '../bigquery/load-config.js';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { SourceMapping, TableMapping } from '../mappings/model.js';
import { buildRoutingTable, type Route } from '../routing.js';
import { changelogSchema, UnmappableColumnTypeError } from './changelog-schema.js';
import { applyCurrentView } from './current-view.js';

export interface ApplyResult {
  datasetsCreated: string[];
  changelogsCreated: string[];
  viewsCreated: string[];
  viewsUpdated: string[];
  viewsUnchanged: string[];
  /** Tables without declared columns and not loaded yet: the loader creates the view after the first load. */
  waitingForFirstLoad: string[];
}

/** The mapping cannot be applied as written; the message names the source, table and column. */
export class WarehouseMappingError extends Error {
  override name = 'WarehouseMappingError';
}

/**
 * Creates each source's dataset, each changelog table whose mapping declares its columns (with the
 * schema, partitioning and clustering the loader's first load would give it, so later loads append
 * without a conflict), and every `<table>_current` view, idempotently. Only tables.insert/patch and
 * datasets.insert are used: roles/bigquery.dataEditor suffices, no query job is run.
 */
export async function applyWarehouse(
  bigquery: BigQuery,
  mappings: readonly SourceMapping[],
  location: string,
): Promise<ApplyResult> {
  const result: ApplyResult = {
    datasetsCreated: [],
    changelogsCreated: [],
    viewsCreated: [],
    viewsUpdated: [],
    viewsUnchanged: [],
    waitingForFirstLoad: [],
  };
  for (const mapping of mappings) {
    const dataset = bigquery.dataset(mapping.bigquery.dataset, { location });
    const [exists] = await dataset.exists();
    if (!exists) {
      await dataset.create({ location });
      result.datasetsCreated.push(mapping.bigquery.dataset);
    }
    const routes = Object.values(buildRoutingTable([mapping]));
    for (const [index, route] of routes.entries()) {
      const table = mapping.tables[index];
      if (table === undefined) continue;
      const changelog = `${route.dataset}.${route.targetTable}`;
      if (!(await tableExists(bigquery, route))) {
        if (!table.columns || table.columns.length === 0) {
          result.waitingForFirstLoad.push(changelog);
          continue;
        }
        await createChangelog(bigquery, mapping, table, route);
        result.changelogsCreated.push(changelog);
      }
      const change = await applyCurrentView(bigquery, route);
      const view = `${route.dataset}.${currentViewName(route.targetTable)}`;
      if (change === 'created') result.viewsCreated.push(view);
      else if (change === 'updated') result.viewsUpdated.push(view);
      else result.viewsUnchanged.push(view);
    }
  }
  return result;
}

async function tableExists(bigquery: BigQuery, route: Route): Promise<boolean> {
  try {
    await bigquery.dataset(route.dataset).table(route.targetTable).getMetadata();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** tables.insert with the load configuration's own partitioning, clustering and labels. */
async function createChangelog(
  bigquery: BigQuery,
  mapping: SourceMapping,
  table: TableMapping,
  route: Route,
): Promise<void> {
  const load = loadConfiguration(route);
  let fields: ReturnType<typeof changelogSchema>;
  try {
    fields = changelogSchema(table, load.decimalTargetTypes ?? ['NUMERIC']);
  } catch (error) {
    if (!(error instanceof UnmappableColumnTypeError)) throw error;
    throw new WarehouseMappingError(
      `mappings/${mapping.source}.json: table ${table.schema}.${table.table}: ${error.message}`,
    );
  }
  await bigquery.dataset(route.dataset).createTable(route.targetTable, {
    schema: { fields },
    ...(load.timePartitioning ? { timePartitioning: load.timePartitioning } : {}),
    ...(load.clustering ? { clustering: load.clustering } : {}),
    ...(load.destinationTableProperties?.labels ? { labels: load.destinationTableProperties.labels } : {}),
  });
}

/** Every view the apply left in place, whether it created, updated or kept it. */
export const viewsInPlace = (result: ApplyResult): string[] => [
  ...result.viewsCreated,
  ...result.viewsUpdated,
  ...result.viewsUnchanged,
];
