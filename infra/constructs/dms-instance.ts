import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnCertificate, CfnReplicationInstance, CfnReplicationSubnetGroup } from 'aws-cdk-lib/aws-dms';
import {
  CfnSecurityGroup,
  CfnSecurityGroupEgress,
  CfnSecurityGroupIngress,
  CfnVPCEndpoint,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { dmsTaskLogGroupName, replicationInstanceIdentifier } from '../../lambdas/shared/naming.js';
import type { SourceConfig, StageConfig } from '../config.js';
import { rdsCaBundle } from './rds-ca.js';

export interface DmsInstanceProps {
  stage: string;
  network: StageConfig['network'];
  dms: StageConfig['dms'];
  region: string;
  /** Every source the instance's tasks read: DMS may reach each database on its port only. */
  sources: { name: string; config: SourceConfig }[];
}

/** Rejects all traffic: how a security group says "no egress" (CloudFormation otherwise allows all). */
const NO_EGRESS = {
  description: 'No egress',
  ipProtocol: 'icmp',
  fromPort: 252,
  toPort: 86,
  cidrIp: '255.255.255.255/32',
};

/**
 * The stage's provisioned DMS replication instance and its network: subnet group, a security group
 * whose egress is exactly the source databases, S3 (the region's prefix list) and Secrets Manager,
 * the endpoints DMS needs to reach them privately, and the log group DMS writes task logs to.
 * Requires the account's `dms-vpc-role` and `dms-cloudwatch-logs-role` (stack Dms2Bq-account).
 */
export class DmsInstance extends Construct {
  readonly instance: CfnReplicationInstance;
  readonly identifier: string;
  readonly securityGroup: CfnSecurityGroup;
  /** `dms-tasks-<instance identifier>`, the group DMS writes provisioned task logs to, with retention. */
  readonly logGroup: LogGroup;
  /** The region's Amazon RDS root CAs, imported into DMS: sources verify the server against it. */
  readonly rdsCertificate: CfnCertificate;

  constructor(scope: Construct, id: string, props: DmsInstanceProps) {
    super(scope, id);
    const { network, dms } = props;
    const region = Stack.of(this).region;
    this.identifier = replicationInstanceIdentifier(props.stage);

    const https = { ipProtocol: 'tcp', fromPort: 443, toPort: 443 };
    const secretsEgress =
      network.secretsManager.mode === 'nat'
        ? [{ ...https, description: 'Secrets Manager through the NAT gateway', cidrIp: '0.0.0.0/0' }]
        : [];
    this.securityGroup = new CfnSecurityGroup(this, 'SecurityGroup', {
      groupDescription: `DMS replication instance ${this.identifier}`,
      vpcId: network.vpcId,
      securityGroupEgress: [
        ...props.sources.map(({ name, config }) => ({
          description: `MySQL source ${name}`,
          ipProtocol: 'tcp',
          fromPort: config.port,
          toPort: config.port,
          destinationSecurityGroupId: config.databaseSecurityGroupId,
        })),
        {
          ...https,
          description: 'S3 through the gateway endpoint',
          destinationPrefixListId: network.s3PrefixListId,
        },
        ...secretsEgress,
      ],
    });
    for (const { name, config } of props.sources) {
      new CfnSecurityGroupIngress(this, `DatabaseIngress-${name}`, {
        description: `DMS replication of ${name}`,
        groupId: config.databaseSecurityGroupId,
        ipProtocol: 'tcp',
        fromPort: config.port,
        toPort: config.port,
        sourceSecurityGroupId: this.securityGroup.attrGroupId,
      });
    }
    const endpoints = [this.s3GatewayEndpoint(network, region), this.secretsManagerEndpoint(network, region)];

    const subnetGroup = new CfnReplicationSubnetGroup(this, 'SubnetGroup', {
      replicationSubnetGroupDescription: `DMS subnets of ${this.identifier}`,
      subnetIds: network.subnetIds,
    });
    // Created before the instance so its retention applies from the first task log line.
    this.logGroup = new LogGroup(this, 'TaskLogs', {
      logGroupName: dmsTaskLogGroupName(props.stage),
      retention: dms.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // No identifier: a new bundle replaces the certificate, and the replacement needs a fresh name.
    this.rdsCertificate = new CfnCertificate(this, 'RdsCa', { certificatePem: rdsCaBundle(props.region) });
    this.instance = new CfnReplicationInstance(this, 'Instance', {
      replicationInstanceIdentifier: this.identifier,
      replicationInstanceClass: dms.instanceClass,
      // Pinned (ADR 0034); without it DMS picks its current default, which moves under the template.
      engineVersion: dms.engineVersion,
      // ModifyReplicationInstance: "must be set to true when specifying a value for the EngineVersion
      // parameter that is a different major version" — raising the pin from 3.5.x to 3.6.x is one.
      allowMajorVersionUpgrade: true,
      allocatedStorage: dms.allocatedStorageGb,
      multiAz: dms.multiAz,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      replicationSubnetGroupIdentifier: subnetGroup.ref,
      vpcSecurityGroupIds: [this.securityGroup.attrGroupId, ...network.securityGroupIds],
    });
    this.instance.node.addDependency(this.logGroup);
    for (const endpoint of endpoints) if (endpoint) this.instance.node.addDependency(endpoint);
  }

  private s3GatewayEndpoint(network: StageConfig['network'], region: string): CfnVPCEndpoint | undefined {
    if (network.s3GatewayEndpointExists) return undefined;
    return new CfnVPCEndpoint(this, 'S3GatewayEndpoint', {
      vpcId: network.vpcId,
      serviceName: `com.amazonaws.${region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: network.routeTableIds,
    });
  }

  /** DMS reads the source credentials from Secrets Manager; without NAT it needs an interface endpoint. */
  private secretsManagerEndpoint(
    network: StageConfig['network'],
    region: string,
  ): CfnVPCEndpoint | undefined {
    const access = network.secretsManager;
    if (access.mode === 'nat') return undefined;
    const ingress = (groupId: string, id: string) =>
      new CfnSecurityGroupIngress(this, id, {
        description: `HTTPS from DMS ${this.identifier}`,
        groupId,
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        sourceSecurityGroupId: this.securityGroup.attrGroupId,
      });
    const egressTo = (groupId: string, id: string) =>
      new CfnSecurityGroupEgress(this, id, {
        description: 'Secrets Manager endpoint',
        groupId: this.securityGroup.attrGroupId,
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        destinationSecurityGroupId: groupId,
      });
    if (access.mode === 'existing-endpoint') {
      ingress(access.securityGroupId, 'SecretsManagerIngress');
      egressTo(access.securityGroupId, 'SecretsManagerEgress');
      return undefined;
    }
    const endpointGroup = new CfnSecurityGroup(this, 'SecretsManagerEndpointSecurityGroup', {
      groupDescription: `Secrets Manager endpoint for DMS ${this.identifier}`,
      vpcId: network.vpcId,
      securityGroupEgress: [NO_EGRESS],
    });
    ingress(endpointGroup.attrGroupId, 'SecretsManagerIngress');
    egressTo(endpointGroup.attrGroupId, 'SecretsManagerEgress');
    return new CfnVPCEndpoint(this, 'SecretsManagerEndpoint', {
      vpcId: network.vpcId,
      serviceName: `com.amazonaws.${region}.secretsmanager`,
      vpcEndpointType: 'Interface',
      subnetIds: network.subnetIds,
      securityGroupIds: [endpointGroup.attrGroupId],
      // DMS resolves secretsmanager.<region>.amazonaws.com; private DNS points it at the endpoint.
      privateDnsEnabled: true,
    });
  }
}
