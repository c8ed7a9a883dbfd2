import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStageConfig, type StageConfig } from '../../infra/config.js';
import { CD_SESSION_SECONDS } from '../../infra/constructs/github-roles.js';
import { APP_CONTEXT, addAccountStack, stagesOfAccount } from '../../infra/deployment.js';
import { nagPacks } from '../../infra/nag.js';
import { acknowledgementsOn, consultedAcknowledgements, resourcesOfType } from './support.js';

interface RoleResource {
  Properties: Record<string, unknown> & { RoleName?: string };
  DeletionPolicy?: string;
}

const synth = (config: StageConfig, stages = ['dev']) => {
  const app = new App({ context: { ...APP_CONTEXT }, builtinCloudFormationValidation: false });
  const stack = addAccountStack(app, config, stages);
  return { app, stack, template: Template.fromStack(stack) };
};
const roles = (template: Template): RoleResource[] =>
  Object.values(resourcesOfType(template, 'AWS::IAM::Role')) as RoleResource[];
const roleNamed = (template: Template, name: string): RoleResource | undefined =>
  roles(template).find((role) => role.Properties.RoleName === name);
/** The statements of the inline policies attached to the role named `name`. */
const statementsOf = (template: Template, name: string): Record<string, unknown>[] => {
  const logicalId = Object.entries(resourcesOfType(template, 'AWS::IAM::Role')).find(
    ([, role]) => (role as RoleResource).Properties.RoleName === name,
  )?.[0];
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .map((policy) => (policy as { Properties: Record<string, unknown> }).Properties)
    .filter((policy) => JSON.stringify(policy.Roles) === JSON.stringify([{ Ref: logicalId }]))
    .flatMap((policy) => (policy.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
};

const dev = loadStageConfig('dev');
let created: ReturnType<typeof synth>;

beforeAll(() => {
  created = synth(dev);
});

describe('account stack', () => {
  it('is the termination-protected Dms2Bq-account, shared by every stage of the account', () => {
    // Assess
    expect({ name: created.stack.stackName, protectedStack: created.stack.terminationProtection }).toEqual({
      name: 'Dms2Bq-account',
      protectedStack: true,
    });
  });

  it.each([
    ['dms-vpc-role', 'AmazonDMSVPCManagementRole'],
    ['dms-cloudwatch-logs-role', 'AmazonDMSCloudWatchLogsRole'],
  ])('creates %s with %s, assumable by DMS and retained on delete', (roleName, policy) => {
    // Act
    const role = roleNamed(created.template, roleName);

    // Assess
    expect(role?.DeletionPolicy).toBe('Retain');
    expect(JSON.stringify(role?.Properties.ManagedPolicyArns)).toContain(`service-role/${policy}`);
    expect(JSON.stringify(role?.Properties.AssumeRolePolicyDocument)).toContain('dms.amazonaws.com');
  });

  it('adopts the DMS service roles of an account that has them: dmsServiceRoles existing creates neither', () => {
    // Act
    const { template } = synth({
      ...dev,
      accountStack: { ...dev.accountStack, dmsServiceRoles: 'existing' },
    });

    // Assess
    expect(
      roles(template)
        .map((role) => role.Properties.RoleName)
        .sort(),
    ).toEqual(['dms2bq-github-deploy', 'dms2bq-github-diff']);
  });

  it('lets only the stages’ GitHub environments of the repository assume the deploy role, for a whole deploy', () => {
    // Act
    const role = roleNamed(synth(dev, ['dev', 'qa']).template, 'dms2bq-github-deploy');
    const trust = JSON.stringify(role?.Properties.AssumeRolePolicyDocument);

    // Assess
    expect(role?.Properties.MaxSessionDuration).toBe(CD_SESSION_SECONDS);
    expect(CD_SESSION_SECONDS).toBeGreaterThanOrEqual(2 * 3600);
    expect(trust).toContain(
      '"token.actions.githubusercontent.com:sub":["repo:example-org/dms-to-bigquery:environment:dev","repo:example-org/dms-to-bigquery:environment:qa"]',
    );
    expect(trust).toContain('"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"');
    expect(trust).toContain('sts:AssumeRoleWithWebIdentity');
  });

  it('lets the deploy role assume only the bootstrap deploy and file-publishing roles', () => {
    // Act
    const statements = statementsOf(created.template, 'dms2bq-github-deploy');

    // Assess
    expect(statements.map((statement) => statement.Action)).toEqual(['sts:AssumeRole']);
    const resources = JSON.stringify(statements[0]?.Resource);
    expect(resources).toContain(':role/cdk-hnb659fds-deploy-role-');
    expect(resources).toContain(':role/cdk-hnb659fds-file-publishing-role-');
    expect(resources).not.toContain('lookup-role');
  });

  it('gives pull requests a diff role that reads the project’s stacks and nothing else: no lookup role, no data', () => {
    // Act
    const role = roleNamed(created.template, 'dms2bq-github-diff');
    const statements = statementsOf(created.template, 'dms2bq-github-diff');

    // Assess
    expect(JSON.stringify(role?.Properties.AssumeRolePolicyDocument)).toContain(
      '"token.actions.githubusercontent.com:sub":["repo:example-org/dms-to-bigquery:pull_request"]',
    );
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toEqual([
      'cloudformation:DescribeStacks',
      'cloudformation:GetTemplate',
      'cloudformation:ListStackResources',
    ]);
    expect(JSON.stringify(statements[0]?.Resource)).toContain(':stack/Dms2Bq-*/*');
  });

  it('trusts the GitHub environments of every stage in config/ that shares the account and region', () => {
    // Act
    const stages = stagesOfAccount('config', dev);

    // Assess
    expect(stages).toEqual(['dev']);
  });

  it.each(['create', 'existing'] as const)(
    'has no unacknowledged cdk-nag finding (dmsServiceRoles %s)',
    (mode) => {
      // Prepare
      const { app } = synth({ ...dev, accountStack: { ...dev.accountStack, dmsServiceRoles: mode } });

      // Act
      const violations = nagPacks(app).flatMap((pack) => pack.validateScope(app).violations);

      // Assess
      expect(violations.map((violation) => `${violation.ruleName} ${JSON.stringify(violation)}`)).toEqual([]);
    },
  );

  it.each(['create', 'existing'] as const)(
    'acknowledges only cdk-nag findings the account stack raises (dmsServiceRoles %s)',
    (mode) => {
      // Prepare
      const { app } = synth({ ...dev, accountStack: { ...dev.accountStack, dmsServiceRoles: mode } });

      // Act
      const consulted = consultedAcknowledgements(() => {
        for (const nag of nagPacks(app)) nag.validateScope(app);
      });

      // Assess
      const acknowledged = app.node.findAll().flatMap(acknowledgementsOn);
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(acknowledged.filter((acknowledgement) => !consulted.has(acknowledgement))).toEqual([]);
    },
  );
});
