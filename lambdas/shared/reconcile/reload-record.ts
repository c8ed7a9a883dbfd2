import type { BigQuery } from '@google-cloud/bigquery';
import { isNotFound } from '../bigquery/errors.js';
import { RELOADS_TABLE } from '../mappings/bigquery-names.js';
import { replaceBookkeepingTable } from './bookkeeping-table.js';

/**
 * One table in each changelog dataset (RELOADS_TABLE) records the full loads whose deletes
 * reconciliation has already appended (ADR 0047), so each completed load costs its changelog read
 * once, not on every run.
 */
export { RELOADS_TABLE };

export interface ReloadRecord {
  targetTable: string;
  /** The load's FullLoadStartTime (ISO): one record per table and load. */
  fullLoadStart: string;
  /** `_dms_timestamp` of the load's rows and of the deletes appended for the keys it lacked. */
  boundary: string;
  /** Keys the load lacked, deleted at `boundary`. */
  deleted: number;
}

interface RecordRow {
  target_table: string;
  full_load_start: string;
  boundary: string;
  deleted: number | string;
}

/** The dataset's records, read with tabledata.list (free, where a query bills its 10 MB minimum). */
export async function readReloadRecords(bigquery: BigQuery, dataset: string): Promise<ReloadRecord[]> {
  let rows: RecordRow[];
  try {
    [rows] = (await bigquery.dataset(dataset).table(RELOADS_TABLE).getRows()) as [RecordRow[]];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  return rows.map((row) => ({
    targetTable: row.target_table,
    fullLoadStart: row.full_load_start,
    boundary: row.boundary,
    deleted: Number(row.deleted),
  }));
}

/**
 * Replaces the dataset's records with `records` by a load job whose ID hashes the content (a
 * repeated run gets 409 and BigQuery writes once). Only the latest load of each table matters, so
 * a table keeps one record.
 */
export async function writeReloadRecords(
  bigquery: BigQuery,
  dataset: string,
  records: readonly ReloadRecord[],
  timeoutMs = 120_000,
): Promise<void> {
  const sorted = [...records].sort((a, b) => a.targetTable.localeCompare(b.targetTable));
  await replaceBookkeepingTable(
    bigquery,
    dataset,
    RELOADS_TABLE,
    [
      { name: 'target_table', data: sorted.map((row) => row.targetTable), type: 'STRING' },
      { name: 'full_load_start', data: sorted.map((row) => row.fullLoadStart), type: 'STRING' },
      { name: 'boundary', data: sorted.map((row) => row.boundary), type: 'STRING' },
      { name: 'deleted', data: sorted.map((row) => BigInt(row.deleted)), type: 'INT64' },
    ],
    timeoutMs,
  );
}
