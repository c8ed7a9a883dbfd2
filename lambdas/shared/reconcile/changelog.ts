import type { BigQuery } from '@google-cloud/bigquery';
import { isNotFound } from '../bigquery/errors.js';
import { OP_COLUMN, TIMESTAMP_COLUMN } from '../columns.js';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { Route } from '../routing.js';

/** What the changelog holds for one table: rows by `Op` and the newest `_dms_timestamp`. */
export interface ChangelogCounts {
  /** False while the table has had no load yet (it is created by the first load job). */
  exists: boolean;
  I: number;
  U: number;
  D: number;
  /** The newest `_dms_timestamp` among the counted rows: the source commit time of the latest change. */
  newest?: Date;
}

const quote = (identifier: string): string => `\`${identifier.replaceAll('`', '\\`')}\``;

/**
 * `_dms_timestamp` is the fixed-width UTC string DMS writes (`2026-01-01 00:00:00.000000`), so text
 * order is time order and a window bound is a string of the same form.
 */
export function dmsTimestampText(time: Date): string {
  return `${time.toISOString().slice(0, 19).replace('T', ' ')}.${String(time.getUTCMilliseconds() * 1000).padStart(6, '0')}`;
}

export function parseDmsTimestamp(text: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?/.exec(text);
  if (!match) return undefined;
  const millis = (match[3] ?? '0').padEnd(6, '0').slice(0, 3);
  return new Date(`${match[1]}T${match[2]}.${millis}Z`);
}

/**
 * Counts the changelog's rows by `Op`, from `since` on when given (by `_dms_timestamp`), with one
 * aggregate query: it reads two columns, so its cost is that of `Op` and `_dms_timestamp` only.
 */
export async function changelogCounts(
  bigquery: BigQuery,
  projectId: string,
  route: Pick<Route, 'dataset' | 'targetTable'>,
  since?: Date,
): Promise<ChangelogCounts> {
  const table = quote(`${projectId}.${route.dataset}.${route.targetTable}`);
  const where = since ? `WHERE ${TIMESTAMP_COLUMN} >= '${dmsTimestampText(since)}'` : '';
  const query = `SELECT ${OP_COLUMN} AS op, COUNT(*) AS n, MAX(${TIMESTAMP_COLUMN}) AS newest FROM ${table} ${where} GROUP BY ${OP_COLUMN}`;
  let rows: { op: string; n: number | string; newest: string | null }[];
  try {
    [rows] = await bigquery.query({ query });
  } catch (error) {
    if (isNotFound(error)) return { exists: false, I: 0, U: 0, D: 0 };
    throw error;
  }
  const counts: ChangelogCounts = { exists: true, I: 0, U: 0, D: 0 };
  let newest = '';
  for (const row of rows) {
    if (row.op === 'I' || row.op === 'U' || row.op === 'D') counts[row.op] += Number(row.n);
    if (row.newest && row.newest > newest) newest = row.newest;
  }
  const parsed = newest ? parseDmsTimestamp(newest) : undefined;
  return parsed ? { ...counts, newest: parsed } : counts;
}

/** Rows in `<table>_current`: compared with the source table's row count when one is configured. */
export async function currentRowCount(
  bigquery: BigQuery,
  projectId: string,
  route: Pick<Route, 'dataset' | 'targetTable'>,
): Promise<number | undefined> {
  const view = quote(`${projectId}.${route.dataset}.${currentViewName(route.targetTable)}`);
  try {
    const [rows] = await bigquery.query({ query: `SELECT COUNT(*) AS n FROM ${view}` });
    return Number((rows[0] as { n: number | string } | undefined)?.n ?? 0);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The newest `_dms_timestamp` of the changelog: the commit time of the latest change that arrived. */
export async function newestChange(
  bigquery: BigQuery,
  projectId: string,
  route: Pick<Route, 'dataset' | 'targetTable'>,
): Promise<Date | undefined> {
  const table = quote(`${projectId}.${route.dataset}.${route.targetTable}`);
  try {
    const [rows] = await bigquery.query({ query: `SELECT MAX(${TIMESTAMP_COLUMN}) AS newest FROM ${table}` });
    const newest = (rows[0] as { newest?: string | null } | undefined)?.newest;
    return newest ? parseDmsTimestamp(newest) : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
