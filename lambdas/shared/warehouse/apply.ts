import type { BigQuery, TableField } from '@google-cloud/bigquery';
import { isNotFound } from '../bigquery/errors.js';
import { loadConfiguration } from '../bigquery/load-config.js';
import type { SourceMapping, TableMapping } from '../mappings/model.js';
import { buildRoutingTable, type Route } from '../routing.js';
import { type ApplyResult, emptyApplyResult, recordCurrent, recordHistory } from './apply-result.js';
import { changelogSchema, UnmappableColumnTypeError } from './changelog-schema.js';
import { applyCurrent, type ChangelogState } from './current-object.js';
import { type DatasetAccessEntry, grantDatasetAccess } from './dataset-access.js';
import { WarehouseMappingError } from './errors.js';
import { applyHistoryView } from './history-view.js';

export {
  type ApplyResult,
  type Backfill,
  currentTablesInPlace,
  rebuildCurrentCommand,
  viewsInPlace,
} from './apply-result.js';
export type { DatasetAccessEntry } from './dataset-access.js';
export { WarehouseAccessError, WarehouseMappingError } from './errors.js';

/**
 * `pre` runs before `cdk deploy` starts a new source's task: everything its first file needs.
 * `post` runs after it: the views and CDC tables, which read the changelog. `all` does both.
 */
export type WarehousePhase = 'pre' | 'post' | 'all';

export interface ApplyOptions {
  phase?: WarehousePhase;
  /** Dataset access the pipeline's identities need on every dataset (the loader's WRITER). */
  access?: readonly DatasetAccessEntry[];
}

/**
 * Creates each source's dataset, each changelog table whose mapping declares its columns (with the
 * schema, partitioning and clustering the loader's first load would give it, so later loads append
 * without a conflict), and (phase pre or all) gives the pipeline's identities their dataset access;
 * then (phase post or all) every `<table>_current`: the view, or for `"current": "table"` the CDC
 * table over the changelog's columns (brought up to date when the changelog gained columns or the
 * staleness changed), and every `<table>_history` view (deleted again where a mapping says
 * `"history": false`), idempotently. Only tables.insert/patch/delete and datasets.insert/patch are
 * used: no query job is run (ADR 0031).
 */
export async function applyWarehouse(
  bigquery: BigQuery,
  mappings: readonly SourceMapping[],
  location: string,
  { phase = 'all', access = [] }: ApplyOptions = {},
): Promise<ApplyResult> {
  const result = emptyApplyResult();
  for (const mapping of mappings) {
    const dataset = bigquery.dataset(mapping.bigquery.dataset, { location });
    const [exists] = await dataset.exists();
    if (!exists) {
      await dataset.create({ location });
      result.datasetsCreated.push(mapping.bigquery.dataset);
    }
    if (phase !== 'post') {
      for (const entry of await grantDatasetAccess(dataset, access)) {
        result.accessGranted.push(`${entry.role} on ${mapping.bigquery.dataset} to ${entry.userByEmail}`);
      }
    }
    const routes = Object.values(buildRoutingTable([mapping]));
    for (const [index, route] of routes.entries()) {
      const table = mapping.tables[index];
      if (table === undefined) continue;
      const changelog = `${route.dataset}.${route.targetTable}`;
      let state = await changelogState(bigquery, route);
      if (state === undefined) {
        if (!table.columns || table.columns.length === 0) {
          result.waitingForFirstLoad.push({ changelog, current: route.current });
          continue;
        }
        state = { fields: await createChangelog(bigquery, mapping, table, route), rows: 0 };
        result.changelogsCreated.push(changelog);
      }
      if (phase !== 'pre') {
        recordCurrent(result, route, await applyCurrent(bigquery, route, state));
        recordHistory(result, route, await applyHistoryView(bigquery, route));
      }
    }
  }
  return result;
}

/** The changelog's real schema and row count (tables.get), or undefined when it does not exist yet. */
async function changelogState(bigquery: BigQuery, route: Route): Promise<ChangelogState | undefined> {
  try {
    const [metadata] = await bigquery.dataset(route.dataset).table(route.targetTable).getMetadata();
    const { schema, numRows } = metadata as { schema?: { fields?: TableField[] }; numRows?: string };
    return { fields: schema?.fields ?? [], rows: Number(numRows ?? 0) };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** tables.insert with the load configuration's own partitioning, clustering and labels. */
async function createChangelog(
  bigquery: BigQuery,
  mapping: SourceMapping,
  table: TableMapping,
  route: Route,
): Promise<TableField[]> {
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
  return fields;
}
