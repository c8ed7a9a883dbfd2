import type { Command } from 'commander';
import { GoogleAuth, PassThroughClient } from 'google-auth-library';
import { loadStageConfig, type StageConfig, StageConfigError } from '../../../infra/config.js';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { operatorBigQuery } from '../../bigquery.js';
import { UserError } from '../../errors.js';
import { describeFailure } from '../../failure.js';
import { output } from '../../io.js';
import { GOOGLE_ENDPOINTS, GoogleRest, type Sleep, sameEndpoint } from '../../setup/gcp/google-rest.js';
import { openSetup, runSetup } from '../../setup/gcp/run.js';
import { gcpTarget } from '../../setup/gcp/target.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';

interface SetupGcpOptions {
  stage: string;
  dryRun?: boolean;
  apply?: boolean;
  mappings: string;
  config: string;
  googleEndpoint?: string;
  bigqueryEndpoint?: string;
}

export interface SetupGcpDeps {
  /** Waits between polls of a long-running operation. */
  sleep?: Sleep;
}

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

/** `dms2bq setup gcp --stage S [--dry-run|--apply]`: the Google project's APIs, identities and grants. */
export function setupGcpCommand(deps: SetupGcpDeps = {}): (setup: Command) => void {
  return (setup) => {
    setup
      .command('gcp')
      .description(
        "Create or update the stage's Google side: APIs, service accounts, workload identity pools and providers, bindings, grants. Prints the plan; --apply makes it.",
      )
      .requiredOption('--stage <name>', 'the stage of config/<name>.json')
      .option('--dry-run', 'print the plan only (the default)')
      .option('--apply', 'make the planned changes, in order')
      .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
      .option('--config <dir>', 'directory of stage configs (<stage>.json)', 'config')
      .option('--google-endpoint <url>', 'a fake Google control plane instead of Google (no credentials)')
      .option('--bigquery-endpoint <url>', 'a BigQuery emulator instead of Google (no credentials)')
      .action(async (options: SetupGcpOptions) => {
        if (options.dryRun && options.apply) {
          throw new UserError('--dry-run and --apply exclude each other: pick one', 2);
        }
        const configFile = `${options.config}/${options.stage}.json`;
        const config = stageConfig(options.stage, options.config);
        const mappings = (await loadMappingDir(options.mappings)).map((file) => file.mapping);
        const target = gcpTarget(options.stage, config, mappings, configFile);
        const rest = new GoogleRest(
          options.googleEndpoint ? new PassThroughClient() : await googleClient(),
          options.googleEndpoint ? sameEndpoint(options.googleEndpoint) : GOOGLE_ENDPOINTS,
          deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        );
        const bigquery = operatorBigQuery(
          config.gcp.projectId,
          config.gcp.location,
          options.bigqueryEndpoint,
        );
        const context = await openSetup(rest, bigquery, target, configFile);
        await runSetup(context, Boolean(options.apply), (text) => output().out(text));
      });
  };
}

export const registerSetupGcpCommand = setupGcpCommand();

/** Application Default Credentials: their absence is a usage problem (exit 2), named with its fix. */
async function googleClient() {
  try {
    return await new GoogleAuth({ scopes: [CLOUD_PLATFORM] }).getClient();
  } catch (error) {
    throw new UserError(describeFailure(error).line, 2);
  }
}

function stageConfig(stage: string, dir: string): StageConfig {
  try {
    return loadStageConfig(stage, dir);
  } catch (error) {
    if (error instanceof StageConfigError) throw new UserError(error.message);
    throw error;
  }
}
