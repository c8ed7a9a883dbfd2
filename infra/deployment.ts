import { fileURLToPath } from 'node:url';
import type { App } from 'aws-cdk-lib';
import type { SourceMapping } from '../lambdas/shared/mappings/model.js';
import { pipelineStackName } from '../lambdas/shared/naming.js';
import type { StageConfig } from './config.js';
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

const handlerEntry = (name: string): string =>
  fileURLToPath(new URL(`../lambdas/${name}/handler.ts`, import.meta.url));

/**
 * Adds one stage's stacks to the app. Stack names carry the stage and no resource has a physical
 * name (except the account's `dms-vpc-role`, when the stage creates it), so stages never collide.
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
      reconcile: handlerEntry('reconcile'),
    },
    description: `dms-to-bigquery (${props.stage}): DMS → S3 → SQS → Lambda → BigQuery`,
    tags: { project: 'dms-to-bigquery', stage: props.stage },
  });
}
