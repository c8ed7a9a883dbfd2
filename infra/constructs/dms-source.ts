import { Stack, Validations } from 'aws-cdk-lib';
import { CfnEndpoint, CfnReplicationConfig, CfnReplicationSubnetGroup } from 'aws-cdk-lib/aws-dms';
import { CfnSecurityGroup, CfnSecurityGroupIngress } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct, type IDependable } from 'constructs';
import {
  buildReplicationSettings,
  buildS3Settings,
  maxCapacityUnits,
} from '../../lambdas/shared/dms/settings.js';
import { buildTableMappings } from '../../lambdas/shared/dms/table-mappings.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { replicationConfigIdentifier } from '../../lambdas/shared/naming.js';
import type { SourceConfig, StageConfig } from '../config.js';
import { arnFinding } from '../nag.js';

export interface DmsSourceProps {
  stage: string;
  mapping: SourceMapping;
  source: SourceConfig;
  network: StageConfig['network'];
  landingBucket: IBucket;
  /** Resources that must exist first, e.g. the account's `dms-vpc-role`. */
  dependsOn: IDependable[];
}

/** CloudFormation takes S3Settings in camelCase; the generator speaks the DMS API's PascalCase. */
const camelCaseKeys = (settings: Record<string, unknown>): CfnEndpoint.S3SettingsProperty =>
  Object.fromEntries(
    Object.entries(settings).map(([key, value]) => [key[0]?.toLowerCase() + key.slice(1), value]),
  );

/**
 * One serverless DMS replication (full load, then CDC) of one mapped source into
 * `s3://<landing>/<source>/…`, with endpoints, network and roles scoped to that source.
 * Every setting comes from the shared generators, so `dms2bq plan` shows exactly what deploys.
 */
export class DmsSource extends Construct {
  readonly replicationConfig: CfnReplicationConfig;
  readonly replicationConfigIdentifier: string;
  readonly securityGroup: CfnSecurityGroup;

  constructor(scope: Construct, id: string, props: DmsSourceProps) {
    super(scope, id);
    const { mapping, source, network, landingBucket } = props;
    const stack = Stack.of(this);

    const subnetGroup = new CfnReplicationSubnetGroup(this, 'SubnetGroup', {
      replicationSubnetGroupDescription: `DMS subnets for ${mapping.source}`,
      subnetIds: network.subnetIds,
    });
    for (const dependency of props.dependsOn) subnetGroup.node.addDependency(dependency);

    this.securityGroup = new CfnSecurityGroup(this, 'SecurityGroup', {
      groupDescription: `DMS replication of ${mapping.source}`,
      vpcId: network.vpcId,
      securityGroupEgress: [
        {
          description: 'MySQL source',
          ipProtocol: 'tcp',
          fromPort: source.port,
          toPort: source.port,
          destinationSecurityGroupId: source.databaseSecurityGroupId,
        },
        // S3 is reached through the gateway endpoint, whose addresses are a prefix list that
        // cannot be resolved without a network lookup at synth time.
        { description: 'S3 over HTTPS', ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIp: '0.0.0.0/0' },
      ],
    });
    new CfnSecurityGroupIngress(this, 'DatabaseIngress', {
      description: `DMS replication of ${mapping.source}`,
      groupId: source.databaseSecurityGroupId,
      ipProtocol: 'tcp',
      fromPort: source.port,
      toPort: source.port,
      sourceSecurityGroupId: this.securityGroup.attrGroupId,
    });

    // DMS only accepts the regional service principal for the secret-access role.
    const secretAccess = new Role(this, 'SecretAccessRole', {
      assumedBy: new ServicePrincipal(`dms.${stack.region}.amazonaws.com`),
      description: `DMS reads the ${mapping.source} credentials`,
    });
    secretAccess.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [source.secretArn] }),
    );
    const sourceEndpoint = new CfnEndpoint(this, 'SourceEndpoint', {
      endpointType: 'source',
      engineName: mapping.engine === 'aurora-mysql' ? 'aurora' : 'mysql',
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
    targetAccess.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [landingBucket.bucketArn] }),
    );
    Validations.of(targetAccess).acknowledge({
      id: arnFinding(landingBucket, `/${mapping.source}/*`),
      reason: 'DMS writes only under its own source prefix; the key names below it are chosen by DMS.',
    });
    const targetEndpoint = new CfnEndpoint(this, 'TargetEndpoint', {
      endpointType: 'target',
      engineName: 's3',
      s3Settings: {
        ...camelCaseKeys(buildS3Settings(mapping)),
        bucketName: landingBucket.bucketName,
        serviceAccessRoleArn: targetAccess.roleArn,
        encryptionMode: 'SSE_S3',
        expectedBucketOwner: stack.account,
      },
    });
    targetEndpoint.node.addDependency(targetAccess);

    // `dms2bq dms --stage` finds the replication by this name.
    this.replicationConfigIdentifier = replicationConfigIdentifier(props.stage, mapping.source);
    this.replicationConfig = new CfnReplicationConfig(this, 'Replication', {
      replicationConfigIdentifier: this.replicationConfigIdentifier,
      replicationType: 'full-load-and-cdc',
      sourceEndpointArn: sourceEndpoint.ref,
      targetEndpointArn: targetEndpoint.ref,
      computeConfig: {
        maxCapacityUnits: maxCapacityUnits(mapping),
        replicationSubnetGroupId: subnetGroup.ref,
        vpcSecurityGroupIds: [this.securityGroup.attrGroupId, ...network.securityGroupIds],
      },
      tableMappings: buildTableMappings(mapping),
      replicationSettings: buildReplicationSettings(mapping),
    });
  }
}
