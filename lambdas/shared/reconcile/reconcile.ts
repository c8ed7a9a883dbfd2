import type { BigQuery } from '@google-cloud/bigquery';
import type { CdcStreamer } from '../bigquery/cdc-stream.js';
import { type DmsTaskView, statisticsFor } from '../dms/table-statistics.js';
import type { Route } from '../routing.js';
import { currentRowCount, dmsTimestampText, runningChangelogCounts } from './changelog.js';
import { checkRowCounts, compareCounts, type RowCountCheck, type TableComparison } from './compare.js';
import { type ReloadOutcome, settleReload } from './reload-cleanup.js';
import { type ReloadRecord, readReloadRecords, writeReloadRecords } from './reload-record.js';
import { type ClosedTotals, readRunningTotals, writeRunningTotals } from './running-totals.js';

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
  /**
   * Count only `_current` rows changed since the table's last full-load start, as the changelog
   * counts are. Locally, where a simulated run's ground truth stands in for the source and an
   * earlier run's keys may still be in the warehouse; never for a real source (they are its rows).
   */
  currentSinceFullLoad?: boolean;
  /** Tables reconciled at once (each is one or two BigQuery queries). Default 8. */
  concurrency?: number;
  /**
   * When given, a completed full load or reload takes the keys it lacked out of `_current` (ADR
   * 0047); the scheduled function does, with a streamer for the CDC tables.
   */
  reloads?: { streamer?: CdcStreamer };
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
  /** The latest full load's clean-up of keys it lacked (only when `reloads` is given). */
  reload?: ReloadOutcome;
}

export const DEFAULT_SETTLE_MS = 15 * 60_000;

/**
 * Per mapped table: DMS's table statistics against the changelog's counts by `Op` since the table's
 * last full-load start, and optionally the `_current` row count against the source's. The counts
 * come from each dataset's running totals plus the partitions not yet closed (ADR 0035); totals
 * that moved are written back once per dataset at the end of the run.
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
  const stored = new Map<string, Promise<Map<string, ClosedTotals>>>();
  const storedOf = (dataset: string) => {
    let totals = stored.get(dataset);
    if (!totals) {
      totals = readRunningTotals(deps.bigquery, dataset);
      stored.set(dataset, totals);
    }
    return totals;
  };
  const advanced = new Map<string, ClosedTotals[]>();
  const records = new Map<string, Promise<ReloadRecord[]>>();
  const recordsOf = (dataset: string) => {
    let list = records.get(dataset);
    if (!list) {
      list = readReloadRecords(deps.bigquery, dataset);
      records.set(dataset, list);
    }
    return list;
  };
  const recorded = new Map<string, ReloadRecord[]>();
  const reconcileOne = async (route: Route): Promise<TableReconciliation> => {
    const task = await taskOf(route.source);
    const statistics = statisticsFor(task, route.schema, route.table);
    const since = statistics?.fullLoadStartTime;
    const reload = deps.reloads
      ? await settleReload(
          { bigquery: deps.bigquery, projectId: deps.projectId, ...deps.reloads },
          route,
          statistics,
          await recordsOf(route.dataset),
        )
      : undefined;
    if (reload?.state === 'done' && reload.fresh) {
      recorded.set(route.dataset, [...(recorded.get(route.dataset) ?? []), reload.record]);
    }
    const { counts: changelog, advanced: moved } = await runningChangelogCounts(
      deps.bigquery,
      deps.projectId,
      route,
      {
        ...(since ? { since } : {}),
        ...(await storedOf(route.dataset).then((totals) => {
          const row = totals.get(route.targetTable);
          return row ? { stored: row } : {};
        })),
        now: deps.now,
      },
    );
    if (moved) advanced.set(route.dataset, [...(advanced.get(route.dataset) ?? []), moved]);
    // The deletes appended for keys a load lacked are ours, not DMS's: DMS's Deletes never counts them.
    if (reload?.state === 'done' && since && reload.record.boundary >= dmsTimestampText(since)) {
      changelog.D = Math.max(0, changelog.D - reload.record.deleted);
    }
    const comparison = compareCounts(statistics, changelog, { now: deps.now, settleMs });
    const settled = comparison.verdict === 'match' || comparison.verdict === 'missing';
    let rows: RowCountCheck | undefined;
    if (deps.sourceRows && settled) {
      const sourceRows = await deps.sourceRows(route);
      const currentRows =
        sourceRows === undefined
          ? undefined
          : await currentRowCount(
              deps.bigquery,
              deps.projectId,
              route,
              deps.currentSinceFullLoad ? since : undefined,
            );
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
      ...(reload ? { reload } : {}),
    };
  };
  const results = await mapLimited(deps.routes, deps.concurrency ?? 8, reconcileOne);
  for (const [dataset, moved] of advanced) {
    const rows = new Map(await storedOf(dataset));
    for (const row of moved) rows.set(row.targetTable, row);
    await writeRunningTotals(deps.bigquery, dataset, [...rows.values()]);
  }
  for (const [dataset, fresh] of recorded) {
    const byTable = new Map((await recordsOf(dataset)).map((record) => [record.targetTable, record]));
    for (const record of fresh) byTable.set(record.targetTable, record);
    await writeReloadRecords(deps.bigquery, dataset, [...byTable.values()]);
  }
  return results;
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
