import type { BigQuery } from '@google-cloud/bigquery';
import { isNotFound } from '../bigquery/errors.js';
import { RECONCILE_TOTALS_TABLE } from '../mappings/bigquery-names.js';
import { replaceBookkeepingTable } from './bookkeeping-table.js';

/**
 * One table in each changelog dataset keeps, per changelog table, the counts by `Op` of its closed
 * ingestion-time partitions (ADR 0035). A row states a fact that never changes once written: "from
 * the partition of `since` − 1 day up to `boundary` (exclusive), the rows with `_dms_timestamp` ≥
 * `since` are I/U/D, the newest `newest`". Closed partitions never receive rows again, so any row
 * ever written stays true, whichever run wrote it last.
 */
export const RUNNING_TOTALS_TABLE = RECONCILE_TOTALS_TABLE;

export interface ClosedTotals {
  targetTable: string;
  /** The window's start (`FullLoadStartTime`, ISO), or '' for the whole changelog. */
  since: string;
  /** Partitions before this UTC midnight are counted. */
  boundary: Date;
  I: number;
  U: number;
  D: number;
  /** The newest `_dms_timestamp` counted, '' when none. */
  newest: string;
}

interface TotalsRow {
  target_table: string;
  since: string;
  boundary: string;
  i: number | string;
  u: number | string;
  d: number | string;
  newest: string;
}

/**
 * The dataset's running totals by target table, read with tabledata.list: a free API call (BigQuery
 * pricing, "Free operations"), where a query would bill its 10 MB minimum on every run.
 */
export async function readRunningTotals(
  bigquery: BigQuery,
  dataset: string,
): Promise<Map<string, ClosedTotals>> {
  const totals = new Map<string, ClosedTotals>();
  let rows: TotalsRow[];
  try {
    [rows] = (await bigquery.dataset(dataset).table(RUNNING_TOTALS_TABLE).getRows()) as [TotalsRow[]];
  } catch (error) {
    if (isNotFound(error)) return totals;
    throw error;
  }
  for (const row of rows) {
    const boundary = new Date(row.boundary);
    if (Number.isNaN(boundary.getTime())) {
      throw new Error(
        `${dataset}.${RUNNING_TOTALS_TABLE}: row of ${row.target_table} has boundary "${row.boundary}", not a time; delete the table and reconciliation recounts from each table's FullLoadStartTime`,
      );
    }
    totals.set(row.target_table, {
      targetTable: row.target_table,
      since: row.since,
      boundary,
      I: Number(row.i),
      U: Number(row.u),
      D: Number(row.d),
      newest: row.newest,
    });
  }
  return totals;
}

/**
 * Replaces the dataset's running totals with `rows` by a load job (free, unlike DML) whose ID is a
 * hash of the content: a run repeated, or racing with `dms2bq reconcile`, inserts the same job and
 * gets 409, and BigQuery runs it once. Writers that race with different content both write true
 * rows (see above); the later one wins and the next run starts from its boundaries.
 */
export async function writeRunningTotals(
  bigquery: BigQuery,
  dataset: string,
  rows: readonly ClosedTotals[],
  timeoutMs = 120_000,
): Promise<void> {
  const sorted = [...rows].sort((a, b) => a.targetTable.localeCompare(b.targetTable));
  const columns: TotalsRow[] = sorted.map((row) => ({
    target_table: row.targetTable,
    since: row.since,
    boundary: row.boundary.toISOString(),
    i: row.I,
    u: row.U,
    d: row.D,
    newest: row.newest,
  }));
  await replaceBookkeepingTable(
    bigquery,
    dataset,
    RUNNING_TOTALS_TABLE,
    [
      { name: 'target_table', data: columns.map((row) => row.target_table), type: 'STRING' },
      { name: 'since', data: columns.map((row) => row.since), type: 'STRING' },
      { name: 'boundary', data: columns.map((row) => row.boundary), type: 'STRING' },
      { name: 'i', data: columns.map((row) => BigInt(row.i)), type: 'INT64' },
      { name: 'u', data: columns.map((row) => BigInt(row.u)), type: 'INT64' },
      { name: 'd', data: columns.map((row) => BigInt(row.d)), type: 'INT64' },
      { name: 'newest', data: columns.map((row) => row.newest), type: 'STRING' },
    ],
    timeoutMs,
  );
}
