import type { BigQuery } from '@google-cloud/bigquery';
import { type DmsTaskView, statisticsFor } from '../dms/table-statistics.js';
import type { Route } from '../routing.js';
import { changelogCounts, currentRowCount } from './changelog.js';
import { checkRowCounts, compareCounts, type RowCountCheck, type TableComparison } from './compare.js';

/** DMS's view of one source's replication: the deployed task, or the simulator's ground truth locally. */
export type StatisticsSource = (source: string) => Promise<DmsTaskView>;

/** Rows in the source table, through a read-only connection; undefined when none is configured. */
export type SourceRowCounter = (route: Route) => Promise<number | undefined>;

export interface ReconcileDeps {
  routes: readonly Route[];
  statistics: StatisticsSource;
  bigquery: BigQuery;
  projectId: string;
  now: Date;
  /** Default 15 minutes: longer than DMS's CDC batch interval plus the loader's time to load a file. */
  settleMs?: number;
  sourceRows?: SourceRowCounter;
  /** Tables reconciled at once (each is one or two BigQuery queries). Default 8. */
  concurrency?: number;
}

export interface TableReconciliation extends TableComparison {
  source: string;
  schema: string;
  table: string;
  dataset: string;
  targetTable: string;
  taskIdentifier: string;
  taskStatus?: string;
  /** Only when a source row counter is configured and the counters have settled. */
  rows?: RowCountCheck;
  /** What the alarm counts: rows are missing, or the settled row counts differ. */
  drifting: boolean;
}

export const DEFAULT_SETTLE_MS = 15 * 60_000;

/**
 * Per mapped table: DMS's table statistics against the changelog's counts by `Op` since the table's
 * last full-load start, and optionally the `_current` row count against the source's.
 */
export async function reconcileTables(deps: ReconcileDeps): Promise<TableReconciliation[]> {
  const settleMs = deps.settleMs ?? DEFAULT_SETTLE_MS;
  const tasks = new Map<string, Promise<DmsTaskView>>();
  const taskOf = (source: string) => {
    let task = tasks.get(source);
    if (!task) {
      task = deps.statistics(source);
      tasks.set(source, task);
    }
    return task;
  };
  const reconcileOne = async (route: Route): Promise<TableReconciliation> => {
    const task = await taskOf(route.source);
    const statistics = statisticsFor(task, route.schema, route.table);
    const changelog = await changelogCounts(
      deps.bigquery,
      deps.projectId,
      route,
      statistics?.fullLoadStartTime,
    );
    const comparison = compareCounts(statistics, changelog, { now: deps.now, settleMs });
    const settled = comparison.verdict === 'match' || comparison.verdict === 'missing';
    let rows: RowCountCheck | undefined;
    if (deps.sourceRows && settled) {
      const sourceRows = await deps.sourceRows(route);
      const currentRows =
        sourceRows === undefined ? undefined : await currentRowCount(deps.bigquery, deps.projectId, route);
      if (sourceRows !== undefined) rows = checkRowCounts(sourceRows, currentRows ?? 0);
    }
    return {
      source: route.source,
      schema: route.schema,
      table: route.table,
      dataset: route.dataset,
      targetTable: route.targetTable,
      taskIdentifier: task.identifier,
      ...(task.status ? { taskStatus: task.status } : {}),
      ...comparison,
      ...(rows ? { rows } : {}),
      drifting: comparison.verdict === 'missing' || (rows !== undefined && rows.difference !== 0),
    };
  };
  return mapLimited(deps.routes, deps.concurrency ?? 8, reconcileOne);
}

/** `map` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
