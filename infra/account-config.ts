import type { FieldReader, Json } from './field-reader.js';

/**
 * What the one-time account stack does (ADR 0031, 0032). `dmsServiceRoles`: `create` makes
 * `dms-vpc-role` and `dms-cloudwatch-logs-role`; `existing` adopts the ones an earlier DMS user of
 * the account made (CloudFormation cannot create a role whose name is taken, and deleting them
 * breaks that user). `githubRepository` (`org/repo`) is the only repository whose workflows may
 * assume the deploy and diff roles.
 */
export interface AccountStackConfig {
  dmsServiceRoles: 'create' | 'existing';
  githubRepository: string;
}

export function parseAccountStack(read: FieldReader, accountStack: Json): AccountStackConfig {
  const roles = accountStack.dmsServiceRoles ?? 'create';
  if (roles !== 'create' && roles !== 'existing') {
    read.fail(
      'accountStack.dmsServiceRoles',
      'must be create (the account stack makes dms-vpc-role and dms-cloudwatch-logs-role) or existing (the account has them from earlier DMS use; dms2bq doctor checks them)',
    );
  }
  return {
    dmsServiceRoles: roles,
    githubRepository: read.string(
      accountStack.githubRepository,
      'accountStack.githubRepository',
      /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
    ),
  };
}

/**
 * The two roles DMS looks up by their fixed names in the whole account, with the AWS managed policy
 * each needs; the account stack creates them and `dms2bq doctor` checks them.
 */
export const DMS_SERVICE_ROLES = [
  { id: 'DmsVpcRole', roleName: 'dms-vpc-role', policy: 'AmazonDMSVPCManagementRole' },
  {
    id: 'DmsCloudWatchLogsRole',
    roleName: 'dms-cloudwatch-logs-role',
    policy: 'AmazonDMSCloudWatchLogsRole',
  },
] as const;
