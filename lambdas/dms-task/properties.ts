/**
 * The custom resource's properties: what infra/ passes for one source's replication task. CloudFormation
 * hands every property to the Lambda as a string, so mappings and settings travel as JSON text.
 */
export interface TaskProperties {
  ReplicationTaskIdentifier: string;
  ReplicationInstanceArn: string;
  SourceEndpointArn: string;
  TargetEndpointArn: string;
  MigrationType: string;
  /** `buildTableMappings(mapping)` as JSON. */
  TableMappings: string;
  /** `buildReplicationSettings(mapping)` as JSON. */
  ReplicationTaskSettings: string;
  /** Changes when an endpoint's settings change; the task is restarted to pick them up. */
  EndpointSettingsDigest: string;
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
  'SourceEndpointArn',
  'TargetEndpointArn',
  'MigrationType',
  'TableMappings',
  'ReplicationTaskSettings',
  'EndpointSettingsDigest',
  'WaitTimeoutSeconds',
];

export function parseTaskProperties(raw: Record<string, unknown> | undefined): TaskProperties {
  const properties = {} as TaskProperties;
  for (const key of KEYS) {
    const value = raw?.[key];
    if (typeof value !== 'string' || value === '') {
      throw new TaskPropertiesError(`custom resource property ${key} is required and must be a string`);
    }
    properties[key] = value;
  }
  for (const key of ['TableMappings', 'ReplicationTaskSettings'] as const) {
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

/**
 * What DMS cannot change on an existing task. The API reference of ModifyReplicationTask: "You can't
 * modify the task endpoints." The user guide (Modifying a task): "You can't change the migration type
 * of a task." A changed instance would need MoveReplicationTask, which this project does not do.
 */
const IMMUTABLE: (keyof TaskProperties)[] = [
  'ReplicationTaskIdentifier',
  'ReplicationInstanceArn',
  'SourceEndpointArn',
  'TargetEndpointArn',
  'MigrationType',
];

/**
 * The first property the live task has but the request would change, which DMS cannot do in place;
 * undefined if none. Compared with the task itself, so a rollback to what the task has is no change.
 */
export function immutableChange(
  live: Partial<Record<keyof TaskProperties, string>>,
  desired: TaskProperties,
): keyof TaskProperties | undefined {
  return IMMUTABLE.find((key) => live[key] !== desired[key]);
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
