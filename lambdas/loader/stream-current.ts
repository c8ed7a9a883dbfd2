import type { Logger } from '@aws-lambda-powertools/logger';
import type { Deadline, RetryPolicy } from '../shared/bigquery/deadline.js';
import { currentViewName } from '../shared/mappings/bigquery-names.js';
import type { Route } from '../shared/routing.js';
import {
  CURRENT_TABLE_RUNBOOK,
  type CurrentTableFile,
  type CurrentTableSinkLoader,
  CurrentTableStreamError,
} from './current-table-sink.js';
import type { LoaderMetrics, MetricTable } from './metrics.js';

export interface StreamCurrentDeps {
  /** Absent in a loader built for view-only routing (`__DMS2BQ_CURRENT_TABLES__` false). */
  currentTables?: CurrentTableSinkLoader;
  logger: Logger;
  metrics: LoaderMetrics;
  now: () => number;
}

/**
 * After the changelog load (loaded or duplicate): the file's rows into `<target>_current`. Failing
 * here fails the record; its next delivery finds the load done and streams again, which leaves the
 * CDC table as it would be after one stream, since every row carries its sequence number.
 */
export async function streamToCurrentTable(
  file: Omit<CurrentTableFile, 'deadline' | 'retry'>,
  deps: StreamCurrentDeps,
  deadline: Deadline,
  retry: RetryPolicy,
): Promise<void> {
  const { route } = file;
  const dims: MetricTable = { source: route.source, table: route.targetTable };
  const table = `${route.dataset}.${currentViewName(route.targetTable)}`;
  const started = deps.now();
  try {
    const sink = await loadSink(deps, route, table);
    const result = await sink.stream({ ...file, deadline, retry });
    const durationMs = deps.now() - started;
    deps.metrics.currentTableStreamed(dims, { rows: result.rows, requests: result.requests, durationMs });
    if (result.propagationWaits) deps.metrics.currentSchemaPropagationWaits(dims, result.propagationWaits);
    deps.logger.info('file streamed to the current table', {
      key: file.key,
      bigqueryTable: result.table,
      rows: result.rows,
      requests: result.requests,
      durationMs,
    });
  } catch (error) {
    const code = error instanceof CurrentTableStreamError ? error.code : 'ERROR';
    deps.metrics.currentTableStreamFailed(dims, code);
    deps.logger.warn('streaming to the current table failed; the changelog has the file', {
      key: file.key,
      bigqueryTable: table,
      code,
      runbook: CURRENT_TABLE_RUNBOOK,
    });
    throw error;
  }
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
