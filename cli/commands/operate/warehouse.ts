import type { Command } from 'commander';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { formatProblem } from '../../../lambdas/shared/mappings/problem.js';
import { MappingValidationError } from '../../../lambdas/shared/mappings/validate.js';
import {
  applyWarehouse,
  WarehouseAccessError,
  WarehouseMappingError,
  type WarehousePhase,
} from '../../../lambdas/shared/warehouse/apply.js';
import { WarehouseConflictError } from '../../../lambdas/shared/warehouse/current-view.js';
import { operatorBigQuery, stageGcp } from '../../bigquery.js';
import { UserError } from '../../errors.js';
import { output } from '../../io.js';
import { loaderDatasetAccess } from '../../operate/pipeline-access.js';
import { emulatorWriterOptions } from '../../operate/rebuild-target.js';
import { assertReachable } from '../../reachable.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';
import { registerRebuildCurrentCommand } from './rebuild-current.js';
import { printApplyResult } from './warehouse-apply-output.js';
import { backfillCurrentTables } from './warehouse-backfill.js';

interface ApplyOptions {
  mappings: string;
  stage?: string;
  endpoint?: string;
  project?: string;
  location?: string;
  backfill?: boolean;
  storageWriteEndpoint?: string;
  phase: string;
}

const PHASES: readonly WarehousePhase[] = ['pre', 'post', 'all'];

export function registerWarehouseCommand(program: Command): void {
  const warehouse = program.command('warehouse').description('BigQuery objects derived from the mappings.');
  warehouse
    .command('apply')
    .description(
      'Create the datasets, the changelog tables of mappings that declare columns, and every <table>_current (a view, or a CDC table for "current": "table"), idempotently.',
    )
    .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
    .option('--stage <name>', 'read the GCP project and location from config/<name>.json')
    .option('--endpoint <url>', 'a BigQuery emulator, e.g. http://127.0.0.1:9050 (no credentials)')
    .option('--project <id>', 'GCP project (overrides the stage config)')
    .option('--location <location>', 'BigQuery location (overrides the stage config)')
    .option(
      '--phase <phase>',
      'pre: datasets, changelog tables and the loader’s dataset access (before cdk deploy); post: views and CDC tables (after it); all: both',
      'all',
    )
    .option(
      '--backfill',
      'fill each CDC table created over a changelog that already had rows (warehouse rebuild-current; runs a query job)',
    )
    .option(
      '--storage-write-endpoint <host:port>',
      'with --endpoint and --backfill: the emulator’s Storage Write API',
    )
    .action(async (options: ApplyOptions) => {
      const phase = PHASES.find((known) => known === options.phase);
      if (!phase)
        throw new UserError(`warehouse apply: --phase ${options.phase}: must be pre, post or all`, 2);
      if (options.backfill && phase === 'pre') {
        throw new UserError(
          'warehouse apply: --backfill fills CDC tables, which --phase pre does not apply; use it with post or all',
          2,
        );
      }
      const stage = options.stage ? stageGcp(options.stage) : undefined;
      // The loader's identity gets its dataset access from the stage config; an emulator has no principals.
      const access = options.stage && phase !== 'post' ? loaderDatasetAccess(options.stage) : [];
      const projectId =
        options.project ?? stage?.projectId ?? (options.endpoint ? 'local-project' : undefined);
      const location = options.location ?? stage?.location ?? 'US';
      if (!projectId) throw new UserError('warehouse apply: pass --stage <name> or --project <id>.', 2);
      if (options.backfill && options.endpoint && !options.storageWriteEndpoint) {
        throw new UserError(
          "warehouse apply: --backfill with --endpoint needs --storage-write-endpoint <host:port>, the emulator's Storage Write API",
          2,
        );
      }
      // The client retries a refused connection for about 20 s; an emulator that is not there stays away.
      if (options.endpoint) await assertReachable(options.endpoint, '--endpoint');
      const bigquery = operatorBigQuery(projectId, location, options.endpoint);
      // Without credentials @google-cloud/common still sends the request, unauthenticated ("the API
      // might not actually care"): ask for them first so their absence is what the operator reads.
      if (!options.endpoint) await bigquery.authClient.getClient();
      const mappings = await loadMappingDir(options.mappings).catch((error: unknown) => {
        if (!(error instanceof MappingValidationError)) throw error;
        for (const problem of error.problems) output().err(`${formatProblem(problem)}\n`);
        throw new UserError(
          'warehouse apply: the mappings are invalid; fix the problems above (dms2bq validate).',
        );
      });
      let result: Awaited<ReturnType<typeof applyWarehouse>>;
      try {
        result = await applyWarehouse(
          bigquery,
          mappings.map((file) => file.mapping),
          location,
          { phase, access },
        );
      } catch (error) {
        if (
          error instanceof WarehouseMappingError ||
          error instanceof WarehouseConflictError ||
          error instanceof WarehouseAccessError
        ) {
          throw new UserError(`warehouse apply: ${error.message}`);
        }
        throw error;
      }
      printApplyResult(result, { backfilling: options.backfill === true });
      if (options.backfill) {
        await backfillCurrentTables(
          result,
          mappings.map((file) => file.mapping),
          {
            bigquery,
            location,
            writerOptions: options.storageWriteEndpoint
              ? await emulatorWriterOptions(projectId, options.storageWriteEndpoint)
              : { projectId },
          },
        );
      }
    });
  registerRebuildCurrentCommand(warehouse);
}
