import {
  type DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  type ReplicationTask,
  type TableStatistics,
} from '@aws-sdk/client-database-migration-service';

/**
 * Task statuses as the API reference (ReplicationTask.Status) lists them. Stable ones accept
 * operations; transitional ones resolve by themselves and are waited out.
 */
export const STABLE = new Set(['ready', 'running', 'stopped', 'failed', 'failed-move']);
export const TRANSITIONAL = new Set(['creating', 'starting', 'stopping', 'modifying', 'moving', 'testing']);

/**
 * Table states (user guide, "Table state during tasks") in which a table is being loaded. Stopping the
 * task then would interrupt a full load or an operator's reload, so the deploy waits for them.
 */
const LOADING = new Set(['before load', 'full load', 'table is being reloaded']);

const isNotFound = (error: unknown): boolean => (error as Error).name === 'ResourceNotFoundFault';

/**
 * The task by ARN, or undefined when DMS has none. DescribeReplicationTasks answers a filter that
 * matches nothing with ResourceNotFoundFault (API reference, Errors), or an empty list.
 */
export async function describeTask(
  dms: DatabaseMigrationServiceClient,
  filter: { arn: string } | { identifier: string },
): Promise<ReplicationTask | undefined> {
  const Filters =
    'arn' in filter
      ? [{ Name: 'replication-task-arn', Values: [filter.arn] }]
      : [{ Name: 'replication-task-id', Values: [filter.identifier] }];
  try {
    const { ReplicationTasks = [] } = await dms.send(
      new DescribeReplicationTasksCommand({ Filters, WithoutSettings: false }),
    );
    return ReplicationTasks[0];
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** `schema.table` of tables being loaded right now. */
export const loadingTables = (tables: TableStatistics[]): string[] =>
  tables
    .filter((table) => LOADING.has((table.TableState ?? '').toLowerCase()))
    .map((table) => `${table.SchemaName}.${table.TableName}`);

export const statusOf = (task: ReplicationTask): string => (task.Status ?? 'unknown').toLowerCase();

/** The last part of a task ARN: the `ReplicationTaskIdentifier` dimension of the AWS/DMS task metrics. */
export const taskResourceId = (taskArn: string): string => taskArn.split(':').at(-1) ?? taskArn;

/**
 * Whether the task runs exactly these mappings and settings. Rules are compared by the fields the
 * project sets; settings as a subset, because DMS returns every setting with its defaults filled in.
 */
export function taskMatches(task: ReplicationTask, tableMappings: string, settings: string): boolean {
  return (
    canonicalRules(task.TableMappings ?? '{}') === canonicalRules(tableMappings) &&
    isSubset(JSON.parse(settings), JSON.parse(task.ReplicationTaskSettings ?? '{}'))
  );
}

const RULE_FIELDS = [
  'rule-type',
  'rule-id',
  'rule-name',
  'rule-target',
  'object-locator',
  'rule-action',
  'value',
  'expression',
  'data-type',
  'filters',
];

function canonicalRules(tableMappings: string): string {
  const { rules = [] } = JSON.parse(tableMappings) as { rules?: Record<string, unknown>[] };
  return JSON.stringify(rules.map((rule) => RULE_FIELDS.map((field) => [field, canonical(rule[field])])));
}

/**
 * Key order, number-or-string and empty-or-absent do not count: if DMS stored a rule in another
 * spelling, the task must still count as modified, or the update would modify it again and again.
 */
const canonical = (value: unknown): unknown => {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(canonical);
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, inner]) => [key, canonical(inner)]),
    );
  }
  return String(value);
};

/** Every value in `desired` is in `actual`; arrays match when each desired item matches some actual item. */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(actual) && desired.every((item) => actual.some((candidate) => isSubset(item, candidate)))
    );
  }
  if (desired && typeof desired === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const record = actual as Record<string, unknown>;
    return Object.entries(desired).every(([key, value]) => isSubset(value, record[key]));
  }
  return String(desired) === String(actual);
}
