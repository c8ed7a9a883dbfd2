import { IAMClient } from '@aws-sdk/client-iam';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDmsServiceRoles } from '../../cli/doctor/iam-checks.js';
import { renderCheck } from '../../cli/doctor/report.js';
import { loadStageConfig, type StageConfig } from '../../infra/config.js';
import { type FakeRole, fakeIam, healthyDmsServiceRoles } from './fake-iam.js';

const prod = loadStageConfig('prod');
const adopting: StageConfig = {
  ...prod,
  accountStack: { ...prod.accountStack, dmsServiceRoles: 'existing' },
};

let restore: (() => void) | undefined;
afterEach(() => restore?.());

const check = async (roles: Record<string, FakeRole>, config = prod): Promise<string[]> => {
  const mock = fakeIam(roles);
  restore = () => mock.restore();
  const results = await checkDmsServiceRoles(new IAMClient({ region: config.region }), 'prod', config);
  return results.map((result) => renderCheck(result).trim());
};

describe('doctor: the DMS service roles', () => {
  it('passes both roles when they trust DMS and carry their managed policies', async () => {
    // Act
    const lines = await check(healthyDmsServiceRoles());

    // Assess
    expect(lines).toEqual([
      'PASS  DMS service role dms-vpc-role: trusts dms.amazonaws.com, has AmazonDMSVPCManagementRole',
      'PASS  DMS service role dms-cloudwatch-logs-role: trusts dms.amazonaws.com, has AmazonDMSCloudWatchLogsRole',
    ]);
  });

  it('names the account stack deploy for a missing role the account stack should have created', async () => {
    // Prepare
    const { 'dms-vpc-role': _vpc, ...roles } = healthyDmsServiceRoles();

    // Act
    const lines = await check(roles);

    // Assess
    expect(lines[0]).toBe(
      'FAIL  DMS service role dms-vpc-role: does not exist in the account → fix: deploy the account stack: npx cdk deploy Dms2Bq-account -c stage=prod',
    );
  });

  it('names how to create it when the config adopts existing roles that are not there', async () => {
    // Prepare
    const { 'dms-cloudwatch-logs-role': _logs, ...roles } = healthyDmsServiceRoles();

    // Act
    const lines = await check(roles, adopting);

    // Assess
    expect(lines[1]).toMatch(
      /^FAIL {2}DMS service role dms-cloudwatch-logs-role: does not exist in the account → fix: create it .* or set accountStack\.dmsServiceRoles to create in config\/prod\.json/,
    );
  });

  it('fails an adopted role that DMS cannot assume', async () => {
    // Prepare
    const roles = healthyDmsServiceRoles();
    roles['dms-vpc-role'] = {
      trust: {
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      attachedPolicyArns: roles['dms-vpc-role']?.attachedPolicyArns ?? [],
    };

    // Act
    const lines = await check(roles, adopting);

    // Assess
    expect(lines[0]).toBe(
      'FAIL  DMS service role dms-vpc-role: does not let dms.amazonaws.com assume it → fix: add dms.amazonaws.com to its trust policy (sts:AssumeRole)',
    );
  });

  it('finds the managed policy past the first page of attached policies', async () => {
    // Prepare
    const roles = healthyDmsServiceRoles();
    const others = Array.from(
      { length: 120 },
      (_, index) => `arn:aws:iam::222222222222:policy/other-${index}`,
    );
    roles['dms-vpc-role'] = {
      trust: roles['dms-vpc-role']?.trust ?? {},
      attachedPolicyArns: [...others, 'arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole'],
    };

    // Act
    const lines = await check(roles, adopting);

    // Assess
    expect(lines[0]).toMatch(/^PASS/);
  });

  it('fails a role without its managed policy, naming the attach command', async () => {
    // Prepare
    const roles = healthyDmsServiceRoles();
    roles['dms-cloudwatch-logs-role'] = { trust: roles['dms-vpc-role']?.trust ?? {}, attachedPolicyArns: [] };

    // Act
    const lines = await check(roles, adopting);

    // Assess
    expect(lines[1]).toBe(
      'FAIL  DMS service role dms-cloudwatch-logs-role: lacks the managed policy AmazonDMSCloudWatchLogsRole → fix: aws iam attach-role-policy --role-name dms-cloudwatch-logs-role --policy-arn arn:aws:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole',
    );
  });
});
