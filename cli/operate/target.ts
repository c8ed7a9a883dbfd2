import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Command } from 'commander';
import { loadStageConfig, StageConfigError } from '../../infra/config.js';
import { readReplicationTask } from '../../lambdas/shared/dms/table-statistics.js';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import { pipelineStackName, replicationConfigIdentifier } from '../../lambdas/shared/naming.js';
import type { SourceRowCounter, StatisticsSource } from '../../lambdas/shared/reconcile/reconcile.js';
import { buildRoutingTable, type Route } from '../../lambdas/shared/routing.js';
import { LOCAL_CREDENTIALS, localNames } from '../../local/aws/names.js';
import { LOCAL_LOCATION, LOCAL_PROJECT_ID } from '../../local/pipeline/local-pipeline.js';
import { readGroundTruth, truthRowCount, truthStatistics } from '../../local/pipeline/truth-statistics.js';
import { operatorBigQuery } from '../bigquery.js';
import { UserError, usageError } from '../errors.js';
import { failedStep } from '../failure.js';
import { findLocalEnvironment, localStateFile } from '../local-environment.js';
import { stageStackOutput } from '../stack-outputs.js';

/** Options shared by `status` and `reconcile`: a deployed stage, or the local environment. */
export interface TargetOptions {
  stage?: string;
  region?: string;
  local?: boolean;
  source?: string;
  mappings: string;
  endpoint?: string;
  bigqueryEndpoint?: string;
  bucket: string;
  deadLetterQueue: string;
  truth: string;
}

export const DEFAULT_TRUTH = '.local/truth/ground-truth.json';

/** Where the landed files, the DLQ and the alarms of the target are. */
export interface AwsSide {
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  deadLetterQueueUrl: string;
  /** Undefined locally: there is no CloudWatch. */
  cloudwatch?: CloudWatchClient;
  /** CloudFormation names every alarm of the stack `<stack name>-…`. */
  alarmPrefix?: string;
}

export interface Target {
  label: string;
  routes: Route[];
  bigquery: BigQuery;
  projectId: string;
  statistics: StatisticsSource;
  sourceRows?: SourceRowCounter;
  /** Locally: `_current` is counted since the simulated run's full load (`ReconcileDeps`). */
  currentSinceFullLoad?: boolean;
  /** Resolved on demand: `reconcile` needs no S3, SQS or CloudWatch. */
  aws(): Promise<AwsSide>;
}

export async function resolveTarget(options: TargetOptions): Promise<Target> {
  if (options.local && options.stage)
    throw new UserError('pass either --stage <name> or --local, not both', 2);
  if (!options.local && !options.stage) throw new UserError('pass --stage <name> or --local', 2);
  const routes = await selectRoutes(options.mappings, options.source);
  return options.local ? localTarget(options, routes) : stageTarget(options.stage as string, options, routes);
}

async function selectRoutes(dir: string, source: string | undefined): Promise<Route[]> {
  const files = await loadMappingDir(dir);
  const routes = Object.values(buildRoutingTable(files.map((file) => file.mapping)));
  if (source === undefined) return routes;
  const selected = routes.filter((route) => route.source === source);
  if (selected.length === 0) {
    const known = [...new Set(routes.map((route) => route.source))].join(', ');
    throw new UserError(`--source ${source}: no mapping file in ${dir} has that source; known: ${known}`, 2);
  }
  return selected;
}

function stageTarget(stage: string, options: TargetOptions, routes: Route[]): Target {
  let config: ReturnType<typeof loadStageConfig>;
  try {
    config = loadStageConfig(stage);
  } catch (error) {
    if (error instanceof StageConfigError) throw usageError(error.message);
    throw error;
  }
  const region = options.region ?? config.region;
  const dms = new DatabaseMigrationServiceClient({ region });
  const statistics: StatisticsSource = (source) =>
    readReplicationTask(dms, replicationConfigIdentifier(stage, source)).catch((error: Error) => {
      throw failedStep(`cannot read DMS task of ${source} in ${region}`, error);
    });
  return {
    label: `stage ${stage}`,
    routes,
    bigquery: operatorBigQuery(config.gcp.projectId, config.gcp.location),
    projectId: config.gcp.projectId,
    statistics,
    aws: async () => {
      const bucket = await stageStackOutput(stage, 'LandingBucketName', region);
      const dlq = await stageStackOutput(stage, 'DeadLetterQueueUrl', region);
      return {
        s3: new S3Client({ region }),
        sqs: new SQSClient({ region }),
        cloudwatch: new CloudWatchClient({ region }),
        bucket: bucket.value,
        deadLetterQueueUrl: dlq.value,
        alarmPrefix: `${pipelineStackName(stage)}-`,
      };
    },
  };
}

async function localTarget(options: TargetOptions, routes: Route[]): Promise<Target> {
  // Explicit endpoints win; otherwise those of the environment `dms2bq local up` is serving.
  const environment = options.bigqueryEndpoint && options.endpoint ? undefined : await findLocalEnvironment();
  const bigqueryEndpoint = options.bigqueryEndpoint ?? environment?.bigqueryEndpoint;
  if (!bigqueryEndpoint) {
    throw new UserError(
      `--local needs the BigQuery emulator of a running local environment: start dms2bq local up in another terminal (it writes ${localStateFile()}), or pass --bigquery-endpoint <url>`,
      2,
    );
  }
  const awsEndpoint = options.endpoint ?? environment?.awsEndpoint;
  const truth = await readGroundTruth(options.truth).catch((error: Error) => {
    throw usageError(
      `cannot read the ground truth ${options.truth} (${error.message}); it stands in for DMS locally: run dms2bq simulate --out s3 first, or pass --truth <file>`,
    );
  });
  const projectId = environment?.projectId ?? LOCAL_PROJECT_ID;
  return {
    label: 'local',
    routes,
    bigquery: operatorBigQuery(projectId, environment?.location ?? LOCAL_LOCATION, bigqueryEndpoint),
    projectId,
    statistics: truthStatistics(truth),
    sourceRows: truthRowCount(truth),
    currentSinceFullLoad: true,
    aws: async () => {
      if (!awsEndpoint) {
        throw new UserError(
          `--local needs the S3/SQS endpoint of a running local environment: start dms2bq local up in another terminal (it writes ${localStateFile()}), or pass --endpoint <url>`,
          2,
        );
      }
      const config = {
        endpoint: awsEndpoint,
        region: options.region ?? environment?.region ?? 'us-east-1',
        credentials: { ...(environment?.credentials ?? LOCAL_CREDENTIALS) },
      };
      const sqs = new SQSClient(config);
      const deadLetterQueueUrl =
        environment?.dlqUrl ??
        (await sqs
          .send(new GetQueueUrlCommand({ QueueName: options.deadLetterQueue }))
          .then(({ QueueUrl }) => QueueUrl ?? '')
          .catch((error: Error) => {
            throw usageError(
              `no queue ${options.deadLetterQueue} at ${awsEndpoint} (${error.message}); is the local environment up?`,
            );
          }));
      return {
        s3: new S3Client({ ...config, forcePathStyle: true }),
        sqs,
        bucket: environment?.bucket ?? options.bucket,
        deadLetterQueueUrl,
      };
    },
  };
}

/** The options of `TargetOptions`, on a command. */
export function withTargetOptions(command: Command, defaultMappings: string): Command {
  return command
    .option('--stage <name>', 'a deployed stage (config/<name>.json, stack Dms2Bq-<name>)')
    .option('--region <region>', 'AWS region (default: the stage config’s)')
    .option('--source <id>', 'only the tables of this source')
    .option('--mappings <dir>', 'mapping files: the tables to report on', defaultMappings)
    .option('--local', 'the local environment instead of a stage; DMS is stood in for by the ground truth')
    .option('--endpoint <url>', 'with --local: the S3/SQS endpoint (default: the running dms2bq local up)')
    .option(
      '--bigquery-endpoint <url>',
      'with --local: the BigQuery emulator (default: the running dms2bq local up)',
    )
    .option('--bucket <name>', 'with --local: the landing bucket', localNames.landingBucket)
    .option('--dead-letter-queue <name>', 'with --local: the DLQ', localNames.deadLetterQueue)
    .option('--truth <file>', 'with --local: the simulator’s ground-truth.json', DEFAULT_TRUTH);
}
