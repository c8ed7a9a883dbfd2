import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BigQuery, TableField } from '@google-cloud/bigquery';
import { isPropagationRefusal } from '../../shared/bigquery/cdc-errors.js';
import { CdcStreamError, type CdcStreamer, createCdcStreamer } from '../../shared/bigquery/cdc-stream.js';
import type { Deadline } from '../../shared/bigquery/deadline.js';
import { currentViewName } from '../../shared/mappings/bigquery-names.js';
import { s3RangeReader } from '../../shared/parquet/s3-range-reader.js';
import {
  CURRENT_TABLE_RUNBOOK,
  type CurrentTableSink,
  CurrentTableStreamError,
  SCHEMA_PROPAGATION,
} from '../current-table-sink.js';
import { CurrentTableSchemas } from './current-schema.js';
import { healKeysFromChangelog } from './heal.js';
import { parquetChanges } from './parquet-rows.js';
import { ParquetValueError } from './parquet-values.js';
import {
  DEFAULT_PROPAGATION_WAITS,
  type PropagationWaits,
  SchemaPropagationPendingError,
  untilPropagated,
} from './propagation.js';

export { writerClientOptions } from './writer-options.js';

export interface CurrentTableSinkDeps {
  bigquery: BigQuery;
  s3: S3Client;
  /** The Storage Write API client options (WriterClient), or a streamer already made. */
  streamer: CdcStreamer | { clientOptions: Record<string, unknown> };
  logger: Logger;
  /** How to wait for a schema change to reach the Storage Write API (ADR 0043). */
  propagation?: PropagationWaits;
}

/**
 * Streams files into `<target>_current` CDC tables. Reached only through `import()` (see
 * ../current-table-sink.ts): this module pulls in `@google-cloud/bigquery-storage`.
 */
export function createCurrentTableSink(deps: CurrentTableSinkDeps): CurrentTableSink {
  const { bigquery, s3, logger } = deps;
  const streamer = 'append' in deps.streamer ? deps.streamer : createCdcStreamer(deps.streamer.clientOptions);
  const schemas = new CurrentTableSchemas(bigquery, (table, change, columns) => {
    const messages: Record<typeof change, string> = {
      created: 'created the CDC current table from the changelog schema',
      'columns-added': 'added the changelog’s new columns to the CDC current table',
      'column-widened': 'widened a column of the CDC current table as the changelog’s was widened',
    };
    logger.info(messages[change], { bigqueryTable: table, columns, runbook: CURRENT_TABLE_RUNBOOK });
  });
  let projectId: Promise<string> | undefined;
  /** Runs `attempt` again after each wait while a schema change has not reached the Storage Write API (ADR 0043). */
  const untilSchemaKnown = <T>(
    attempt: (fields: TableField[]) => Promise<T>,
    work: { deadline: Deadline; key: string; table: string; what: string; again: string },
  ) =>
    untilPropagated(attempt, {
      deadline: work.deadline,
      waits: deps.propagation ?? DEFAULT_PROPAGATION_WAITS,
      what: work.what,
      onWait: (refusal, waitMs, tries) =>
        logger.warn(
          `the Storage Write API does not know the CDC table’s latest schema change yet; ${work.again} again after a wait`,
          {
            key: work.key,
            bigqueryTable: work.table,
            code: refusal.code,
            waitMs,
            attempt: tries,
            runbook: CURRENT_TABLE_RUNBOOK,
          },
        ),
    });

  return {
    async stream(file) {
      const { route } = file;
      const currentName = currentViewName(route.targetTable);
      const table = `${route.dataset}.${currentName}`;
      // One pass over the file's rows (or its range); a pass after a propagation wait starts again
      // at the range's first row group, which is harmless since every row carries its sequence number.
      const streamWith = async (fields: TableField[]) => {
        projectId ??= bigquery.getProjectId();
        const read = s3RangeReader(s3, { bucket: file.bucket, key: file.key, etag: file.etag });
        const progress = { next: file.rowGroups?.start ?? 0 };
        const changes = parquetChanges({ size: file.size, tail: file.tail, read }, fields, table, {
          ...(file.rowGroups ? { rowGroups: file.rowGroups } : {}),
          ...(file.stopBefore ? { stopBefore: file.stopBefore } : {}),
          progress,
        });
        const result = await streamer.append(
          { projectId: await projectId, dataset: route.dataset, table: currentName, fields },
          withinDeadline(changes, () => file.deadline.check(`stream ${file.key} to ${table}`)),
        );
        const end = file.rowGroups?.end;
        const stopped = end !== undefined && progress.next < end;
        return { ...result, ...(stopped ? { next: progress.next } : {}) };
      };
      const streamOnce = async (fields: TableField[]) => {
        const prepared = await schemas.prepare(route, file.columns, file.deadline, file.retry);
        fields.push(...prepared.fields);
        try {
          return await streamWith(fields);
        } catch (error) {
          schemas.forget(route);
          // Remembered fields may predate a change of the changelog made by another container (a
          // widened column): one fresh look, and the file again, before the refusal counts.
          if (!prepared.fromCache || isPropagationRefusal(error, fields) || !isRefusal(error)) throw error;
          const fresh = await schemas.prepare(route, file.columns, file.deadline, file.retry);
          fields.splice(0, fields.length, ...fresh.fields);
          return await streamWith(fields);
        }
      };
      try {
        const { result, waits } = await untilSchemaKnown(streamOnce, {
          deadline: file.deadline,
          key: file.key,
          table,
          what: `stream ${file.key} to ${table}`,
          again: 'streaming the file',
        });
        return { table, ...result, ...(waits > 0 ? { propagationWaits: waits } : {}) };
      } catch (error) {
        throw streamFailure(error, table, file.key);
      }
    },
    async heal(file) {
      const { route } = file;
      const table = `${route.dataset}.${currentViewName(route.targetTable)}`;
      // A file healed right after the changelog gained a column (a redrive of a file the propagation
      // wait already held back) streams the new column too: the same refusal, the same waits (ADR 0043).
      const healOnce = async (fields: TableField[]) => {
        // A heal streams the changelog's latest rows, whose types may be newer than the file's and
        // than this container's remembered fields (a widened column keeps its name): look afresh.
        schemas.forget(route);
        const prepared = await schemas.prepare(route, file.columns, file.deadline, file.retry);
        fields.push(...prepared.fields);
        projectId ??= bigquery.getProjectId();
        return await healKeysFromChangelog({
          bigquery,
          streamer,
          location: file.location,
          projectId: await projectId,
          route,
          fields,
          ...(file.timestamps === undefined ? {} : { timestamps: file.timestamps }),
        });
      };
      try {
        const { result: healed } = await untilSchemaKnown(healOnce, {
          deadline: file.deadline,
          key: file.key,
          table,
          what: `heal the keys of ${file.key} in ${table}`,
          again: 'healing the file’s keys',
        });
        return { table, ...healed };
      } catch (error) {
        schemas.forget(route);
        throw streamFailure(error, table, file.key);
      }
    },
    close: () => streamer.close(),
  };
}

/** BigQuery refused the rows themselves (a value the table's type cannot hold, …). */
const isRefusal = (error: unknown): boolean =>
  error instanceof CdcStreamError && error.code === 'INVALID_ARGUMENT';

/** Stops between row groups when the invocation's time is up; the record comes back and streams again. */
async function* withinDeadline<T>(batches: AsyncIterable<T>, check: () => void): AsyncGenerator<T> {
  for await (const batch of batches) {
    check();
    yield batch;
  }
}

function streamFailure(error: unknown, table: string, key: string): CurrentTableStreamError {
  if (error instanceof CurrentTableStreamError) return error;
  const message = `${key} is in the changelog, but streaming it to ${table} failed: ${(error as Error).message}`;
  if (error instanceof SchemaPropagationPendingError) {
    return new CurrentTableStreamError(message, table, SCHEMA_PROPAGATION, false, { cause: error });
  }
  if (error instanceof CdcStreamError) {
    // No NOT_FOUND gets here: untilPropagated takes every one for a schema change still on its way
    // (isPropagationRefusal), and each try prepares the table afresh, creating it again when it went
    // away (an operator dropped it, `warehouse rebuild-current` recreates it).
    return new CurrentTableStreamError(message, table, error.code, !error.retryable, { cause: error });
  }
  if (error instanceof ParquetValueError) {
    return new CurrentTableStreamError(message, table, 'INVALID_DATA', true, { cause: error });
  }
  return new CurrentTableStreamError(message, table, 'ERROR', false, { cause: error });
}
