import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { DescribeRouteTablesCommand, DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { StageConfig } from '../../infra/config.js';
import { pipelineStackName } from '../../lambdas/shared/naming.js';
import { type CheckResult, fail, failedCall, pass } from './report.js';

/** Whose credentials these are, and whether they belong to the stage's account. */
export async function checkIdentity(stage: string, config: StageConfig): Promise<CheckResult> {
  const check = 'AWS credentials';
  try {
    const identity = await new STSClient({ region: config.region }).send(new GetCallerIdentityCommand({}));
    if (identity.Account !== config.account) {
      return fail(
        check,
        `${identity.Arn} is in account ${identity.Account}, config/${stage}.json is account ${config.account}`,
        `use a profile of account ${config.account} (AWS_PROFILE)`,
      );
    }
    return pass(check, `${identity.Arn} in account ${identity.Account}`);
  } catch (error) {
    return failedCall(check, error, 'log in to the stage account (aws sso login) and rerun');
  }
}

const USABLE_STACK_STATES = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
]);

/** The stage's stack exists in a state that serves traffic; its outputs for the other checks. */
export async function checkStack(
  stage: string,
  config: StageConfig,
): Promise<{ result: CheckResult; outputs: Output[] }> {
  const name = pipelineStackName(stage);
  const check = `stack ${name}`;
  const deploy = `deploy it: npx cdk deploy -c stage=${stage}`;
  try {
    const { Stacks = [] } = await new CloudFormationClient({ region: config.region }).send(
      new DescribeStacksCommand({ StackName: name }),
    );
    const stack = Stacks[0];
    if (!stack) return { result: fail(check, 'not found', deploy), outputs: [] };
    const status = stack.StackStatus ?? 'UNKNOWN';
    const result = USABLE_STACK_STATES.has(status)
      ? pass(check, `${status} in ${config.region}`)
      : fail(
          check,
          `${status}${stack.StackStatusReason ? ` (${stack.StackStatusReason})` : ''}`,
          `see its events in the CloudFormation console, then ${deploy}`,
        );
    return { result, outputs: stack.Outputs ?? [] };
  } catch (error) {
    if ((error as Error).message?.includes('does not exist')) {
      return { result: fail(check, `does not exist in ${config.region}`, deploy), outputs: [] };
    }
    return {
      result: failedCall(check, error, 'the identity needs cloudformation:DescribeStacks'),
      outputs: [],
    };
  }
}

/**
 * The keys DMS reads from a secret-based MySQL endpoint: `username`, `password`, `host`, `port`
 * (docs/adr/0020-doctor-preflight.md). Values are never printed.
 */
export const SECRET_KEYS = ['username', 'password', 'host', 'port'] as const;

export async function checkSecret(
  config: StageConfig,
  source: string,
  secretArn: string,
): Promise<CheckResult> {
  const check = `secret of ${source}`;
  const fixKeys = `store JSON {"username","password","host","port"} in ${secretArn}: dms2bq setup source --source ${source} --admin-url mysql://ADMIN@HOST:3306 --stage STAGE --apply writes it`;
  try {
    const { SecretString } = await new SecretsManagerClient({ region: config.region }).send(
      new GetSecretValueCommand({ SecretId: secretArn }),
    );
    let document: unknown;
    try {
      document = JSON.parse(SecretString ?? '');
    } catch {
      return fail(check, 'is not a JSON object', fixKeys);
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      return fail(check, 'is not a JSON object', fixKeys);
    }
    const values = document as Record<string, unknown>;
    const missing = SECRET_KEYS.filter((key) => values[key] === undefined || values[key] === '');
    if (missing.length > 0)
      return fail(check, `has no ${missing.join(', ')} (keys are case-sensitive)`, fixKeys);
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      return fail(check, 'port is not a TCP port number', `set "port" to the database port, e.g. 3306`);
    }
    return pass(check, `has ${SECRET_KEYS.join(', ')}`);
  } catch (error) {
    return failedCall(
      check,
      error,
      `the identity needs secretsmanager:GetSecretValue on ${secretArn} (and kms:Decrypt)`,
    );
  }
}

/**
 * DMS in private subnets reaches S3 (its target) and Secrets Manager (the source's credentials)
 * through VPC endpoints, or through a NAT gateway on the subnets' default route.
 */
export async function checkVpcPath(config: StageConfig): Promise<CheckResult[]> {
  const ec2 = new EC2Client({ region: config.region });
  const { vpcId, subnetIds } = config.network;
  try {
    const { VpcEndpoints = [] } = await ec2.send(
      new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    const { RouteTables = [] } = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: subnetIds }] }),
    );
    const nat = RouteTables.some((table) =>
      (table.Routes ?? []).some((route) => route.DestinationCidrBlock === '0.0.0.0/0' && route.NatGatewayId),
    );
    const endpoint = (service: string) =>
      VpcEndpoints.find(
        (candidate) =>
          candidate.ServiceName === `com.amazonaws.${config.region}.${service}` &&
          candidate.State?.toLowerCase() === 'available',
      );
    return (['s3', 'secretsmanager'] as const).map((service) => {
      const check = `VPC path to ${service === 's3' ? 'S3' : 'Secrets Manager'}`;
      const found = endpoint(service);
      if (found) return pass(check, `${found.VpcEndpointType} endpoint ${found.VpcEndpointId} in ${vpcId}`);
      if (nat) return pass(check, `a NAT gateway on the default route of ${subnetIds.join(', ')}`);
      return fail(
        check,
        `no ${service} endpoint in ${vpcId} and no NAT route from ${subnetIds.join(', ')}`,
        service === 's3'
          ? `set network.s3GatewayEndpointExists false in config (the stack creates one) or add a gateway endpoint`
          : `add an interface endpoint com.amazonaws.${config.region}.secretsmanager with private DNS to ${vpcId}`,
      );
    });
  } catch (error) {
    return [
      failedCall(
        'VPC path',
        error,
        'the identity needs ec2:DescribeVpcEndpoints and ec2:DescribeRouteTables',
      ),
    ];
  }
}
