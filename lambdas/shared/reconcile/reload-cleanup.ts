import type { BigQuery, TableField } from '@google-cloud/bigquery';
import type { CdcStreamer, ChangeRow } from '../bigquery/cdc-stream.js';
import type { DmsTableStatistics } from '../dms/table-statistics.js';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { Route } from '../routing.js';
import { currentMetadata, isCdcTable } from '../warehouse/current-view.js';
import { appendReloadDeletes, completedLoad, reloadBoundary, reloadDeleteChanges } from './reload.js';
import type { ReloadRecord } from './reload-record.js';

/**
 * - `none`: DMS reports no completed full load of the table (a load or reload runs, or failed);
 * - `waiting`: DMS finished the load but the changelog does not hold its rows yet (files in flight),
 *   or the query appending the deletes still runs;
 * - `skipped`: a table-mode route and no streamer to delete from its CDC table (the CLI's run);
 * - `done`: the keys the load lacked are deleted, in the changelog and the CDC table (`fresh` when
 *   this run did it).
 */
export type ReloadOutcome =
  | { state: 'none' | 'skipped' }
  | { state: 'waiting'; since: Date }
  | { state: 'done'; record: ReloadRecord; fresh: boolean };

export interface ReloadCleanupDeps {
  bigquery: BigQuery;
  projectId: string;
  /** Streams DELETEs into `<table>_current` CDC tables. */
  streamer?: CdcStreamer;
}

const BATCH = 10_000;

/**
 * After a table's full load or reload completes, takes out of `_current` the keys the load did not
 * contain (ADR 0047): they were deleted at the source while capture could not see it (a capture gap,
 * a TRUNCATE). Nothing happens while the load runs or while its rows are still reaching the
 * changelog, so no live key disappears.
 */
export async function settleReload(
  deps: ReloadCleanupDeps,
  route: Route,
  statistics: DmsTableStatistics | undefined,
  records: readonly ReloadRecord[],
): Promise<ReloadOutcome> {
  const load = completedLoad(statistics);
  if (!load) return { state: 'none' };
  const fullLoadStart = load.startedAt.toISOString();
  const known = records.find(
    (record) => record.targetTable === route.targetTable && record.fullLoadStart === fullLoadStart,
  );
  if (known) return { state: 'done', record: known, fresh: false };
  // An empty source table writes no LOAD file, so its changelog may not exist yet: nothing to delete.
  const [exists] = await deps.bigquery.dataset(route.dataset).table(route.targetTable).exists();
  if (!exists) return { state: 'none' };
  const cdc = route.current === 'table' ? await currentMetadata(deps.bigquery, route) : undefined;
  if (route.current === 'table' && isCdcTable(cdc) && !deps.streamer) return { state: 'skipped' };
  const boundary = await reloadBoundary(deps.bigquery, deps.projectId, route, load);
  if (boundary === undefined) return { state: 'waiting', since: load.startedAt };
  if (!(await appendReloadDeletes(deps.bigquery, deps.projectId, route, load, boundary))) {
    return { state: 'waiting', since: load.startedAt };
  }
  const changes = await reloadDeleteChanges(deps.bigquery, deps.projectId, route, boundary);
  if (deps.streamer && isCdcTable(cdc) && changes.length > 0) {
    await deps.streamer.append(
      {
        projectId: deps.projectId,
        dataset: route.dataset,
        table: currentViewName(route.targetTable),
        fields: (cdc?.schema?.fields ?? []) as TableField[],
      },
      batches(changes),
    );
  }
  return {
    state: 'done',
    record: { targetTable: route.targetTable, fullLoadStart, boundary, deleted: changes.length },
    fresh: true,
  };
}

function* batches(changes: readonly ChangeRow[]): Generator<ChangeRow[]> {
  for (let start = 0; start < changes.length; start += BATCH) yield changes.slice(start, start + BATCH);
}
