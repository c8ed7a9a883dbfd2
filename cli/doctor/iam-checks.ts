import { GetRoleCommand, type IAMClient, paginateListAttachedRolePolicies } from '@aws-sdk/client-iam';
import { DMS_SERVICE_ROLES } from '../../infra/account-config.js';
import type { StageConfig } from '../../infra/config.js';
import { type CheckResult, fail, failedCall, pass } from './report.js';

interface PolicyStatement {
  Effect?: string;
  Principal?: { Service?: string | string[] };
  Action?: string | string[];
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Whether a trust policy lets DMS assume the role: an Allow of sts:AssumeRole to dms.amazonaws.com. */
const trustsDms = (document: string): boolean => {
  const { Statement } = JSON.parse(document) as { Statement?: PolicyStatement | PolicyStatement[] };
  return (Array.isArray(Statement) ? Statement : Statement ? [Statement] : []).some(
    (statement) =>
      statement.Effect === 'Allow' &&
      list(statement.Principal?.Service).includes('dms.amazonaws.com') &&
      list(statement.Action).some((action) => action === 'sts:AssumeRole' || action === 'sts:*'),
  );
};

/**
 * `dms-vpc-role` and `dms-cloudwatch-logs-role`, which DMS looks up by name in the account (ADR
 * 0031): each exists, trusts dms.amazonaws.com and has its AWS managed policy attached — whether
 * the account stack made them (`accountStack.dmsServiceRoles: create`) or an earlier DMS user did
 * (`existing`). GetRole returns the trust policy URL-encoded (RFC 3986), so it is decoded first.
 */
export async function checkDmsServiceRoles(
  iam: IAMClient,
  stage: string,
  config: StageConfig,
): Promise<CheckResult[]> {
  const adopting = config.accountStack.dmsServiceRoles === 'existing';
  const results: CheckResult[] = [];
  for (const { roleName, policy } of DMS_SERVICE_ROLES) {
    const check = `DMS service role ${roleName}`;
    const policyArnSuffix = `:iam::aws:policy/service-role/${policy}`;
    const repair = adopting
      ? `create it with the trust of dms.amazonaws.com and ${policy} (AWS DMS User Guide, "Creating the IAM roles to use with AWS DMS"), or set accountStack.dmsServiceRoles to create in config/${stage}.json and deploy the account stack`
      : `deploy the account stack: npx cdk deploy Dms2Bq-account -c stage=${stage}`;
    let document: string;
    try {
      const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
      document = decodeURIComponent(Role?.AssumeRolePolicyDocument ?? '');
    } catch (error) {
      if ((error as Error).name === 'NoSuchEntityException') {
        results.push(fail(check, 'does not exist in the account', repair));
      } else {
        results.push(
          failedCall(check, error, 'the identity needs iam:GetRole and iam:ListAttachedRolePolicies'),
        );
      }
      continue;
    }
    if (!trustsDms(document)) {
      results.push(
        fail(
          check,
          'does not let dms.amazonaws.com assume it',
          'add dms.amazonaws.com to its trust policy (sts:AssumeRole)',
        ),
      );
      continue;
    }
    const attached: string[] = [];
    try {
      for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: roleName })) {
        attached.push(...(page.AttachedPolicies ?? []).map((entry) => entry.PolicyArn ?? ''));
      }
    } catch (error) {
      results.push(failedCall(check, error, 'the identity needs iam:ListAttachedRolePolicies'));
      continue;
    }
    results.push(
      attached.some((arn) => arn.endsWith(policyArnSuffix))
        ? pass(check, `trusts dms.amazonaws.com, has ${policy}`)
        : fail(
            check,
            `lacks the managed policy ${policy}`,
            `aws iam attach-role-policy --role-name ${roleName} --policy-arn arn:aws:iam::aws:policy/service-role/${policy}`,
          ),
    );
  }
  return results;
}
