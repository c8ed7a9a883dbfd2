import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonFileProblem, parseJsonText } from '../lambdas/shared/json-text.js';
import { type AccountStackConfig, parseAccountStack } from './account-config.js';
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
      /** The key's service account: `warehouse apply --phase pre` gives it dataset access. */
      serviceAccountEmail?: string;
    };

export interface SourceConfig {
  /** Secrets Manager secret with the DMS user's `username`, `password`, `host`, `port`. */
  secretArn: string;
  /** The database's security group; the stack lets DMS in on `port`. */
  databaseSecurityGroupId: string;
  port: number;
  /**
   * How DMS verifies the database's TLS certificate against the RDS CA bundle: `verify-full` (the
   * default: the certificate must also name the host DMS connects to) or `verify-ca` (a host name the
   * certificate does not list, e.g. a DNS alias). ADR 0034.
   */
  sslMode: 'verify-full' | 'verify-ca';
}

/**
 * How DMS reaches Secrets Manager (the source credentials): an interface endpoint the stack creates,
 * one that exists (DMS's security group may then reach it on 443), or a NAT gateway in the subnets.
 */
export type SecretsManagerAccess =
  | { mode: 'create-endpoint' }
  | { mode: 'existing-endpoint'; securityGroupId: string }
  | { mode: 'nat' };

/** The stage's provisioned DMS replication instance, shared by every source's task (ADR 0014). */
export interface DmsInstanceConfig {
  instanceClass: string;
  /** DMS replication engine version, pinned (at least 3.5.4, ADR 0034). */
  engineVersion: string;
  allocatedStorageGb: number;
  multiAz: boolean;
  /** Days DMS task logs are kept in `dms-tasks-dms2bq-<stage>`. */
  logRetentionDays: number;
  /** How long a deploy waits for a task to stop, modify or start before it fails naming the state. */
  updateWaitMinutes: number;
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
    /**
     * The region's S3 managed prefix list (`com.amazonaws.<region>.s3`), the only 443 destination
     * DMS needs for S3: `aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.<region>.s3`.
     */
    s3PrefixListId: string;
    secretsManager: SecretsManagerAccess;
  };
  dms: DmsInstanceConfig;
  sources: Record<string, SourceConfig>;
  gcp: { projectId: string; location: string; credentials: GcpCredentialsConfig };
  alarmEmail: string;
  /** Days landed files are kept: long enough to replay a backfill from S3. */
  landingRetentionDays: number;
  alarms: { freshnessSloMinutes: number; oldestMessageMinutes: number; dmsLatencySeconds: number };
  /** Where alarm descriptions link runbooks, e.g. `https://github.com/<org>/<repo>/blob/main/`. */
  runbookBaseUrl: string;
  accountStack: AccountStackConfig;
}

const PATTERNS = {
  account: /^\d{12}$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d$/,
  vpcId: /^vpc-[0-9a-f]{8,17}$/,
  subnetId: /^subnet-[0-9a-f]{8,17}$/,
  securityGroupId: /^sg-[0-9a-f]{8,17}$/,
  routeTableId: /^rtb-[0-9a-f]{8,17}$/,
  prefixListId: /^pl-[0-9a-f]{8,17}$/,
  instanceClass: /^dms\.[a-z0-9]+\.[a-z0-9]+$/,
  secretArn: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
  email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
} as const;

/** Reads `config/<stage>.json` and validates it; throws `StageConfigError` naming the field. */
export function loadStageConfig(stage: string, dir = 'config'): StageConfig {
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new StageConfigError(
      `stage "${stage}": a stage name is lowercase letters, digits and dashes; ${knownStages(dir)}`,
    );
  }
  const file = join(dir, `${stage}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new StageConfigError(`${file}: no such stage config; ${knownStages(dir)}, or create ${file}`);
  }
  let document: unknown;
  try {
    document = parseJsonText(text);
  } catch (error) {
    throw new StageConfigError(jsonFileProblem(file, error, 'fix the syntax there'));
  }
  return parseStageConfig(document, file);
}

/** The stages `dir` has a config for, as the fix of a message naming a stage that is not there. */
export function stageNames(dir = 'config'): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /^[a-z][a-z0-9-]{0,19}\.json$/.test(name))
      .map((name) => name.slice(0, -'.json'.length))
      .sort();
  } catch {
    return [];
  }
}

const knownStages = (dir: string): string => {
  const names = stageNames(dir);
  return names.length > 0
    ? `the stages are ${names.join(', ')} (${dir}/<stage>.json)`
    : `${dir}/ has no stage config yet`;
};

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
      sslMode: parseSslMode(read, source.sslMode ?? 'verify-full', `sources.${name}.sslMode`),
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
      s3PrefixListId: read.string(network.s3PrefixListId, 'network.s3PrefixListId', PATTERNS.prefixListId),
      secretsManager: parseSecretsManager(
        read,
        read.object(network.secretsManager, 'network.secretsManager'),
      ),
    },
    sources,
    gcp: {
      projectId: read.string(gcp.projectId, 'gcp.projectId', /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/),
      location: read.string(gcp.location, 'gcp.location', /^[A-Za-z0-9-]+$/),
      credentials: parseCredentials(read, read.object(gcp.credentials, 'gcp.credentials')),
    },
    alarmEmail: read.string(root.alarmEmail, 'alarmEmail', PATTERNS.email),
    landingRetentionDays: read.integer(root.landingRetentionDays, 'landingRetentionDays', 7, 3650),
    dms: parseDms(read, read.object(root.dms ?? {}, 'dms')),
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
    accountStack: parseAccountStack(read, read.object(root.accountStack, 'accountStack')),
  };
}

/** CloudWatch Logs accepts only these retention periods (RetentionInDays). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

function parseDms(read: FieldReader, dms: Json): DmsInstanceConfig {
  const logRetentionDays = read.integer(dms.logRetentionDays ?? 30, 'dms.logRetentionDays', 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    read.fail(
      'dms.logRetentionDays',
      `must be one of CloudWatch Logs' periods: ${LOG_RETENTION_DAYS.join(', ')}`,
    );
  }
  return {
    instanceClass: read.string(
      dms.instanceClass ?? 'dms.t3.medium',
      'dms.instanceClass',
      PATTERNS.instanceClass,
    ),
    engineVersion: parseEngineVersion(read, dms.engineVersion ?? DEFAULT_ENGINE_VERSION),
    allocatedStorageGb: read.integer(dms.allocatedStorageGb ?? 50, 'dms.allocatedStorageGb', 5, 6144),
    multiAz: read.boolean(dms.multiAz ?? false, 'dms.multiAz'),
    logRetentionDays,
    // CloudFormation waits at most an hour for a custom resource; the Provider's own timeout is 55 min.
    updateWaitMinutes: read.integer(dms.updateWaitMinutes ?? 45, 'dms.updateWaitMinutes', 5, 50),
  };
}

/**
 * DMS 3.6.1 (May 2025) is the newest engine in the release notes' table of active versions; 3.5.4 is
 * the oldest this project accepts: Parquet with IncludeOpForFullLoad needs 3.4.7+, and data masking
 * (`hashColumns`, ADR 0038) 3.5.4+. ADR 0034.
 */
export const DEFAULT_ENGINE_VERSION = '3.6.1';
export const MINIMUM_ENGINE_VERSION = '3.5.4';

const versionParts = (version: string) => version.split('.').map(Number);

function parseEngineVersion(read: FieldReader, value: unknown): string {
  const version = read.string(value, 'dms.engineVersion', /^\d+\.\d+\.\d+$/);
  const [major = 0, minor = 0, patch = 0] = versionParts(version);
  const [minMajor = 0, minMinor = 0, minPatch = 0] = versionParts(MINIMUM_ENGINE_VERSION);
  const atLeast =
    major !== minMajor ? major > minMajor : minor !== minMinor ? minor > minMinor : patch >= minPatch;
  if (!atLeast) {
    read.fail(
      'dms.engineVersion',
      `must be ${MINIMUM_ENGINE_VERSION} or later (DMS release notes), e.g. ${DEFAULT_ENGINE_VERSION}`,
    );
  }
  return version;
}

function parseSslMode(read: FieldReader, value: unknown, field: string): SourceConfig['sslMode'] {
  if (value === 'verify-full' || value === 'verify-ca') return value;
  return read.fail(
    field,
    'must be verify-full (the default) or verify-ca; DMS does not support require for MySQL sources and none sends the password in clear text',
  );
}

function parseSecretsManager(read: FieldReader, access: Json): SecretsManagerAccess {
  const field = 'network.secretsManager';
  if (access.mode === 'create-endpoint' || access.mode === 'nat') return { mode: access.mode };
  if (access.mode === 'existing-endpoint') {
    return {
      mode: 'existing-endpoint',
      securityGroupId: read.string(
        access.securityGroupId,
        `${field}.securityGroupId`,
        PATTERNS.securityGroupId,
      ),
    };
  }
  return read.fail(
    `${field}.mode`,
    'must be create-endpoint (the stack adds a Secrets Manager interface endpoint), existing-endpoint (with securityGroupId of that endpoint) or nat (the DMS subnets route to a NAT gateway)',
  );
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
      ...(credentials.serviceAccountEmail === undefined
        ? {}
        : {
            serviceAccountEmail: read.string(
              credentials.serviceAccountEmail,
              'gcp.credentials.serviceAccountEmail',
              /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9.-]+\.iam\.gserviceaccount\.com$/,
            ),
          }),
    };
  }
  return read.fail('gcp.credentials.mode', 'must be workload-identity or service-account-key');
}
