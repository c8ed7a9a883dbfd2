/** The stack of stage `stage`: one per stage (ADR 0011); the CLI reads its outputs by this name. */
export const pipelineStackName = (stage: string): string => `Dms2Bq-${stage}`;

/**
 * The ReplicationConfigIdentifier of source `source` in stage `stage`: `dms2bq-<stage>-<source>`,
 * lower-cased, every character DMS identifiers do not allow (anything but letters, digits and
 * hyphens) made a hyphen, runs of hyphens collapsed: `prod`, `casino_a` → `dms2bq-prod-casino-a`.
 * The stack names the replication so and `dms2bq dms --stage` finds it by this name.
 */
export const replicationConfigIdentifier = (stage: string, source: string): string =>
  `dms2bq-${stage}-${source}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-');

/**
 * The ReplicationTaskIdentifier of source `source` in stage `stage`: the same `dms2bq-<stage>-<source>`
 * form as `replicationConfigIdentifier`. The deploy's custom resource creates the task under this
 * name; `dms2bq dms` and status/reconcile code find it with the DescribeReplicationTasks filter
 * `replication-task-id`.
 */
export const replicationTaskIdentifier = replicationConfigIdentifier;

/**
 * The provisioned replication instance of stage `stage`: `dms2bq-<stage>`. Its name is fixed because
 * DMS writes task logs to the log group `dms-tasks-<instance identifier>`, which the stack pre-creates.
 */
export const replicationInstanceIdentifier = (stage: string): string =>
  `dms2bq-${stage}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-');

/** The CloudWatch Logs group DMS writes a provisioned instance's task logs to (ADR 0014). */
export const dmsTaskLogGroupName = (stage: string): string =>
  `dms-tasks-${replicationInstanceIdentifier(stage)}`;

/**
 * The IAM roles whose names the Google side must know before the first deploy: the workload
 * identity pool maps an AWS caller to `attribute.aws_role` = `arn:aws:sts::<account>:assumed-role/<name>`,
 * so the binding names the role. A stage is at most 20 characters, so the longest name
 * (`dms2bq-<stage>-reconcile`, 37) stays below IAM's 64 (ADR 0031).
 */
export const loaderRoleName = (stage: string): string => `dms2bq-${stage}-loader`;
export const reconcileRoleName = (stage: string): string => `dms2bq-${stage}-reconcile`;

/** The roles GitHub Actions assumes through OIDC, created by the account stack (ADR 0032). */
export const GITHUB_DEPLOY_ROLE_NAME = 'dms2bq-github-deploy';
export const GITHUB_DIFF_ROLE_NAME = 'dms2bq-github-diff';
