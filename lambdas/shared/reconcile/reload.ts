import { createHash } from 'node:crypto';
import type { BigQuery, TableField } from '@google-cloud/bigquery';
import type { ChangeRow } from '../bigquery/cdc-stream.js';
import { DEFAULT_RETRY_POLICY, Deadline, TimeBudgetError } from '../bigquery/deadline.js';
import { isAlreadyExists, isNotFound } from '../bigquery/errors.js';
import { getJob, waitForJob } from '../bigquery/jobs.js';
import { CHANGE_SEQ_COLUMN, OP_COLUMN, TIMESTAMP_COLUMN } from '../columns.js';
import type { DmsTableStatistics } from '../dms/table-statistics.js';
import type { Route } from '../routing.js';
import { changeOfRow } from '../warehouse/rebuild-current-query.js';
import { changeOrder, quote } from '../warehouse/views.js';
import { dmsTimestampText } from './changelog.js';

/**
 * A table's full load (the task's or a reload) that DMS reports finished: TableState "Table
 * completed" with a FullLoadEndTime (API reference, TableStatistics). Any other state — "Full load",
 * "Table is being reloaded", "Before load", an error — is a load still running or failed, during
 * which nothing may be taken out of `_current` (ADR 0047).
 */
export interface CompletedLoad {
  startedAt: Date;
  endedAt: Date;
  /** FullLoadRows: how many rows the load wrote, so how many full-load rows must be in the changelog. */
  rows: number;
}

export function completedLoad(statistics: DmsTableStatistics | undefined): CompletedLoad | undefined {
  if (statistics?.state !== 'Table completed') return undefined;
  const { fullLoadStartTime, fullLoadEndTime } = statistics;
  if (!fullLoadStartTime || !fullLoadEndTime) return undefined;
  return { startedAt: fullLoadStartTime, endedAt: fullLoadEndTime, rows: statistics.fullLoadRows };
}

const DAY_MS = 86_400_000;
const changelogOf = (projectId: string, route: Route) =>
  quote(`${projectId}.${route.dataset}.${route.targetTable}`);

/**
 * The `_dms_timestamp` from which the completed load's rows are all in the changelog, or undefined
 * while they are not (files still in flight). DMS stamps full-load rows with the task start time
 * (`UseTaskStartTimeForFullLoadTimestamp`); whether a reload's rows carry the reload's start or an
 * earlier start of the task is not documented, so the stamp is read from the data: walking the
 * full-load rows ingested since the day before the load started, newest stamp first, the boundary is
 * the stamp at which `rows` of them have been seen. Extra older rows can only lower it, which deletes
 * less, never a live key. An empty load (the table was emptied, e.g. truncated) has no rows to
 * wait for: its boundary is its start.
 */
export async function reloadBoundary(
  bigquery: BigQuery,
  projectId: string,
  route: Route,
  load: CompletedLoad,
): Promise<string | undefined> {
  if (load.rows === 0) return dmsTimestampText(load.startedAt);
  const from = new Date(Math.floor(load.startedAt.getTime() / DAY_MS) * DAY_MS - DAY_MS).toISOString();
  const query = [
    'SELECT MAX(stamp) AS boundary FROM (',
    '  SELECT stamp, SUM(n) OVER (ORDER BY stamp DESC) AS landed FROM (',
    `    SELECT ${TIMESTAMP_COLUMN} AS stamp, COUNT(*) AS n FROM ${changelogOf(projectId, route)}`,
    `    WHERE _PARTITIONTIME >= TIMESTAMP('${from}') AND ${OP_COLUMN} = 'I' AND ${CHANGE_SEQ_COLUMN} = ''`,
    '    GROUP BY stamp',
    '  )',
    ')',
    `WHERE landed >= ${load.rows}`,
  ].join('\n');
  try {
    const [rows] = await bigquery.query({ query });
    const boundary = (rows[0] as { boundary?: string | null } | undefined)?.boundary;
    return boundary ?? undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The query that appends, for every key whose newest change is older than `boundary` and not a
 * delete, a delete row stamped `boundary` with an empty change sequence: the position of the load's
 * own full-load rows. Such a key was absent from the completed load, so it no longer exists at the
 * source (deleted while capture was stopped, or truncated). The row carries the key's last image, as
 * DMS's delete rows carry the before image; DMS itself never writes a delete without a change
 * sequence, which is how reconciliation tells these rows apart.
 */
export function reloadDeletesQuery(projectId: string, route: Route, boundary: string): string {
  const partition = route.primaryKey.map(quote).join(', ');
  const literal = `'${boundary.replaceAll("'", "\\'")}'`;
  return [
    `SELECT * REPLACE ('D' AS ${OP_COLUMN}, ${literal} AS ${TIMESTAMP_COLUMN}, '' AS ${CHANGE_SEQ_COLUMN}) FROM (`,
    `  SELECT * FROM ${changelogOf(projectId, route)}`,
    '  WHERE TRUE',
    `  QUALIFY ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY ${changeOrder('DESC')}) = 1`,
    `    AND MAX(${TIMESTAMP_COLUMN}) OVER (PARTITION BY ${partition}) < ${literal}`,
    ')',
    `WHERE ${OP_COLUMN} != 'D'`,
  ].join('\n');
}

/** The keys of the deletes a reload appended (for the CDC table): DMS writes no delete without a change sequence. */
export function reloadDeletedKeysQuery(projectId: string, route: Route, boundary: string): string {
  const literal = `'${boundary.replaceAll("'", "\\'")}'`;
  return [
    `SELECT ${route.primaryKey.map(quote).join(', ')}, ${TIMESTAMP_COLUMN}, ${CHANGE_SEQ_COLUMN}, ${OP_COLUMN}`,
    `FROM ${changelogOf(projectId, route)}`,
    `WHERE ${OP_COLUMN} = 'D' AND ${CHANGE_SEQ_COLUMN} = '' AND ${TIMESTAMP_COLUMN} = ${literal}`,
  ].join('\n');
}

/**
 * Appends the reload's deletes to the changelog with one query job whose ID is derived from the
 * table, the load's start and the boundary: a second run, or a run racing with it, gets 409 and
 * BigQuery runs it once. Its cost is one read of the changelog, once per completed load. Waits at
 * most `timeoutMs` (the scheduled function has 5 minutes for every table): false while the job still
 * runs, and a later run finds it by its ID.
 */
export async function appendReloadDeletes(
  bigquery: BigQuery,
  projectId: string,
  route: Route,
  load: CompletedLoad,
  boundary: string,
  timeoutMs = 60_000,
): Promise<boolean> {
  const location = bigquery.location ?? 'US';
  const hash = createHash('sha256')
    .update(JSON.stringify([route.dataset, route.targetTable, load.startedAt.toISOString(), boundary]))
    .digest('hex')
    .slice(0, 32);
  const jobId = `dms2bq_reload_deletes_${route.targetTable}_${hash}`.replace(/[^A-Za-z0-9_-]/g, '_');
  try {
    await bigquery.createQueryJob({
      query: reloadDeletesQuery(projectId, route, boundary),
      jobId,
      location,
      useLegacySql: false,
      destination: bigquery.dataset(route.dataset).table(route.targetTable),
      writeDisposition: 'WRITE_APPEND',
      createDisposition: 'CREATE_NEVER',
    });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  let job = await getJob(bigquery, location, jobId);
  if (job && job.state !== 'DONE') {
    try {
      job = await waitForJob(
        bigquery,
        location,
        jobId,
        new Deadline(Date.now() + timeoutMs),
        DEFAULT_RETRY_POLICY,
      );
    } catch (error) {
      if (error instanceof TimeBudgetError) return false;
      throw error;
    }
  }
  if (job?.errorResult) {
    throw new Error(
      `appending the reload deletes of ${route.dataset}.${route.targetTable} (job ${jobId}) failed: ${job.errorResult.message ?? job.errorResult.reason}`,
    );
  }
  return true;
}

/** The reload's deletes as the changes the loader would stream for them (DELETE, the key, the sequence of `boundary`). */
export async function reloadDeleteChanges(
  bigquery: BigQuery,
  projectId: string,
  route: Route,
  boundary: string,
): Promise<ChangeRow[]> {
  const [job] = await bigquery.createQueryJob({
    query: reloadDeletedKeysQuery(projectId, route, boundary),
    useLegacySql: false,
  });
  const changes: ChangeRow[] = [];
  let pageToken: string | undefined;
  for (;;) {
    // Unparsed (`skipParsing`): the client would turn INT64 keys into lossy numbers.
    const [rows, , response] = await job.getQueryResults({
      autoPaginate: false,
      maxResults: 10_000,
      skipParsing: true,
      ...(pageToken ? { pageToken } : {}),
    });
    if (response?.jobComplete === false) continue;
    const schema = (response?.schema?.fields ?? []) as TableField[];
    for (const row of rows as unknown[]) changes.push(changeOfRow(schema, row, route));
    pageToken = response?.pageToken ?? undefined;
    if (!pageToken) return changes;
  }
}
