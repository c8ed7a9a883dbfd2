import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { App } from 'aws-cdk-lib';
import type { SourceMapping } from '../lambdas/shared/mappings/model.js';
import { pipelineStackName } from '../lambdas/shared/naming.js';
import { loadStageConfig, type StageConfig } from './config.js';
import { ACCOUNT_STACK_NAME, AccountStack } from './stacks/account-stack.js';
import { PipelineStack } from './stacks/pipeline-stack.js';

export interface DeploymentProps {
  stage: string;
  config: StageConfig;
  mappings: SourceMapping[];
}

/** Feature flags every App of this project sets, so the CLI's synth and the tests build the same template. */
export const APP_CONTEXT = {
  // Access logs are granted by bucket policy, not the legacy log-delivery ACL (ACLs stay disabled).
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
} as const;

const handlerEntry = (name: string, file = 'handler'): string =>
  fileURLToPath(new URL(`../lambdas/${name}/${file}.ts`, import.meta.url));

/**
 * Adds one stage's stack to the app. Stack names carry the stage and the only physical names (the
 * DMS instance, its log group, the tasks) carry it too, so stages never collide.
 */
export function addDeployment(app: App, props: DeploymentProps): PipelineStack {
  return new PipelineStack(app, pipelineStackName(props.stage), {
    stage: props.stage,
    config: props.config,
    mappings: props.mappings,
    env: { account: props.config.account, region: props.config.region },
    entries: {
      loader: handlerEntry('loader'),
      replay: handlerEntry('replay'),
      dmsTaskOnEvent: handlerEntry('dms-task', 'on-event'),
      dmsTaskIsComplete: handlerEntry('dms-task', 'is-complete'),
      reconcile: handlerEntry('reconcile'),
    },
    description: `dms-to-bigquery (${props.stage}): DMS → S3 → SQS → Lambda → BigQuery`,
    tags: { project: 'dms-to-bigquery', stage: props.stage },
  });
}

/**
 * The account stack (ADR 0031): the DMS service roles (or none, when `dmsServiceRoles` adopts
 * existing ones) and the GitHub deploy and diff roles, deployed by hand with
 * `cdk deploy Dms2Bq-account` before any stage; CD deploys only `Dms2Bq-<stage>`. `stages` are
 * the stages of config/ in the same account and region, whose GitHub environments may deploy.
 */
export function addAccountStack(
  app: App,
  config: Pick<StageConfig, 'account' | 'region' | 'accountStack'>,
  stages: string[],
): AccountStack {
  return new AccountStack(app, ACCOUNT_STACK_NAME, {
    accountStack: config.accountStack,
    stages,
    env: { account: config.account, region: config.region },
    description:
      'dms-to-bigquery: account-wide AWS DMS roles and the GitHub roles, shared by every stage (retained)',
    tags: { project: 'dms-to-bigquery' },
  });
}

/** The stages of `dir` that deploy to the account and region of `config`, sorted. */
export function stagesOfAccount(dir: string, config: Pick<StageConfig, 'account' | 'region'>): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.replace(/\.json$/, ''))
    .filter((stage) => {
      const other = loadStageConfig(stage, dir);
      return other.account === config.account && other.region === config.region;
    })
    .sort();
}
