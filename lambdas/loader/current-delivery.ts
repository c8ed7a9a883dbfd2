import type { Logger } from '@aws-lambda-powertools/logger';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Deadline, RetryPolicy } from '../shared/bigquery/deadline.js';
import { currentViewName } from '../shared/mappings/bigquery-names.js';
import { currentMetadata } from '../shared/warehouse/current-view.js';
import {
  CURRENT_TABLE_RUNBOOK,
  CurrentIsViewError,
  type CurrentTableHealed,
  type CurrentTableSinkLoader,
  CurrentTableStreamError,
} from './current-table-sink.js';
import type { LoaderMetrics } from './metrics.js';
import { type StreamCurrentDeps, type StreamCurrentFile, streamToCurrentTable } from './stream-current.js';

/**
 * How old a file may be, on the loader's clock, and still be streamed as it is. BigQuery keeps a CDC
 * DELETE two days to turn away older changes that arrive after it ("Deleted data considerations",
 * ADR 0027); a DELETE that should win over a row of this file was streamed no earlier than the file
 * was written (DMS writes a table's changes in order, so it is in this file or a later one). Below
 * one day, every such DELETE is still remembered while the file streams, with a day to spare for the
 * stream itself and for the clocks of S3, Lambda and BigQuery to differ (ADR 0041).
 */
export const STREAM_SAFE_AGE_MS = 86_400_000;

export interface CurrentDeliveryDeps extends StreamCurrentDeps {
  bigquery: BigQuery;
  location: string;
  currentTables?: CurrentTableSinkLoader;
  logger: Logger;
  metrics: LoaderMetrics;
  /** The loader's clock (ms); tests run it on the emulator's clock. */
  now: () => number;
}

/** What the loader learned of the file before this step. */
export interface FileAge {
  /** S3's Last-Modified of the version loaded: when DMS wrote it. */
  lastModified?: Date;
  /** Creation time of the load job that put the file in the changelog (the first one, on a duplicate). */
  firstLoadedAt?: number;
  /** The file's `_dms_timestamp` range (footer statistics). */
  timestamps?: { min: string; max: string };
}

export const fileAge = (
  lastModified: Date | undefined,
  firstLoadedAt: number | undefined,
  timestamps: { min: string; max: string } | undefined,
): FileAge => ({
  ...(lastModified === undefined ? {} : { lastModified }),
  ...(firstLoadedAt === undefined ? {} : { firstLoadedAt }),
  ...(timestamps === undefined ? {} : { timestamps }),
});

export type CurrentDelivery = 'streamed' | 'healed' | 'view-pending';

/**
 * After the changelog load of a table route's file: streams the file into `<target>_current` while it
 * is young enough for BigQuery to remember every newer DELETE; otherwise (a replay, a DLQ redrive, a
 * late duplicate) streams, for each key the file touched, the changelog's latest change instead, so
 * no documented operation brings a deleted key back at any age of the file (ADR 0041). A `_current`
 * that is still the view of the `view` mode is left alone (ADR 0042).
 */
export async function deliverToCurrentTable(
  file: StreamCurrentFile,
  age: FileAge,
  deps: CurrentDeliveryDeps,
  deadline: Deadline,
  retry: RetryPolicy,
): Promise<CurrentDelivery> {
  const { route } = file;
  const table = `${route.dataset}.${currentViewName(route.targetTable)}`;
  try {
    if (await stillView(deps.bigquery, file)) throw new CurrentIsViewError(table);
    const writtenAt = fileWrittenAt(age);
    if (writtenAt === undefined || deps.now() - writtenAt < STREAM_SAFE_AGE_MS) {
      await streamToCurrentTable(file, deps, deadline, retry);
      return 'streamed';
    }
    await heal(file, age, writtenAt, deps, deadline, retry);
    return 'healed';
  } catch (error) {
    if (!(error instanceof CurrentIsViewError)) throw error;
    deps.logger.info('the current table is still the view of the view mode; the file is in the changelog', {
      key: file.key,
      bigqueryTable: table,
      fix: error.message,
    });
    return 'view-pending';
  }
}

/** The earliest evidence of when the file existed: S3's time of writing, or its first load's. */
function fileWrittenAt(age: FileAge): number | undefined {
  const times = [age.lastModified?.getTime(), age.firstLoadedAt].filter(
    (time): time is number => time !== undefined && Number.isFinite(time),
  );
  return times.length === 0 ? undefined : Math.min(...times);
}

async function heal(
  file: StreamCurrentFile,
  age: FileAge,
  writtenAt: number,
  deps: CurrentDeliveryDeps,
  deadline: Deadline,
  retry: RetryPolicy,
): Promise<void> {
  if (deps.currentTables === undefined) {
    // The same refusal the stream gives a loader built without current tables.
    await streamToCurrentTable(file, deps, deadline, retry);
    return;
  }
  const started = deps.now();
  const sink = await deps.currentTables();
  let healed: CurrentTableHealed;
  try {
    healed = await sink.heal({
      route: file.route,
      key: file.key,
      columns: file.columns,
      ...(age.timestamps === undefined ? {} : { timestamps: age.timestamps }),
      location: deps.location,
      deadline,
      retry,
    });
  } catch (error) {
    const code = error instanceof CurrentTableStreamError ? error.code : 'ERROR';
    deps.metrics.currentTableStreamFailed({ source: file.route.source, table: file.route.targetTable }, code);
    deps.logger.warn('healing the current table from the changelog failed; the changelog has the file', {
      key: file.key,
      code,
      runbook: CURRENT_TABLE_RUNBOOK,
    });
    throw error;
  }
  deps.logger.info('file too old to stream; healed its keys in the current table from the changelog', {
    key: file.key,
    bigqueryTable: healed.table,
    ageHours: Math.round((started - writtenAt) / 3_600_000),
    upserts: healed.upserts,
    deletes: healed.deletes,
    requests: healed.requests,
    durationMs: deps.now() - started,
    runbook: CURRENT_TABLE_RUNBOOK,
  });
}

/**
 * Tables known to be CDC tables (or to be created by the stream), per client: a table route's
 * `_current` never turns back into a view without a redeploy, so each container asks once.
 */
const knownTables = new WeakMap<BigQuery, Set<string>>();

async function stillView(bigquery: BigQuery, file: Pick<StreamCurrentFile, 'route'>) {
  const name = `${file.route.dataset}.${currentViewName(file.route.targetTable)}`;
  const known = knownTables.get(bigquery) ?? new Set<string>();
  knownTables.set(bigquery, known);
  if (known.has(name)) return false;
  const metadata = await currentMetadata(bigquery, file.route);
  if (metadata?.type === 'VIEW') return true;
  known.add(name);
  return false;
}
