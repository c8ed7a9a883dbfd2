import {
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';

export interface FakeRole {
  /** The trust policy as JSON; GetRole returns it URL-encoded, as IAM does. */
  trust: Record<string, unknown>;
  attachedPolicyArns: string[];
}

/** The trust policy AWS's DMS guide gives the DMS service roles. */
export const DMS_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'dms.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** The two DMS service roles as the account stack creates them. */
export const healthyDmsServiceRoles = (): Record<string, FakeRole> => ({
  'dms-vpc-role': {
    trust: DMS_TRUST,
    attachedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole'],
  },
  'dms-cloudwatch-logs-role': {
    trust: DMS_TRUST,
    attachedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole'],
  },
});

const noSuchRole = (name: string) =>
  new NoSuchEntityException({
    message: `The role with name ${name} cannot be found.`,
    $metadata: { httpStatusCode: 404 },
  });

/**
 * IAM as doctor reads it: GetRole returns the trust policy "URL-encoded compliant with RFC 3986"
 * and answers NoSuchEntity (404) for a missing role, as ListAttachedRolePolicies does;
 * ListAttachedRolePolicies pages by MaxItems (default 100) with Marker and IsTruncated.
 */
export function fakeIam(roles: Record<string, FakeRole>) {
  const mock = mockClient(IAMClient);
  mock.on(GetRoleCommand).callsFake(({ RoleName }: { RoleName: string }) => {
    const role = roles[RoleName];
    if (!role) throw noSuchRole(RoleName);
    return {
      Role: {
        RoleName,
        Path: '/',
        RoleId: `AROA${RoleName.length}`,
        Arn: `arn:aws:iam::222222222222:role/${RoleName}`,
        CreateDate: new Date(0),
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(role.trust)),
      },
    };
  });
  mock
    .on(ListAttachedRolePoliciesCommand)
    .callsFake(({ RoleName, Marker, MaxItems }: { RoleName: string; Marker?: string; MaxItems?: number }) => {
      const role = roles[RoleName];
      if (!role) throw noSuchRole(RoleName);
      const start = Number(Marker ?? 0);
      const size = MaxItems ?? 100;
      const page = role.attachedPolicyArns.slice(start, start + size);
      const more = start + size < role.attachedPolicyArns.length;
      return {
        AttachedPolicies: page.map((arn) => ({ PolicyArn: arn, PolicyName: arn.split('/').at(-1) })),
        IsTruncated: more,
        ...(more ? { Marker: String(start + size) } : {}),
      };
    });
  return mock;
}
