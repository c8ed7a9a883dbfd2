import type { BigQuery } from '@google-cloud/bigquery';
import type { Route } from '../../lambdas/shared/routing.js';
import { currentViewQuery } from '../../lambdas/shared/warehouse/views.js';
import {
  type EmulatorFixture,
  loaderLoadOptions,
  parquetFile,
  uniqueJobId,
  uploadAndWait,
} from '../bigquery-emulator/helpers.js';

/** One DMS change of a `sales.orders` row with a column of every type the changelog can hold. */
export interface Change {
  op: 'I' | 'U' | 'D';
  at: string;
  seq?: string;
  id: number;
  name?: string;
  balance?: string;
  big?: string;
  score?: number;
  active?: boolean;
  born?: string;
  seenAt?: string;
  avatar?: string;
}

const text = (value: string | undefined) =>
  value === undefined ? 'NULL' : `'${value.replaceAll("'", "''")}'`;
const cast = (value: string | number | boolean | undefined, type: string) =>
  `CAST(${value === undefined ? 'NULL' : typeof value === 'string' ? text(value) : String(value)} AS ${type})`;

/** The DMS Parquet layout: Op, _dms_timestamp, the source columns, _dms_change_seq. */
function changeSelect(changes: readonly Change[]): string {
  return changes
    .map(
      (change) =>
        `SELECT ${text(change.op)} AS "Op", ${text(change.at)} AS _dms_timestamp, ${cast(change.id, 'BIGINT')} AS id, ` +
        `${cast(change.name, 'VARCHAR')} AS name, ${cast(change.balance, 'DECIMAL(38,9)')} AS balance, ` +
        `${cast(change.big, 'BIGINT')} AS big, ${cast(change.score, 'DOUBLE')} AS score, ` +
        `${cast(change.active, 'BOOLEAN')} AS active, ${cast(change.born, 'DATE')} AS born, ` +
        `${cast(change.seenAt, 'TIMESTAMP')} AS seen_at, ` +
        `${change.avatar === undefined ? 'CAST(NULL AS BLOB)' : `from_hex('${change.avatar}')`} AS avatar, ` +
        `${text(change.seq ?? '')} AS _dms_change_seq`,
    )
    .join(' UNION ALL ');
}

/** Loads the changes into the route's changelog with the loader's load options, as one DMS file. */
export async function loadChanges(
  fixture: EmulatorFixture,
  route: Route,
  changes: readonly Change[],
  /** More load options, e.g. the loader's `timePartitioning` for the load that creates the changelog. */
  extra: Record<string, unknown> = {},
): Promise<void> {
  const path = await parquetFile(fixture, changeSelect(changes));
  const job = await uploadAndWait(fixture.bigquery.dataset(route.dataset).table(route.targetTable), path, {
    ...loaderLoadOptions,
    ...extra,
    jobId: uniqueJobId('changelog'),
  });
  if (job.status?.errorResult) throw new Error(`changelog load failed: ${job.status.errorResult.message}`);
}

/** A `table`-mode route of `sales.orders` into `<dataset>.orders`. */
export const ordersRoute = (dataset: string): Route => ({
  source: 'shop',
  schema: 'sales',
  table: 'orders',
  dataset,
  targetTable: 'orders',
  primaryKey: ['id'],
  current: 'table',
});

/** INT64 as bigint: the client's default Number would round 2^53 + 1. */
const exactIntegers = { integerTypeCastFunction: (value: string) => BigInt(value) };

const byKey = (sql: string, route: Route) =>
  `SELECT * FROM (${sql}) ORDER BY ${route.primaryKey.map((column) => `\`${column}\``).join(', ')}`;

/** What the `_current` view would show: its query over the changelog (INT64 kept exact). */
export async function viewRows(bigquery: BigQuery, route: Route): Promise<unknown[]> {
  const projectId = await bigquery.getProjectId();
  const [rows] = await bigquery.query({
    query: byKey(currentViewQuery(projectId, route), route),
    wrapIntegers: exactIntegers,
  });
  return rows;
}

/**
 * The rows of the `_current` CDC table, without `_dms_change_seq` (which the view does not show)
 * unless `every` asks for every column.
 */
export async function tableRows(bigquery: BigQuery, route: Route, every = false): Promise<unknown[]> {
  const columns = every ? '*' : '* EXCEPT (_dms_change_seq)';
  const [rows] = await bigquery.query({
    query: byKey(`SELECT ${columns} FROM \`${route.dataset}.${route.targetTable}_current\``, route),
    wrapIntegers: exactIntegers,
  });
  return rows;
}
