import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FieldReader, type Json, StageConfigError } from './field-reader.js';

export { StageConfigError };

/** How the loader authenticates to Google Cloud (DESIGN decision 10). */
export type GcpCredentialsConfig =
  | {
      mode: 'workload-identity';
      /** The `external_account` JSON of the workload identity pool provider; it holds no secret. */
      wifConfig: Record<string, unknown>;
    }
  | {
      mode: 'service-account-key';
      /** Secrets Manager secret holding a service-account JSON key (the fallback). */
      keySecretArn: string;
    };

export interface SourceConfig {
  /** Secrets Manager secret with the DMS user's `username`, `password`, `host`, `port`. */
  secretArn: string;
  /** The database's security group; the stack lets DMS in on `port`. */
  databaseSecurityGroupId: string;
  port: number;
}

export interface StageConfig {
  account: string;
  region: string;
  network: {
    vpcId: string;
    /** Private subnets in at least two AZs (a DMS subnet group needs two). */
    subnetIds: string[];
    /** Extra security groups DMS joins, e.g. one the databases already trust. */
    securityGroupIds: string[];
    /** Serverless DMS reaches S3 only through a gateway endpoint; false creates one. */
    s3GatewayEndpointExists: boolean;
    /** Route tables of the DMS subnets; required when the endpoint is created. */
    routeTableIds: string[];
  };
  sources: Record<string, SourceConfig>;
  gcp: { projectId: string; location: string; credentials: GcpCredentialsConfig };
  alarmEmail: string;
  /** Days landed files are kept: long enough to replay a backfill from S3. */
  landingRetentionDays: number;
  /** `dms-vpc-role` is account-wide: exactly one stage per account creates it. */
  createDmsVpcRole: boolean;
  alarms: { freshnessSloMinutes: number; oldestMessageMinutes: number; dmsLatencySeconds: number };
  /** Where alarm descriptions link runbooks, e.g. `https://github.com/<org>/<repo>/blob/main/`. */
  runbookBaseUrl: string;
}

const PATTERNS = {
  account: /^\d{12}$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d$/,
  vpcId: /^vpc-[0-9a-f]{8,17}$/,
  subnetId: /^subnet-[0-9a-f]{8,17}$/,
  securityGroupId: /^sg-[0-9a-f]{8,17}$/,
  routeTableId: /^rtb-[0-9a-f]{8,17}$/,
  secretArn: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
  email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
} as const;

/** Reads `config/<stage>.json` and validates it; throws `StageConfigError` naming the field. */
export function loadStageConfig(stage: string, dir = 'config'): StageConfig {
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new StageConfigError(`-c stage=${stage}: a stage is lowercase letters, digits and dashes`);
  }
  const file = join(dir, `${stage}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new StageConfigError(`${file}: no such stage config; create it or pass -c stage=<name>`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new StageConfigError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  return parseStageConfig(document, file);
}

/** Validates a parsed stage config document; `file` prefixes every error message. */
export function parseStageConfig(document: unknown, file: string): StageConfig {
  const read = new FieldReader(file);
  const root = read.object(document, '');
  const network = read.object(root.network, 'network');
  const gcp = read.object(root.gcp, 'gcp');
  const alarms = read.object(root.alarms ?? {}, 'alarms');
  const s3GatewayEndpointExists = read.boolean(
    network.s3GatewayEndpointExists,
    'network.s3GatewayEndpointExists',
  );
  const routeTableIds = read.strings(
    network.routeTableIds ?? [],
    'network.routeTableIds',
    PATTERNS.routeTableId,
  );
  if (!s3GatewayEndpointExists && routeTableIds.length === 0) {
    read.fail(
      'network.routeTableIds',
      'must list the DMS subnets’ route tables when s3GatewayEndpointExists is false',
    );
  }
  const subnetIds = read.strings(network.subnetIds, 'network.subnetIds', PATTERNS.subnetId);
  if (subnetIds.length < 2)
    read.fail('network.subnetIds', 'needs subnets in at least two availability zones');
  const sourcesDoc = read.object(root.sources, 'sources');
  const sources: Record<string, SourceConfig> = {};
  for (const [name, value] of Object.entries(sourcesDoc)) {
    const source = read.object(value, `sources.${name}`);
    sources[name] = {
      secretArn: read.string(source.secretArn, `sources.${name}.secretArn`, PATTERNS.secretArn),
      databaseSecurityGroupId: read.string(
        source.databaseSecurityGroupId,
        `sources.${name}.databaseSecurityGroupId`,
        PATTERNS.securityGroupId,
      ),
      port: read.integer(source.port ?? 3306, `sources.${name}.port`, 1, 65_535),
    };
  }
  return {
    account: read.string(root.account, 'account', PATTERNS.account),
    region: read.string(root.region, 'region', PATTERNS.region),
    network: {
      vpcId: read.string(network.vpcId, 'network.vpcId', PATTERNS.vpcId),
      subnetIds,
      securityGroupIds: read.strings(
        network.securityGroupIds ?? [],
        'network.securityGroupIds',
        PATTERNS.securityGroupId,
      ),
      s3GatewayEndpointExists,
      routeTableIds,
    },
    sources,
    gcp: {
      projectId: read.string(gcp.projectId, 'gcp.projectId', /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/),
      location: read.string(gcp.location, 'gcp.location', /^[A-Za-z0-9-]+$/),
      credentials: parseCredentials(read, read.object(gcp.credentials, 'gcp.credentials')),
    },
    alarmEmail: read.string(root.alarmEmail, 'alarmEmail', PATTERNS.email),
    landingRetentionDays: read.integer(root.landingRetentionDays, 'landingRetentionDays', 7, 3650),
    createDmsVpcRole: read.boolean(root.createDmsVpcRole, 'createDmsVpcRole'),
    alarms: {
      freshnessSloMinutes: read.integer(
        alarms.freshnessSloMinutes ?? 10,
        'alarms.freshnessSloMinutes',
        1,
        1440,
      ),
      oldestMessageMinutes: read.integer(
        alarms.oldestMessageMinutes ?? 15,
        'alarms.oldestMessageMinutes',
        1,
        1440,
      ),
      dmsLatencySeconds: read.integer(
        alarms.dmsLatencySeconds ?? 600,
        'alarms.dmsLatencySeconds',
        60,
        86_400,
      ),
    },
    runbookBaseUrl: read.string(root.runbookBaseUrl ?? '', 'runbookBaseUrl', /^(https:\/\/\S+\/)?$/),
  };
}

function parseCredentials(read: FieldReader, credentials: Json): GcpCredentialsConfig {
  const mode = credentials.mode;
  if (mode === 'workload-identity') {
    const wifConfig = read.object(credentials.wifConfig, 'gcp.credentials.wifConfig');
    if (wifConfig.type !== 'external_account' || typeof wifConfig.audience !== 'string') {
      read.fail('gcp.credentials.wifConfig', 'must be an external_account configuration with an audience');
    }
    if ('private_key' in wifConfig || 'client_secret' in wifConfig) {
      read.fail(
        'gcp.credentials.wifConfig',
        'must not contain a secret; use mode service-account-key for keys',
      );
    }
    return { mode, wifConfig };
  }
  if (mode === 'service-account-key') {
    return {
      mode,
      keySecretArn: read.string(credentials.keySecretArn, 'gcp.credentials.keySecretArn', PATTERNS.secretArn),
    };
  }
  return read.fail('gcp.credentials.mode', 'must be workload-identity or service-account-key');
}
