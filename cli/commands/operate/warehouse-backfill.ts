import type { BigQuery } from '@google-cloud/bigquery';
import { createCdcStreamer } from '../../../lambdas/shared/bigquery/cdc-stream.js';
import type { SourceMapping } from '../../../lambdas/shared/mappings/model.js';
import { buildRoutingTable } from '../../../lambdas/shared/routing.js';
import type { ApplyResult } from '../../../lambdas/shared/warehouse/apply.js';
import {
  RebuildCurrentError,
  rebuildCurrentTable,
} from '../../../lambdas/shared/warehouse/rebuild-current.js';
import { UnsupportedColumnError } from '../../../lambdas/shared/warehouse/rest-values.js';
import { UserError } from '../../errors.js';
import { output } from '../../io.js';

export interface BackfillTarget {
  bigquery: BigQuery;
  location: string;
  /** `managedwriter.WriterClient` options: Google with ADC, or an emulator's Storage Write API. */
  writerOptions: Record<string, unknown>;
}

/**
 * `warehouse apply --backfill`: fills every CDC table the apply found waiting for its backfill (a
 * `_current` switched from view to table, or created over a changelog that already had rows) with
 * `warehouse rebuild-current`'s rebuild. The rebuild recreates the table without the pending label,
 * so an interrupted backfill is picked up by the next apply. ADR 0026.
 */
export async function backfillCurrentTables(
  result: ApplyResult,
  mappings: readonly SourceMapping[],
  target: BackfillTarget,
): Promise<void> {
  if (result.needsBackfill.length === 0) return;
  const routes = Object.values(buildRoutingTable(mappings));
  const streamer = createCdcStreamer(target.writerOptions);
  try {
    for (const { changelog } of result.needsBackfill) {
      const route = routes.find((candidate) => `${candidate.dataset}.${candidate.targetTable}` === changelog);
      if (route === undefined) continue;
      try {
        const rebuilt = await rebuildCurrentTable({
          bigquery: target.bigquery,
          route,
          streamer,
          location: target.location,
          onRetry: (error, waitMs, attempt) =>
            output().err(
              `backfill of ${route.dataset}.${route.targetTable}: ${error.code}, streaming again in ${Math.ceil(waitMs / 1000)} s (attempt ${attempt + 1})\n`,
            ),
        });
        output().out(
          `backfilled ${rebuilt.table} from ${changelog}: ${rebuilt.upserts} rows, ${rebuilt.deletes} tombstones\n`,
        );
      } catch (error) {
        if (error instanceof RebuildCurrentError || error instanceof UnsupportedColumnError) {
          throw new UserError(`warehouse apply --backfill: ${error.message}`);
        }
        throw error;
      }
    }
  } finally {
    await streamer.close();
  }
}
