import { readFile } from 'node:fs/promises';
import type { DmsTaskView } from '../../lambdas/shared/dms/table-statistics.js';
import type { StatisticsSource } from '../../lambdas/shared/reconcile/reconcile.js';
import type { GroundTruth } from '../simulator/index.js';

/** The task identifier shown locally, where DMS does not exist. */
export const localTaskIdentifier = (source: string): string => `local-${source}`;

/**
 * Locally DMS does not exist: the simulator's ground truth stands in for DescribeTableStatistics.
 * It holds what DMS would have counted (full-load rows, inserts, updates, deletes) for the task
 * started at `run.start`, the full-load start of every table (or its latest reload's start and end,
 * when the truth has them), and a running task that has
 * replicated everything and counted nothing since (no LastUpdateTime: every comparison is settled).
 */
export function truthStatistics(truth: GroundTruth): StatisticsSource {
  return async (source) => {
    const tables = Object.values(truth.tables).filter((table) => table.source === source);
    const task: DmsTaskView = {
      identifier: localTaskIdentifier(source),
      ...(tables.length > 0 ? { arn: `local:${source}`, status: 'running' } : {}),
      tables: tables.map((table) => ({
        schema: table.schema,
        table: table.table,
        state: 'Table completed',
        fullLoadRows: table.counts.fullLoadRows,
        inserts: table.counts.I,
        updates: table.counts.U,
        deletes: table.counts.D,
        fullLoadStartTime: new Date(table.load?.startedAt ?? truth.run.start),
        // A completed load's end, which the reload clean-up waits for (ADR 0047), when the truth knows it.
        ...(table.load ? { fullLoadEndTime: new Date(table.load.endedAt) } : {}),
        reloaded: table.load?.reloaded ?? false,
      })),
    };
    return task;
  };
}

/** The source's row count locally: the ground truth's number of current rows. */
export const truthRowCount =
  (truth: GroundTruth) =>
  async (route: { source: string; schema: string; table: string }): Promise<number | undefined> =>
    truth.tables[`${route.source}/${route.schema}/${route.table}`]?.rowCount;

/** Reads `ground-truth.json` as `dms2bq simulate` writes it. */
export async function readGroundTruth(path: string): Promise<GroundTruth> {
  return JSON.parse(await readFile(path, 'utf8')) as GroundTruth;
}
