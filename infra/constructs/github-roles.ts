import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import { FederatedPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  GITHUB_DEPLOY_ROLE_NAME,
  GITHUB_DIFF_ROLE_NAME,
  pipelineStackName,
} from '../../lambdas/shared/naming.js';

/**
 * How long CD's AWS session lasts (ADR 0032). The longest deploy: the replication instance's own
 * create or modify, then every task's custom resource at its bound (55 min, CloudFormation's wait
 * for a custom resource is one hour), and when that fails the rollback, which waits the same again:
 * 2 × (60 + 55) min ≈ 3 h 50 min. Four hours covers it; the workflow asks for this many seconds.
 */
export const CD_SESSION_SECONDS = 4 * 60 * 60;

/** The bootstrap qualifier of `cdk bootstrap` without `--qualifier`. */
const QUALIFIER = 'hnb659fds';
const GITHUB_OIDC = 'token.actions.githubusercontent.com';

export interface GithubRolesProps {
  /** `org/repo`: the only repository whose workflows may assume these roles. */
  repository: string;
  /** GitHub environments that may deploy (one per stage in this account and region). */
  environments: string[];
}

/**
 * The roles GitHub Actions assumes through OIDC: `dms2bq-github-deploy` for CD (its session lasts
 * the whole deploy; it may only assume the bootstrap's deploy and file-publishing roles) and
 * `dms2bq-github-diff` for pull requests, which runs the pull request's own code and may therefore
 * read the project's stack templates and nothing else — not the bootstrap lookup role, whose
 * ReadOnlyAccess would show anyone who can push a branch the landing bucket and logs.
 */
export class GithubRoles extends Construct {
  readonly deployRole: Role;
  readonly diffRole: Role;

  constructor(scope: Construct, id: string, props: GithubRolesProps) {
    super(scope, id);
    const provider = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:oidc-provider/${GITHUB_OIDC}`;
    const trust = (subjects: string[]) =>
      new FederatedPrincipal(
        provider,
        {
          StringEquals: { [`${GITHUB_OIDC}:aud`]: 'sts.amazonaws.com', [`${GITHUB_OIDC}:sub`]: subjects },
        },
        'sts:AssumeRoleWithWebIdentity',
      );

    this.deployRole = new Role(this, 'DeployRole', {
      roleName: GITHUB_DEPLOY_ROLE_NAME,
      assumedBy: trust(props.environments.map((stage) => `repo:${props.repository}:environment:${stage}`)),
      maxSessionDuration: Duration.seconds(CD_SESSION_SECONDS),
      description: 'CD (GitHub environments of the stages): assumes the CDK bootstrap deploy roles',
    });
    const bootstrapRole = (kind: string) =>
      `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-${QUALIFIER}-${kind}-role-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
    this.deployRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: [bootstrapRole('deploy'), bootstrapRole('file-publishing')],
      }),
    );

    this.diffRole = new Role(this, 'DiffRole', {
      roleName: GITHUB_DIFF_ROLE_NAME,
      assumedBy: trust([`repo:${props.repository}:pull_request`]),
      description:
        'cdk diff of pull requests: reads the templates and state of the Dms2Bq stacks, nothing else',
    });
    const stack = Stack.of(this);
    const stacks = stack.formatArn({
      service: 'cloudformation',
      resource: 'stack',
      resourceName: `${pipelineStackName('*')}/*`,
    });
    this.diffRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'cloudformation:DescribeStacks',
          'cloudformation:GetTemplate',
          'cloudformation:ListStackResources',
        ],
        resources: [stacks],
      }),
    );
    Validations.of(this.diffRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:${stack.region}:${stack.account}:stack/Dms2Bq-*/*]`,
      reason:
        'Only the project’s stacks (Dms2Bq-<stage>, Dms2Bq-account), each with its stack ID suffix; only read actions.',
    });
  }
}
