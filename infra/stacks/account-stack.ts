import { RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { type AccountStackConfig, DMS_SERVICE_ROLES } from '../account-config.js';
import { GithubRoles } from '../constructs/github-roles.js';

/** The stack of the account-wide roles: deployed once per account, by hand, before any stage (ADR 0031). */
export const ACCOUNT_STACK_NAME = 'Dms2Bq-account';

export { DMS_SERVICE_ROLES };

export interface AccountStackProps extends StackProps {
  accountStack: AccountStackConfig;
  /** The stages of config/ that deploy to this account and region: the GitHub environments CD runs in. */
  stages: string[];
}

/**
 * `dms-vpc-role` (network interfaces of replication instances and subnet groups) and
 * `dms-cloudwatch-logs-role` (task logs) — unless `dmsServiceRoles` is `existing`, which adopts the
 * ones an earlier DMS user made — and the GitHub deploy and diff roles. They live here, never in a
 * stage stack, so no stage's rollback or deletion removes them for the others; termination
 * protection and RETAIN keep them when this stack is deleted by mistake. CD never deploys this
 * stack: its deploy role cannot change the roles it is made of.
 */
export class AccountStack extends Stack {
  constructor(scope: Construct, id: string, props: AccountStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    if (props.accountStack.dmsServiceRoles === 'create') {
      for (const { id, roleName, policy } of DMS_SERVICE_ROLES) {
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
    new GithubRoles(this, 'Github', {
      repository: props.accountStack.githubRepository,
      environments: props.stages,
    });
  }
}
