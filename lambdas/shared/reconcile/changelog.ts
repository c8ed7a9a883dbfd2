import type { BigQuery } from '@google-cloud/bigquery';
import { isNotFound } from '../bigquery/errors.js';
import { OP_COLUMN, SOURCE_CHANGED_AT_COLUMN, TIMESTAMP_COLUMN } from '../columns.js';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { Route } from '../routing.js';
import type { ClosedTotals } from './running-totals.js';

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

const DAY_MS = 86_400_000;

/**
 * A day's ingestion-time partition is closed, and its counts final, once no load job that could
 * still write into it is running: loads land in the partition of their ingestion time, and a load
 * job runs at most 6 hours (ADR 0035 cites both).
 */
export const PARTITION_CLOSE_GRACE_MS = 6 * 3_600_000;

const dayStart = (time: number): number => Math.floor(time / DAY_MS) * DAY_MS;
const timestampLiteral = (time: Date): string => `TIMESTAMP('${time.toISOString()}')`;

interface RangeCounts {
  exists: boolean;
  I: number;
  U: number;
  D: number;
  newest: string;
  /** BigQuery's clock when the query ran (`CURRENT_TIMESTAMP()`, free); absent when no row matched. */
  now?: Date;
}

/**
 * Counts the changelog's rows by `Op` in the ingestion-time partitions [from, to), from `since` on
 * when given (by `_dms_timestamp`), with one aggregate query: it reads two columns of the partitions
 * in range only, so its cost is that of `Op` and `_dms_timestamp` there.
 */
async function countRange(
  bigquery: BigQuery,
  table: string,
  range: { from?: Date; to?: Date; since?: Date },
): Promise<RangeCounts> {
  const conditions = [
    range.from ? `_PARTITIONTIME >= ${timestampLiteral(range.from)}` : undefined,
    range.to ? `_PARTITIONTIME < ${timestampLiteral(range.to)}` : undefined,
    range.since ? `${TIMESTAMP_COLUMN} >= '${dmsTimestampText(range.since)}'` : undefined,
  ].filter((condition) => condition !== undefined);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const query = `SELECT ${OP_COLUMN} AS op, COUNT(*) AS n, MAX(${TIMESTAMP_COLUMN}) AS newest, CURRENT_TIMESTAMP() AS now FROM ${table} ${where} GROUP BY ${OP_COLUMN}`;
  let rows: { op: string; n: number | string; newest: string | null; now?: { value?: string } | string }[];
  try {
    [rows] = await bigquery.query({ query });
  } catch (error) {
    if (isNotFound(error)) return { exists: false, I: 0, U: 0, D: 0, newest: '' };
    throw error;
  }
  const counts: RangeCounts = { exists: true, I: 0, U: 0, D: 0, newest: '' };
  for (const row of rows) {
    if (row.op === 'I' || row.op === 'U' || row.op === 'D') counts[row.op] += Number(row.n);
    if (row.newest && row.newest > counts.newest) counts.newest = row.newest;
    const now = typeof row.now === 'string' ? row.now : row.now?.value;
    if (now && !Number.isNaN(Date.parse(now))) counts.now = new Date(now);
  }
  return counts;
}

const withNewest = (counts: Omit<ChangelogCounts, 'newest'>, newest: string): ChangelogCounts => {
  const parsed = newest ? parseDmsTimestamp(newest) : undefined;
  return parsed ? { ...counts, newest: parsed } : counts;
};

/**
 * Counts the whole changelog's rows by `Op`, from `since` on when given: every partition, so its
 * cost grows with the changelog's age. The reference the running totals are proven equal to.
 */
export async function changelogCounts(
  bigquery: BigQuery,
  projectId: string,
  route: Pick<Route, 'dataset' | 'targetTable'>,
  since?: Date,
): Promise<ChangelogCounts> {
  const table = quote(`${projectId}.${route.dataset}.${route.targetTable}`);
  const counts = await countRange(bigquery, table, since ? { since } : {});
  return withNewest({ exists: counts.exists, I: counts.I, U: counts.U, D: counts.D }, counts.newest);
}

export interface RunningCount {
  counts: ChangelogCounts;
  /** The table's new running totals when its closed boundary moved: to be written back. */
  advanced?: ClosedTotals;
}

/**
 * The same counts as `changelogCounts`, at a cost flat with the changelog's age (ADR 0035): the
 * stored totals of the closed partitions plus one query over the partitions not yet closed. When a
 * day has closed since, one more query counts the partitions between the old and the new boundary,
 * and the new totals are returned to be stored. Totals kept for another `since` (the task or the table was
 * reloaded) are ignored: counting restarts one day before the new `since`, so rows that DMS
 * stamped before it are excluded by `_dms_timestamp` as before.
 */
export async function runningChangelogCounts(
  bigquery: BigQuery,
  projectId: string,
  route: Pick<Route, 'dataset' | 'targetTable'>,
  window: { since?: Date; stored?: ClosedTotals; now: Date },
): Promise<RunningCount> {
  const table = quote(`${projectId}.${route.dataset}.${route.targetTable}`);
  const key = window.since?.toISOString() ?? '';
  const base = window.stored?.since === key ? window.stored : undefined;
  // Rows DMS stamped at `since` or later were ingested after it; a day of margin covers clock skew.
  const start =
    base?.boundary ?? (window.since ? new Date(dayStart(window.since.getTime()) - DAY_MS) : undefined);
  const since = window.since ? { since: window.since } : {};
  const open = await countRange(bigquery, table, { ...(start ? { from: start } : {}), ...since });
  if (!open.exists) return { counts: { exists: false, I: 0, U: 0, D: 0 } };
  const counts = withNewest(
    { exists: true, I: (base?.I ?? 0) + open.I, U: (base?.U ?? 0) + open.U, D: (base?.D ?? 0) + open.D },
    [base?.newest ?? '', open.newest].sort().at(-1) ?? '',
  );
  // Ingestion time is BigQuery's clock: a partition is closed by the earlier of ours and BigQuery's,
  // so a clock that runs ahead (ours, or an emulator's moved back) can only close a day later.
  const earlier = Math.min(window.now.getTime(), open.now?.getTime() ?? Number.POSITIVE_INFINITY);
  const close = new Date(dayStart(earlier - PARTITION_CLOSE_GRACE_MS));
  if (start !== undefined && close <= start) return { counts };
  const closing = await countRange(bigquery, table, {
    ...(start ? { from: start } : {}),
    to: close,
    ...since,
  });
  if (!closing.exists) return { counts };
  return {
    counts,
    advanced: {
      targetTable: route.targetTable,
      since: key,
      boundary: close,
      I: (base?.I ?? 0) + closing.I,
      U: (base?.U ?? 0) + closing.U,
      D: (base?.D ?? 0) + closing.D,
      newest: [base?.newest ?? '', closing.newest].sort().at(-1) ?? '',
    },
  };
}

/** Rows in `<table>_current`: compared with the source table's row count when one is configured. */
export async function currentRowCount(
  bigquery: BigQuery,
  projectId: string,
  route: Pick<Route, 'dataset' | 'targetTable'>,
  changedSince?: Date,
): Promise<number | undefined> {
  const view = quote(`${projectId}.${route.dataset}.${currentViewName(route.targetTable)}`);
  // Only the rows the latest full load or a later change wrote: those its source counts.
  const where = changedSince
    ? ` WHERE ${SOURCE_CHANGED_AT_COLUMN} >= TIMESTAMP '${changedSince.toISOString()}'`
    : '';
  try {
    const [rows] = await bigquery.query({ query: `SELECT COUNT(*) AS n FROM ${view}${where}` });
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
