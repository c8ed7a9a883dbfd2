import { createHash } from 'node:crypto';
import { CustomResource, Stack, Validations } from 'aws-cdk-lib';
import { CfnEndpoint } from 'aws-cdk-lib/aws-dms';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct, type IDependable } from 'constructs';
import { buildReplicationSettings, buildS3Settings } from '../../lambdas/shared/dms/settings.js';
import { tableMappingsJson } from '../../lambdas/shared/dms/table-mappings.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { replicationTaskIdentifier } from '../../lambdas/shared/naming.js';
import type { SourceConfig, StageConfig } from '../config.js';
import { arnFinding } from '../nag.js';
import type { DmsInstance } from './dms-instance.js';

export interface DmsSourceProps {
  stage: string;
  mapping: SourceMapping;
  source: SourceConfig;
  dms: StageConfig['dms'];
  landingBucket: IBucket;
  instance: DmsInstance;
  /** The custom resource provider of lambdas/dms-task. */
  serviceToken: string;
  /**
   * Updated before the task: the loader function, whose bundled routing table must know a new
   * table before DMS writes the table's first file.
   */
  after: IDependable[];
}

/** CloudFormation takes S3Settings in camelCase; the generator speaks the DMS API's PascalCase. */
const camelCaseKeys = (settings: Record<string, unknown>): CfnEndpoint.S3SettingsProperty =>
  Object.fromEntries(
    Object.entries(settings).map(([key, value]) => [key[0]?.toLowerCase() + key.slice(1), value]),
  );

/**
 * One provisioned DMS replication task (full load, then CDC) of one mapped source into
 * `s3://<landing>/<source>/…` on the stage's replication instance, with endpoints and roles scoped to
 * that source. A custom resource creates the task and applies mapping changes to it while it runs
 * (ADR 0014). Every setting comes from the shared generators, so `dms2bq plan` shows what deploys.
 */
export class DmsSource extends Construct {
  /** The custom resource that owns the replication task (lambdas/dms-task). */
  readonly task: CustomResource;
  readonly taskIdentifier: string;
  /** The task ARN, and its last part: the `ReplicationTaskIdentifier` of AWS/DMS task metrics. */
  readonly taskArn: string;
  readonly taskResourceId: string;
  /** Where DMS writes this task's logs: the stage instance's `dms-tasks-<instance>` group. */
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: DmsSourceProps) {
    super(scope, id);
    const { mapping, source, landingBucket } = props;
    const stack = Stack.of(this);

    // DMS only accepts the regional service principal for the secret-access role.
    const secretAccess = new Role(this, 'SecretAccessRole', {
      assumedBy: new ServicePrincipal(`dms.${stack.region}.amazonaws.com`),
      description: `DMS reads the ${mapping.source} credentials`,
    });
    secretAccess.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [source.secretArn] }),
    );
    const engineName = mapping.engine === 'aurora-mysql' ? 'aurora' : 'mysql';
    // The engine is part of the logical ID: changing it replaces the endpoint (new ARN) instead of
    // modifying the one a running task uses, and the task's custom resource then refuses the change
    // before touching DMS ("You can't modify the task endpoints"), so the deploy rolls back cleanly.
    const sourceEndpoint = new CfnEndpoint(this, `SourceEndpoint-${engineName}`, {
      endpointType: 'source',
      engineName,
      sslMode: 'require',
      mySqlSettings: {
        secretsManagerSecretId: source.secretArn,
        secretsManagerAccessRoleArn: secretAccess.roleArn,
      },
    });
    sourceEndpoint.node.addDependency(secretAccess);

    const targetAccess = new Role(this, 'TargetAccessRole', {
      assumedBy: new ServicePrincipal('dms.amazonaws.com'),
      description: `DMS writes ${mapping.source} files to the landing bucket`,
    });
    targetAccess.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:DeleteObject', 's3:PutObjectTagging'],
        resources: [landingBucket.arnForObjects(`${mapping.source}/*`)],
      }),
    );
    // ListBucket on the bucket without an s3:prefix condition, as AWS's policy for an S3 target
    // shows: which prefixes DMS lists (e.g. with ExpectedBucketOwner) is not documented (ADR 0031).
    targetAccess.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [landingBucket.bucketArn] }),
    );
    Validations.of(targetAccess).acknowledge({
      id: arnFinding(landingBucket, `/${mapping.source}/*`),
      reason: 'DMS writes only under its own source prefix; the key names below it are chosen by DMS.',
    });
    const s3Settings = buildS3Settings(mapping);
    const targetEndpoint = new CfnEndpoint(this, 'TargetEndpoint', {
      endpointType: 'target',
      engineName: 's3',
      s3Settings: {
        ...camelCaseKeys(s3Settings),
        bucketName: landingBucket.bucketName,
        serviceAccessRoleArn: targetAccess.roleArn,
        encryptionMode: 'SSE_S3',
        expectedBucketOwner: stack.account,
      },
    });
    targetEndpoint.node.addDependency(targetAccess);

    // `dms2bq dms --stage` and status/reconcile find the task by this name.
    this.taskIdentifier = replicationTaskIdentifier(props.stage, mapping.source);
    this.logGroup = props.instance.logGroup;
    this.task = new CustomResource(this, 'Task', {
      serviceToken: props.serviceToken,
      resourceType: 'Custom::DmsReplicationTask',
      properties: {
        ReplicationTaskIdentifier: this.taskIdentifier,
        ReplicationInstanceArn: props.instance.instance.ref,
        SourceEndpointArn: sourceEndpoint.ref,
        TargetEndpointArn: targetEndpoint.ref,
        MigrationType: 'full-load-and-cdc',
        TableMappings: tableMappingsJson(mapping),
        ReplicationTaskSettings: JSON.stringify(buildReplicationSettings(mapping)),
        // A changed target setting (e.g. the batch interval) needs a task restart to take effect.
        EndpointSettingsDigest: createHash('sha256').update(JSON.stringify(s3Settings)).digest('hex'),
        WaitTimeoutSeconds: String(props.dms.updateWaitMinutes * 60),
      },
    });
    this.task.node.addDependency(props.instance.logGroup, ...props.after);
    this.taskArn = this.task.getAttString('TaskArn');
    this.taskResourceId = this.task.getAttString('TaskResourceId');
  }
}
