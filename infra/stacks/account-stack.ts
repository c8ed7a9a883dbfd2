import { RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** The stack of the account-wide DMS roles: deployed once per account, before any stage (ADR 0014). */
export const ACCOUNT_STACK_NAME = 'Dms2Bq-account';

/**
 * The two roles DMS looks up by their fixed names in the whole account: `dms-vpc-role` (network
 * interfaces of replication instances and subnet groups) and `dms-cloudwatch-logs-role` (task logs).
 * They live here, never in a stage stack, so no stage's rollback or deletion removes them for the
 * others; termination protection and RETAIN keep them when this stack is deleted by mistake.
 */
export class AccountStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    for (const [id, roleName, policy] of [
      ['DmsVpcRole', 'dms-vpc-role', 'AmazonDMSVPCManagementRole'],
      ['DmsCloudWatchLogsRole', 'dms-cloudwatch-logs-role', 'AmazonDMSCloudWatchLogsRole'],
    ] as const) {
      const role = new Role(this, id, {
        roleName,
        assumedBy: new ServicePrincipal('dms.amazonaws.com'),
        managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName(`service-role/${policy}`)],
        description: `Account-wide role AWS DMS looks up by the name ${roleName}`,
      });
      role.applyRemovalPolicy(RemovalPolicy.RETAIN);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`,
        reason: `AWS DMS requires ${roleName} with exactly this managed policy.`,
      });
    }
  }
}
