import { isComplete, onEvent, type TaskEvent } from '../../lambdas/dms-task/lifecycle.js';
import type { TaskProperties } from '../../lambdas/dms-task/properties.js';
import { buildReplicationSettings } from '../../lambdas/shared/dms/settings.js';
import { tableMappingsJson } from '../../lambdas/shared/dms/table-mappings.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import type { DmsFake } from '../support/dms-fake.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

export const IDENTIFIER = 'dms2bq-dev-shop';

/** The custom resource properties infra/ would pass for this mapping. */
export function taskProperties(
  mapping: SourceMapping,
  overrides: Partial<TaskProperties> = {},
): Record<string, string> {
  return {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
    ReplicationTaskIdentifier: IDENTIFIER,
    ReplicationInstanceArn: 'arn:aws:dms:eu-west-1:111111111111:rep:INSTANCE',
    SourceEndpointArn: 'arn:aws:dms:eu-west-1:111111111111:endpoint:SOURCE',
    TargetEndpointArn: 'arn:aws:dms:eu-west-1:111111111111:endpoint:TARGET',
    MigrationType: 'full-load-and-cdc',
    TableMappings: tableMappingsJson(mapping),
    ReplicationTaskSettings: JSON.stringify(buildReplicationSettings(mapping)),
    EndpointSettingsDigest: 'digest-1',
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
 */
export async function deploy(
  fake: DmsFake,
  request: Omit<TaskEvent, 'Data'>,
  maxPolls = 40,
): Promise<{ physicalId: string; data: Record<string, string> }> {
  const deps = { dms: fake.mock as never, now: fake.now };
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

export const update = (physicalId: string, before: SourceMapping, after: SourceMapping, extra = {}) => ({
  RequestType: 'Update' as const,
  PhysicalResourceId: physicalId,
  OldResourceProperties: taskProperties(before),
  ResourceProperties: taskProperties(after, extra),
});
