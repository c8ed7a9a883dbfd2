import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { IAMClient } from '@aws-sdk/client-iam';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Command } from 'commander';
import { PassThroughClient } from 'google-auth-library';
import { loadStageConfig, type StageConfig, StageConfigError } from '../../../infra/config.js';
import { createBigQueryClient } from '../../../lambdas/shared/bigquery/client.js';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import type { SourceMapping } from '../../../lambdas/shared/mappings/model.js';
import { loaderRoleName } from '../../../lambdas/shared/naming.js';
import { operatorBigQuery } from '../../bigquery.js';
import { checkIdentity, checkSecret, checkStack, checkVpcPath } from '../../doctor/aws-checks.js';
import {
  assessBinlog,
  type DmsCheckOptions,
  findTask,
  type Sleep,
  testEndpoints,
} from '../../doctor/dms-checks.js';
import { checkDatasets, checkGoogleSetup, checkTablePermissions } from '../../doctor/google-checks.js';
import { checkDmsServiceRoles } from '../../doctor/iam-checks.js';
import { type CheckResult, fail, failedCall, pass, renderCheck, skip } from '../../doctor/report.js';
import { checkSourceDatabase } from '../../doctor/source-checks.js';
import { UserError, usageError } from '../../errors.js';
import { output } from '../../io.js';
import { GOOGLE_ENDPOINTS, GoogleRest, sameEndpoint } from '../../setup/gcp/google-rest.js';
import { type GcpTarget, gcpTarget } from '../../setup/gcp/target.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';

interface DoctorOptions {
  stage: string;
  source?: string;
  mappings: string;
  config: string;
  assessmentBucket?: string;
  assessmentRole?: string;
  bigqueryEndpoint?: string;
  googleEndpoint?: string;
  sourceUrl?: string;
}

export interface DoctorDeps {
  /** Waits between DMS polls (connection tests, assessment runs). */
  sleep?: Sleep;
}

/** `dms2bq doctor --stage S`: a pre-flight of everything a stage needs, one line per check. */
export const registerDoctorCommand = doctorCommand();

export function doctorCommand(deps: DoctorDeps = {}): (program: Command) => void {
  return (program) => {
    program
      .command('doctor')
      .description(
        'Check a stage before and after deploying: credentials, stack, DMS connections, secret, VPC path, Google.',
      )
      .requiredOption('--stage <name>', 'the stage of config/<name>.json')
      .option('--source <id>', 'only this source (default: every mapping file)')
      .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
      .option('--config <dir>', 'directory of stage configs (<stage>.json)', 'config')
      .option(
        '--assessment-bucket <name>',
        "run DMS's binlog premigration assessments, results in this S3 bucket",
      )
      .option(
        '--assessment-role <arn>',
        'IAM role DMS assumes to write the assessment results (trusts dms.amazonaws.com)',
      )
      .option('--bigquery-endpoint <url>', 'a BigQuery emulator instead of Google (no credentials)')
      .option(
        '--google-endpoint <url>',
        "a fake Google control plane (IAM, Service Usage, Resource Manager) for the setup gcp steps' checks",
      )
      .option(
        '--source-url <url>',
        "also check the source's binlog settings and grants as the DMS user (mysql://user:password@host:3306); needs --source",
      )
      .action(async (options: DoctorOptions) => {
        if (Boolean(options.assessmentBucket) !== Boolean(options.assessmentRole)) {
          throw new UserError('--assessment-bucket and --assessment-role go together', 2);
        }
        if (options.sourceUrl && !options.source) {
          throw new UserError('--source-url needs --source: one source database at a time', 2);
        }
        const config = stageConfig(options.stage, options.config);
        const mappings = (await loadMappingDir(options.mappings))
          .map((file) => file.mapping)
          .filter((mapping) => !options.source || mapping.source === options.source);
        if (mappings.length === 0)
          throw usageError(`--source ${options.source} has no mapping file in ${options.mappings}`);
        const results: CheckResult[] = [];
        const report = (...found: CheckResult[]) => {
          for (const result of found) output().out(renderCheck(result));
          results.push(...found);
        };
        await awsChecks(
          options,
          config,
          mappings,
          report,
          deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
        );
        if (options.sourceUrl) {
          for (const mapping of mappings) report(...(await checkSourceDatabase(options.sourceUrl, mapping)));
        }
        await googleChecks(options, config, mappings, report);
        const failed = results.filter((result) => result.status === 'fail').length;
        if (failed > 0)
          throw new UserError(`${failed} of ${results.length} checks failed; fix them from the top`);
        output().out(`all ${results.length} checks passed or were skipped\n`);
      });
  };
}

function stageConfig(stage: string, dir: string): StageConfig {
  try {
    return loadStageConfig(stage, dir);
  } catch (error) {
    if (error instanceof StageConfigError) throw usageError(error.message);
    throw error;
  }
}

async function awsChecks(
  options: DoctorOptions,
  config: StageConfig,
  mappings: SourceMapping[],
  report: (...results: CheckResult[]) => void,
  sleep: Sleep,
): Promise<void> {
  const identity = await checkIdentity(options.stage, config);
  report(identity);
  if (identity.status === 'fail') {
    report(skip('AWS checks', 'skipped: they need working credentials for the stage account'));
    return;
  }
  report((await checkStack(options.stage, config)).result);
  report(...(await checkDmsServiceRoles(new IAMClient({ region: config.region }), options.stage, config)));
  report(...(await checkVpcPath(config)));
  const dms: DmsCheckOptions = { dms: new DatabaseMigrationServiceClient({ region: config.region }), sleep };
  for (const mapping of mappings) {
    const source = config.sources[mapping.source];
    if (source) report(await checkSecret(config, mapping.source, source.secretArn));
    const { result, task } = await findTask(dms, options.stage, mapping.source);
    report(result);
    if (!task) continue;
    report(...(await testEndpoints(dms, task)));
    report(
      ...(options.assessmentBucket && options.assessmentRole
        ? await assessBinlog(dms, task, { bucket: options.assessmentBucket, roleArn: options.assessmentRole })
        : [
            skip(
              `binlog settings of ${mapping.source}`,
              "not assessed; add --assessment-bucket and --assessment-role to run DMS's premigration assessment",
            ),
          ]),
    );
  }
}

async function googleChecks(
  options: DoctorOptions,
  config: StageConfig,
  mappings: SourceMapping[],
  report: (...results: CheckResult[]) => void,
): Promise<void> {
  const { projectId, location } = config.gcp;
  const deploy = operatorBigQuery(projectId, location, options.bigqueryEndpoint);
  try {
    if (!options.bigqueryEndpoint) await deploy.authClient.getClient();
  } catch (error) {
    report(
      failedCall('Google credentials (deploy identity)', error, 'gcloud auth application-default login'),
    );
    return;
  }
  report(...(await googleSetupChecks(options, config, mappings, deploy)));
  report(...(await checkDatasets(deploy, mappings)));
  report(...(await checkTablePermissions(deploy, 'deploy identity', mappings, 'view')));
  const credentials = config.gcp.credentials;
  if (credentials.mode === 'workload-identity') {
    report(
      skip(
        'loader identity',
        `workload identity federation: only the loader role (${loaderRoleName(options.stage)}) can get its token; its first load shows a missing grant`,
      ),
    );
    return;
  }
  let key: Record<string, unknown>;
  try {
    const { SecretString } = await new SecretsManagerClient({ region: config.region }).send(
      new GetSecretValueCommand({ SecretId: credentials.keySecretArn }),
    );
    key = JSON.parse(SecretString ?? '') as Record<string, unknown>;
  } catch (error) {
    report(
      failedCall(
        'loader identity key',
        error,
        `store the service-account JSON key in ${credentials.keySecretArn}`,
      ),
    );
    return;
  }
  const missing = ['type', 'client_email', 'private_key'].filter((field) => typeof key[field] !== 'string');
  if (missing.length > 0 || key.type !== 'service_account') {
    report(
      fail(
        'loader identity key',
        `is not a service-account JSON key (no ${missing.join(', ') || 'type service_account'})`,
        `store the key gcloud iam service-accounts keys create writes in ${credentials.keySecretArn}`,
      ),
    );
    return;
  }
  report(pass('loader identity key', `a service-account key of ${String(key.client_email)}`));
  // An emulator has no principals: the loader's calls go unauthenticated there, as the deploy's do.
  const loader = createBigQueryClient({
    projectId,
    location,
    ...(options.bigqueryEndpoint
      ? { credentials: { kind: 'none' }, apiEndpoint: options.bigqueryEndpoint }
      : { credentials: { kind: 'service-account-key', key } }),
  });
  report(
    ...(await checkTablePermissions(
      loader,
      `loader ${String(key.client_email ?? '')}`.trim(),
      mappings,
      'changelog',
    )),
  );
}

/** The steps of `setup gcp`, read through Google's control plane as the deploy identity. */
async function googleSetupChecks(
  options: DoctorOptions,
  config: StageConfig,
  mappings: SourceMapping[],
  deploy: BigQuery,
): Promise<CheckResult[]> {
  const check = 'Google setup (setup gcp)';
  if (options.bigqueryEndpoint && !options.googleEndpoint) {
    return [
      skip(
        check,
        'not checked: a BigQuery emulator has no IAM or Service Usage; add --google-endpoint for a fake one',
      ),
    ];
  }
  const configFile = `${options.config}/${options.stage}.json`;
  let target: GcpTarget;
  try {
    target = gcpTarget(options.stage, config, mappings, configFile);
  } catch (error) {
    return [fail(check, (error as Error).message, 'fix the config field named there')];
  }
  const rest = new GoogleRest(
    options.googleEndpoint ? new PassThroughClient() : await deploy.authClient.getClient(),
    options.googleEndpoint ? sameEndpoint(options.googleEndpoint) : GOOGLE_ENDPOINTS,
    // Doctor only reads: nothing it calls returns an operation to wait for.
    async () => {},
  );
  return checkGoogleSetup(rest, deploy, target, configFile);
}
