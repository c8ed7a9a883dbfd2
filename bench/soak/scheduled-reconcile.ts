import { type CdcStreamer, createCdcStreamer } from '../../lambdas/shared/bigquery/cdc-stream.js';
import { reconcileTables, type TableReconciliation } from '../../lambdas/shared/reconcile/reconcile.js';
import type { LocalPipeline } from '../../local/pipeline/local-pipeline.js';
import { truthStatistics } from '../../local/pipeline/truth-statistics.js';
import type { GroundTruth } from '../../local/simulator/index.js';

/**
 * The scheduled reconciliation function's run (lambdas/reconcile/create-handler.ts: every 15 minutes
 * when deployed) against the local pipeline: the same `reconcileTables` call with the same streamer
 * for CDC tables, so a completed reload takes the keys it lacked out of the changelog and `_current`
 * (ADR 0047). DMS does not exist locally: the simulator's truth stands in for DescribeTableStatistics,
 * reporting each table's latest load as `Table completed` with its start, end and row count.
 */
export class ScheduledReconcile {
  private streamer: CdcStreamer | undefined;

  constructor(private readonly pipeline: LocalPipeline) {}

  async run(truth: GroundTruth): Promise<TableReconciliation[]> {
    const { pipeline } = this;
    const clientOptions = pipeline.emulator.storageWrite?.clientOptions;
    if (clientOptions === undefined) throw new Error('the soak needs the emulator’s Storage Write API');
    this.streamer ??= createCdcStreamer(clientOptions);
    return reconcileTables({
      routes: Object.values(pipeline.routing),
      statistics: truthStatistics(truth),
      bigquery: pipeline.bigquery,
      projectId: pipeline.emulator.projectId,
      now: new Date(pipeline.emulator.clock.now()),
      reloads: { streamer: this.streamer },
    });
  }

  async close(): Promise<void> {
    await this.streamer?.close();
    this.streamer = undefined;
  }
}
