import { BigQuery } from '@google-cloud/bigquery';
import type { Command } from 'commander';
import { loadStageConfig, StageConfigError } from '../../../infra/config.js';
import { createBigQueryClient } from '../../../lambdas/shared/bigquery/client.js';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { applyWarehouse } from '../../../lambdas/shared/warehouse/apply.js';
import { UserError } from '../../errors.js';
import { output } from '../../io.js';
import { assertReachable } from '../../reachable.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';

interface ApplyOptions {
  mappings: string;
  stage?: string;
  endpoint?: string;
  project?: string;
  location?: string;
}

export function registerWarehouseCommand(program: Command): void {
  const warehouse = program.command('warehouse').description('BigQuery objects derived from the mappings.');
  warehouse
    .command('apply')
    .description('Create the datasets and <table>_current views of every mapping, idempotently.')
    .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
    .option('--stage <name>', 'read the GCP project and location from config/<name>.json')
    .option('--endpoint <url>', 'a BigQuery emulator, e.g. http://127.0.0.1:9050 (no credentials)')
    .option('--project <id>', 'GCP project (overrides the stage config)')
    .option('--location <location>', 'BigQuery location (overrides the stage config)')
    .action(async (options: ApplyOptions) => {
      const stage = options.stage ? stageGcp(options.stage) : undefined;
      const projectId =
        options.project ?? stage?.projectId ?? (options.endpoint ? 'local-project' : undefined);
      const location = options.location ?? stage?.location ?? 'US';
      if (!projectId) throw new UserError('warehouse apply: pass --stage <name> or --project <id>.', 2);
      // The client retries a refused connection for about 20 s; an emulator that is not there stays away.
      if (options.endpoint) await assertReachable(options.endpoint, '--endpoint');
      const bigquery = options.endpoint
        ? createBigQueryClient({
            projectId,
            location,
            credentials: { kind: 'none' },
            apiEndpoint: options.endpoint,
          })
        : // Application Default Credentials: in CD, Workload Identity Federation from GitHub's OIDC token.
          new BigQuery({ projectId, location });
      // Without credentials @google-cloud/common still sends the request, unauthenticated ("the API
      // might not actually care"): ask for them first so their absence is what the operator reads.
      if (!options.endpoint) await bigquery.authClient.getClient();
      const mappings = await loadMappingDir(options.mappings);
      const result = await applyWarehouse(
        bigquery,
        mappings.map((file) => file.mapping),
        location,
      );
      for (const name of result.datasetsCreated) output().out(`created dataset ${name}\n`);
      for (const name of result.viewsApplied) output().out(`applied view ${name}\n`);
      for (const name of result.waitingForFirstLoad) {
        output().out(
          `waiting for ${name}: its view is created by the first apply after the table's first load\n`,
        );
      }
    });
}

function stageGcp(stage: string): { projectId: string; location: string } {
  try {
    return loadStageConfig(stage).gcp;
  } catch (error) {
    if (error instanceof StageConfigError) throw new UserError(error.message);
    throw error;
  }
}
