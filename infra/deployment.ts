import { fileURLToPath } from 'node:url';
import type { App } from 'aws-cdk-lib';
import type { SourceMapping } from '../lambdas/shared/mappings/model.js';
import { pipelineStackName } from '../lambdas/shared/naming.js';
import type { StageConfig } from './config.js';
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
 * The account's DMS roles (`dms-vpc-role`, `dms-cloudwatch-logs-role`), deployed once per account
 * with `cdk deploy Dms2Bq-account` before any stage (ADR 0014).
 */
export function addAccountStack(app: App, config: Pick<StageConfig, 'account' | 'region'>): AccountStack {
  return new AccountStack(app, ACCOUNT_STACK_NAME, {
    env: { account: config.account, region: config.region },
    description: 'dms-to-bigquery: account-wide AWS DMS roles, shared by every stage (retained)',
    tags: { project: 'dms-to-bigquery' },
  });
}
