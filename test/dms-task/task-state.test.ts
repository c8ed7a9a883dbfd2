import {
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
} from '@aws-sdk/client-database-migration-service';
import { afterEach, describe, expect, it } from 'vitest';
import { addedTables, parseTaskProperties, selectedTables } from '../../lambdas/dms-task/properties.js';
import { describeTask, isSubset, statusOf, taskMatches } from '../../lambdas/dms-task/task-state.js';
import { DmsFake } from '../support/dms-fake.js';
import { customers, IDENTIFIER, mappingWith, orders, taskProperties } from './support.js';

describe('describeTask', () => {
  const dms = new DatabaseMigrationServiceClient({ region: 'eu-west-1' });
  let fake: DmsFake;
  afterEach(() => fake.mock.restore());
  const twoTasks = () => {
    fake = new DmsFake();
    fake.seed(
      `${IDENTIFIER}-other`,
      taskProperties(mappingWith(customers)).TableMappings as string,
      'stopped',
    );
    const arn = fake.seed(IDENTIFIER, taskProperties(mappingWith(orders)).TableMappings as string, 'running');
    return arn;
  };

  it('finds the task of that ARN among others, with its settings', async () => {
    // Prepare
    const arn = twoTasks();

    // Act
    const task = await describeTask(dms, { arn });

    // Assess
    expect(task).toMatchObject({ ReplicationTaskArn: arn, ReplicationTaskIdentifier: IDENTIFIER });
    expect(task?.ReplicationTaskSettings).toEqual(expect.any(String));
  });

  it('finds the task of that identifier among others', async () => {
    // Prepare
    const arn = twoTasks();

    // Act
    const task = await describeTask(dms, { identifier: IDENTIFIER });

    // Assess
    expect(task).toMatchObject({ ReplicationTaskArn: arn, ReplicationTaskIdentifier: IDENTIFIER });
  });

  it('passes on an error other than not found instead of reading it as no task', async () => {
    // Prepare: DMS API reference, Common Errors: ThrottlingException, "The request was denied due to
    // request throttling." Read as "no task", a Delete would go on to delete the endpoints.
    const arn = twoTasks();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    fake.mock.on(DescribeReplicationTasksCommand).rejects(throttled);

    // Act
    const described = describeTask(dms, { arn });

    // Assess
    await expect(described).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('reads a task without a status as unknown', () => {
    // Assess
    expect(statusOf({ ReplicationTaskIdentifier: IDENTIFIER })).toBe('unknown');
  });
});

describe('task comparison', () => {
  it('counts mappings DMS stored in another spelling (numbers, key order, empty filters) as applied', () => {
    // Prepare
    const desired = taskProperties(mappingWith(orders));
    const stored = JSON.parse(desired.TableMappings as string) as { rules: Record<string, unknown>[] };
    const respelled = {
      rules: stored.rules.map((rule) => {
        const { filters: _dropped, ...rest } = rule;
        return Object.fromEntries(Object.entries({ ...rest, 'rule-id': Number(rule['rule-id']) }).reverse());
      }),
    };

    // Act
    const matches = taskMatches(
      { TableMappings: JSON.stringify(respelled), ReplicationTaskSettings: desired.ReplicationTaskSettings },
      desired.TableMappings as string,
      desired.ReplicationTaskSettings as string,
    );

    // Assess
    expect(matches).toBe(true);
  });

  it('sees a changed excluded column as not applied', () => {
    // Prepare
    const before = taskProperties(mappingWith(orders));
    const after = taskProperties(mappingWith({ ...orders, excludeColumns: ['email'] }));

    // Act
    const matches = taskMatches(
      { TableMappings: before.TableMappings, ReplicationTaskSettings: before.ReplicationTaskSettings },
      after.TableMappings as string,
      after.ReplicationTaskSettings as string,
    );

    // Assess
    expect(matches).toBe(false);
  });

  it.each([
    [{ a: { b: 1 } }, { a: { b: 1, c: 2 }, d: 3 }, true],
    [{ list: [{ Id: 'X', Severity: 'S' }] }, { list: [{ Id: 'Y' }, { Id: 'X', Severity: 'S' }] }, true],
    [{ a: { b: 1 } }, { a: { b: 2 } }, false],
    [{ list: [{ Id: 'X' }] }, { list: [] }, false],
    [{ list: [{ Id: 'X' }, { Id: 'Z' }] }, { list: [{ Id: 'X' }] }, false],
    [{ a: { b: 1 } }, { a: null }, false],
    [{ a: { b: 1 } }, { a: 'b' }, false],
    [{ a: { b: 1 } }, { a: [{ b: 1 }] }, false],
    [{ a: 1, b: 2 }, { a: 1, b: 3 }, false],
    [{ a: 1, b: 2 }, { a: 0, b: 2 }, false],
    [{ a: [1] }, { a: { 0: 1 } }, false],
    [{ a: '5' }, { a: 5 }, true],
  ])('isSubset(%j, %j) is %s', (desired, actual, expected) => {
    // Assess
    expect(isSubset(desired, actual)).toBe(expected);
  });
});

describe('task comparison of rules', () => {
  const task = (rules: Record<string, unknown>[]) => ({ TableMappings: JSON.stringify({ rules }) });
  const rule = (fields: Record<string, unknown>) => ({
    'rule-type': 'selection',
    'rule-id': '1',
    'rule-name': '1',
    'object-locator': { 'schema-name': 'sales', 'table-name': 'orders' },
    'rule-action': 'include',
    ...fields,
  });

  it.each([
    ['another table', { 'object-locator': { 'schema-name': 'sales', 'table-name': 'customers' } }],
    ['another schema', { 'object-locator': { 'schema-name': 'crm', 'table-name': 'orders' } }],
    ['another action', { 'rule-action': 'exclude' }],
    ['a filter', { filters: [{ 'filter-type': 'source', 'column-name': 'id' }] }],
    ['another expression', { expression: '$a' }],
  ])('sees a rule with %s as not applied', (_case, change) => {
    // Act
    const matches = taskMatches(task([rule({})]), JSON.stringify({ rules: [rule(change)] }), '{}');

    // Assess
    expect(matches).toBe(false);
  });

  it('sees object locators whose keys DMS stored in another order as applied', () => {
    // Prepare
    const stored = rule({ 'object-locator': { 'table-name': 'orders', 'schema-name': 'sales' } });

    // Act
    const matches = taskMatches(task([stored]), JSON.stringify({ rules: [rule({})] }), '{}');

    // Assess
    expect(matches).toBe(true);
  });

  it('sees a task without table mappings as not applying any rule', () => {
    // Act
    const matches = taskMatches(
      { ReplicationTaskSettings: '{}' },
      JSON.stringify({ rules: [rule({})] }),
      '{}',
    );

    // Assess
    expect(matches).toBe(false);
  });

  it('sees a setting DMS holds with another value as not applied', () => {
    // Act
    const matches = taskMatches(
      { ...task([rule({})]), ReplicationTaskSettings: JSON.stringify({ Logging: { EnableLogging: false } }) },
      JSON.stringify({ rules: [rule({})] }),
      JSON.stringify({ Logging: { EnableLogging: true } }),
    );

    // Assess
    expect(matches).toBe(false);
  });
});

describe('custom resource properties', () => {
  it.each([
    ['TableMappings', 'not json', 'custom resource property TableMappings is not valid JSON'],
    ['ReplicationTaskSettings', '{', 'custom resource property ReplicationTaskSettings is not valid JSON'],
    ['WaitTimeoutSeconds', '30s', 'custom resource property WaitTimeoutSeconds must be whole seconds'],
    ['WaitTimeoutSeconds', 's30', 'custom resource property WaitTimeoutSeconds must be whole seconds'],
    ['WaitTimeoutSeconds', '1.5', 'custom resource property WaitTimeoutSeconds must be whole seconds'],
    ['MigrationType', '', 'custom resource property MigrationType is required and must be a string'],
    ['MigrationType', 7, 'custom resource property MigrationType is required and must be a string'],
  ])('refuses %s = %j, naming it', (key, value, message) => {
    // Act
    const parse = () => parseTaskProperties({ ...taskProperties(mappingWith(orders)), [key]: value });

    // Assess
    expect(parse).toThrow(expect.objectContaining({ name: 'TaskPropertiesError', message }));
  });

  it('reads only include selection rules as selected tables', () => {
    // Prepare
    const mappings = JSON.stringify({
      rules: [
        {
          'rule-type': 'selection',
          'rule-action': 'include',
          'object-locator': { 'schema-name': 'sales', 'table-name': 'orders' },
        },
        {
          'rule-type': 'selection',
          'rule-action': 'exclude',
          'object-locator': { 'schema-name': 'sales', 'table-name': 'audit' },
        },
        {
          'rule-type': 'transformation',
          'rule-action': 'include',
          'object-locator': { 'schema-name': 'sales', 'table-name': 'tmp' },
        },
      ],
    });

    // Act
    const added = addedTables('{}', mappings);

    // Assess
    expect(added).toEqual([{ schema: 'sales', table: 'orders' }]);
  });

  it('reads a selection rule without schema or table name as empty names, not as a table', () => {
    // Prepare
    const mappings = JSON.stringify({
      rules: [
        { 'rule-type': 'selection', 'rule-action': 'include' },
        { 'rule-type': 'selection', 'rule-action': 'include', 'object-locator': {} },
      ],
    });

    // Act
    const selected = selectedTables(mappings);

    // Assess
    expect(selected).toEqual([
      { schema: '', table: '' },
      { schema: '', table: '' },
    ]);
  });

  it('names the missing property', () => {
    // Prepare
    const { TableMappings: _missing, ...rest } = taskProperties(mappingWith(orders));

    // Act
    const parse = () => parseTaskProperties(rest);

    // Assess
    expect(parse).toThrow('custom resource property TableMappings is required and must be a string');
  });

  it('finds added tables by their literal names, not the escaped locators', () => {
    // Prepare
    const before = taskProperties(mappingWith(orders)).TableMappings as string;
    const after = taskProperties(mappingWith(orders, { ...orders, table: 'order_items' }))
      .TableMappings as string;

    // Act
    const added = addedTables(before, after);

    // Assess
    expect(added).toEqual([{ schema: 'sales', table: 'order_items' }]);
  });
});
