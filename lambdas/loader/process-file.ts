import type { Readable } from 'node:stream';
import type { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Deadline, RetryPolicy } from '../shared/bigquery/deadline.js';
import { baseJobId } from '../shared/bigquery/job-id.js';
import { loadConfiguration } from '../shared/bigquery/load-config.js';
import { type LoadEvent, loadFileOnce } from '../shared/bigquery/load-file.js';
import { parseDmsKey, routeKey } from '../shared/dms/keys.js';
import type { FileRef } from '../shared/messages.js';
import { parseDmsTimestamp, parseParquetFooter } from '../shared/parquet/footer.js';
import { readS3Tail, s3RangeReader } from '../shared/parquet/s3-range-reader.js';
import type { Route, RoutingTable } from '../shared/routing.js';
import { deliverToCurrentTable, fileAge } from './current-delivery.js';
import type { CurrentTableSinkLoader } from './current-table-sink.js';
import type { CurrentViews } from './current-views.js';
import type { FollowUpQueue } from './follow-ups.js';
import type { KnownTables } from './known-tables.js';
import type { LoaderMetrics } from './metrics.js';
import type { RangeLimits } from './row-group-ranges.js';
import { schemaDriftResolver } from './schema-drift.js';

export interface FileLoaderDeps {
  routing: RoutingTable;
  s3: S3Client;
  bigquery: BigQuery;
  location: string;
  retry: RetryPolicy;
  logger: Logger;
  metrics: LoaderMetrics;
  /** Creates a table's `_current` view once its first load exists. */
  views: CurrentViews;
  /** Which tables exist: only a load that creates its table states partitioning and clustering. */
  tables: KnownTables;
  /** Loads the `<table>_current` CDC streaming on first use; absent when no route needs it. */
  currentTables?: CurrentTableSinkLoader;
  /** The loader's own queue, for the row-group ranges of big files (ADR 0045). */
  followUps?: FollowUpQueue;
  rangeLimits: RangeLimits;
  continueBeforeMs: number;
  now: () => number;
}

export interface FileOutcome {
  /** `range`: a row-group range message, streamed (or obsolete); its file was counted already. */
  outcome: 'loaded' | 'duplicate' | 'range';
  jobId: string;
  rows: number;
  /** Loaded files: now − the newest `_dms_timestamp` in the file, when the footer has statistics. */
  freshnessMs?: number;
}

/** The key's table is not in the routing table bundled with this deployment. */
export class UnmappedTableError extends Error {
  override name = 'UnmappedTableError';
}

export function routeFor(routing: RoutingTable, key: string): Route {
  const dmsKey = parseDmsKey(key);
  const route = routing[routeKey(dmsKey.source, dmsKey.schema, dmsKey.table)];
  if (!route) {
    throw new UnmappedTableError(
      `${key}: table ${dmsKey.source}/${dmsKey.schema}/${dmsKey.table} is not in mappings/ of this deployment`,
    );
  }
  return route;
}

/** Size/ETag and footer, job ID, load (exactly once), verification, metrics — for one file. */
export async function processFile(
  file: FileRef,
  deps: FileLoaderDeps,
  deadline: Deadline,
): Promise<FileOutcome> {
  const started = deps.now();
  const { s3, logger, metrics } = deps;
  const route = routeFor(deps.routing, file.key);
  const stem = parseDmsKey(file.key).stem;
  const dims = { source: route.source, table: route.targetTable };
  // One suffix-range GET gives the footer's tail, the size and the ETag (what HeadObject would).
  const tail = await readS3Tail(s3, file.bucket, file.key);
  const { etag, size } = tail;
  if (file.rowGroups && file.etag !== etag) {
    // Row-group indexes belong to one version of the object; the new version's own notification
    // loads and streams it whole.
    logger.warn('object replaced since its row-group range was sent; the range is obsolete', {
      key: file.key,
      rangeEtag: file.etag,
      etag,
      rowGroups: file.rowGroups,
    });
    return { outcome: 'range', jobId: '', rows: 0 };
  }
  if (file.etag && file.etag !== etag) {
    logger.warn('object replaced since the notification; loading its current content', {
      key: file.key,
      notifiedEtag: file.etag,
      etag,
    });
  }
  const object = { bucket: file.bucket, key: file.key, etag };
  const footer = await parseParquetFooter(tail.bytes, size, s3RangeReader(s3, object));
  const jobBase = baseJobId({
    ...route,
    stem,
    ...object,
    ...(file.replayEpoch === undefined ? {} : { replayEpoch: file.replayEpoch }),
  });
  const fields = { source: route.source, table: route.targetTable, key: file.key, jobId: jobBase };

  const creating = !(await deps.tables.exists(route, deadline, deps.retry));
  const result = await loadFileOnce({
    bigquery: deps.bigquery,
    location: deps.location,
    dataset: route.dataset,
    table: route.targetTable,
    baseJobId: jobBase,
    configuration: loadConfiguration(route, { creating }),
    openBody: async () => {
      const response = await s3.send(
        new GetObjectCommand({ Bucket: file.bucket, Key: file.key, IfMatch: `"${etag}"` }),
      );
      return response.Body as Readable;
    },
    deadline,
    retry: deps.retry,
    onPermanentFailure: schemaDriftResolver(
      { bigquery: deps.bigquery, location: deps.location, logger, retry: deps.retry, deadline },
      route,
      footer.columns,
    ),
    onEvent: (event) => logLoadEvent(event, fields, deps, dims),
  });

  const jobId = result.job.id;
  deps.tables.loaded(route);
  if (route.current === 'table') {
    const stream = {
      route,
      ...object,
      size,
      tail: tail.bytes,
      columns: footer.columns.map((c) => c.name),
      rowGroupSizes: footer.rowGroupSizes,
      ...(file.rowGroups === undefined ? {} : { rowGroups: file.rowGroups }),
      ...(file.replayEpoch === undefined ? {} : { replayEpoch: file.replayEpoch }),
    };
    const age = fileAge(tail.lastModified, result.job.creationTime, footer.dmsTimestamp);
    await deliverToCurrentTable(stream, age, deps, deadline, deps.retry);
  } else {
    await deps.views.ensure(route, deadline, deps.retry);
  }
  await deps.views.ensureHistory(route, deadline, deps.retry);
  if (file.rowGroups && result.outcome === 'duplicate') {
    return { outcome: 'range', jobId, rows: 0 };
  }
  if (result.outcome === 'duplicate') {
    metrics.duplicateDelivery(dims);
    logger.info('file already loaded; duplicate delivery acknowledged', { ...fields, jobId });
    return { outcome: 'duplicate', jobId, rows: footer.rowCount };
  }
  if (result.job.outputRows !== footer.rowCount) {
    metrics.rowCountMismatch(dims);
    logger.error('loaded row count differs from the Parquet footer', {
      ...fields,
      jobId,
      outputRows: result.job.outputRows,
      footerRows: footer.rowCount,
    });
  }
  const latest = footer.dmsTimestamp ? parseDmsTimestamp(footer.dmsTimestamp.max) : undefined;
  const finished = deps.now();
  const freshness = latest ? { freshnessMs: finished - latest.getTime() } : {};
  metrics.fileLoaded(dims, {
    rows: footer.rowCount,
    bytes: size,
    durationMs: finished - started,
    ...freshness,
  });
  logger.info('file loaded', {
    ...fields,
    jobId,
    generation: result.generation,
    rows: footer.rowCount,
    bytes: size,
    dmsTimestamp: footer.dmsTimestamp,
    changeSeq: footer.changeSeq,
  });
  return { outcome: 'loaded', jobId, rows: footer.rowCount, ...freshness };
}

function logLoadEvent(
  event: LoadEvent,
  fields: Record<string, string>,
  deps: FileLoaderDeps,
  dims: { source: string; table: string },
): void {
  switch (event.type) {
    case 'insert':
      deps.metrics.loadJobStarted(dims);
      deps.logger.debug('starting load job', { ...fields, jobId: event.jobId, generation: event.generation });
      return;
    case 'retry':
      deps.logger.warn('transient failure, retrying', {
        ...fields,
        what: event.what,
        attempt: event.attempt,
        error: (event.error as Error)?.message ?? String(event.error),
      });
      return;
    case 'race':
      deps.logger.info('job inserted concurrently by another worker; looking it up', {
        ...fields,
        jobId: event.jobId,
      });
      return;
    case 'failed-job':
      deps.logger.warn(
        'load job failed; BigQuery keeps its ID, so only a retryable failure gets a next generation',
        {
          ...fields,
          jobId: event.jobId,
          ours: event.ours,
          reason: event.error.reason,
          error: event.error.message, // not `message`: Powertools drops that key with a warning
        },
      );
  }
}
