import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { startLocalPipeline } from '../../../local/pipeline/local-pipeline.js';
import { renderSummary } from '../../../local/pipeline/summary.js';
import { listTree, uploadTree } from '../../../local/pipeline/upload.js';
import { UserError, usageError } from '../../errors.js';
import { output } from '../../io.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';
import { checkLoadFolder } from './load-folder.js';
import { registerLocalQueryCommand } from './query.js';
import { registerLocalUpCommand } from './up.js';
import { DEFAULT_WAREHOUSE } from './warehouse-file.js';

interface LoadOptions {
  mappings: string;
  warehouse: string;
  deliveries: string;
  json?: boolean;
}

export function registerLocalCommand(program: Command): void {
  const local = program
    .command('local')
    .description('Run the pipeline on this machine, no AWS or Google account.');
  local
    .command('load <dir>')
    .description(
      'Load a folder of DMS output laid out as in S3 (<source>/<schema>/<table>/…) through the real loader.',
    )
    .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
    .option('--warehouse <file>', 'DuckDB file of the local BigQuery', DEFAULT_WAREHOUSE)
    .option('--deliveries <n>', 'announce every file this many times (at-least-once delivery)', '1')
    .option('--json', 'print { files, loaded, duplicates, failed, rowsByTable } as JSON')
    .action(async (dir: string, options: LoadOptions) => {
      const deliveries = Number(options.deliveries);
      if (!Number.isInteger(deliveries) || deliveries < 1 || deliveries > 10) {
        throw new UserError(`--deliveries ${options.deliveries}: give a whole number from 1 to 10`, 2);
      }
      const isDir = await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!isDir)
        throw usageError(`${dir}: not a directory; give the folder that holds <source>/<schema>/<table>/…`);
      const mappings = await loadMappingDir(options.mappings);
      const keys = await listTree(dir);
      checkLoadFolder(dir, keys);
      if (!keys.some((key) => key.endsWith('.parquet'))) {
        throw usageError(
          `${dir}: no .parquet file in it; give the folder that holds <source>/<schema>/<table>/….parquet (e.g. the --out of dms2bq simulate)`,
        );
      }
      await mkdir(dirname(options.warehouse), { recursive: true });
      const pipeline = await startLocalPipeline({
        mappings,
        warehousePath: options.warehouse,
        notifier: { deliveries, testEvent: false },
      });
      try {
        const { summary, viewsApplied } = await pipeline.loadAll(async () => {
          await uploadTree(pipeline.aws.s3, pipeline.aws.bucket, dir, keys);
          return keys.filter((key) => key.endsWith('.parquet')).length;
        });
        output().out(
          options.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary, [], viewsApplied),
        );
        if (summary.failed.length > 0)
          throw new UserError(
            `${summary.failed.length} file(s) failed to load (reasons above; they would wait in the DLQ); the other ${summary.loaded} loaded`,
          );
      } finally {
        await pipeline.stop();
      }
    });
  registerLocalQueryCommand(local);
  registerLocalUpCommand(local);
}
