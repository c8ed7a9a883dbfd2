import type { BigQuery } from '@google-cloud/bigquery';
import { DiffSetupError } from '../../lambdas/shared/diff/columns.js';
import { DiffTooLargeError } from '../../lambdas/shared/diff/compare.js';
import { differs, diffRoute, type RouteDiff, tableMappingOf } from '../../lambdas/shared/diff/run.js';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { type DiffJson, diffJson, renderDiff } from './diff-report.js';
import { connectDiffSource } from './diff-source.js';

/** One table's key-level comparison in `reconcile --source-url`, or why it could not run. */
export interface ReconcileDiff {
  route: Route;
  diff?: RouteDiff;
  error?: string;
}

/**
 * `dms2bq diff` for every table of the run, over one read-only source session (one snapshot for
 * all of them). A table that cannot be compared is reported, not skipped silently, and counts as a
 * difference.
 */
export async function diffRoutes(input: {
  routes: readonly Route[];
  bigquery: BigQuery;
  mappingsDir: string;
  sourceUrl: string;
}): Promise<ReconcileDiff[]> {
  const mappings = (await loadMappingDir(input.mappingsDir)).map((file) => file.mapping);
  const source = await connectDiffSource(input.sourceUrl);
  const results: ReconcileDiff[] = [];
  try {
    for (const route of input.routes) {
      const table = tableMappingOf(mappings, route);
      const columns = { excludeColumns: table?.excludeColumns ?? [], hashColumns: table?.hashColumns ?? [] };
      try {
        results.push({
          route,
          diff: await diffRoute({ route, ...columns, bigquery: input.bigquery, source }),
        });
      } catch (error) {
        if (!(error instanceof DiffSetupError || error instanceof DiffTooLargeError)) throw error;
        results.push({ route, error: error.message });
      }
    }
  } finally {
    await source.close();
  }
  return results;
}

export const diffFailed = (entry: ReconcileDiff): boolean =>
  entry.error !== undefined || (entry.diff !== undefined && differs(entry.diff.result));

export function renderDiffs(
  entries: readonly ReconcileDiff[],
  stage: string | undefined,
  limit: number,
): string {
  const lines = entries.map((entry) =>
    entry.diff
      ? renderDiff(entry.diff, stage, limit)
      : `${entry.route.source} ${entry.route.schema}.${entry.route.table}: not compared: ${entry.error}\n`,
  );
  return `\nKey-level comparison with the source (dms2bq diff):\n${lines.join('')}`;
}

export function diffsJson(
  entries: readonly ReconcileDiff[],
  stage: string | undefined,
  limit: number,
): (DiffJson | { source: string; table: string; error: string })[] {
  return entries.map((entry) =>
    entry.diff
      ? diffJson(entry.diff, stage, limit)
      : {
          source: entry.route.source,
          table: `${entry.route.schema}.${entry.route.table}`,
          error: entry.error ?? '',
        },
  );
}
