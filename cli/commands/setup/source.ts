import type { Command } from 'commander';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { UserError } from '../../errors.js';
import { output } from '../../io.js';
import { setupSource } from '../../setup/source/run.js';
import { FileStore, type SecretStore, SecretsManagerStore } from '../../setup/source/secret.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';

interface SetupSourceCliOptions {
  source: string;
  adminUrl: string;
  mappings: string;
  config: string;
  stage?: string;
  passwordFile?: string;
  dmsUser: string;
  dmsHost: string;
  apply?: boolean;
}

/** Registers `source` on the `setup` group: `dms2bq setup source --source S --admin-url mysql://…`. */
export function registerSetupSourceCommand(setup: Command): void {
  setup
    .command('source')
    .description(
      "Prepare a source database for DMS: check the binlog settings, create the DMS user with DMS's grants, the heartbeat table and event, and the secret. Shows the plan; --apply runs it.",
    )
    .requiredOption('--source <id>', 'the source of mappings/<id>.json')
    .requiredOption(
      '--admin-url <url>',
      'an admin of the source database: mysql://admin:password@writer:3306 (may create users, grant, create events)',
    )
    .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
    .option('--stage <name>', "write the DMS user's credentials to the stage's Secrets Manager secret")
    .option('--password-file <path>', 'write them to this file instead, for a local try')
    .option(
      '--config <dir>',
      'directory of stage configs (<stage>.json), for the secret and region',
      'config',
    )
    .option('--dms-user <name>', 'the DMS user', 'dms2bq')
    .option('--dms-host <host>', "the DMS user's host part", '%')
    .option('--apply', 'make the changes (without it: print them and change nothing)')
    .action(async (options: SetupSourceCliOptions) => {
      if (Boolean(options.stage) === Boolean(options.passwordFile)) {
        throw new UserError(
          'pass --stage <name> (the Secrets Manager secret the stack reads) or --password-file <path> (a local try), one of them',
          2,
        );
      }
      const mapping = (await loadMappingDir(options.mappings))
        .map((file) => file.mapping)
        .find((candidate) => candidate.source === options.source);
      if (!mapping) {
        throw new UserError(`--source ${options.source} has no mapping file in ${options.mappings}`, 2);
      }
      const store: SecretStore = options.stage
        ? new SecretsManagerStore(options.stage, options.source, options.config)
        : new FileStore(options.passwordFile as string);
      await setupSource({
        mapping,
        adminUrl: options.adminUrl,
        store,
        apply: Boolean(options.apply),
        dmsUser: options.dmsUser,
        dmsHost: options.dmsHost,
        out: (text) => output().out(text),
      });
    });
}
