import type { BigQuery } from '@google-cloud/bigquery';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { SourceMapping, TableMapping } from '../mappings/model.js';
import type { Route } from '../routing.js';
import { currentMetadata } from '../warehouse/current-view.js';
import { bigQuerySide } from './bigquery-side.js';
import { DiffSetupError, type DiffTable } from './columns.js';
import { type DiffOptions, type DiffResult, diffTable } from './compare.js';
import { type MysqlSide, mysqlColumns } from './mysql-side.js';
import { diffTableOf } from './resolve.js';

export interface RouteDiff {
  route: Route;
  table: DiffTable;
  result: DiffResult;
  /** BigQuery query jobs run and the bytes they billed; source queries run. */
  bigquery: { queries: number; bytesBilled: number };
  sourceQueries: number;
}

/** The mapping's entry of a route's table: where its excluded columns are listed. */
export function tableMappingOf(mappings: readonly SourceMapping[], route: Route): TableMapping | undefined {
  return mappings
    .find((mapping) => mapping.source === route.source)
    ?.tables.find((table) => table.schema === route.schema && table.table === route.table);
}

/** Compares one route's `_current` with its source table over an open read-only source session. */
export async function diffRoute(input: {
  route: Route;
  excludeColumns: readonly string[];
  hashColumns?: readonly string[];
  bigquery: BigQuery;
  location?: string;
  source: MysqlSide;
  tuning?: Pick<DiffOptions, 'fanout' | 'leafRows' | 'maxRanges'>;
}): Promise<RouteDiff> {
  const { route, source } = input;
  const projectId = await input.bigquery.getProjectId();
  const metadata = await currentMetadata(input.bigquery, route);
  if (!metadata) {
    throw new DiffSetupError(
      `${route.dataset}.${currentViewName(route.targetTable)} does not exist yet; run dms2bq warehouse apply, or wait for the table's first file`,
    );
  }
  const sourceQueries = source.queries;
  const table = diffTableOf({
    route,
    projectId,
    excludeColumns: input.excludeColumns,
    hashColumns: input.hashColumns ?? [],
    sourceColumns: await mysqlColumns(source, route.schema, route.table),
    currentFields: metadata.schema?.fields ?? [],
  });
  const bigquery = bigQuerySide(input.bigquery, input.location);
  const result = await diffTable({ table, source, bigquery, ...input.tuning });
  return {
    route,
    table,
    result,
    bigquery: { queries: bigquery.queries, bytesBilled: bigquery.bytesBilled },
    sourceQueries: source.queries - sourceQueries,
  };
}

export const differs = (result: DiffResult): boolean =>
  result.missing.length + result.extra.length + result.changed.length > 0;
