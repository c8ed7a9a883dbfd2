import type { EndpointSpec } from './endpoints.js';

/**
 * The custom resource's properties: what infra/ passes for one source's replication task. CloudFormation
 * hands every property to the Lambda as a string, so mappings and settings travel as JSON text.
 */
export interface TaskProperties {
  ReplicationTaskIdentifier: string;
  ReplicationInstanceArn: string;
  /** The source endpoint as JSON (`EndpointSpec`): the task's resource creates and changes it. */
  SourceEndpoint: string;
  /** The S3 target endpoint as JSON (`EndpointSpec`). */
  TargetEndpoint: string;
  /** DMS tags (`[{Key, Value}]` as JSON) put on the task and its endpoints; the provider's IAM keys on them. */
  Tags: string;
  MigrationType: string;
  /** `buildTableMappings(mapping)` as JSON. */
  TableMappings: string;
  /** `buildReplicationSettings(mapping)` as JSON. */
  ReplicationTaskSettings: string;
  /** How long an update may wait for DMS before it fails naming the task's state. */
  WaitTimeoutSeconds: string;
}

/** A property is missing or malformed: a bug in infra/, not an operator mistake. */
export class TaskPropertiesError extends Error {
  override name = 'TaskPropertiesError';
}

const KEYS: (keyof TaskProperties)[] = [
  'ReplicationTaskIdentifier',
  'ReplicationInstanceArn',
  'SourceEndpoint',
  'TargetEndpoint',
  'Tags',
  'MigrationType',
  'TableMappings',
  'ReplicationTaskSettings',
  'WaitTimeoutSeconds',
];

const JSON_KEYS = [
  'TableMappings',
  'ReplicationTaskSettings',
  'SourceEndpoint',
  'TargetEndpoint',
  'Tags',
] as const;

export function parseTaskProperties(raw: Record<string, unknown> | undefined): TaskProperties {
  const properties = {} as TaskProperties;
  for (const key of KEYS) {
    const value = raw?.[key];
    if (typeof value !== 'string' || value === '') {
      throw new TaskPropertiesError(`custom resource property ${key} is required and must be a string`);
    }
    properties[key] = value;
  }
  for (const key of JSON_KEYS) {
    try {
      JSON.parse(properties[key]);
    } catch {
      throw new TaskPropertiesError(`custom resource property ${key} is not valid JSON`);
    }
  }
  if (!/^\d+$/.test(properties.WaitTimeoutSeconds)) {
    throw new TaskPropertiesError('custom resource property WaitTimeoutSeconds must be whole seconds');
  }
  return properties;
}

/** The endpoint specs of the request. */
export const endpointSpecs = (properties: TaskProperties) => ({
  source: JSON.parse(properties.SourceEndpoint) as EndpointSpec,
  target: JSON.parse(properties.TargetEndpoint) as EndpointSpec,
});

export const tagsOf = (properties: TaskProperties) =>
  JSON.parse(properties.Tags) as { Key: string; Value: string }[];

/**
 * What this project does not change on an existing task. The user guide (Modifying a task): "You can't
 * change the migration type of a task." A changed instance would need MoveReplicationTask. The source
 * engine (mysql ↔ aurora) is kept too: a task's CDC position is a binlog position of one server.
 */
export interface ImmutableFields {
  ReplicationTaskIdentifier?: string;
  ReplicationInstanceArn?: string;
  MigrationType?: string;
  SourceEngineName?: string;
}

/**
 * The first field the live task has but the request would change; undefined if none. Compared with
 * the task itself, so a rollback to what the task has is no change.
 */
export function immutableChange(live: ImmutableFields, desired: TaskProperties): string | undefined {
  const wanted: ImmutableFields = {
    ReplicationTaskIdentifier: desired.ReplicationTaskIdentifier,
    ReplicationInstanceArn: desired.ReplicationInstanceArn,
    MigrationType: desired.MigrationType,
    SourceEngineName: endpointSpecs(desired).source.EngineName,
  };
  return (Object.keys(wanted) as (keyof ImmutableFields)[]).find((key) => live[key] !== wanted[key]);
}

interface SelectionRule {
  'rule-type'?: string;
  'rule-action'?: string;
  'object-locator'?: { 'schema-name'?: string; 'table-name'?: string };
}

/** `[schema, table]` of each include selection rule, un-escaping the `[_]`/`[%]` literal forms. */
export function selectedTables(tableMappings: string): { schema: string; table: string }[] {
  const literal = (name: string) => name.replace(/\[([_%])\]/g, '$1');
  const { rules = [] } = JSON.parse(tableMappings) as { rules?: SelectionRule[] };
  return rules
    .filter((rule) => rule['rule-type'] === 'selection' && rule['rule-action'] === 'include')
    .map((rule) => ({
      schema: literal(rule['object-locator']?.['schema-name'] ?? ''),
      table: literal(rule['object-locator']?.['table-name'] ?? ''),
    }));
}

/** Tables selected by `after` but not by `before`: the ones that need a full load. */
export function addedTables(before: string, after: string): { schema: string; table: string }[] {
  const known = new Set(selectedTables(before).map(({ schema, table }) => `${schema}.${table}`));
  return selectedTables(after).filter(({ schema, table }) => !known.has(`${schema}.${table}`));
}
