import type { Command } from 'commander';
import { createCdcStreamer } from '../../../lambdas/shared/bigquery/cdc-stream.js';
import {
  DEFAULT_TOMBSTONE_WINDOW_MS,
  RebuildCurrentError,
  rebuildCurrentTable,
} from '../../../lambdas/shared/warehouse/rebuild-current.js';
import { UnsupportedColumnError } from '../../../lambdas/shared/warehouse/rest-values.js';
import { UserError } from '../../errors.js';
import { output, processOutput } from '../../io.js';
import {
  type RebuildTargetOptions,
  rebuildConnection,
  resolveRebuildRoute,
} from '../../operate/rebuild-target.js';

interface RebuildCurrentOptions extends RebuildTargetOptions {
  tombstoneDays: string;
  json?: boolean;
}

const DAY_MS = 86_400_000;

/** `dms2bq warehouse rebuild-current`: a `_current` CDC table recreated from its changelog. */
export function registerRebuildCurrentCommand(warehouse: Command): void {
  warehouse
    .command('rebuild-current')
    .description(
      'Recreate a <table>_current CDC table and stream into it the latest row of every key from its changelog (docs/operations.md).',
    )
    .requiredOption(
      '--table <table>',
      '<dataset>.<table> (the changelog or its _current) or <source>.<schema>.<table> as in the mapping',
    )
    .option('--mappings <dir>', 'directory of mapping files (default: mappings, or local up’s with --local)')
    .option('--stage <name>', 'read the GCP project and location from config/<name>.json')
    .option('--project <id>', 'GCP project (overrides the stage config)')
    .option('--location <location>', 'BigQuery location (overrides the stage config)')
    .option('--endpoint <url>', 'a BigQuery emulator, e.g. http://127.0.0.1:9050 (no credentials)')
    .option('--storage-write-endpoint <host:port>', 'with --endpoint: the emulator’s Storage Write API')
    .option('--local', 'the emulator of the running dms2bq local up')
    .option(
      '--tombstone-days <n>',
      'also stream, as DELETEs, keys deleted at the source in the last n days (0: none)',
      String(DEFAULT_TOMBSTONE_WINDOW_MS / DAY_MS),
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: RebuildCurrentOptions) => {
      const tombstoneDays = Number(options.tombstoneDays);
      if (!Number.isFinite(tombstoneDays) || tombstoneDays < 0) {
        throw new UserError(
          `--tombstone-days must be a number of days ≥ 0, got "${options.tombstoneDays}"`,
          2,
        );
      }
      const connection = await rebuildConnection(options);
      const route = await resolveRebuildRoute(options.table, connection.mappingsDir);
      await connection.authorize();
      const streamer = createCdcStreamer(connection.writerOptions);
      const tty = output() === processOutput && process.stderr.isTTY === true;
      try {
        const result = await rebuildCurrentTable({
          bigquery: connection.bigquery,
          route,
          streamer,
          location: connection.location,
          tombstonesSince: tombstoneDays === 0 ? null : new Date(Date.now() - tombstoneDays * DAY_MS),
          onPage: (rows) => {
            if (tty) output().err(`\rrebuild-current: ${rows} rows streamed…\u001b[K`);
          },
          onRetry: (error, waitMs, attempt) =>
            output().err(
              `${tty ? '\n' : ''}rebuild-current: ${error.code}, streaming again from the first row in ${Math.ceil(waitMs / 1000)} s (attempt ${attempt + 1})\n`,
            ),
        });
        if (tty) output().err('\n');
        const line = `rebuilt ${result.table} from ${route.dataset}.${route.targetTable}: ${result.upserts} rows, ${result.deletes} tombstones, ${result.requests} AppendRows request(s), ${(result.durationMs / 1000).toFixed(1)} s`;
        output().out(options.json ? `${JSON.stringify(result)}\n` : `${line}\n`);
      } catch (error) {
        if (error instanceof RebuildCurrentError || error instanceof UnsupportedColumnError) {
          throw new UserError(`warehouse rebuild-current: ${error.message}`);
        }
        throw error;
      } finally {
        await streamer.close();
      }
    });
}
