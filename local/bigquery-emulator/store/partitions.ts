import { quoteIdent } from '../types.js';
import type { TableResource } from './resources.js';

export const PARTITIONTIME = '_PARTITIONTIME';
export const PARTITIONDATE = '_PARTITIONDATE';

const units: Record<string, string> = { HOUR: 'hour', DAY: 'day', MONTH: 'month', YEAR: 'year' };

const partitionUnit = (resource: Pick<TableResource, 'timePartitioning'>): string =>
  units[String(resource.timePartitioning?.type ?? 'DAY').toUpperCase()] ?? 'day';

/** A table partitioned by time without a `field` is partitioned by ingestion time. */
export function isIngestionTimePartitioned(
  resource: Pick<TableResource, 'type' | 'timePartitioning'> | undefined,
): boolean {
  const partitioning = resource?.timePartitioning;
  return (
    resource?.type === 'TABLE' &&
    partitioning !== undefined &&
    partitioning !== null &&
    (partitioning.field === undefined || partitioning.field === null || partitioning.field === '')
  );
}

/**
 * The pseudo-columns an ingestion-time partitioned table has: `_PARTITIONTIME` always,
 * `_PARTITIONDATE` when the partitions are days. The emulator stores them as hidden columns of the
 * DuckDB table; they are in no schema, `SELECT *` leaves them out and numBytes does not count them.
 */
export function pseudoColumnsOf(resource: Pick<TableResource, 'type' | 'timePartitioning'>): string[] {
  if (!isIngestionTimePartitioned(resource)) return [];
  return partitionUnit(resource) === 'day' ? [PARTITIONTIME, PARTITIONDATE] : [PARTITIONTIME];
}

/** Column definitions for CREATE TABLE. */
export function pseudoColumnDefinitions(
  resource: Pick<TableResource, 'type' | 'timePartitioning'>,
): string[] {
  return pseudoColumnsOf(resource).map(
    (name) => `${quoteIdent(name)} ${name === PARTITIONTIME ? 'TIMESTAMPTZ' : 'DATE'}`,
  );
}

/**
 * The pseudo-column values of rows ingested at `nowMs`: the UTC ingestion time truncated to the
 * partition boundary, and its date.
 */
export function pseudoColumnValues(
  resource: Pick<TableResource, 'type' | 'timePartitioning'>,
  nowMs: number,
): { names: string[]; values: string[] } {
  const names = pseudoColumnsOf(resource);
  const time = `date_trunc('${partitionUnit(resource)}', to_timestamp(${nowMs / 1000}))`;
  return {
    names: names.map(quoteIdent),
    values: names.map((name) => (name === PARTITIONTIME ? time : `CAST(${time} AS DATE)`)),
  };
}

/**
 * The SQL naming the partition of a row of a column-partitioned table (undefined for an
 * ingestion-time table, whose `_PARTITIONTIME` already is one). NULLs have their own partition.
 */
export function partitionKeySql(resource: TableResource): string | undefined {
  const field = resource.timePartitioning?.field;
  if (typeof field !== 'string' || field === '') return undefined;
  return `COALESCE(CAST(date_trunc('${partitionUnit(resource)}', ${quoteIdent(field)}) AS VARCHAR), '__NULL__')`;
}
