import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStageConfig } from '../../infra/config.js';
import { APP_CONTEXT, addAccountStack } from '../../infra/deployment.js';
import { nagPacks } from '../../infra/nag.js';
import { resourcesOfType } from './support.js';

let app: App;
let template: Template;
let stackName: string;
let protectedStack: boolean | undefined;

beforeAll(() => {
  app = new App({ context: { ...APP_CONTEXT }, builtinCloudFormationValidation: false });
  const stack = addAccountStack(app, loadStageConfig('dev'));
  stackName = stack.stackName;
  protectedStack = stack.terminationProtection;
  template = Template.fromStack(stack);
});

describe('account stack', () => {
  it('is the termination-protected Dms2Bq-account, shared by every stage of the account', () => {
    // Assess
    expect({ stackName, protectedStack }).toEqual({ stackName: 'Dms2Bq-account', protectedStack: true });
  });

  it.each([
    ['dms-vpc-role', 'AmazonDMSVPCManagementRole'],
    ['dms-cloudwatch-logs-role', 'AmazonDMSCloudWatchLogsRole'],
  ])('creates %s with %s, assumable by DMS and retained on delete', (roleName, policy) => {
    // Act
    const roles = Object.values(resourcesOfType(template, 'AWS::IAM::Role')).filter(
      (role) => role.Properties?.RoleName === roleName,
    ) as { Properties: Record<string, unknown>; DeletionPolicy?: string }[];

    // Assess
    expect(roles).toHaveLength(1);
    expect(roles[0]?.DeletionPolicy).toBe('Retain');
    expect(JSON.stringify(roles[0]?.Properties.ManagedPolicyArns)).toContain(`service-role/${policy}`);
    expect(JSON.stringify(roles[0]?.Properties.AssumeRolePolicyDocument)).toContain('dms.amazonaws.com');
  });

  it('has no unacknowledged cdk-nag finding', () => {
    // Act
    const violations = nagPacks(app).flatMap((pack) => pack.validateScope(app).violations);

    // Assess
    expect(violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});
