import type { BigQuery } from '@google-cloud/bigquery';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { SourceMapping } from '../mappings/model.js';
import { buildRoutingTable } from '../routing.js';
import { currentViewSql } from './views.js';

export interface ApplyResult {
  datasetsCreated: string[];
  viewsApplied: string[];
  /** Changelog tables that do not exist yet: BigQuery cannot create a view over a missing table. */
  waitingForFirstLoad: string[];
}

const isNotFound = (error: unknown): boolean => (error as { code?: number }).code === 404;

/**
 * Creates each source's dataset and every `<table>_current` view, idempotently. Changelog tables are
 * created by the loader's first load (their schema comes from the Parquet file), so a view whose
 * table has not been loaded yet is reported and created by the next apply.
 */
export async function applyWarehouse(
  bigquery: BigQuery,
  mappings: readonly SourceMapping[],
  location: string,
): Promise<ApplyResult> {
  const result: ApplyResult = { datasetsCreated: [], viewsApplied: [], waitingForFirstLoad: [] };
  const projectId = await bigquery.getProjectId();
  for (const mapping of mappings) {
    const dataset = bigquery.dataset(mapping.bigquery.dataset, { location });
    const [exists] = await dataset.exists();
    if (!exists) {
      await dataset.create({ location });
      result.datasetsCreated.push(mapping.bigquery.dataset);
    }
    for (const route of Object.values(buildRoutingTable([mapping]))) {
      const name = `${route.dataset}.${currentViewName(route.targetTable)}`;
      try {
        await dataset.table(route.targetTable).getMetadata();
      } catch (error) {
        if (!isNotFound(error)) throw error;
        result.waitingForFirstLoad.push(`${route.dataset}.${route.targetTable}`);
        continue;
      }
      await bigquery.query({ query: currentViewSql(projectId, route), location });
      result.viewsApplied.push(name);
    }
  }
  return result;
}
