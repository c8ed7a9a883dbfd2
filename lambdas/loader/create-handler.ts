import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  DEFAULT_RETRY_POLICY,
  Deadline,
  type RetryPolicy,
  TimeBudgetError,
} from '../shared/bigquery/deadline.js';
import { failureReason } from '../shared/bigquery/errors.js';
import { LoadJobFailedError } from '../shared/bigquery/load-file.js';
import { type FileRef, parseLoaderMessage, streamRangeMessage } from '../shared/messages.js';
import type { RoutingTable } from '../shared/routing.js';
import type { CurrentTableSink, CurrentTableSinkLoader } from './current-table-sink.js';
import { CurrentViews } from './current-views.js';
import { isPermanent, runbookFields } from './failure-kind.js';
import { FollowUpQueue } from './follow-ups.js';
import { ConcurrencyGate } from './gate.js';
import { KnownTables } from './known-tables.js';
import { LoaderMetrics, UNKNOWN_TABLE } from './metrics.js';
import { type FileLoaderDeps, type FileOutcome, processFile, routeFor } from './process-file.js';
import { DEFAULT_REDELIVERY, Redelivery, type RedeliveryPolicy } from './redelivery.js';
import { DEFAULT_RANGE_LIMITS, type RangeLimits, validateRangeLimits } from './row-group-ranges.js';

export interface LoaderDeps {
  routing: RoutingTable;
  s3: S3Client;
  bigquery: BigQuery;
  /** BigQuery location of the datasets and jobs, e.g. `EU`. */
  location: string;
  logger?: Logger;
  metrics?: Metrics;
  /** Files of one batch loading at the same time (default 4). */
  fileConcurrency?: number;
  retry?: RetryPolicy;
  /** Kept back from the remaining time for reporting the batch response (default 3 s). */
  reserveMs?: number;
  /** A file is not started with less time than this left; it fails and comes back (default 30 s). */
  minTimeToStartMs?: number;
  now?: () => number;
  /**
   * Shortens a failed record's visibility (backoff, see redelivery.ts). Without it a failed record
   * comes back after the queue's visibility timeout.
   */
  sqs?: SQSClient;
  redelivery?: RedeliveryPolicy;
  /** Jitter source of the redelivery backoff (tests pin it). */
  random?: () => number;
  /**
   * Creates the `<table>_current` CDC streaming (ADR 0025) when a `table` route first needs it;
   * the deployed handler passes a dynamic `import()` so a view-only bundle has none of it.
   */
  currentTables?: CurrentTableSinkLoader;
  /**
   * The loader's own queue (needs `sqs`): a file too big to stream into its CDC table in one
   * invocation goes on there as row-group range messages, and a range short of time as a
   * continuation (ADR 0045). Without it such a file fails as permanent, naming the setting.
   */
  queueUrl?: string;
  /** How many row groups one range message holds (default DEFAULT_RANGE_LIMITS). */
  rangeLimits?: RangeLimits;
  /**
   * A range stops before its next row group when less than this is left (default 60 s: a DMS row
   * group streams in well under a second, a 1-million-row group of another writer in seconds).
   */
  continueBeforeMs?: number;
  /** Told what became of each delivered file; the local runtime's summary counts with it. */
  onFileOutcome?: (event: FileOutcomeEvent) => void;
}

export interface FileOutcomeEvent {
  key: string;
  status: 'loaded' | 'duplicate' | 'failed';
  source?: string;
  table?: string;
  rows?: number;
  freshnessMs?: number;
  reason?: string;
}

export type LoaderHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createLoaderHandler(deps: LoaderDeps): LoaderHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'dms2bq-loader' });
  const metrics = new LoaderMetrics(
    deps.metrics ?? new Metrics({ namespace: 'dms2bq', serviceName: 'dms2bq-loader' }),
  );
  const fileDeps: FileLoaderDeps = {
    routing: deps.routing,
    s3: deps.s3,
    bigquery: deps.bigquery,
    location: deps.location,
    retry: deps.retry ?? DEFAULT_RETRY_POLICY,
    logger,
    metrics,
    views: new CurrentViews(deps.bigquery, logger),
    tables: new KnownTables(deps.bigquery),
    ...(deps.currentTables ? { currentTables: once(deps.currentTables) } : {}),
    ...followUpsOf(deps),
    rangeLimits: validateRangeLimits(deps.rangeLimits ?? DEFAULT_RANGE_LIMITS),
    continueBeforeMs: deps.continueBeforeMs ?? 60_000,
    now: deps.now ?? Date.now,
  };
  const reserveMs = deps.reserveMs ?? 3_000;
  const minTimeToStartMs = deps.minTimeToStartMs ?? 30_000;
  const concurrency = deps.fileConcurrency ?? 4;
  const redelivery = deps.sqs
    ? new Redelivery(deps.sqs, deps.redelivery ?? DEFAULT_REDELIVERY, logger, deps.random)
    : undefined;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`fileConcurrency must be a positive integer, got ${concurrency}`);
  }

  /** Metric dimensions of a key; UNKNOWN_TABLE when routing the key is itself what failed. */
  const dimensionsOf = (key: string) => {
    try {
      const route = routeFor(deps.routing, key);
      return { source: route.source, table: route.targetTable };
    } catch {
      return UNKNOWN_TABLE;
    }
  };

  const loadFile = async (file: FileRef, deadline: Deadline): Promise<void> => {
    if (deadline.remainingMs() < minTimeToStartMs && file.rowGroups && fileDeps.followUps && file.etag) {
      // A range waiting behind others of its batch would spend one of its 5 receives on nothing
      // each time; sent again as a new message it keeps them for real failures (ADR 0045).
      await fileDeps.followUps.send([
        streamRangeMessage({ ...file, etag: file.etag, rowGroups: file.rowGroups }),
      ]);
      logger.info('range not started for lack of time; sent again as a new message', {
        key: file.key,
        rowGroups: file.rowGroups,
      });
      return;
    }
    if (deadline.remainingMs() < minTimeToStartMs) {
      const notStarted = new TimeBudgetError(
        `${file.key}: not started, ${deadline.remainingMs()} ms left; it will come back`,
      );
      // Without this line a file that keeps coming up late shows only as a rising receive count.
      logger.info('file not started for lack of time; SQS delivers it again', {
        key: file.key,
        error: notStarted.message,
      });
      throw notStarted;
    }
    let result: FileOutcome;
    try {
      result = await processFile(file, fileDeps, deadline);
    } catch (error) {
      const reason = error instanceof LoadJobFailedError ? error.reason : failureReason(error);
      const table = dimensionsOf(file.key);
      metrics.failure(table, reason);
      deps.onFileOutcome?.({
        key: file.key,
        status: 'failed',
        ...table,
        reason: `${reason}: ${(error as Error).message}`,
      });
      const permanent = isPermanent(error);
      logger.error(
        permanent
          ? 'file failed for a reason no retry can fix; it goes to the DLQ without another load job'
          : 'file failed; the record comes back after a backoff, and rests in the DLQ after 5 deliveries',
        {
          ...table,
          key: file.key,
          ...(file.rowGroups ? { rowGroups: file.rowGroups } : {}),
          reason,
          permanent,
          ...runbookFields(error),
          error: error as Error,
        },
      );
      throw error;
    }
    if (deps.onFileOutcome && result.outcome !== 'range') {
      const route = routeFor(deps.routing, file.key);
      deps.onFileOutcome({
        key: file.key,
        status: result.outcome,
        source: route.source,
        table: route.targetTable,
        rows: result.rows,
        ...(result.freshnessMs === undefined ? {} : { freshnessMs: result.freshnessMs }),
      });
    }
  };

  return async (event, context) => {
    const deadline = Deadline.fromRemaining(context.getRemainingTimeInMillis(), reserveMs, fileDeps.now);
    const gate = new ConcurrencyGate(concurrency);
    const failures = new Map<string, unknown>();
    const recordHandler = async (record: SQSRecord): Promise<void> => {
      try {
        await handleRecord(record);
      } catch (error) {
        failures.set(record.messageId, error);
        throw error;
      }
    };
    const handleRecord = async (record: SQSRecord): Promise<void> => {
      let message: ReturnType<typeof parseLoaderMessage>;
      try {
        message = parseLoaderMessage(record.body);
      } catch (error) {
        metrics.failure(UNKNOWN_TABLE, failureReason(error));
        logger.error('unreadable message', { messageId: record.messageId, error: error as Error });
        throw error;
      }
      if (message.kind === 'test-event') {
        logger.info('S3 test event acknowledged', { messageId: record.messageId });
        return;
      }
      for (const file of message.files) await gate.run(() => loadFile(file, deadline));
    };
    // A processor per invocation: it keeps the batch's state, and a local event source may run
    // several invocations of one handler at once. throwOnFullBatchFailure is off so that a batch
    // whose records all failed still answers with the partial-response shape.
    const processor = new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(event, recordHandler, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
    if (redelivery && response.batchItemFailures.length > 0) {
      const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      await redelivery.schedule(
        event.Records.filter((record) => failed.has(record.messageId)).map((record) => ({
          record,
          permanent: isPermanent(failures.get(record.messageId)),
        })),
      );
    }
    return response;
  };
}

function followUpsOf(deps: LoaderDeps): { followUps?: FollowUpQueue } {
  if (deps.queueUrl === undefined) return {};
  if (deps.sqs === undefined) throw new Error('queueUrl needs sqs: the loader sends range messages with it');
  return { followUps: new FollowUpQueue(deps.sqs, deps.queueUrl) };
}

/** One sink per container; a failed creation (e.g. credentials) is tried again by the next file. */
function once(load: CurrentTableSinkLoader): CurrentTableSinkLoader {
  let sink: Promise<CurrentTableSink> | undefined;
  return () => {
    sink ??= load().catch((error: unknown) => {
      sink = undefined;
      throw error;
    });
    return sink;
  };
}
