import { CustomResource, Stack, Validations } from 'aws-cdk-lib';
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
import { DMS_STAGE_TAG, type DmsTaskProvider } from './dms-task-provider.js';

export interface DmsSourceProps {
  stage: string;
  mapping: SourceMapping;
  source: SourceConfig;
  dms: StageConfig['dms'];
  landingBucket: IBucket;
  instance: DmsInstance;
  /** The custom resource provider of lambdas/dms-task. */
  provider: DmsTaskProvider;
  /**
   * Updated before the task: the loader function, whose bundled routing table must know a new
   * table before DMS writes the table's first file.
   */
  after: IDependable[];
}

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
    // CreateEndpoint names these roles: the provider must be allowed to pass them to DMS.
    props.provider.allowPassRole(secretAccess, targetAccess);

    // `dms2bq dms --stage` and status/reconcile find the task by this name; its endpoints share it.
    this.taskIdentifier = replicationTaskIdentifier(props.stage, mapping.source);
    // The endpoints belong to the task's custom resource, not to AWS::DMS::Endpoint resources:
    // CloudFormation would modify them under the running task, which DMS refuses (ADR 0033).
    const sourceEndpoint = {
      EndpointIdentifier: `${this.taskIdentifier}-source`,
      EndpointType: 'source',
      EngineName: mapping.engine === 'aurora-mysql' ? 'aurora' : 'mysql',
      SslMode: source.sslMode,
      CertificateArn: props.instance.rdsCertificate.ref,
      MySQLSettings: {
        SecretsManagerSecretId: source.secretArn,
        SecretsManagerAccessRoleArn: secretAccess.roleArn,
      },
    };
    const targetEndpoint = {
      EndpointIdentifier: `${this.taskIdentifier}-target`,
      EndpointType: 'target',
      EngineName: 's3',
      S3Settings: {
        ...buildS3Settings(mapping),
        BucketName: landingBucket.bucketName,
        ServiceAccessRoleArn: targetAccess.roleArn,
        EncryptionMode: 'sse-s3',
        ExpectedBucketOwner: stack.account,
      },
    };

    // `dms2bq dms --stage` and status/reconcile find the task by this name.
    this.logGroup = props.instance.logGroup;
    this.task = new CustomResource(this, 'Task', {
      serviceToken: props.provider.provider.serviceToken,
      resourceType: 'Custom::DmsReplicationTask',
      properties: {
        ReplicationTaskIdentifier: this.taskIdentifier,
        ReplicationInstanceArn: props.instance.instance.ref,
        // JSON text, so numbers and booleans reach the handler as they are (CloudFormation would
        // hand nested properties over as strings).
        SourceEndpoint: stack.toJsonString(sourceEndpoint),
        TargetEndpoint: stack.toJsonString(targetEndpoint),
        Tags: JSON.stringify([{ Key: DMS_STAGE_TAG, Value: props.stage }]),
        MigrationType: 'full-load-and-cdc',
        TableMappings: tableMappingsJson(mapping),
        ReplicationTaskSettings: JSON.stringify(buildReplicationSettings(mapping)),
        WaitTimeoutSeconds: String(props.dms.updateWaitMinutes * 60),
      },
    });
    // The roles' ARNs already order the roles first; their policies must exist too before DMS uses them.
    const policies = [secretAccess, targetAccess].flatMap((role) => {
      const policy = role.node.tryFindChild('DefaultPolicy');
      return policy ? [policy] : [];
    });
    this.task.node.addDependency(props.instance.logGroup, ...policies, ...props.after);
    this.taskArn = this.task.getAttString('TaskArn');
    this.taskResourceId = this.task.getAttString('TaskResourceId');
  }
}
