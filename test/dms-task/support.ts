import type { EndpointSpec } from '../../lambdas/dms-task/endpoints.js';
import { isComplete, onEvent, type TaskEvent } from '../../lambdas/dms-task/lifecycle.js';
import type { TaskProperties } from '../../lambdas/dms-task/properties.js';
import { buildReplicationSettings, buildS3Settings } from '../../lambdas/shared/dms/settings.js';
import { tableMappingsJson } from '../../lambdas/shared/dms/table-mappings.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import type { DmsFake } from '../support/dms-fake.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

export const IDENTIFIER = 'dms2bq-dev-shop';

export const CERTIFICATE = 'arn:aws:dms:eu-west-1:111111111111:cert:RDS';

/** The source endpoint infra/ would ask for; `changes` alter its settings. */
export const sourceEndpoint = (changes: Partial<EndpointSpec> = {}): EndpointSpec => ({
  EndpointIdentifier: `${IDENTIFIER}-source`,
  EndpointType: 'source',
  EngineName: 'mysql',
  SslMode: 'verify-full',
  CertificateArn: CERTIFICATE,
  MySQLSettings: {
    SecretsManagerSecretId: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:shop',
    SecretsManagerAccessRoleArn: 'arn:aws:iam::111111111111:role/secret-access',
  },
  ...changes,
});

/** The S3 target endpoint infra/ would ask for this mapping. */
export const targetEndpoint = (mapping: SourceMapping): EndpointSpec => ({
  EndpointIdentifier: `${IDENTIFIER}-target`,
  EndpointType: 'target',
  EngineName: 's3',
  S3Settings: {
    ...buildS3Settings(mapping),
    BucketName: 'landing',
    ServiceAccessRoleArn: 'arn:aws:iam::111111111111:role/target-access',
  },
});

/** The custom resource properties infra/ would pass for this mapping. */
export function taskProperties(
  mapping: SourceMapping,
  overrides: Partial<TaskProperties> = {},
): Record<string, string> {
  return {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
    ReplicationTaskIdentifier: IDENTIFIER,
    ReplicationInstanceArn: 'arn:aws:dms:eu-west-1:111111111111:rep:INSTANCE',
    SourceEndpoint: JSON.stringify(sourceEndpoint()),
    TargetEndpoint: JSON.stringify(targetEndpoint(mapping)),
    Tags: JSON.stringify([{ Key: 'dms2bq-stage', Value: 'dev' }]),
    MigrationType: 'full-load-and-cdc',
    TableMappings: tableMappingsJson(mapping),
    ReplicationTaskSettings: JSON.stringify(buildReplicationSettings(mapping)),
    WaitTimeoutSeconds: '1800',
    ...overrides,
  };
}

export const orders = tableMappingFactory({ schema: 'sales', table: 'orders' });
export const customers = tableMappingFactory({ schema: 'sales', table: 'customers' });
export const mappingWith = (...tables: ReturnType<typeof tableMappingFactory>[]) =>
  sourceMappingFactory({ tables });

/**
 * What CloudFormation and the Provider framework do with one request: onEvent once, then isComplete
 * every poll (DMS moves one step per poll) until it completes or throws. Returns the physical ID.
 * `log` collects what the handler logs, as the Lambda's console would.
 */
export async function deploy(
  fake: DmsFake,
  request: Omit<TaskEvent, 'Data'>,
  maxPolls = 40,
  log?: (message: string) => void,
): Promise<{ physicalId: string; data: Record<string, string> }> {
  const deps = { dms: fake.mock as never, now: fake.now, log };
  const { PhysicalResourceId, Data } = await onEvent(request, deps);
  const event = { ...request, PhysicalResourceId, Data };
  for (let poll = 0; poll < maxPolls; poll++) {
    if ((await isComplete(event, deps)).IsComplete) return { physicalId: PhysicalResourceId, data: Data };
    fake.tick();
  }
  throw new Error(`not complete after ${maxPolls} polls`);
}

/** A running source: created, started, every table's full load done. */
export async function runningSource(fake: DmsFake, mapping: SourceMapping) {
  const created = await deploy(fake, { RequestType: 'Create', ResourceProperties: taskProperties(mapping) });
  fake.settle();
  fake.tick();
  fake.mock.resetHistory();
  fake.loadHistory.length = 0;
  return created.physicalId;
}

export const update = (
  physicalId: string,
  before: SourceMapping,
  after: SourceMapping,
  extra: Partial<TaskProperties> = {},
) => ({
  RequestType: 'Update' as const,
  PhysicalResourceId: physicalId,
  OldResourceProperties: taskProperties(before),
  ResourceProperties: taskProperties(after, extra),
});

/** The rollback CloudFormation sends after `forward` failed: the same resource, old and new swapped. */
export const rollbackOf = (forward: ReturnType<typeof update>) => ({
  ...forward,
  OldResourceProperties: forward.ResourceProperties,
  ResourceProperties: forward.OldResourceProperties,
});
