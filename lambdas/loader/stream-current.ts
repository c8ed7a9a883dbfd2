import type { Logger } from '@aws-lambda-powertools/logger';
import type { Deadline, RetryPolicy } from '../shared/bigquery/deadline.js';
import { currentViewName } from '../shared/mappings/bigquery-names.js';
import { type RowGroupRange, streamRangeMessage } from '../shared/messages.js';
import type { RowGroupSize } from '../shared/parquet/footer.js';
import type { Route } from '../shared/routing.js';
import {
  CURRENT_TABLE_RUNBOOK,
  type CurrentTableFile,
  type CurrentTableSinkLoader,
  CurrentTableStreamError,
} from './current-table-sink.js';
import type { FollowUpQueue } from './follow-ups.js';
import type { LoaderMetrics, MetricTable } from './metrics.js';
import { planRowGroupRanges, type RangeLimits } from './row-group-ranges.js';

export interface StreamCurrentDeps {
  /** Absent in a loader built for view-only routing (`__DMS2BQ_CURRENT_TABLES__` false). */
  currentTables?: CurrentTableSinkLoader;
  /** The loader's own queue, for row-group range messages; a file needing them fails without it. */
  followUps?: FollowUpQueue;
  rangeLimits: RangeLimits;
  /** A range stops before its next row group when less than this is left, and goes on as a continuation. */
  continueBeforeMs: number;
  logger: Logger;
  metrics: LoaderMetrics;
  now: () => number;
}

export interface StreamCurrentFile extends Omit<CurrentTableFile, 'deadline' | 'retry' | 'stopBefore'> {
  /** From the footer: what the ranges are planned from. */
  rowGroupSizes: readonly RowGroupSize[];
  /** Carried on into range messages: a range loads and streams under its file's job-ID namespace. */
  replayEpoch?: number;
}

/**
 * After the changelog load (loaded or duplicate): the file's rows into `<target>_current` (ADR 0045).
 * - A file message whose row groups fit one range streams them here; a bigger one sends one range
 *   message per range to the loader queue and is done: the ranges stream in parallel invocations.
 * - A range (or a small file) streams its row groups in order; when the invocation runs short of
 *   time it stops before the next row group, waits for what it appended to be acknowledged, and
 *   sends the rest as a continuation, so a delivery resumes where the last one stopped.
 * Failing here fails the record; its next delivery finds the load done and streams its rows again,
 * which leaves the CDC table as one stream would, since every row carries its sequence number.
 */
export async function streamToCurrentTable(
  file: StreamCurrentFile,
  deps: StreamCurrentDeps,
  deadline: Deadline,
  retry: RetryPolicy,
): Promise<void> {
  const { route } = file;
  const dims: MetricTable = { source: route.source, table: route.targetTable };
  const table = `${route.dataset}.${currentViewName(route.targetTable)}`;
  const started = deps.now();
  try {
    const whole = { start: 0, end: file.rowGroupSizes.length };
    if (file.rowGroups === undefined) {
      const ranges = planRowGroupRanges(file.rowGroupSizes, deps.rangeLimits);
      if (ranges.length > 1) {
        await sendRanges(file, ranges, 'fan-out', deps, table, dims);
        return;
      }
    } else if (file.rowGroups.end > whole.end) {
      throw new CurrentTableStreamError(
        `${file.key} has ${whole.end} row groups, but the message asks for ${file.rowGroups.start}–${file.rowGroups.end - 1}; it belongs to another version of the object: delete it`,
        table,
        'INVALID_DATA',
        true,
      );
    }
    const range = file.rowGroups ?? whole;
    const sink = await loadSink(deps, route, table);
    const result = await sink.stream({
      ...file,
      rowGroups: range,
      ...(deps.followUps ? { stopBefore: () => deadline.remainingMs() < deps.continueBeforeMs } : {}),
      deadline,
      retry,
    });
    const durationMs = deps.now() - started;
    deps.metrics.currentTableStreamed(dims, { rows: result.rows, requests: result.requests, durationMs });
    if (result.propagationWaits) deps.metrics.currentSchemaPropagationWaits(dims, result.propagationWaits);
    deps.logger.info('file streamed to the current table', {
      key: file.key,
      bigqueryTable: result.table,
      rowGroups: { start: range.start, end: result.next ?? range.end },
      rows: result.rows,
      requests: result.requests,
      durationMs,
    });
    if (result.next !== undefined) {
      await sendRanges(file, [{ start: result.next, end: range.end }], 'continuation', deps, table, dims);
    }
  } catch (error) {
    const code = error instanceof CurrentTableStreamError ? error.code : 'ERROR';
    deps.metrics.currentTableStreamFailed(dims, code);
    deps.logger.warn('streaming to the current table failed; the changelog has the file', {
      key: file.key,
      bigqueryTable: table,
      ...(file.rowGroups ? { rowGroups: file.rowGroups } : {}),
      code,
      runbook: CURRENT_TABLE_RUNBOOK,
    });
    throw error;
  }
}

async function sendRanges(
  file: StreamCurrentFile,
  ranges: readonly RowGroupRange[],
  kind: 'fan-out' | 'continuation',
  deps: StreamCurrentDeps,
  table: string,
  dims: MetricTable,
): Promise<void> {
  if (deps.followUps === undefined) {
    throw new CurrentTableStreamError(
      `${file.key} needs ${ranges.length} row-group range messages to reach ${table} within the function's time, but this loader has no queue to send them to; set LOADER_QUEUE_URL (the loader's own queue)`,
      table,
      'FAILED_PRECONDITION',
      true,
    );
  }
  const { bucket, key, etag } = file;
  const epoch = file.replayEpoch === undefined ? {} : { replayEpoch: file.replayEpoch };
  await deps.followUps.send(
    ranges.map((rowGroups) => streamRangeMessage({ bucket, key, etag, ...epoch, rowGroups })),
  );
  deps.metrics.currentRangesQueued(dims, kind, ranges.length);
  deps.logger.info(
    kind === 'fan-out'
      ? 'file too big to stream in one invocation: its row groups go on as range messages'
      : 'out of time before the end of the range: the rest goes on as a continuation message',
    { key, bigqueryTable: table, ranges: ranges.length, first: ranges[0], last: ranges.at(-1) },
  );
}

async function loadSink(deps: StreamCurrentDeps, route: Route, table: string) {
  if (deps.currentTables === undefined) {
    throw new CurrentTableStreamError(
      `${route.source}/${route.schema}/${route.table} routes to a current table (${table}), but this loader was built without current-table streaming; redeploy from the same mappings`,
      table,
      'FAILED_PRECONDITION',
      true,
    );
  }
  return deps.currentTables();
}
