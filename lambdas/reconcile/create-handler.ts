import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import type { BigQuery } from '@google-cloud/bigquery';
import type { CdcStreamer } from '../shared/bigquery/cdc-stream.js';
import { readReplicationTask } from '../shared/dms/table-statistics.js';
import { replicationConfigIdentifier } from '../shared/naming.js';
import { reconcileTables, type TableReconciliation } from '../shared/reconcile/reconcile.js';
import type { RoutingTable } from '../shared/routing.js';

export interface ReconcileDeps {
  stage: string;
  routing: RoutingTable;
  dms: DatabaseMigrationServiceClient;
  bigquery: BigQuery;
  projectId: string;
  metrics: Metrics;
  logger: Logger;
  settleMs: number;
  now?: () => Date;
  /** Deletes keys a completed reload lacked from `_current` CDC tables (ADR 0047); views need none. */
  streamer?: CdcStreamer;
}

export interface ReconcileResult {
  tables: number;
  drifting: { table: string; missingRows: number; verdict: string }[];
}

/** The metric the drift alarm watches: how many tables drift, published on every run (0 included). */
export const TABLES_DRIFTING_METRIC = 'TablesDrifting';

/**
 * One scheduled reconciliation: every mapped table's DMS statistics against its changelog. Per
 * table `MissingRows` and `SurplusRows` (dimensions source, table) for the dashboard and the
 * runbook, and one `TablesDrifting` data point for the alarm. A failure to read DMS or BigQuery
 * fails the invocation: the alarm treats a missing data point as breaching.
 */
export function createReconcileHandler(deps: ReconcileDeps): () => Promise<ReconcileResult> {
  return async () => {
    const tables = await reconcileTables({
      routes: Object.values(deps.routing),
      statistics: (source) => readReplicationTask(deps.dms, replicationConfigIdentifier(deps.stage, source)),
      bigquery: deps.bigquery,
      projectId: deps.projectId,
      now: deps.now?.() ?? new Date(),
      settleMs: deps.settleMs,
      reloads: deps.streamer ? { streamer: deps.streamer } : {},
    });
    for (const table of tables) {
      publishTable(deps.metrics, table);
      if (table.reload?.state === 'done' && table.reload.fresh) {
        deps.logger.info('completed full load: keys it lacked deleted from _current', {
          source: table.source,
          table: table.targetTable,
          boundary: table.reload.record.boundary,
          deleted: table.reload.record.deleted,
        });
      }
    }
    const drifting = tables.filter((table) => table.drifting);
    const total = deps.metrics.singleMetric();
    total.addMetric(TABLES_DRIFTING_METRIC, MetricUnit.Count, drifting.length);
    for (const table of drifting) {
      deps.logger.warn('table drifts from DMS’s statistics', {
        source: table.source,
        table: table.targetTable,
        expected: table.expected,
        changelog: table.actual,
        missing: table.missing,
        since: table.since?.toISOString(),
      });
    }
    return {
      tables: tables.length,
      drifting: drifting.map((table) => ({
        table: `${table.source}.${table.targetTable}`,
        missingRows: table.missingRows,
        verdict: table.verdict,
      })),
    };
  };
}

function publishTable(metrics: Metrics, table: TableReconciliation): void {
  for (const [name, value] of [
    ['MissingRows', table.verdict === 'missing' ? table.missingRows : 0],
    ['SurplusRows', table.surplusRows],
  ] as const) {
    const metric = metrics.singleMetric();
    metric.addDimensions({ source: table.source, table: table.targetTable });
    metric.addMetric(name, MetricUnit.Count, value);
  }
}
